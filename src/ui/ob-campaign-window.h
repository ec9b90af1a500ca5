/* ob-campaign-window.h: one campaign: its sequence, settings, pre-flight
 * check and preview
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-campaign.h"
#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_CAMPAIGN_WINDOW (ob_campaign_window_get_type ())
G_DECLARE_FINAL_TYPE (ObCampaignWindow, ob_campaign_window, OB, CAMPAIGN_WINDOW, AdwWindow)

ObCampaignWindow *ob_campaign_window_new             (ObEngine          *engine,
                                                      gint64             campaign_id,
                                                      GError           **error);
gint64            ob_campaign_window_get_campaign_id (ObCampaignWindow  *self);

G_END_DECLS
