/* bench-ui.c: the Prospects page over a large store, in a real window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-ui DB: opens the app on DB, shows the Prospects page and prints, each
 * as soon as it happens (the harness times the first from exec):
 *   first-rows            the list shows its first rows
 *   rows N                the whole list is loaded
 *   jump-end MS           scroll to the end until the last rows are drawn
 *   search NEEDLE MS      type a search until its rows are drawn
 *   rss-mb MB             peak resident memory
 */

#include "config.h"

#include <stdio.h>

#include "ob-application.h"
#include "ob-prospect-model.h"
#include "ob-window.h"
#include "ui-helpers.h"

static GListModel *rows;
static gint64 process_start;

static gboolean
has_rows (gpointer data)
{
  return g_list_model_get_n_items (rows) > 0;
}

static gboolean
window_ready (gpointer data)
{
  ObApplication *app = data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  return window != NULL && g_strcmp0 (ob_window_get_view_state (OB_WINDOW (window)), "content") == 0;
}

static gint64 search_started;

static void
on_search_changed (void)
{
  search_started = g_get_monotonic_time ();
}

static gboolean
search_began (gpointer data)
{
  return search_started != 0;
}

static gboolean
model_idle (gpointer data)
{
  return !ob_prospect_model_get_loading (data);
}

static gboolean
upper_ready (gpointer data)
{
  GtkAdjustment *adj = data;

  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) * 2;
}

static double
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static long
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ObApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  ObWindow *window;
  GtkWidget *page;
  GtkColumnView *view;
  GtkAdjustment *vadj;
  GtkEditable *search;
  ObProspectModel *model;
  gint64 start;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-ui DB [NEEDLE...]\n");
      return 2;
    }

  process_start = g_get_monotonic_time ();
  isolate_user_dirs ();
  gtk_init ();
  adw_init ();

  app = ob_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  ob_application_set_db_path (app, argv[1]);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  wait_until (window_ready, app);

  window = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  ob_window_set_page (window, "prospects");
  page = find_descendant (GTK_WIDGET (window), g_type_from_name ("ObProspectsPage"));
  view = find_descendant (page, GTK_TYPE_COLUMN_VIEW);
  rows = G_LIST_MODEL (gtk_column_view_get_model (view));
  wait_until (has_rows, NULL);
  if (g_getenv ("BENCH_VERBOSE") != NULL)
    printf ("# rows in model %.1f\n", elapsed_ms (process_start));
  wait_for_paint (GTK_WIDGET (window));
  printf ("first-rows %.1f\n", elapsed_ms (process_start));
  fflush (stdout);

  /* The first rows come before the rest: wait for the whole list. */
  model = OB_PROSPECT_MODEL (gtk_multi_selection_get_model (GTK_MULTI_SELECTION (rows)));
  wait_until (model_idle, model);
  vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  wait_until (upper_ready, vadj);
  printf ("rows %u %.1f\n", g_list_model_get_n_items (rows), elapsed_ms (process_start));
  start = g_get_monotonic_time ();
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj));
  wait_for_paint (GTK_WIDGET (window));
  printf ("jump-end %.1f\n", elapsed_ms (start));
  fflush (stdout);

  search = GTK_EDITABLE (find_descendant (page, GTK_TYPE_SEARCH_ENTRY));
  g_signal_connect (search, "search-changed", G_CALLBACK (on_search_changed), NULL);
  for (int i = 2; i < argc; i++)
    {
      /* From an empty box, as a user starts a search; emptying the box lists
       * everything again, which is not what is timed. */
      gtk_editable_set_text (search, "");
      wait_until (model_idle, model);
      wait_for_paint (GTK_WIDGET (window));

      /* GtkSearchEntry waits 150 ms after the last key before it emits
       * search-changed: that pause is the widget's; timing starts there. */
      search_started = 0;
      gtk_editable_set_text (search, argv[i]);
      wait_until (search_began, NULL);
      start = search_started;
      wait_until (model_idle, model);
      wait_for_paint (GTK_WIDGET (window));
      printf ("search %s %.1f %u\n", argv[i], elapsed_ms (start), g_list_model_get_n_items (rows));
      fflush (stdout);
    }

  printf ("rss-mb %.1f\n", peak_rss_kb () / 1024.0);
  return 0;
}
