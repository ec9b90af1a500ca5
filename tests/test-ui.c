/* test-ui.c: the main window under Xvfb: pages, empty states, adaptive
 * layout, saved state, dialogs; saves a screenshot of every page
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ob-account-dialog.h"
#include "ob-accounts.h"
#include "ob-application.h"
#include "ob-campaign-results.h"
#include "ob-campaign-window.h"
#include "ob-chart.h"
#include "ob-dashboard-page.h"
#include "ob-goa.h"
#include "ob-outbox.h"
#include "ob-step-editor.h"
#include "ob-page.h"
#include "ob-preferences-window.h"
#include "ob-dnc.h"
#include "ob-dnc-window.h"
#include "ob-import-dialog.h"
#include "ob-prospect-editor.h"
#include "ob-prospects-page.h"
#include "ob-prospects.h"
#include "ob-replies-window.h"
#include "ob-window.h"
#include "ob-oauth.h"
#include "oauth-server.h"
#include "testlib.h"
#include "ui-helpers.h"

static const char *page_names[] = { "dashboard", "campaigns", "prospects", "accounts" };

/* Where goa-daemon reads accounts.conf (the bus's XDG_CONFIG_HOME, set by
 * tests/goa-session before isolate_user_dirs() moves this process's). */
static char *goa_config_home;

typedef struct
{
  ObApplication *app;
  ObWindow      *window;
  char          *dir;
  char          *db_path;
} Fixture;

static gboolean
window_left_loading (gpointer data)
{
  Fixture *f = data;

  f->window = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  return f->window != NULL && g_strcmp0 (ob_window_get_view_state (f->window), "loading") != 0;
}

static void
start_app (Fixture    *f,
           const char *db_path)
{
  g_autoptr(GError) error = NULL;

  f->app = ob_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
  ob_application_set_db_path (f->app, db_path);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (f->app));
  wait_until (window_left_loading, f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  /* The memory backend survives between tests of one process: start clean. */
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
  g_settings_reset (settings, "last-page");
  g_settings_reset (settings, "color-scheme");

  f->dir = g_dir_make_tmp ("ob-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "outbound.db", NULL);
}

static gboolean
no_windows (gpointer data)
{
  Fixture *f = data;

  return gtk_application_get_windows (GTK_APPLICATION (f->app)) == NULL;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->app != NULL)
    {
      for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL;)
        {
          GtkWindow *window = l->data;

          l = l->next;
          gtk_window_destroy (window);
        }
      wait_until (no_windows, f);
      g_clear_object (&f->app);
    }
  g_free (f->db_path);
  g_free (f->dir);
}

static void
show_page (ObWindow   *window,
           const char *name)
{
  ob_window_set_page (window, name);
  g_assert_cmpstr (ob_window_get_page (window), ==, name);
}

static gboolean
style_is_dark (gpointer data)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static gboolean
style_is_light (gpointer data)
{
  return !adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static void
test_pages_and_screenshots (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  start_app (f, f->db_path);
  g_assert_cmpstr (ob_window_get_view_state (f->window), ==, "content");
  g_assert_nonnull (ob_window_get_engine (f->window));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window)));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);

  /* A new user lands on the dashboard. */
  g_assert_cmpstr (ob_window_get_page (f->window), ==, "dashboard");

  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-light", page_names[i]);

      /* Through the action the Alt+N shortcuts and the setup rows use. */
      gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-page", "s", page_names[i]);
      g_assert_cmpstr (ob_window_get_page (f->window), ==, page_names[i]);
      g_assert_true (style_is_light (NULL));
      save_screenshot (GTK_WIDGET (f->window), name);
      /* The choice is remembered for the next start. */
      g_assert_cmpstr (g_settings_get_string (settings, "last-page"), ==, page_names[i]);
    }

  /* Dark, through the preference the Preferences window writes. */
  g_settings_set_string (settings, "color-scheme", "dark");
  wait_until (style_is_dark, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-dark", page_names[i]);

      show_page (f->window, page_names[i]);
      save_screenshot (GTK_WIDGET (f->window), name);
    }
  g_settings_set_string (settings, "color-scheme", "default");
  wait_until (style_is_light, NULL);
}

static gboolean
page_has_content (gpointer data)
{
  return !ob_page_is_empty (data);
}

static gboolean
page_is_empty (gpointer data)
{
  return ob_page_is_empty (data);
}

static void
test_empty_states_follow_store (Fixture       *f,
                                gconstpointer  data)
{
  static const char *type_names[] = {
    "ObDashboardPage", "ObCampaignsPage", "ObProspectsPage", "ObAccountsPage",
  };
  g_autoptr(GError) error = NULL;
  ObEngine *engine;
  ObPage *prospects, *dashboard, *campaigns, *accounts;

  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);

  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    {
      ObPage *page = find_descendant (GTK_WIDGET (f->window), g_type_from_name (type_names[i]));

      g_assert_nonnull (page);
      g_assert_true (ob_page_is_empty (page));
    }

  /* Data arrives (as an import will bring it); the signal refreshes the pages. */
  ob_store_exec (ob_engine_get_store (engine),
                 "INSERT INTO prospects (email, email_key, domain) VALUES"
                 " ('ann@acme.test', 'ann@acme.test', 'acme.test'),"
                 " ('bob@acme.test', 'bob@acme.test', 'acme.test')",
                 &error);
  g_assert_no_error (error);
  ob_engine_notify_store_changed (engine, "prospects");

  /* Counted on a worker thread: the main loop spins meanwhile. */
  prospects = find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObProspectsPage"));
  wait_until (page_has_content, prospects);
  dashboard = find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObDashboardPage"));
  campaigns = find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObCampaignsPage"));
  accounts = find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObAccountsPage"));
  g_assert_false (ob_page_is_empty (prospects));
  g_assert_false (ob_page_is_empty (dashboard));
  g_assert_true (ob_page_is_empty (campaigns));
  g_assert_true (ob_page_is_empty (accounts));

  ob_window_set_page (f->window, "prospects");
  save_screenshot (GTK_WIDGET (f->window), "prospects-with-data");
}

static gboolean
switcher_bar_revealed (gpointer data)
{
  Fixture *f = data;
  GtkWidget *bar = find_descendant (GTK_WIDGET (f->window), ADW_TYPE_VIEW_SWITCHER_BAR);

  return adw_view_switcher_bar_get_reveal (ADW_VIEW_SWITCHER_BAR (bar));
}

static gboolean
switcher_bar_hidden (gpointer data)
{
  return !switcher_bar_revealed (data);
}

static gboolean
window_width_is (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_width (GTK_WIDGET (f->window)) <= 400;
}

/* Down to 360 px the switcher moves to a bar at the bottom. */
static void
test_adaptive_narrow (Fixture       *f,
                      gconstpointer  data)
{
  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  wait_for_paint (GTK_WIDGET (f->window));
  wait_until (switcher_bar_hidden, f);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 720);
  wait_until (window_width_is, f);
  wait_until (switcher_bar_revealed, f);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 360);

  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-narrow", page_names[i]);

      ob_window_set_page (f->window, page_names[i]);
      save_screenshot (GTK_WIDGET (f->window), name);
    }
}

static void
test_window_state_saved (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 600);
  ob_window_set_page (f->window, "prospects");
  gtk_window_close (GTK_WINDOW (f->window));

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 600);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_cmpstr (g_settings_get_string (settings, "last-page"), ==, "prospects");
  wait_until (no_windows, f);

  /* The next window opens at that size, on that page. */
  g_application_activate (G_APPLICATION (f->app));
  wait_until (window_left_loading, f);
  {
    int width, height;

    gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
    g_assert_cmpint (width, ==, 900);
    g_assert_cmpint (height, ==, 600);
    g_assert_cmpstr (ob_window_get_page (f->window), ==, "prospects");
  }
}

typedef struct
{
  Fixture *f;
  GType    type;
  GtkWindow *found;
} FindWindow;

static gboolean
window_of_type_shown (gpointer data)
{
  FindWindow *fw = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, fw->type) &&
          gtk_widget_get_mapped (GTK_WIDGET (window)))
        {
          fw->found = window;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_dialogs (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  FindWindow fw = { f, 0, NULL };
  AdwComboRow *style_row;

  start_app (f, f->db_path);

  fw.type = OB_TYPE_PREFERENCES_WINDOW;
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  wait_until (window_of_type_shown, &fw);
  g_assert_true (gtk_window_get_transient_for (fw.found) == GTK_WINDOW (f->window));
  save_screenshot (GTK_WIDGET (fw.found), "preferences");

  style_row = find_descendant (GTK_WIDGET (fw.found), ADW_TYPE_COMBO_ROW);
  g_assert_nonnull (style_row);
  adw_combo_row_set_selected (style_row, 2);
  g_assert_cmpstr (g_settings_get_string (settings, "color-scheme"), ==, "dark");
  wait_until (style_is_dark, NULL);
  adw_combo_row_set_selected (style_row, 0);
  wait_until (style_is_light, NULL);
  gtk_window_destroy (fw.found);

  fw.type = ADW_TYPE_ABOUT_WINDOW;
  fw.found = NULL;
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  wait_until (window_of_type_shown, &fw);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (fw.found)), ==,
                   PACKAGE_VERSION);
  gtk_window_destroy (fw.found);

  fw.type = GTK_TYPE_SHORTCUTS_WINDOW;
  fw.found = NULL;
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-help-overlay", NULL);
  wait_until (window_of_type_shown, &fw);
  save_screenshot (GTK_WIDGET (fw.found), "shortcuts");
  gtk_window_close (fw.found);
}

