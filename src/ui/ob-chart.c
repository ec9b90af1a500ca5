/* ob-chart.c: messages sent and replies received per day, as bars
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawn with GtkSnapshot in the theme's colours (accent for messages sent,
 * success for replies), so light and dark follow by themselves. Hovering or
 * moving the keyboard focus over a day shows its figures in a tooltip; the
 * accessible description says the same for the whole range in words.
 */

#define G_LOG_DOMAIN "ob-chart"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-chart.h"

#define AXIS_WIDTH    40
#define LABEL_HEIGHT  22
#define LEGEND_HEIGHT 22
#define MIN_HEIGHT    200

struct _ObChart
{
  GtkWidget  parent_instance;

  GArray    *days;  /* of ObStatsDay */
  GTimeZone *zone;
  int        hover; /* day under the pointer or keyboard, -1 for none */
  /* Where the pointer was when the chart appeared under it: no read-out
   * until it moves (a chart scrolled under a resting pointer). */
  double     enter_x, enter_y;
};

G_DEFINE_FINAL_TYPE (ObChart, ob_chart, GTK_TYPE_WIDGET)

static gint64
max_value (ObChart *self)
{
  gint64 top = 0;

  for (guint i = 0; i < self->days->len; i++)
    {
      ObStatsDay *d = &g_array_index (self->days, ObStatsDay, i);

      top = MAX (top, MAX (d->sent, d->replied));
    }
  return top;
}

/* The smallest of 4, 6, 8, 12, 20 × 10^k at least `top`: four bands of
 * round numbers. */
static gint64
nice_ceiling (gint64 top)
{
  static const gint64 steps[] = { 4, 6, 8, 12, 20 };
  gint64 scale = 1;

  if (top <= 4)
    return 4;
  while (TRUE)
    {
      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        if (steps[i] * scale >= top)
          return steps[i] * scale;
      scale *= 10;
    }
}

static GdkRGBA
theme_color (GtkWidget  *widget,
             const char *name,
             const char *fallback)
{
  GdkRGBA color;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &color))
    gdk_rgba_parse (&color, fallback);
G_GNUC_END_IGNORE_DEPRECATIONS
  return color;
}

static GdkRGBA
foreground (GtkWidget *widget,
            double     alpha)
{
  GdkRGBA color;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha *= alpha;
  return color;
}

static GDateTime *
local_day (ObChart *self,
           guint    index)
{
  g_autoptr(GDateTime) utc =
    g_date_time_new_from_unix_utc (g_array_index (self->days, ObStatsDay, index).day_start);

  return g_date_time_to_timezone (utc, self->zone);
}

static void
add_label (ObChart     *self,
           GtkSnapshot *snapshot,
           const char  *text,
           float        x,
           float        y,
           float        align, /* 0 left, 0.5 centre, 1 right of x */
           GdkRGBA     *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x - align * width, y - height / 2.0f));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
plot_area (ObChart         *self,
           graphene_rect_t *area)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  graphene_rect_init (area, AXIS_WIDTH, LEGEND_HEIGHT,
                      MAX (1, width - AXIS_WIDTH - 8), MAX (1, height - LEGEND_HEIGHT - LABEL_HEIGHT));
}

