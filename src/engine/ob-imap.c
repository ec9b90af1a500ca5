/* ob-imap.c: one IMAP connection to the rep's mailbox, blocking, read-only but for APPEND
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a connection belongs to one thread at a time (the account's
 * watcher, or its sender for Sent copies, or an account test); every call
 * blocks for at most the endpoint's timeout per read, IDLE for the time
 * asked. ob_imap_connection_interrupt() (ends an IDLE at once, or the next
 * one) and ob_imap_connection_cancel() (ends any call within about a
 * second and closes the connection) may be called from any thread.
 *
 * libetpan notes that shape this file (notes/libetpan.md):
 *  - TLS is verified here (ob-tls) right after the handshake, or after
 *    STARTTLS and before CAPABILITY is read again and before LOGIN;
 *  - `UID FETCH n:*` always returns the highest message: results are
 *    filtered by uid >= n;
 *  - an EXISTS that came with "+ idling" sits in libetpan's read buffer and
 *    poll() would never see it: the buffer is checked first; untagged data
 *    before "+ idling" can make mailimap_idle() wait (upstream #393): a NOOP
 *    goes just before IDLE, and an EXISTS it brings ends the IDLE early;
 *  - mailimap_free() waits for LOGOUT's answer: a dead link is closed
 *    without a word.
 * Only BODY.PEEK is fetched and only EXAMINE is used to read, so no flag
 * ever changes on the server; APPEND (Sent copies) is the only write.
 */
#define G_LOG_DOMAIN "ob-imap"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib/gi18n.h>
#include <libetpan/libetpan.h>

#include "ob-credentials.h"
#include "ob-goa.h"
#include "ob-imap.h"
#include "ob-outbox.h"
#include "ob-secrets.h"

G_DEFINE_QUARK (ob-imap-error-quark, ob_imap_error)

const char * const ob_imap_watch_headers[] = {
  "From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
  "Content-Type", "Content-Transfer-Encoding", "MIME-Version", "Auto-Submitted", "X-Autoreply",
  "X-Autorespond", "Precedence", "X-Auto-Response-Suppress", "Return-Path", "List-Id",
  "X-Failed-Recipients", "Feedback-Type", NULL
};

struct _ObImapConnection
{
  GObject parent_instance;

  /* Owned by the thread that uses the connection. */
  mailimap         *imap;
  ObTlsEndpoint     endpoint;
  char             *host;
  char             *ca_file;
  char            **pins;
  gboolean          encrypted;
  gboolean          selected;
  guint32           exists_at_search;
  ObTlsCertificate *peer;
  int               wake_fd;    /* eventfd: interrupt() writes, idle() polls */

  /* Shared with cancel(), under lock. */
  GMutex            lock;
  mailstream       *cancel_stream;
  gboolean          cancelled;
};

G_DEFINE_FINAL_TYPE (ObImapConnection, ob_imap_connection, G_TYPE_OBJECT)

static void teardown (ObImapConnection *self);

static void
ob_imap_connection_finalize (GObject *object)
{
  ObImapConnection *self = OB_IMAP_CONNECTION (object);

  teardown (self);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->pins, g_strfreev);
  g_clear_pointer (&self->peer, ob_tls_certificate_free);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ob_imap_connection_parent_class)->finalize (object);
}

static void
ob_imap_connection_class_init (ObImapConnectionClass *klass)
{
  struct sigaction action;

  G_OBJECT_CLASS (klass)->finalize = ob_imap_connection_finalize;
  /* As in ob-smtp.c: a write to a closed socket must not kill the process. */
  if (sigaction (SIGPIPE, NULL, &action) == 0 && action.sa_handler == SIG_DFL)
    signal (SIGPIPE, SIG_IGN);
}

static void
ob_imap_connection_init (ObImapConnection *self)
{
  g_mutex_init (&self->lock);
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
}

ObImapConnection *
ob_imap_connection_new (void)
{
  return g_object_new (OB_TYPE_IMAP_CONNECTION, NULL);
}

/* Drops the connection without a word to the server. */
static void
teardown (ObImapConnection *self)
{
  g_mutex_lock (&self->lock);
  self->cancel_stream = NULL;
  g_mutex_unlock (&self->lock);
  if (self->imap != NULL)
    {
      if (self->imap->imap_stream != NULL)
        {
          mailstream_close (self->imap->imap_stream);
          self->imap->imap_stream = NULL;
        }
      mailimap_free (self->imap);
      self->imap = NULL;
    }
  self->encrypted = FALSE;
  self->selected = FALSE;
}

static void
set_cancel_stream (ObImapConnection *self)
{
  g_mutex_lock (&self->lock);
  self->cancel_stream = self->imap != NULL ? self->imap->imap_stream : NULL;
  g_mutex_unlock (&self->lock);
}

static gboolean
take_cancelled (ObImapConnection *self)
{
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = self->cancelled;
  self->cancelled = FALSE;
  g_mutex_unlock (&self->lock);
  return cancelled;
}

