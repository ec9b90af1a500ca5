/* ob-smtp.c: one SMTP connection to the rep's server, blocking, with one error model
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a connection belongs to one thread at a time (the account's
 * sender worker): open, authenticate, send and close block it for at most
 * the endpoint's timeout per read. ob_smtp_connection_cancel() alone may be
 * called from any other thread (pause, quit): the blocked call returns
 * OB_SMTP_ERROR_CANCELLED within about a second and the connection is
 * closed. GObject refcounting is thread-safe as usual.
 *
 * libetpan notes that shape this file (see notes/libetpan.md):
 *  - its error enum loses 4xx vs 5xx: replies are classified by the code
 *    it read, response_code, zeroed before each command so that a stale
 *    code is never taken for an answer;
 *  - TLS is verified here (ob-tls) right after the handshake, and after
 *    STARTTLS before the second EHLO: no credential ever reaches an
 *    unverified peer, and no plaintext fallback exists;
 *  - cyrus-sasl is not thread-safe: AUTH calls are serialised;
 *  - mailsmtp_data_message() dot-stuffs and appends CRLF.CRLF itself;
 *  - commands are built without CR/LF checks: addresses are checked here.
 * The password is used for the AUTH exchange only and never stored, logged
 * or put in an error message.
 */
#define G_LOG_DOMAIN "ob-smtp"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>
#include <libetpan/libetpan.h>

#include "ob-smtp.h"

G_DEFINE_QUARK (ob-smtp-error-quark, ob_smtp_error)

struct _ObSmtpConnection
{
  GObject parent_instance;

  /* Owned by the thread that uses the connection. */
  mailsmtp         *session;
  ObTlsEndpoint     endpoint;      /* strings below, copied */
  char             *host;
  char             *ca_file;
  char            **pins;
  gboolean          encrypted;
  gboolean          authenticated;
  gboolean          in_transaction;  /* a MAIL was sent since the last RSET */
  guint             messages_sent;
  gboolean          uncertain;     /* the last send may have been accepted */
  gint64            last_used;
  ObSmtpStage       last_stage;
  ObSmtpReply       replies[OB_SMTP_N_STAGES];
  int               net_error;
  ObTlsCertificate *peer;

  /* Shared with ob_smtp_connection_cancel(), under lock. */
  GMutex            lock;
  mailstream       *cancel_stream;
  gboolean          cancelled;
};

G_DEFINE_FINAL_TYPE (ObSmtpConnection, ob_smtp_connection, G_TYPE_OBJECT)

/* cyrus-sasl's default mutexes do nothing and libetpan guards only its
 * initialisation. */
static GMutex sasl_lock;

static void teardown (ObSmtpConnection *self);

const char *
ob_smtp_stage_to_string (ObSmtpStage stage)
{
  static const char *const names[] = {
    "none", "connect", "EHLO", "STARTTLS", "AUTH", "RSET", "MAIL FROM", "RCPT TO",
    "DATA", "message", "QUIT",
  };

  g_return_val_if_fail (stage < OB_SMTP_N_STAGES, "none");
  return names[stage];
}

/* A stage as named in a message to the user: the commands as they are. */
static const char *
stage_label (ObSmtpStage stage)
{
  switch (stage)
    {
    case OB_SMTP_STAGE_CONNECT:
      return _("the greeting");
    case OB_SMTP_STAGE_MESSAGE:
      return _("the end of the message");
    default:
      return ob_smtp_stage_to_string (stage);
    }
}

static void
clear_reply (ObSmtpReply *reply)
{
  reply->code = 0;
  reply->enhanced[0] = '\0';
  g_clear_pointer (&reply->text, g_free);
}

static void
ob_smtp_connection_finalize (GObject *object)
{
  ObSmtpConnection *self = OB_SMTP_CONNECTION (object);

  teardown (self);
  for (guint i = 0; i < OB_SMTP_N_STAGES; i++)
    clear_reply (&self->replies[i]);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->pins, g_strfreev);
  g_clear_pointer (&self->peer, ob_tls_certificate_free);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ob_smtp_connection_parent_class)->finalize (object);
}

