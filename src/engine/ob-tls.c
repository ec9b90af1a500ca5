/* ob-tls.c: connect with timeouts, TLS with verified certificates, for SMTP and IMAP
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: every function blocks and may be called from any thread (the
 * sender's and watcher's workers); nothing here keeps state between calls.
 *
 * Why libetpan's own TLS plus a check of our own, rather than a TLS layer
 * of our own under libetpan: libetpan (GnuTLS on Debian) already does the
 * handshake, STARTTLS, timeouts on every read and cancellation; what it
 * lacks is verification (see notes/libetpan.md: any certificate is
 * accepted, no host name check, no SNI unless asked). So the handshake is
 * libetpan's, with SNI set from its callback, and the peer chain it
 * returns is verified here with GnuTLS before the caller sends anything
 * (in particular before AUTH). A refused certificate closes the stream
 * unused.
 *
 * The connect itself is ours: libetpan's waits up to the global
 * mailstream_network_delay (300 s) and cannot be cancelled. Ours resolves
 * with GResolver, then tries each address with a non-blocking connect
 * polled together with the GCancellable's fd, within one deadline.
 */
#define G_LOG_DOMAIN "ob-tls"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "ob-tls.h"

G_DEFINE_QUARK (ob-tls-error-quark, ob_tls_error)

gboolean
ob_tls_security_from_string (const char    *text,
                             ObTlsSecurity *security)
{
  if (g_strcmp0 (text, "tls") == 0)
    *security = OB_TLS_SECURITY_TLS;
  else if (g_strcmp0 (text, "starttls") == 0)
    *security = OB_TLS_SECURITY_STARTTLS;
  else if (g_strcmp0 (text, "insecure") == 0)
    *security = OB_TLS_SECURITY_INSECURE;
  else
    return FALSE;
  return TRUE;
}

const char *
ob_tls_security_to_string (ObTlsSecurity security)
{
  switch (security)
    {
    case OB_TLS_SECURITY_TLS:
      return "tls";
    case OB_TLS_SECURITY_STARTTLS:
      return "starttls";
    case OB_TLS_SECURITY_INSECURE:
      return "insecure";
    default:
      g_return_val_if_reached ("tls");
    }
}

/* Only the user can fix a refused certificate, a bad CA file or a server
 * without STARTTLS; the rest may pass by itself (DNS and refused included:
 * a server being restarted looks like that). */
gboolean
ob_tls_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != OB_TLS_ERROR)
    return FALSE;
  return error->code != OB_TLS_ERROR_CERTIFICATE &&
         error->code != OB_TLS_ERROR_CA_FILE &&
         error->code != OB_TLS_ERROR_STARTTLS_MISSING &&
         error->code != OB_TLS_ERROR_CANCELLED;
}

static guint
effective_timeout (guint timeout_seconds)
{
  return timeout_seconds > 0 ? timeout_seconds : OB_TLS_DEFAULT_TIMEOUT;
}

/* One address: 0 and the connected fd, or the errno that failed it
 * (ETIMEDOUT when the deadline passed, ECANCELED when cancelled). */
