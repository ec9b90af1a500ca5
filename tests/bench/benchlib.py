# Shared helpers of the benchmarks: run a command several times, report the
# median and spread of wall time and each run's own peak RSS (from wait4).
import os
import statistics
import subprocess
import time


def run_once(argv, env=None, stdin=None):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors='replace')
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f'{argv[0]} failed ({proc.returncode}): {err.strip()}')
    return wall, usage.ru_maxrss / 1024.0


def measure(argv, runs=7, env=None):
    walls, rss = [], []
    for _ in range(runs):
        w, r = run_once(argv, env=env)
        walls.append(w)
        rss.append(r)
    walls.sort()
    return {
        'p50_ms': statistics.median(walls) * 1000,
        'min_ms': walls[0] * 1000,
        'max_ms': walls[-1] * 1000,
        'rss_mb': max(rss),
    }


def table(title, rows):
    print(f'\n{title}')
    print(f'  {"command":<44} {"p50 ms":>9} {"min ms":>9} {"max ms":>9} {"peak RSS MB":>12}')
    for name, m in rows:
        print(f'  {name:<44} {m["p50_ms"]:9.1f} {m["min_ms"]:9.1f} {m["max_ms"]:9.1f} {m["rss_mb"]:12.1f}')