static void
ob_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  ObChart *self = OB_CHART (widget);
  GdkRGBA sent_color = theme_color (widget, "accent_bg_color", "#3584e4");
  GdkRGBA reply_color = theme_color (widget, "success_color", "#26a269");
  GdkRGBA text_color = foreground (widget, 0.7);
  GdkRGBA grid_color = foreground (widget, 0.12);
  GdkRGBA hover_color = foreground (widget, 0.08);
  graphene_rect_t area;
  gint64 top;
  float slot;
  guint n = self->days->len;

  plot_area (self, &area);

  /* Legend, top right. */
  {
    float x = area.origin.x + area.size.width;
    g_autoptr(PangoLayout) replies = gtk_widget_create_pango_layout (widget, _("Replies"));
    g_autoptr(PangoLayout) sent = gtk_widget_create_pango_layout (widget, _("Sent"));
    int w;

    pango_layout_get_pixel_size (replies, &w, NULL);
    x -= w;
    add_label (self, snapshot, _("Replies"), x, LEGEND_HEIGHT / 2.0f, 0, &text_color);
    x -= 16;
    gtk_snapshot_append_color (snapshot, &reply_color, &GRAPHENE_RECT_INIT (x, LEGEND_HEIGHT / 2.0f - 5, 10, 10));
    x -= 16;
    pango_layout_get_pixel_size (sent, &w, NULL);
    x -= w;
    add_label (self, snapshot, _("Sent"), x, LEGEND_HEIGHT / 2.0f, 0, &text_color);
    x -= 16;
    gtk_snapshot_append_color (snapshot, &sent_color, &GRAPHENE_RECT_INIT (x, LEGEND_HEIGHT / 2.0f - 5, 10, 10));
  }

  top = nice_ceiling (max_value (self));
  /* Grid: four bands, labelled on the left. */
  for (int i = 0; i <= 4; i++)
    {
      float y = area.origin.y + area.size.height * (1 - i / 4.0f);
      g_autofree char *label = g_strdup_printf ("%" G_GINT64_FORMAT, top * i / 4);

      gtk_snapshot_append_color (snapshot, &grid_color,
                                 &GRAPHENE_RECT_INIT (area.origin.x, y, area.size.width, 1));
      add_label (self, snapshot, label, area.origin.x - 6, y, 1, &text_color);
    }

  if (n == 0)
    return;
  slot = area.size.width / n;

  if (self->hover >= 0 && (guint) self->hover < n)
    gtk_snapshot_append_color (snapshot, &hover_color,
                               &GRAPHENE_RECT_INIT (area.origin.x + slot * self->hover, area.origin.y,
                                                    slot, area.size.height));

  for (guint i = 0; i < n; i++)
    {
      ObStatsDay *d = &g_array_index (self->days, ObStatsDay, i);
      float gap = slot >= 6 ? MAX (1.0f, slot * 0.25f) : 0.5f;
      float x = area.origin.x + slot * i + gap / 2;
      float w = MAX (1.0f, slot - gap);
      float sent_h = area.size.height * d->sent / top;
      float reply_h = d->replied > 0 ? MAX (2.0f, area.size.height * d->replied / top) : 0;
      float bottom = area.origin.y + area.size.height;
      /* Side by side where there is room, replies in front otherwise. */
      gboolean apart = w >= 8;
      float sent_w = apart ? w * 0.55f : w;
      float reply_x = apart ? x + sent_w + 1 : x + w * 0.25f;
      float reply_w = apart ? w - sent_w - 1 : MAX (1.0f, w * 0.5f);

      if (d->sent > 0)
        gtk_snapshot_append_color (snapshot, &sent_color,
                                   &GRAPHENE_RECT_INIT (x, bottom - sent_h, sent_w, sent_h));
      if (reply_h > 0)
        gtk_snapshot_append_color (snapshot, &reply_color,
                                   &GRAPHENE_RECT_INIT (reply_x, bottom - reply_h, reply_w, reply_h));
    }

  /* Dates: the first, the middle and the last day. */
  {
    guint marks[] = { 0, n / 2, n - 1 };
    float aligns[] = { 0, 0.5f, 1 };

    for (guint k = 0; k < G_N_ELEMENTS (marks); k++)
      {
        g_autoptr(GDateTime) day = local_day (self, marks[k]);
        /* Translators: a day on the chart's axis, strftime() format */
        g_autofree char *label = g_date_time_format (day, _("%e %b"));
        float x = area.origin.x + slot * marks[k] + slot * aligns[k];

        if (n < 3 && k == 1)
          continue;
        add_label (self, snapshot, g_strstrip (label), x,
                   area.origin.y + area.size.height + LABEL_HEIGHT / 2.0f, aligns[k], &text_color);
      }
  }
}

static void
ob_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 600;
    }
  else
    *minimum = *natural = MIN_HEIGHT;
}

static int
day_at (ObChart *self,
        double   x)
{
  graphene_rect_t area;
  int index;

  if (self->days->len == 0)
    return -1;
  plot_area (self, &area);
  if (x < area.origin.x || x >= area.origin.x + area.size.width)
    return -1;
  index = (int) ((x - area.origin.x) / (area.size.width / self->days->len));
  return CLAMP (index, 0, (int) self->days->len - 1);
}

static void
set_hover (ObChart *self,
           int      hover)
{
  if (self->hover == hover)
    return;
  self->hover = hover;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

static void
on_enter (GtkEventControllerMotion *motion,
          double                    x,
          double                    y,
          ObChart                  *self)
{
  self->enter_x = x;
  self->enter_y = y;
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           ObChart                  *self)
{
  if (x == self->enter_x && y == self->enter_y)
    return;
  self->enter_x = self->enter_y = -1;
  set_hover (self, day_at (self, x));
}

static void
on_leave (GtkEventControllerMotion *motion,
          ObChart                  *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    set_hover (self, -1);
}

static gboolean
on_key (GtkEventControllerKey *key,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        ObChart                *self)
{
  int n = (int) self->days->len;

  if (n == 0)
    return FALSE;
  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left)
    set_hover (self, self->hover <= 0 ? 0 : self->hover - 1);
  else if (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right)
    set_hover (self, self->hover < 0 ? n - 1 : MIN (self->hover + 1, n - 1));
  else if (keyval == GDK_KEY_Home)
    set_hover (self, 0);
  else if (keyval == GDK_KEY_End)
    set_hover (self, n - 1);
  else
    return FALSE;
  return TRUE;
}