static int
connect_one (GInetAddress *address,
             guint16       port,
             gint64        deadline,
             GCancellable *cancellable,
             int          *fd_out)
{
  g_autoptr(GSocketAddress) sockaddr = g_inet_socket_address_new (address, port);
  struct sockaddr_storage native;
  gsize native_len = g_socket_address_get_native_size (sockaddr);
  int fd;
  int err = 0;
  socklen_t err_len = sizeof err;
  int one = 1;

  if (!g_socket_address_to_native (sockaddr, &native, sizeof native, NULL))
    return EAFNOSUPPORT;
  fd = socket (native.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return errno;

  if (connect (fd, (struct sockaddr *) &native, native_len) < 0)
    {
      int cancel_fd;

      if (errno != EINPROGRESS)
        {
          err = errno;
          close (fd);
          return err;
        }
      cancel_fd = g_cancellable_get_fd (cancellable);
      for (;;)
        {
          struct pollfd fds[2] = { { fd, POLLOUT, 0 }, { cancel_fd, POLLIN, 0 } };
          gint64 left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
          int n;

          if (left_ms <= 0)
            {
              err = ETIMEDOUT;
              break;
            }
          n = poll (fds, cancel_fd >= 0 ? 2 : 1, (int) MIN (left_ms, G_MAXINT));
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              err = errno;
              break;
            }
          if (cancel_fd >= 0 && (fds[1].revents & POLLIN))
            {
              err = ECANCELED;
              break;
            }
          if (n > 0)
            {
              if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
                err = errno;
              break;
            }
        }
      g_cancellable_release_fd (cancellable);
      if (err != 0)
        {
          close (fd);
          return err;
        }
    }

  /* libetpan waits for readiness itself and expects a blocking socket. */
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  /* Small TLS records meet delayed ACKs otherwise: ~40 ms per command. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  *fd_out = fd;
  return 0;
}

/**
 * ob_tls_connect_socket:
 * @host: a host name or an IP literal
 * @port: the port
 * @timeout_seconds: for the whole connect (all addresses); 0: the default
 * @cancellable: (nullable): ends the connect at once
 * @error: an #OB_TLS_ERROR
 *
 * Resolves @host and connects to its addresses in order until one answers.
 * The resolver itself is not bounded by the timeout (the system's own
 * resolver timeouts apply).
 *
 * Returns: a connected, blocking socket with TCP_NODELAY and keepalive
 *   (the caller owns it), or -1.
 */
int
ob_tls_connect_socket (const char   *host,
                       guint16       port,
                       guint         timeout_seconds,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GError) local_error = NULL;
  GList *addresses;
  gint64 deadline;
  int last_err = 0;
  int fd = -1;

  g_return_val_if_fail (host != NULL && *host != '\0', -1);

  addresses = g_resolver_lookup_by_name (resolver, host, cancellable, &local_error);
  if (addresses == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CANCELLED, _("Cancelled"));
      else
        g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_DNS,
                     _("The server name %s could not be found: %s"), host, local_error->message);
      return -1;
    }

  deadline = g_get_monotonic_time () + (gint64) effective_timeout (timeout_seconds) * G_USEC_PER_SEC;
  for (GList *l = addresses; l != NULL && fd < 0; l = l->next)
    {
      int err = connect_one (l->data, port, deadline, cancellable, &fd);

      /* A refusal on one address (often ::1) says less than a timeout or
       * an unreachable network on the next. */
      if (err != 0 && (last_err == 0 || last_err == ECONNREFUSED))
        last_err = err;
      if (err == ECANCELED || err == ETIMEDOUT)
        break;
    }
  g_resolver_free_addresses (addresses);
  if (fd >= 0)
    return fd;

  switch (last_err)
    {
    case ECANCELED:
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CANCELLED, _("Cancelled"));
      break;
    case ETIMEDOUT:
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_TIMEOUT,
                   _("%s port %u did not answer within %u seconds"),
                   host, port, effective_timeout (timeout_seconds));
      break;
    case ECONNREFUSED:
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_REFUSED,
                   _("%s refused the connection on port %u (no mail server listens there)"),
                   host, port);
      break;
    default:
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_UNREACHABLE,
                   _("Could not connect to %s port %u: %s"), host, port, g_strerror (last_err));
      break;
    }
  return -1;
}

/**
 * ob_tls_set_server_name:
 * @context: libetpan's TLS context, before the handshake
 * @host: (type utf8): the host name
 *
 * The callback to give libetpan's *_with_callback TLS and STARTTLS
 * functions: sends @host as SNI, except for IP literals (RFC 6066).
 */
void
ob_tls_set_server_name (struct mailstream_ssl_context *context,
                        void                          *host)
{
  if (host != NULL && !g_hostname_is_ip_address (host))
    mailstream_ssl_set_server_name (context, host);
}

/**
 * ob_tls_open_stream:
 * @fd: (transfer full): a connected socket from ob_tls_connect_socket()
 * @endpoint: the server; its security says whether to start TLS now
 * @error: an #OB_TLS_ERROR
 *
 * Wraps @fd in a libetpan stream whose every read waits at most the
 * endpoint's timeout: TLS (handshake done, SNI sent) for
 * %OB_TLS_SECURITY_TLS, plain otherwise (STARTTLS comes later, from the
 * protocol). The TLS peer is not verified yet: call ob_tls_verify_stream().
 * @fd is closed on failure.
 *
 * Returns: (transfer full): the stream, or %NULL.
 */
