#!/usr/bin/env python3
# Regenerates the incoming-message fixtures used by tests/test-mime.c
# (ob_mime_parse_headers). The files are committed as they are (binary, see
# .gitattributes); this script only records how each was made. Every
# expectation lives in test-mime.c.
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# An out-of-office reply with LF line ends, folded fields, an ISO-8859-2
# encoded-word, a comment after In-Reply-To and a malformed line in the middle.
write("autoreply-lf.eml",
      b"Return-Path: <anna@acme.example>\n"
      b"Received: from mx.acme.example by mail.example.com;\n"
      b"\tFri, 13 Feb 2026 10:00:00 +0100\n"
      b"From: \"Nowak, Anna\" <anna@acme.example>\n"
      b"To: Pawel <pawel@example.com>\n"
      b"Subject: =?iso-8859-2?Q?Odpowied=BC_automatyczna:?= Re: Quick\n"
      b" question\n"
      b"Date: Fri, 13 Feb 2026 10:00:00 +0100\n"
      b"Message-ID: <auto-1@acme.example>\n"
      b"In-Reply-To: <8632bb1be72f44a568be6585e19b5f38@example.com> (Pawel's message of\n"
      b" Thu, 12 Feb 2026)\n"
      b"References: <first@example.com>\n"
      b"\t<8632bb1be72f44a568be6585e19b5f38@example.com>\n"
      b"Auto-Submitted: auto-replied\n"
      b"X-Autoreply: yes\n"
      b"Precedence: auto_reply\n"
      b"This line has no colon and is skipped\n"
      b"X-Autorespond: Out of office\n"
      b"Content-Type: text/plain;\n"
      b" charset=\"iso-8859-2\"\n"
      b"\n"
      b"Jestem na urlopie.\n")

# CRLF, an mbox "From " line, raw 8-bit UTF-8 subject, a group as To, a
# repeated Subject, a Message-ID without angle brackets.
write("raw-utf8.eml",
      b"From MAILER-DAEMON Fri Feb 13 10:00:00 2026\r\n"
      b"From: Zofia =?UTF-8?B?xbvDs8WCdw==?= <zofia@example.pl>\r\n"
      b"To: undisclosed-recipients:;\r\n"
      + "Subject: Urlop do piątku\r\n".encode("utf-8") +
      b"Subject: second subject is ignored\r\n"
      b"Message-ID: not-in-angles@example.pl\r\n"
      b"List-Unsubscribe: <mailto:list@example.pl?subject=unsubscribe>,\r\n"
      b" <https://example.pl/u>\r\n"
      b"\r\n"
      b"Body\r\n")

# Only header fields, as IMAP's BODY.PEEK[HEADER.FIELDS (...)] returns them,
# with Windows-1252 8-bit text.
write("headers-only-latin1.eml",
      "From: Jürgen Müller <j@example.de>\r\n".encode("cp1252")
      + "Subject: Abwesenheitsnotiz: Grüße – bis Montag\r\n".encode("cp1252")
      + b"Auto-Submitted: auto-generated\r\n"
      b"\r\n")