static void
ob_smtp_connection_class_init (ObSmtpConnectionClass *klass)
{
  struct sigaction action;

  G_OBJECT_CLASS (klass)->finalize = ob_smtp_connection_finalize;

  /* libetpan writes to sockets with write(2): a server that hung up would
   * otherwise kill the whole process with SIGPIPE. Left alone if the
   * program chose its own handler. */
  if (sigaction (SIGPIPE, NULL, &action) == 0 && action.sa_handler == SIG_DFL)
    signal (SIGPIPE, SIG_IGN);
}

static void
ob_smtp_connection_init (ObSmtpConnection *self)
{
  g_mutex_init (&self->lock);
  self->net_error = -1;
}

ObSmtpConnection *
ob_smtp_connection_new (void)
{
  return g_object_new (OB_TYPE_SMTP_CONNECTION, NULL);
}

/* Drops the connection without a word to the server. */
static void
teardown (ObSmtpConnection *self)
{
  g_mutex_lock (&self->lock);
  self->cancel_stream = NULL;
  g_mutex_unlock (&self->lock);
  if (self->session != NULL)
    {
      if (self->session->stream != NULL)
        {
          mailstream_close (self->session->stream);
          self->session->stream = NULL;
        }
      mailsmtp_free (self->session);
      self->session = NULL;
    }
  self->encrypted = FALSE;
  self->authenticated = FALSE;
  self->in_transaction = FALSE;
}

static void
set_cancel_stream (ObSmtpConnection *self)
{
  g_mutex_lock (&self->lock);
  self->cancel_stream = self->session != NULL ? self->session->stream : NULL;
  g_mutex_unlock (&self->lock);
}

/**
 * ob_smtp_connection_cancel:
 * @self: a connection
 *
 * Any thread: ends the call blocked on @self (within about a second), which
 * fails with %OB_SMTP_ERROR_CANCELLED and leaves the connection closed.
 * Without a call in progress, the next one fails the same way.
 */
void
ob_smtp_connection_cancel (ObSmtpConnection *self)
{
  g_return_if_fail (OB_IS_SMTP_CONNECTION (self));

  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  if (self->cancel_stream != NULL)
    mailstream_cancel (self->cancel_stream);
  g_mutex_unlock (&self->lock);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  ob_smtp_connection_cancel (user_data);
}

static gboolean
take_cancelled (ObSmtpConnection *self)
{
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = self->cancelled;
  self->cancelled = FALSE;
  g_mutex_unlock (&self->lock);
  return cancelled;
}

/* Before each command: no stale reply can pass for this one's. */
static void
begin_stage (ObSmtpConnection *self,
             ObSmtpStage       stage)
{
  self->last_stage = stage;
  clear_reply (&self->replies[stage]);
  if (self->session != NULL)
    {
      self->session->response_code = 0;
      self->session->response = NULL;
    }
}

/* Keeps what the server answered to @stage: its code, the RFC 3463 status
 * if the text starts with one, and the sanitised text. */
static void
keep_reply (ObSmtpConnection *self,
            ObSmtpStage       stage)
{
  ObSmtpReply *reply = &self->replies[stage];
  const char *text;
  gsize n = 0;

  clear_reply (reply);
  if (self->session == NULL)
    {
      reply->text = g_strdup ("");
      return;
    }
  reply->code = self->session->response_code > 0 ? (guint) self->session->response_code : 0;
  text = reply->code > 0 && self->session->response != NULL ? self->session->response : "";

  /* class "." subject "." detail: 2-5, 1-3 digits, 1-3 digits. */
  if (strchr ("245", text[0]) != NULL && text[0] != '\0' && text[1] == '.')
    {
      const char *p = text + 2;
      guint digits = 0, dots = 0;

      for (; *p != '\0'; p++)
        {
          if (g_ascii_isdigit (*p))
            digits++;
          else if (*p == '.' && digits > 0 && dots == 0)
            dots++, digits = 0;
          else
            break;
        }
      if (dots == 1 && digits > 0 && (*p == ' ' || *p == '\0' || *p == '\r' || *p == '\n') &&
          (gsize) (p - text) < sizeof reply->enhanced)
        n = p - text;
    }
  memcpy (reply->enhanced, text, n);
  reply->enhanced[n] = '\0';
  reply->text = ob_tls_sanitize_text (text + n, -1);
}

