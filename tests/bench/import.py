#!/usr/bin/env python3
# Benchmark "import": a deterministic CSV of 1,000,000 rows x 10 columns
# (~150 MB: quoted commas, quotes and new lines, non-ASCII names, 1 % repeated
# addresses) imported into an empty store by `outbound-cli import`, against
# the sqlite3 shell's `.import --csv` and Python's csv + sqlite3 executemany,
# both into a table with the same columns and the same UNIQUE email index, in
# WAL mode, one transaction. The runs are interleaved (A B C A B C ...) so that
# a noisy machine hurts each the same; each gets its own fresh database.
#
# Also measured: "searchable", the same import followed by the search
# indexing (the CLI's default), until every new prospect can be found.
#
#   OB_BENCH_ROWS (default 1000000), OB_BENCH_RUNS (3), OB_BENCH_SEARCH_RUNS (3)
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import table  # noqa: E402

build = sys.argv[1]
cli = os.path.join(build, 'src', 'cli', 'outbound-cli')
rows = int(os.environ.get('OB_BENCH_ROWS', '1000000'))
runs = int(os.environ.get('OB_BENCH_RUNS', '3'))
search_runs = int(os.environ.get('OB_BENCH_SEARCH_RUNS', '3'))
python = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable

GOAL_WALL_S = 3.5
GOAL_VS_PYTHON = 2.5
GOAL_RSS_MB = 150
GOAL_SEARCHABLE_S = 15

FIRST = ['Jan', 'Anna', 'Łukasz', 'Małgorzata', 'Zoë', 'François', 'Søren', 'Jürgen', 'José', 'Agnieszka',
         'Michael', 'Sarah', 'Tomáš', 'Božena', 'Ślęża', 'Grzegorz', 'Émilie', 'Björn', 'Nuño', 'Zoltán',
         'John', 'Mary', 'David', 'Linda', 'Piotr', 'Katarzyna', 'Ольга', 'Dmitri', '美咲', 'Ana']
LAST = ['Kowalski', 'Nowak', 'Wiśniewski', 'Müller', 'Lefèvre', 'Ångström', 'Dvořák', 'Smith', 'García',
        'Żółć', 'Brzęczyszczykiewicz', "O'Brien", 'van der Berg', 'Novák', 'Schröder', 'Jones', 'Lindqvist',
        'Łęcka', 'Rossi', 'Иванов', 'Nakamura', 'Brown', 'Kaczmarek', 'Hernández', 'Nørgaard']
ASCII = str.maketrans({'Ł': 'L', 'ł': 'l', 'ó': 'o', 'ü': 'u', 'ë': 'e', 'ç': 'c', 'ø': 'o', 'Ø': 'O',
                       'Å': 'A', 'å': 'a', 'ö': 'o', 'é': 'e', 'É': 'E', 'á': 'a', 'ň': 'n', 'š': 's',
                       'ž': 'z', 'Ś': 'S', 'ś': 's', 'ę': 'e', 'ą': 'a', 'ż': 'z', 'Ż': 'Z', 'ć': 'c',
                       'ń': 'n', 'ř': 'r', 'ä': 'a', 'ñ': 'n', 'í': 'i', 'č': 'c', 'è': 'e', "'": '',
                       'О': 'o', 'л': 'l', 'ь': '', 'г': 'g', 'а': 'a', 'И': 'i', 'в': 'v', 'н': 'n',
                       'о': 'o', '美': 'm', '咲': 's'})
WORDS = ['Acme', 'Global', 'Data', 'Systems', 'Nordic', 'Polska', 'Cloud', 'Labs', 'Works', 'Solutions',
         'Tech', 'Bio', 'Green', 'Blue', 'Logistics', 'Media', 'Bank', 'Soft', 'Analytics', 'Capital']
TITLES = ['CEO', 'CTO', 'VP Sales', 'Head of Marketing', 'Founder', 'Sales Manager', 'Engineer',
          'Dyrektor handlowy', 'Prezes zarządu', 'Office Manager', 'Head of Growth, EMEA', 'COO']
CITIES = ['Warszawa', 'Kraków', 'Łódź', 'Berlin', 'München', 'Paris', 'London', 'Praha', 'Zürich', 'Malmö',
          'New York', 'São Paulo', 'Wrocław', 'Gdańsk', 'Poznań']
COUNTRIES = ['PL', 'DE', 'FR', 'UK', 'US', 'CZ', 'CH', 'SE', 'BR', '']
NOTES = ['', '', '', 'met at conf', 'Interested, call back in Q3', 'likes "short" emails',
         'Two offices:\nWarsaw, Berlin', 'referral from Anna; warm', 'budget: 10,000 EUR, decides in May',
         'Zażółć gęślą jaźń', 'multi\r\nline, with "quotes"']
