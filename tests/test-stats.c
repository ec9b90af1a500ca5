/* test-stats.c: dashboard figures against hand-computed expectations
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-stats.h"
#include "testlib.h"

typedef struct
{
  char    *dir;
  char    *path;
  ObStore *store;
} Fixture;

static void
exec_sql (ObStore    *store,
          const char *sql)
{
  g_autoptr(GError) error = NULL;

  ob_store_exec (store, sql, &error);
  g_assert_no_error (error);
}

/* Two campaigns on one account:
 * A (steps 1-3, threshold 3 %): p1-p4 got step 1, p1-p3 step 2, p1 step 3;
 *   p5 was refused at RCPT (bounced, no sent); p2 replied after step 2 (the
 *   event names no step), p3 replied to step 2 (it does); p4 opted out
 *   after step 1 (no step named); p1 sent an auto-reply.
 * B (steps 1-2, threshold 2 %): p6, p7 got step 1; p6 replied to it.
 * All at 2026-06-10 (a quiet day far from any DST switch). */
static const char seed[] =
  "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security, daily_limit, pause_min, pause_max)"
  " VALUES (1, 'rep', 'rep@example.test', 'localhost', 587, 'starttls', 10, 0, 0);"
  "INSERT INTO campaigns (id, name, account_id, state, timezone, window_start, window_end, days,"
  " bounce_threshold_permille, pause_min, pause_max)"
  " VALUES (1, 'A', 1, 'running', 'UTC', 0, 1440, 127, 30, 0, 0),"
  "        (2, 'B', 1, 'running', 'UTC', 0, 1440, 127, 20, 0, 0);"
  "INSERT INTO steps (campaign_id, position, subject, body, delay_amount, delay_unit)"
  " VALUES (1, 1, 's', 'b', 0, 'd'), (1, 2, '', 'b', 1, 'd'), (1, 3, '', 'b', 1, 'd'),"
  "        (2, 1, 's', 'b', 0, 'd'), (2, 2, '', 'b', 1, 'd');"
  "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7)"
  " INSERT INTO prospects (id, email, email_key, domain)"
  " SELECT i, 'p' || i || '@x.test', 'p' || i || '@x.test', 'x.test' FROM n;"
  "INSERT INTO enrollments (id, campaign_id, prospect_id, state, next_step, due_at) VALUES"
  " (1, 1, 1, 'finished', NULL, NULL), (2, 1, 2, 'replied', NULL, NULL), (3, 1, 3, 'replied', NULL, NULL),"
  " (4, 1, 4, 'opted_out', NULL, NULL), (5, 1, 5, 'bounced', NULL, NULL),"
  " (6, 2, 6, 'replied', NULL, NULL), (7, 2, 7, 'active', 2, 1781200000);"
  "INSERT INTO sends (id, enrollment_id, step_position, account_id, state, message_id, sent_at) VALUES"
  " (1, 1, 1, 1, 'sent', '<1>', 1781049600), (2, 2, 1, 1, 'sent', '<2>', 1781049600),"
  " (3, 3, 1, 1, 'sent', '<3>', 1781049600), (4, 4, 1, 1, 'sent', '<4>', 1781049600),"
  " (5, 5, 1, 1, 'failed', '<5>', NULL),"
  " (6, 1, 2, 1, 'sent', '<6>', 1781053200), (7, 2, 2, 1, 'sent', '<7>', 1781053200),"
  " (8, 3, 2, 1, 'sent', '<8>', 1781053200), (9, 1, 3, 1, 'sent', '<9>', 1781056800),"
  " (10, 6, 1, 1, 'sent', '<10>', 1781049600), (11, 7, 1, 1, 'sent', '<11>', 1781049600);"
  "INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, send_id, step_position) VALUES"
  " (1781049600, 'campaign_started', 1, 1, NULL, NULL, NULL, NULL),"
  " (1781049600, 'sent', 1, 1, 1, 1, 1, 1), (1781049600, 'sent', 1, 1, 2, 2, 2, 1),"
  " (1781049600, 'sent', 1, 1, 3, 3, 3, 1), (1781049600, 'sent', 1, 1, 4, 4, 4, 1),"
  " (1781049600, 'bounced', 1, 1, 5, 5, 5, 1),"
  " (1781053200, 'sent', 1, 1, 1, 1, 6, 2), (1781053200, 'sent', 1, 1, 2, 2, 7, 2),"
  " (1781053200, 'sent', 1, 1, 3, 3, 8, 2), (1781056800, 'sent', 1, 1, 1, 1, 9, 3),"
  " (1781060000, 'replied', 1, 1, 2, 2, NULL, NULL), (1781060000, 'replied', 1, 1, 3, 3, NULL, 2),"
  " (1781060000, 'opted_out', 1, 1, 4, 4, NULL, NULL), (1781060000, 'auto_replied', 1, 1, 1, 1, NULL, NULL),"
  " (1781049600, 'sent', 1, 2, 6, 6, 10, 1), (1781049600, 'sent', 1, 2, 7, 7, 11, 1),"
  " (1781060000, 'replied', 1, 2, 6, 6, NULL, 1);";

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-stats-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (f->path, &error);
  g_assert_no_error (error);
  exec_sql (f->store, seed);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static gint64
