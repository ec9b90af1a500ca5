/* ob-account-test.c: "Test connection": both sides of an account, for real
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: blocking; worker threads and the CLI only.
 *
 * Reads the password or OAuth token through ob-credentials just before
 * logging in; connects SMTP (EHLO, STARTTLS when asked,
 * AUTH, QUIT) and, when ob_account_has_imap(), IMAP (LOGIN, then finds the
 * Sent folder unless provider_saves_sent); fails with the network layer's
 * own error (OB_SMTP_ERROR, OB_IMAP_ERROR, OB_SECRETS_ERROR; the message
 * says DNS, refused, TLS certificate, STARTTLS missing, authentication, no
 * Sent folder), prefixed with the side that failed. The CLI's
 * `account test` and the Accounts page call this. A GNOME Online Account
 * (goa_id set) is tested where Settings says it is now, with the secret
 * GOA gives (ob-goa.h).
 */

#define G_LOG_DOMAIN "ob-accounts"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-accounts.h"
#include "ob-credentials.h"
#include "ob-goa.h"
#include "ob-imap.h"
#include "ob-smtp.h"

#define TEST_TIMEOUT_SECONDS 20

static gboolean
test_smtp (const ObAccount   *account,
           GCancellable      *cancellable,
           ObTlsCertificate **out_untrusted,
           GError           **error)
{
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  ObTlsEndpoint endpoint = { 0 };
  ObTlsSecurity security = OB_TLS_SECURITY_TLS;

  ob_tls_security_from_string (ob_security_to_string (account->smtp_security), &security);
  endpoint.host = account->smtp_host;
  endpoint.port = (guint16) account->smtp_port;
  endpoint.security = security;
  endpoint.ca_file = account->ca_file;
  endpoint.pins = (const char * const *) account->smtp_pins;
  endpoint.timeout_seconds = TEST_TIMEOUT_SECONDS;

  if (!ob_smtp_connection_open (smtp, &endpoint, cancellable, error))
    {
      /* What "Trust This Certificate" shows before the rep decides. */
      if (out_untrusted != NULL
          && ob_smtp_connection_get_net_error (smtp) == OB_TLS_ERROR_CERTIFICATE
          && ob_smtp_connection_get_peer_certificate (smtp) != NULL)
        *out_untrusted = ob_tls_certificate_copy (ob_smtp_connection_get_peer_certificate (smtp));
      return FALSE;
    }
  if (!ob_credentials_authenticate_smtp (smtp, account, cancellable, error))
    return FALSE;
  ob_smtp_connection_close (smtp);
  return TRUE;
}

static gboolean
test_imap (const ObAccount *account,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(ObImapConnection) imap = NULL;
  g_autofree char *sent = NULL;

  imap = ob_imap_connect_account (account, TEST_TIMEOUT_SECONDS, cancellable, error);
  if (imap == NULL)
    return FALSE;
  if (!account->provider_saves_sent)
    {
      if (account->sent_folder != NULL && account->sent_folder[0] != '\0')
        {
          if (!ob_imap_connection_examine (imap, account->sent_folder, NULL, error))
            return FALSE;
        }
      else
        {
          sent = ob_imap_connection_find_sent (imap, error);
          if (sent == NULL)
            return FALSE;
        }
    }
  ob_imap_connection_logout (imap);
  return TRUE;
}

gboolean
ob_account_test (const ObAccount  *account,
                 GCancellable     *cancellable,
                 GError          **error)
{
  return ob_account_test_full (account, cancellable, NULL, error);
}

/**
 * ob_account_test_full:
 * @out_untrusted: (out) (optional) (transfer full): when the SMTP server's
 *   certificate was refused, that certificate (subject, issuer, validity,
 *   SHA-256, problems), for the rep to look at and perhaps trust
 */
gboolean
ob_account_test_full (const ObAccount   *account,
                      GCancellable      *cancellable,
                      ObTlsCertificate **out_untrusted,
                      GError           **error)
{
  g_autoptr(ObAccount) followed = NULL;

  g_return_val_if_fail (account != NULL, FALSE);

  if (out_untrusted != NULL)
    *out_untrusted = NULL;
  if (account->goa_id != NULL)
    {
      followed = ob_account_copy (account);
      if (!ob_goa_refresh_account (followed, NULL, cancellable, error))
        return FALSE;
      account = followed;
    }
  if (!test_smtp (account, cancellable, out_untrusted, error))
    {
      g_prefix_error (error, _("SMTP: "));
      return FALSE;
    }
  if (ob_account_has_imap (account) && !test_imap (account, cancellable, error))
    {
      g_prefix_error (error, _("IMAP: "));
      return FALSE;
    }
  return TRUE;
}