mailstream *
ob_tls_open_stream (int                  fd,
                    const ObTlsEndpoint *endpoint,
                    GError             **error)
{
  guint timeout = effective_timeout (endpoint->timeout_seconds);
  mailstream *stream;

  if (endpoint->security != OB_TLS_SECURITY_TLS)
    {
      stream = mailstream_socket_open_timeout (fd, timeout);
      if (stream == NULL)
        {
          close (fd);
          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CLOSED, _("Out of memory"));
        }
      return stream;
    }

  stream = mailstream_ssl_open_with_callback_timeout (fd, timeout, ob_tls_set_server_name,
                                                      (void *) endpoint->host);
  if (stream == NULL)
    {
      close (fd);
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE,
                   _("The TLS handshake with %s port %u failed or timed out "
                     "(does this port use implicit TLS?)"),
                   endpoint->host, endpoint->port);
    }
  return stream;
}

/* A pin as the user may paste it (any case, colons or spaces between the
 * bytes) as 64 lower-case hex digits, or %NULL when it is no SHA-256. */
char *
ob_tls_normalize_pin (const char *pin)
{
  g_autoptr(GString) hex = g_string_new (NULL);

  for (const char *p = pin; p != NULL && *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        g_string_append_c (hex, g_ascii_tolower (*p));
      else if (*p != ':' && *p != ' ')
        return NULL;
    }
  if (hex->len != 64)
    return NULL;
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

char *
ob_tls_describe_problems (ObTlsCertificateFlags problems)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (problems & OB_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (parts, _("it is not signed by a trusted authority"));
  if (problems & OB_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (parts, _("it was issued for another server name"));
  if (problems & OB_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (parts, _("it has expired"));
  if (problems & OB_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (parts, _("it is not valid yet"));
  if (problems & OB_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (parts, _("it was revoked"));
  if (problems & OB_TLS_CERTIFICATE_INSECURE)
    g_ptr_array_add (parts, _("it uses an insecure algorithm"));
  if ((problems & OB_TLS_CERTIFICATE_OTHER) || parts->len == 0)
    g_ptr_array_add (parts, _("it could not be verified"));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv ("; ", (char **) parts->pdata);
}

/**
 * ob_tls_format_fingerprint:
 * @sha256: a fingerprint in lower-case hex, as in ObTlsCertificate
 *
 * The fingerprint as people compare it: upper-case pairs joined by colons,
 * the form `openssl x509 -fingerprint -sha256` and browsers print, which
 * an administrator would read out. ob_tls_normalize_pin() takes it back.
 */
char *
ob_tls_format_fingerprint (const char *sha256)
{
  GString *out = g_string_sized_new (96);

  g_return_val_if_fail (sha256 != NULL, NULL);

  for (gsize i = 0; sha256[i] != '\0'; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (sha256[i]));
    }
  return g_string_free (out, FALSE);
}

/* Control characters (CR, LF, ESC, DEL...) become spaces, runs of spaces
 * one, and the text valid UTF-8: server text is shown and logged, never
 * interpreted. */
char *
ob_tls_sanitize_text (const char *text,
                      gssize      length)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  valid = g_utf8_make_valid (text, length);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p++)
    {
      char c = (guchar) *p < 0x20 || *p == 0x7f ? ' ' : *p;

      if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
        continue;
      g_string_append_c (out, c);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

ObTlsCertificate *
ob_tls_certificate_copy (const ObTlsCertificate *certificate)
{
  ObTlsCertificate *copy;

  if (certificate == NULL)
    return NULL;
  copy = g_new0 (ObTlsCertificate, 1);
  *copy = *certificate;
  copy->subject = g_strdup (certificate->subject);
  copy->issuer = g_strdup (certificate->issuer);
  copy->sha256 = g_strdup (certificate->sha256);
  copy->der = certificate->der != NULL ? g_bytes_ref (certificate->der) : NULL;
  return copy;
}

void
ob_tls_certificate_free (ObTlsCertificate *certificate)
{
  if (certificate == NULL)
    return;
  g_free (certificate->subject);
  g_free (certificate->issuer);
  g_free (certificate->sha256);
  g_clear_pointer (&certificate->der, g_bytes_unref);
  g_free (certificate);
}

static char *
dn_text (gnutls_x509_crt_t crt,
         gboolean          issuer)
{
  gnutls_datum_t dn = { NULL, 0 };
  char *text;
  int r = issuer ? gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0)
                 : gnutls_x509_crt_get_dn3 (crt, &dn, 0);

  if (r < 0)
    return g_strdup ("");
  text = ob_tls_sanitize_text ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return text;
}

static ObTlsCertificate *
describe_leaf (GBytes           *der,
               gnutls_x509_crt_t crt)
{
  ObTlsCertificate *info = g_new0 (ObTlsCertificate, 1);

  info->der = g_bytes_ref (der);
  info->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, der);
  info->subject = dn_text (crt, FALSE);
  info->issuer = dn_text (crt, TRUE);
  info->not_before = gnutls_x509_crt_get_activation_time (crt);
  info->not_after = gnutls_x509_crt_get_expiration_time (crt);
  return info;
}

static ObTlsCertificateFlags
problems_from_status (unsigned int status)
{
  ObTlsCertificateFlags problems = 0;

  if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
    problems |= OB_TLS_CERTIFICATE_UNKNOWN_CA;
  if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
    problems |= OB_TLS_CERTIFICATE_BAD_IDENTITY;
  if (status & GNUTLS_CERT_EXPIRED)
    problems |= OB_TLS_CERTIFICATE_EXPIRED;
  if (status & GNUTLS_CERT_NOT_ACTIVATED)
    problems |= OB_TLS_CERTIFICATE_NOT_ACTIVATED;
  if (status & GNUTLS_CERT_REVOKED)
    problems |= OB_TLS_CERTIFICATE_REVOKED;
  if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
    problems |= OB_TLS_CERTIFICATE_INSECURE;
  if (problems == 0)
    problems = OB_TLS_CERTIFICATE_OTHER;
  return problems;
}

/* The system's CAs, read on first use and kept (the store does not change
 * under a running session in a way worth a reread per connection). */
static GMutex system_trust_lock;
static gnutls_x509_trust_list_t system_trust;

static unsigned int
verify_with (gnutls_x509_trust_list_t trust,
             gnutls_x509_crt_t       *crts,
             guint                    n_crts,
             const char              *host)
{
  gnutls_typed_vdata_st data[2] = {
    { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *) host, 0 },
    { GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *) GNUTLS_KP_TLS_WWW_SERVER, 0 },
  };
  unsigned int status = 0;

  if (gnutls_x509_trust_list_verify_crt2 (trust, crts, n_crts, data, G_N_ELEMENTS (data), 0,
                                          &status, NULL) < 0)
    status |= GNUTLS_CERT_INVALID;
  return status;
}

