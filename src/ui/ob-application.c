/* ob-application.c: the Outbound application
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the engine (one per process) and the app-wide actions; windows get the
 * engine as a property.
 */

#define G_LOG_DOMAIN "ob-application"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <glib/gstdio.h>

#include "ob-application.h"
#include "ob-preferences-window.h"
#include "ob-replies.h"
#include "ob-runner.h"
#include "ob-watcher.h"
#include "ob-window.h"

struct _ObApplication
{
  AdwApplication  parent_instance;

  /* owned */
  GSettings      *settings;
  ObEngine       *engine;
  ObRunner       *runner;
  GError         *engine_error;
  char           *db_path;
  gboolean        engine_opening;
  gboolean        start_in_background;
  gboolean        background_hold;   /* holding the app while no window is open */
};

G_DEFINE_FINAL_TYPE (ObApplication, ob_application, ADW_TYPE_APPLICATION)

static ObWindow *
get_main_window (ObApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (OB_IS_WINDOW (l->data))
      return l->data;

  return NULL;
}

static void
apply_color_scheme (ObApplication *self)
{
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT,
    ADW_COLOR_SCHEME_FORCE_LIGHT,
    ADW_COLOR_SCHEME_FORCE_DARK,
  };
  guint value = (guint) g_settings_get_enum (self->settings, "color-scheme");

  g_return_if_fail (value < G_N_ELEMENTS (schemes));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), schemes[value]);
}

static void
hand_engine_to_windows (ObApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (!OB_IS_WINDOW (l->data))
        continue;
      if (self->engine != NULL)
        ob_window_set_engine (l->data, self->engine);
      else if (self->engine_error != NULL)
        ob_window_show_error (l->data, self->engine_error);
    }
}

