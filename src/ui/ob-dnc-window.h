/* ob-dnc-window.h: the do-not-contact list manager
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_DNC_WINDOW (ob_dnc_window_get_type ())
G_DECLARE_FINAL_TYPE (ObDncWindow, ob_dnc_window, OB, DNC_WINDOW, AdwPreferencesWindow)

ObDncWindow *ob_dnc_window_new       (ObEngine    *engine);
gboolean     ob_dnc_window_add       (ObDncWindow *self,
                                      const char  *text,
                                      GError     **error);
guint        ob_dnc_window_get_n_entries (ObDncWindow *self);

G_END_DECLS
