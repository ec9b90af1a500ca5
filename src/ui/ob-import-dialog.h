/* ob-import-dialog.h: the assistant that imports prospects from a CSV file
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_IMPORT_DIALOG (ob_import_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ObImportDialog, ob_import_dialog, OB, IMPORT_DIALOG, AdwWindow)

ObImportDialog *ob_import_dialog_new       (ObEngine       *engine,
                                            GFile          *file);
const char     *ob_import_dialog_get_state (ObImportDialog *self);
void            ob_import_dialog_start     (ObImportDialog *self);
void            ob_import_dialog_import    (ObImportDialog *self);

G_END_DECLS
