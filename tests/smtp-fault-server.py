#!/usr/bin/python3
# A scripted SMTP server for the faults a real server will not produce on
# demand. Standard library + ssl only.
#
#   smtp-fault-server.py [--tls none|starttls|implicit] [--no-starttls]
#                        [--cert PEM --key PEM | --self-signed DIR]
#                        [--greeting 421] [--stall SECONDS]
#
# Prints "PORT <n>" on its first line once it listens on 127.0.0.1 (a free
# port), then serves until killed. Each connection is a thread.
#
# Server-wide faults:
#   --greeting 421     answer "421 4.3.2 ..." at connect and hang up
#   --no-starttls      never offer STARTTLS (and refuse it: 502)
#   --stall-greeting   say nothing at all after accepting
#   --self-signed DIR  a fresh self-signed certificate for localhost (DIR/ss.pem)
#   --handshake-delay S  wait S seconds before answering a TLS handshake, as a
#                      distant server would
#   --exit-on-stdin-eof  exit when stdin closes (the test that started it ended)
#
# Faults chosen by the recipient's local part, so one server and one
# connection can go through several (the connection stays usable after a
# reply error, as with a real server):
#   rcpt451  rcpt452  rcpt550  rate450  rate421  limit550   (reply to RCPT TO)
#   data552  data554                                        (reply after the message)
#   datadrop   hang up in the middle of the message
#   stallrcpt  say nothing to RCPT TO for --stall seconds (default 30)
#   stalldata  say nothing after the message for --stall seconds
# Anything else is accepted. AUTH PLAIN/LOGIN accept the password "good",
# AUTH XOAUTH2 the token "good-token".
# Accepted messages are appended to the file named by --spool, if given,
# one "TO SIZE" line each; --trace FILE gets the verb of every command
# received (AUTH with its mechanism only), one line each, to show what a
# client did or did not send.
import argparse
import base64
import os
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time

RCPT_FAULTS = {
    'rcpt451': '451 4.3.0 Temporary lookup failure, try again later',
    'rcpt452': '452 4.2.2 Mailbox full',
    'rcpt550': '550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown',
    'rate450': '450 4.7.1 Too many messages from this sender, slow down',
    'rate421': '421 4.7.0 Try again later, closing connection (rate limited)',
    'limit550': '550 5.4.5 Daily user sending limit exceeded.',
}
DATA_FAULTS = {
    'data552': '552 5.3.4 Message size exceeds fixed limit',
    'data554': '554 5.7.1 Message rejected: looks like spam\x1b[31m',
}


