/* ui-helpers.h: what the UI tests and the UI benchmark share
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef gboolean (*Condition) (gpointer data);

void     isolate_user_dirs (void);
void     wait_until        (Condition   condition,
                            gpointer    data);
void     wait_for_paint    (GtkWidget  *widget);
void     save_screenshot   (GtkWidget  *widget,
                            const char *name);
gpointer find_descendant   (GtkWidget  *root,
                            GType       type);
void     wait_for_rows     (GListModel *model,
                            guint       n);

G_END_DECLS
