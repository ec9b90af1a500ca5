#!/usr/bin/env python3
# Fails when a source file with translatable strings is missing from
# po/POTFILES.in, or when POTFILES.in names a file that does not exist.
import os
import re
import sys

top = sys.argv[1]
listed = set()
with open(os.path.join(top, 'po', 'POTFILES.in'), encoding='utf-8') as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith('#'):
            listed.add(line)

marker_c = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"')
marker_ui = re.compile(r'translatable="yes"')

needed = set()
for folder in ('src', 'data'):
    for root, _, files in os.walk(os.path.join(top, folder)):
        for name in files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, top)
            if name.endswith(('.c', '.h')):
                pattern = marker_c
            elif name.endswith('.ui'):
                pattern = marker_ui
            elif name.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
                needed.add(rel)
                continue
            else:
                continue
            with open(path, encoding='utf-8') as f:
                if pattern.search(f.read()):
                    needed.add(rel)

missing = sorted(needed - listed)
stale = sorted(p for p in listed if not os.path.exists(os.path.join(top, p)))
for p in missing:
    print(f'po/POTFILES.in misses {p}, which has translatable strings')
for p in stale:
    print(f'po/POTFILES.in names {p}, which does not exist')
print(f'{len(needed)} files with translatable strings, {len(listed)} listed')
sys.exit(1 if missing or stale else 0)
