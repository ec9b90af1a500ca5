#!/usr/bin/env python3
# Benchmark "smtp": 1,000 messages to a real Postfix (tests/mailbed) through
# ob-smtp over one verified STARTTLS connection with AUTH once, beside
# Python's smtplib over one persistent connection (same TLS verification,
# AUTH once) and msmtp started once per message, all measured in this run
# on the same bed. The server is the limit: Postfix queues and Dovecot
# delivers each message while the next one comes in.
# (That each send is durably recorded belongs to the sender's benchmark.)
import json
import os
import shutil
import smtplib
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

build = sys.argv[1]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bench = os.path.join(build, 'tests', 'bench-smtp')
mailbed = os.path.join(top, 'tests', 'mailbed', 'mailbed')
COUNT = 1000
MSMTP_COUNT = 100
ROUNDS = 3
opened_ms = []  # ob-smtp: connect + STARTTLS + verification + AUTH, per round

# About the size of a real first email: headers plus a few paragraphs.
BODY = ('From: Rep <rep@outbound.test>\r\n'
        'Subject: Quick question about your pipeline\r\n'
        'Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n'
        'MIME-Version: 1.0\r\n'
        'Content-Type: text/plain; charset=UTF-8\r\n'
        'Content-Transfer-Encoding: quoted-printable\r\n'
        '\r\n' + ('Hi there, I noticed your team is growing quickly and wondered whether '
                  'the way you reach new customers keeps up.\r\n\r\n') * 8 +
        'Best,\r\nRep\r\n')


def bed_env(path):
    with open(path) as f:
        return dict(line.rstrip('\n').split('=', 1) for line in f if '=' in line)


def run_ob(env_file, message_file):
    out = subprocess.run([bench, env_file, str(COUNT), message_file], check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    opened_ms.append(r['connect_ms'])
    return r['messages'] / r['seconds']


def run_smtplib(env):
    ctx = ssl.create_default_context(cafile=env['MAILBED_CA_FILE'])
    start = time.perf_counter()
    s = smtplib.SMTP(env['MAILBED_HOST'], int(env['MAILBED_SUBMISSION_PORT']), timeout=30)
    s.starttls(context=ctx)
    s.login(env['MAILBED_REP'], env['MAILBED_REP_PASSWORD'])
    for i in range(COUNT):
        to = f'p{1 + i % 40}@prospects.test'
        msg = f'Message-ID: <bench-py-{i}-{start}@outbound.test>\r\nTo: <{to}>\r\n' + BODY
        s.sendmail(env['MAILBED_REP'], [to], msg.encode())
    s.quit()
    return COUNT / (time.perf_counter() - start)


def run_msmtp(env, tmp):
    rc = os.path.join(tmp, 'msmtprc')
    with open(rc, 'w') as f:
        f.write(f"""defaults
tls on
tls_starttls on
tls_trust_file {env['MAILBED_CA_FILE']}
account bed
host {env['MAILBED_HOST']}
port {env['MAILBED_SUBMISSION_PORT']}
auth plain
user {env['MAILBED_REP']}
password {env['MAILBED_REP_PASSWORD']}
from {env['MAILBED_REP']}
account default : bed
""")
    os.chmod(rc, 0o600)
    start = time.perf_counter()
    for i in range(MSMTP_COUNT):
        to = f'p{1 + i % 40}@prospects.test'
        msg = f'Message-ID: <bench-msmtp-{i}-{start}@outbound.test>\r\nTo: <{to}>\r\n' + BODY
        subprocess.run(['msmtp', '-C', rc, '-f', env['MAILBED_REP'], to], input=msg.encode(),
                       check=True)
    return MSMTP_COUNT / (time.perf_counter() - start)


SENDER_SCRIPT = r'''
set -e
printf '%s' "bench-$$" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
cli="$1"; db="$2"; csv="$3"; campaign="$4"; smtp="$5"; ca="$6"; rep="$7"; password="$8"
printf '%s\n' "$password" | "$cli" --db "$db" account add --name bench --email "$rep" \
  --smtp "$smtp" --ca-file "$ca" --password-stdin --pause 0-0 --daily-limit 100000 >/dev/null
"$cli" --db "$db" import "$csv" >/dev/null
"$cli" --db "$db" campaign create --from "$campaign" >/dev/null
"$cli" --db "$db" enroll --campaign bench --all >/dev/null
"$cli" --db "$db" campaign start bench >/dev/null
start=$(date +%s.%N)
"$cli" --db "$db" run --until-idle --for 600 > "$db.run"
end=$(date +%s.%N)
echo "$start $end"
pkill -f "gnome-keyring-daemon --unlock" -s 0 2>/dev/null || true
'''


def run_sender(env, tmp, round_no):
    """The whole sender through outbound-cli run: the scheduler's decision,
    the durable 'sending' record, SMTP, the 'sent' record, per message."""
    cli = os.path.join(build, 'src', 'cli', 'outbound-cli')
    work = os.path.join(tmp, f'sender{round_no}')
    home = os.path.join(work, 'home')
    os.makedirs(home)
    db = os.path.join(work, 'outbound.db')
    csv = os.path.join(work, 'prospects.csv')
    with open(csv, 'w') as f:
        f.write('email,first_name\n')
        for i in range(COUNT):
            # Real mailboxes, as for the other clients (p1+...@ is p1's):
            # an unknown address would bounce and double the server's work.
            f.write(f'p{1 + i % 40}+bench{round_no}x{i}@prospects.test,Person {i}\n')
    campaign = os.path.join(work, 'bench.campaign')
    with open(campaign, 'w') as f:
        f.write('[campaign]\nname=bench\naccount=bench\nwindow=00:00-24:00\n'
                'days=mon;tue;wed;thu;fri;sat;sun\ndaily-limit=100000\npause=0-0\n'
                '[step 1]\nsubject=Quick question about your pipeline\nbody=' +
                'Hi {{first_name}}, I noticed your team is growing quickly and wondered whether '
                'the way you reach new customers keeps up.\\n\\n' * 8 + 'Best,\\nRep\n')
    script = os.path.join(work, 'run.sh')
    with open(script, 'w') as f:
        f.write(SENDER_SCRIPT)
    runtime = os.path.join(work, 'runtime')
    os.makedirs(runtime, mode=0o700)
    child_env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=runtime,
                     XDG_CONFIG_HOME=os.path.join(home, '.config'),
                     XDG_DATA_HOME=os.path.join(home, '.local', 'share'))
    smtp = f"{env['MAILBED_HOST']}:{env['MAILBED_SUBMISSION_PORT']}:starttls"
    out = subprocess.run(['dbus-run-session', '--', 'sh', script, cli, db, csv, campaign, smtp,
                          env['MAILBED_CA_FILE'], env['MAILBED_REP'], env['MAILBED_REP_PASSWORD']],
                         check=True, capture_output=True, text=True, env=child_env).stdout
    start, end = (float(x) for x in out.split())
    with open(db + '.run') as f:
        sent = sum(1 for line in f if '\tsent\t' in line)
    if sent != COUNT:
        sys.exit(f'smtp: the sender sent {sent} of {COUNT}')
    return COUNT / (end - start)