reply_event_of (ObStore *store,
                gint64   enrollment_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
                                                   "SELECT id FROM events WHERE kind = 'replied'"
                                                   " AND enrollment_id = ?1", &error);

  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, enrollment_id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static ObStatsSnapshot *
compute_at (ObStore    *store,
            const char *zone_name,
            int year, int month, int day, int hour,
            guint       days,
            gint64      campaign_id,
            gboolean    naive)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (zone_name);
  g_autoptr(GDateTime) now = NULL;
  ObStatsQuery query = { .days = days, .campaign_id = campaign_id, .feed_limit = 20,
                         .upcoming_limit = 5, .flags = OB_STATS_WITH_ENROLLMENTS };
  ObStatsSnapshot *snap;

  g_assert_nonnull (zone);
  now = g_date_time_new (zone, year, month, day, hour, 0, 0);
  snap = naive ? ob_stats_compute_naive (store, now, &query, &error)
               : ob_stats_compute (store, now, &query, &error);
  g_assert_no_error (error);
  g_assert_nonnull (snap);
  return snap;
}

static const ObStatsCampaign *
find_campaign (const ObStatsSnapshot *snap,
               const char            *name)
{
  for (guint i = 0; i < snap->campaigns->len; i++)
    {
      const ObStatsCampaign *c = g_ptr_array_index (snap->campaigns, i);

      if (g_strcmp0 (c->name, name) == 0)
        return c;
    }
  g_assert_not_reached ();
}

static const ObStatsStep *
step_of (const ObStatsCampaign *c,
         int                    position)
{
  g_assert_cmpuint (c->steps->len, >=, (guint) position);
  return &g_array_index (c->steps, ObStatsStep, position - 1);
}

