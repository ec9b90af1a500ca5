/* ob-campaign-results.c: the Results page of the campaign window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One campaign's figures, its per-step funnel, its next sends and its
 * prospects by state. Computed by ObStats on a worker thread, again a
 * moment after each "store-changed" (changes arriving together make one
 * refresh), never by polling.
 */

#define G_LOG_DOMAIN "ob-campaign-results"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-campaign-results.h"
#include "ob-chart.h"
#include "ob-figures.h"
#include "ob-stats.h"

#define REFRESH_DELAY_MS 250

struct _ObCampaignResults
{
  AdwBin        parent_instance;

  /* template widgets */
  GtkFlowBox   *totals_box;
  ObChart      *chart;
  GtkListBox   *steps_list;
  GtkListBox   *upcoming_list;
  GtkListBox   *states_list;

  /* owned */
  ObEngine     *engine;
  ObStats      *stats;
  gint64        campaign_id;
  GCancellable *computing;
  gboolean      stale;
  guint         refresh_source;
};

G_DEFINE_FINAL_TYPE (ObCampaignResults, ob_campaign_results, ADW_TYPE_BIN)

static void refresh (ObCampaignResults *self);

static GtkWidget *
row (const char *title,
     const char *subtitle,
     const char *value)
{
  GtkWidget *r = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (r), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (r), subtitle);
  if (value != NULL)
    {
      GtkWidget *label = gtk_label_new (value);

      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (r), label);
    }
  return r;
}

static const char *
state_title (ObStatsEnrollmentState state)
{
  switch (state)
    {
    case OB_STATS_ENROLLMENT_ACTIVE: return _("In sequence");
    case OB_STATS_ENROLLMENT_FINISHED: return _("Sequence finished");
    case OB_STATS_ENROLLMENT_REPLIED: return _("Replied");
    case OB_STATS_ENROLLMENT_BOUNCED: return _("Bounced");
    case OB_STATS_ENROLLMENT_OPTED_OUT: return _("Opted out");
    case OB_STATS_ENROLLMENT_STOPPED: return _("Stopped");
    case OB_STATS_ENROLLMENT_PAUSED: return _("Paused");
    case OB_STATS_N_ENROLLMENT_STATES:
    default: return "";
    }
}

static void
show (ObCampaignResults     *self,
      const ObStatsSnapshot *snap)
{
  const ObStatsCampaign *c = snap->campaigns->len > 0 ? g_ptr_array_index (snap->campaigns, 0) : NULL;
  gint64 first_sent;

  ob_figures_fill_totals (self->totals_box, &snap->totals);
  ob_chart_set_days (self->chart, snap->days, snap->zone);

  ob_figures_clear (GTK_WIDGET (self->steps_list));
  first_sent = c != NULL && c->steps->len > 0 ? g_array_index (c->steps, ObStatsStep, 0).sent : 0;
  for (guint i = 0; c != NULL && i < c->steps->len; i++)
    {
      const ObStatsStep *s = &g_array_index (c->steps, ObStatsStep, i);
      g_autofree char *title = NULL, *subtitle = NULL;
      g_autofree char *reply = ob_figures_format_rate (s->reply_rate);
      g_autofree char *bounce = ob_figures_format_rate (s->bounce_rate);
      g_autofree char *opt_out = ob_figures_format_rate (s->opt_out_rate);
      GtkWidget *r, *bar;

      title = g_strdup_printf (ngettext ("Step %d · %lld sent", "Step %d · %lld sent", (gulong) s->sent),
                               s->position, (long long) s->sent);
      /* Translators: one step's funnel: "2 replied (66.7 %) · 0 bounced (0.0 %) · 0 opted out (0.0 %)" */
      subtitle = g_strdup_printf (_("%lld replied (%s) · %lld bounced (%s) · %lld opted out (%s)"),
                                  (long long) s->replied, reply, (long long) s->bounced, bounce,
                                  (long long) s->opted_out, opt_out);
      r = row (title, subtitle, NULL);
      /* How many of the first email's recipients this step still reached. */
      bar = gtk_level_bar_new_for_interval (0, 1);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), first_sent > 0 ? MIN (1.0, (double) s->sent / first_sent) : 0);
      gtk_widget_set_size_request (bar, 80, -1);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Share of the first step's recipients"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (r), bar);
      gtk_list_box_append (self->steps_list, r);
    }
  if (c == NULL || c->steps->len == 0)
    gtk_list_box_append (self->steps_list, ob_figures_placeholder (_("No steps yet")));

  ob_figures_clear (GTK_WIDGET (self->upcoming_list));
  for (guint i = 0; i < snap->upcoming->len; i++)
    {
      const ObStatsUpcoming *u = g_ptr_array_index (snap->upcoming, i);
      g_autofree char *when = u->send_at == OB_SCHEDULE_NEVER ? g_strdup (_("never: no sending day left"))
                                                              : ob_figures_format_time (u->send_at, snap->now);
      g_autofree char *subtitle = g_strdup_printf (_("Step %d"), u->step);

      gtk_list_box_append (self->upcoming_list, row (u->prospect_email, subtitle, when));
    }
  if (snap->upcoming->len == 0)
    gtk_list_box_append (self->upcoming_list, ob_figures_placeholder (_("Nothing is waiting to be sent")));

  ob_figures_clear (GTK_WIDGET (self->states_list));
  for (guint s = 0; c != NULL && s < OB_STATS_N_ENROLLMENT_STATES; s++)
    {
      g_autofree char *count = NULL;

      if (c->enrollments[s] == 0 && s != OB_STATS_ENROLLMENT_ACTIVE)
        continue;
      count = g_strdup_printf ("%" G_GINT64_FORMAT, c->enrollments[s]);
      gtk_list_box_append (self->states_list, row (state_title (s), NULL, count));
    }
}

