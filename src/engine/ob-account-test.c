/* ob-account-test.c: "Test connection": both sides of an account, for real
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: blocking; worker threads and the CLI only.
 *
 * TO FILL IN with the network layer (ob-tls, ob-smtp, ob-imap): read the
 * passwords with ob_secrets_lookup_sync (account->keyring_id, ...) just
 * before connecting; connect SMTP (EHLO, STARTTLS when asked, AUTH, QUIT)
 * and, when ob_account_has_imap(), IMAP (LOGIN, find the Sent folder unless
 * provider_saves_sent); fail with the network layer's own error (DNS,
 * refused, TLS certificate, STARTTLS missing, authentication, no Sent
 * folder). The CLI's `account test` and the Accounts page call this.
 */

#define G_LOG_DOMAIN "ob-accounts"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-accounts.h"

gboolean
ob_account_test (const ObAccount  *account,
                 GCancellable     *cancellable,
                 GError          **error)
{
  g_return_val_if_fail (account != NULL, FALSE);

  g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_AVAILABLE,
               _("Testing the connection is not available in this build yet"));
  return FALSE;
}
