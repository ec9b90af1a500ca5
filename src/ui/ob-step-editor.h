/* ob-step-editor.h: one step of a campaign's sequence, edited in place
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-campaign.h"

G_BEGIN_DECLS

#define OB_TYPE_STEP_EDITOR (ob_step_editor_get_type ())
G_DECLARE_FINAL_TYPE (ObStepEditor, ob_step_editor, OB, STEP_EDITOR, AdwPreferencesGroup)

ObStepEditor *ob_step_editor_new        (void);
/* Shows @step as step @position of @n_steps; @thread_subject is the subject
 * a same-thread follow-up answers (as written, not rendered). */
void          ob_step_editor_show_step  (ObStepEditor         *self,
                                         const ObCampaignStep *step,
                                         guint                 position,
                                         guint                 n_steps,
                                         const char           *thread_subject);
/* Copies what the rep typed into @step. */
void          ob_step_editor_apply      (ObStepEditor         *self,
                                         ObCampaignStep       *step);
/* Custom fields offered by "Insert Field", beside the built-in ones. */
void          ob_step_editor_set_fields (ObStepEditor         *self,
                                         const char * const   *custom_fields);
GtkTextView  *ob_step_editor_get_body_view (ObStepEditor      *self);
GtkEditable  *ob_step_editor_get_subject   (ObStepEditor      *self);

G_END_DECLS
