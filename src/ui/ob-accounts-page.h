/* ob-accounts-page.h: the Accounts page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ob-page.h"

G_BEGIN_DECLS

#define OB_TYPE_ACCOUNTS_PAGE (ob_accounts_page_get_type ())
G_DECLARE_FINAL_TYPE (ObAccountsPage, ob_accounts_page, OB, ACCOUNTS_PAGE, ObPage)

G_END_DECLS
