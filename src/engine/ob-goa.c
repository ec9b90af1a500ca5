/* ob-goa.c: the mail accounts of GNOME Online Accounts (libgoa-1.0)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_goa_monitor_* on the thread that made the monitor (the main
 * thread); ob_goa_apply() anywhere; everything else blocks on D-Bus and
 * belongs on a worker thread or in the CLI. Each blocking call reads GOA
 * afresh through a client of its own, made in a private main context, so
 * that no cached property is stale and no other thread's context is used.
 * Secrets are handed to the caller only: never stored, never logged.
 */

#define G_LOG_DOMAIN "ob-goa"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#if HAVE_GOA
#define GOA_API_IS_SUBJECT_TO_CHANGE
#include <goa/goa.h>
#endif

#include "ob-goa.h"

G_DEFINE_QUARK (ob-goa-error-quark, ob_goa_error)

gboolean
ob_goa_is_supported (void)
{
  return HAVE_GOA;
}

/**
 * ob_goa_error_needs_settings:
 *
 * Returns: TRUE when Settings → Online Accounts is where the rep fixes it
 */
gboolean
ob_goa_error_needs_settings (const GError *error)
{
  return error != NULL && error->domain == OB_GOA_ERROR
         && (error->code == OB_GOA_ERROR_NOT_FOUND || error->code == OB_GOA_ERROR_MAIL_DISABLED
             || error->code == OB_GOA_ERROR_ATTENTION_NEEDED || error->code == OB_GOA_ERROR_UNSUPPORTED);
}

void
ob_goa_mail_account_free (ObGoaMailAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->id);
  g_free (account->provider_type);
  g_free (account->provider_name);
  g_free (account->identity);
  g_free (account->email);
  g_free (account->name);
  g_free (account->smtp_host);
  g_free (account->smtp_user);
  g_free (account->imap_host);
  g_free (account->imap_user);
  g_free (account);
}

/* Only what GOA says about where to connect; never the account's name,
 * limits, signature or pins (Outbound's own). */
static void
copy_connection (ObAccount              *account,
                 const ObGoaMailAccount *mail,
                 gboolean               *changed)
{
#define SET_STR(field, value) \
  G_STMT_START { \
    if (g_strcmp0 (account->field, (value)) != 0) \
      { \
        g_free (account->field); \
        account->field = g_strdup (value); \
        *changed = TRUE; \
      } \
  } G_STMT_END
#define SET_VAL(field, value) \
  G_STMT_START { \
    if (account->field != (value)) \
      { \
        account->field = (value); \
        *changed = TRUE; \
      } \
  } G_STMT_END

  if (mail->email != NULL && mail->email[0] != '\0')
    SET_STR (email, mail->email);
  SET_STR (smtp_host, mail->smtp_host);
  SET_VAL (smtp_port, mail->smtp_port);
  SET_VAL (smtp_security, mail->smtp_security);
  SET_STR (smtp_user, mail->smtp_user != NULL ? mail->smtp_user : "");
  SET_STR (imap_host, mail->imap_host);
  SET_VAL (imap_port, mail->imap_host != NULL ? mail->imap_port : 0);
  if (mail->imap_host != NULL)
    SET_VAL (imap_security, mail->imap_security);
  SET_STR (imap_user, mail->imap_user != NULL ? mail->imap_user : "");
#undef SET_STR
#undef SET_VAL
}

/**
 * ob_goa_apply:
 * @account: a new account, or one to turn into a GOA account
 * @mail: the Online Account
 *
 * Makes @account follow @mail: its id, where to connect, the address, and
 * for Google and Microsoft what their preset knows about Sent copies. The
 * name and display name are filled only when empty.
 */
