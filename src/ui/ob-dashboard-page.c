/* ob-dashboard-page.c: the Dashboard page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each mailbox's day, a chart of sends and replies, the totals and rates of
 * every campaign, and the latest events. ObStats computes them on a worker
 * thread, again a moment after each "store-changed" (changes arriving
 * together make one refresh); nothing polls.
 */

#define G_LOG_DOMAIN "ob-dashboard-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-chart.h"
#include "ob-dashboard-page.h"
#include "ob-figures.h"
#include "ob-stats.h"

#define REFRESH_DELAY_MS 250
#define FEED_LENGTH      30

struct _ObDashboardPage
{
  ObPage           parent_instance;

  /* template widgets */
  GtkFlowBox      *accounts_box;
  ObChart         *chart;
  GtkFlowBox      *totals_box;
  GtkListBox      *feed_list;

  /* owned */
  ObEngine        *engine;
  ObStats         *stats;
  ObStatsSnapshot *snapshot;
  GCancellable    *computing;
  gboolean         stale;
  guint            refresh_source;
  guint            range;
  GtkNativeDialog *export_dialog;
};

enum {
  PROP_0,
  PROP_RANGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ObDashboardPage, ob_dashboard_page, OB_TYPE_PAGE)

static void refresh (ObDashboardPage *self);

/* ---- Accounts ------------------------------------------------------------- */

static char *
account_status (const ObStatsAccount *a,
                gint64                now,
                gboolean             *needs_fix)
{
  g_autofree char *when = a->next_send_at > 0 && a->next_send_at != OB_SCHEDULE_NEVER
                          ? ob_figures_format_time (a->next_send_at, now) : NULL;

  *needs_fix = FALSE;
  if (g_strcmp0 (a->state, "error") == 0)
    {
      *needs_fix = TRUE;
      return a->state_reason != NULL && *a->state_reason != '\0'
             ? g_strdup_printf (_("Needs you: %s"), a->state_reason)
             : g_strdup (_("Needs you: the mail server refused the account"));
    }
  if (g_strcmp0 (a->state, "paused") == 0)
    return a->state_reason != NULL && *a->state_reason != '\0'
           ? g_strdup_printf (_("Paused: %s"), a->state_reason)
           : g_strdup (_("Paused"));
  if (g_strcmp0 (a->state, "throttled") == 0 && a->paused_until > now)
    {
      g_autofree char *until = ob_figures_format_time (a->paused_until, now);

      return g_strdup_printf (_("Held by the server until %s"), until);
    }

  if (a->next_action == OB_SCHEDULE_SEND)
    return when != NULL && a->next_send_at > now + 1
           ? g_strdup_printf (_("Sending · next message at %s"), when)
           : g_strdup (_("Sending now"));
  switch (a->next_reason)
    {
    case OB_SCHEDULE_REASON_WINDOW:
      return when != NULL ? g_strdup_printf (_("Waiting for the sending window · opens %s"), when)
                          : g_strdup (_("Waiting for the sending window"));
    case OB_SCHEDULE_REASON_DAILY_LIMIT:
      return when != NULL ? g_strdup_printf (_("Daily limit reached · goes on %s"), when)
                          : g_strdup (_("Daily limit reached"));
    case OB_SCHEDULE_REASON_NOT_YET:
    case OB_SCHEDULE_REASON_PAUSE:
      return when != NULL ? g_strdup_printf (_("Next message at %s"), when) : g_strdup (_("Waiting"));
    case OB_SCHEDULE_REASON_RETRY:
      return when != NULL ? g_strdup_printf (_("Trying again at %s"), when) : g_strdup (_("Trying again later"));
    case OB_SCHEDULE_REASON_THROTTLED:
      return g_strdup (_("Held by the server"));
    case OB_SCHEDULE_REASON_ACCOUNT_PAUSED:
      return g_strdup (_("Paused"));
    case OB_SCHEDULE_REASON_NOTHING:
    case OB_SCHEDULE_REASON_DUE:
    default:
      return g_strdup (_("Nothing to send"));
    }
}

