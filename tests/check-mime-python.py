#!/usr/bin/env python3
# Reads messages built by ob_mime_build() with Python's own parser
# (email.policy.default, the strict modern one) and checks that it finds no
# defect and gets back what was meant. Run by tests/test-mime.c:
#
#   check-mime-python.py FILE.eml...
#
# Next to each FILE.eml, FILE.json holds the expectations:
#   headers      the header field names, in order
#   subject      the decoded Subject
#   from_name, from_addr, to_name, to_addr
#   message_id, in_reply_to (null when absent), references (a list)
#   list_unsubscribe (null when absent)
#   date         ISO 8601
#   body         the plain-text body, LF line ends
#   html         a list of snippets the HTML part must hold, or null for none
# Prints one line per file; exits 1 when any file fails.
import datetime
import email
import email.policy
import json
import re
import sys


def check(path):
    with open(path, 'rb') as f:
        data = f.read()
    with open(path[:-len('.eml')] + '.json', encoding='utf-8') as f:
        want = json.load(f)
    problems = []

    def expect(what, got, wanted):
        if got != wanted:
            problems.append(f'{what}: got {got!r}, want {wanted!r}')

    lines = data.split(b'\r\n')
    if lines[-1] != b'':
        problems.append('does not end with CRLF')
    for number, line in enumerate(lines, 1):
        if b'\r' in line or b'\n' in line:
            problems.append(f'line {number}: bare CR or LF')
        if len(line) > 998:
            problems.append(f'line {number}: {len(line)} octets')
        if any(b > 0x7e for b in line):
            problems.append(f'line {number}: 8-bit data')

    msg = email.message_from_bytes(data, policy=email.policy.default)

    for part in msg.walk():
        for defect in part.defects:
            problems.append(f'defect in {part.get_content_type()}: {defect!r}')
        for name, value in part.items():
            for defect in getattr(value, 'defects', ()):
                problems.append(f'defect in {name}: {defect!r}')

    expect('headers', list(msg.keys()), want['headers'])
    expect('Subject', str(msg['Subject'] or ''), want['subject'])

    for field in ('from', 'to'):
        addresses = msg[field].addresses if msg[field] is not None else ()
        if len(addresses) != 1:
            problems.append(f'{field}: {len(addresses)} addresses: {addresses!r}')
            continue
        # CPython 3.11 keeps the space between two encoded-words of a display
        # name (RFC 2047 6.2 says to drop it); ob-mime splits long names after
        # a space, so at worst that space reads doubled here.
        expect(f'{field} name', re.sub(' {2,}', ' ', addresses[0].display_name),
               want[field + '_name'])
        expect(f'{field} address', addresses[0].addr_spec, want[field + '_addr'])

    expect('Message-ID', str(msg['Message-ID']).strip(), want['message_id'])
    in_reply_to = msg['In-Reply-To']
    expect('In-Reply-To', str(in_reply_to).strip() if in_reply_to is not None else None,
           want['in_reply_to'])
    references = msg['References']
    expect('References', str(references).split() if references is not None else [],
           want['references'])
    unsubscribe = msg['List-Unsubscribe']
    expect('List-Unsubscribe', str(unsubscribe) if unsubscribe is not None else None,
           want['list_unsubscribe'])
    expect('Date', msg['Date'].datetime if msg['Date'] is not None else None,
           datetime.datetime.fromisoformat(want['date']))

    plain = msg.get_body(preferencelist=('plain',))
    if plain is None:
        problems.append('no text/plain body')
    else:
        expect('charset', plain.get_content_charset(), 'utf-8')
        expect('body', plain.get_content().replace('\r\n', '\n'), want['body'])

    html = msg.get_body(preferencelist=('html',))
    if want['html'] is None:
        expect('multipart', msg.is_multipart(), False)
    elif html is None:
        problems.append('no text/html part')
    else:
        expect('multipart', msg.get_content_type(), 'multipart/alternative')
        content = html.get_content()
        for snippet in want['html']:
            if snippet not in content:
                problems.append(f'html lacks {snippet!r}')

    return problems


failed = False
for path in sys.argv[1:]:
    try:
        problems = check(path)
    except Exception as e:  # a crash on a message is a failure to report, not to hide
        problems = [f'{type(e).__name__}: {e}']
    if problems:
        failed = True
        print(f'FAIL {path}')
        for problem in problems:
            print(f'  {problem}')
    else:
        print(f'ok {path}')
sys.exit(1 if failed else 0)