static gboolean
has_limit_words (const char *text)
{
  static const char *const words[] = {
    "limit", "too many", "quota", "throttl", "exceeded", "rate",
  };
  g_autofree char *folded = g_ascii_strdown (text, -1);

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (folded, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* What a caller should do about a reply that was not the expected one. */
static ObSmtpError
classify (ObSmtpStage        stage,
          const ObSmtpReply *reply)
{
  guint code = reply->code;
  const char *enhanced = reply->enhanced;

  if (code == 0)
    return OB_SMTP_ERROR_TRANSIENT;
  if (stage == OB_SMTP_STAGE_AUTH)
    return code / 100 == 4 ? OB_SMTP_ERROR_TRANSIENT : OB_SMTP_ERROR_AUTH;
  if (code == 530 || (code / 100 == 5 && g_str_has_prefix (enhanced, "5.7.0") &&
                      strstr (reply->text, "uthentication") != NULL))
    return OB_SMTP_ERROR_AUTH;
  if (code / 100 == 4)
    {
      /* 421/450/451/452 4.7.x: the provider's own throttling; also a bare
       * 4xx that says so in words (but not a full mailbox: 4.2.2). */
      if (g_str_has_prefix (enhanced, "4.7."))
        return OB_SMTP_ERROR_RATE_LIMITED;
      if (enhanced[0] == '\0' && has_limit_words (reply->text))
        return OB_SMTP_ERROR_RATE_LIMITED;
      return OB_SMTP_ERROR_TRANSIENT;
    }
  if (code / 100 == 5)
    {
      /* Gmail's 550 5.4.5 "Daily user sending limit exceeded", Microsoft's
       * 550 5.7.x "... sending limit ..." */
      if (g_str_has_prefix (enhanced, "5.4.5") ||
          (g_str_has_prefix (enhanced, "5.7.") && has_limit_words (reply->text)))
        return OB_SMTP_ERROR_RATE_LIMITED;
      if (stage == OB_SMTP_STAGE_RCPT)
        return OB_SMTP_ERROR_PERMANENT_RECIPIENT;
      if (stage == OB_SMTP_STAGE_EHLO || stage == OB_SMTP_STAGE_CONNECT)
        return code == 554 || code == 550 ? OB_SMTP_ERROR_PERMANENT : OB_SMTP_ERROR_PROTOCOL;
      return OB_SMTP_ERROR_PERMANENT;
    }
  return OB_SMTP_ERROR_PROTOCOL;
}

/* The error for a failed command at @stage. The connection is torn down
 * unless the server answered (a reply means the session is still sane). */
static gboolean
fail_stage (ObSmtpConnection *self,
            ObSmtpStage       stage,
            gint64            started,
            GError          **error)
{
  ObSmtpReply *reply;
  guint timeout = self->endpoint.timeout_seconds;

  keep_reply (self, stage);
  reply = &self->replies[stage];

  /* The whole message went out (or part of it) and no reply came: the
   * server may have accepted it. */
  if (stage == OB_SMTP_STAGE_MESSAGE && reply->code == 0)
    self->uncertain = TRUE;
  if (take_cancelled (self))
    {
      teardown (self);
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (reply->code == 0)
    {
      /* libetpan says "stream error" for a timeout and a hang-up alike:
       * the time spent tells them apart. */
      gboolean timed_out = g_get_monotonic_time () - started >=
                           (gint64) timeout * G_USEC_PER_SEC - G_USEC_PER_SEC / 2;

      self->net_error = timed_out ? OB_TLS_ERROR_TIMEOUT : OB_TLS_ERROR_CLOSED;
      teardown (self);
      if (timed_out)
        g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT,
                     _("%s did not answer %s within %u seconds"),
                     self->host, stage_label (stage), timeout);
      else
        g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT,
                     _("The connection to %s was lost at %s"),
                     self->host, stage_label (stage));
      return FALSE;
    }

  g_set_error (error, OB_SMTP_ERROR, classify (stage, reply),
               _("%s refused %s: %u%s%s %s"), self->host, stage_label (stage),
               reply->code, reply->enhanced[0] != '\0' ? " " : "", reply->enhanced, reply->text);
  /* 421 closes the session on the server's side. */
  if (reply->code == 421)
    teardown (self);
  return FALSE;
}

static gboolean
fail_tls (ObSmtpConnection *self,
          GError           *tls_error,
          GError          **error)
{
  ObSmtpError code;

  self->net_error = tls_error->code;
  teardown (self);
  if (tls_error->code == OB_TLS_ERROR_CANCELLED)
    code = OB_SMTP_ERROR_CANCELLED;
  else if (tls_error->code == OB_TLS_ERROR_CERTIFICATE ||
           tls_error->code == OB_TLS_ERROR_CA_FILE ||
           tls_error->code == OB_TLS_ERROR_STARTTLS_MISSING ||
           tls_error->code == OB_TLS_ERROR_HANDSHAKE)
    code = OB_SMTP_ERROR_TLS;
  else
    code = OB_SMTP_ERROR_TRANSIENT;
  g_set_error_literal (error, OB_SMTP_ERROR, code, tls_error->message);
  g_error_free (tls_error);
  return FALSE;
}

static void
copy_endpoint (ObSmtpConnection    *self,
               const ObTlsEndpoint *endpoint)
{
  g_free (self->host);
  g_free (self->ca_file);
  g_strfreev (self->pins);
  self->host = g_strdup (endpoint->host);
  self->ca_file = g_strdup (endpoint->ca_file);
  self->pins = g_strdupv ((char **) endpoint->pins);
  self->endpoint = *endpoint;
  self->endpoint.host = self->host;
  self->endpoint.ca_file = self->ca_file;
  self->endpoint.pins = (const char * const *) self->pins;
  if (self->endpoint.timeout_seconds == 0)
    self->endpoint.timeout_seconds = OB_TLS_DEFAULT_TIMEOUT;
}

static gboolean
ehlo (ObSmtpConnection *self,
      GError          **error)
{
  gint64 started = g_get_monotonic_time ();

  begin_stage (self, OB_SMTP_STAGE_EHLO);
  /* "[127.0.0.1]" rather than the machine's host name, which says more
   * about the rep's computer than a server needs. */
  if (mailesmtp_ehlo_with_ip (self->session, 1) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_EHLO, started, error);
  keep_reply (self, OB_SMTP_STAGE_EHLO);
  return TRUE;
}

static gboolean
open_connection (ObSmtpConnection    *self,
                 const ObTlsEndpoint *endpoint,
                 GCancellable        *cancellable,
                 GError             **error)
{
  GError *tls_error = NULL;
  mailstream *stream;
  gint64 started;
  int fd;

  begin_stage (self, OB_SMTP_STAGE_CONNECT);
  fd = ob_tls_connect_socket (self->host, self->endpoint.port, self->endpoint.timeout_seconds,
                              cancellable, &tls_error);
  if (fd < 0)
    return fail_tls (self, tls_error, error);
  stream = ob_tls_open_stream (fd, &self->endpoint, &tls_error);
  if (stream == NULL)
    return fail_tls (self, tls_error, error);

  self->session = mailsmtp_new (0, NULL);
  mailsmtp_set_timeout (self->session, self->endpoint.timeout_seconds);
  if (endpoint->security == OB_TLS_SECURITY_TLS)
    {
      /* Verified before the greeting is even read. */
      if (!ob_tls_verify_stream (stream, &self->endpoint, &self->peer, &tls_error))
        {
          mailstream_close (stream);
          return fail_tls (self, tls_error, error);
        }
      self->encrypted = TRUE;
    }

  started = g_get_monotonic_time ();
  /* mailsmtp_connect() closes the stream itself when it fails, so the
   * greeting cannot be cancelled from another thread (it is bounded by the
   * timeout like every read). */
  if (mailsmtp_connect (self->session, stream) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_CONNECT, started, error);
  set_cancel_stream (self);
  keep_reply (self, OB_SMTP_STAGE_CONNECT);

  if (!ehlo (self, error))
    return FALSE;

  if (endpoint->security == OB_TLS_SECURITY_STARTTLS)
    {
      if ((self->session->esmtp & MAILSMTP_ESMTP_STARTTLS) == 0)
        return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_STARTTLS_MISSING,
                                            _("%s does not offer STARTTLS on port %u: nothing was "
                                              "sent unencrypted"),
                                            self->host, self->endpoint.port),
                         error);
      begin_stage (self, OB_SMTP_STAGE_STARTTLS);
      started = g_get_monotonic_time ();
      if (mailsmtp_socket_starttls_with_callback (self->session, ob_tls_set_server_name,
                                                  self->host) != MAILSMTP_NO_ERROR)
        {
          keep_reply (self, OB_SMTP_STAGE_STARTTLS);
          if (self->replies[OB_SMTP_STAGE_STARTTLS].code == 0 ||
              self->replies[OB_SMTP_STAGE_STARTTLS].code == 220)
            {
              if (take_cancelled (self))
                return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_CANCELLED,
                                                    _("Cancelled")), error);
              if (self->replies[OB_SMTP_STAGE_STARTTLS].code == 0)
                return fail_stage (self, OB_SMTP_STAGE_STARTTLS, started, error);
              return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE,
                                                  _("The TLS handshake with %s after STARTTLS "
                                                    "failed or timed out"), self->host),
                               error);
            }
          return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_STARTTLS_MISSING,
                                              _("%s refused STARTTLS: %u %s"), self->host,
                                              self->replies[OB_SMTP_STAGE_STARTTLS].code,
                                              self->replies[OB_SMTP_STAGE_STARTTLS].text),
                           error);
        }
      keep_reply (self, OB_SMTP_STAGE_STARTTLS);
      set_cancel_stream (self);
      if (!ob_tls_verify_stream (self->session->stream, &self->endpoint, &self->peer, &tls_error))
        return fail_tls (self, tls_error, error);
      self->encrypted = TRUE;
      /* The capabilities read before TLS are stale (and may have been
       * injected by a man in the middle). */
      if (!ehlo (self, error))
        return FALSE;
    }
  self->last_used = g_get_monotonic_time ();
  return TRUE;
}

