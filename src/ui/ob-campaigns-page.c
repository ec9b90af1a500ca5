/* ob-campaigns-page.c: the Campaigns page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list with each campaign's figures is counted on a worker thread (it
 * groups every enrollment and send) whenever the store changed; a campaign
 * opens in its own window, one window per campaign.
 */

#define G_LOG_DOMAIN "ob-campaigns-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-campaign-window.h"
#include "ob-campaigns-page.h"

struct _ObCampaignsPage
{
  ObPage        parent_instance;

  /* template widgets */
  GtkListBox   *list;

  /* owned */
  GCancellable *listing;
  gboolean      list_stale;
};

G_DEFINE_FINAL_TYPE (ObCampaignsPage, ob_campaigns_page, OB_TYPE_PAGE)

static void reload (ObCampaignsPage *self);

static const char *
state_text (ObCampaignState state)
{
  switch (state)
    {
    case OB_CAMPAIGN_RUNNING:
      return _("Running");
    case OB_CAMPAIGN_PAUSED:
      return _("Paused");
    case OB_CAMPAIGN_FINISHED:
      return _("Finished");
    case OB_CAMPAIGN_DRAFT:
    default:
      return _("Draft");
    }
}

static GtkWidget *
make_row (const ObCampaignSummary *c)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *state = gtk_label_new (state_text (c->state));
  g_autofree char *subtitle = NULL;
  g_autofree char *people = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld prospect",
                                                          "%lld prospects", (gulong) c->enrolled),
                                             (long long) c->enrolled);
  g_autofree char *sent = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld sent", "%lld sent",
                                                        (gulong) c->sent),
                                           (long long) c->sent);
  g_autofree char *replied = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%lld replied",
                                                           "%lld replied", (gulong) c->replied),
                                              (long long) c->replied);
  g_autofree char *steps = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u step", "%u steps",
                                                         c->n_steps),
                                            c->n_steps);

  /* "4 steps · 120 prospects · 45 sent · 3 replied · from rep@example.com" */
  subtitle = c->account != NULL
             ? g_strdup_printf (_("%s · %s · %s · %s · from %s"), steps, people, sent, replied, c->account)
             : g_strdup_printf (_("%s · %s · %s · %s · no sending account"), steps, people, sent, replied);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), c->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  gtk_widget_add_css_class (state, "campaign-state");
  gtk_widget_add_css_class (state, ob_campaign_state_to_string (c->state));
  gtk_widget_set_valign (state, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "campaign-id", g_memdup2 (&c->id, sizeof c->id), g_free);
  return row;
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  ObStore *store = ob_store_open_for_thread (task_data, &error);
  GPtrArray *list = store != NULL ? ob_campaign_list (store, &error) : NULL;

  if (list == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = g_task_propagate_pointer (G_TASK (result), &error);
  ObCampaignsPage *self;
  GtkWidget *child;

  if (list == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot list campaigns: %s", error->message);
      return;
    }

  self = OB_CAMPAIGNS_PAGE (source);
  g_clear_object (&self->listing);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < list->len; i++)
    gtk_list_box_append (self->list, make_row (g_ptr_array_index (list, i)));

  if (self->list_stale)
    {
      self->list_stale = FALSE;
      reload (self);
    }
}

static void
reload (ObCampaignsPage *self)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(GTask) task = NULL;

  if (engine == NULL)
    return;
  if (self->listing != NULL)
    {
      self->list_stale = TRUE;
      return;
    }
  self->listing = g_cancellable_new ();
  task = g_task_new (self, self->listing, list_done_cb, NULL);
  g_task_set_task_data (task, g_strdup (ob_engine_get_db_path (engine)), g_free);
  g_task_run_in_thread (task, list_thread);
}

static void
present (ObCampaignsPage *self,
         gint64           id)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) windows = NULL;
  ObCampaignWindow *window;

  if (engine == NULL)
    return;

  /* One window per campaign: bring back the one already open. */
  windows = gtk_window_list_toplevels ();
  for (GList *l = windows; l != NULL && id != 0; l = l->next)
    if (OB_IS_CAMPAIGN_WINDOW (l->data)
        && ob_campaign_window_get_campaign_id (l->data) == id)
      {
        gtk_window_present (l->data);
        return;
      }

  window = ob_campaign_window_new (engine, id, &error);
  if (window == NULL)
    {
      g_warning ("Cannot open the campaign: %s", error->message);
      return;
    }
  if (GTK_IS_WINDOW (root))
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (root));

      if (app != NULL)
        gtk_window_set_application (GTK_WINDOW (window), app);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
on_row_activated (ObCampaignsPage *self,
                  GtkListBoxRow   *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "campaign-id");

  if (id != NULL)
    present (self, *id);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  present (OB_CAMPAIGNS_PAGE (widget), 0);
}

static void
ob_campaigns_page_refresh (ObPage              *page,
                           const ObStoreCounts *counts)
{
  reload (OB_CAMPAIGNS_PAGE (page));
}

static gboolean
ob_campaigns_page_has_content (ObPage                *page,
                               const ObStorePresence *presence)
{
  return presence->campaigns;
}

static void
ob_campaigns_page_dispose (GObject *object)
{
  ObCampaignsPage *self = OB_CAMPAIGNS_PAGE (object);

  g_cancellable_cancel (self->listing);
  g_clear_object (&self->listing);
  G_OBJECT_CLASS (ob_campaigns_page_parent_class)->dispose (object);
}

static void
ob_campaigns_page_class_init (ObCampaignsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  object_class->dispose = ob_campaigns_page_dispose;
  page_class->refresh = ob_campaigns_page_refresh;
  page_class->has_content = ob_campaigns_page_has_content;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-campaigns-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, list);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_install_action (widget_class, "campaigns.new", NULL, new_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "campaigns.new", NULL);
}

static void
ob_campaigns_page_init (ObCampaignsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