static void
poke (ObImapConnection *self)
{
  guint64 one = 1;

  if (self->wake_fd >= 0 && write (self->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_debug ("Cannot wake an IMAP connection: %s", g_strerror (errno));
}

/**
 * ob_imap_connection_interrupt:
 *
 * Any thread: ends the IDLE in progress at once (it returns
 * %OB_IMAP_IDLE_INTERRUPTED), or the next one if none is.
 */
void
ob_imap_connection_interrupt (ObImapConnection *self)
{
  g_return_if_fail (OB_IS_IMAP_CONNECTION (self));
  poke (self);
}

/**
 * ob_imap_connection_cancel:
 *
 * Any thread: the call in progress (or the next one) fails with
 * %OB_IMAP_ERROR_CANCELLED and the connection is closed.
 */
void
ob_imap_connection_cancel (ObImapConnection *self)
{
  g_return_if_fail (OB_IS_IMAP_CONNECTION (self));

  g_mutex_lock (&self->lock);
  self->cancelled = TRUE;
  if (self->cancel_stream != NULL)
    mailstream_cancel (self->cancel_stream);
  g_mutex_unlock (&self->lock);
  poke (self);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  ob_imap_connection_cancel (user_data);
}

static char *
server_text (ObImapConnection *self)
{
  if (self->imap == NULL || self->imap->imap_response == NULL || self->imap->imap_response[0] == '\0')
    return g_strdup (_("no explanation"));
  return ob_tls_sanitize_text (self->imap->imap_response, -1);
}

/* The error for a failed libetpan call @what. A stream error closes the
 * connection; a NO or BAD leaves it usable. */
static gboolean
fail_command (ObImapConnection *self,
              const char       *what,
              int               r,
              ObImapError       refused_code,
              gint64            started,
              GError          **error)
{
  if (take_cancelled (self))
    {
      teardown (self);
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_CONNECTION_REFUSED || r == MAILIMAP_ERROR_FATAL ||
      r == MAILIMAP_ERROR_BAD_STATE || self->imap == NULL || self->imap->imap_stream == NULL)
    {
      guint timeout = self->endpoint.timeout_seconds;
      gboolean timed_out = g_get_monotonic_time () - started >=
                           (gint64) timeout * G_USEC_PER_SEC - G_USEC_PER_SEC / 2;

      teardown (self);
      if (timed_out)
        g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TRANSIENT,
                     _("%s did not answer %s within %u seconds"), self->host, what, timeout);
      else
        g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TRANSIENT,
                     _("The connection to %s was lost at %s"), self->host, what);
      return FALSE;
    }
  if (r == MAILIMAP_ERROR_PARSE)
    {
      teardown (self);
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_PROTOCOL,
                   _("%s answered %s with something Outbound cannot read"), self->host, what);
      return FALSE;
    }
  {
    g_autofree char *text = server_text (self);

    /* [UNAVAILABLE] and the like (RFC 5530): it may work later. */
    if (strstr (text, "[UNAVAILABLE]") != NULL || strstr (text, "[INUSE]") != NULL ||
        strstr (text, "[LIMIT]") != NULL)
      refused_code = OB_IMAP_ERROR_TRANSIENT;
    g_set_error (error, OB_IMAP_ERROR, refused_code, _("%s refused %s: %s"), self->host, what, text);
  }
  return FALSE;
}

static gboolean
fail_tls (ObImapConnection *self,
          GError           *tls_error,
          GError          **error)
{
  ObImapError code;

  teardown (self);
  if (tls_error->code == OB_TLS_ERROR_CANCELLED)
    code = OB_IMAP_ERROR_CANCELLED;
  else if (tls_error->code == OB_TLS_ERROR_CERTIFICATE || tls_error->code == OB_TLS_ERROR_CA_FILE ||
           tls_error->code == OB_TLS_ERROR_STARTTLS_MISSING || tls_error->code == OB_TLS_ERROR_HANDSHAKE)
    code = OB_IMAP_ERROR_TLS;
  else
    code = OB_IMAP_ERROR_TRANSIENT;
  g_set_error_literal (error, OB_IMAP_ERROR, code, tls_error->message);
  g_error_free (tls_error);
  return FALSE;
}

static gboolean
check_open (ObImapConnection *self,
            GError          **error)
{
  if (take_cancelled (self))
    {
      teardown (self);
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (self->imap == NULL || self->imap->imap_stream == NULL)
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TRANSIENT,
                   _("The connection to the IMAP server is not open"));
      return FALSE;
    }
  return TRUE;
}

static void
copy_endpoint (ObImapConnection    *self,
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

gboolean
ob_imap_connection_refresh_capabilities (ObImapConnection *self,
                                         GError          **error)
{
  struct mailimap_capability_data *caps = NULL;
  gint64 started = g_get_monotonic_time ();
  int r;

  if (!check_open (self, error))
    return FALSE;
  r = mailimap_capability (self->imap, &caps);
  if (r != MAILIMAP_NO_ERROR)
    return fail_command (self, "CAPABILITY", r, OB_IMAP_ERROR_PROTOCOL, started, error);
  mailimap_capability_data_free (caps);
  return TRUE;
}

static gboolean
open_connection (ObImapConnection    *self,
                 GCancellable        *cancellable,
                 GError             **error)
{
  GError *tls_error = NULL;
  mailstream *stream;
  gint64 started;
  int fd, r;

  fd = ob_tls_connect_socket (self->host, self->endpoint.port, self->endpoint.timeout_seconds,
                              cancellable, &tls_error);
  if (fd < 0)
    return fail_tls (self, tls_error, error);
  stream = ob_tls_open_stream (fd, &self->endpoint, &tls_error);
  if (stream == NULL)
    return fail_tls (self, tls_error, error);

  self->imap = mailimap_new (0, NULL);
  mailimap_set_timeout (self->imap, self->endpoint.timeout_seconds);
  if (self->endpoint.security == OB_TLS_SECURITY_TLS)
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
  r = mailimap_connect (self->imap, stream);
  if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
    return fail_command (self, _("the greeting"), MAILIMAP_ERROR_STREAM, OB_IMAP_ERROR_PROTOCOL,
                         started, error);
  set_cancel_stream (self);

  if (self->endpoint.security == OB_TLS_SECURITY_STARTTLS)
    {
      if (!ob_imap_connection_refresh_capabilities (self, error))
        return FALSE;
      if (!mailimap_has_extension (self->imap, "STARTTLS"))
        return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_STARTTLS_MISSING,
                                            _("%s does not offer STARTTLS on port %u: nothing was "
                                              "sent unencrypted"),
                                            self->host, self->endpoint.port),
                         error);
      r = mailimap_socket_starttls_with_callback (self->imap, ob_tls_set_server_name, self->host);
      if (r != MAILIMAP_NO_ERROR)
        {
          if (take_cancelled (self))
            return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_CANCELLED, _("Cancelled")),
                             error);
          return fail_tls (self, g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE,
                                              _("STARTTLS with %s failed or timed out"), self->host),
                           error);
        }
      set_cancel_stream (self);
      if (!ob_tls_verify_stream (self->imap->imap_stream, &self->endpoint, &self->peer, &tls_error))
        return fail_tls (self, tls_error, error);
      self->encrypted = TRUE;
    }
  /* What was read before TLS is stale (and could have been injected). */
  return ob_imap_connection_refresh_capabilities (self, error);
}