HEADER = ['First Name', 'Last Name', 'Email', 'Company', 'Title', 'City', 'Phone', 'LinkedIn URL', 'Notes',
          'Country']


def generate(path, n, seed=42):
    """The same bytes for the same n, on every machine."""
    import csv
    rnd = random.Random(seed)
    companies = []
    for i in range(20000):
        name = f'{rnd.choice(WORDS)} {rnd.choice(WORDS)}'
        if rnd.random() < 0.3:
            name += ', Inc.'
        companies.append((name, f'{name.split()[0].lower()}{i}.{rnd.choice(["com", "pl", "de", "io", "eu"])}'))
    emails = []
    with open(path, 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\r\n')
        w.writerow(HEADER)
        for i in range(n):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            company, domain = companies[rnd.randrange(len(companies))]
            local = f'{first.translate(ASCII).lower()[:1]}{last.translate(ASCII).lower().replace(" ", "")}{i}'
            if rnd.random() < 0.05:
                domain = rnd.choice(['gmail.com', 'outlook.com', 'wp.pl', 'yahoo.com'])
            email = f'{local}@{domain}'
            if i % 100 == 7 and i > 1000:
                # 1 % repeat an earlier address, half of them in capitals
                email = emails[i - 997].upper() if i % 200 == 7 else emails[i - 997]
            emails.append(email)
            w.writerow([first, last, email, company, rnd.choice(TITLES), rnd.choice(CITIES),
                        f'+48{rnd.randrange(100000000, 999999999)}', f'linkedin.com/in/{local.replace(".", "")}',
                        rnd.choice(NOTES), rnd.choice(COUNTRIES)])
    return len(set(e.lower() for e in emails))


BASELINE_SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE prospects (first_name TEXT, last_name TEXT, email TEXT, company TEXT, title TEXT,
                        city TEXT, phone TEXT, linkedin TEXT, notes TEXT, country TEXT);
CREATE UNIQUE INDEX prospects_email ON prospects (lower (email));
"""

PYTHON_IMPORT = """
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[2], isolation_level=None)
con.executescript(sys.argv[3])
con.execute('BEGIN')
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    reader = csv.reader(f)
    next(reader)
    con.executemany('INSERT OR IGNORE INTO prospects VALUES (?,?,?,?,?,?,?,?,?,?)', reader)
con.execute('COMMIT')
con.close()
"""


def remove_db(db):
    for suffix in ('', '-wal', '-shm', '-journal'):
        try:
            os.remove(db + suffix)
        except FileNotFoundError:
            pass


TIME = '/usr/bin/time' if os.path.exists('/usr/bin/time') else None


def run(argv, stdin=None):
    """Wall time and peak RSS of one run; output goes to files, not pipes (the
    sqlite3 shell prints a line for each repeated address). The peak RSS comes
    from /usr/bin/time when there is one: a child forked from this (bigger)
    process would otherwise start with this process's RSS as its peak."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode='r') as rss_file:
        command = [TIME, '-q', '-f', '%M', '-o', rss_file.name] + argv if TIME else argv
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors='replace')
        if code != 0:
            raise SystemExit(f'{argv[0]} failed ({code}): {err.read().decode(errors="replace")[-2000:]}')
        rss_kb = int(rss_file.read().split()[-1]) if TIME else usage.ru_maxrss
    return wall, rss_kb / 1024.0, stdout


def count_rows(db, table):
    return int(subprocess.run(['sqlite3', db, f'SELECT count(*) FROM {table}'], capture_output=True,
                              text=True, check=True).stdout)


def summary(walls, rss):
    walls = sorted(walls)
    return {'p50_ms': statistics.median(walls) * 1000, 'min_ms': walls[0] * 1000,
            'max_ms': walls[-1] * 1000, 'rss_mb': max(rss)}


if len(sys.argv) > 2 and sys.argv[1] == '--generate':
    # In a process of its own: a child forked from a parent that grew while
    # generating would report the parent's size as its peak RSS
    print(generate(sys.argv[2], int(sys.argv[3])))
    sys.exit(0)