void
ob_goa_apply (ObAccount              *account,
              const ObGoaMailAccount *mail)
{
  const ObAccountPreset *preset = NULL;
  gboolean changed = FALSE;

  g_return_if_fail (account != NULL && mail != NULL);

  g_free (account->goa_id);
  account->goa_id = g_strdup (mail->id);
  g_free (account->auth_method);
  account->auth_method = g_strdup ("goa");
  copy_connection (account, mail, &changed);
  if ((account->name == NULL || account->name[0] == '\0') && mail->email != NULL)
    {
      g_free (account->name);
      account->name = g_strdup (mail->email);
    }
  if ((account->display_name == NULL || account->display_name[0] == '\0') && mail->name != NULL)
    {
      g_free (account->display_name);
      account->display_name = g_strdup (mail->name);
    }
  if (g_strcmp0 (mail->provider_type, "google") == 0)
    preset = ob_account_preset_find ("gmail");
  else if (g_strcmp0 (mail->provider_type, "windows_live") == 0
           || g_strcmp0 (mail->provider_type, "ms_graph") == 0)
    preset = ob_account_preset_find ("microsoft");
  if (preset != NULL)
    {
      account->provider_saves_sent = preset->provider_saves_sent;
      if (preset->sent_folder != NULL)
        {
          g_free (account->sent_folder);
          account->sent_folder = g_strdup (preset->sent_folder);
        }
    }
}

#if HAVE_GOA

/* ---- A client of one call's own -------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GoaClient    *client;
} Session;

static void
session_clear (Session *session)
{
  if (session->context == NULL)
    return;
  g_clear_object (&session->client);
  g_main_context_pop_thread_default (session->context);
  /* What the bus delivered meanwhile is dropped with the context. */
  while (g_main_context_iteration (session->context, FALSE))
    ;
  g_clear_pointer (&session->context, g_main_context_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Session, session_clear)

static gboolean
session_open (Session       *session,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GError) local = NULL;
  GDBusObjectManager *manager;

  session->context = g_main_context_new ();
  g_main_context_push_thread_default (session->context);
  session->client = goa_client_new_sync (cancellable, &local);
  if (session->client == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_UNAVAILABLE,
                     _("GNOME Online Accounts does not answer: %s"), local->message);
      return FALSE;
    }
  manager = goa_client_get_object_manager (session->client);
  if (g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (manager)) == NULL)
    {
      g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_UNAVAILABLE,
                   _("GNOME Online Accounts is not running on this desktop"));
      return FALSE;
    }
  return TRUE;
}

/* A remote error, without its D-Bus name; GOA's "not authorized" is the
 * account needing the rep. */
static void
propagate_remote (GError     **error,
                  GError      *remote,
                  const char  *what)
{
  if (g_error_matches (remote, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, remote);
      return;
    }
  g_dbus_error_strip_remote_error (remote);
  if (g_error_matches (remote, GOA_ERROR, GOA_ERROR_NOT_AUTHORIZED))
    g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_ATTENTION_NEEDED,
                 _("The Online Account needs you to sign in again in Settings → Online Accounts: %s"),
                 remote->message);
  else
    g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_FAILED, "%s: %s", what, remote->message);
  g_error_free (remote);
}

static char *
sanitized (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *p = copy; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return copy;
}

/* "host", "host:port" or "[v6]:port" as GOA keeps them. */
static gboolean
parse_host (const char  *text,
            guint        default_port,
            char       **host,
            guint       *port)
{
  g_autoptr(GSocketConnectable) address = NULL;

  if (text == NULL || text[0] == '\0')
    return FALSE;
  address = g_network_address_parse (text, (guint16) default_port, NULL);
  if (address == NULL)
    return FALSE;
  *host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  *port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  return TRUE;
}

static ObSecurity
security_of (gboolean use_ssl,
             gboolean use_tls)
{
  return use_ssl ? OB_SECURITY_TLS : use_tls ? OB_SECURITY_STARTTLS : OB_SECURITY_INSECURE;
}