class Handler(socketserver.StreamRequestHandler):
    timeout = 120

    def send(self, line):
        self.wfile.write(line.encode() + b'\r\n')
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            raise EOFError
        return line.decode('utf-8', 'replace').rstrip('\r\n')

    def trace(self, what):
        if self.server.opts.trace:
            with self.server.lock, open(self.server.opts.trace, 'a') as f:
                f.write(what + '\n')

    def start_tls(self):
        # A far server: the ServerHello comes late.
        time.sleep(self.server.opts.handshake_delay)
        conn = self.server.tls_context.wrap_socket(self.request, server_side=True)
        self.request = conn
        self.rfile = conn.makefile('rb')
        self.wfile = conn.makefile('wb')

    def handle(self):
        opts = self.server.opts
        try:
            if opts.tls == 'implicit':
                self.start_tls()
            if opts.stall_greeting:
                time.sleep(opts.stall)
                return
            if opts.greeting == 421:
                self.send('421 4.3.2 Service not available, closing transmission channel')
                return
            self.send('220 fault.test ESMTP scripted')
            self.session(opts)
        except (EOFError, ConnectionError, ssl.SSLError, OSError):
            pass

    def session(self, opts):
        tls_active = opts.tls == 'implicit'
        rcpt = None
        while True:
            line = self.readline()
            verb = line.split(' ', 1)[0].upper()
            arg = line[len(verb):].strip()
            self.trace(f'AUTH {arg.split()[0] if arg else ""}' if verb == 'AUTH' else verb)
            if verb in ('EHLO', 'HELO'):
                caps = ['250-fault.test']
                if opts.tls == 'starttls' and not opts.no_starttls and not tls_active:
                    caps.append('250-STARTTLS')
                caps.append('250-AUTH PLAIN LOGIN')
                caps.append('250 8BITMIME')
                for c in caps:
                    self.send(c)
            elif verb == 'STARTTLS':
                if opts.no_starttls or opts.tls != 'starttls' or tls_active:
                    self.send('502 5.5.1 STARTTLS not available')
                    continue
                self.send('220 2.0.0 Ready to start TLS')
                self.start_tls()
                tls_active = True
            elif verb == 'AUTH':
                self.auth(arg)
            elif verb == 'MAIL':
                rcpt = None
                self.send('250 2.1.0 Ok')
            elif verb == 'RCPT':
                rcpt = arg.split('<', 1)[-1].split('>', 1)[0]
                local = rcpt.split('@', 1)[0]
                if local == 'stallrcpt':
                    time.sleep(opts.stall)
                    return
                if local in RCPT_FAULTS:
                    self.send(RCPT_FAULTS[local].format(rcpt=rcpt))
                    if local == 'rate421':
                        return
                    rcpt = None
                else:
                    self.send('250 2.1.5 Ok')
            elif verb == 'DATA':
                if rcpt is None:
                    self.send('503 5.5.1 Error: need RCPT command')
                    continue
                self.send('354 End data with <CR><LF>.<CR><LF>')
                local = rcpt.split('@', 1)[0]
                size = 0
                lines = 0
                while True:
                    data = self.readline()
                    lines += 1
                    if local == 'datadrop' and lines == 3:
                        self.request.shutdown(socket.SHUT_RDWR)
                        return
                    if data == '.':
                        break
                    size += len(data) + 2
                if local == 'stalldata':
                    time.sleep(opts.stall)
                    return
                if local in DATA_FAULTS:
                    self.send(DATA_FAULTS[local])
                else:
                    if opts.spool:
                        with self.server.lock, open(opts.spool, 'a') as f:
                            f.write(f'{rcpt} {size}\n')
                    self.send(f'250 2.0.0 Ok: queued as F{int(time.time() * 1000) % 100000:05d}')
                rcpt = None
            elif verb == 'RSET':
                rcpt = None
                self.send('250 2.0.0 Ok')
            elif verb == 'NOOP':
                self.send('250 2.0.0 Ok')
            elif verb == 'QUIT':
                self.send('221 2.0.0 Bye')
                return
            else:
                self.send('502 5.5.2 Error: command not recognized')

    def auth(self, arg):
        parts = arg.split()
        mech = parts[0].upper() if parts else ''
        if mech == 'PLAIN':
            if len(parts) > 1:
                blob = parts[1]
            else:
                self.send('334 ')
                blob = self.readline()
            try:
                password = base64.b64decode(blob).split(b'\0')[2].decode()
            except Exception:
                password = ''
        elif mech == 'XOAUTH2':
            # Gmail's exchange: on a bad token a 334 with a JSON error, the
            # client's empty line, then 535.
            try:
                fields = base64.b64decode(parts[1]).decode().split('\x01')
            except Exception:
                fields = []
            if 'auth=Bearer good-token' in fields:
                self.send('235 2.7.0 Accepted')
            else:
                self.send('334 ' + base64.b64encode(b'{"status":"401","schemes":"bearer"}').decode())
                self.readline()
                self.send('535 5.7.8 Username and Password not accepted')
            return
        elif mech == 'LOGIN':
            self.send('334 VXNlcm5hbWU6')
            self.readline()
            self.send('334 UGFzc3dvcmQ6')
            password = base64.b64decode(self.readline()).decode(errors='replace')
        else:
            self.send('504 5.5.4 Unrecognized authentication type')
            return
        if password == 'good':
            self.send('235 2.7.0 Authentication successful')
        else:
            self.send('535 5.7.8 Error: authentication failed: bad password')


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def self_signed(folder):
    os.makedirs(folder, exist_ok=True)
    cert, key = os.path.join(folder, 'ss.pem'), os.path.join(folder, 'ss.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                    'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '2', '-subj', '/CN=localhost',
                    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--tls', choices=('none', 'starttls', 'implicit'), default='none')
    p.add_argument('--no-starttls', action='store_true')
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--self-signed', metavar='DIR')
    p.add_argument('--greeting', type=int, default=220)
    p.add_argument('--stall-greeting', action='store_true')
    p.add_argument('--stall', type=float, default=30)
    p.add_argument('--handshake-delay', type=float, default=0)
    p.add_argument('--spool')
    p.add_argument('--trace')
    p.add_argument('--exit-on-stdin-eof', action='store_true')
    opts = p.parse_args()

    server = Server(('127.0.0.1', 0), Handler)
    server.opts = opts
    server.lock = threading.Lock()
    if opts.tls != 'none':
        if opts.self_signed:
            opts.cert, opts.key = self_signed(opts.self_signed)
        if not opts.cert:
            sys.exit('--tls needs --cert/--key or --self-signed')
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.cert, opts.key)
        server.tls_context = ctx
    if opts.exit_on_stdin_eof:
        # stdin is a pipe from the test: gone with the test, even when it aborts
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
    print(f'PORT {server.server_address[1]}', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