/* Something the rep must know even with the window closed. */
static void
on_runner_event (ObApplication       *self,
                 const ObSenderEvent *event)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;

  if (event->kind != OB_SENDER_ACCOUNT_HELD && event->kind != OB_SENDER_CAMPAIGN_PAUSED)
    return;

  notification = g_notification_new (event->kind == OB_SENDER_ACCOUNT_HELD
                                     ? _("Sending Stopped")
                                     : _("Campaign Paused by Bounce Shield"));
  g_notification_set_body (notification, event->detail);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (notification, "app.activate");
  id = g_strdup_printf ("held-%" G_GINT64_FORMAT, event->account_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* A reply came: say who, with its first line; clicking shows the prospect. */
void
ob_application_notify_watch_event (ObApplication        *self,
                                   const ObWatcherEvent *event)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(ObReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  const char *who = event->email;

  g_return_if_fail (OB_IS_APPLICATION (self));
  g_return_if_fail (event != NULL);

  if (event->kind != OB_WATCHER_REPLIED && event->kind != OB_WATCHER_COLLEAGUE_REPLIED)
    return;
  if (self->engine != NULL && event->prospect_id != 0)
    {
      /* The snippet and the name are in the store, one indexed row away. */
      reply = ob_replies_latest_for_prospect (ob_engine_get_store (self->engine), event->prospect_id, &error);
      if (reply == NULL && error != NULL)
        g_debug ("Reply of prospect %" G_GINT64_FORMAT ": %s", event->prospect_id, error->message);
    }
  if (reply != NULL && reply->name[0] != '\0')
    who = reply->name;
  if (who == NULL || who[0] == '\0')
    who = _("A prospect");
  if (event->kind == OB_WATCHER_COLLEAGUE_REPLIED)
    /* Translators: %s is a prospect's name or address */
    title = g_strdup_printf (_("A colleague of %s replied"), who);
  else
    /* Translators: %s is a prospect's name or address */
    title = g_strdup_printf (_("%s replied"), who);
  notification = g_notification_new (title);
  if (reply != NULL)
    body = ob_reply_first_line (reply->snippet, 200);
  if (body == NULL && event->detail != NULL && event->detail[0] != '\0')
    body = g_strdup (event->detail);
  if (body != NULL)
    g_notification_set_body (notification, body);
  if (event->email != NULL && event->email[0] != '\0')
    g_notification_set_default_action_and_target (notification, "app.show-prospect", "s", event->email);
  else
    g_notification_set_default_action (notification, "app.activate");
  id = g_strdup_printf ("reply-%" G_GINT64_FORMAT, event->prospect_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
start_sending (ObApplication *self)
{
  g_autoptr(GError) error = NULL;

  if (self->engine == NULL || self->runner != NULL)
    return;
  self->runner = ob_runner_new (self->engine);
  g_signal_connect_object (self->runner, "event", G_CALLBACK (on_runner_event), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->runner, "watch-event", G_CALLBACK (ob_application_notify_watch_event), self,
                           G_CONNECT_SWAPPED);
  if (!ob_runner_start (self->runner, &error))
    g_warning ("Cannot start sending: %s", error->message);
}

static void
stop_sending (ObApplication *self)
{
  if (self->runner != NULL)
    ob_runner_stop (self->runner);
  g_clear_object (&self->runner);
}

static void
engine_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObApplication) self = user_data;

  self->engine_opening = FALSE;
  self->engine = ob_engine_new_finish (result, &self->engine_error);
  if (self->engine == NULL)
    g_warning ("%s", self->engine_error->message);

  hand_engine_to_windows (self);
  start_sending (self);
  g_application_release (G_APPLICATION (self));
}

static gboolean
campaigns_running (ObApplication *self)
{
  ObStoreCounts counts;

  return self->engine != NULL
         && ob_store_get_counts (ob_engine_get_store (self->engine), &counts, NULL)
         && counts.campaigns_running > 0;
}

/* The last window closed while campaigns run: go on in the background, and
 * say so once, with a way to stop. */
static void
on_window_removed (ObApplication *self,
                   GtkWindow     *window)
{
  g_autoptr(GNotification) notification = NULL;

  if (gtk_application_get_windows (GTK_APPLICATION (self)) != NULL || self->background_hold)
    return;
  if (self->settings == NULL || !g_settings_get_boolean (self->settings, "run-in-background")
      || !campaigns_running (self))
    return;

  g_application_hold (G_APPLICATION (self));
  self->background_hold = TRUE;
  notification = g_notification_new (_("Outbound Keeps Sending"));
  g_notification_set_body (notification,
                           _("Your running campaigns go on and replies are watched while the window is closed."));
  g_notification_add_button (notification, _("Stop Sending and Quit"), "app.quit");
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (G_APPLICATION (self), "background", notification);
}

/* Start at login: an autostart entry that starts in the background. */
static void
apply_start_at_login (ObApplication *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, APP_ID ".desktop", NULL);
  g_autoptr(GError) error = NULL;

  if (!g_settings_get_boolean (self->settings, "start-at-login"))
    {
      g_remove (path);
      return;
    }
  {
    g_autoptr(GKeyFile) file = g_key_file_new ();
    g_autofree char *data = NULL;

    g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
    g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, _("Outbound"));
    g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                           "outbound --background");
    g_key_file_set_string (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
    g_key_file_set_boolean (file, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
    g_key_file_set_boolean (file, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, TRUE);
    data = g_key_file_to_data (file, NULL, NULL);
    if (g_mkdir_with_parents (dir, 0700) != 0
        || !g_file_set_contents (path, data, -1, &error))
      g_warning ("Cannot write %s: %s", path, error != NULL ? error->message : g_strerror (errno));
  }
}

static void
ob_application_activate (GApplication *app)
{
  ObApplication *self = OB_APPLICATION (app);
  ObWindow *window = get_main_window (self);
  gboolean background = self->start_in_background;

  /* --background (start at login): only the senders, no window, once. */
  self->start_in_background = FALSE;
  if (background && !self->background_hold)
    {
      g_application_hold (app);
      self->background_hold = TRUE;
    }
  else if (self->background_hold && !background)
    {
      self->background_hold = FALSE;
      g_application_withdraw_notification (app, "background");
      g_application_release (app);
    }

  if (window == NULL && !background)
    window = ob_window_new (ADW_APPLICATION (self));

  if (self->engine == NULL && self->engine_error == NULL && !self->engine_opening)
    {
      self->engine_opening = TRUE;
      g_application_hold (app);
      ob_engine_new_async (self->db_path, NULL, engine_opened_cb, g_object_ref (self));
    }
  else
    hand_engine_to_windows (self);

  if (window != NULL)
    gtk_window_present (GTK_WINDOW (window));
}

