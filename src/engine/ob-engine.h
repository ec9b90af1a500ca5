/* ob-engine.h: the facade the UI and the CLI use
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_ENGINE (ob_engine_get_type ())
G_DECLARE_FINAL_TYPE (ObEngine, ob_engine, OB, ENGINE, GObject)

ObEngine   *ob_engine_new          (const char *db_path,
                                    GError    **error);
void        ob_engine_new_async    (const char          *db_path,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
ObEngine   *ob_engine_new_finish   (GAsyncResult        *result,
                                    GError             **error);
const char *ob_engine_get_db_path  (ObEngine   *self);
ObStore    *ob_engine_get_store    (ObEngine   *self);
void        ob_engine_get_counts_async (ObEngine            *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean    ob_engine_get_counts_finish (ObEngine           *self,
                                         GAsyncResult       *result,
                                         ObStoreCounts      *counts,
                                         GError            **error);
void        ob_engine_update_search_index (ObEngine        *self);
gboolean    ob_engine_get_indexing   (ObEngine            *self);
void        ob_engine_notify_store_changed (ObEngine *self,
                                            const char *table);

G_END_DECLS
