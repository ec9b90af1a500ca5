/* ob-credentials.h: authenticates an account's SMTP or IMAP connection
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-accounts.h"
#include "ob-imap.h"
#include "ob-smtp.h"

G_BEGIN_DECLS

/* Blocking (keyring, maybe a token refresh over the network): worker
 * threads and the CLI. Errors: the connection's own (OB_SMTP_ERROR,
 * OB_IMAP_ERROR), OB_SECRETS_ERROR, OB_OAUTH_ERROR, OB_GOA_ERROR. */
gboolean ob_credentials_authenticate_smtp (ObSmtpConnection *smtp,
                                           const ObAccount  *account,
                                           GCancellable     *cancellable,
                                           GError          **error);
gboolean ob_credentials_login_imap        (ObImapConnection *imap,
                                           const ObAccount  *account,
                                           GCancellable     *cancellable,
                                           GError          **error);

G_END_DECLS