static void
test_damaged_store_shows_error (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;

  g_file_set_contents (f->db_path, "not a database\n", -1, &error);
  g_assert_no_error (error);

  g_test_expect_message ("ob-application", G_LOG_LEVEL_WARNING, "*damaged*left untouched*");
  start_app (f, f->db_path);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (ob_window_get_view_state (f->window), ==, "error");
  /* Nothing to switch between: no switcher, not even at the bottom. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 640);
  wait_until (window_width_is, f);
  g_assert_false (switcher_bar_revealed (f));
  g_assert_null (ob_window_get_engine (f->window));
  save_screenshot (GTK_WIDGET (f->window), "error-damaged-store");

  g_file_get_contents (f->db_path, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, "not a database\n");
}

static AdwEntryRow *
find_entry_row (GtkWidget  *root,
                const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwEntryRow *found;

      if (ADW_IS_ENTRY_ROW (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        return ADW_ENTRY_ROW (child);
      found = find_entry_row (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gint64
count_prospects (ObEngine *engine)
{
  ObStoreCounts counts;

  g_assert_true (ob_store_get_counts (ob_engine_get_store (engine), &counts, NULL));
  return counts.prospects;
}

static void
seed_prospect (ObEngine   *engine,
               const char *email,
               const char *first,
               const char *last,
               const char *company)
{
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(GError) error = NULL;

  ob_prospect_set_field (p, "email", email);
  ob_prospect_set_field (p, "first_name", first);
  ob_prospect_set_field (p, "last_name", last);
  ob_prospect_set_field (p, "company", company);
  ob_prospect_set_field (p, "linkedin_url", "https://example.test/in/x");
  g_assert_true (ob_prospect_save (p, ob_engine_get_store (engine), &error));
  g_assert_no_error (error);
}

static gboolean
row_is (GListModel *rows,
        guint       position,
        const char *email)
{
  g_autoptr(ObProspect) prospect = g_list_model_get_item (rows, position);

  return prospect != NULL && g_strcmp0 (ob_prospect_get_email (prospect), email) == 0;
}

typedef struct
{
  GListModel *rows;
  const char *email;
} FirstRow;

static gboolean
first_row_is (gpointer data)
{
  FirstRow *expected = data;

  return row_is (expected->rows, 0, expected->email);
}

static gboolean
no_toast_shown (gpointer data)
{
  return find_descendant (data, g_type_from_name ("AdwToastWidget")) == NULL;
}

static gboolean
two_prospects_left (gpointer data)
{
  return count_prospects (data) == 2;
}

/* The Prospects page end to end: list, search, add, edit, delete and undo. */
static void
test_prospects_list (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObEngine *engine;
  GtkColumnView *view;
  GListModel *rows;
  GtkWidget *page;
  ObProspectEditor *editor;
  GtkEditable *search;

  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 760);
  engine = ob_window_get_engine (f->window);
  seed_prospect (engine, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  seed_prospect (engine, "bob@bolt.test", "Bob", "Żółkiewski", "Bolt");
  seed_prospect (engine, "cid@corp.test", "Cid", "Moe", "Globex");
  ob_engine_notify_store_changed (engine, "prospects");
  ob_window_set_page (f->window, "prospects");

  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObProspectsPage")));
  view = find_descendant (page, GTK_TYPE_COLUMN_VIEW);
  rows = G_LIST_MODEL (gtk_column_view_get_model (view));
  wait_for_rows (rows, 3);
  wait_until (page_has_content, page);

  /* Search as you type, by a part of a name with Polish letters. */
  search = GTK_EDITABLE (find_descendant (page, GTK_TYPE_SEARCH_ENTRY));
  gtk_editable_set_text (search, "żółk");
  wait_for_rows (rows, 1);
  gtk_editable_set_text (search, "");
  wait_for_rows (rows, 3);

  /* Clicking the Name header sorts by last name, twice reverses; the rows
   * come sorted from sqlite, not from GTK. */
  {
    GListModel *columns = gtk_column_view_get_columns (view);
    g_autoptr(GtkColumnViewColumn) name_column = g_list_model_get_item (columns, 1);

    gtk_column_view_sort_by_column (view, name_column, GTK_SORT_ASCENDING);
    wait_until (first_row_is, &(FirstRow) { rows, "ann@acme.test" });
    g_assert_true (row_is (rows, 1, "cid@corp.test"));
    g_assert_true (row_is (rows, 2, "bob@bolt.test"));
    gtk_column_view_sort_by_column (view, name_column, GTK_SORT_DESCENDING);
    wait_until (first_row_is, &(FirstRow) { rows, "bob@bolt.test" });
    gtk_column_view_sort_by_column (view, NULL, GTK_SORT_ASCENDING);
    wait_until (first_row_is, &(FirstRow) { rows, "cid@corp.test" });
  }

  /* Add one by hand. */
  gtk_widget_activate_action (page, "prospects.add", NULL);
  editor = find_descendant (page, OB_TYPE_PROSPECT_EDITOR);
  gtk_editable_set_text (GTK_EDITABLE (find_entry_row (GTK_WIDGET (editor), "Email")),
                         "dee@delta.test");
  gtk_editable_set_text (GTK_EDITABLE (find_entry_row (GTK_WIDGET (editor), "First Name")), "Dee");
  gtk_editable_set_text (GTK_EDITABLE (find_entry_row (GTK_WIDGET (editor), "Time Zone")),
                         "Mars/Olympus");
  g_assert_false (ob_prospect_editor_save (editor, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  gtk_editable_set_text (GTK_EDITABLE (find_entry_row (GTK_WIDGET (editor), "Time Zone")),
                         "Europe/Warsaw");
  g_assert_true (ob_prospect_editor_save (editor, &error));
  g_assert_no_error (error);
  wait_for_rows (rows, 4);
  g_assert_cmpint (count_prospects (engine), ==, 4);

  /* Edit the last row (newest first: Ann), custom field included. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (rows), 3, TRUE);
  {
    g_autoptr(ObProspect) shown = NULL;
    AdwEntryRow *linkedin = find_entry_row (GTK_WIDGET (editor), "linkedin_url");

    g_assert_cmpstr (ob_prospect_get_email (ob_prospect_editor_get_prospect (editor)), ==,
                     "ann@acme.test");
    g_assert_nonnull (linkedin);
    gtk_editable_set_text (GTK_EDITABLE (linkedin), "https://example.test/in/ann");
    gtk_editable_set_text (GTK_EDITABLE (find_entry_row (GTK_WIDGET (editor), "Company")),
                           "Acme Holdings");
    save_screenshot (GTK_WIDGET (f->window), "prospects-editor");
    g_assert_true (ob_prospect_editor_save (editor, &error));
    g_assert_no_error (error);

    shown = ob_prospect_load (ob_engine_get_store (engine),
                              ob_prospect_get_id (ob_prospect_editor_get_prospect (editor)), &error);
    g_assert_cmpstr (ob_prospect_get_company (shown), ==, "Acme Holdings");
    g_assert_cmpstr (ob_prospect_get_field (shown, "linkedin_url"), ==, "https://example.test/in/ann");
  }

  /* Delete two, undo, delete again and let the toast go. */
  gtk_selection_model_select_range (GTK_SELECTION_MODEL (rows), 0, 2, TRUE);
  gtk_widget_activate_action (page, "prospects.delete", NULL);
  wait_for_rows (rows, 2);
  save_screenshot (GTK_WIDGET (f->window), "prospects-undo");
  gtk_widget_activate_action (page, "prospects.undo-delete", NULL);
  wait_for_rows (rows, 4);
  g_assert_cmpint (count_prospects (engine), ==, 4);
  /* Undo took the toast away too. */
  wait_until (no_toast_shown, f->window);

  gtk_selection_model_select_range (GTK_SELECTION_MODEL (rows), 0, 2, TRUE);
  gtk_widget_activate_action (page, "prospects.delete", NULL);
  wait_for_rows (rows, 2);
  g_assert_cmpint (count_prospects (engine), ==, 4);
  /* Closing the toast (as its timeout would, when the window has the focus)
   * really deletes the rows. */
  {
    GtkWidget *toast = find_descendant (GTK_WIDGET (f->window), g_type_from_name ("AdwToastWidget"));
    GtkWidget *close = NULL;

    g_assert_nonnull (toast);
    for (GtkWidget *w = find_descendant (toast, GTK_TYPE_BUTTON); w != NULL;
         w = gtk_widget_get_next_sibling (w))
      if (GTK_IS_BUTTON (w) &&
          g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (w)), "window-close-symbolic") == 0)
        close = w;
    g_assert_nonnull (close);
    g_signal_emit_by_name (close, "clicked");
  }
  wait_until (two_prospects_left, engine);
  wait_for_rows (rows, 2);
}

static gboolean
file_written (gpointer data)
{
  g_autofree char *contents = NULL;

  /* Written in full once the stream closed: the last row ends the file. */
  return g_file_get_contents (data, &contents, NULL, NULL) && strstr (contents, "\n") != NULL &&
         g_str_has_suffix (contents, "\n") && strstr (contents, "@") != NULL;
}

static gboolean
import_state_is (gpointer data)
{
  ObImportDialog *dialog = data;
  const char *want = g_object_get_data (G_OBJECT (dialog), "want");

  return g_strcmp0 (ob_import_dialog_get_state (dialog), want) == 0;
}

static void
wait_for_import_state (ObImportDialog *dialog,
                       const char     *state)
{
  g_object_set_data_full (G_OBJECT (dialog), "want", g_strdup (state), g_free);
  wait_until (import_state_is, dialog);
}

/* A Polish spreadsheet export: semicolons, Windows-1250, a bad address, a
 * duplicate; through the assistant to the list and the search. */
static void
test_import_assistant (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = g_build_filename (f->dir, "lista.csv", NULL);
  g_autofree char *utf8 = g_strdup ("Adres e-mail;Imię;Nazwisko;Firma;Profil LinkedIn\r\n"
                                    "anna@firma.test;Anna;Żółć;Firma A;https://example.test/in/anna\r\n"
                                    "nie-adres;Jan;Nowak;Firma B;\r\n"
                                    "ANNA@firma.test;Anna;;;\r\n"
                                    "piotr@biuro.test;Piotr;Wiśniewski;Biuro;\r\n");
  g_autofree char *legacy = NULL;
  gsize legacy_len;
  ObImportDialog *dialog;
  GtkWidget *page;
  GListModel *rows;

  legacy = g_convert (utf8, -1, "WINDOWS-1250", "UTF-8", NULL, &legacy_len, &error);
  g_assert_no_error (error);
  g_file_set_contents (csv_path, legacy, (gssize) legacy_len, &error);
  g_assert_no_error (error);

  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 760);
  {
    g_autoptr(GFile) file = g_file_new_for_path (csv_path);

    dialog = ob_window_import_file (f->window, file);
  }
  g_assert_nonnull (dialog);
  wait_for_import_state (dialog, "setup");
  save_screenshot (GTK_WIDGET (dialog), "import-setup");

  ob_import_dialog_import (dialog);
  wait_for_import_state (dialog, "report");
  save_screenshot (GTK_WIDGET (dialog), "import-report");
  gtk_window_close (GTK_WINDOW (dialog));

  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObProspectsPage")));
  rows = G_LIST_MODEL (gtk_column_view_get_model (find_descendant (page, GTK_TYPE_COLUMN_VIEW)));
  wait_for_rows (rows, 2);
  {
    g_autoptr(ObProspect) first = g_list_model_get_item (rows, 1);

    g_assert_cmpstr (ob_prospect_get_email (first), ==, "anna@firma.test");
    g_assert_cmpstr (ob_prospect_get_last_name (first), ==, "Żółć");
    g_assert_nonnull (ob_prospect_get_field (first, "profil_linkedin"));
  }

  /* Searchable by a Polish substring once indexed (or meanwhile). */
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (page, GTK_TYPE_SEARCH_ENTRY)), "wiśn");
  wait_for_rows (rows, 1);
  save_screenshot (GTK_WIDGET (f->window), "prospects-after-import");
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (page, GTK_TYPE_SEARCH_ENTRY)), "");
  wait_for_rows (rows, 2);

  /* Add the selection to a campaign, then filter the list by it. */
  {
    ObEngine *engine = ob_window_get_engine (f->window);
    g_autoptr(sqlite3_stmt) stmt = NULL;
    GtkDropDown *campaign_filter = NULL;

    ob_store_exec (ob_engine_get_store (engine),
                   "INSERT INTO campaigns (id, name) VALUES (7, 'Q1 founders')", &error);
    g_assert_no_error (error);
    ob_engine_notify_store_changed (engine, "campaigns");
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (rows), 0, TRUE);
    gtk_widget_activate_action (page, "prospects.enroll", "x", (gint64) 7);
    stmt = ob_store_prepare (ob_engine_get_store (engine),
                             "SELECT count(*) FROM enrollments WHERE campaign_id = 7", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);

    /* The filter button's popover holds the campaign dropdown first. */
    {
      GtkMenuButton *filters = find_descendant (page, GTK_TYPE_MENU_BUTTON);
      GtkPopover *popover = gtk_menu_button_get_popover (filters);

      g_assert_nonnull (popover);
      campaign_filter = find_descendant (GTK_WIDGET (popover), GTK_TYPE_DROP_DOWN);
    }
    g_assert_nonnull (campaign_filter);
    gtk_drop_down_set_selected (campaign_filter, 1);
    wait_for_rows (rows, 1);
  }

  /* Export what the filter shows; it reads back as CSV with a header. */
  {
    g_autofree char *out_path = g_build_filename (f->dir, "export.csv", NULL);
    g_autoptr(GFile) out = g_file_new_for_path (out_path);
    g_autofree char *contents = NULL;

    ob_prospects_page_export (OB_PROSPECTS_PAGE (page), out);
    wait_until (file_written, out_path);
    g_assert_true (g_file_get_contents (out_path, &contents, NULL, NULL));
    g_assert_true (g_str_has_prefix (contents, "email,"));
    g_assert_nonnull (strstr (contents, "piotr@biuro.test"));
    g_assert_null (strstr (contents, "anna@firma.test"));
  }
}