static void
test_totals_and_rates (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStatsSnapshot) snap = NULL;
  const ObStatsCampaign *a, *b;

  /* p2's reply is marked as interested, twice: it counts once. */
  g_assert_true (ob_stats_mark_positive (f->store, reply_event_of (f->store, 2), &error));
  g_assert_no_error (error);
  g_assert_true (ob_stats_mark_positive (f->store, reply_event_of (f->store, 2), &error));
  g_assert_no_error (error);

  snap = compute_at (f->store, "UTC", 2026, 6, 12, 12, 7, 0, FALSE);

  g_assert_cmpint (snap->totals.sent, ==, 10);
  g_assert_cmpint (snap->totals.contacted, ==, 6);
  g_assert_cmpint (snap->totals.replied, ==, 3);
  g_assert_cmpint (snap->totals.positive, ==, 1);
  g_assert_cmpint (snap->totals.bounced, ==, 1);
  g_assert_cmpint (snap->totals.auto_replied, ==, 1);
  g_assert_cmpint (snap->totals.opted_out, ==, 1);
  g_assert_cmpfloat_with_epsilon (snap->totals.reply_rate, 3.0 / 6, 1e-9);
  g_assert_cmpfloat_with_epsilon (snap->totals.positive_rate, 1.0 / 3, 1e-9);
  g_assert_cmpfloat_with_epsilon (snap->totals.bounce_rate, 1.0 / 11, 1e-9);
  g_assert_cmpfloat_with_epsilon (snap->totals.opt_out_rate, 1.0 / 6, 1e-9);
  /* The strictest running campaign's threshold. */
  g_assert_cmpuint (snap->totals.bounce_threshold_permille, ==, 20);

  a = find_campaign (snap, "A");
  g_assert_cmpint (a->totals.sent, ==, 8);
  g_assert_cmpint (a->totals.contacted, ==, 4);
  g_assert_cmpint (a->totals.replied, ==, 2);
  g_assert_cmpint (a->totals.positive, ==, 1);
  g_assert_cmpfloat_with_epsilon (a->totals.reply_rate, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (a->totals.bounce_rate, 1.0 / 9, 1e-9);
  g_assert_cmpuint (a->totals.bounce_threshold_permille, ==, 30);
  g_assert_cmpint (a->enrollments[OB_STATS_ENROLLMENT_REPLIED], ==, 2);
  g_assert_cmpint (a->enrollments[OB_STATS_ENROLLMENT_BOUNCED], ==, 1);
  g_assert_cmpint (a->enrollments[OB_STATS_ENROLLMENT_FINISHED], ==, 1);

  /* The funnel: replies and opt-outs that name no step count for the last
   * step sent to that prospect. */
  g_assert_cmpuint (a->steps->len, ==, 3);
  g_assert_cmpint (step_of (a, 1)->sent, ==, 4);
  g_assert_cmpint (step_of (a, 1)->replied, ==, 0);
  g_assert_cmpint (step_of (a, 1)->bounced, ==, 1);
  g_assert_cmpint (step_of (a, 1)->opted_out, ==, 1);
  g_assert_cmpfloat_with_epsilon (step_of (a, 1)->bounce_rate, 1.0 / 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (step_of (a, 1)->opt_out_rate, 1.0 / 4, 1e-9);
  g_assert_cmpint (step_of (a, 2)->sent, ==, 3);
  g_assert_cmpint (step_of (a, 2)->replied, ==, 2);
  g_assert_cmpfloat_with_epsilon (step_of (a, 2)->reply_rate, 2.0 / 3, 1e-9);
  g_assert_cmpint (step_of (a, 3)->sent, ==, 1);
  g_assert_cmpint (step_of (a, 3)->replied, ==, 0);

  b = find_campaign (snap, "B");
  g_assert_cmpuint (b->steps->len, ==, 2);
  g_assert_cmpint (step_of (b, 1)->sent, ==, 2);
  g_assert_cmpint (step_of (b, 1)->replied, ==, 1);
  g_assert_cmpfloat_with_epsilon (step_of (b, 1)->reply_rate, 0.5, 1e-9);
  /* A step not sent yet still has its row. */
  g_assert_cmpint (step_of (b, 2)->sent, ==, 0);
  g_assert_cmpfloat_with_epsilon (step_of (b, 2)->reply_rate, 0.0, 1e-9);

  /* The feed: newest first, with addresses and names, the mark shown. */
  g_assert_cmpuint (snap->feed->len, ==, 18);
  {
    const ObStatsEvent *newest = g_ptr_array_index (snap->feed, 0);
    gboolean seen_positive = FALSE;

    g_assert_cmpstr (newest->kind, ==, "reply_positive");
    g_assert_cmpstr (newest->prospect_email, ==, "p2@x.test");
    g_assert_cmpstr (newest->campaign_name, ==, "A");
    for (guint i = 0; i < snap->feed->len; i++)
      {
        const ObStatsEvent *e = g_ptr_array_index (snap->feed, i);

        if (g_strcmp0 (e->kind, "replied") == 0)
          {
            g_assert_cmpint (e->positive, ==, e->enrollment_id == 2);
            seen_positive |= e->positive;
          }
      }
    g_assert_true (seen_positive);
  }

  /* The one active enrollment is the one upcoming send. */
  g_assert_cmpuint (snap->upcoming->len, ==, 1);
  g_assert_cmpstr (((ObStatsUpcoming *) g_ptr_array_index (snap->upcoming, 0))->prospect_email, ==, "p7@x.test");
}

static void
test_mark_positive_refuses (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_stats_mark_positive (f->store, 2, &error)); /* a 'sent' event */
  g_assert_error (error, OB_STATS_ERROR, OB_STATS_ERROR_NOT_A_REPLY);
  g_clear_error (&error);
  g_assert_false (ob_stats_mark_positive (f->store, 999999, &error));
  g_assert_error (error, OB_STATS_ERROR, OB_STATS_ERROR_NOT_FOUND);
}