/* NULL when the object is not a mail account at all (calendar only...). */
static ObGoaMailAccount *
mail_account_from_object (GoaObject *object)
{
  GoaAccount *account = goa_object_peek_account (object);
  GoaMail *mail = goa_object_peek_mail (object);
  ObGoaMailAccount *out;

  if (account == NULL)
    return NULL;
  out = g_new0 (ObGoaMailAccount, 1);
  out->id = g_strdup (goa_account_get_id (account));
  out->provider_type = g_strdup (goa_account_get_provider_type (account));
  out->provider_name = sanitized (goa_account_get_provider_name (account));
  out->identity = sanitized (goa_account_get_presentation_identity (account));
  out->attention_needed = goa_account_get_attention_needed (account);
  out->mail_enabled = !goa_account_get_mail_disabled (account) && mail != NULL;
  out->oauth2 = goa_object_peek_oauth2_based (object) != NULL;
  if (mail == NULL)
    return out;

  out->email = sanitized (goa_mail_get_email_address (mail));
  out->name = sanitized (goa_mail_get_name (mail));
  if (goa_mail_get_smtp_supported (mail))
    {
      gboolean ssl = goa_mail_get_smtp_use_ssl (mail);
      gboolean tls = goa_mail_get_smtp_use_tls (mail);

      if (parse_host (goa_mail_get_smtp_host (mail), ssl ? 465 : tls ? 587 : 25,
                      &out->smtp_host, &out->smtp_port))
        {
          out->smtp_security = security_of (ssl, tls);
          out->smtp_use_auth = goa_mail_get_smtp_use_auth (mail);
          out->smtp_user = out->smtp_use_auth ? sanitized (goa_mail_get_smtp_user_name (mail)) : g_strdup ("");
        }
    }
  if (goa_mail_get_imap_supported (mail))
    {
      gboolean ssl = goa_mail_get_imap_use_ssl (mail);
      gboolean tls = goa_mail_get_imap_use_tls (mail);

      if (parse_host (goa_mail_get_imap_host (mail), ssl ? 993 : 143, &out->imap_host, &out->imap_port))
        {
          out->imap_security = security_of (ssl, tls);
          out->imap_user = sanitized (goa_mail_get_imap_user_name (mail));
        }
    }
  /* Outbound sends: an account without SMTP is not one it can use. */
  if (out->smtp_host == NULL)
    out->mail_enabled = FALSE;
  return out;
}

GPtrArray *
ob_goa_list_mail_accounts (GCancellable  *cancellable,
                           GError       **error)
{
  g_auto(Session) session = { 0 };
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_goa_mail_account_free);
  GList *objects;

  if (!session_open (&session, cancellable, error))
    return NULL;
  objects = goa_client_get_accounts (session.client);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      ObGoaMailAccount *mail = mail_account_from_object (l->data);

      if (mail != NULL && mail->mail_enabled)
        g_ptr_array_add (list, mail);
      else
        ob_goa_mail_account_free (mail);
    }
  g_list_free_full (objects, g_object_unref);
  return g_steal_pointer (&list);
}

/* The object of @goa_id when it can serve mail now, else why not. */
static GoaObject *
lookup_usable (Session           *session,
               const char        *goa_id,
               gboolean           attention_ok,
               ObGoaMailAccount **out_mail,
               GError           **error)
{
  g_autoptr(GoaObject) object = goa_client_lookup_by_id (session->client, goa_id);
  g_autoptr(ObGoaMailAccount) mail = NULL;

  if (object == NULL || (mail = mail_account_from_object (object)) == NULL)
    {
      g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_NOT_FOUND,
                   _("The Online Account this account uses was removed: add it again in Settings → Online Accounts"));
      return NULL;
    }
  if (!mail->mail_enabled)
    {
      g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_MAIL_DISABLED,
                   _("Mail is turned off for the Online Account “%s”: turn it on in Settings → Online Accounts"),
                   mail->identity);
      return NULL;
    }
  if (mail->attention_needed && !attention_ok)
    {
      g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_ATTENTION_NEEDED,
                   _("The Online Account “%s” needs your attention: sign in again in Settings → Online Accounts"),
                   mail->identity);
      return NULL;
    }
  if (out_mail != NULL)
    *out_mail = g_steal_pointer (&mail);
  return g_steal_pointer (&object);
}