static gboolean
dnc_has_entries (gpointer data)
{
  return ob_dnc_window_get_n_entries (data) == 2;
}

static void
test_do_not_contact (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObEngine *engine;
  GtkWidget *page;
  GListModel *rows;
  FindWindow fw = { f, OB_TYPE_DNC_WINDOW, NULL };

  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);
  seed_prospect (engine, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  seed_prospect (engine, "bob@spam.test", "Bob", "Stone", "Spam Inc");
  seed_prospect (engine, "cid@spam.test", "Cid", "Moe", "Spam Inc");
  ob_engine_notify_store_changed (engine, "prospects");
  ob_window_set_page (f->window, "prospects");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObProspectsPage")));
  rows = G_LIST_MODEL (gtk_column_view_get_model (find_descendant (page, GTK_TYPE_COLUMN_VIEW)));
  wait_for_rows (rows, 3);

  /* Block one prospect from the list... */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (rows), 2, TRUE);
  gtk_widget_activate_action (page, "prospects.block", NULL);
  g_assert_true (ob_dnc_matches (ob_engine_get_store (engine), "ann@acme.test", "acme.test", NULL));

  /* ...and a whole domain from the manager. */
  gtk_widget_activate_action (page, "prospects.do-not-contact", NULL);
  wait_until (window_of_type_shown, &fw);
  g_assert_false (ob_dnc_window_add (OB_DNC_WINDOW (fw.found), "not an address", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (ob_dnc_window_add (OB_DNC_WINDOW (fw.found), "@Spam.test", &error));
  g_assert_no_error (error);
  wait_until (dnc_has_entries, fw.found);
  g_assert_true (ob_dnc_matches (ob_engine_get_store (engine), "bob@spam.test", "spam.test", NULL));
  save_screenshot (GTK_WIDGET (fw.found), "do-not-contact");
}

static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_PREFERENCES_ROW (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        return child;
      found = find_row_titled (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
set_row (GtkWidget  *dialog,
         const char *title,
         const char *text)
{
  GtkWidget *row = find_row_titled (dialog, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
        return child;
      found = find_named (child, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
dialog_left_form (gpointer data)
{
  return g_strcmp0 (ob_account_dialog_get_state (data), "form") != 0;
}

static gboolean
dialog_settled (gpointer data)
{
  ObAccountDialog *dialog = data;

  return g_strcmp0 (ob_account_dialog_get_state (dialog), "saving") != 0;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;
  return n;
}

typedef struct
{
  GtkListBox *list;
  const char *subtitle_part;
} ListWait;

static gboolean
list_shows (gpointer data)
{
  ListWait *w = data;
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (w->list));

  if (w->subtitle_part == NULL)
    return row == NULL;
  return row != NULL && ADW_IS_ACTION_ROW (row) &&
         (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), w->subtitle_part) != NULL ||
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                     w->subtitle_part) == 0);
}

static ObAccountDialog *
open_account_dialog (Fixture    *f,
                     GtkWidget  *page,
                     const char *action,
                     GVariant   *target)
{
  FindWindow fw = { f, OB_TYPE_ACCOUNT_DIALOG, NULL };

  gtk_widget_activate_action_variant (page, action, target);
  wait_until (window_of_type_shown, &fw);
  g_assert_true (gtk_window_get_transient_for (fw.found) == GTK_WINDOW (f->window));
  /* Held, so that its state can be read after it closed itself. */
  return g_object_ref (OB_ACCOUNT_DIALOG (fw.found));
}

/* A browser that agrees: follows the consent page's redirect back to the
 * dialog's loopback server, on a thread of its own. */
static gpointer
ui_browser_thread (gpointer data)
{
  g_autofree char *url = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return GUINT_TO_POINTER (soup_message_get_status (message));
}

static void
ui_open_in_browser (const char *uri,
                    gpointer    user_data)
{
  GThread **thread = user_data;

  g_assert_null (*thread);
  *thread = g_thread_new ("browser", ui_browser_thread, g_strdup (uri));
}

static GtkWidget *
find_button_labelled (GtkWidget  *root,
                      const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      found = find_button_labelled (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
row_has_sign_in_again (gpointer data)
{
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (data));

  return row != NULL && find_button_labelled (row, "_Sign In Again") != NULL;
}

/* "Sign in with Google": the two buttons beside the password presets, the
 * servers filled in, no password asked; without a client ID a clear error
 * and nothing added; with one (tests/oauth-server.c), the browser flow and
 * the tokens in the keyring; a held account signs in again from its row. */
static void
test_accounts_sign_in_with_google (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(ObAccount) stored = NULL;
  g_autofree char *authorize = NULL;
  g_autofree char *token = NULL;
  OAuthServer *server = oauth_server_start (0, "ui-client", "ui-secret", "rep@gmail.com");
  ObAccountDialog *dialog;
  ObEngine *engine;
  GtkWidget *page;
  GtkListBox *list;
  GThread *browser = NULL;

  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);
  ob_window_set_page (f->window, "accounts");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObAccountsPage")));
  list = GTK_LIST_BOX (find_named (page, "accounts-list"));

  dialog = open_account_dialog (f, page, "accounts.add", NULL);
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "provider");
  {
    GtkWidget *google = find_row_titled (GTK_WIDGET (dialog), "Sign in with Google");
    GtkWidget *microsoft = find_row_titled (GTK_WIDGET (dialog), "Sign in with Microsoft");

    g_assert_nonnull (google);
    g_assert_nonnull (microsoft);
    g_assert_true (gtk_widget_get_visible (google) && gtk_widget_get_visible (microsoft));
    g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (google)));
    g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (microsoft)));
    /* Beside the password presets, on the same page. */
    g_assert_nonnull (find_row_titled (GTK_WIDGET (dialog), "Fastmail"));
    save_screenshot (GTK_WIDGET (dialog), "account-providers-oauth");
    gtk_widget_activate (google);
  }
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
  g_assert_false (gtk_widget_get_visible (find_row_titled (GTK_WIDGET (dialog), "Password")));
  set_row (GTK_WIDGET (dialog), "Email Address", "rep@gmail.com");

  /* No client ID: said so, nothing added. */
  g_settings_reset (settings, "oauth-google-client-id");
  ob_account_dialog_save (dialog);
  wait_until (dialog_settled, dialog);
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
  g_assert_nonnull (strstr (ob_account_dialog_get_error (dialog), "Preferences"));
  g_assert_null (ob_accounts_get_by_name (ob_engine_get_store (engine), "rep@gmail.com", NULL));

  /* With one: the browser, then the account with the preset's servers. */
  authorize = oauth_server_url (server, "/authorize");
  token = oauth_server_url (server, "/token");
  g_settings_set_string (settings, "oauth-google-client-id", "ui-client");
  g_settings_set_string (settings, "oauth-google-client-secret", "ui-secret");
  g_settings_set_string (settings, "oauth-google-authorize-url", authorize);
  g_settings_set_string (settings, "oauth-google-token-url", token);
  ob_account_dialog_set_uri_opener (dialog, ui_open_in_browser, &browser);
  ob_account_dialog_save (dialog);
  wait_until (dialog_settled, dialog);
  g_assert_nonnull (browser);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (g_steal_pointer (&browser))), ==, 200);
  g_assert_null (ob_account_dialog_get_error (dialog));
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "done");
  g_object_unref (dialog);
  wait_until (list_shows, &(ListWait) { list, "smtp.gmail.com" });
  stored = ob_accounts_get_by_name (ob_engine_get_store (engine), "rep@gmail.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->auth_method, ==, "oauth2");
  g_assert_cmpstr (stored->oauth_provider, ==, "google");
  g_assert_cmpstr (stored->imap_host, ==, "imap.gmail.com");
  {
    g_autoptr(ObSecret) refresh = ob_secrets_lookup_sync (stored->keyring_id,
                                                          OB_SECRET_OAUTH2_REFRESH, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (refresh);
  }
  g_assert_cmpuint (oauth_server_count (server, "code"), ==, 1);

  /* Held by the sender (the sign-in was revoked): Sign In Again on its row. */
  g_assert_true (ob_accounts_set_state (ob_engine_get_store (engine), stored->id,
                                        OB_ACCOUNT_STATE_ERROR,
                                        "Google no longer accepts this sign-in", 0, &error));
  ob_engine_notify_store_changed (engine, "accounts");
  wait_until (row_has_sign_in_again, list);
  save_screenshot (GTK_WIDGET (f->window), "accounts-sign-in-again");
  {
    g_autoptr(ObAccount) again = NULL;
    GtkWidget *button;

    /* The row's button opens the editor already signing in, in the system
     * browser; here the editor is opened first so that the test's browser
     * is the one, then its own Sign In Again does the same. */
    dialog = open_account_dialog (f, page, "accounts.edit", g_variant_new_int64 (stored->id));
    button = find_button_labelled (GTK_WIDGET (dialog), "_Sign In Again");
    g_assert_nonnull (button);
    g_assert_true (gtk_widget_get_visible (button));
    ob_account_dialog_set_uri_opener (dialog, ui_open_in_browser, &browser);
    ob_account_dialog_sign_in_again (dialog);
    wait_until (dialog_settled, dialog);
    g_assert_nonnull (browser);
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (g_steal_pointer (&browser))), ==, 200);
    g_assert_null (ob_account_dialog_get_error (dialog));
    g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
    again = ob_accounts_get (ob_engine_get_store (engine), stored->id, &error);
    g_assert_cmpint (again->state, ==, OB_ACCOUNT_STATE_OK);
    g_assert_cmpuint (oauth_server_count (server, "code"), ==, 2);
    gtk_window_destroy (GTK_WINDOW (dialog));
    g_object_unref (dialog);
  }

  ob_secrets_delete_sync (stored->keyring_id, NULL, NULL);
  g_settings_reset (settings, "oauth-google-client-id");
  g_settings_reset (settings, "oauth-google-client-secret");
  g_settings_reset (settings, "oauth-google-authorize-url");
  g_settings_reset (settings, "oauth-google-token-url");
  oauth_server_stop (server);
}

