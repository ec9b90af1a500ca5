#!/usr/bin/env python3
# The engine never includes GTK, GDK or libadwaita (DESIGN.md: layers).
import os
import re
import sys

top = sys.argv[1]
forbidden = re.compile(r'#\s*include\s*[<"](gtk/|gdk/|adwaita\.h|gsk/)')
bad = []
for root, _, files in os.walk(os.path.join(top, 'src', 'engine')):
    for name in files:
        if name.endswith(('.c', '.h')):
            path = os.path.join(root, name)
            with open(path, encoding='utf-8') as f:
                for number, line in enumerate(f, 1):
                    if forbidden.search(line):
                        bad.append(f'{os.path.relpath(path, top)}:{number}: {line.strip()}')
print('\n'.join(bad) if bad else 'src/engine includes no GTK')
sys.exit(1 if bad else 0)