ObGoaMailAccount *
ob_goa_get_mail_account (const char    *goa_id,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_auto(Session) session = { 0 };
  g_autoptr(GoaObject) object = NULL;
  ObGoaMailAccount *mail = NULL;

  g_return_val_if_fail (goa_id != NULL, NULL);

  if (!session_open (&session, cancellable, error))
    return NULL;
  object = lookup_usable (&session, goa_id, FALSE, &mail, error);
  return object != NULL ? mail : NULL;
}

static gboolean
session_get_secret (Session          *session,
                    GoaObject        *object,
                    ObSecretProtocol  protocol,
                    gboolean          force_refresh,
                    ObGoaSecretKind  *kind,
                    char            **secret,
                    GCancellable     *cancellable,
                    GError          **error)
{
  GoaOAuth2Based *oauth2 = goa_object_peek_oauth2_based (object);
  GoaPasswordBased *password_based = goa_object_peek_password_based (object);
  GError *remote = NULL;
  char *value = NULL;

  if (force_refresh &&
      !goa_account_call_ensure_credentials_sync (goa_object_peek_account (object), NULL, cancellable,
                                                 &remote))
    {
      propagate_remote (error, remote, _("GNOME Online Accounts could not check the account"));
      return FALSE;
    }

  if (oauth2 != NULL)
    {
      if (!goa_oauth2_based_call_get_access_token_sync (oauth2, &value, NULL, cancellable, &remote))
        {
          propagate_remote (error, remote, _("GNOME Online Accounts gave no access token"));
          return FALSE;
        }
      *kind = OB_GOA_SECRET_OAUTH2;
    }
  else if (password_based != NULL)
    {
      const char *id = protocol == OB_SECRET_IMAP ? "imap-password" : "smtp-password";

      if (!goa_password_based_call_get_password_sync (password_based, id, &value, cancellable, &remote))
        {
          propagate_remote (error, remote, _("GNOME Online Accounts gave no password"));
          return FALSE;
        }
      *kind = OB_GOA_SECRET_PASSWORD;
    }
  else
    {
      g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_UNSUPPORTED,
                   _("The Online Account “%s” signs in neither with a password nor with OAuth2"),
                   goa_account_get_provider_name (goa_object_peek_account (object)));
      return FALSE;
    }
  *secret = value;
  return TRUE;
}

/**
 * ob_goa_get_secret:
 * @goa_id: the Online Account
 * @protocol: OB_SECRET_SMTP or OB_SECRET_IMAP (which password of an "IMAP
 *   and SMTP" account; OAuth2 has one token for both)
 * @force_refresh: the server refused the last one: GOA checks the account
 *   (EnsureCredentials) and refreshes the token first
 * @kind: (out): a password or an OAuth2 access token
 * @secret: (out): free with ob_secrets_free(), which wipes it
 */
gboolean
ob_goa_get_secret (const char        *goa_id,
                   ObSecretProtocol   protocol,
                   gboolean           force_refresh,
                   ObGoaSecretKind   *kind,
                   char             **secret,
                   GCancellable      *cancellable,
                   GError           **error)
{
  g_auto(Session) session = { 0 };
  g_autoptr(GoaObject) object = NULL;

  g_return_val_if_fail (goa_id != NULL && kind != NULL && secret != NULL, FALSE);

  *secret = NULL;
  if (!session_open (&session, cancellable, error))
    return FALSE;
  /* A refresh is what may clear "needs attention": EnsureCredentials. */
  object = lookup_usable (&session, goa_id, force_refresh, NULL, error);
  if (object == NULL)
    return FALSE;
  return session_get_secret (&session, object, protocol, force_refresh, kind, secret, cancellable, error);
}

gboolean
ob_goa_refresh_account (ObAccount     *account,
                        gboolean      *changed,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(ObGoaMailAccount) mail = NULL;
  gboolean differs = FALSE;

  g_return_val_if_fail (account != NULL && account->goa_id != NULL, FALSE);

  mail = ob_goa_get_mail_account (account->goa_id, cancellable, error);
  if (mail == NULL)
    return FALSE;
  copy_connection (account, mail, &differs);
  if (changed != NULL)
    *changed = differs;
  return TRUE;
}

/* Authenticates with what GOA gives; after a refusal, once more with a
 * secret GOA refreshed. @smtp or @imap, the other NULL. */