static void
test_one_campaign (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ObStatsSnapshot) snap = compute_at (f->store, "UTC", 2026, 6, 12, 12, 7, 2, FALSE);

  g_assert_cmpuint (snap->campaigns->len, ==, 1);
  g_assert_cmpint (snap->totals.sent, ==, 2);
  g_assert_cmpint (snap->totals.replied, ==, 1);
  g_assert_cmpuint (snap->totals.bounce_threshold_permille, ==, 20);
  for (guint i = 0; i < snap->feed->len; i++)
    g_assert_cmpint (((ObStatsEvent *) g_ptr_array_index (snap->feed, i))->campaign_id, ==, 2);
  g_assert_cmpuint (snap->feed->len, ==, 3);
  /* 2026-06-10 is the 5th of the 7 days ending 2026-06-12. */
  g_assert_cmpint (g_array_index (snap->days, ObStatsDay, 4).sent, ==, 2);
  g_assert_cmpint (g_array_index (snap->days, ObStatsDay, 4).replied, ==, 1);
}

static void
assert_same_figures (const ObStatsSnapshot *x,
                     const ObStatsSnapshot *y)
{
  g_assert_cmpmem (&x->totals, sizeof x->totals, &y->totals, sizeof y->totals);
  g_assert_cmpuint (x->days->len, ==, y->days->len);
  g_assert_cmpmem (x->days->data, x->days->len * sizeof (ObStatsDay),
                   y->days->data, y->days->len * sizeof (ObStatsDay));
  g_assert_cmpuint (x->campaigns->len, ==, y->campaigns->len);
  for (guint i = 0; i < x->campaigns->len; i++)
    {
      const ObStatsCampaign *a = g_ptr_array_index (x->campaigns, i);
      const ObStatsCampaign *b = g_ptr_array_index (y->campaigns, i);

      g_assert_cmpint (a->id, ==, b->id);
      g_assert_cmpmem (&a->totals, sizeof a->totals, &b->totals, sizeof b->totals);
      g_assert_cmpmem (a->steps->data, a->steps->len * sizeof (ObStatsStep),
                       b->steps->data, b->steps->len * sizeof (ObStatsStep));
    }
}

