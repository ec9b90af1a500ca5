/* ob-credentials.c: authenticates an account's SMTP or IMAP connection
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: blocking; worker threads and the CLI only.
 *
 * The one place that knows where an account's secret comes from
 * (accounts.auth_method): "password" reads the keyring just before the
 * login and wipes it after; "oauth2" uses XOAUTH2 with an access token
 * from ob-oauth (refreshed shortly before it expires) and, when the server
 * refuses it, refreshes once more and tries again: a token can be revoked
 * or expire early; "goa" (goa_id set) asks GNOME Online Accounts for a
 * password or an access token each time (ob-goa.c), never keeping it. The
 * sender, the watcher, the Sent copies and "Test connection" all come
 * through here.
 */

#define G_LOG_DOMAIN "ob-credentials"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-credentials.h"
#include "ob-goa.h"
#include "ob-oauth.h"

static gboolean
is_oauth (const ObAccount *account)
{
  return g_strcmp0 (account->auth_method, OB_AUTH_METHOD_OAUTH2) == 0;
}

static gboolean
is_goa (const ObAccount *account)
{
  return account->goa_id != NULL;
}

static gboolean
check_method (const ObAccount  *account,
              GError          **error)
{
  if (account->auth_method == NULL || g_strcmp0 (account->auth_method, "password") == 0
      || is_oauth (account) || is_goa (account))
    return TRUE;
  g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_AVAILABLE,
               _("The account “%s” signs in with “%s”, which this build cannot do"),
               account->name, account->auth_method);
  return FALSE;
}

gboolean
ob_credentials_authenticate_smtp (ObSmtpConnection *smtp,
                                  const ObAccount  *account,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  const char *login = ob_account_get_smtp_login (account);
  g_autoptr(ObSecret) secret = NULL;
  g_autoptr(GError) refused = NULL;

  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (smtp), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!check_method (account, error))
    return FALSE;
  if (is_goa (account))
    return ob_goa_smtp_authenticate (smtp, account, cancellable, error);
  if (!is_oauth (account))
    {
      /* A relay that takes mail without AUTH has no login. */
      if (login == NULL || login[0] == '\0')
        return TRUE;
      secret = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_SMTP, cancellable, error);
      return secret != NULL && ob_smtp_connection_authenticate (smtp, login, secret, error);
    }

  secret = ob_oauth_dup_access_token (account, FALSE, cancellable, error);
  if (secret == NULL)
    return FALSE;
  if (ob_smtp_connection_authenticate_xoauth2 (smtp, login, secret, &refused))
    return TRUE;
  if (!g_error_matches (refused, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH))
    {
      g_propagate_error (error, g_steal_pointer (&refused));
      return FALSE;
    }
  g_clear_pointer (&secret, ob_secrets_free);
  secret = ob_oauth_dup_access_token (account, TRUE, cancellable, error);
  return secret != NULL && ob_smtp_connection_authenticate_xoauth2 (smtp, login, secret, error);
}

gboolean
ob_credentials_login_imap (ObImapConnection *imap,
                           const ObAccount  *account,
                           GCancellable     *cancellable,
                           GError          **error)
{
  const char *login = ob_account_get_imap_login (account);
  g_autoptr(ObSecret) secret = NULL;
  g_autoptr(GError) refused = NULL;

  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (imap), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!check_method (account, error))
    return FALSE;
  if (is_goa (account))
    return ob_goa_imap_login (imap, account, cancellable, error);
  if (!is_oauth (account))
    {
      secret = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_IMAP, cancellable, error);
      return secret != NULL && ob_imap_connection_login (imap, login, secret, error);
    }

  secret = ob_oauth_dup_access_token (account, FALSE, cancellable, error);
  if (secret == NULL)
    return FALSE;
  if (ob_imap_connection_login_xoauth2 (imap, login, secret, &refused))
    return TRUE;
  if (!g_error_matches (refused, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH))
    {
      g_propagate_error (error, g_steal_pointer (&refused));
      return FALSE;
    }
  g_clear_pointer (&secret, ob_secrets_free);
  secret = ob_oauth_dup_access_token (account, TRUE, cancellable, error);
  return secret != NULL && ob_imap_connection_login_xoauth2 (imap, login, secret, error);
}