/**
 * ob_smtp_connection_open:
 * @self: a connection (an open one is closed first)
 * @endpoint: the server, its security and what to trust; copied
 * @cancellable: (nullable): ends the open at once
 * @error: an #OB_SMTP_ERROR
 *
 * Connects, verifies the certificate (implicit TLS: before the greeting;
 * STARTTLS: right after it, and STARTTLS missing is an error), and says
 * EHLO. Plaintext only when the endpoint's security is
 * %OB_TLS_SECURITY_INSECURE.
 */
gboolean
ob_smtp_connection_open (ObSmtpConnection    *self,
                         const ObTlsEndpoint *endpoint,
                         GCancellable        *cancellable,
                         GError             **error)
{
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (endpoint != NULL && endpoint->host != NULL, FALSE);

  teardown (self);
  copy_endpoint (self, endpoint);
  for (guint i = 0; i < OB_SMTP_N_STAGES; i++)
    clear_reply (&self->replies[i]);
  g_clear_pointer (&self->peer, ob_tls_certificate_free);
  self->net_error = -1;
  self->messages_sent = 0;

  if (take_cancelled (self) || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  ok = open_connection (self, endpoint, cancellable, error);
  g_cancellable_disconnect (cancellable, handler);
  take_cancelled (self);
  return ok;
}

static gboolean
check_open (ObSmtpConnection *self,
            GError          **error)
{
  if (take_cancelled (self))
    {
      teardown (self);
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (self->session == NULL || self->session->stream == NULL)
    {
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_PROTOCOL,
                   _("The connection to the SMTP server is not open"));
      return FALSE;
    }
  return TRUE;
}

/* Plaintext credentials only where the user asked for plaintext. */
static gboolean
check_encrypted (ObSmtpConnection *self,
                 GError          **error)
{
  if (!self->encrypted && self->endpoint.security != OB_TLS_SECURITY_INSECURE)
    {
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS,
                   _("Refusing to send a password to %s without TLS"), self->host);
      return FALSE;
    }
  return TRUE;
}

