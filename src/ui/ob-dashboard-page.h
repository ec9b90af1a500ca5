/* ob-dashboard-page.h: the Dashboard page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ob-page.h"
#include "ob-stats.h"

G_BEGIN_DECLS

#define OB_TYPE_DASHBOARD_PAGE (ob_dashboard_page_get_type ())
G_DECLARE_FINAL_TYPE (ObDashboardPage, ob_dashboard_page, OB, DASHBOARD_PAGE, ObPage)

/* The figures on show (NULL before the first refresh). */
const ObStatsSnapshot *ob_dashboard_page_get_snapshot (ObDashboardPage *self);

G_END_DECLS
