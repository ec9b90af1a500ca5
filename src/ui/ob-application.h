/* ob-application.h: the Outbound application
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"
#include "ob-watcher.h"

G_BEGIN_DECLS

#define OB_TYPE_APPLICATION (ob_application_get_type ())
G_DECLARE_FINAL_TYPE (ObApplication, ob_application, OB, APPLICATION, AdwApplication)

ObApplication *ob_application_new        (void);
ObEngine      *ob_application_get_engine (ObApplication *self);
const char    *ob_application_get_db_path (ObApplication *self);
void           ob_application_set_db_path (ObApplication *self,
                                           const char    *db_path);
/* What the runner's "watch-event" does: a notification for each reply. */
void           ob_application_notify_watch_event (ObApplication        *self,
                                                  const ObWatcherEvent *event);

G_END_DECLS
