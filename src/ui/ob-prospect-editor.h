/* ob-prospect-editor.h: the pane that shows and edits one prospect
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"
#include "ob-prospects.h"

G_BEGIN_DECLS

#define OB_TYPE_PROSPECT_EDITOR (ob_prospect_editor_get_type ())
G_DECLARE_FINAL_TYPE (ObProspectEditor, ob_prospect_editor, OB, PROSPECT_EDITOR, GtkBox)

void        ob_prospect_editor_set_engine   (ObProspectEditor *self,
                                             ObEngine         *engine);
void        ob_prospect_editor_edit         (ObProspectEditor *self,
                                             ObProspect       *prospect);
ObProspect *ob_prospect_editor_get_prospect (ObProspectEditor *self);
gboolean    ob_prospect_editor_save         (ObProspectEditor *self,
                                             GError          **error);

G_END_DECLS