/**
 * ob_smtp_connection_authenticate:
 * @self: an open connection
 * @user: the login
 * @password: the password, read from the keyring just before; not kept
 * @error: %OB_SMTP_ERROR_AUTH when refused (or no usable mechanism),
 *   %OB_SMTP_ERROR_TRANSIENT for 4xx or the network
 *
 * AUTH PLAIN, or LOGIN when the server offers only that.
 */
gboolean
ob_smtp_connection_authenticate (ObSmtpConnection *self,
                                 const char       *user,
                                 const char       *password,
                                 GError          **error)
{
  const char *mechanism;
  gint64 started;
  int r;

  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (user != NULL && password != NULL, FALSE);

  if (!check_open (self, error) || !check_encrypted (self, error))
    return FALSE;
  if (self->session->auth & MAILSMTP_AUTH_PLAIN)
    mechanism = "PLAIN";
  else if (self->session->auth & MAILSMTP_AUTH_LOGIN)
    mechanism = "LOGIN";
  else
    {
      g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH,
                   _("%s offers no password login (AUTH PLAIN or LOGIN) on port %u"),
                   self->host, self->endpoint.port);
      return FALSE;
    }

  begin_stage (self, OB_SMTP_STAGE_AUTH);
  started = g_get_monotonic_time ();
  g_mutex_lock (&sasl_lock);
  r = mailesmtp_auth_sasl (self->session, mechanism, self->host, NULL, NULL,
                           user, user, password, NULL);
  g_mutex_unlock (&sasl_lock);
  if (r != MAILSMTP_NO_ERROR)
    {
      /* No reply at all but a live stream: cyrus-sasl failed locally. */
      if (self->session->response_code == 0 && r != MAILSMTP_ERROR_STREAM)
        {
          g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH,
                       _("AUTH %s is not available on this computer (is libsasl2-modules "
                         "installed?)"), mechanism);
          return FALSE;
        }
      return fail_stage (self, OB_SMTP_STAGE_AUTH, started, error);
    }
  keep_reply (self, OB_SMTP_STAGE_AUTH);
  self->authenticated = TRUE;
  self->last_used = g_get_monotonic_time ();
  return TRUE;
}