/**
 * ob_imap_connection_open:
 * @endpoint: the server, its security and what to trust; copied
 * @cancellable: (nullable): ends the open at once, and later calls too
 *
 * Connects, verifies the certificate (implicit TLS: before the greeting;
 * STARTTLS: before anything else, and STARTTLS missing is an error), and
 * reads CAPABILITY. Plaintext only for %OB_TLS_SECURITY_INSECURE.
 */
gboolean
ob_imap_connection_open (ObImapConnection    *self,
                         const ObTlsEndpoint *endpoint,
                         GCancellable        *cancellable,
                         GError             **error)
{
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (endpoint != NULL && endpoint->host != NULL, FALSE);

  teardown (self);
  copy_endpoint (self, endpoint);
  g_clear_pointer (&self->peer, ob_tls_certificate_free);
  if (take_cancelled (self) || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_CANCELLED, _("Cancelled"));
      return FALSE;
    }
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  ok = open_connection (self, cancellable, error);
  g_cancellable_disconnect (cancellable, handler);
  if (!ok)
    take_cancelled (self);
  return ok;
}

static gboolean
check_encrypted (ObImapConnection *self,
                 GError          **error)
{
  if (!self->encrypted && self->endpoint.security != OB_TLS_SECURITY_INSECURE)
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TLS,
                   _("Refusing to send a password to %s without TLS"), self->host);
      return FALSE;
    }
  return TRUE;
}

static gboolean
after_login (ObImapConnection *self,
             const char       *what,
             int               r,
             gint64            started,
             GError          **error)
{
  if (r != MAILIMAP_NO_ERROR)
    return fail_command (self, what, r, OB_IMAP_ERROR_AUTH, started, error);
  /* Servers often list more capabilities once logged in (IDLE, SPECIAL-USE). */
  return ob_imap_connection_refresh_capabilities (self, error);
}

/**
 * ob_imap_connection_login:
 * @password: read from the keyring just before; not kept
 * @error: %OB_IMAP_ERROR_AUTH when refused
 */
gboolean
ob_imap_connection_login (ObImapConnection *self,
                          const char       *user,
                          const char       *password,
                          GError          **error)
{
  gint64 started = g_get_monotonic_time ();

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (user != NULL && password != NULL, FALSE);

  if (!check_open (self, error) || !check_encrypted (self, error))
    return FALSE;
  if (strpbrk (user, "\r\n") != NULL || strpbrk (password, "\r\n") != NULL)
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH,
                   _("The login or password holds a line break"));
      return FALSE;
    }
  return after_login (self, "LOGIN", mailimap_login (self->imap, user, password), started, error);
}

/**
 * ob_imap_connection_login_xoauth2:
 * @access_token: a fresh OAuth 2.0 access token; not kept
 *
 * AUTHENTICATE XOAUTH2 (Gmail, Microsoft 365), for when OAuth lands.
 */
gboolean
ob_imap_connection_login_xoauth2 (ObImapConnection *self,
                                  const char       *user,
                                  const char       *access_token,
                                  GError          **error)
{
  gint64 started = g_get_monotonic_time ();

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (user != NULL && access_token != NULL, FALSE);

  if (!check_open (self, error) || !check_encrypted (self, error))
    return FALSE;
  return after_login (self, "AUTHENTICATE XOAUTH2",
                      mailimap_oauth2_authenticate (self->imap, user, access_token), started, error);
}

gboolean
ob_imap_connection_has_capability (ObImapConnection *self,
                                   const char       *name)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);

  if (self->imap == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name, "IDLE") == 0)
    return mailimap_has_idle (self->imap);
  return mailimap_has_extension (self->imap, (char *) name);
}