/* The Accounts page end to end: the assistant with a preset, the list, the
 * editor, removal with its confirmation; the password in the real keyring. */
static void
test_accounts_add_edit_remove (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *password = g_strdup_printf ("ui-%s", uuid);
  g_autofree char *email = g_strdup_printf ("rep-%.8s@fastmail.com", uuid);
  g_autoptr(ObAccount) stored = NULL;
  ObAccountDialog *dialog;
  ObEngine *engine;
  GtkWidget *page;
  GtkListBox *list;

  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 760);
  engine = ob_window_get_engine (f->window);
  ob_window_set_page (f->window, "accounts");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObAccountsPage")));
  g_assert_true (ob_page_is_empty (OB_PAGE (page)));
  list = GTK_LIST_BOX (find_named (page, "accounts-list"));
  g_assert_nonnull (list);

  /* Add: a provider first, as a row the keyboard can reach. */
  dialog = open_account_dialog (f, page, "accounts.add", NULL);
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "provider");
  save_screenshot (GTK_WIDGET (dialog), "account-providers");
  {
    GtkWidget *fastmail = find_row_titled (GTK_WIDGET (dialog), "Fastmail");

    g_assert_nonnull (fastmail);
    g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (fastmail)));
    gtk_widget_activate (fastmail);
  }
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
  set_row (GTK_WIDGET (dialog), "Email Address", email);
  set_row (GTK_WIDGET (dialog), "Your Name, as Recipients See It", "Rep Żółć");
  set_row (GTK_WIDGET (dialog), "Password", password);
  /* A pause under 30 s is allowed, with a warning beside it. */
  {
    GtkWidget *pause = find_row_titled (GTK_WIDGET (dialog),
                                        "Shortest Pause Between Sends (Seconds)");
    GtkWidget *longest = find_row_titled (GTK_WIDGET (dialog),
                                          "Longest Pause Between Sends (Seconds)");
    GtkSpinButton *min = find_descendant (pause, GTK_TYPE_SPIN_BUTTON);
    GtkSpinButton *max = find_descendant (longest, GTK_TYPE_SPIN_BUTTON);

    const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (pause));

    g_assert_true (subtitle == NULL || subtitle[0] == '\0');
    gtk_spin_button_set_value (min, 10);
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (pause)), "30 seconds"));
    /* Longer than the longest: refused in the form, nothing written. */
    gtk_spin_button_set_value (max, 5);
    ob_account_dialog_save (dialog);
    g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
    g_assert_nonnull (ob_account_dialog_get_error (dialog));
    save_screenshot (GTK_WIDGET (dialog), "account-form-error");
    gtk_spin_button_set_value (max, 40);
    g_assert_null (ob_account_dialog_get_error (dialog));
  }
  /* Tall enough to show the whole form; then as narrow as a phone. */
  gtk_window_set_default_size (GTK_WINDOW (dialog), 560, 1000);
  save_screenshot (GTK_WIDGET (dialog), "account-form");
  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, 700);
  save_screenshot (GTK_WIDGET (dialog), "account-form-narrow");
  ob_account_dialog_save (dialog);
  wait_until (dialog_settled, dialog);
  g_assert_null (ob_account_dialog_get_error (dialog));
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "done");
  g_object_unref (dialog);

  /* Listed, with the preset's servers; the password in the keyring only. */
  wait_until (list_shows, &(ListWait) { list, "smtp.fastmail.com" });
  wait_until (page_has_content, page);
  g_assert_cmpuint (count_rows (list), ==, 1);
  stored = ob_accounts_get_by_name (ob_engine_get_store (engine), email, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->display_name, ==, "Rep Żółć");
  g_assert_cmpstr (stored->imap_host, ==, "imap.fastmail.com");
  g_assert_cmpint (stored->pause_min, ==, 10);
  g_assert_cmpint (stored->pause_max, ==, 40);
  g_assert_cmpint (stored->daily_limit, ==, 50);
  {
    g_autoptr(ObSecret) smtp = ob_secrets_lookup_sync (stored->keyring_id, OB_SECRET_SMTP,
                                                       NULL, &error);
    g_autoptr(ObSecret) imap = ob_secrets_lookup_sync (stored->keyring_id, OB_SECRET_IMAP,
                                                       NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (smtp, ==, password);
    g_assert_cmpstr (imap, ==, password);
  }
  save_screenshot (GTK_WIDGET (f->window), "accounts-list");

  /* Edit: a row opens the editor; the password left empty stays. */
  dialog = open_account_dialog (f, page, "accounts.edit", g_variant_new_int64 (stored->id));
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
  set_row (GTK_WIDGET (dialog), "Account Name (Empty: the Address)", "Rep at Fastmail");
  {
    GtkWidget *limit = find_row_titled (GTK_WIDGET (dialog), "New First Emails per Day");

    gtk_spin_button_set_value (find_descendant (limit, GTK_TYPE_SPIN_BUTTON), 25);
  }
  /* Test Connection says which side failed (no real server answers for
   * this password; tests/test-watch.c tests success against the mail bed). */
  ob_account_dialog_test (dialog);
  wait_until (dialog_settled, dialog);
  g_assert_nonnull (ob_account_dialog_get_error (dialog));
  g_assert_true (g_str_has_prefix (ob_account_dialog_get_error (dialog), "SMTP: "));
  save_screenshot (GTK_WIDGET (dialog), "account-edit");
  /* Enter in a field saves: Save is the window's default. */

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "default.activate", NULL));
  /* The button shows itself pressed a moment, then clicks. */
  wait_until (dialog_left_form, dialog);
  wait_until (dialog_settled, dialog);
  g_assert_null (ob_account_dialog_get_error (dialog));
  g_object_unref (dialog);
  wait_until (list_shows, &(ListWait) { list, "Rep at Fastmail" });
  {
    g_autoptr(ObAccount) edited = ob_accounts_get (ob_engine_get_store (engine), stored->id,
                                                   &error);
    g_autoptr(ObSecret) smtp = ob_secrets_lookup_sync (stored->keyring_id, OB_SECRET_SMTP,
                                                       NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (edited->name, ==, "Rep at Fastmail");
    g_assert_cmpint (edited->daily_limit, ==, 25);
    g_assert_cmpstr (edited->keyring_id, ==, stored->keyring_id);
    g_assert_cmpstr (smtp, ==, password);
  }

  /* Remove, confirmed; refused first while a campaign sends from it. */
  {
    g_autofree char *sql = g_strdup_printf ("INSERT INTO campaigns (name, account_id)"
                                            " VALUES ('Q1 founders', %lld)",
                                            (long long) stored->id);

    ob_store_exec (ob_engine_get_store (engine), sql, &error);
    g_assert_no_error (error);
  }
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      FindWindow fw = { f, ADW_TYPE_MESSAGE_DIALOG, NULL };

      dialog = open_account_dialog (f, page, "accounts.edit", g_variant_new_int64 (stored->id));
      ob_account_dialog_remove (dialog);
      wait_until (window_of_type_shown, &fw);
      if (attempt == 0)
        save_screenshot (GTK_WIDGET (fw.found), "account-remove-confirm");
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (fw.found), "remove");
      wait_until (dialog_settled, dialog);
      if (attempt == 0)
        {
          g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "form");
          g_assert_nonnull (strstr (ob_account_dialog_get_error (dialog), "Q1 founders"));
          gtk_window_destroy (GTK_WINDOW (dialog));
          ob_store_exec (ob_engine_get_store (engine), "DELETE FROM campaigns", &error);
          g_assert_no_error (error);
        }
      else
        g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "done");
      g_object_unref (dialog);
    }

  wait_until (list_shows, &(ListWait) { list, NULL });
  g_assert_null (ob_accounts_get (ob_engine_get_store (engine), stored->id, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ob_secrets_lookup_sync (stored->keyring_id, OB_SECRET_SMTP, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  wait_until (page_is_empty, page);
  save_screenshot (GTK_WIDGET (f->window), "accounts-after-remove");
}

static gboolean
widget_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* A server whose certificate the system does not trust: Test Connection
 * refuses it, shows its details and pins exactly that one on the rep's
 * word; the next test passes. The scripted server makes a fresh
 * self-signed certificate for "localhost" (reached as 127.0.0.1, so the
 * host name does not match either). */
static void
test_accounts_trust_certificate (Fixture       *f,
                                 gconstpointer  data)
{
  g_auto(FaultServer) server = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAccount) account = ob_account_new ();
  g_autoptr(ObAccount) stored = NULL;
  g_autofree char *email = NULL;
  FindWindow fw = { f, ADW_TYPE_MESSAGE_DIALOG, NULL };
  ObAccountDialog *dialog;
  ObEngine *engine;
  GtkWidget *page;
  const char *body;
  const char *fingerprint;

  fault_server_start (&server, "--tls", "implicit", "--self-signed", "@DIR@", NULL);
  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);
  email = g_strdup_printf ("rep-%d@example.test", server.port);
  g_free (account->name);
  account->name = g_strdup (email);
  g_free (account->email);
  account->email = g_strdup (email);
  g_free (account->smtp_host);
  account->smtp_host = g_strdup ("127.0.0.1");
  account->smtp_port = server.port;
  account->smtp_security = OB_SECURITY_TLS;
  g_free (account->smtp_user);
  account->smtp_user = g_strdup ("rep");
  g_assert_true (ob_accounts_add (ob_engine_get_store (engine), account, &error));
  g_assert_no_error (error);
  g_assert_true (ob_account_store_passwords (account, "good", NULL, NULL, &error));
  g_assert_no_error (error);

  ob_window_set_page (f->window, "accounts");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObAccountsPage")));
  dialog = open_account_dialog (f, page, "accounts.edit", g_variant_new_int64 (account->id));
  ob_account_dialog_test (dialog);
  wait_until (window_of_type_shown, &fw);
  g_assert_true (gtk_window_get_transient_for (fw.found) == GTK_WINDOW (dialog));
  g_assert_nonnull (ob_account_dialog_get_error (dialog));
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (fw.found));
  g_assert_nonnull (strstr (body, "localhost"));
  fingerprint = strstr (body, "SHA-256 fingerprint:\n");
  g_assert_nonnull (fingerprint);
  gtk_window_set_default_size (fw.found, 360, -1);
  save_screenshot (GTK_WIDGET (fw.found), "account-trust-certificate");

  /* Cancel trusts nothing (and the question goes away). */
  {
    g_autoptr(GtkWidget) question = g_object_ref (GTK_WIDGET (fw.found));

    /* What the button does: the response, then the dialog closes */
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (question), "cancel");
    gtk_window_close (GTK_WINDOW (question));
    wait_until (widget_unmapped, question);
  }
  wait_until (dialog_settled, dialog);
  stored = ob_accounts_get (ob_engine_get_store (engine), account->id, &error);
  g_assert_no_error (error);
  g_assert_true (stored->smtp_pins == NULL || stored->smtp_pins[0] == NULL);
  g_clear_pointer (&stored, ob_account_free);

  /* Trust: exactly the certificate shown, then the test passes. */
  fw.found = NULL;
  ob_account_dialog_test (dialog);
  wait_until (window_of_type_shown, &fw);
  fingerprint = strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (fw.found)),
                        "SHA-256 fingerprint:\n");
  g_assert_nonnull (fingerprint);
  fingerprint += strlen ("SHA-256 fingerprint:\n");
  {
    /* Shown as AB:CD:..., stored as the pin's normal form */
    g_autofree char *shown = g_strndup (fingerprint, strcspn (fingerprint, "\n"));
    g_autofree char *sha256 = ob_tls_normalize_pin (shown);

    g_assert_cmpuint (strlen (shown), ==, 32 * 3 - 1);
    g_assert_nonnull (sha256);

    adw_message_dialog_response (ADW_MESSAGE_DIALOG (fw.found), "trust");
    wait_until (dialog_settled, dialog);
    g_assert_cmpstr (ob_account_dialog_get_error (dialog), ==, NULL);
    stored = ob_accounts_get (ob_engine_get_store (engine), account->id, &error);
    g_assert_no_error (error);
    g_assert_nonnull (stored->smtp_pins);
    g_assert_cmpuint (g_strv_length (stored->smtp_pins), ==, 1);
    g_assert_cmpstr (stored->smtp_pins[0], ==, sha256);
  }
  save_screenshot (GTK_WIDGET (dialog), "account-trusted");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}

