/* ob-replies-window.h: the replies and auto-replies, with the rep's labels
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_REPLIES_WINDOW (ob_replies_window_get_type ())
G_DECLARE_FINAL_TYPE (ObRepliesWindow, ob_replies_window, OB, REPLIES_WINDOW, AdwWindow)

ObRepliesWindow *ob_replies_window_new          (ObEngine        *engine);
/* How many rows the last load showed, and how many loads finished. */
guint            ob_replies_window_get_n_rows   (ObRepliesWindow *self);
guint            ob_replies_window_get_n_loads  (ObRepliesWindow *self);

G_END_DECLS