/**
 * ob_smtp_connection_authenticate_xoauth2:
 * @self: an open connection
 * @user: the account's address
 * @access_token: a fresh OAuth 2.0 access token; not kept
 * @error: as ob_smtp_connection_authenticate()
 *
 * AUTH XOAUTH2 (Gmail, Microsoft 365), for when the OAuth work lands.
 */
gboolean
ob_smtp_connection_authenticate_xoauth2 (ObSmtpConnection *self,
                                         const char       *user,
                                         const char       *access_token,
                                         GError          **error)
{
  gint64 started;

  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (user != NULL && access_token != NULL, FALSE);

  if (!check_open (self, error) || !check_encrypted (self, error))
    return FALSE;
  begin_stage (self, OB_SMTP_STAGE_AUTH);
  started = g_get_monotonic_time ();
  if (mailsmtp_oauth2_authenticate (self->session, user, access_token) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_AUTH, started, error);
  keep_reply (self, OB_SMTP_STAGE_AUTH);
  self->authenticated = TRUE;
  self->last_used = g_get_monotonic_time ();
  return TRUE;
}

/* An addr-spec that cannot change the command it goes into. */
static gboolean
check_address (const char *address,
               GError    **error)
{
  gsize length = address != NULL ? strlen (address) : 0;
  const char *at = address != NULL ? strrchr (address, '@') : NULL;

  if (length == 0 || length > 254 || at == NULL || at == address || at[1] == '\0')
    goto bad;
  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f || *p == '<' || *p == '>')
      goto bad;
  return TRUE;

bad:
  {
    g_autofree char *shown = ob_tls_sanitize_text (address, -1);
    g_set_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_INVALID_ADDRESS,
                 _("“%s” is not an address Outbound can send to"), shown);
  }
  return FALSE;
}