static gboolean
has_sent_flag (struct mailimap_mailbox_list *mb)
{
  if (mb->mb_flag == NULL)
    return FALSE;
  if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
      mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
    return FALSE;
  for (clistiter *it = clist_begin (mb->mb_flag->mbf_oflags); it != NULL; it = clist_next (it))
    {
      struct mailimap_mbx_list_oflag *flag = clist_content (it);

      if (flag->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT && flag->of_flag_ext != NULL &&
          g_ascii_strcasecmp (flag->of_flag_ext, "Sent") == 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * ob_imap_connection_find_sent:
 *
 * The folder marked \Sent (RFC 6154), else the first with a usual name
 * (Sent, Sent Items, Sent Messages, [Gmail]/Sent Mail, INBOX.Sent), as the
 * server names it (modified UTF-7). %OB_IMAP_ERROR_NO_SENT_FOLDER when none.
 */
char *
ob_imap_connection_find_sent (ObImapConnection *self,
                              GError          **error)
{
  static const char * const usual[] = {
    "Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent", "INBOX/Sent",
  };
  clist *list = NULL;
  gint64 started = g_get_monotonic_time ();
  char *found = NULL;
  int r;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), NULL);

  if (!check_open (self, error))
    return NULL;
  r = mailimap_list (self->imap, "", "*", &list);
  if (r != MAILIMAP_NO_ERROR)
    {
      fail_command (self, "LIST", r, OB_IMAP_ERROR_PROTOCOL, started, error);
      return NULL;
    }
  for (clistiter *it = clist_begin (list); it != NULL && found == NULL; it = clist_next (it))
    {
      struct mailimap_mailbox_list *mb = clist_content (it);

      if (mb->mb_name != NULL && has_sent_flag (mb))
        found = g_strdup (mb->mb_name);
    }
  for (guint i = 0; i < G_N_ELEMENTS (usual) && found == NULL; i++)
    for (clistiter *it = clist_begin (list); it != NULL && found == NULL; it = clist_next (it))
      {
        struct mailimap_mailbox_list *mb = clist_content (it);

        if (mb->mb_name != NULL && g_ascii_strcasecmp (mb->mb_name, usual[i]) == 0)
          found = g_strdup (mb->mb_name);
      }
  mailimap_list_result_free (list);
  if (found == NULL)
    g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_NO_SENT_FOLDER,
                 _("%s has no Sent folder (none is marked \\Sent, none is named Sent or Sent "
                   "Items): set the account’s Sent folder"), self->host);
  return found;
}

static gboolean
open_folder (ObImapConnection *self,
             const char       *folder,
             gboolean          read_only,
             ObImapFolderInfo *info,
             GError          **error)
{
  gint64 started = g_get_monotonic_time ();
  struct mailimap_selection_info *sel;
  int r;

  if (!check_open (self, error))
    return FALSE;
  self->selected = FALSE;
  r = read_only ? mailimap_examine (self->imap, folder) : mailimap_select (self->imap, folder);
  if (r != MAILIMAP_NO_ERROR)
    {
      g_autofree char *what = g_strdup_printf ("%s %s", read_only ? "EXAMINE" : "SELECT", folder);

      return fail_command (self, what, r, OB_IMAP_ERROR_NO_FOLDER, started, error);
    }
  self->selected = TRUE;
  sel = self->imap->imap_selection_info;
  if (info != NULL)
    {
      info->uidvalidity = sel != NULL ? sel->sel_uidvalidity : 0;
      info->uidnext = sel != NULL ? sel->sel_uidnext : 0;
      info->exists = sel != NULL ? sel->sel_exists : 0;
    }
  self->exists_at_search = sel != NULL ? sel->sel_exists : 0;
  return TRUE;
}

/* EXAMINE: read-only, so nothing the watcher does can change a flag. */
gboolean
ob_imap_connection_examine (ObImapConnection *self,
                            const char       *folder,
                            ObImapFolderInfo *info,
                            GError          **error)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  return open_folder (self, folder, TRUE, info, error);
}

gboolean
ob_imap_connection_select (ObImapConnection *self,
                           const char       *folder,
                           ObImapFolderInfo *info,
                           GError          **error)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  return open_folder (self, folder, FALSE, info, error);
}

static int
compare_uid (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static GArray *
search (ObImapConnection         *self,
        struct mailimap_search_key *key,
        guint32                   first_uid,
        GError                  **error)
{
  clist *result = NULL;
  gint64 started = g_get_monotonic_time ();
  GArray *uids;
  int r;

  if (!check_open (self, error))
    {
      mailimap_search_key_free (key);
      return NULL;
    }
  if (self->imap->imap_selection_info != NULL)
    self->exists_at_search = self->imap->imap_selection_info->sel_exists;
  r = mailimap_uid_search (self->imap, NULL, key, &result);
  mailimap_search_key_free (key);
  if (r != MAILIMAP_NO_ERROR)
    {
      fail_command (self, "UID SEARCH", r, OB_IMAP_ERROR_PROTOCOL, started, error);
      return NULL;
    }
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    {
      guint32 uid = *(uint32_t *) clist_content (it);

      /* n:* names the highest message even below n. */
      if (uid >= first_uid)
        g_array_append_val (uids, uid);
    }
  mailimap_search_result_free (result);
  g_array_sort (uids, compare_uid);
  return uids;
}

/**
 * ob_imap_connection_search_uids:
 * @first_uid: the first UID wanted (last seen + 1)
 *
 * UID SEARCH UID first:* in the folder examined: the UIDs, ascending,
 * filtered to >= @first_uid.
 */
GArray *
ob_imap_connection_search_uids (ObImapConnection *self,
                                guint32           first_uid,
                                GError          **error)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), NULL);
  return search (self, mailimap_search_key_new_uid (mailimap_set_new_interval (MAX (first_uid, 1), 0)),
                 MAX (first_uid, 1), error);
}

/* UID SEARCH SINCE date (the server's dates, day precision). */
GArray *
ob_imap_connection_search_since (ObImapConnection *self,
                                 GDateTime        *since,
                                 GError          **error)
{
  struct mailimap_date *date;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), NULL);
  date = mailimap_date_new (g_date_time_get_day_of_month (since), g_date_time_get_month (since),
                            g_date_time_get_year (since));
  return search (self, mailimap_search_key_new_since (date), 1, error);
}

void
ob_imap_message_free (ObImapMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->headers, g_bytes_unref);
  g_clear_pointer (&message->text, g_bytes_unref);
  g_free (message);
}