static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  ObChart    *self)
{
  g_autofree char *text = NULL;
  int index = keyboard ? self->hover : day_at (self, x);

  if (index < 0)
    return FALSE;
  text = ob_chart_describe_day (self, index);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
ob_chart_finalize (GObject *object)
{
  ObChart *self = OB_CHART (object);

  g_clear_pointer (&self->days, g_array_unref);
  g_clear_pointer (&self->zone, g_time_zone_unref);

  G_OBJECT_CLASS (ob_chart_parent_class)->finalize (object);
}

static void
ob_chart_class_init (ObChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ob_chart_finalize;
  widget_class->snapshot = ob_chart_snapshot;
  widget_class->measure = ob_chart_measure;

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ob_chart_init (ObChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *key = gtk_event_controller_key_new ();

  self->days = g_array_new (FALSE, TRUE, sizeof (ObStatsDay));
  self->zone = g_time_zone_new_local ();
  self->hover = -1;

  g_signal_connect (motion, "enter", G_CALLBACK (on_enter), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Messages sent and replies per day"),
                                  -1);
}

GtkWidget *
ob_chart_new (void)
{
  return g_object_new (OB_TYPE_CHART, NULL);
}

void
ob_chart_set_days (ObChart   *self,
                   GArray    *days,
                   GTimeZone *zone)
{
  g_autofree char *description = NULL;

  g_return_if_fail (OB_IS_CHART (self));
  g_return_if_fail (days != NULL);

  g_array_set_size (self->days, 0);
  g_array_append_vals (self->days, days->data, days->len);
  if (zone != NULL)
    {
      g_clear_pointer (&self->zone, g_time_zone_unref);
      self->zone = g_time_zone_ref (zone);
    }
  if (self->hover >= (int) self->days->len)
    self->hover = -1;

  description = ob_chart_describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

char *
ob_chart_describe_day (ObChart *self,
                       int      index)
{
  ObStatsDay *d;
  g_autoptr(GDateTime) day = NULL;
  g_autofree char *date = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *replies = NULL;

  g_return_val_if_fail (OB_IS_CHART (self), NULL);
  if (index < 0 || (guint) index >= self->days->len)
    return NULL;

  d = &g_array_index (self->days, ObStatsDay, index);
  day = local_day (self, (guint) index);
  /* Translators: a day in the chart's read-out, strftime() format */
  date = g_date_time_format (day, _("%a %e %b"));
  sent = g_strdup_printf (ngettext ("%lld sent", "%lld sent", (gulong) d->sent), (long long) d->sent);
  replies = g_strdup_printf (ngettext ("%lld reply", "%lld replies", (gulong) d->replied),
                             (long long) d->replied);
  /* Translators: "Tue  3 Mar: 120 sent, 8 replies" */
  return g_strdup_printf (_("%s: %s, %s"), date, sent, replies);
}

char *
ob_chart_describe (ObChart *self)
{
  gint64 sent = 0, replied = 0, best = -1;
  int best_day = -1;
  g_autofree char *total = NULL;
  g_autofree char *busiest = NULL;

  g_return_val_if_fail (OB_IS_CHART (self), NULL);

  for (guint i = 0; i < self->days->len; i++)
    {
      ObStatsDay *d = &g_array_index (self->days, ObStatsDay, i);

      sent += d->sent;
      replied += d->replied;
      if (d->sent > best)
        {
          best = d->sent;
          best_day = (int) i;
        }
    }
  total = g_strdup_printf (ngettext ("Over the last %u day: %lld sent, %lld replies.",
                                     "Over the last %u days: %lld sent, %lld replies.",
                                     self->days->len),
                           self->days->len, (long long) sent, (long long) replied);
  if (best_day < 0 || best == 0)
    return g_steal_pointer (&total);
  busiest = ob_chart_describe_day (self, best_day);
  /* Translators: the chart's description: totals, then the busiest day's read-out */
  return g_strdup_printf (_("%s Busiest day: %s."), total, busiest);
}
