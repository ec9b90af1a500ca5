/* ob-figures.h: how the Dashboard and a campaign's Results show figures
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ob-stats.h"

G_BEGIN_DECLS

/* "12.5 %" in the user's locale. */
char      *ob_figures_format_rate   (double               rate);
/* "14:05" today, "Tue 14:05" within a week, "3 Mar 14:05" later. */
char      *ob_figures_format_time   (gint64               at,
                                     gint64               now);
/* Replaces the children of `box` with one tile per figure of `totals`. */
void       ob_figures_fill_totals   (GtkFlowBox          *box,
                                     const ObStatsTotals *totals);
/* Removes every child of a GtkListBox or GtkFlowBox. */
void       ob_figures_clear         (GtkWidget           *box);
/* A line of the activity feed: what happened, in words. */
char      *ob_figures_describe_event (const ObStatsEvent *event);
const char *ob_figures_event_icon   (const ObStatsEvent  *event);
/* A list row saying "nothing yet". */
GtkWidget *ob_figures_placeholder   (const char          *text);

G_END_DECLS