/* Headers (they end in an empty line) then the text: one message for a
 * parser. */
GBytes *
ob_imap_message_dup_bytes (const ObImapMessage *message)
{
  GByteArray *all = g_byte_array_new ();
  gsize length;
  const guint8 *data;

  if (message->headers != NULL)
    {
      data = g_bytes_get_data (message->headers, &length);
      g_byte_array_append (all, data, (guint) length);
    }
  if (all->len < 2 || memcmp (all->data + all->len - 2, "\r\n", 2) != 0)
    g_byte_array_append (all, (const guint8 *) "\r\n", 2);
  if (all->len < 4 || memcmp (all->data + all->len - 4, "\r\n\r\n", 4) != 0)
    g_byte_array_append (all, (const guint8 *) "\r\n", 2);
  if (message->text != NULL)
    {
      data = g_bytes_get_data (message->text, &length);
      g_byte_array_append (all, data, (guint) length);
    }
  return g_byte_array_free_to_bytes (all);
}

static int
section_kind (struct mailimap_section *section)
{
  if (section == NULL || section->sec_spec == NULL ||
      section->sec_spec->sec_type != MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT ||
      section->sec_spec->sec_data.sec_msgtext == NULL)
    return -1;
  return section->sec_spec->sec_data.sec_msgtext->sec_type;
}

static ObImapMessage *
read_message (struct mailimap_msg_att *att)
{
  ObImapMessage *message = g_new0 (ObImapMessage, 1);

  for (clistiter *it = clist_begin (att->att_list); it != NULL; it = clist_next (it))
    {
      struct mailimap_msg_att_item *item = clist_content (it);

      if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC)
        {
          if (item->att_data.att_dyn == NULL || item->att_data.att_dyn->att_list == NULL)
            continue;
          for (clistiter *f = clist_begin (item->att_data.att_dyn->att_list); f != NULL; f = clist_next (f))
            {
              struct mailimap_flag_fetch *flag = clist_content (f);

              if (flag->fl_type == MAILIMAP_FLAG_FETCH_OTHER && flag->fl_flag != NULL &&
                  flag->fl_flag->fl_type == MAILIMAP_FLAG_SEEN)
                message->seen = TRUE;
            }
          continue;
        }
      if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
        message->uid = item->att_data.att_static->att_data.att_uid;
      else if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
        {
          struct mailimap_msg_att_body_section *body = item->att_data.att_static->att_data.att_body_section;
          GBytes *bytes = g_bytes_new (body->sec_body_part != NULL ? body->sec_body_part : "",
                                       body->sec_body_part != NULL ? body->sec_length : 0);

          if (section_kind (body->sec_section) == MAILIMAP_SECTION_MSGTEXT_TEXT)
            {
              g_clear_pointer (&message->text, g_bytes_unref);
              message->text = bytes;
            }
          else
            {
              g_clear_pointer (&message->headers, g_bytes_unref);
              message->headers = bytes;
            }
        }
    }
  return message;
}

/**
 * ob_imap_connection_fetch:
 * @uids: UIDs in the folder examined
 * @header_fields: (nullable): the fields to fetch (%NULL:
 *   ob_imap_watch_headers)
 * @text_bytes: 0, or how many bytes of the body to fetch too
 *
 * UID FETCH (UID FLAGS BODY.PEEK[HEADER.FIELDS (...)] BODY.PEEK[TEXT]<0.N>):
 * PEEK only, nothing is marked read. Returns #ObImapMessage in UID order;
 * UIDs the server no longer has are missing.
 */
GPtrArray *
ob_imap_connection_fetch (ObImapConnection   *self,
                          const guint32      *uids,
                          guint               n_uids,
                          const char * const *header_fields,
                          gsize               text_bytes,
                          GError            **error)
{
  struct mailimap_fetch_type *type;
  struct mailimap_set *set;
  clist *fields, *result = NULL;
  GPtrArray *messages;
  gint64 started = g_get_monotonic_time ();
  int r;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), NULL);

  if (!check_open (self, error))
    return NULL;
  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_imap_message_free);
  if (n_uids == 0)
    return messages;

  set = mailimap_set_new_empty ();
  for (guint i = 0; i < n_uids; i++)
    mailimap_set_add_single (set, uids[i]);
  fields = clist_new ();
  for (guint i = 0; (header_fields != NULL ? header_fields : ob_imap_watch_headers)[i] != NULL; i++)
    clist_append (fields, strdup ((header_fields != NULL ? header_fields : ob_imap_watch_headers)[i]));

  type = mailimap_fetch_type_new_fetch_att_list_empty ();
  mailimap_fetch_type_new_fetch_att_list_add (type, mailimap_fetch_att_new_uid ());
  mailimap_fetch_type_new_fetch_att_list_add (type, mailimap_fetch_att_new_flags ());
  mailimap_fetch_type_new_fetch_att_list_add (
    type, mailimap_fetch_att_new_body_peek_section (
            mailimap_section_new_header_fields (mailimap_header_list_new (fields))));
  if (text_bytes > 0)
    mailimap_fetch_type_new_fetch_att_list_add (
      type, mailimap_fetch_att_new_body_peek_section_partial (mailimap_section_new_text (), 0,
                                                              (uint32_t) MIN (text_bytes, G_MAXUINT32)));

  r = mailimap_uid_fetch (self->imap, set, type, &result);
  mailimap_fetch_type_free (type);
  mailimap_set_free (set);
  if (r != MAILIMAP_NO_ERROR)
    {
      g_ptr_array_unref (messages);
      fail_command (self, "UID FETCH", r, OB_IMAP_ERROR_PROTOCOL, started, error);
      return NULL;
    }
  for (clistiter *it = clist_begin (result); it != NULL; it = clist_next (it))
    {
      ObImapMessage *message = read_message (clist_content (it));
      gboolean asked = FALSE;

      for (guint i = 0; i < n_uids && !asked; i++)
        asked = uids[i] == message->uid;
      if (asked)
        g_ptr_array_add (messages, message);
      else
        ob_imap_message_free (message);
    }
  mailimap_fetch_list_free (result);
  return messages;
}

