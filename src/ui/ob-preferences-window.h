/* ob-preferences-window.h: the Preferences window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_PREFERENCES_WINDOW (ob_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (ObPreferencesWindow, ob_preferences_window, OB, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

ObPreferencesWindow *ob_preferences_window_new (ObEngine *engine);

G_END_DECLS
