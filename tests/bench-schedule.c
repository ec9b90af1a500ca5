/* bench-schedule.c: times ob_schedule_next_due() on a big store; run by
 * tests/bench/schedule.py, which builds the store and prints the table.
 *
 *   bench-schedule --init STORE            create an empty store and exit
 *   bench-schedule STORE schedule CALLS    CALLS decisions, each at another instant
 *   bench-schedule STORE naive CALLS       the naive query instead, for the baseline
 *
 * The instants spread over the week from Monday 2026-03-02 00:00 UTC, night and
 * day, alternating between accounts 1 and 2; the account's day is Warsaw's.
 * Prints one JSON line of figures.
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ob-schedule.h"

#define WEEK_START G_GINT64_CONSTANT (1772409600) /* 2026-03-02T00:00:00Z */

/* The naive question, without any index: a full scan of the enrollments. */
#define NAIVE_SQL \
  "SELECT id, campaign_id, prospect_id, next_step, due_at FROM enrollments NOT INDEXED" \
  " WHERE state = 'active' AND due_at <= ?1 ORDER BY due_at LIMIT 1"

static gint64
instant_of_call (guint i,
                 guint calls)
{
  /* Even steps over the week, and a deterministic jitter of up to an hour so
   * that no two runs of the week line up on window edges. */
  return WEEK_START + (gint64) i * 7 * 86400 / calls + ((gint64) i * 7919) % 3600;
}

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
  g_autoptr(GTimeZone) warsaw = g_time_zone_new_identifier ("Europe/Warsaw");
  g_autoptr(sqlite3_stmt) naive = NULL;
  guint reasons[OB_SCHEDULE_REASON_RETRY + 1] = { 0 };
  guint calls, sends = 0, follow_ups = 0;
  guint64 digest = 1469598103934665603u;
  gboolean is_naive;
  double first = 0, total = 0;

  if (argc == 3 && strcmp (argv[1], "--init") == 0)
    {
      store = ob_store_open (argv[2], &error);
      if (store == NULL)
        g_error ("%s", error->message);
      return 0;
    }
  if (argc != 4 || (strcmp (argv[2], "schedule") != 0 && strcmp (argv[2], "naive") != 0))
    {
      g_printerr ("usage: %s --init STORE | STORE schedule|naive CALLS\n", argv[0]);
      return 2;
    }
  is_naive = strcmp (argv[2], "naive") == 0;
  calls = (guint) atoi (argv[3]);
  g_assert (calls > 0);

  store = ob_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);
  if (is_naive && (naive = ob_store_prepare (store, NAIVE_SQL, &error)) == NULL)
    g_error ("%s", error->message);

  for (guint i = 0; i < calls; i++)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (instant_of_call (i, calls));
      g_autoptr(GDateTime) now = g_date_time_to_timezone (utc, warsaw);
      ObScheduleDecision d = { 0 };
      gint64 start = g_get_monotonic_time ();
      double ms;

      if (is_naive)
        {
          sqlite3_bind_int64 (naive, 1, g_date_time_to_unix (now));
          if (sqlite3_step (naive) == SQLITE_ROW)
            d.enrollment_id = sqlite3_column_int64 (naive, 0);
          sqlite3_reset (naive);
        }
      else if (!ob_schedule_next_due (store, 1 + i % 2, now, &d, &error))
        {
          g_error ("%s", error->message);
        }

      ms = (double) (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (times, ms);
      total += ms;
      if (i == 0)
        first = ms;

      if (!is_naive)
        {
          gint64 parts[] = { d.action, d.reason, d.enrollment_id, d.send_at, d.wake_at };

          reasons[d.reason]++;
          sends += d.action == OB_SCHEDULE_SEND;
          follow_ups += d.action == OB_SCHEDULE_SEND && d.step > 1;
          /* FNV-1a over every decision: runs on differently indexed copies
           * of the same store must agree. */
          for (guint k = 0; k < G_N_ELEMENTS (parts); k++)
            for (guint b = 0; b < 8; b++)
              {
                digest ^= (guint64) ((parts[k] >> (8 * b)) & 0xff);
                digest *= 1099511628211u;
              }
        }
    }

  g_array_sort (times, compare_doubles);
  g_print ("{\"phase\": \"%s\", \"calls\": %u, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f,"
           " \"mean_ms\": %.3f, \"first_ms\": %.3f, \"sends\": %u, \"follow_ups\": %u,"
           " \"wait_window\": %u, \"wait_limit\": %u, \"wait_other\": %u, \"digest\": \"%016" G_GINT64_MODIFIER "x\"}\n",
           argv[2], calls, percentile (times, 0.50), percentile (times, 0.99),
           g_array_index (times, double, times->len - 1), total / calls, first,
           sends, follow_ups, reasons[OB_SCHEDULE_REASON_WINDOW], reasons[OB_SCHEDULE_REASON_DAILY_LIMIT],
           calls - sends - reasons[OB_SCHEDULE_REASON_WINDOW] - reasons[OB_SCHEDULE_REASON_DAILY_LIMIT],
           digest);
  return 0;
}
