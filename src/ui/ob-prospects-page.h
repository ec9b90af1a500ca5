/* ob-prospects-page.h: the Prospects page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ob-page.h"

G_BEGIN_DECLS

#define OB_TYPE_PROSPECTS_PAGE (ob_prospects_page_get_type ())
G_DECLARE_FINAL_TYPE (ObProspectsPage, ob_prospects_page, OB, PROSPECTS_PAGE, ObPage)

void ob_prospects_page_export (ObProspectsPage *self,
                               GFile           *file);
/* Searches the list for one address (the dashboard's links). */
void ob_prospects_page_search (ObProspectsPage *self,
                               const char      *text);

G_END_DECLS