static void
test_incremental_equals_full (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStatsCache) cache = ob_stats_cache_new ();
  g_autoptr(GTimeZone) warsaw = g_time_zone_new_identifier ("Europe/Warsaw");

  for (int round = 0; round < 4; round++)
    {
      /* "now" moves on a day each round after the first two: the cache
       * must read the new day and drop the oldest. */
      g_autoptr(GDateTime) now = g_date_time_new (warsaw, 2026, 6, 12 + MAX (0, round - 1), 12, 0, 0);
      ObStatsQuery query = { .days = 30 };
      g_autoptr(ObStatsSnapshot) counted = compute_at (f->store, "Europe/Warsaw", 2026, 6,
                                                       12 + MAX (0, round - 1), 12, 30, 0, FALSE);
      g_autoptr(ObStatsSnapshot) naive = compute_at (f->store, "Europe/Warsaw", 2026, 6,
                                                     12 + MAX (0, round - 1), 12, 30, 0, TRUE);
      g_autoptr(ObStatsSnapshot) cached = ob_stats_compute_cached (f->store, now, &query, cache, &error);
      g_autoptr(ObStatsSnapshot) rebuilt = NULL;

      g_assert_no_error (error);
      assert_same_figures (counted, naive);
      assert_same_figures (cached, naive);
      g_assert_true (ob_stats_rebuild_counters (f->store, &error));
      g_assert_no_error (error);
      rebuilt = compute_at (f->store, "Europe/Warsaw", 2026, 6, 12 + MAX (0, round - 1), 12, 30, 0, FALSE);
      assert_same_figures (counted, rebuilt);

      /* More history, spread over the month and both campaigns; the
       * counters follow it event by event. */
      exec_sql (f->store,
                "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)"
                " INSERT INTO events (at, kind, account_id, campaign_id, prospect_id, enrollment_id, step_position)"
                " SELECT 1778400000 + i * 5000 + (SELECT count (*) FROM events) % 997, CASE i % 7 WHEN 0 THEN 'replied' WHEN 1 THEN 'bounced'"
                "   WHEN 2 THEN 'opted_out' WHEN 3 THEN 'auto_replied' ELSE 'sent' END,"
                " 1, 1 + i % 2, 1 + i % 7, 1 + i % 7, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 3 END FROM n");
    }
}

/* Events around the autumn switch of Warsaw (2026-10-25, 25 hours) and New
 * York (2026-11-01, 25 hours), in UTC seconds. */
static const char dst_events[] =
  "INSERT INTO events (at, kind, campaign_id) VALUES"
  /* Warsaw: 23:50 CEST Oct 24; 00:30 CEST Oct 25; 23:30 CET Oct 25; 00:10 CET Oct 26 */
  " (1792878600, 'sent', 1), (1792881000, 'sent', 1), (1792967400, 'sent', 1), (1792969800, 'replied', 1),"
  /* New York: 23:50 EDT Oct 31; 00:30 EDT Nov 1; 23:30 EST Nov 1; 00:10 EST Nov 2 */
  " (1793505000, 'sent', 1), (1793507400, 'sent', 1), (1793593800, 'sent', 1), (1793596200, 'replied', 1);";

static const ObStatsDay *
day_dated (const ObStatsSnapshot *snap,
           const char            *date)
{
  for (guint i = 0; i < snap->days->len; i++)
    {
      const ObStatsDay *d = &g_array_index (snap->days, ObStatsDay, i);
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (d->day_start);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, snap->zone);
      g_autofree char *text = g_date_time_format (local, "%Y-%m-%d");

      if (strcmp (text, date) == 0)
        return d;
    }
  g_assert_not_reached ();
}

static void
check_dst_days (ObStore    *store,
                const char *zone,
                int         month,
                int         day,
                const char *before,
                const char *switch_day,
                const char *after)
{
  /* The user's zone is TZ's: what the app passes as "now". */
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStatsSnapshot) snap = NULL;
  g_autoptr(ObStatsSnapshot) naive = NULL;
  ObStatsQuery query = { .days = 7 };
  const ObStatsDay *d;

  g_setenv ("TZ", zone, TRUE);
  local = g_time_zone_new_local ();
  g_assert_cmpstr (g_time_zone_get_identifier (local), ==, zone);
  now = g_date_time_new (local, 2026, month, day, 12, 0, 0);
  snap = ob_stats_compute (store, now, &query, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (snap->days->len, ==, 7);
  d = day_dated (snap, switch_day);
  g_assert_cmpint (d->day_end - d->day_start, ==, 25 * 3600);
  g_assert_cmpint (d->sent, ==, 2);
  g_assert_cmpint (d->replied, ==, 0);
  d = day_dated (snap, before);
  g_assert_cmpint (d->day_end - d->day_start, ==, 24 * 3600);
  g_assert_cmpint (d->sent, ==, 1);
  d = day_dated (snap, after);
  g_assert_cmpint (d->sent, ==, 0);
  g_assert_cmpint (d->replied, ==, 1);
  /* Days touch: no hour lost or counted twice across the switch. */
  for (guint i = 1; i < snap->days->len; i++)
    g_assert_cmpint (g_array_index (snap->days, ObStatsDay, i).day_start, ==,
                     g_array_index (snap->days, ObStatsDay, i - 1).day_end);

  naive = ob_stats_compute_naive (store, now, &query, &error);
  g_assert_no_error (error);
  assert_same_figures (snap, naive);
}