/* ---- Campaigns ------------------------------------------------------------- */

static GtkButton *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0
          && gtk_widget_get_mapped (child))
        return GTK_BUTTON (child);
      found = find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  ObEngine        *engine;
  gint64           id;
  const char      *subject;
  guint            n_steps;
  ObCampaignState  state;
} SavedCampaign;

static gboolean
campaign_saved (gpointer data)
{
  SavedCampaign *expected = data;
  g_autoptr(ObCampaign) c = ob_campaign_load (ob_engine_get_store (expected->engine), expected->id, NULL);

  return c != NULL && ob_campaign_get_n_steps (c) == expected->n_steps
         && g_strcmp0 (ob_campaign_get_step (c, 1)->subject, expected->subject) == 0
         && c->state == expected->state;
}

typedef struct
{
  AdwViewStack *stack;
  guint         blockers;
} Badge;

static gboolean
check_badge_is (gpointer data)
{
  Badge *badge = data;
  AdwViewStackPage *page = adw_view_stack_get_page (badge->stack,
                                                    adw_view_stack_get_child_by_name (badge->stack, "check"));
  AdwStatusPage *status = find_descendant (adw_view_stack_page_get_child (page), ADW_TYPE_STATUS_PAGE);
  gboolean ready = g_str_has_prefix (adw_status_page_get_title (status),
                                     badge->blockers == 0 ? "Ready" : "1 Problem");

  return adw_view_stack_page_get_badge_number (page) == badge->blockers && ready;
}

/* A refused start shows the blockers; the Start action is usable again. */
static gboolean
check_page_shown (gpointer data)
{
  GtkWidget *window = gtk_widget_get_ancestor (data, GTK_TYPE_WINDOW);

  return g_strcmp0 (adw_view_stack_get_visible_child_name (data), "check") == 0
         && gtk_widget_is_sensitive (GTK_WIDGET (find_button (window, "_Start")));
}

static gboolean
switcher_at_bottom (gpointer data)
{
  AdwViewSwitcherBar *bar = find_descendant (data, ADW_TYPE_VIEW_SWITCHER_BAR);

  return bar != NULL && adw_view_switcher_bar_get_reveal (bar);
}

/* The window has taken the start in: its button pauses now. */
static gboolean
pause_offered (gpointer data)
{
  GtkButton *button = find_button (data, "_Pause");

  return button != NULL && gtk_widget_is_sensitive (GTK_WIDGET (button));
}

typedef struct
{
  GtkLabel   *label;
  const char *text;
} LabelText;

static gboolean
label_is (gpointer data)
{
  LabelText *expected = data;

  return g_strcmp0 (gtk_label_get_label (expected->label), expected->text) == 0;
}

static void
set_body (ObStepEditor *editor,
          const char   *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (ob_step_editor_get_body_view (editor)), text, -1);
}

/* Build a 3-step campaign, fix a pre-flight blocker, preview, start, pause. */
static void
test_campaign_editor (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  FindWindow fw = { f, OB_TYPE_CAMPAIGN_WINDOW, NULL };
  ObEngine *engine;
  ObStore *store;
  GtkWidget *page;
  GtkWidget *window;
  ObStepEditor *editors[4];
  AdwViewStack *stack;
  AdwComboRow *step_row;
  SavedCampaign saved;
  Badge badge;
  LabelText subject;
  gint64 id;
  gint64 prospects[3];
  ObEnrollResult result;

  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);
  store = ob_engine_get_store (engine);
  ob_store_exec (store,
                 "INSERT INTO accounts (name, email, display_name, smtp_host, smtp_port, smtp_security)"
                 " VALUES ('rep', 'rep@example.test', 'Rita Rep', 'localhost', 587, 'starttls')",
                 &error);
  g_assert_no_error (error);
  seed_prospect (engine, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  seed_prospect (engine, "bob@beta.test", "Bob", "Stone", "Beta Ltd");
  seed_prospect (engine, "tim@tbd.test", "Tim", "Moe", "TBD");
  ob_engine_notify_store_changed (engine, "prospects");

  ob_window_set_page (f->window, "campaigns");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObCampaignsPage")));
  gtk_widget_activate_action (page, "campaigns.new", NULL);
  wait_until (window_of_type_shown, &fw);
  window = GTK_WIDGET (fw.found);
  id = ob_campaign_window_get_campaign_id (OB_CAMPAIGN_WINDOW (window));
  g_assert_cmpint (id, >, 0);

  /* The defaults: a first email and follow-ups on day 3, 6 and 12. */
  editors[0] = find_descendant (window, OB_TYPE_STEP_EDITOR);
  g_assert_nonnull (editors[0]);
  for (guint i = 1; i < 4; i++)
    {
      editors[i] = OB_STEP_EDITOR (gtk_widget_get_next_sibling (GTK_WIDGET (editors[i - 1])));
      g_assert_nonnull (editors[i]);
    }
  g_assert_null (gtk_widget_get_next_sibling (GTK_WIDGET (editors[3])));

  /* Three steps are enough. */
  gtk_widget_activate_action (GTK_WIDGET (editors[3]), "step.delete", NULL);
  g_assert_null (gtk_widget_get_next_sibling (GTK_WIDGET (editors[2])));
  gtk_editable_set_text (ob_step_editor_get_subject (editors[0]), "Quick question, {{first_name|there}}");
  set_body (editors[0], "Hi {{first_name|there}},\n\nHow is {{company}} doing?");
  set_body (editors[1], "Just bringing this up in case it got buried.");
  set_body (editors[2], "Last note from me, {{first_name}}.");
  saved = (SavedCampaign) { engine, id, "Quick question, {{first_name|there}}", 3, OB_CAMPAIGN_DRAFT };
  wait_until (campaign_saved, &saved);

  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    prospects[i] = i + 1;
  g_assert_true (ob_prospects_enroll (store, id, prospects, 3, FALSE, &result, &error));
  g_assert_no_error (error);
  ob_engine_notify_store_changed (engine, "enrollments");

  /* "TBD" as a company is a blocker; starting is refused and shows it. */
  stack = find_descendant (window, ADW_TYPE_VIEW_STACK);
  badge = (Badge) { stack, 1 };
  wait_until (check_badge_is, &badge);
  gtk_widget_activate_action (window, "campaign.toggle-state", NULL);
  wait_until (check_page_shown, stack);
  wait_until (campaign_saved, &saved);
  wait_for_paint (window);
  save_screenshot (window, "campaign-check");

  /* Leave Tim out: nothing blocks any more. */
  gtk_widget_activate (GTK_WIDGET (find_button (window, "Leave Out")));
  badge.blockers = 0;
  wait_until (check_badge_is, &badge);

  /* The second step, as Ann would receive it. */
  adw_view_stack_set_visible_child_name (stack, "preview");
  step_row = ADW_COMBO_ROW (gtk_widget_get_next_sibling (
    GTK_WIDGET (find_descendant (adw_view_stack_get_child_by_name (stack, "preview"), ADW_TYPE_COMBO_ROW))));
  g_assert_nonnull (step_row);
  adw_combo_row_set_selected (step_row, 1);
  subject = (LabelText) { GTK_LABEL (find_named (window, "preview-subject")), "Re: Quick question, Ann" };
  wait_until (label_is, &subject);
  wait_for_paint (window);
  save_screenshot (window, "campaign-preview");

  adw_view_stack_set_visible_child_name (stack, "sequence");
  wait_for_paint (window);
  save_screenshot (window, "campaign-sequence");

  /* Phone width (360 px, GNOME's smallest): the switcher moves to the
   * bottom and every page fits, nothing is cut off. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 760);
  adw_view_stack_set_visible_child_name (stack, "settings");
  wait_until (switcher_at_bottom, window);
  wait_for_paint (window);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 360);
  save_screenshot (window, "campaign-settings-narrow");
  adw_view_stack_set_visible_child_name (stack, "sequence");
  wait_for_paint (window);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 360);
  save_screenshot (window, "campaign-sequence-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 920, 780);

  /* Start, then pause. */
  gtk_widget_activate_action (window, "campaign.toggle-state", NULL);
  saved.state = OB_CAMPAIGN_RUNNING;
  wait_until (campaign_saved, &saved);
  wait_until (pause_offered, window);
  gtk_widget_activate_action (window, "campaign.toggle-state", NULL);
  saved.state = OB_CAMPAIGN_PAUSED;
  wait_until (campaign_saved, &saved);

  /* The page lists it. */
  gtk_window_destroy (GTK_WINDOW (window));
  wait_for_paint (GTK_WIDGET (f->window));
  save_screenshot (GTK_WIDGET (f->window), "campaigns-list");
}