with tempfile.TemporaryDirectory(prefix='outbound-bench-import-') as tmp:
    csv_path = os.path.join(tmp, 'prospects.csv')
    start = time.perf_counter()
    unique = int(subprocess.run([sys.executable, __file__, '--generate', csv_path, str(rows)],
                                capture_output=True, text=True, check=True).stdout)
    size_mb = os.path.getsize(csv_path) / 1e6
    print(f'\nGenerated {rows:,} rows x 10 columns, {size_mb:.0f} MB, {unique:,} distinct addresses'
          f' in {time.perf_counter() - start:.1f} s')

    db = os.path.join(tmp, 'bench.db')
    # Read once so that every contender starts with the file in the page cache
    with open(csv_path, 'rb') as f:
        while f.read(1 << 20):
            pass

    shell_script = os.path.join(tmp, 'shell.sql')
    with open(shell_script, 'w') as f:
        f.write(BASELINE_SCHEMA + f'BEGIN;\n.import --csv --skip 1 {csv_path} prospects\nCOMMIT;\n')

    results = {'outbound': ([], []), 'shell': ([], []), 'python': ([], [])}
    reports = []
    for _ in range(runs):
        # Outbound: an empty store made beforehand, as the app or `status` makes it
        remove_db(db)
        subprocess.run([cli, '--db', db, 'status'], check=True, stdout=subprocess.DEVNULL)
        wall, rss, out = run([cli, '--db', db, 'import', csv_path, '--json', '--no-search-index'])
        report = json.loads(out)
        reports.append(report)
        assert report['imported'] == unique, (report['imported'], unique)
        assert count_rows(db, 'prospects') == unique
        results['outbound'][0].append(wall)
        results['outbound'][1].append(rss)

        remove_db(db)
        with open(shell_script) as script:
            wall, rss, _ = run(['sqlite3', db], stdin=script)
        assert count_rows(db, 'prospects') == unique
        results['shell'][0].append(wall)
        results['shell'][1].append(rss)

        remove_db(db)
        wall, rss, _ = run([python, '-c', PYTHON_IMPORT, csv_path, db, BASELINE_SCHEMA])
        assert count_rows(db, 'prospects') == unique
        results['python'][0].append(wall)
        results['python'][1].append(rss)

    searchable_walls, searchable_rss, index_ms = [], [], []
    for _ in range(search_runs):
        remove_db(db)
        subprocess.run([cli, '--db', db, 'status'], check=True, stdout=subprocess.DEVNULL)
        wall, rss, out = run([cli, '--db', db, 'import', csv_path, '--json'])
        report = json.loads(out)
        assert report['search_indexed'], 'the search index was not built'
        searchable_walls.append(wall)
        searchable_rss.append(rss)
        index_ms.append(report['timing_ms']['search_index'])

    o = summary(*results['outbound'])
    s = summary(*results['shell'])
    p = summary(*results['python'])
    rows_table = [
        ('outbound-cli import (empty store)', o),
        ('sqlite3 shell .import --csv (baseline)', s),
        (f'{os.path.basename(python)} csv + executemany (baseline)', p),
    ]
    if searchable_walls:
        rows_table.append(('outbound-cli import + search index', summary(searchable_walls, searchable_rss)))
    table(f'import of {rows:,} rows ({size_mb:.0f} MB), {runs} runs each, interleaved', rows_table)

    skipped = reports[0]['skipped']
    print(f'  outbound: {reports[0]["imported"]:,} imported, {skipped["total"]:,} skipped '
          f'({skipped["duplicate_in_file"]:,} duplicates); inside the CLI: import '
          f'{statistics.median(r["timing_ms"]["import"] for r in reports) / 1000:.2f} s')
    if index_ms:
        print(f'  search indexing after the import: {statistics.median(index_ms) / 1000:.2f} s (median)')

    vs_python = p['p50_ms'] / o['p50_ms']
    vs_shell = s['p50_ms'] / o['p50_ms']
    print(f'  python / outbound: {vs_python:.2f}x    sqlite3 shell / outbound: {vs_shell:.2f}x')

    def goal(text, ok):
        print(f'  [{"met" if ok else "MISSED"}] {text}')

    print('\nGoals')
    goal(f'outbound <= {GOAL_WALL_S} s wall: {o["p50_ms"] / 1000:.2f} s', o['p50_ms'] <= GOAL_WALL_S * 1000)
    goal(f'>= {GOAL_VS_PYTHON}x faster than Python: {vs_python:.2f}x', vs_python >= GOAL_VS_PYTHON)
    goal(f'faster than the sqlite3 shell: {vs_shell:.2f}x', vs_shell > 1)
    goal(f'peak RSS <= {GOAL_RSS_MB} MB: {o["rss_mb"]:.0f} MB', o['rss_mb'] <= GOAL_RSS_MB)
    if searchable_walls:
        searchable = statistics.median(searchable_walls)
        goal(f'searchable <= {GOAL_SEARCHABLE_S} s after starting: {searchable:.1f} s',
             searchable <= GOAL_SEARCHABLE_S)