static void
computed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObCampaignResults) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStatsSnapshot) snap = ob_stats_compute_finish (OB_STATS (source), result, &error);

  if (snap == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->computing);
  if (snap == NULL)
    g_warning ("Could not compute the campaign's figures: %s", error->message);
  else if (snap->query.campaign_id == self->campaign_id)
    show (self, snap);
  if (self->stale)
    refresh (self);
}

static void
refresh (ObCampaignResults *self)
{
  ObStatsQuery query = { .days = 30, .campaign_id = self->campaign_id, .upcoming_limit = 10,
                         .flags = OB_STATS_WITH_ENROLLMENTS };

  if (self->stats == NULL || self->campaign_id == 0)
    return;
  if (self->computing != NULL)
    {
      self->stale = TRUE;
      return;
    }
  self->stale = FALSE;
  self->computing = g_cancellable_new ();
  ob_stats_compute_async (self->stats, &query, self->computing, computed_cb, g_object_ref (self));
}

static gboolean
refresh_later_cb (gpointer user_data)
{
  ObCampaignResults *self = user_data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (ObCampaignResults *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_later_cb, self);
}

static void
ob_campaign_results_dispose (GObject *object)
{
  ObCampaignResults *self = OB_CAMPAIGN_RESULTS (object);

  ob_campaign_results_set_campaign (self, NULL, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_CAMPAIGN_RESULTS);

  G_OBJECT_CLASS (ob_campaign_results_parent_class)->dispose (object);
}

static void
ob_campaign_results_class_init (ObCampaignResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_campaign_results_dispose;

  g_type_ensure (OB_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-campaign-results.ui");
  gtk_widget_class_bind_template_child (widget_class, ObCampaignResults, totals_box);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignResults, chart);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignResults, steps_list);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignResults, upcoming_list);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignResults, states_list);
}

static void
ob_campaign_results_init (ObCampaignResults *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ob_campaign_results_new (void)
{
  return g_object_new (OB_TYPE_CAMPAIGN_RESULTS, NULL);
}

void
ob_campaign_results_set_campaign (ObCampaignResults *self,
                                  ObEngine          *engine,
                                  gint64             campaign_id)
{
  g_return_if_fail (OB_IS_CAMPAIGN_RESULTS (self));
  g_return_if_fail (engine == NULL || OB_IS_ENGINE (engine));

  if (self->computing != NULL)
    g_cancellable_cancel (self->computing);
  g_clear_object (&self->computing);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_func (self->engine, on_store_changed, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->stats);

  self->campaign_id = campaign_id;
  if (engine == NULL)
    return;
  self->engine = g_object_ref (engine);
  self->stats = ob_stats_new (ob_engine_get_db_path (engine));
  g_signal_connect_object (engine, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  refresh (self);
}
