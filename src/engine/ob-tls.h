/* ob-tls.h: connect with timeouts, TLS with verified certificates, for SMTP and IMAP
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One place where a connection to a mail server is made: DNS, a connect
 * bounded by a timeout and a GCancellable, then a libetpan mailstream
 * (plain, or TLS with SNI), and the check libetpan does not do: the peer's
 * certificate chain and host name against the system trust store (plus an
 * optional extra CA file per account), or one exact certificate the user
 * pinned by its SHA-256. ob-smtp and ob-imap call ob_tls_verify_stream()
 * right after the handshake (implicit TLS) or after STARTTLS, before any
 * credential is sent. Blocking; any thread (see ob-tls.c).
 *
 * For IMAP (what ob-smtp does for SMTP; tests/test-smtp.c has it in full):
 *
 *   fd = ob_tls_connect_socket (ep.host, ep.port, ep.timeout_seconds, cancellable, &error);
 *   stream = ob_tls_open_stream (fd, &ep, &error);            // TLS now if ep.security is TLS
 *   if (ep.security == OB_TLS_SECURITY_TLS)
 *     ob_tls_verify_stream (stream, &ep, &peer, &error);      // before reading anything
 *   mailimap_set_timeout (imap, ep.timeout_seconds);
 *   mailimap_connect (imap, stream);
 *   if (ep.security == OB_TLS_SECURITY_STARTTLS)
 *     {
 *       // no STARTTLS in CAPABILITY: OB_TLS_ERROR_STARTTLS_MISSING, never go on in plaintext
 *       mailimap_socket_starttls_with_callback (imap, ob_tls_set_server_name, (void *) ep.host);
 *       ob_tls_verify_stream (imap->imap_stream, &ep, &peer, &error);
 *       // then CAPABILITY again: what was read before TLS is stale
 *     }
 *   mailimap_login (...);
 *
 * mailstream_cancel (stream) from another thread ends a blocked read.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* libetpan's stream types, without its headers in every includer (C11
 * allows the same typedef twice). */
typedef struct _mailstream mailstream;
struct mailstream_ssl_context;

#define OB_TLS_ERROR (ob_tls_error_quark ())

/**
 * ObTlsError:
 * @OB_TLS_ERROR_DNS: the host name does not resolve.
 * @OB_TLS_ERROR_REFUSED: nothing listens on that port (connection refused).
 * @OB_TLS_ERROR_UNREACHABLE: no route to the host, or another connect error.
 * @OB_TLS_ERROR_TIMEOUT: connecting, the TLS handshake or a read took longer
 *   than the timeout.
 * @OB_TLS_ERROR_CANCELLED: the caller's GCancellable fired.
 * @OB_TLS_ERROR_HANDSHAKE: the TLS handshake failed (the port does not
 *   speak TLS, no common protocol version or cipher, or the peer hung up).
 * @OB_TLS_ERROR_CERTIFICATE: the certificate is not trusted (unknown CA,
 *   expired, not yet valid, or issued for another host name); the details
 *   come as an #ObTlsCertificate so the user can decide to trust it.
 * @OB_TLS_ERROR_CA_FILE: the account's extra CA file cannot be read or holds
 *   no certificate.
 * @OB_TLS_ERROR_STARTTLS_MISSING: STARTTLS was required and the server does
 *   not offer it (or refused it). Nothing was sent in plaintext.
 * @OB_TLS_ERROR_CLOSED: the server closed the connection.
 *
 * Every code but %OB_TLS_ERROR_CERTIFICATE, %OB_TLS_ERROR_CA_FILE and
 * %OB_TLS_ERROR_STARTTLS_MISSING may go away by itself: see
 * ob_tls_error_is_transient().
 */
typedef enum
{
  OB_TLS_ERROR_DNS,
  OB_TLS_ERROR_REFUSED,
  OB_TLS_ERROR_UNREACHABLE,
  OB_TLS_ERROR_TIMEOUT,
  OB_TLS_ERROR_CANCELLED,
  OB_TLS_ERROR_HANDSHAKE,
  OB_TLS_ERROR_CERTIFICATE,
  OB_TLS_ERROR_CA_FILE,
  OB_TLS_ERROR_STARTTLS_MISSING,
  OB_TLS_ERROR_CLOSED,
} ObTlsError;

/* How a side of an account connects; the strings are the ones stored in
 * accounts.smtp_security / imap_security. */