/**
 * ob_tls_verify_chain:
 * @chain: (element-type GBytes): the peer's certificates, DER, leaf first
 * @endpoint: the host name to check and what to trust beyond the system
 *   store (its CA file, its pins)
 * @peer: (out) (optional) (transfer full): the leaf's details, accepted or
 *   not (problems set when refused)
 * @error: %OB_TLS_ERROR_CERTIFICATE or %OB_TLS_ERROR_CA_FILE
 *
 * Accepts the chain when the leaf's SHA-256 is one of the endpoint's pins,
 * or when the chain leads to a trusted CA (system store or the endpoint's
 * CA file), is valid now, is meant for a TLS server, and names the host
 * (DNS name, or IP address for an IP literal).
 */
gboolean
ob_tls_verify_chain (GPtrArray           *chain,
                     const ObTlsEndpoint *endpoint,
                     ObTlsCertificate   **peer,
                     GError             **error)
{
  g_autoptr(ObTlsCertificate) info = NULL;
  g_autofree gnutls_x509_crt_t *crts = NULL;
  gnutls_x509_trust_list_t trust = NULL;
  guint n_crts = 0;
  unsigned int status = 0;
  gboolean ok = FALSE;

  if (peer != NULL)
    *peer = NULL;
  if (chain == NULL || chain->len == 0)
    {
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE,
                   _("%s sent no certificate"), endpoint->host);
      return FALSE;
    }

  crts = g_new0 (gnutls_x509_crt_t, chain->len);
  for (guint i = 0; i < chain->len; i++)
    {
      gsize size;
      const guchar *data = g_bytes_get_data (chain->pdata[i], &size);
      gnutls_datum_t datum = { (unsigned char *) data, (unsigned int) size };

      if (gnutls_x509_crt_init (&crts[i]) < 0)
        goto out;
      n_crts++;
      if (gnutls_x509_crt_import (crts[i], &datum, GNUTLS_X509_FMT_DER) < 0)
        {
          if (i == 0)
            {
              g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE,
                           _("The certificate of %s cannot be read"), endpoint->host);
              goto out;
            }
          /* An unreadable intermediate: verify without it. */
          gnutls_x509_crt_deinit (crts[i]);
          n_crts--;
          break;
        }
    }
  info = describe_leaf (chain->pdata[0], crts[0]);

  for (guint i = 0; endpoint->pins != NULL && endpoint->pins[i] != NULL; i++)
    {
      g_autofree char *pin = ob_tls_normalize_pin (endpoint->pins[i]);

      if (pin != NULL && strcmp (pin, info->sha256) == 0)
        {
          info->pinned = TRUE;
          ok = TRUE;
          goto out;
        }
    }

  if (endpoint->ca_file != NULL && *endpoint->ca_file != '\0')
    {
      int added;

      /* The account's own CA on top of the system's, for this call. */
      if (gnutls_x509_trust_list_init (&trust, 0) < 0)
        goto out;
      gnutls_x509_trust_list_add_system_trust (trust, 0, 0);
      added = gnutls_x509_trust_list_add_trust_file (trust, endpoint->ca_file, NULL,
                                                     GNUTLS_X509_FMT_PEM, 0, 0);
      if (added <= 0)
        {
          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CA_FILE,
                       _("The CA file %s cannot be read or holds no certificate"),
                       endpoint->ca_file);
          goto out;
        }
      status = verify_with (trust, crts, n_crts, endpoint->host);
    }
  else
    {
      /* Reading the system store costs ~50 ms: once per process. */
      g_mutex_lock (&system_trust_lock);
      if (system_trust == NULL && gnutls_x509_trust_list_init (&system_trust, 0) >= 0)
        gnutls_x509_trust_list_add_system_trust (system_trust, 0, 0);
      status = system_trust != NULL ? verify_with (system_trust, crts, n_crts, endpoint->host)
                                    : GNUTLS_CERT_INVALID;
      g_mutex_unlock (&system_trust_lock);
    }
  if (status == 0)
    {
      ok = TRUE;
      goto out;
    }

  info->problems = problems_from_status (status);
  {
    g_autofree char *why = ob_tls_describe_problems (info->problems);
    g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE,
                 _("The certificate of %s is not trusted: %s (issued to %s by %s, SHA-256 %s)"),
                 endpoint->host, why, info->subject, info->issuer, info->sha256);
  }