static gboolean
authenticate (ObSmtpConnection  *smtp,
              ObImapConnection  *imap,
              const ObAccount   *account,
              GCancellable      *cancellable,
              GError           **error)
{
  g_auto(Session) session = { 0 };
  g_autoptr(GoaObject) object = NULL;
  g_autoptr(ObGoaMailAccount) mail = NULL;
  ObSecretProtocol protocol = smtp != NULL ? OB_SECRET_SMTP : OB_SECRET_IMAP;

  g_return_val_if_fail (account != NULL && account->goa_id != NULL, FALSE);

  if (!session_open (&session, cancellable, error))
    return FALSE;
  object = lookup_usable (&session, account->goa_id, FALSE, &mail, error);
  if (object == NULL)
    return FALSE;
  if (smtp != NULL && !mail->smtp_use_auth)
    return TRUE;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(ObSecret) secret = NULL;
      g_autoptr(GError) refused = NULL;
      ObGoaSecretKind kind = OB_GOA_SECRET_PASSWORD;
      const char *user;
      gboolean ok;

      if (!session_get_secret (&session, object, protocol, attempt > 0, &kind, &secret, cancellable, error))
        return FALSE;
      if (smtp != NULL)
        {
          user = ob_account_get_smtp_login (account);
          ok = kind == OB_GOA_SECRET_OAUTH2
               ? ob_smtp_connection_authenticate_xoauth2 (smtp, user, secret, &refused)
               : ob_smtp_connection_authenticate (smtp, user, secret, &refused);
          if (ok)
            return TRUE;
          if (attempt > 0 || !g_error_matches (refused, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH)
              || !ob_smtp_connection_is_open (smtp))
            {
              g_propagate_error (error, g_steal_pointer (&refused));
              return FALSE;
            }
        }
      else
        {
          user = ob_account_get_imap_login (account);
          ok = kind == OB_GOA_SECRET_OAUTH2
               ? ob_imap_connection_login_xoauth2 (imap, user, secret, &refused)
               : ob_imap_connection_login (imap, user, secret, &refused);
          if (ok)
            return TRUE;
          if (attempt > 0 || !g_error_matches (refused, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH))
            {
              g_propagate_error (error, g_steal_pointer (&refused));
              return FALSE;
            }
        }
      g_debug ("%s refused the Online Account's secret: asking GOA again",
               smtp != NULL ? "SMTP" : "IMAP");
    }
  g_assert_not_reached ();
}

/* ---- The monitor ------------------------------------------------------------ */

struct _ObGoaMonitor
{
  GCancellable     *cancellable;
  GoaClient        *client;
  ObGoaMonitorFunc  func;
  gpointer          user_data;
  ObGoaMonitor    **pending;    /* the creation's pointer back, while it runs */
};

static void
on_account_event (GoaClient    *client,
                  GoaObject    *object,
                  ObGoaMonitor *monitor)
{
  monitor->func (monitor->user_data);
}

static void
on_client_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ObGoaMonitor **pending = user_data;
  ObGoaMonitor *monitor = *pending;
  g_autoptr(GError) error = NULL;
  GoaClient *client = goa_client_new_finish (result, &error);

  g_free (pending);
  if (monitor == NULL)
    {
      /* Freed meanwhile. */
      g_clear_object (&client);
      return;
    }
  monitor->pending = NULL;
  if (client == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("GNOME Online Accounts: %s", error->message);
      return;
    }
  monitor->client = client;
  g_signal_connect (client, "account-added", G_CALLBACK (on_account_event), monitor);
  g_signal_connect (client, "account-removed", G_CALLBACK (on_account_event), monitor);
  g_signal_connect (client, "account-changed", G_CALLBACK (on_account_event), monitor);
  /* What changed while the client was being made counts too. */
  monitor->func (monitor->user_data);
}