def main():
    if shutil.which('msmtp') is None:
        sys.exit('smtp: msmtp is not installed (build-aux/setup test installs it)')
    tmp = tempfile.mkdtemp(prefix='obb.', dir='/tmp')
    os.chmod(tmp, 0o711)
    beddir = os.path.join(tmp, 'bed')
    try:
        env_file = subprocess.run([mailbed, 'start', beddir], check=True, capture_output=True,
                                  text=True).stdout.strip()
        env = bed_env(env_file)
        message_file = os.path.join(tmp, 'message')
        with open(message_file, 'w', newline='') as f:
            f.write(BODY)

        # Warm up both servers (first TLS session, Dovecot's processes).
        run_smtplib(env)
        ob, py, sender = [], [], []
        for round_no in range(ROUNDS):
            ob.append(run_ob(env_file, message_file))
            py.append(run_smtplib(env))
            sender.append(run_sender(env, tmp, round_no))
        ms = run_msmtp(env, tmp)

        ob_rate, py_rate = statistics.median(ob), statistics.median(py)
        sender_rate = statistics.median(sender)
        print(f'\nsmtp: {COUNT:,} messages to a real Postfix + Dovecot on loopback '
              f'(STARTTLS verified, AUTH once, one connection), median of {ROUNDS} rounds')
        print(f'  {"client":<48} {"msg/s":>8} {"rounds":>26}')
        print(f'  {"ob-smtp (this code)":<48} {ob_rate:8.1f} '
              f'{" ".join(f"{r:.0f}" for r in ob):>26}')
        print(f'  {"outbound-cli run (the sender, each send durable)":<48} {sender_rate:8.1f} '
              f'{" ".join(f"{r:.0f}" for r in sender):>26}')
        print(f'  {"Python smtplib, one persistent connection":<48} {py_rate:8.1f} '
              f'{" ".join(f"{r:.0f}" for r in py):>26}')
        print(f'  {f"msmtp, one process per message ({MSMTP_COUNT})":<48} {ms:8.1f}')
        print(f'  sender / smtplib = {sender_rate / py_rate:.2f}x (goal >= 0.9x: '
              f'{"met" if sender_rate >= 0.9 * py_rate else "MISSED"}); '
              f'sender / msmtp = {sender_rate / ms:.0f}x (goal >= 40x: '
              f'{"met" if sender_rate >= 40 * ms else "MISSED"})')
        print(f'  ob-smtp connect + STARTTLS + certificate check + AUTH: '
              f'{statistics.median(opened_ms):.1f} ms (median)')
        print(f'  ob-smtp / smtplib = {ob_rate / py_rate:.2f}x (goal >= 0.9x: '
              f'{"met" if ob_rate >= 0.9 * py_rate else "MISSED"}); '
              f'ob-smtp / msmtp = {ob_rate / ms:.0f}x (goal >= 40x: '
              f'{"met" if ob_rate >= 40 * ms else "MISSED"})')
    finally:
        subprocess.run([mailbed, 'stop', beddir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
