/* ob-prospect-model.h: a GListModel of prospects that pages from the store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-engine.h"
#include "ob-prospects.h"

G_BEGIN_DECLS

#define OB_TYPE_PROSPECT_MODEL (ob_prospect_model_get_type ())
G_DECLARE_FINAL_TYPE (ObProspectModel, ob_prospect_model, OB, PROSPECT_MODEL, GObject)

ObProspectModel       *ob_prospect_model_new       (ObEngine              *engine);
const ObProspectQuery *ob_prospect_model_get_query (ObProspectModel       *self);
void                   ob_prospect_model_set_query (ObProspectModel       *self,
                                                    const ObProspectQuery *query);
void                   ob_prospect_model_reload    (ObProspectModel       *self);
gboolean               ob_prospect_model_get_loading (ObProspectModel     *self);
gint64                 ob_prospect_model_get_id    (ObProspectModel       *self,
                                                    guint                  position);
void                   ob_prospect_model_hide      (ObProspectModel       *self,
                                                    GHashTable            *ids);
void                   ob_prospect_model_forget    (ObProspectModel       *self,
                                                    gint64                 id);

G_END_DECLS