/* ---- Dashboard ------------------------------------------------------------- */

/* Two mailboxes (one needs the user), a running and a paused campaign, 240
 * prospects, a month of sends and replies ending now, a few bounces,
 * auto-replies and opt-outs; each event a real enrollment's. */
static const char dashboard_seed[] =
  "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security, daily_limit, pause_min, pause_max,"
  " state, state_reason)"
  " VALUES (1, 'Work', 'rita@northwind.test', 'localhost', 587, 'starttls', 60, 0, 0, 'ok', ''),"
  "        (2, 'Sales relay', 'sales@northwind.test', 'localhost', 587, 'starttls', 40, 0, 0, 'error',"
  "         'The server refused the password');"
  "INSERT INTO campaigns (id, name, account_id, state, state_reason, timezone, window_start, window_end, days,"
  " pause_min, pause_max)"
  " VALUES (1, 'Q1 founders', 1, 'running', '', '', 0, 1440, 127, 0, 0),"
  "        (2, 'Agencies', 2, 'paused', 'bounce-shield: 5 of 120 bounced in 28 days (limit 2.0 %)', '', 540, 1020, 31, 60, 180);"
  "INSERT INTO steps (campaign_id, position, subject, body, delay_amount, delay_unit)"
  " VALUES (1, 1, 'Quick question', 'Hi', 0, 'd'), (1, 2, '', 'Following up', 3, 'd'), (1, 3, '', 'Last note', 4, 'd'),"
  "        (2, 1, 'Hello', 'Hi', 0, 'd'), (2, 2, '', 'Again', 3, 'd');"
  "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 240)"
  " INSERT INTO prospects (id, email, email_key, domain, first_name)"
  " SELECT i, lower (f) || '.' || i || '@' || d, lower (f) || '.' || i || '@' || d, d, f FROM"
  " (SELECT i, CASE i % 8 WHEN 0 THEN 'Ann' WHEN 1 THEN 'Bob' WHEN 2 THEN 'Chen' WHEN 3 THEN 'Dana'"
  "   WHEN 4 THEN 'Eva' WHEN 5 THEN 'Femi' WHEN 6 THEN 'Gosia' ELSE 'Hugo' END AS f,"
  "   CASE i % 5 WHEN 0 THEN 'acme.test' WHEN 1 THEN 'globex.test' WHEN 2 THEN 'initech.test'"
  "   WHEN 3 THEN 'umbrella.test' ELSE 'hooli.test' END AS d FROM n);"
  "INSERT INTO enrollments (id, campaign_id, prospect_id, state, next_step, due_at)"
  " SELECT id, 1 + (id > 180), id, CASE WHEN id % 9 = 0 THEN 'replied' WHEN id % 31 = 0 THEN 'bounced'"
  "   WHEN id % 37 = 0 THEN 'opted_out' ELSE 'active' END, 1 + id % 3, unixepoch () - 3600 + id * 600"
  " FROM prospects;"
  /* Today's first emails: what counts against the limit. */
  "INSERT INTO sends (enrollment_id, step_position, account_id, state, message_id, sent_at)"
  " SELECT id, 1, 1, 'sent', '<' || id || '@t>', unixepoch () - id * 60 FROM enrollments WHERE id <= 12;"
  /* A month of history: every day some first emails and follow-ups, replies
   * a few days later. */
  /* A ramp over the month with quiet weekends: day d (0 today) gets
   * 12 + 30 * (29 - d) / 29 messages, a third on weekend days. */
  "WITH RECURSIVE d (d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM d WHERE d < 29),"
  " k (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 41)"
  " INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, step_position)"
  " SELECT unixepoch () - d * 86400 - (k * 7919) % 30000, 'sent', 1 + (p > 180), 1 + (p > 180), p, p, 1 + k % 3"
  " FROM (SELECT d, k, 1 + (d * 41 + k) * 37 % 240 AS p FROM d, k"
  "       WHERE k < (12 + 30 * (29 - d) / 29) / (CASE WHEN d % 7 IN (2, 3) THEN 3 ELSE 1 END));"
  /* Replies: one or two a day, more as the month goes on. */
  "WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 25)"
  " INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, step_position)"
  " SELECT unixepoch () - (i * 11 % 29) * 86400 - 7200, 'replied', 1 + (p > 180), 1 + (p > 180), p, p, 1 + i % 3"
  " FROM (SELECT i, 9 * (i + 1) AS p FROM n);"
  "INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, step_position) VALUES"
  " (unixepoch () - 5 * 86400, 'bounced', 1, 1, 31, 31, 1), (unixepoch () - 9 * 86400, 'bounced', 1, 1, 62, 62, 1),"
  " (unixepoch () - 3 * 86400, 'auto_replied', 1, 1, 14, 14, NULL), (unixepoch () - 2 * 86400, 'opted_out', 1, 1, 37, 37, NULL),"
  " (unixepoch () - 4 * 86400, 'campaign_paused', 2, 2, NULL, NULL, NULL),"
  " (unixepoch () - 600, 'sent', 1, 1, 5, 5, 1), (unixepoch () - 300, 'replied', 1, 1, 18, 18, 2);";

typedef struct
{
  ObDashboardPage *page;
  gint64           sent;
  gint64           positive;
  guint            days;
} DashboardShows;

static gboolean
dashboard_shows (gpointer data)
{
  DashboardShows *want = data;
  const ObStatsSnapshot *snap = ob_dashboard_page_get_snapshot (want->page);

  return snap != NULL && snap->totals.sent == want->sent && snap->totals.positive == want->positive
         && snap->days->len == want->days;
}

