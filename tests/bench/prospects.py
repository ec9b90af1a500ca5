#!/usr/bin/env python3
# Benchmark "prospects": the list, search and window over 1,000,000 prospects.
#  - engine: list ids, search while typing (common, rare, short needles), rows
#    at the end of the list; baseline: the same search as LIKE over the four
#    columns in the sqlite3 shell (what a store without a search index does).
#  - window (real, under Xvfb): time from exec to the first rows on screen,
#    jump to the end, search until the rows are drawn, peak RSS.
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import measure, table  # noqa: E402

build = sys.argv[1]
cli = os.path.join(build, 'src', 'cli', 'outbound-cli')
bench = os.path.join(build, 'tests', 'bench-prospects')
bench_ui = os.path.join(build, 'tests', 'bench-ui')

SEED = """
BEGIN;
CREATE TEMP TABLE fn(k INTEGER PRIMARY KEY, v TEXT);
INSERT INTO fn(v) VALUES ('Anna'),('Jan'),('Piotr'),('Maria'),('Łukasz'),('Zoë'),('John'),('Emma'),
 ('Olivia'),('Noah'),('Liam'),('Ava'),('Zofia'),('Jakub'),('Małgorzata'),('Sophie');
CREATE TEMP TABLE ln(k INTEGER PRIMARY KEY, v TEXT);
INSERT INTO ln(v) VALUES ('Nowak'),('Kowalski'),('Wiśniewski'),('Smith'),('Müller'),('Johnson'),
 ('Żółć'),('Brown'),('Garcia'),('Lewandowski'),('Martin'),('Dubois'),('Rossi'),('Kim'),('Nguyen'),
 ('Schmidt'),('Wójcik');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO prospects (email, email_key, domain, first_name, last_name, company, title)
SELECT 'p' || i || '@d' || (i % 5000) || '.test', 'p' || i || '@d' || (i % 5000) || '.test',
       'd' || (i % 5000) || '.test',
       (SELECT v FROM fn WHERE fn.k = 1 + n.i % 16),
       (SELECT v FROM ln WHERE ln.k = 1 + (n.i * 7) % 17) || ' ' || i,
       'Firma ' || (i % 20000),
       CASE i % 3 WHEN 0 THEN 'CEO' WHEN 1 THEN 'Head of Sales' ELSE 'Engineer' END
FROM n;
COMMIT;
"""


def like_baseline(db, needle, runs=5):
    sql = ("SELECT count(*) FROM prospects WHERE email LIKE '%{0}%' OR first_name || ' ' || "
           "last_name LIKE '%{0}%' OR company LIKE '%{0}%' OR title LIKE '%{0}%';").format(needle)
    return measure(['sqlite3', db, sql], runs=runs)


def run_engine(db):
    out = subprocess.run([bench, db], capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        if line.startswith('#'):
            print('  ' + line)
            continue
        name, p50, p99, n = line.split()
        rows[name] = (float(p50), float(p99), int(n))
    return rows


def start_xvfb():
    # One X server for all runs, so its start-up is not counted.
    read, write = os.pipe()
    xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(write), '-screen', '0', '1280x1024x24',
                             '-nolisten', 'tcp'], pass_fds=[write],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    display = b''
    while not display.endswith(b'\n'):
        chunk = os.read(read, 16)
        if not chunk:
            raise SystemExit('Xvfb did not start')
        display += chunk
    os.close(read)
    return xvfb, ':' + display.decode().strip()


def run_window(db, needles, runs=3):
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, GSK_RENDERER='cairo', GTK_A11Y='none',
               GDK_BACKEND='x11', GSETTINGS_BACKEND='memory',
               GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'),
               DBUS_SESSION_BUS_ADDRESS='disabled:')
    results = []
    try:
        for _ in range(runs):
            results.append(run_window_once(db, needles, env))
    finally:
        xvfb.terminate()
        xvfb.wait()
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def run_window_once(db, needles, env):
    start = time.perf_counter()
    proc = subprocess.Popen([bench_ui, db] + needles, env=env, stdout=subprocess.PIPE, text=True)
    r = {}
    for line in proc.stdout:
        parts = line.split()
        if not parts or parts[0].startswith('#'):
            continue
        if parts[0] == 'first-rows':
            # from exec, as the user sees it
            r['first-rows'] = (time.perf_counter() - start) * 1000
        elif parts[0] == 'jump-end':
            r['jump-end'] = float(parts[1])
        elif parts[0] == 'search':
            r['search ' + ' '.join(parts[1:-2])] = float(parts[-2])
        elif parts[0] == 'rss-mb':
            r['rss-mb'] = float(parts[1])
    if proc.wait() != 0:
        raise SystemExit('bench-ui failed')
    return r


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, 'bench.db')
    subprocess.run([cli, '--db', db, 'status'], check=True, stdout=subprocess.DEVNULL)
    t = time.perf_counter()
    subprocess.run(['sqlite3', db], input=SEED, text=True, check=True)
    print(f'\nseeded 1,000,000 prospects in {time.perf_counter() - t:.1f} s')
    t = time.perf_counter()
    subprocess.run([bench, db], env=dict(os.environ, BENCH_INDEX='1'), check=True,
                   stdout=subprocess.DEVNULL)
    print(f'search index built in {time.perf_counter() - t:.1f} s (background; search works meanwhile)')

    engine = run_engine(db)
    print('\nengine, 1M prospects (ms)')
    print(f'  {"measure":<26} {"p50":>9} {"p99":>9}   goal')
    goals = {'first-page-256-rows': '<= 20', 'list-all-ids': '', 'search-common': '', 'search-rare': '<= 30',
             'search-short': '', 'search-typing-a': '<= 30', 'search-typing-b': '<= 30',
             'load-60-rows-at-end': ''}
    for name, (p50, p99, _) in engine.items():
        print(f'  {name:<26} {p50:9.1f} {p99:9.1f}   {goals.get(name, "")}')

    base = [('LIKE scan "nowak" (baseline)', like_baseline(db, 'nowak')),
            ('LIKE scan "kowalski 4242" (baseline)', like_baseline(db, 'kowalski 4242'))]
    table('baseline: the same searches without an index, sqlite3 shell', base)
    print(f'  speed-up, typing "nowak": {base[0][1]["p50_ms"] / engine["search-typing-b"][0]:.0f}x;'
          f' rare: {base[1][1]["p50_ms"] / engine["search-rare"][0]:.0f}x')

    window = run_window(db, ['nowak', 'kowalski 4242'])
    print('\nwindow under Xvfb, 1M prospects (median of 3 starts)')
    for k, goal in [('first-rows', '<= 1000 ms from exec'), ('jump-end', '<= 100 ms'),
                    ('search nowak', ''), ('search kowalski 4242', ''),
                    ('rss-mb', '<= 150 MB')]:
        print(f'  {k:<26} {window[k]:9.1f}   {goal}')