out:
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE,
                 _("The certificate of %s could not be checked"), endpoint->host);
  if (trust != NULL)
    gnutls_x509_trust_list_deinit (trust, 1);
  for (guint i = 0; i < n_crts; i++)
    gnutls_x509_crt_deinit (crts[i]);
  if (peer != NULL)
    *peer = g_steal_pointer (&info);
  return ok;
}

/**
 * ob_tls_verify_stream:
 * @stream: a libetpan stream right after its TLS handshake (implicit TLS,
 *   or STARTTLS)
 * @endpoint: see ob_tls_verify_chain()
 * @peer: (out) (optional) (transfer full): the leaf's details
 * @error: an #OB_TLS_ERROR
 *
 * Verifies the peer of a TLS stream. A plaintext stream fails: nothing is
 * ever trusted without TLS.
 */
gboolean
ob_tls_verify_stream (mailstream          *stream,
                      const ObTlsEndpoint *endpoint,
                      ObTlsCertificate   **peer,
                      GError             **error)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  carray *certificates = stream != NULL ? mailstream_get_certificate_chain (stream) : NULL;

  if (peer != NULL)
    *peer = NULL;
  if (certificates == NULL)
    {
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE,
                   _("The connection to %s is not encrypted"), endpoint->host);
      return FALSE;
    }
  for (unsigned int i = 0; i < carray_count (certificates); i++)
    {
      MMAPString *der = carray_get (certificates, i);
      g_ptr_array_add (chain, g_bytes_new (der->str, der->len));
    }
  mailstream_certificate_chain_free (certificates);
  return ob_tls_verify_chain (chain, endpoint, peer, error);
}