static gint64
query_int64 (ObStore    *store,
             const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
results_filled (gpointer data)
{
  return find_descendant (data, ADW_TYPE_ACTION_ROW) != NULL;
}

static gboolean
page_is_prospects (gpointer data)
{
  return g_strcmp0 (ob_window_get_page (data), "prospects") == 0;
}

static GtkButton *
find_action_button (GtkWidget  *root,
                    const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found;

      if (GTK_IS_BUTTON (child) && gtk_widget_get_mapped (child)
          && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0)
        return GTK_BUTTON (child);
      found = find_action_button (child, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_dashboard_seeded (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ObDashboardPage *page;
  ObChart *chart;
  ObEngine *engine;
  ObStore *store;
  DashboardShows want;
  const ObStatsSnapshot *snap;
  g_autofree char *description = NULL;
  GtkWidget *window, *results;
  AdwViewStack *stack;
  gint64 reply_id;

  {
    g_autoptr(ObStore) seed = ob_store_open (f->db_path, &error);

    g_assert_no_error (error);
    ob_store_exec (seed, dashboard_seed, &error);
    g_assert_no_error (error);
  }

  /* 1280 × 800 from the start: the window takes its size from the settings. */
  g_settings_set_int (settings, "window-width", 1280);
  g_settings_set_int (settings, "window-height", 800);
  start_app (f, f->db_path);
  show_page (f->window, "dashboard");
  engine = ob_window_get_engine (f->window);
  store = ob_engine_get_store (engine);
  page = find_descendant (GTK_WIDGET (f->window), OB_TYPE_DASHBOARD_PAGE);
  g_assert_nonnull (page);

  /* The figures on show are the store's. */
  want = (DashboardShows) { page, query_int64 (store, "SELECT count (*) FROM events WHERE kind = 'sent'"), 0, 30 };
  g_assert_cmpint (want.sent, >, 500);
  wait_until (dashboard_shows, &want);
  snap = ob_dashboard_page_get_snapshot (page);
  g_assert_cmpint (snap->totals.replied, ==, 27);
  g_assert_cmpuint (snap->accounts->len, ==, 2);
  g_assert_cmpint (((ObStatsAccount *) g_ptr_array_index (snap->accounts, 1))->daily_limit, ==, 60);
  chart = find_descendant (GTK_WIDGET (page), OB_TYPE_CHART);
  description = ob_chart_describe (chart);
  g_assert_true (g_str_has_prefix (description, "Over the last 30 days: "));
  wait_for_paint (GTK_WIDGET (f->window));
  save_screenshot (GTK_WIDGET (f->window), "dashboard-seeded-light");

  /* Marking the newest reply as interested counts at once, without polling:
   * the engine's store-changed brings the refresh. */
  reply_id = query_int64 (store, "SELECT max (id) FROM events WHERE kind = 'replied'");
  gtk_widget_activate_action (GTK_WIDGET (page), "dashboard.mark-positive", "x", reply_id);
  want.positive = 1;
  wait_until (dashboard_shows, &want);
  g_assert_cmpint (query_int64 (store, "SELECT count (*) FROM events WHERE kind = 'reply_positive'"), ==, 1);

  /* Another range. */
  g_object_set (page, "range", 7, NULL);
  want.days = 7;
  wait_until (dashboard_shows, &want);
  g_object_set (page, "range", 30, NULL);
  want.days = 30;
  wait_until (dashboard_shows, &want);

  /* A prospect's link opens the Prospects page on that address. */
  gtk_widget_activate_action (GTK_WIDGET (page), "win.show-prospect", "s", "ann.8@initech.test");
  wait_until (page_is_prospects, f->window);
  show_page (f->window, "dashboard");

  /* The Replies figure opens the Replies window. */
  {
    FindWindow replies = { f, OB_TYPE_REPLIES_WINDOW, NULL };
    GtkWidget *tile = GTK_WIDGET (find_action_button (GTK_WIDGET (page), "app.show-replies"));

    g_assert_nonnull (tile);
    g_assert_true (gtk_widget_is_sensitive (tile));
    gtk_widget_activate (tile);
    wait_until (window_of_type_shown, &replies);
    gtk_window_destroy (replies.found);
  }

  /* Narrow, light. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 800);
  wait_for_paint (GTK_WIDGET (f->window));
  save_screenshot (GTK_WIDGET (f->window), "dashboard-seeded-narrow-light");

  /* Dark, wide and narrow. */
  g_settings_set_string (settings, "color-scheme", "dark");
  wait_until (style_is_dark, NULL);
  wait_for_paint (GTK_WIDGET (f->window));
  save_screenshot (GTK_WIDGET (f->window), "dashboard-seeded-narrow-dark");
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  wait_for_paint (GTK_WIDGET (f->window));
  save_screenshot (GTK_WIDGET (f->window), "dashboard-seeded-dark");

  /* The campaign window's Results. */
  window = GTK_WIDGET (ob_campaign_window_new (engine, 1, &error));
  g_assert_no_error (error);
  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (f->app));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  stack = find_descendant (window, ADW_TYPE_VIEW_STACK);
  adw_view_stack_set_visible_child_name (stack, "results");
  results = GTK_WIDGET (find_descendant (window, OB_TYPE_CAMPAIGN_RESULTS));
  g_assert_nonnull (results);
  wait_until (results_filled, results);
  wait_for_paint (window);
  save_screenshot (window, "campaign-results-dark");
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 800);
  wait_for_paint (window);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 360);
  save_screenshot (window, "campaign-results-narrow-dark");

  g_settings_set_string (settings, "color-scheme", "default");
  wait_until (style_is_light, NULL);
  wait_for_paint (window);
  save_screenshot (window, "campaign-results-narrow-light");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  wait_for_paint (window);
  save_screenshot (window, "campaign-results-light");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- Replies --------------------------------------------------------------- */

typedef struct
{
  ObRepliesWindow *window;
  guint            n_rows;
  guint            n_loads;
} RepliesShown;

static gboolean
replies_shown (gpointer data)
{
  RepliesShown *shown = data;

  return ob_replies_window_get_n_loads (shown->window) >= shown->n_loads &&
         ob_replies_window_get_n_rows (shown->window) == shown->n_rows;
}

static gint64
count_events (ObEngine   *engine,
              const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (ob_engine_get_store (engine),
                                                   "SELECT count(*) FROM events WHERE kind = ?1", &error);

  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
on_prospects_page (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (ob_window_get_page (f->window), "prospects") == 0;
}

/* A stand-in for the shell's org.gtk.Notifications: keeps what was sent. */
static const char notifications_xml[] =
  "<node><interface name='org.gtk.Notifications'>"
  "<method name='AddNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='a{sv}' direction='in'/></method>"
  "<method name='RemoveNotification'><arg type='s' direction='in'/><arg type='s' direction='in'/></method>"
  "</interface></node>";

static void
notifications_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  GPtrArray *received = user_data;

  if (g_str_equal (method, "AddNotification"))
    g_ptr_array_add (received, g_variant_get_child_value (parameters, 2));
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
notification_received (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

static gboolean
name_owned (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* The runner's watch-event for Ann's reply: a notification that says who,
 * with the reply's first line, and opens the prospect. */
static void
check_reply_notification (Fixture *f)
{
  static const GDBusInterfaceVTable vtable = { notifications_call, NULL, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_autoptr(GPtrArray) received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr(GVariantDict) dict = NULL;
  g_autoptr(GVariant) target = NULL;
  ObWatcherEvent event = { .kind = OB_WATCHER_REPLIED, .prospect_id = 1, .campaign_id = 7,
                           .enrollment_id = 11, .step = 2, .email = (char *) "ann@acme.test",
                           .detail = (char *) "Re: Quick question" };
  ObWatcherEvent bounce = event;
  gboolean owned = FALSE;
  const char *text = NULL;
  guint registration, owner;

  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (bus, "/org/gtk/Notifications", node->interfaces[0],
                                                    &vtable, received, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (bus, "org.gtk.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                                        on_name_acquired, NULL, &owned, NULL);
  wait_until (name_owned, &owned);

  /* A bounce says nothing; the reply does. */
  bounce.kind = OB_WATCHER_BOUNCED;
  ob_application_notify_watch_event (f->app, &bounce);
  ob_application_notify_watch_event (f->app, &event);
  wait_until (notification_received, received);
  g_assert_cmpuint (received->len, ==, 1);
  dict = g_variant_dict_new (g_ptr_array_index (received, 0));
  g_assert_true (g_variant_dict_lookup (dict, "title", "&s", &text));
  g_assert_cmpstr (text, ==, "Ann Lee replied");
  g_assert_true (g_variant_dict_lookup (dict, "body", "&s", &text));
  g_assert_cmpstr (text, ==, "Sounds good, call me on Tuesday.");
  g_assert_true (g_variant_dict_lookup (dict, "default-action", "&s", &text));
  g_assert_cmpstr (text, ==, "app.show-prospect");
  target = g_variant_dict_lookup_value (dict, "default-action-target", NULL);
  g_assert_nonnull (target);
  if (g_variant_is_of_type (target, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (target);

      g_variant_unref (target);
      target = inner;
    }
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, "ann@acme.test");

  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (bus, registration);
}

static void
test_replies_list_and_label (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  FindWindow fw = { f, OB_TYPE_REPLIES_WINDOW, NULL };
  RepliesShown shown = { NULL, 0, 1 };
  ObEngine *engine;
  ObStore *store;
  GtkStack *stack;
  GtkToggleButton *interested;
  GtkToggleButton *not_now;

  start_app (f, f->db_path);
  engine = ob_window_get_engine (f->window);
  store = ob_engine_get_store (engine);

  /* No reply yet: the empty state, from the window's shortcut. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-replies", NULL);
  wait_until (window_of_type_shown, &fw);
  shown.window = OB_REPLIES_WINDOW (fw.found);
  wait_until (replies_shown, &shown);
  stack = find_descendant (GTK_WIDGET (fw.found), GTK_TYPE_STACK);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_true (gtk_window_get_transient_for (fw.found) == GTK_WINDOW (f->window));
  save_screenshot (GTK_WIDGET (fw.found), "replies-empty");

  /* What the watcher records, written straight into the store. */
  ob_store_exec (store,
                 "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security)"
                 " VALUES (1, 'rep', 'rep@example.test', 'localhost', 587, 'starttls');"
                 "INSERT INTO campaigns (id, name, account_id) VALUES (7, 'Q1 founders', 1);"
                 "INSERT INTO prospects (id, email, email_key, domain, first_name, last_name) VALUES"
                 " (1, 'ann@acme.test', 'ann@acme.test', 'acme.test', 'Ann', 'Lee'),"
                 " (2, 'bob@bolt.test', 'bob@bolt.test', 'bolt.test', 'Bob', 'Żółkiewski'),"
                 " (3, 'cid@corp.test', 'cid@corp.test', 'corp.test', 'Cid', 'Moe');"
                 "INSERT INTO enrollments (id, campaign_id, prospect_id, state) VALUES"
                 " (11, 7, 1, 'replied'), (12, 7, 2, 'active'), (13, 7, 3, 'replied');"
                 "INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id,"
                 " step_position, detail) VALUES"
                 " (unixepoch () - 86400 * 3, 'auto_replied', 1, 7, 2, 12, 1,"
                 "  '{\"subject\":\"Out of office\",\"snippet\":\"I am away until Monday.\","
                 "\"return_date\":\"2026-12-07\"}'),"
                 " (unixepoch () - 86400, 'colleague_replied', 1, 7, 3, 13, 2,"
                 "  '{\"from\":\"dee@corp.test\",\"subject\":\"Re: Quick question\","
                 "\"snippet\":\"Cid moved on; I look after this now.\"}'),"
                 " (unixepoch () - 600, 'replied', 1, 7, 1, 11, 2,"
                 "  '{\"incoming\":\"reply.1@mail.acme.test\",\"subject\":\"Re: Quick question\","
                 "\"snippet\":\"Sounds good, call me on Tuesday.\\nAnn\"}');",
                 &error);
  g_assert_no_error (error);
  ob_engine_notify_store_changed (engine, "events");
  shown.n_rows = 3;
  shown.n_loads = 2;
  wait_until (replies_shown, &shown);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");

  /* The newest first: Ann's reply; the rep labels it. */
  wait_for_paint (GTK_WIDGET (fw.found));
  interested = GTK_TOGGLE_BUTTON (find_button (GTK_WIDGET (fw.found), "Interested"));
  g_assert_nonnull (interested);
  g_signal_emit_by_name (interested, "clicked");
  g_assert_true (gtk_toggle_button_get_active (interested));
  g_assert_cmpint (count_events (engine, "reply_positive"), ==, 1);
  not_now = GTK_TOGGLE_BUTTON (find_button (GTK_WIDGET (fw.found), "Not Now"));
  g_signal_emit_by_name (not_now, "clicked");
  g_assert_cmpint (count_events (engine, "reply_later"), ==, 1);
  g_assert_false (gtk_toggle_button_get_active (interested));

  /* Live: a new reply shows after the debounce, the label stays. */
  ob_store_exec (store,
                 "INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id,"
                 " step_position, detail) VALUES (unixepoch (), 'replied', 1, 7, 2, 12, 1,"
                 " '{\"subject\":\"Re: Quick question\",\"snippet\":\"Not this quarter, thanks.\"}')",
                 &error);
  g_assert_no_error (error);
  ob_engine_notify_store_changed (engine, "events");
  shown.n_rows = 4;
  shown.n_loads = ob_replies_window_get_n_loads (shown.window) + 1;
  wait_until (replies_shown, &shown);
  wait_for_paint (GTK_WIDGET (fw.found));
  /* Ann's row is second now, still "not now". */
  {
    GtkListBoxRow *row = gtk_list_box_get_row_at_index (find_descendant (GTK_WIDGET (fw.found),
                                                                          GTK_TYPE_LIST_BOX), 1);
    GtkToggleButton *later = GTK_TOGGLE_BUTTON (find_button (GTK_WIDGET (row), "Not Now"));

    g_assert_nonnull (later);
    g_assert_true (gtk_toggle_button_get_active (later));
  }
  save_screenshot (GTK_WIDGET (fw.found), "replies-list");

  /* Ctrl+R again presents the same window. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-replies", NULL);
  {
    guint n = 0;

    for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
      n += OB_IS_REPLIES_WINDOW (l->data);
    g_assert_cmpuint (n, ==, 1);
  }

  check_reply_notification (f);

  /* A reply notification's action shows the prospect. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "show-prospect",
                                  g_variant_new_string ("ann@acme.test"));
  wait_until (on_prospects_page, f);
}

#if HAVE_GOA
static void
write_goa_conf (const char *text)
{
  g_autofree char *dir = g_build_filename (goa_config_home, "goa-1.0", NULL);
  g_autofree char *path = g_build_filename (dir, "accounts.conf", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gboolean
goa_listed (gpointer data)
{
  return ob_account_dialog_get_n_goa (data) == 1;
}

static gboolean
goa_removed (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObGoaMailAccount) mail = ob_goa_get_mail_account (data, NULL, &error);

  /* Until goa-daemon reloaded accounts.conf, it still says "needs
   * attention" (its own check found no password in the keyring). */
  return g_error_matches (error, OB_GOA_ERROR, OB_GOA_ERROR_NOT_FOUND);
}

typedef struct
{
  GtkWidget  *root;
  const char *label;
} ButtonWait;

static gboolean
button_shown (gpointer data)
{
  ButtonWait *w = data;

  return find_button (w->root, w->label) != NULL;
}

/* GNOME Online Accounts in the assistant: a real goa-daemon (this case runs
 * under tests/goa-session) lists an "IMAP and SMTP" mailbox; one click adds
 * it with GOA's servers and no password of Outbound's; held for its Online
 * Account, the row offers Settings; its editor shows the servers read-only. */
static void
test_accounts_online_account (Fixture       *f,
                              gconstpointer  data)
{
  static const char *goa_id = "account_1700000001_0";
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAccount) stored = NULL;
  ObAccountDialog *dialog;
  ObEngine *engine;
  GtkWidget *page;
  GtkListBox *list;

  if (goa_config_home == NULL)
    g_error ("run this case through tests/goa-session (meson test does)");
  write_goa_conf ("[Account account_1700000001_0]\n"
                  "Provider=imap_smtp\nIdentity=rep@example.test\nPresentationIdentity=rep@example.test\n"
                  "Enabled=true\nEmailAddress=rep@example.test\nName=Rita Rep\n"
                  "ImapHost=imap.example.test\nImapUserName=rita\nImapUseSsl=true\nImapUseTls=false\n"
                  "SmtpHost=smtp.example.test:2525\nSmtpUseAuth=true\nSmtpUserName=rita\n"
                  "SmtpAuthPlain=true\nSmtpUseSsl=false\nSmtpUseTls=true\n");

  start_app (f, f->db_path);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 760);
  engine = ob_window_get_engine (f->window);
  ob_window_set_page (f->window, "accounts");
  page = GTK_WIDGET (find_descendant (GTK_WIDGET (f->window), g_type_from_name ("ObAccountsPage")));
  list = GTK_LIST_BOX (find_named (page, "accounts-list"));

  dialog = open_account_dialog (f, page, "accounts.add", NULL);
  wait_until (goa_listed, dialog);
  wait_for_paint (GTK_WIDGET (dialog));
  save_screenshot (GTK_WIDGET (dialog), "account-providers-online-accounts");
  {
    GtkWidget *row = find_row_titled (GTK_WIDGET (dialog), "rep@example.test");

    g_assert_nonnull (row);
    g_assert_true (gtk_widget_get_mapped (row));
    /* One click adds it. */
    gtk_widget_activate (row);
  }
  wait_until (dialog_settled, dialog);
  g_assert_null (ob_account_dialog_get_error (dialog));
  g_assert_cmpstr (ob_account_dialog_get_state (dialog), ==, "done");
  g_object_unref (dialog);

  wait_until (list_shows, &(ListWait) { list, "smtp.example.test" });
  stored = ob_accounts_get_by_name (ob_engine_get_store (engine), "rep@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->state, ==, OB_ACCOUNT_STATE_OK);
  g_assert_cmpstr (stored->goa_id, ==, goa_id);
  g_assert_cmpstr (stored->auth_method, ==, "goa");
  g_assert_cmpstr (stored->display_name, ==, "Rita Rep");
  g_assert_cmpuint (stored->smtp_port, ==, 2525);
  g_assert_cmpint (stored->smtp_security, ==, OB_SECURITY_STARTTLS);
  g_assert_cmpstr (stored->smtp_user, ==, "rita");
  g_assert_cmpuint (stored->imap_port, ==, 993);
  g_assert_cmpint (stored->imap_security, ==, OB_SECURITY_TLS);
  {
    g_autoptr(GError) lookup_error = NULL;
    g_autoptr(ObSecret) kept = ob_secrets_lookup_sync (stored->keyring_id, OB_SECRET_SMTP, NULL,
                                                       &lookup_error);

    g_assert_null (kept);
    g_assert_error (lookup_error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  }

  /* Removed from Settings: held with the reason the sender gives (the
   * same words, so that its own recheck changes nothing and no desktop
   * notification is attempted under Xvfb), and a way to Settings. */
  write_goa_conf ("");
  wait_until (goa_removed, (gpointer) goa_id);
  {
    g_autoptr(GError) removed = NULL;
    g_autoptr(ObGoaMailAccount) gone = ob_goa_get_mail_account (goa_id, NULL, &removed);

    g_assert_error (removed, OB_GOA_ERROR, OB_GOA_ERROR_NOT_FOUND);
    g_assert_true (ob_outbox_hold_account (ob_engine_get_store (engine), stored->id, "error",
                                           removed->message, 0, &error));
    g_assert_no_error (error);
  }
  ob_engine_notify_store_changed (engine, "accounts");
  wait_until (button_shown, &(ButtonWait) { GTK_WIDGET (list), "_Open Online Accounts" });
  save_screenshot (GTK_WIDGET (f->window), "accounts-online-account-held");

  /* The editor: GOA's servers shown, no password to type, Settings a click away. */
  dialog = open_account_dialog (f, page, "accounts.edit", g_variant_new_int64 (stored->id));
  {
    GtkWidget *password = find_row_titled (GTK_WIDGET (dialog), "Password");
    GtkWidget *settings = find_row_titled (GTK_WIDGET (dialog), "Online Account");

    g_assert_nonnull (password);
    g_assert_false (gtk_widget_get_visible (password));
    g_assert_nonnull (settings);
    g_assert_true (gtk_widget_get_visible (settings));
  }
  save_screenshot (GTK_WIDGET (dialog), "account-form-online-account");
  gtk_window_close (GTK_WINDOW (dialog));
  g_object_unref (dialog);
}
#endif

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("OUTBOUND_GOA_SESSION") != NULL)
    goa_config_home = g_strdup (g_getenv ("XDG_CONFIG_HOME"));
  isolate_user_dirs ();
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

#define ADD(name, func) \
  g_test_add ("/ui/window/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("pages-and-screenshots", test_pages_and_screenshots);
  ADD ("empty-states-follow-store", test_empty_states_follow_store);
  ADD ("adaptive-narrow", test_adaptive_narrow);
  ADD ("state-saved", test_window_state_saved);
  ADD ("dialogs", test_dialogs);
  ADD ("damaged-store-shows-error", test_damaged_store_shows_error);
  g_test_add ("/ui/prospects/list-search-edit-undo", Fixture, NULL, fixture_setup,
              test_prospects_list, fixture_teardown);
  g_test_add ("/ui/prospects/import-assistant", Fixture, NULL, fixture_setup,
              test_import_assistant, fixture_teardown);
  g_test_add ("/ui/prospects/do-not-contact", Fixture, NULL, fixture_setup,
              test_do_not_contact, fixture_teardown);
  g_test_add ("/ui/accounts/add-edit-remove", Fixture, NULL, fixture_setup,
              test_accounts_add_edit_remove, fixture_teardown);
#if HAVE_GOA
  g_test_add ("/ui/accounts/online-account", Fixture, NULL, fixture_setup,
              test_accounts_online_account, fixture_teardown);
#endif
  g_test_add ("/ui/accounts/trust-certificate", Fixture, NULL, fixture_setup,
              test_accounts_trust_certificate, fixture_teardown);
  g_test_add ("/ui/accounts/sign-in-with-google", Fixture, NULL, fixture_setup,
              test_accounts_sign_in_with_google, fixture_teardown);
  g_test_add ("/ui/campaigns/build-check-preview-start", Fixture, NULL, fixture_setup,
              test_campaign_editor, fixture_teardown);
  g_test_add ("/ui/dashboard/seeded-light-dark-narrow", Fixture, NULL, fixture_setup,
              test_dashboard_seeded, fixture_teardown);
  g_test_add ("/ui/replies/list-and-label", Fixture, NULL, fixture_setup,
              test_replies_list_and_label, fixture_teardown);
#undef ADD

  return g_test_run ();
}