static gboolean
send_transaction (ObSmtpConnection *self,
                  const char       *from,
                  const char       *to,
                  const char       *message,
                  gsize             length,
                  GError          **error)
{
  gint64 started;

  /* Between two messages, and after a failed transaction, start clean. */
  if (self->in_transaction || self->messages_sent > 0)
    {
      begin_stage (self, OB_SMTP_STAGE_RSET);
      started = g_get_monotonic_time ();
      if (mailsmtp_reset (self->session) != MAILSMTP_NO_ERROR)
        return fail_stage (self, OB_SMTP_STAGE_RSET, started, error);
      keep_reply (self, OB_SMTP_STAGE_RSET);
      self->in_transaction = FALSE;
    }

  begin_stage (self, OB_SMTP_STAGE_MAIL);
  started = g_get_monotonic_time ();
  self->in_transaction = TRUE;
  if (mailsmtp_mail (self->session, from) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_MAIL, started, error);
  keep_reply (self, OB_SMTP_STAGE_MAIL);

  begin_stage (self, OB_SMTP_STAGE_RCPT);
  started = g_get_monotonic_time ();
  if (mailsmtp_rcpt (self->session, to) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_RCPT, started, error);
  keep_reply (self, OB_SMTP_STAGE_RCPT);

  begin_stage (self, OB_SMTP_STAGE_DATA);
  started = g_get_monotonic_time ();
  if (mailsmtp_data (self->session) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_DATA, started, error);
  keep_reply (self, OB_SMTP_STAGE_DATA);

  /* libetpan dot-stuffs and ends with CRLF.CRLF itself; a final CRLF of
   * ours would add an empty line. */
  if (length >= 2 && message[length - 2] == '\r' && message[length - 1] == '\n')
    length -= 2;
  begin_stage (self, OB_SMTP_STAGE_MESSAGE);
  started = g_get_monotonic_time ();
  if (mailsmtp_data_message (self->session, message, length) != MAILSMTP_NO_ERROR)
    return fail_stage (self, OB_SMTP_STAGE_MESSAGE, started, error);
  keep_reply (self, OB_SMTP_STAGE_MESSAGE);
  self->in_transaction = FALSE;
  self->messages_sent++;
  return TRUE;
}

/**
 * ob_smtp_connection_send:
 * @self: an open (and normally authenticated) connection
 * @from: the envelope sender (MAIL FROM), a plain addr-spec
 * @to: the one recipient (RCPT TO), a plain addr-spec
 * @message: the message, CRLF line ends, not dot-stuffed
 * @length: its length in bytes
 * @cancellable: (nullable): ends the send at once (the message may or may
 *   not have been accepted: the caller's record stays "sending")
 * @error: an #OB_SMTP_ERROR; the reply of the failed stage stays available
 *
 * One transaction: RSET (from the second message on), MAIL FROM, RCPT TO,
 * DATA, the message. Success means the server said 2xx to the message:
 * ob_smtp_connection_get_reply (self, OB_SMTP_STAGE_MESSAGE) holds its
 * answer (e.g. "2.0.0 Ok: queued as ..."). After a reply error the
 * connection stays open for the next message (except after 421); after a
 * network error it is closed. A network error, timeout or cancel while the
 * message itself was going out leaves the outcome unknown: see
 * ob_smtp_connection_get_outcome_uncertain().
 */
gboolean
ob_smtp_connection_send (ObSmtpConnection *self,
                         const char       *from,
                         const char       *to,
                         const char       *message,
                         gsize             length,
                         GCancellable     *cancellable,
                         GError          **error)
{
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (message != NULL || length == 0, FALSE);

  if (!check_address (from, error) || !check_address (to, error))
    return FALSE;
  if (g_cancellable_is_cancelled (cancellable))
    ob_smtp_connection_cancel (self);
  if (!check_open (self, error))
    return FALSE;
  for (guint i = OB_SMTP_STAGE_RSET; i <= OB_SMTP_STAGE_MESSAGE; i++)
    clear_reply (&self->replies[i]);
  self->uncertain = FALSE;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  ok = send_transaction (self, from, to, message, length, error);
  g_cancellable_disconnect (cancellable, handler);
  take_cancelled (self);
  if (ok || self->session != NULL)
    self->last_used = g_get_monotonic_time ();
  return ok;
}

