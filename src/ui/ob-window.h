/* ob-window.h: the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"
#include "ob-import-dialog.h"

G_BEGIN_DECLS

#define OB_TYPE_WINDOW (ob_window_get_type ())
G_DECLARE_FINAL_TYPE (ObWindow, ob_window, OB, WINDOW, AdwApplicationWindow)

ObWindow   *ob_window_new            (AdwApplication *application);
ObEngine   *ob_window_get_engine     (ObWindow       *self);
void        ob_window_set_engine     (ObWindow       *self,
                                      ObEngine       *engine);
void        ob_window_show_error     (ObWindow       *self,
                                      const GError   *error);
const char *ob_window_get_view_state (ObWindow       *self);
const char *ob_window_get_page       (ObWindow       *self);
void        ob_window_set_page       (ObWindow       *self,
                                      const char     *name);
ObImportDialog *ob_window_import_file (ObWindow     *self,
                                       GFile        *file);
void        ob_window_add_toast      (ObWindow       *self,
                                      AdwToast       *toast);

G_END_DECLS