/**
 * ob_imap_connection_append:
 * @folder: where (as the server names it)
 * @message: the exact bytes (CRLF line ends)
 * @seen: store it with \Seen (a Sent copy)
 *
 * APPEND. %OB_IMAP_ERROR_NO_FOLDER when the folder does not exist.
 */
gboolean
ob_imap_connection_append (ObImapConnection *self,
                           const char       *folder,
                           GBytes           *message,
                           gboolean          seen,
                           GError          **error)
{
  struct mailimap_flag_list *flags;
  gint64 started = g_get_monotonic_time ();
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autofree char *what = NULL;
  int r;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);

  if (!check_open (self, error))
    return FALSE;
  flags = mailimap_flag_list_new_empty ();
  if (seen)
    mailimap_flag_list_add (flags, mailimap_flag_new_seen ());
  r = mailimap_append (self->imap, folder, flags, NULL, data, length);
  mailimap_flag_list_free (flags);
  if (r == MAILIMAP_NO_ERROR)
    return TRUE;
  what = g_strdup_printf ("APPEND %s", folder);
  /* NO [TRYCREATE]: the folder does not exist. */
  if (self->imap != NULL && self->imap->imap_response_info != NULL &&
      self->imap->imap_response_info->rsp_trycreate)
    return fail_command (self, what, r, OB_IMAP_ERROR_NO_FOLDER, started, error);
  return fail_command (self, what, r, OB_IMAP_ERROR_PROTOCOL, started, error);
}

static void
drain_wake (ObImapConnection *self)
{
  guint64 value;

  while (self->wake_fd >= 0 && read (self->wake_fd, &value, sizeof value) > 0)
    ;
}

/**
 * ob_imap_connection_idle:
 * @seconds: how long to wait at most (re-IDLE well inside 29 minutes)
 *
 * NOOP, then IDLE in the folder examined until the server says something,
 * @seconds pass, or ob_imap_connection_interrupt(); then DONE. A message
 * that came since the last search (the NOOP's EXISTS) ends it at once.
 * The caller searches for new UIDs after any result.
 */
ObImapIdleResult
ob_imap_connection_idle (ObImapConnection *self,
                         guint             seconds,
                         GError          **error)
{
  ObImapIdleResult result = OB_IMAP_IDLE_TIMEOUT;
  gint64 started = g_get_monotonic_time ();
  gint64 deadline = started + (gint64) seconds * G_USEC_PER_SEC;
  int r;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), OB_IMAP_IDLE_TIMEOUT);

  if (!check_open (self, error))
    return OB_IMAP_IDLE_TIMEOUT;
  if (!self->selected)
    {
      /* mailimap_idle() without a mailbox crashes. */
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_PROTOCOL, _("IDLE needs a folder examined"));
      return OB_IMAP_IDLE_TIMEOUT;
    }
  r = mailimap_noop (self->imap);
  if (r != MAILIMAP_NO_ERROR)
    {
      fail_command (self, "NOOP", r, OB_IMAP_ERROR_PROTOCOL, started, error);
      return OB_IMAP_IDLE_TIMEOUT;
    }
  if (self->imap->imap_selection_info != NULL &&
      self->imap->imap_selection_info->sel_exists != self->exists_at_search)
    return OB_IMAP_IDLE_ACTIVITY;

  r = mailimap_idle (self->imap);
  if (r != MAILIMAP_NO_ERROR)
    {
      fail_command (self, "IDLE", r, OB_IMAP_ERROR_PROTOCOL, started, error);
      return OB_IMAP_IDLE_TIMEOUT;
    }

  /* Came in the same packet as "+ idling": poll would never say so. */
  if (self->imap->imap_stream->read_buffer_len > 0)
    result = OB_IMAP_IDLE_ACTIVITY;
  while (result == OB_IMAP_IDLE_TIMEOUT)
    {
      struct pollfd fds[2] = {
        { .fd = mailimap_idle_get_fd (self->imap), .events = POLLIN },
        { .fd = self->wake_fd, .events = POLLIN },
      };
      gint64 left = deadline - g_get_monotonic_time ();
      int n;

      if (left <= 0)
        break;
      n = poll (fds, 2, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      if (fds[1].revents & POLLIN)
        {
          drain_wake (self);
          result = OB_IMAP_IDLE_INTERRUPTED;
        }
      else if (fds[0].revents != 0)
        result = OB_IMAP_IDLE_ACTIVITY;
    }

  if (take_cancelled (self))
    {
      teardown (self);
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_CANCELLED, _("Cancelled"));
      return result;
    }
  started = g_get_monotonic_time ();
  r = mailimap_idle_done (self->imap);
  if (r != MAILIMAP_NO_ERROR)
    fail_command (self, "DONE", r, OB_IMAP_ERROR_PROTOCOL, started, error);
  return result;
}

gboolean
ob_imap_connection_noop (ObImapConnection *self,
                         GError          **error)
{
  gint64 started = g_get_monotonic_time ();
  int r;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);

  if (!check_open (self, error))
    return FALSE;
  r = mailimap_noop (self->imap);
  if (r != MAILIMAP_NO_ERROR)
    return fail_command (self, "NOOP", r, OB_IMAP_ERROR_PROTOCOL, started, error);
  return TRUE;
}

