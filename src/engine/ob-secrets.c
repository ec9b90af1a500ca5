/* ob-secrets.c: passwords and tokens in the keyring (Secret Service)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: the _sync functions block on D-Bus (and on a keyring prompt, if
 * the keyring is locked): call them from worker threads and the CLI only.
 * The _async functions may be called from any thread with a main context;
 * they run the _sync ones on a GTask thread and finish on that context.
 *
 * Schema "io.github.outbound.Outbound" (the app ID), attributes:
 *   account   the account's keyring_id (accounts.keyring_id): a random id
 *             made when the account is added. Not its name, which the user
 *             may change, nor its row id, which every store starts at 1
 *             and sqlite may give again after a delete: two stores (--db)
 *             share one keyring.
 *   protocol  "smtp", "imap", "oauth2-refresh" or "oauth2-access" (the
 *             access token and its expiry, see ob-oauth.c)
 * Items go to the default collection ("login" in GNOME Keyring), labelled
 * for people who look in Passwords and Keys. There is no fallback: without a
 * Secret Service, nothing is stored and the error says what to install.
 */

#define G_LOG_DOMAIN "ob-secrets"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "ob-secrets.h"

G_DEFINE_QUARK (ob-secrets-error-quark, ob_secrets_error)

static const SecretSchema schema = {
  APP_ID, SECRET_SCHEMA_NONE,
  {
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

const char *
ob_secret_protocol_to_string (ObSecretProtocol protocol)
{
  switch (protocol)
    {
    case OB_SECRET_SMTP:
      return "smtp";
    case OB_SECRET_IMAP:
      return "imap";
    case OB_SECRET_OAUTH2_REFRESH:
      return "oauth2-refresh";
    case OB_SECRET_OAUTH2_ACCESS:
      return "oauth2-access";
    default:
      g_return_val_if_reached (NULL);
    }
}

static GHashTable *
attributes_new (const char       *account,
                ObSecretProtocol  protocol,
                gboolean          with_protocol)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (char *) "account", (char *) account);
  if (with_protocol)
    g_hash_table_insert (attributes, (char *) "protocol",
                         (char *) ob_secret_protocol_to_string (protocol));
  return attributes;
}

static const char no_service_advice[] =
  N_("Install and start GNOME Keyring (the gnome-keyring package) or another Secret Service, "
     "then try again. Outbound keeps passwords nowhere else.");

/* Turns what libsecret or GDBus said into an error a caller can act on. */
static void
propagate_error (GError    **error,
                 GError     *cause,
                 const char *account)
{
  g_autoptr(GError) owned = cause;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&owned));
      return;
    }

  /* Connecting to the session bus failed: none, or an unusable address
   * ("disabled:", a dead socket, no X11 to autolaunch one). */
  if (cause->domain == G_IO_ERROR || cause->domain == G_SPAWN_ERROR ||
      g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER) ||
      g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED))
    {
      g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NO_SERVICE,
                   /* Translators: the first %s is a technical reason, the second what to do */
                   _("No keyring is available: there is no D-Bus session (%s). %s"),
                   cause->message, _(no_service_advice));
      return;
    }

  /* A bus, but nobody there answers for org.freedesktop.secrets. */
  if (g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      (cause->domain == G_DBUS_ERROR &&
       cause->code >= G_DBUS_ERROR_SPAWN_EXEC_FAILED &&
       cause->code <= G_DBUS_ERROR_SPAWN_FAILED))
    {
      g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NO_SERVICE,
                   _("No keyring is available: no Secret Service is running on the D-Bus "
                     "session. %s"),
                   _(no_service_advice));
      return;
    }

  if (g_error_matches (cause, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    {
      g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED,
                   _("The keyring is locked. Unlock it (for example in Passwords and Keys) "
                     "and try again."));
      return;
    }

  /* Storing into the default keyring when there is none and creating one
   * needed a prompt that could not be shown, or was dismissed. */
  if (g_error_matches (cause, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT) ||
      g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    {
      g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED,
                   _("The keyring has no default collection to keep the password in, and "
                     "none could be created: open Passwords and Keys to create or unlock "
                     "one, then try again."));
      return;
    }

  g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_FAILED,
               _("The keyring refused the request: %s"), cause->message);
}

/* After a lookup or a delete that found nothing to act on: items that are
 * there but locked mean the unlock prompt was dismissed or failed. */
static gboolean
has_locked_items (GHashTable    *attributes,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GError *local_error = NULL;
  GList *items;
  gboolean locked;

  items = secret_password_searchv_sync (&schema, attributes, SECRET_SEARCH_ALL, cancellable,
                                        &local_error);
  if (local_error != NULL)
    {
      propagate_error (error, local_error, NULL);
      return FALSE;
    }
  locked = items != NULL;
  g_list_free_full (items, g_object_unref);
  return locked;
}

/**
 * ob_secrets_store_sync:
 * @account: the account's keyring_id
 * @label: what Passwords and Keys shows, e.g. "Outbound: rep@example.com (SMTP)"
 *
 * Stores @secret, replacing the one stored before for this account and
 * protocol. Blocks.
 */
