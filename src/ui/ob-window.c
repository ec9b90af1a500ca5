/* ob-window.c: the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window opens at once with a spinner; the application hands it the
 * engine once the store is open (or the error, when it could not be).
 */

#define G_LOG_DOMAIN "ob-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-accounts-page.h"
#include "ob-campaigns-page.h"
#include "ob-dashboard-page.h"
#include "ob-import-dialog.h"
#include "ob-prospects-page.h"
#include "ob-replies-window.h"
#include "ob-window.h"

struct _ObWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  GtkStack             *main_stack;
  AdwStatusPage        *error_page;
  AdwViewStack         *view_stack;
  AdwViewSwitcherBar   *switcher_bar;
  ObPage               *dashboard_page;
  ObPage               *campaigns_page;
  ObPage               *prospects_page;
  ObPage               *accounts_page;

  /* owned */
  GSettings            *settings;
  ObEngine             *engine;
  GCancellable         *counting;
  gboolean              counts_stale;
};

enum {
  PROP_0,
  PROP_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ObWindow, ob_window, ADW_TYPE_APPLICATION_WINDOW)

static void
save_window_state (ObWindow *self)
{
  int width, height;

  /* The default size is the unmaximized one, which is what to restore. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
ob_window_close_request (GtkWindow *window)
{
  save_window_state (OB_WINDOW (window));

  return GTK_WINDOW_CLASS (ob_window_parent_class)->close_request (window);
}

static void
on_visible_page_changed (ObWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  /* Only remember real choices, not the switch made while loading. */
  if (name != NULL && self->engine != NULL)
    g_settings_set_string (self->settings, "last-page", name);
}

/* The bottom bar stands in for the header's switcher when the window is too
 * narrow for it, and only while there are pages to switch. */
static void
update_switcher_bar (ObWindow *self)
{
  gboolean has_pages = g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack),
                                  "content") == 0;

  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, has_pages);
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    has_pages &&
                                    adw_view_switcher_title_get_title_visible (self->switcher_title));
}

/**
 * ob_window_import_file:
 *
 * Opens the import assistant on @file, over this window.
 */
ObImportDialog *
ob_window_import_file (ObWindow *self,
                       GFile    *file)
{
  ObImportDialog *dialog;

  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);

  if (self->engine == NULL)
    return NULL;

  ob_window_set_page (self, "prospects");
  dialog = ob_import_dialog_new (self->engine, file);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  ob_import_dialog_start (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
import_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  ObWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      ob_window_import_file (self, file);
    }
  g_object_unref (chooser);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObWindow *self = OB_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Import Prospects"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (csv, _("CSV Files"));
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_filter_add_mime_type (csv, "text/tab-separated-values");
  gtk_file_filter_add_suffix (csv, "csv");
  gtk_file_filter_add_suffix (csv, "tsv");
  gtk_file_filter_add_suffix (csv, "txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), csv);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (import_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* A CSV file dropped anywhere on the window is imported. */
static gboolean
on_file_dropped (GtkDropTarget *target,
                 const GValue  *value,
                 double         x,
                 double         y,
                 ObWindow      *self)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL || self->engine == NULL)
    return FALSE;

  ob_window_import_file (self, file);
  return TRUE;
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ob_window_set_page (OB_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* The Prospects page, searching for one address: the dashboard's links. */
static void
show_prospect_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ObWindow *self = OB_WINDOW (widget);

  ob_prospects_page_search (OB_PROSPECTS_PAGE (self->prospects_page),
                            g_variant_get_string (parameter, NULL));
  ob_window_set_page (self, "prospects");
}

/* The Replies window, one per application, over this window. */
static void
show_replies_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ObWindow *self = OB_WINDOW (widget);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  ObRepliesWindow *replies;

  if (self->engine == NULL)
    return;
  for (GList *l = app != NULL ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    if (OB_IS_REPLIES_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return;
      }
  replies = ob_replies_window_new (self->engine);
  if (app != NULL)
    gtk_window_set_application (GTK_WINDOW (replies), app);
  gtk_window_set_transient_for (GTK_WINDOW (replies), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (replies));
}

static void count_store (ObWindow *self);

static void
counts_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ObStoreCounts counts;
  ObPage *pages[] = {
    self->dashboard_page, self->campaigns_page, self->prospects_page, self->accounts_page,
  };

  if (!ob_engine_get_counts_finish (OB_ENGINE (source), result, &counts, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Could not count the store: %s", error->message);
          g_clear_object (&self->counting);
        }
      return;
    }
  g_clear_object (&self->counting);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    ob_page_update (pages[i], &counts);

  if (self->counts_stale)
    count_store (self);
}