static int
ob_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  const char *db_path = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "db", "^&ay", &db_path))
    ob_application_set_db_path (OB_APPLICATION (app), db_path);
  if (g_variant_dict_contains (options, "background"))
    OB_APPLICATION (app)->start_in_background = TRUE;

  return -1;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  ObApplication *self = user_data;

  /* Closing through the windows lets them save their state. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  stop_sending (self);
  if (self->background_hold)
    {
      self->background_hold = FALSE;
      g_application_withdraw_notification (G_APPLICATION (self), "background");
      g_application_release (G_APPLICATION (self));
    }
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ObApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  ObPreferencesWindow *preferences = ob_preferences_window_new (self->engine);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ObApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Outbound authors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("Outbound"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Outbound authors"),
                        "developers", developers,
                        "copyright", "© 2026 The Outbound authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/outbound/outbound",
                        "issue-url", "https://github.com/outbound/outbound/issues",
                        /* Translators: Replace "translator-credits" with your name/username,
                         * and optionally an email or URL. */
                        "translator-credits", _("translator-credits"),
                        "comments", _("Personal email outreach from your own mailbox: "
                                      "follow-ups stop the moment someone replies."),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
activate_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

/* The main window, on the Prospects page searching for the address. */
static void
show_prospect_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  ObApplication *self = user_data;
  ObWindow *window;

  g_application_activate (G_APPLICATION (self));
  window = get_main_window (self);
  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-prospect", "s",
                                g_variant_get_string (parameter, NULL));
}

/* The Replies window, from any window (a reply figure of a campaign's
 * Results as much as the dashboard's). */
static void
show_replies_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  ObApplication *self = user_data;
  ObWindow *window = get_main_window (self);

  if (window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      window = get_main_window (self);
    }
  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-replies", NULL);
}

static const GActionEntry app_actions[] = {
  { .name = "activate", .activate = activate_action },
  { .name = "show-replies", .activate = show_replies_action },
  { .name = "quit", .activate = quit_action },
  { .name = "preferences", .activate = preferences_action },
  { .name = "about", .activate = about_action },
  { .name = "show-prospect", .activate = show_prospect_action, .parameter_type = "s" },
};

static void
ob_application_startup (GApplication *app)
{
  ObApplication *self = OB_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (ob_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::start-at-login",
                           G_CALLBACK (apply_start_at_login), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "window-removed", G_CALLBACK (on_window_removed), NULL);
  apply_color_scheme (self);
}

static void
ob_application_shutdown (GApplication *app)
{
  stop_sending (OB_APPLICATION (app));
  G_APPLICATION_CLASS (ob_application_parent_class)->shutdown (app);
}

static void
ob_application_dispose (GObject *object)
{
  ObApplication *self = OB_APPLICATION (object);

  stop_sending (self);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ob_application_parent_class)->dispose (object);
}

static void
ob_application_finalize (GObject *object)
{
  ObApplication *self = OB_APPLICATION (object);

  g_clear_error (&self->engine_error);
  g_clear_pointer (&self->db_path, g_free);

  G_OBJECT_CLASS (ob_application_parent_class)->finalize (object);
}

static void
ob_application_class_init (ObApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ob_application_dispose;
  object_class->finalize = ob_application_finalize;
  app_class->activate = ob_application_activate;
  app_class->startup = ob_application_startup;
  app_class->shutdown = ob_application_shutdown;
  app_class->handle_local_options = ob_application_handle_local_options;
}

static void
ob_application_init (ObApplication *self)
{
  static const GOptionEntry options[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Use this database instead of the default one"), N_("PATH") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version"), NULL },
    { "background", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start without a window: send and watch for replies only"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

ObApplication *
ob_application_new (void)
{
  return g_object_new (OB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

/**
 * ob_application_get_engine:
 *
 * Returns: (transfer none) (nullable): the engine, once the store is open
 */
ObEngine *
ob_application_get_engine (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->engine;
}

const char *
ob_application_get_db_path (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->db_path;
}

/* Only before the first activation: one engine per process. */
void
ob_application_set_db_path (ObApplication *self,
                            const char    *db_path)
{
  g_return_if_fail (OB_IS_APPLICATION (self));
  g_return_if_fail (self->engine == NULL && !self->engine_opening);

  g_free (self->db_path);
  self->db_path = g_strdup (db_path);
}
