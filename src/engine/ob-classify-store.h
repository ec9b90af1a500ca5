/* ob-classify-store.h: the classifier's lookup, answered by the store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What ob_classify_message() asks (is this Message-ID ours, is this address
 * a prospect...) as indexed sqlite queries, for the watcher and for
 * `outbound-cli classify --db`. Threads: the thread that owns @store's
 * connection, and only that one.
 */
#pragma once

#include "ob-classify.h"
#include "ob-store.h"

G_BEGIN_DECLS

typedef struct _ObClassifyStore ObClassifyStore;

ObClassifyStore        *ob_classify_store_new        (ObStore         *store,
                                                      gint64           account_id);
const ObClassifyLookup *ob_classify_store_get_lookup (void);
const ObClassifyLookup *ob_classify_store_get_gate_lookup (void);
void                    ob_classify_store_free       (ObClassifyStore *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObClassifyStore, ob_classify_store_free)

G_END_DECLS