/* LOGOUT (waits for the answer up to the timeout), then closes. */
void
ob_imap_connection_logout (ObImapConnection *self)
{
  g_return_if_fail (OB_IS_IMAP_CONNECTION (self));

  if (self->imap != NULL && self->imap->imap_stream != NULL)
    mailimap_logout (self->imap);
  teardown (self);
}

/* Closes at once, without a word to the server. */
void
ob_imap_connection_close (ObImapConnection *self)
{
  g_return_if_fail (OB_IS_IMAP_CONNECTION (self));
  teardown (self);
}

gboolean
ob_imap_connection_is_open (ObImapConnection *self)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), FALSE);
  return self->imap != NULL && self->imap->imap_stream != NULL;
}

const ObTlsCertificate *
ob_imap_connection_get_peer_certificate (ObImapConnection *self)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (self), NULL);
  return self->peer;
}

/**
 * ob_imap_connect_account:
 * @account: an account with an IMAP side
 * @timeout_seconds: for connecting and every read; 0: the default
 *
 * Opens and logs in (ob-credentials: the password from the keyring, read
 * here and wiped after, or XOAUTH2). Errors: #OB_IMAP_ERROR, the keyring's
 * own, #OB_OAUTH_ERROR.
 */
ObImapConnection *
ob_imap_connect_account (const ObAccount *account,
                         guint            timeout_seconds,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_autoptr(ObImapConnection) imap = NULL;
  g_autoptr(ObAccount) followed = NULL;
  ObTlsEndpoint endpoint = { 0 };
  ObTlsSecurity security = OB_TLS_SECURITY_TLS;

  g_return_val_if_fail (account != NULL, NULL);

  /* A GNOME Online Account: where to connect is what Settings says now. */
  if (account->goa_id != NULL)
    {
      followed = ob_account_copy (account);
      if (!ob_goa_refresh_account (followed, NULL, cancellable, error))
        return NULL;
      account = followed;
    }
  if (!ob_account_has_imap (account))
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_PROTOCOL,
                   _("The account “%s” has no IMAP server"), account->name);
      return NULL;
    }
  ob_tls_security_from_string (ob_security_to_string (account->imap_security), &security);
  endpoint.host = account->imap_host;
  endpoint.port = (guint16) account->imap_port;
  endpoint.security = security;
  endpoint.ca_file = account->ca_file;
  endpoint.pins = (const char * const *) account->imap_pins;
  endpoint.timeout_seconds = timeout_seconds;

  imap = ob_imap_connection_new ();
  if (!ob_imap_connection_open (imap, &endpoint, cancellable, error))
    return NULL;
  if (!ob_credentials_login_imap (imap, account, cancellable, error))
    return NULL;
  return g_steal_pointer (&imap);
}

/* ---- Sent copies ----------------------------------------------------------- */

/* A Sent copy gets this long per read: a dead IMAP server costs the next
 * SMTP send at most about this, once per backoff. */
#define SENT_COPY_TIMEOUT_SECONDS 10
#define SENT_COPY_BACKOFF_SECONDS 300

struct _ObImapSentCopy
{
  gint64            account_id;
  ObImapConnection *imap;
  char             *folder;
  gint64            backoff_until;   /* monotonic */
};

ObImapSentCopy *
ob_imap_sent_copy_new (gint64 account_id)
{
  ObImapSentCopy *copy = g_new0 (ObImapSentCopy, 1);

  copy->account_id = account_id;
  return copy;
}

void
ob_imap_sent_copy_free (ObImapSentCopy *copy)
{
  if (copy == NULL)
    return;
  /* Closed without LOGOUT: stopping the sender must not wait for it. */
  if (copy->imap != NULL)
    ob_imap_connection_close (copy->imap);
  g_clear_object (&copy->imap);
  g_free (copy->folder);
  g_free (copy);
}

static gboolean
set_copy_state (ObStore    *store,
                gint64      send_id,
                const char *state,
                const char *only_if,
                GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "UPDATE sends SET sent_copy = ?2 WHERE id = ?1 AND (?3 IS NULL OR sent_copy = ?3)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, send_id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, only_if, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "UPDATE sends SET sent_copy");
      return FALSE;
    }
  return sqlite3_changes (ob_store_get_db (store)) > 0;
}

/* The copy goes to the account's Sent folder. */
static gboolean
copy_one (ObImapSentCopy  *copy,
          const ObAccount *account,
          GBytes          *message,
          GCancellable    *cancellable,
          GError         **error)
{
  if (g_get_monotonic_time () < copy->backoff_until)
    {
      g_set_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TRANSIENT,
                   _("The IMAP server failed a moment ago: the copy waits for a later try"));
      return FALSE;
    }
  for (int attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(GError) local = NULL;

      if (copy->imap == NULL || !ob_imap_connection_is_open (copy->imap))
        {
          g_clear_object (&copy->imap);
          copy->imap = ob_imap_connect_account (account, SENT_COPY_TIMEOUT_SECONDS, cancellable, error);
          if (copy->imap == NULL)
            break;
          if (copy->folder == NULL)
            copy->folder = account->sent_folder != NULL && account->sent_folder[0] != '\0'
                             ? g_strdup (account->sent_folder)
                             : ob_imap_connection_find_sent (copy->imap, error);
          if (copy->folder == NULL)
            break;
          attempt = 1;  /* a fresh connection that fails is not tried again */
        }
      {
        gulong handler = 0;
        gboolean ok;

        /* Stopping the sender ends the APPEND at once. */
        if (cancellable != NULL)
          handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), copy->imap, NULL);
        ok = ob_imap_connection_append (copy->imap, copy->folder, message, TRUE, &local);
        g_cancellable_disconnect (cancellable, handler);
        if (ok)
          return TRUE;
      }
      /* A connection the server dropped while idle: once more on a new one. */
      if (!g_error_matches (local, OB_IMAP_ERROR, OB_IMAP_ERROR_TRANSIENT) || attempt == 1)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          break;
        }
      g_clear_object (&copy->imap);
    }
  copy->backoff_until = g_get_monotonic_time () + (gint64) SENT_COPY_BACKOFF_SECONDS * G_USEC_PER_SEC;
  if (copy->imap != NULL)
    ob_imap_connection_close (copy->imap);
  g_clear_object (&copy->imap);
  g_clear_pointer (&copy->folder, g_free);
  return FALSE;
}