static void
test_days_across_dst (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *old_tz = g_strdup (g_getenv ("TZ"));

  exec_sql (f->store, dst_events);
  check_dst_days (f->store, "Europe/Warsaw", 10, 26, "2026-10-24", "2026-10-25", "2026-10-26");
  check_dst_days (f->store, "America/New_York", 11, 2, "2026-10-31", "2026-11-01", "2026-11-02");

  if (old_tz != NULL)
    g_setenv ("TZ", old_tz, TRUE);
  else
    g_unsetenv ("TZ");
}

static void
test_account_today (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Europe/Warsaw");
  /* Thursday 2026-06-11 10:00 in Warsaw. */
  g_autoptr(GDateTime) now = g_date_time_new (zone, 2026, 6, 11, 10, 0, 0);
  gint64 t = g_date_time_to_unix (now);
  g_autofree char *sql = NULL;
  g_autoptr(ObStatsSnapshot) snap = NULL;
  ObStatsQuery query = { .flags = OB_STATS_WITH_ACCOUNTS };
  const ObStatsAccount *a;

  /* Today: two first emails and a follow-up sent, one first email sent just
   * before local midnight (yesterday's). Due: 2 follow-ups today, 1
   * tomorrow, 15 first emails; the limit is 10 a day. */
  sql = g_strdup_printf (
    "WITH RECURSIVE n (i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 121)"
    " INSERT INTO prospects (id, email, email_key, domain)"
    " SELECT i, 'q' || i || '@y.test', 'q' || i || '@y.test', 'y.test' FROM n;"
    "WITH RECURSIVE n (i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 121)"
    " INSERT INTO enrollments (id, campaign_id, prospect_id, state, next_step, due_at)"
    " SELECT i, 2, i, 'active', CASE WHEN i < 115 THEN 1 ELSE 2 END,"
    "  CASE WHEN i < 115 THEN %1$" G_GINT64_FORMAT " - 86400"
    "       WHEN i < 117 THEN %1$" G_GINT64_FORMAT " + 3600"
    "       WHEN i < 118 THEN %1$" G_GINT64_FORMAT " + 86400"
    "       ELSE %1$" G_GINT64_FORMAT " + 5 * 86400 END FROM n;"
    "INSERT INTO sends (enrollment_id, step_position, account_id, state, message_id, sent_at) VALUES"
    " (118, 1, 1, 'sent', '<a>', %1$" G_GINT64_FORMAT " - 3600),"
    " (119, 1, 1, 'sent', '<b>', %1$" G_GINT64_FORMAT " - 7200),"
    " (119, 2, 1, 'sent', '<c>', %1$" G_GINT64_FORMAT " - 60),"
    " (120, 1, 1, 'sent', '<d>', %1$" G_GINT64_FORMAT " - 10 * 3600 - 60);"
    "UPDATE enrollments SET state = 'finished' WHERE id = 7;",
    t);
  exec_sql (f->store, sql);

  snap = ob_stats_compute (f->store, now, &query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->accounts->len, ==, 1);
  a = g_ptr_array_index (snap->accounts, 0);
  g_assert_cmpstr (a->name, ==, "rep");
  g_assert_cmpstr (a->state, ==, "ok");
  g_assert_cmpint (a->daily_limit, ==, 10);
  g_assert_cmpint (a->sent_today, ==, 2);
  g_assert_cmpint (a->messages_today, ==, 3);
  /* 2 follow-ups + min (15 first emails, 10 - 2 left today) */
  g_assert_cmpint (a->queue_today, ==, 2 + 8);
  /* 1 follow-up + the 7 first emails left over, within a fresh limit */
  g_assert_cmpint (a->queue_tomorrow, ==, 1 + 7);
  /* First emails are due now and the window is always open. */
  g_assert_cmpint (a->next_action, ==, OB_SCHEDULE_SEND);
  g_assert_cmpint (a->next_send_at, >=, t);

  /* Paused by the user: the card says so. */
  exec_sql (f->store, "UPDATE accounts SET state = 'paused', state_reason = 'holiday'");
  g_clear_pointer (&snap, ob_stats_snapshot_free);
  snap = ob_stats_compute (f->store, now, &query, &error);
  g_assert_no_error (error);
  a = g_ptr_array_index (snap->accounts, 0);
  g_assert_cmpstr (a->state, ==, "paused");
  g_assert_cmpint (a->next_action, ==, OB_SCHEDULE_WAIT);
  g_assert_cmpint (a->next_reason, ==, OB_SCHEDULE_REASON_ACCOUNT_PAUSED);
}