static GtkWidget *
account_card (const ObStatsAccount *a,
              gint64                now)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *name = gtk_label_new (a->name);
  GtkWidget *email = gtk_label_new (a->email);
  GtkWidget *status, *sent, *bar, *queue;
  g_autofree char *status_text = NULL, *sent_text = NULL, *queue_text = NULL;
  gboolean needs_fix;

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "account-card");
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (email, "dim-label");
  gtk_widget_add_css_class (email, "caption");
  gtk_label_set_xalign (GTK_LABEL (email), 0);
  gtk_label_set_ellipsize (GTK_LABEL (email), PANGO_ELLIPSIZE_MIDDLE);
  gtk_box_append (GTK_BOX (card), name);
  gtk_box_append (GTK_BOX (card), email);

  status_text = account_status (a, now, &needs_fix);
  status = gtk_label_new (status_text);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_wrap (GTK_LABEL (status), TRUE);
  if (needs_fix)
    gtk_widget_add_css_class (status, "error");
  else if (g_strcmp0 (a->state, "ok") != 0)
    gtk_widget_add_css_class (status, "warning");
  else if (a->next_action == OB_SCHEDULE_SEND)
    gtk_widget_add_css_class (status, "success");
  gtk_box_append (GTK_BOX (card), status);

  /* Translators: first emails sent today against the account's daily limit */
  sent_text = g_strdup_printf (_("%lld of %lld first emails today"), (long long) a->sent_today,
                               (long long) a->daily_limit);
  sent = gtk_label_new (sent_text);
  gtk_label_set_xalign (GTK_LABEL (sent), 0);
  gtk_widget_add_css_class (sent, "numeric");
  gtk_box_append (GTK_BOX (card), sent);
  bar = gtk_level_bar_new_for_interval (0, MAX (1, a->daily_limit));
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), MIN (a->sent_today, MAX (1, a->daily_limit)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, sent_text, -1);
  gtk_box_append (GTK_BOX (card), bar);

  /* Translators: messages due today and tomorrow within the limits */
  queue_text = g_strdup_printf (_("Queue: %lld today, %lld tomorrow"), (long long) a->queue_today,
                                (long long) a->queue_tomorrow);
  queue = gtk_label_new (queue_text);
  gtk_label_set_xalign (GTK_LABEL (queue), 0);
  gtk_widget_add_css_class (queue, "dim-label");
  gtk_widget_add_css_class (queue, "numeric");
  gtk_box_append (GTK_BOX (card), queue);

  if (needs_fix)
    {
      GtkWidget *fix = gtk_button_new_with_mnemonic (_("_Fix…"));

      gtk_widget_set_halign (fix, GTK_ALIGN_START);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (fix), "win.show-page");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (fix), "s", "accounts");
      gtk_box_append (GTK_BOX (card), fix);
    }
  return card;
}

/* ---- Feed ------------------------------------------------------------------ */

static GtkWidget *
feed_row (const ObStatsEvent *e,
          gint64              now)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (ob_figures_event_icon (e));
  g_autofree char *title = ob_figures_describe_event (e);
  g_autofree char *when = ob_figures_format_time (e->at, now);
  g_autofree char *subtitle = e->campaign_name != NULL
                              ? g_strdup_printf ("%s · %s", e->campaign_name, when) : g_strdup (when);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, e->kind, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  if (g_strcmp0 (e->kind, "replied") == 0 || g_strcmp0 (e->kind, "reply_positive") == 0)
    gtk_widget_add_css_class (icon, "success");
  else if (g_strcmp0 (e->kind, "bounced") == 0 || g_strcmp0 (e->kind, "failed") == 0
           || g_strcmp0 (e->kind, "complaint") == 0)
    gtk_widget_add_css_class (icon, "error");

  if (g_strcmp0 (e->kind, "replied") == 0)
    {
      GtkWidget *mark;

      if (e->positive)
        {
          mark = gtk_label_new (_("Interested"));
          gtk_widget_add_css_class (mark, "success");
          gtk_widget_add_css_class (mark, "caption-heading");
        }
      else
        {
          mark = gtk_button_new_with_label (_("Interested?"));
          gtk_widget_set_tooltip_text (mark, _("Mark this reply as interested"));
          gtk_widget_add_css_class (mark, "flat");
          gtk_actionable_set_action_name (GTK_ACTIONABLE (mark), "dashboard.mark-positive");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (mark), "x", e->id);
        }
      gtk_widget_set_valign (mark, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), mark);
    }

  if (e->prospect_email != NULL)
    {
      GtkWidget *go = gtk_image_new_from_icon_name ("go-next-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (go), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), go);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.show-prospect");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", e->prospect_email);
      gtk_widget_set_tooltip_text (row, _("Show the prospect"));
    }
  return row;
}

/* ---- Refresh ---------------------------------------------------------------- */

static void
show (ObDashboardPage *self)
{
  const ObStatsSnapshot *snap = self->snapshot;

  ob_figures_clear (GTK_WIDGET (self->accounts_box));
  for (guint i = 0; i < snap->accounts->len; i++)
    {
      gtk_flow_box_append (self->accounts_box, account_card (g_ptr_array_index (snap->accounts, i), snap->now));
      gtk_widget_set_focusable (gtk_widget_get_last_child (GTK_WIDGET (self->accounts_box)), FALSE);
    }
  if (snap->accounts->len == 0)
    gtk_flow_box_append (self->accounts_box, ob_figures_placeholder (_("No mailbox yet: add one on the Accounts page")));

  ob_chart_set_days (self->chart, snap->days, snap->zone);
  ob_figures_fill_totals (self->totals_box, &snap->totals);

  ob_figures_clear (GTK_WIDGET (self->feed_list));
  for (guint i = 0; i < snap->feed->len; i++)
    gtk_list_box_append (self->feed_list, feed_row (g_ptr_array_index (snap->feed, i), snap->now));
  if (snap->feed->len == 0)
    gtk_list_box_append (self->feed_list, ob_figures_placeholder (_("Nothing has happened yet")));
}

