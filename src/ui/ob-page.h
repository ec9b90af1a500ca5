/* ob-page.h: base class of the main window's pages
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_PAGE (ob_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (ObPage, ob_page, OB, PAGE, AdwBin)

struct _ObPageClass
{
  AdwBinClass parent_class;

  /* TRUE when the page has something to show beside its empty state. */
  gboolean (*has_content) (ObPage                *self,
                           const ObStorePresence *presence);
  /* Fresh figures, counted off the main thread, whenever the store changed. */
  void     (*refresh)     (ObPage                *self,
                           const ObStoreCounts   *counts);
};

ObEngine *ob_page_get_engine (ObPage   *self);
void      ob_page_set_engine (ObPage   *self,
                              ObEngine *engine);
gboolean  ob_page_is_empty   (ObPage   *self);
void      ob_page_update_presence (ObPage                *self,
                                   const ObStorePresence *presence);
void      ob_page_update     (ObPage              *self,
                              const ObStoreCounts *counts);

void      ob_page_show_count (GtkLabel *label,
                              gint64    value);

G_END_DECLS