ObGoaMonitor *
ob_goa_monitor_new (ObGoaMonitorFunc func,
                    gpointer         user_data)
{
  ObGoaMonitor *monitor = g_new0 (ObGoaMonitor, 1);

  monitor->func = func;
  monitor->user_data = user_data;
  monitor->cancellable = g_cancellable_new ();
  monitor->pending = g_new (ObGoaMonitor *, 1);
  *monitor->pending = monitor;
  goa_client_new (monitor->cancellable, on_client_ready, monitor->pending);
  return monitor;
}

void
ob_goa_monitor_free (ObGoaMonitor *monitor)
{
  if (monitor == NULL)
    return;
  /* A creation still running ends cancelled, later, and finds NULL. */
  if (monitor->pending != NULL)
    *monitor->pending = NULL;
  g_cancellable_cancel (monitor->cancellable);
  if (monitor->client != NULL)
    g_signal_handlers_disconnect_by_data (monitor->client, monitor);
  g_clear_object (&monitor->client);
  g_clear_object (&monitor->cancellable);
  g_free (monitor);
}

#else /* !HAVE_GOA */

static void
set_unavailable (GError **error)
{
  g_set_error (error, OB_GOA_ERROR, OB_GOA_ERROR_UNAVAILABLE,
               _("This build of Outbound has no GNOME Online Accounts support"));
}

GPtrArray *
ob_goa_list_mail_accounts (GCancellable  *cancellable,
                           GError       **error)
{
  set_unavailable (error);
  return NULL;
}

ObGoaMailAccount *
ob_goa_get_mail_account (const char    *goa_id,
                         GCancellable  *cancellable,
                         GError       **error)
{
  set_unavailable (error);
  return NULL;
}

gboolean
ob_goa_get_secret (const char        *goa_id,
                   ObSecretProtocol   protocol,
                   gboolean           force_refresh,
                   ObGoaSecretKind   *kind,
                   char             **secret,
                   GCancellable      *cancellable,
                   GError           **error)
{
  *secret = NULL;
  set_unavailable (error);
  return FALSE;
}

gboolean
ob_goa_refresh_account (ObAccount     *account,
                        gboolean      *changed,
                        GCancellable  *cancellable,
                        GError       **error)
{
  set_unavailable (error);
  return FALSE;
}

static gboolean
authenticate (ObSmtpConnection  *smtp,
              ObImapConnection  *imap,
              const ObAccount   *account,
              GCancellable      *cancellable,
              GError           **error)
{
  set_unavailable (error);
  return FALSE;
}

struct _ObGoaMonitor
{
  int unused;
};

ObGoaMonitor *
ob_goa_monitor_new (ObGoaMonitorFunc func,
                    gpointer         user_data)
{
  return g_new0 (ObGoaMonitor, 1);
}

void
ob_goa_monitor_free (ObGoaMonitor *monitor)
{
  g_free (monitor);
}

#endif /* HAVE_GOA */

/**
 * ob_goa_follow:
 * @store: (nullable): the calling thread's store, to save what changed
 * @account: an account with a goa_id, changed in place
 *
 * Hosts, ports, TLS modes and users of a GNOME Online Account follow what
 * Settings says now; what changed is saved, so the UI shows it too.
 * Blocks (D-Bus). Fails with an OB_GOA_ERROR when the Online Account is
 * gone, has mail off or needs attention.
 */
gboolean
ob_goa_follow (ObStore       *store,
               ObAccount     *account,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GError) save_error = NULL;
  gboolean changed = FALSE;

  if (!ob_goa_refresh_account (account, &changed, cancellable, error))
    return FALSE;
  if (changed && store != NULL && !ob_accounts_update (store, account, &save_error))
    g_message ("Cannot save the Online Account's settings of %s: %s", account->name, save_error->message);
  return TRUE;
}

gboolean
ob_goa_smtp_authenticate (ObSmtpConnection  *smtp,
                          const ObAccount   *account,
                          GCancellable      *cancellable,
                          GError           **error)
{
  return authenticate (smtp, NULL, account, cancellable, error);
}

gboolean
ob_goa_imap_login (ObImapConnection  *imap,
                   const ObAccount   *account,
                   GCancellable      *cancellable,
                   GError           **error)
{
  return authenticate (NULL, imap, account, cancellable, error);
}
