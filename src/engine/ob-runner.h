/* ob-runner.h: the worker threads that send (and watch): one set per engine
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-engine.h"
#include "ob-sender.h"

G_BEGIN_DECLS

#define OB_TYPE_RUNNER (ob_runner_get_type ())
G_DECLARE_FINAL_TYPE (ObRunner, ob_runner, OB, RUNNER, GObject)

ObRunner *ob_runner_new        (ObEngine  *engine);
/* Turns sends a dead process left in flight into 'uncertain', then starts a
 * sender for every account. */
gboolean  ob_runner_start      (ObRunner  *self,
                                GError   **error);
/* Stops every thread and waits for them. */
void      ob_runner_stop       (ObRunner  *self);
gboolean  ob_runner_is_running (ObRunner  *self);
/* TRUE when no sender has anything scheduled: only a change in the store
 * (a campaign started, prospects enrolled) could give them work. */
gboolean  ob_runner_is_idle    (ObRunner  *self);
guint     ob_runner_get_n_senders (ObRunner *self);

G_END_DECLS
