/* bench-stats.c: times a dashboard refresh (ob_stats_compute()) on a big
 * store; run by tests/bench/dashboard.py, which builds the store and prints
 * the table.
 *
 *   bench-stats --init STORE                 create an empty store and exit
 *   bench-stats STORE full|naive|campaign CALLS
 *       full: the Dashboard page's refresh (90 days, accounts, feed, upcoming)
 *       naive: the same figures by GROUP BY over the events (the baseline)
 *       figures: the same without the accounts' part (the scheduler's
 *         ob_schedule_next_due() and the queue counts), to tell them apart
 *       campaign: one campaign's Results page (30 days, prospects by state)
 *   bench-stats STORE incremental CALLS
 *       the app's refresh (ob_stats_compute_cached(), as ObStats does):
 *       before each, 20 new events arrive in one transaction (the trigger
 *       folds them into the counters; that write is timed apart)
 *
 * "now" is 2026-03-02 12:00 in Warsaw. Prints one JSON line of figures.
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ob-stats.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint index = (guint) (p * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, double, index);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) writes = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GTimeZone) warsaw = g_time_zone_new_identifier ("Europe/Warsaw");
  g_autoptr(GDateTime) now = g_date_time_new (warsaw, 2026, 3, 2, 12, 0, 0);
  g_autoptr(ObStatsCache) cache = ob_stats_cache_new ();
  ObStatsQuery query = { .days = 90, .feed_limit = 50, .upcoming_limit = 20,
                         .flags = OB_STATS_WITH_ACCOUNTS };
  const char *phase;
  gboolean naive = FALSE, incremental = FALSE;
  gint64 digest_sent = 0, digest_replied = 0;
  guint calls;
  double first = 0;

  if (argc == 3 && strcmp (argv[1], "--init") == 0)
    {
      store = ob_store_open (argv[2], &error);
      if (store == NULL)
        g_error ("%s", error->message);
      return 0;
    }
  if (argc != 4)
    {
      g_printerr ("usage: %s --init STORE | STORE full|figures|naive|campaign|incremental CALLS\n", argv[0]);
      return 2;
    }
  phase = argv[2];
  calls = (guint) atoi (argv[3]);
  g_assert (calls > 0);
  if (strcmp (phase, "naive") == 0)
    naive = TRUE;
  else if (strcmp (phase, "campaign") == 0)
    query = (ObStatsQuery) { .days = 30, .campaign_id = 1, .feed_limit = 50, .upcoming_limit = 20,
                             .flags = OB_STATS_WITH_ENROLLMENTS };
  else if (strcmp (phase, "figures") == 0)
    query.flags = 0;
  else if (strcmp (phase, "incremental") == 0)
    incremental = TRUE;
  else if (strcmp (phase, "full") != 0)
    return 2;

  store = ob_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);

  for (guint i = 0; i < calls; i++)
    {
      g_autoptr(ObStatsSnapshot) snap = NULL;
      gint64 start;
      double ms;

      if (incremental)
        {
          g_autofree char *sql = g_strdup_printf (
            "BEGIN;"
            "WITH RECURSIVE n (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 20)"
            " INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, step_position)"
            " SELECT %" G_GINT64_FORMAT " - 600 + k, CASE k %% 4 WHEN 0 THEN 'replied' ELSE 'sent' END,"
            " 1 + k %% 2, 1 + k %% 10, 1 + (%u * 20 + k) %% 100000, 1 + (%u * 20 + k) %% 100000, 1 + k %% 3 FROM n;"
            "COMMIT;",
            g_date_time_to_unix (now), i, i);

          start = g_get_monotonic_time ();
          if (!ob_store_exec (store, sql, &error))
            g_error ("%s", error->message);
          ms = (double) (g_get_monotonic_time () - start) / 1000.0;
          g_array_append_val (writes, ms);
        }

      start = g_get_monotonic_time ();
      if (naive)
        snap = ob_stats_compute_naive (store, now, &query, &error);
      else if (incremental)
        snap = ob_stats_compute_cached (store, now, &query, cache, &error);
      else
        snap = ob_stats_compute (store, now, &query, &error);
      if (snap == NULL)
        g_error ("%s", error->message);
      ms = (double) (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (times, ms);
      if (i == 0)
        {
          first = ms;
          /* Both ways must agree on the figures. */
          digest_sent = snap->totals.sent;
          digest_replied = snap->totals.replied;
          for (guint d = 0; d < snap->days->len; d++)
            digest_sent = digest_sent * 31 + g_array_index (snap->days, ObStatsDay, d).sent;
        }
    }

  g_array_sort (times, compare_doubles);
  g_array_sort (writes, compare_doubles);
  g_print ("{\"phase\": \"%s\", \"calls\": %u, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f,"
           " \"first_ms\": %.3f, \"write_p50_ms\": %.3f, \"digest\": \"%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\"}\n",
           phase, calls, percentile (times, 0.50), percentile (times, 0.99),
           g_array_index (times, double, times->len - 1), first,
           writes->len > 0 ? percentile (writes, 0.50) : 0.0, digest_sent, digest_replied);
  return 0;
}