/* Reads what a copy needs: the send's bytes, its campaign and prospect. */
static GBytes *
load_send (ObStore *store,
           gint64   send_id,
           gint64  *campaign_id,
           gint64  *prospect_id,
           gint64  *enrollment_id,
           guint   *step,
           GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "SELECT s.message, e.campaign_id, e.prospect_id, e.id, s.step_position FROM sends AS s"
    " JOIN enrollments AS e ON e.id = s.enrollment_id WHERE s.id = ?1", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, send_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY, "send %" G_GINT64_FORMAT " is gone",
                   send_id);
      return NULL;
    }
  *campaign_id = sqlite3_column_int64 (stmt, 1);
  *prospect_id = sqlite3_column_int64 (stmt, 2);
  *enrollment_id = sqlite3_column_int64 (stmt, 3);
  *step = (guint) sqlite3_column_int (stmt, 4);
  return g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
}

static gboolean
append_send (ObImapSentCopy  *copy,
             ObStore         *store,
             const ObAccount *account,
             gint64           send_id,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *detail = NULL;
  gint64 campaign_id = 0, prospect_id = 0, enrollment_id = 0;
  guint step = 0;

  message = load_send (store, send_id, &campaign_id, &prospect_id, &enrollment_id, &step, error);
  if (message == NULL)
    return FALSE;
  if (copy_one (copy, account, message, cancellable, &local))
    {
      set_copy_state (store, send_id, "done", NULL, NULL);
      return TRUE;
    }

  set_copy_state (store, send_id, "failed", NULL, NULL);
  detail = ob_outbox_event_detail ("error", local->message, NULL);
  ob_outbox_add_event (store, "sent_copy_failed", account->id, campaign_id, prospect_id, enrollment_id,
                       send_id, step, detail, NULL);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/**
 * ob_imap_append_sent:
 * @send_id: a send just recorded 'sent'
 *
 * Files the exact bytes of @send_id in the account's Sent folder, unless
 * the account has no IMAP side or its provider does it (then %TRUE and
 * nothing is recorded). On failure the send is marked for a later try and
 * an event sent_copy_failed says why; the error is only for logs.
 */
gboolean
ob_imap_append_sent (ObImapSentCopy *copy,
                     ObStore        *store,
                     gint64          send_id,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(ObAccount) account = NULL;

  g_return_val_if_fail (copy != NULL, FALSE);

  account = ob_accounts_get (store, copy->account_id, error);
  if (account == NULL)
    return FALSE;
  if (!ob_account_has_imap (account) || account->provider_saves_sent)
    return TRUE;
  if (!set_copy_state (store, send_id, "pending", NULL, error))
    return FALSE;
  return append_send (copy, store, account, send_id, cancellable, error);
}

/**
 * ob_imap_retry_sent_copies:
 * @limit: at most this many
 * @failed_before: Unix seconds: a copy that failed at or after this waits
 *
 * Tries again the copies of this account that failed before @failed_before
 * (or that a process left 'pending' over ten minutes ago). Each is claimed first, so the
 * sender never copies the same one. Returns how many went.
 */
guint
ob_imap_retry_sent_copies (ObImapSentCopy *copy,
                           ObStore        *store,
                           guint           limit,
                           gint64          failed_before,
                           GCancellable   *cancellable)
{
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) stmt = NULL;
  guint done = 0;

  g_return_val_if_fail (copy != NULL, 0);

  if (g_get_monotonic_time () < copy->backoff_until)
    return 0;
  account = ob_accounts_get (store, copy->account_id, NULL);
  if (account == NULL || !ob_account_has_imap (account) || account->provider_saves_sent)
    return 0;
  stmt = ob_store_prepare (store,
    "SELECT id FROM sends AS s WHERE account_id = ?1 AND state = 'sent'"
    " AND ((sent_copy = 'failed' AND NOT EXISTS (SELECT 1 FROM events AS e"
    "        WHERE e.account_id = ?1 AND e.at >= ?3 AND e.kind = 'sent_copy_failed'"
    "          AND e.send_id = s.id))"
    "      OR (sent_copy = 'pending' AND sent_at < unixepoch () - 600))"
    " ORDER BY id LIMIT ?2", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, copy->account_id);
  sqlite3_bind_int (stmt, 2, (int) limit);
  sqlite3_bind_int64 (stmt, 3, failed_before);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr(GError) error = NULL;

      /* Claimed: 'retrying' is neither failed nor pending. */
      if (!set_copy_state (store, id, "retrying", "failed", NULL) &&
          !set_copy_state (store, id, "retrying", "pending", NULL))
        continue;
      if (append_send (copy, store, account, id, cancellable, &error))
        done++;
      else
        {
          g_debug ("Sent copy of send %" G_GINT64_FORMAT " failed again: %s", id, error->message);
          break;
        }
    }
  return done;
}
