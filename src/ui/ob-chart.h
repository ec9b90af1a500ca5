/* ob-chart.h: messages sent and replies received per day, as bars
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ob-stats.h"

G_BEGIN_DECLS

#define OB_TYPE_CHART (ob_chart_get_type ())
G_DECLARE_FINAL_TYPE (ObChart, ob_chart, OB, CHART, GtkWidget)

GtkWidget *ob_chart_new      (void);
/* days: of ObStatsDay, oldest first (copied); zone: the days' own. */
void       ob_chart_set_days (ObChart   *self,
                              GArray    *days,
                              GTimeZone *zone);
/* What the chart shows, in words: its accessible description. */
char      *ob_chart_describe (ObChart   *self);
/* The read-out of one day ("Tue 3 Mar: 120 sent, 8 replies"); -1 when none. */
char      *ob_chart_describe_day (ObChart *self,
                                  int      index);

G_END_DECLS