/* One count at a time; changes that arrive meanwhile ask for one more. */
static void
count_store (ObWindow *self)
{
  if (self->engine == NULL)
    return;

  if (self->counting != NULL)
    {
      self->counts_stale = TRUE;
      return;
    }

  self->counts_stale = FALSE;
  self->counting = g_cancellable_new ();
  ob_engine_get_counts_async (self->engine, self->counting, counts_ready_cb,
                              g_object_ref (self));
}

static void
ob_window_dispose (GObject *object)
{
  ObWindow *self = OB_WINDOW (object);

  if (self->counting != NULL)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_WINDOW);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (ob_window_parent_class)->dispose (object);
}

static void
ob_window_finalize (GObject *object)
{
  ObWindow *self = OB_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ob_window_parent_class)->finalize (object);
}

static void
ob_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObWindow *self = OB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ObWindow *self = OB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      ob_window_set_engine (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_window_class_init (ObWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  static const char *page_names[] = { "dashboard", "campaigns", "prospects", "accounts" };

  object_class->dispose = ob_window_dispose;
  object_class->finalize = ob_window_finalize;
  object_class->get_property = ob_window_get_property;
  object_class->set_property = ob_window_set_property;
  window_class->close_request = ob_window_close_request;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, OB_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OB_TYPE_DASHBOARD_PAGE);
  g_type_ensure (OB_TYPE_CAMPAIGNS_PAGE);
  g_type_ensure (OB_TYPE_PROSPECTS_PAGE);
  g_type_ensure (OB_TYPE_ACCOUNTS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ob-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, dashboard_page);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, campaigns_page);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, prospects_page);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, accounts_page);

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.show-prospect", "s", show_prospect_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.show-replies", NULL, show_replies_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.show-replies", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.import", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-page", "s", page_names[i]);
}

static void
ob_window_init (ObWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->view_stack, "notify::visible-child-name",
                           G_CALLBACK (on_visible_page_changed), self, G_CONNECT_SWAPPED);

  {
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);

    g_signal_connect_object (drop, "drop", G_CALLBACK (on_file_dropped), self, 0);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }

  g_signal_connect_object (self->switcher_title, "notify::title-visible",
                           G_CALLBACK (update_switcher_bar), self, G_CONNECT_SWAPPED);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  update_switcher_bar (self);
}

ObWindow *
ob_window_new (AdwApplication *application)
{
  return g_object_new (OB_TYPE_WINDOW, "application", application, NULL);
}

ObEngine *
ob_window_get_engine (ObWindow *self)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);

  return self->engine;
}

void
ob_window_set_engine (ObWindow *self,
                      ObEngine *engine)
{
  g_autofree char *last_page = NULL;
  ObPage *pages[] = {
    self->dashboard_page, self->campaigns_page, self->prospects_page, self->accounts_page,
  };

  g_return_if_fail (OB_IS_WINDOW (self));
  g_return_if_fail (engine == NULL || OB_IS_ENGINE (engine));

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_func (self->engine, count_store, self);
  if (!g_set_object (&self->engine, engine))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    ob_page_set_engine (pages[i], engine);

  if (engine != NULL)
    {
      ObStorePresence presence = { 0 };
      g_autoptr(GError) error = NULL;

      /* Returning users land where they left; a new user lands on the
       * dashboard, whose empty state walks them through the first steps. */
      last_page = g_settings_get_string (self->settings, "last-page");
      ob_window_set_page (self, last_page);

      /* Which pages are empty is known at once (indexed EXISTS); the
       * figures follow from a worker thread. No empty state flashes. */
      if (!ob_store_get_presence (ob_engine_get_store (engine), &presence, &error))
        g_warning ("Could not read the store: %s", error->message);
      for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
        ob_page_update_presence (pages[i], &presence);
      gtk_stack_set_visible_child_name (self->main_stack, "content");
      update_switcher_bar (self);

      g_signal_connect_object (engine, "store-changed", G_CALLBACK (count_store), self,
                               G_CONNECT_SWAPPED);
      count_store (self);
      /* Rows an import left unindexed (the app may have closed meanwhile). */
      ob_engine_update_search_index (engine);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

void
ob_window_show_error (ObWindow     *self,
                      const GError *error)
{
  g_return_if_fail (OB_IS_WINDOW (self));
  g_return_if_fail (error != NULL);

  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->main_stack, "error");
  update_switcher_bar (self);
}

/**
 * ob_window_get_view_state:
 *
 * Returns: "loading" until the store is open, then "content", or "error"
 *   when it could not be opened
 */
const char *
ob_window_get_view_state (ObWindow *self)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->main_stack);
}

const char *
ob_window_get_page (ObWindow *self)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->view_stack);
}

void
ob_window_set_page (ObWindow   *self,
                    const char *name)
{
  g_return_if_fail (OB_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    {
      g_warning ("No page called “%s”", name);
      return;
    }

  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

void
ob_window_add_toast (ObWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (OB_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
