/* ob-preferences-window.c: the Preferences window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-preferences-window.h"

struct _ObPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  AdwComboRow          *style_row;
  AdwActionRow         *database_row;
  GtkSwitch            *background_switch;
  GtkSwitch            *login_switch;
  GtkButton            *open_folder_button;
  AdwEntryRow          *google_client_id_row;
  AdwEntryRow          *google_client_secret_row;
  AdwEntryRow          *microsoft_client_id_row;
  AdwEntryRow          *microsoft_client_secret_row;

  /* owned */
  GSettings            *settings;
  char                 *db_path;
};

G_DEFINE_FINAL_TYPE (ObPreferencesWindow, ob_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
on_style_selected (ObPreferencesWindow *self)
{
  g_settings_set_enum (self->settings, "color-scheme",
                       (int) adw_combo_row_get_selected (self->style_row));
}

static void
folder_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the folder: %s"),
                                                  error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
    }
}

static void
on_open_folder_clicked (ObPreferencesWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *uri = NULL;

  g_return_if_fail (self->db_path != NULL);

  file = g_file_new_for_path (self->db_path);
  folder = g_file_get_parent (file);
  uri = g_file_get_uri (folder);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, folder_opened_cb,
                                           g_object_ref (self));
}

static void
ob_preferences_window_finalize (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->db_path, g_free);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->finalize (object);
}

static void
ob_preferences_window_class_init (ObPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ob_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, database_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, open_folder_button);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, login_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, google_client_id_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, google_client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, microsoft_client_id_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow,
                                        microsoft_client_secret_row);
  gtk_widget_class_bind_template_callback (widget_class, on_open_folder_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_preferences_window_init (ObPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  adw_combo_row_set_selected (self->style_row,
                              (guint) g_settings_get_enum (self->settings, "color-scheme"));
  g_signal_connect_object (self->style_row, "notify::selected",
                           G_CALLBACK (on_style_selected), self, G_CONNECT_SWAPPED);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "start-at-login", self->login_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* "Sign in with Google/Microsoft" needs the rep's own registered client. */
  g_settings_bind (self->settings, "oauth-google-client-id", self->google_client_id_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "oauth-google-client-secret", self->google_client_secret_row,
                   "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "oauth-microsoft-client-id", self->microsoft_client_id_row,
                   "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "oauth-microsoft-client-secret",
                   self->microsoft_client_secret_row, "text", G_SETTINGS_BIND_DEFAULT);
}

ObPreferencesWindow *
ob_preferences_window_new (ObEngine *engine)
{
  ObPreferencesWindow *self = g_object_new (OB_TYPE_PREFERENCES_WINDOW, NULL);

  self->db_path = engine != NULL ? g_strdup (ob_engine_get_db_path (engine))
                                 : ob_store_default_path ();
  adw_action_row_set_subtitle (self->database_row, self->db_path);

  return self;
}
