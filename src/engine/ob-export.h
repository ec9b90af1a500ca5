/* ob-export.h: exporting prospects to CSV
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_EXPORT_ERROR (ob_export_error_quark ())

typedef enum
{
  OB_EXPORT_ERROR_CAMPAIGN,    /* no campaign of that name */
  OB_EXPORT_ERROR_STATUS,      /* not a prospect status */
  OB_EXPORT_ERROR_STORE,
} ObExportError;

/**
 * ObExportOptions:
 * @campaign: (nullable): only prospects enrolled in this campaign
 * @status: (nullable): only prospects with this status ("active",
 *   "replied", "bounced", "opted_out")
 * @bom: start with a UTF-8 byte order mark (what Excel needs to read UTF-8)
 */
typedef struct
{
  const char *campaign;
  const char *status;
  gboolean    bom;
} ObExportOptions;

GQuark   ob_export_error_quark   (void);

gboolean ob_export_write         (ObStore                *store,
                                  const ObExportOptions  *options,
                                  GOutputStream          *output,
                                  GCancellable           *cancellable,
                                  guint64                *out_rows,
                                  GError                **error);

G_END_DECLS