/**
 * ob_smtp_connection_close:
 * @self: a connection, open or not
 *
 * Says QUIT (without waiting for the 221: libetpan does not read it) and
 * closes. Safe to call twice.
 */
void
ob_smtp_connection_close (ObSmtpConnection *self)
{
  g_return_if_fail (OB_IS_SMTP_CONNECTION (self));

  if (self->session != NULL && self->session->stream != NULL)
    {
      begin_stage (self, OB_SMTP_STAGE_QUIT);
      mailsmtp_quit (self->session);
    }
  teardown (self);
}

gboolean
ob_smtp_connection_is_open (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  return self->session != NULL && self->session->stream != NULL;
}

gboolean
ob_smtp_connection_is_authenticated (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  return ob_smtp_connection_is_open (self) && self->authenticated;
}

gboolean
ob_smtp_connection_is_encrypted (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  return ob_smtp_connection_is_open (self) && self->encrypted;
}

/* Monotonic time of the last successful exchange: the sender closes a
 * connection idle for too long. */
gint64
ob_smtp_connection_get_last_used (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), 0);
  return self->last_used;
}

/**
 * ob_smtp_connection_get_outcome_uncertain:
 * @self: a connection
 *
 * Whether the last failed send lost the connection (or timed out, or was
 * cancelled) after the message itself had started to go out and before
 * the server's reply was read: the server may have accepted it. Sending it
 * again could deliver it twice, so at-most-once callers record such a send
 * as uncertain, not as one to retry.
 *
 * Returns: %TRUE when the last send's outcome is unknown
 */
gboolean
ob_smtp_connection_get_outcome_uncertain (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), FALSE);
  return self->uncertain;
}

guint
ob_smtp_connection_get_messages_sent (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), 0);
  return self->messages_sent;
}

ObSmtpStage
ob_smtp_connection_get_last_stage (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), OB_SMTP_STAGE_NONE);
  return self->last_stage;
}

/**
 * ob_smtp_connection_get_reply:
 * @self: a connection
 * @stage: a stage
 *
 * Returns: the server's reply at @stage in the last open (connect, EHLO,
 *   STARTTLS, AUTH) or the last send (RSET to message); code 0 when the
 *   stage was not reached or got no answer. Valid until the next call on
 *   @self.
 */
const ObSmtpReply *
ob_smtp_connection_get_reply (ObSmtpConnection *self,
                              ObSmtpStage       stage)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), NULL);
  g_return_val_if_fail (stage < OB_SMTP_N_STAGES, NULL);
  if (self->replies[stage].text == NULL)
    self->replies[stage].text = g_strdup ("");
  return &self->replies[stage];
}

guint
ob_smtp_connection_get_last_code (ObSmtpConnection *self)
{
  return ob_smtp_connection_get_reply (self, self->last_stage)->code;
}

const char *
ob_smtp_connection_get_last_enhanced (ObSmtpConnection *self)
{
  return ob_smtp_connection_get_reply (self, self->last_stage)->enhanced;
}

const char *
ob_smtp_connection_get_last_text (ObSmtpConnection *self)
{
  return ob_smtp_connection_get_reply (self, self->last_stage)->text;
}

/**
 * ob_smtp_connection_get_net_error:
 * @self: a connection
 *
 * Returns: the #ObTlsError behind the last failure that was not a reply
 *   (DNS, refused, timeout, certificate, STARTTLS missing...), or -1.
 *   "Test connection" uses it to say precisely what failed.
 */
int
ob_smtp_connection_get_net_error (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), -1);
  return self->net_error;
}

/**
 * ob_smtp_connection_get_peer_certificate:
 * @self: a connection
 *
 * Returns: (nullable): the server's certificate seen at the last open,
 *   accepted or refused (its problems say why): what a "Trust this
 *   certificate" dialog shows and pins.
 */
const ObTlsCertificate *
ob_smtp_connection_get_peer_certificate (ObSmtpConnection *self)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (self), NULL);
  return self->peer;
}
