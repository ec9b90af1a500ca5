/* ob-campaigns-page.h: the Campaigns page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ob-page.h"

G_BEGIN_DECLS

#define OB_TYPE_CAMPAIGNS_PAGE (ob_campaigns_page_get_type ())
G_DECLARE_FINAL_TYPE (ObCampaignsPage, ob_campaigns_page, OB, CAMPAIGNS_PAGE, ObPage)

G_END_DECLS
