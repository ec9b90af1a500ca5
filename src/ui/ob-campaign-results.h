/* ob-campaign-results.h: the Results page of the campaign window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_CAMPAIGN_RESULTS (ob_campaign_results_get_type ())
G_DECLARE_FINAL_TYPE (ObCampaignResults, ob_campaign_results, OB, CAMPAIGN_RESULTS, AdwBin)

GtkWidget *ob_campaign_results_new          (void);
/* Shows campaign_id's figures and follows the engine's changes; 0 shows none. */
void       ob_campaign_results_set_campaign (ObCampaignResults *self,
                                             ObEngine          *engine,
                                             gint64             campaign_id);

G_END_DECLS
