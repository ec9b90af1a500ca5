#!/usr/bin/env python3
# Every translation is complete: extracts the current strings the way the
# build does, merges each po/LANG.po with them and fails on any untranslated
# or fuzzy message (a new string without its Polish is a failure).
import os
import subprocess
import sys
import tempfile

top = sys.argv[1]
po_dir = os.path.join(top, 'po')
with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
    languages = [w for line in f for w in line.split() if not line.startswith('#')]

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'outbound.pot')
    # The same keywords and flags as meson's i18n 'glib' preset.
    subprocess.run(['xgettext', '--package-name=outbound', '-p', tmp, '-D', top, '-o', 'outbound.pot',
                    '-f', os.path.join(po_dir, 'POTFILES.in'),
                    '--from-code=UTF-8', '--add-comments=Translators',
                    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
                    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
                    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
                    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
                    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
                    '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
                    '--flag=g_log:3:c-format', '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
                    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
                    '--flag=g_snprintf:3:c-format'],
                   check=True)
    failed = False
    for lang in languages:
        merged = os.path.join(tmp, lang + '.po')
        subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged,
                        os.path.join(po_dir, lang + '.po'), pot], check=True)
        check = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                               capture_output=True, text=True)
        stats = check.stderr.strip()
        print(f'{lang}: {stats}')
        if check.returncode != 0 or 'untranslated' in stats or 'fuzzy' in stats:
            failed = True
            untranslated = subprocess.run(['msgattrib', '--untranslated', '--only-fuzzy', merged],
                                          capture_output=True, text=True).stdout
            untranslated += subprocess.run(['msgattrib', '--untranslated', merged],
                                           capture_output=True, text=True).stdout
            print(untranslated[:4000])
    sys.exit(1 if failed else 0)
