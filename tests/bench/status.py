#!/usr/bin/env python3
# Benchmark "status": `outbound-cli status --json` on a store with 1,000,000
# prospects, 200,000 enrollments, 400,000 sends and 1,000,000 events, against
# the sqlite3 shell running the same queries on the same file: the floor, so
# the ratio is what Outbound adds (start-up, schema check, JSON).
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import measure, table  # noqa: E402

build = sys.argv[1]
cli = os.path.join(build, 'src', 'cli', 'outbound-cli')

SEED = """
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO prospects (email, email_key, domain, first_name, status)
SELECT 'p' || i || '@d' || (i % 5000) || '.test', 'p' || i || '@d' || (i % 5000) || '.test',
       'd' || (i % 5000) || '.test', 'Name' || i,
       CASE WHEN i % 50 = 0 THEN 'replied' WHEN i % 97 = 0 THEN 'bounced'
            WHEN i % 331 = 0 THEN 'opted_out' ELSE 'active' END FROM n;
INSERT INTO campaigns (name, state) VALUES ('a', 'running'), ('b', 'paused'), ('c', 'draft');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO enrollments (campaign_id, prospect_id, state, due_at)
SELECT 1 + i % 2, i, CASE WHEN i % 10 = 0 THEN 'finished' ELSE 'active' END, 1800000000 + i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
INSERT INTO sends (enrollment_id, step_position, state, message_id)
SELECT 1 + (i - 1) % 200000, 1 + (i - 1) / 200000,
       CASE WHEN i % 1000 = 0 THEN 'retry' ELSE 'sent' END, '<' || i || '@bench.test>' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO events (at, kind, campaign_id, prospect_id)
SELECT 1790000000 + i * 7, CASE WHEN i % 20 = 0 THEN 'replied' ELSE 'sent' END, 1, 1 + i % 200000 FROM n;
COMMIT;
"""

# The queries ob_store_get_counts() runs, as they are, in one read transaction.
COUNTS = """
BEGIN;
SELECT status, count(*) FROM prospects GROUP BY status;
SELECT state, count(*) FROM campaigns GROUP BY state;
SELECT state, count(*) FROM enrollments GROUP BY state;
SELECT state, count(*) FROM sends GROUP BY state;
SELECT count(*) FROM accounts;
SELECT count(*) FROM do_not_contact;
SELECT count(*) FROM events;
COMMIT;
"""

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, 'bench.db')
    subprocess.run([cli, '--db', db, 'status'], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['sqlite3', db], input=SEED, text=True, check=True)
    size_mb = os.path.getsize(db) / 1e6

    rows = [
        ('outbound-cli status --json', measure([cli, '--db', db, 'status', '--json'])),
        ('sqlite3 shell, same queries (baseline)', measure(['sqlite3', db, COUNTS])),
    ]
    table(f'status on a {size_mb:.0f} MB store: 1M prospects, 200k enrollments, '
          f'400k sends, 1M events', rows)
    ratio = rows[0][1]['p50_ms'] / rows[1][1]['p50_ms']
    print(f'  outbound-cli / sqlite3 p50 ratio: {ratio:.2f}')