static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(ObStatsSnapshot) snap = NULL;
  g_autofree char *csv = NULL;

  exec_sql (f->store, "UPDATE campaigns SET name = '=cmd,1' WHERE id = 2");
  snap = compute_at (f->store, "UTC", 2026, 6, 12, 12, 7, 0, FALSE);
  csv = ob_stats_snapshot_to_csv (snap);
  g_assert_true (g_str_has_prefix (csv, "figure,value\r\nsent,10\r\ncontacted,6\r\nreplied,3\r\n"
                                        "reply_rate,0.5000\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nbounce_threshold,0.0200\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nA,2,3,2,0.6667,0,0.0000,0,0.0000\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nA,1,4,0,0.0000,1,0.2000,1,0.2500\r\n"));
  /* A name that a spreadsheet would run stays text. */
  g_assert_nonnull (strstr (csv, "\r\n\"'=cmd,1\",1,2,1,0.5000,"));
  g_assert_nonnull (strstr (csv, "\r\n2026-06-10,10,3,1\r\n"));
}

static void
test_cli_status_json (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };

  g_clear_object (&f->store);
  run_cli (&r, "--db", f->path, "status", "--json", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  /* The old keys stay. */
  g_assert_nonnull (strstr (r.out, "\"schema_version\""));
  g_assert_nonnull (strstr (r.out, "\"messages\": {"));
  /* The figures, whole-store then per account, campaign and step. */
  g_assert_nonnull (strstr (r.out, "\"figures\": {\n    \"sent\": 10,\n    \"contacted\": 6,\n"
                                   "    \"replied\": 3,\n    \"reply_rate\": 0.5,\n"));
  g_assert_nonnull (strstr (r.out, "\"per_account\": ["));
  g_assert_nonnull (strstr (r.out, "\"daily_limit\": 10,"));
  g_assert_nonnull (strstr (r.out, "\"per_campaign\": ["));
  g_assert_nonnull (strstr (r.out, "\"name\": \"A\",\n      \"state\": \"running\",\n"));
  g_assert_nonnull (strstr (r.out, "\"position\": 2,\n          \"sent\": 3,\n          \"replied\": 2,\n"
                                   "          \"reply_rate\": 0.6667,\n"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/stats/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("totals-rates-funnel-feed", test_totals_and_rates);
  ADD ("mark-positive-refuses", test_mark_positive_refuses);
  ADD ("one-campaign", test_one_campaign);
  ADD ("incremental-equals-full", test_incremental_equals_full);
  ADD ("days-across-dst", test_days_across_dst);
  ADD ("account-today", test_account_today);
  ADD ("csv", test_csv);
  ADD ("cli-status-json", test_cli_status_json);
#undef ADD

  return g_test_run ();
}