typedef enum
{
  OB_TLS_SECURITY_TLS,       /* "tls": implicit TLS (465, 993) */
  OB_TLS_SECURITY_STARTTLS,  /* "starttls": plain, then STARTTLS, required */
  OB_TLS_SECURITY_INSECURE,  /* "insecure": plaintext, only when the user said so */
} ObTlsSecurity;

/* Why a certificate was refused; several may hold at once. */
typedef enum
{
  OB_TLS_CERTIFICATE_UNKNOWN_CA    = 1 << 0,
  OB_TLS_CERTIFICATE_BAD_IDENTITY  = 1 << 1,
  OB_TLS_CERTIFICATE_EXPIRED       = 1 << 2,
  OB_TLS_CERTIFICATE_NOT_ACTIVATED = 1 << 3,
  OB_TLS_CERTIFICATE_REVOKED       = 1 << 4,
  OB_TLS_CERTIFICATE_INSECURE      = 1 << 5,
  OB_TLS_CERTIFICATE_OTHER         = 1 << 6,
} ObTlsCertificateFlags;

#define OB_TLS_DEFAULT_TIMEOUT 60

/**
 * ObTlsEndpoint:
 * @host: the server's host name (or IP literal): connected to, sent as SNI
 *   (not for IP literals) and checked against the certificate
 * @port: its port
 * @security: implicit TLS, STARTTLS, or plaintext
 * @ca_file: (nullable): a PEM file with CAs trusted for this account only,
 *   on top of the system store
 * @pins: (nullable) (array zero-terminated=1): SHA-256 fingerprints (hex,
 *   any case, colons allowed) of certificates trusted as they are
 * @timeout_seconds: for connecting, the handshake and every read; 0 means
 *   %OB_TLS_DEFAULT_TIMEOUT. libetpan counts in whole seconds.
 *
 * Borrowed strings: the caller keeps them alive during the call.
 */
typedef struct
{
  const char         *host;
  guint16             port;
  ObTlsSecurity       security;
  const char         *ca_file;
  const char * const *pins;
  guint               timeout_seconds;
} ObTlsEndpoint;

/**
 * ObTlsCertificate:
 * @subject: the subject's distinguished name (RFC 4514 text)
 * @issuer: the issuer's distinguished name
 * @not_before: start of validity, Unix seconds
 * @not_after: end of validity, Unix seconds
 * @sha256: SHA-256 of the DER certificate, 64 lower-case hex digits: what a
 *   pin stores
 * @der: the certificate itself
 * @problems: why it was refused (0 when it was accepted)
 * @pinned: accepted because its SHA-256 was pinned
 *
 * The server's certificate (the leaf) as shown to a user asked whether to
 * trust it.
 */
typedef struct
{
  char                 *subject;
  char                 *issuer;
  gint64                not_before;
  gint64                not_after;
  char                 *sha256;
  GBytes               *der;
  ObTlsCertificateFlags problems;
  gboolean              pinned;
} ObTlsCertificate;

GQuark            ob_tls_error_quark           (void);

gboolean          ob_tls_security_from_string  (const char          *text,
                                                ObTlsSecurity       *security);
const char       *ob_tls_security_to_string    (ObTlsSecurity        security);

gboolean          ob_tls_error_is_transient    (const GError        *error);

int               ob_tls_connect_socket        (const char          *host,
                                                guint16              port,
                                                guint                timeout_seconds,
                                                GCancellable        *cancellable,
                                                GError             **error);
mailstream       *ob_tls_open_stream           (int                  fd,
                                                const ObTlsEndpoint *endpoint,
                                                GError             **error);
void              ob_tls_set_server_name       (struct mailstream_ssl_context *context,
                                                void                *host);
gboolean          ob_tls_verify_stream         (mailstream          *stream,
                                                const ObTlsEndpoint *endpoint,
                                                ObTlsCertificate   **peer,
                                                GError             **error);
gboolean          ob_tls_verify_chain          (GPtrArray           *chain,
                                                const ObTlsEndpoint *endpoint,
                                                ObTlsCertificate   **peer,
                                                GError             **error);

char             *ob_tls_normalize_pin         (const char          *pin);
char             *ob_tls_describe_problems     (ObTlsCertificateFlags problems);
char             *ob_tls_format_fingerprint    (const char          *sha256);
char             *ob_tls_sanitize_text         (const char          *text,
                                                gssize               length);

ObTlsCertificate *ob_tls_certificate_copy      (const ObTlsCertificate *certificate);
void              ob_tls_certificate_free      (ObTlsCertificate    *certificate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObTlsCertificate, ob_tls_certificate_free)

G_END_DECLS