static void
computed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  ObStatsSnapshot *snap = ob_stats_compute_finish (OB_STATS (source), result, &error);

  if (snap == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->computing);
  if (snap == NULL)
    g_warning ("Could not compute the dashboard's figures: %s", error->message);
  else
    {
      g_clear_pointer (&self->snapshot, ob_stats_snapshot_free);
      self->snapshot = snap;
      show (self);
    }
  if (self->stale)
    refresh (self);
}

static void
refresh (ObDashboardPage *self)
{
  ObStatsQuery query = { .days = self->range, .feed_limit = FEED_LENGTH,
                         .flags = OB_STATS_WITH_ACCOUNTS };

  if (self->stats == NULL)
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
  ObDashboardPage *self = user_data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (ObDashboardPage *self)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_later_cb, self);
}

static void
set_engine (ObDashboardPage *self,
            ObEngine        *engine)
{
  if (self->engine == engine)
    return;
  if (self->computing != NULL)
    g_cancellable_cancel (self->computing);
  g_clear_object (&self->computing);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_func (self->engine, on_store_changed, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->stats);

  if (engine == NULL)
    return;
  self->engine = g_object_ref (engine);
  self->stats = ob_stats_new (ob_engine_get_db_path (engine));
  g_signal_connect_object (engine, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  refresh (self);
}

static void
on_engine_changed (ObDashboardPage *self)
{
  set_engine (self, ob_page_get_engine (OB_PAGE (self)));
}

/* ---- Actions ---------------------------------------------------------------- */

static void
marked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ObDashboardPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_stats_mark_positive_finish (OB_STATS (source), result, &error))
    {
      g_warning ("Could not mark the reply: %s", error->message);
      return;
    }
  if (self->engine != NULL)
    ob_engine_notify_store_changed (self->engine, "events");
}

static void
mark_positive_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (widget);

  if (self->stats == NULL)
    return;
  ob_stats_mark_positive_async (self->stats, g_variant_get_int64 (parameter), NULL, marked_cb,
                                g_object_ref (self));
}

static void
export_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_warning ("Could not export the figures: %s", error->message);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    ObDashboardPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->snapshot != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      char *csv = ob_stats_snapshot_to_csv (self->snapshot);
      g_autoptr(GBytes) bytes = g_bytes_new_take (csv, strlen (csv));

      g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                           NULL, export_written_cb, NULL);
    }
  g_clear_object (&self->export_dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (widget);
  GtkFileChooserNative *native;
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->snapshot == NULL || self->export_dialog != NULL)
    return;
  native = gtk_file_chooser_native_new (_("Export Figures"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), _("outbound-figures.csv"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  self->export_dialog = GTK_NATIVE_DIALOG (native);
  g_signal_connect (native, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (self->export_dialog);
}

/* ---- ObPage ----------------------------------------------------------------- */

static gboolean
ob_dashboard_page_has_content (ObPage                *page,
                               const ObStorePresence *presence)
{
  return presence->accounts || presence->prospects || presence->campaigns;
}

static void
ob_dashboard_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_RANGE:
      g_value_set_uint (value, self->range);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_dashboard_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_RANGE:
      if (self->range != g_value_get_uint (value))
        {
          self->range = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
          refresh (self);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_dashboard_page_dispose (GObject *object)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (object);

  set_engine (self, NULL);
  if (self->export_dialog != NULL)
    gtk_native_dialog_destroy (self->export_dialog);
  g_clear_object (&self->export_dialog);
  g_clear_pointer (&self->snapshot, ob_stats_snapshot_free);

  G_OBJECT_CLASS (ob_dashboard_page_parent_class)->dispose (object);
}

static void
ob_dashboard_page_class_init (ObDashboardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  object_class->dispose = ob_dashboard_page_dispose;
  object_class->get_property = ob_dashboard_page_get_property;
  object_class->set_property = ob_dashboard_page_set_property;
  page_class->has_content = ob_dashboard_page_has_content;

  /* Days the chart shows: 7, 30 or 90. */
  properties[PROP_RANGE] =
    g_param_spec_uint ("range", NULL, NULL, 1, 366, 30,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OB_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-dashboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, accounts_box);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, chart);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, totals_box);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, feed_list);

  gtk_widget_class_install_property_action (widget_class, "dashboard.range", "range");
  gtk_widget_class_install_action (widget_class, "dashboard.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "dashboard.mark-positive", "x", mark_positive_action);
}

static void
ob_dashboard_page_init (ObDashboardPage *self)
{
  self->range = 30;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "notify::engine", G_CALLBACK (on_engine_changed), NULL);
}

/* The figures on show, for tests and the export. */
const ObStatsSnapshot *
ob_dashboard_page_get_snapshot (ObDashboardPage *self)
{
  g_return_val_if_fail (OB_IS_DASHBOARD_PAGE (self), NULL);
  return self->snapshot;
}