gboolean
ob_secrets_store_sync (const char        *account,
                       ObSecretProtocol   protocol,
                       const char        *label,
                       const char        *secret,
                       GCancellable      *cancellable,
                       GError           **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (account != NULL && account[0] != '\0', FALSE);
  g_return_val_if_fail (label != NULL, FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  attributes = attributes_new (account, protocol, TRUE);
  if (!secret_password_storev_sync (&schema, attributes, SECRET_COLLECTION_DEFAULT, label,
                                    secret, cancellable, &local_error))
    {
      /* libsecret may fail without saying why (a dismissed prompt). */
      if (local_error == NULL)
        local_error = g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "");
      propagate_error (error, local_error, account);
      return FALSE;
    }

  return TRUE;
}

/**
 * ob_secrets_lookup_sync:
 *
 * Reads the secret, unlocking the keyring if needed (which may prompt).
 * Meant to be called just before connecting, and the result dropped right
 * after (g_autoptr(ObSecret) wipes it). Blocks.
 *
 * Returns: (transfer full): the secret, or %NULL with OB_SECRETS_ERROR_NOT_FOUND
 *   when none is stored, OB_SECRETS_ERROR_LOCKED when the keyring stayed locked
 */
char *
ob_secrets_lookup_sync (const char        *account,
                        ObSecretProtocol   protocol,
                        GCancellable      *cancellable,
                        GError           **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;
  char *secret;

  g_return_val_if_fail (account != NULL && account[0] != '\0', NULL);

  attributes = attributes_new (account, protocol, TRUE);
  secret = secret_password_lookupv_sync (&schema, attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_error (error, local_error, account);
      return NULL;
    }
  if (secret != NULL)
    return secret;

  local_error = NULL;
  if (has_locked_items (attributes, cancellable, &local_error))
    g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED,
                 _("The keyring that holds this password is locked. Unlock it (for example "
                   "in Passwords and Keys) and try again."));
  else if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND,
                 _("The keyring holds no %s password for this account: enter it again in "
                   "the account’s settings."),
                 ob_secret_protocol_to_string (protocol));
  return NULL;
}

/**
 * ob_secrets_delete_sync:
 *
 * Deletes every secret of the account, whatever its protocol. Nothing
 * stored is not an error. Blocks.
 */
gboolean
ob_secrets_delete_sync (const char    *account,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (account != NULL && account[0] != '\0', FALSE);

  attributes = attributes_new (account, 0, FALSE);
  secret_password_clearv_sync (&schema, attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_error (error, local_error, account);
      return FALSE;
    }

  /* libsecret deletes the unlocked items only. */
  if (has_locked_items (attributes, cancellable, &local_error))
    {
      g_set_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED,
                   _("The keyring is locked, so this account’s passwords could not be "
                     "deleted. Unlock it (for example in Passwords and Keys) and try again."));
      return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

void
ob_secrets_free (char *secret)
{
  if (secret != NULL)
    secret_password_free (secret);
}

typedef struct
{
  char             *account;
  ObSecretProtocol  protocol;
  char             *label;
  char             *secret;
} SecretsCall;

static void
secrets_call_free (SecretsCall *call)
{
  g_free (call->account);
  g_free (call->label);
  secret_password_wipe (call->secret);
  g_free (call->secret);
  g_free (call);
}

static GTask *
secrets_task_new (gpointer             source_tag,
                  const char          *account,
                  ObSecretProtocol     protocol,
                  const char          *label,
                  const char          *secret,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  SecretsCall *call = g_new0 (SecretsCall, 1);

  call->account = g_strdup (account);
  call->protocol = protocol;
  call->label = g_strdup (label);
  call->secret = g_strdup (secret);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) secrets_call_free);
  return task;
}

static void
store_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SecretsCall *call = task_data;
  GError *error = NULL;

  if (ob_secrets_store_sync (call->account, call->protocol, call->label, call->secret,
                             cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_secrets_store_async (const char          *account,
                        ObSecretProtocol     protocol,
                        const char          *label,
                        const char          *secret,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (account != NULL && account[0] != '\0');
  g_return_if_fail (label != NULL);
  g_return_if_fail (secret != NULL);

  task = secrets_task_new (ob_secrets_store_async, account, protocol, label, secret,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, store_thread);
}

gboolean
ob_secrets_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_secrets_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretsCall *call = task_data;
  GError *error = NULL;
  char *secret;

  secret = ob_secrets_lookup_sync (call->account, call->protocol, cancellable, &error);
  if (secret != NULL)
    g_task_return_pointer (task, secret, (GDestroyNotify) ob_secrets_free);
  else
    g_task_return_error (task, error);
}

void
ob_secrets_lookup_async (const char          *account,
                         ObSecretProtocol     protocol,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (account != NULL && account[0] != '\0');

  task = secrets_task_new (ob_secrets_lookup_async, account, protocol, NULL, NULL,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, lookup_thread);
}

/**
 * ob_secrets_lookup_finish:
 *
 * Returns: (transfer full): the secret; free it with ob_secrets_free()
 */
char *
ob_secrets_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_secrets_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
delete_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretsCall *call = task_data;
  GError *error = NULL;

  if (ob_secrets_delete_sync (call->account, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_secrets_delete_async (const char          *account,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (account != NULL && account[0] != '\0');

  task = secrets_task_new (ob_secrets_delete_async, account, 0, NULL, NULL,
                           cancellable, callback, user_data);
  g_task_run_in_thread (task, delete_thread);
}

gboolean
ob_secrets_delete_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_secrets_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
