/* bench-prospects.c: timings of the prospects list over a large store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-prospects DB: prints one "name p50_ms p99_ms n" line per measurement.
 */

#include "config.h"

#include <stdio.h>

#include "ob-prospects.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const char *name,
        GArray     *times)
{
  g_array_sort (times, compare_doubles);
  printf ("%s %.3f %.3f %u\n", name,
          g_array_index (times, double, times->len / 2),
          g_array_index (times, double, MIN (times->len - 1, (times->len * 99) / 100)),
          times->len);
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
time_query (ObStore    *store,
            const char *name,
            const char *needle,
            int         runs,
            guint      *n_found)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < runs; i++)
    {
      ObProspectQuery query = { .search = (char *) needle, .sort = OB_PROSPECT_SORT_ADDED,
                                .descending = TRUE };
      g_autoptr(GError) error = NULL;
      double start = now_ms (), elapsed;
      g_autoptr(GArray) ids = ob_prospects_query_ids (store, &query, NULL, &error);

      g_assert_no_error (error);
      elapsed = now_ms () - start;
      g_array_append_val (times, elapsed);
      *n_found = ids->len;
    }
  report (name, times);
}

static double first_page_start;

static void
note_first_page (const gint64 *ids,
                 guint         n_ids,
                 gpointer      user_data)
{
  double elapsed = now_ms () - first_page_start;

  g_array_append_val ((GArray *) user_data, elapsed);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint n;

  if (argc != 2)
    {
      fprintf (stderr, "usage: bench-prospects DB\n");
      return 2;
    }

  store = ob_store_open (argv[1], &error);
  g_assert_no_error (error);

  if (g_getenv ("BENCH_INDEX") != NULL)
    {
      double start = now_ms ();

      g_assert_true (ob_prospects_index_pending (store, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      printf ("index-build %.1f %.1f 1\n", now_ms () - start, now_ms () - start);
      return 0;
    }

  /* The first screenful: what the list model shows while the rest loads. */
  for (int run = 0; run < 20; run++)
    {
      ObProspectQuery query = { .sort = OB_PROSPECT_SORT_ADDED, .descending = TRUE };
      g_autoptr(GArray) ids = NULL;

      first_page_start = now_ms ();
      ids = ob_prospects_query_ids_full (store, &query, 256, note_first_page, times, NULL, &error);
      g_assert_no_error (error);
    }
  report ("first-page-256-rows", times);
  g_array_set_size (times, 0);

  time_query (store, "list-all-ids", NULL, 5, &n);
  time_query (store, "search-common", "firma 1", 20, &n);
  printf ("# search-common matched %u\n", n);
  time_query (store, "search-rare", "kowalski 4242", 20, &n);
  printf ("# search-rare matched %u\n", n);
  time_query (store, "search-short", "p9", 20, &n);
  printf ("# search-short matched %u\n", n);
  time_query (store, "search-typing-a", "now", 20, &n);
  time_query (store, "search-typing-b", "nowak", 20, &n);

  /* A jump: build the rows a view shows around a position at the end. */
  {
    ObProspectQuery query = { .sort = OB_PROSPECT_SORT_NAME };
    g_autoptr(GArray) ids = ob_prospects_query_ids (store, &query, NULL, &error);

    for (int run = 0; run < 20; run++)
      {
        double start = now_ms (), elapsed;

        for (guint i = ids->len - 60; i < ids->len; i++)
          {
            g_autoptr(ObProspect) p = ob_prospect_load (store, g_array_index (ids, gint64, i), &error);

            g_assert_nonnull (p);
          }
        elapsed = now_ms () - start;
        g_array_append_val (times, elapsed);
      }
    report ("load-60-rows-at-end", times);
  }


  return 0;
}
