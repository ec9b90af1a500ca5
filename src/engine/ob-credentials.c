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

/* The secret for @protocol, fresh when @refresh (the server refused the
 * last one): the keyring's password, an OAuth access token (*oauth2), or
 * what GNOME Online Accounts gives. TRUE with a NULL secret: no AUTH. */
static gboolean
get_secret (const ObAccount   *account,
            ObSecretProtocol   protocol,
            gboolean           refresh,
            gboolean          *oauth2,
            ObSecret         **secret,
            GCancellable      *cancellable,
            GError           **error)
{
  *oauth2 = FALSE;
  *secret = NULL;
  if (is_goa (account))
    {
      ObGoaSecretKind kind = OB_GOA_SECRET_PASSWORD;

      if (!ob_goa_get_secret (account->goa_id, protocol, refresh, &kind, secret, cancellable, error))
        return FALSE;
      *oauth2 = kind == OB_GOA_SECRET_OAUTH2;
      return TRUE;
    }
  if (is_oauth (account))
    {
      *oauth2 = TRUE;
      *secret = ob_oauth_dup_access_token (account, refresh, cancellable, error);
      return *secret != NULL;
    }
  /* A relay that takes mail without AUTH has no login. */
  if (protocol == OB_SECRET_SMTP)
    {
      const char *login = ob_account_get_smtp_login (account);

      if (login == NULL || login[0] == '\0')
        return TRUE;
    }
  *secret = ob_secrets_lookup_sync (account->keyring_id, protocol, cancellable, error);
  return *secret != NULL;
}

/* Logs @smtp or @imap (the other NULL) in with the account's secret. A
 * password the server refuses is final; a token or an Online Account's
 * secret is asked for again, refreshed, and tried once more. */
static gboolean
sign_in (ObSmtpConnection  *smtp,
         ObImapConnection  *imap,
         const ObAccount   *account,
         GCancellable      *cancellable,
         GError           **error)
{
  ObSecretProtocol protocol = smtp != NULL ? OB_SECRET_SMTP : OB_SECRET_IMAP;
  const char *login = smtp != NULL ? ob_account_get_smtp_login (account)
                                   : ob_account_get_imap_login (account);

  if (!check_method (account, error))
    return FALSE;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autoptr(ObSecret) secret = NULL;
      g_autoptr(GError) refused = NULL;
      gboolean oauth2 = FALSE;
      gboolean ok;

      if (!get_secret (account, protocol, attempt > 0, &oauth2, &secret, cancellable, error))
        return FALSE;
      if (secret == NULL)
        return TRUE;
      if (smtp != NULL)
        ok = oauth2 ? ob_smtp_connection_authenticate_xoauth2 (smtp, login, secret, &refused)
                    : ob_smtp_connection_authenticate (smtp, login, secret, &refused);
      else
        ok = oauth2 ? ob_imap_connection_login_xoauth2 (imap, login, secret, &refused)
                    : ob_imap_connection_login (imap, login, secret, &refused);
      if (ok)
        return TRUE;
      if (attempt > 0 || !(is_oauth (account) || is_goa (account))
          || !(smtp != NULL ? g_error_matches (refused, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH)
                              && ob_smtp_connection_is_open (smtp)
                            : g_error_matches (refused, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH)))
        {
          g_propagate_error (error, g_steal_pointer (&refused));
          return FALSE;
        }
      g_debug ("%s refused the sign-in of %s: once more with a fresh secret",
               smtp != NULL ? "SMTP" : "IMAP", account->name);
    }
  g_assert_not_reached ();
}

gboolean
ob_credentials_authenticate_smtp (ObSmtpConnection *smtp,
                                  const ObAccount  *account,
                                  GCancellable     *cancellable,
                                  GError          **error)
{
  g_return_val_if_fail (OB_IS_SMTP_CONNECTION (smtp), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  return sign_in (smtp, NULL, account, cancellable, error);
}

gboolean
ob_credentials_login_imap (ObImapConnection *imap,
                           const ObAccount  *account,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_return_val_if_fail (OB_IS_IMAP_CONNECTION (imap), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  return sign_in (NULL, imap, account, cancellable, error);
}
