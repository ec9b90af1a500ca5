/* ob-stats.c: dashboard figures
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_stats_compute(), ob_stats_compute_naive(),
 * ob_stats_rebuild_counters() and ob_stats_mark_positive() run on the thread
 * that owns the ObStore passed in. An ObStats object lives on the main
 * thread; its _async functions run on GTask worker threads, one at a time,
 * each with that thread's own connection.
 *
 * Why counters: the events table only grows (a million rows after a year of
 * steady sending), and a GROUP BY over it costs hundreds of milliseconds.
 * The trigger of migration 006 adds each new event to stats_buckets (per
 * campaign, kind and UTC quarter hour) and stats_steps (per campaign,
 * account, step and kind), so a refresh reads a few thousand counter rows
 * whatever the history. A local day of any zone is a whole range of quarter
 * hours, 23 or 25 hours long on a DST switch day.
 */

#define G_LOG_DOMAIN "ob-stats"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-stats.h"

#define BUCKET_SECONDS 900
/* How far the queue counts look: more than a day's sending at the shortest
 * pause is no more useful to count exactly. */
#define QUEUE_COUNT_CAP 1000

G_DEFINE_QUARK (ob-stats-error-quark, ob_stats_error)

static const char * const enrollment_states[OB_STATS_N_ENROLLMENT_STATES] = {
  "active", "finished", "replied", "bounced", "opted_out", "stopped", "paused",
};

const char *
ob_stats_enrollment_state_to_string (ObStatsEnrollmentState state)
{
  g_return_val_if_fail (state < OB_STATS_N_ENROLLMENT_STATES, NULL);
  return enrollment_states[state];
}

/* ---- Snapshot --------------------------------------------------------------- */

static void
account_free (gpointer data)
{
  ObStatsAccount *a = data;

  g_free (a->name);
  g_free (a->email);
  g_free (a->state);
  g_free (a->state_reason);
  g_free (a);
}

static void
campaign_free (gpointer data)
{
  ObStatsCampaign *c = data;

  g_free (c->name);
  g_free (c->state);
  g_free (c->state_reason);
  g_clear_pointer (&c->steps, g_array_unref);
  g_free (c);
}

static void
event_free (gpointer data)
{
  ObStatsEvent *e = data;

  g_free (e->kind);
  g_free (e->detail);
  g_free (e->prospect_email);
  g_free (e->campaign_name);
  g_free (e);
}

static void
upcoming_free (gpointer data)
{
  ObStatsUpcoming *u = data;

  g_free (u->campaign_name);
  g_free (u->prospect_email);
  g_free (u);
}

void
ob_stats_snapshot_free (ObStatsSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_clear_pointer (&snapshot->days, g_array_unref);
  g_clear_pointer (&snapshot->accounts, g_ptr_array_unref);
  g_clear_pointer (&snapshot->campaigns, g_ptr_array_unref);
  g_clear_pointer (&snapshot->feed, g_ptr_array_unref);
  g_clear_pointer (&snapshot->upcoming, g_ptr_array_unref);
  g_clear_pointer (&snapshot->zone, g_time_zone_unref);
  g_free (snapshot);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup (text) : NULL;
}

static gboolean
step_done (ObStore      *store,
           sqlite3_stmt *stmt,
           int           rc,
           GError      **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;
  ob_store_set_error_from_db (store, rc, error, "dashboard figures");
  return FALSE;
}

static double
ratio (gint64 part,
       gint64 whole)
{
  return whole > 0 ? (double) part / (double) whole : 0.0;
}

/* One counter row into the totals. */
static void
totals_add (ObStatsTotals *t,
            const char    *kind,
            int            step,
            gint64         n)
{
  if (strcmp (kind, "sent") == 0)
    {
      t->sent += n;
      if (step == 1)
        t->contacted += n;
    }
  else if (strcmp (kind, "replied") == 0)
    t->replied += n;
  else if (strcmp (kind, "reply_positive") == 0)
    t->positive += n;
  else if (strcmp (kind, "bounced") == 0)
    t->bounced += n;
  else if (strcmp (kind, "soft_bounced") == 0)
    t->soft_bounced += n;
  else if (strcmp (kind, "auto_replied") == 0)
    t->auto_replied += n;
  else if (strcmp (kind, "opted_out") == 0)
    t->opted_out += n;
  else if (strcmp (kind, "complaint") == 0)
    t->complaints += n;
  else if (strcmp (kind, "failed") == 0)
    t->failed += n;
}

static void
totals_finish (ObStatsTotals *t)
{
  t->reply_rate = ratio (t->replied, t->contacted);
  t->positive_rate = ratio (t->positive, t->replied);
  t->bounce_rate = ratio (t->bounced, t->sent + t->bounced);
  t->opt_out_rate = ratio (t->opted_out, t->contacted);
}

static ObStatsStep *
campaign_step (ObStatsCampaign *c,
               int              position)
{
  if (position < 1)
    return NULL;
  while (c->steps->len < (guint) position)
    {
      ObStatsStep s = { .position = (int) c->steps->len + 1 };

      g_array_append_val (c->steps, s);
    }
  return &g_array_index (c->steps, ObStatsStep, position - 1);
}

static void
step_add (ObStatsStep *s,
          const char  *kind,
          gint64       n)
{
  if (s == NULL)
    return;
  if (strcmp (kind, "sent") == 0)
    s->sent += n;
  else if (strcmp (kind, "replied") == 0)
    s->replied += n;
  else if (strcmp (kind, "bounced") == 0)
    s->bounced += n;
  else if (strcmp (kind, "opted_out") == 0)
    s->opted_out += n;
}

/* ---- Queries ---------------------------------------------------------------- */

static gboolean
load_campaigns (ObStore         *store,
                ObStatsSnapshot *snap,
                GHashTable      *by_id,
                GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) steps = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT id, name, state, state_reason, coalesce (account_id, 0),"
                           " bounce_threshold_permille FROM campaigns"
                           " WHERE ?1 = 0 OR id = ?1 ORDER BY name",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snap->query.campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObStatsCampaign *c = g_new0 (ObStatsCampaign, 1);

      c->id = sqlite3_column_int64 (stmt, 0);
      c->name = column_dup (stmt, 1);
      c->state = column_dup (stmt, 2);
      c->state_reason = column_dup (stmt, 3);
      c->account_id = sqlite3_column_int64 (stmt, 4);
      c->totals.bounce_threshold_permille = (guint) sqlite3_column_int (stmt, 5);
      c->steps = g_array_new (FALSE, TRUE, sizeof (ObStatsStep));
      g_ptr_array_add (snap->campaigns, c);
      g_hash_table_insert (by_id, &c->id, c);
    }
  if (!step_done (store, stmt, rc, error))
    return FALSE;

  /* Every step of the sequence has a row in the funnel, sent or not. */
  steps = ob_store_prepare (store,
                            "SELECT campaign_id, max (position) FROM steps"
                            " WHERE ?1 = 0 OR campaign_id = ?1 GROUP BY campaign_id",
                            error);
  if (steps == NULL)
    return FALSE;
  sqlite3_bind_int64 (steps, 1, snap->query.campaign_id);
  while ((rc = sqlite3_step (steps)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (steps, 0);
      ObStatsCampaign *c = g_hash_table_lookup (by_id, &id);

      if (c != NULL)
        campaign_step (c, sqlite3_column_int (steps, 1));
    }
  return step_done (store, steps, rc, error);
}

/* Rows of (campaign_id, step, kind, n). */
#define STEPS_FROM_COUNTERS \
  "SELECT campaign_id, step_position, kind, sum (n) FROM stats_steps" \
  " WHERE ?1 = 0 OR campaign_id = ?1 GROUP BY 1, 2, 3"
#define STEPS_FROM_EVENTS \
  "SELECT coalesce (e.campaign_id, 0)," \
  " coalesce (e.step_position, (SELECT max (step_position) FROM sends s" \
  "   WHERE s.enrollment_id = e.enrollment_id AND s.state = 'sent'), 0)," \
  " e.kind, count (*) FROM events e" \
  " WHERE ?1 = 0 OR e.campaign_id = ?1 GROUP BY 1, 2, 3"

static gboolean
load_totals (ObStore         *store,
             ObStatsSnapshot *snap,
             GHashTable      *by_id,
             gboolean         naive,
             GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  guint threshold = 0;
  int rc;

  stmt = ob_store_prepare (store, naive ? STEPS_FROM_EVENTS : STEPS_FROM_COUNTERS, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snap->query.campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      int step = sqlite3_column_int (stmt, 1);
      const char *kind = (const char *) sqlite3_column_text (stmt, 2);
      gint64 n = sqlite3_column_int64 (stmt, 3);
      ObStatsCampaign *c = g_hash_table_lookup (by_id, &id);

      if (kind == NULL)
        continue;
      totals_add (&snap->totals, kind, step, n);
      if (c != NULL)
        {
          totals_add (&c->totals, kind, step, n);
          step_add (campaign_step (c, step), kind, n);
        }
    }
  if (!step_done (store, stmt, rc, error))
    return FALSE;

  for (guint i = 0; i < snap->campaigns->len; i++)
    {
      ObStatsCampaign *c = g_ptr_array_index (snap->campaigns, i);

      totals_finish (&c->totals);
      for (guint j = 0; j < c->steps->len; j++)
        {
          ObStatsStep *s = &g_array_index (c->steps, ObStatsStep, j);

          s->reply_rate = ratio (s->replied, s->sent);
          s->bounce_rate = ratio (s->bounced, s->sent + s->bounced);
          s->opt_out_rate = ratio (s->opted_out, s->sent);
        }
      /* The dashboard marks the strictest threshold of a running campaign. */
      if (g_strcmp0 (c->state, "running") == 0
          && (threshold == 0 || c->totals.bounce_threshold_permille < threshold))
        threshold = c->totals.bounce_threshold_permille;
    }
  if (snap->query.campaign_id != 0 && snap->campaigns->len == 1)
    threshold = ((ObStatsCampaign *) g_ptr_array_index (snap->campaigns, 0))->totals.bounce_threshold_permille;
  snap->totals.bounce_threshold_permille = threshold != 0 ? threshold : OB_STATS_DEFAULT_BOUNCE_THRESHOLD;
  totals_finish (&snap->totals);
  return TRUE;
}

static void
make_days (ObStatsSnapshot *snap)
{
  gint64 start, end;

  snap->days = g_array_sized_new (FALSE, TRUE, sizeof (ObStatsDay), snap->query.days);
  if (snap->query.days == 0)
    return;
  g_array_set_size (snap->days, snap->query.days);
  ob_schedule_day_bounds (snap->zone, snap->now, &start, &end);
  for (guint i = snap->query.days; i > 0; i--)
    {
      ObStatsDay *d = &g_array_index (snap->days, ObStatsDay, i - 1);

      d->day_start = start;
      d->day_end = end;
      ob_schedule_day_bounds (snap->zone, start - 1, &start, &end);
    }
}

static ObStatsDay *
day_of (ObStatsSnapshot *snap,
        gint64           at)
{
  guint lo = 0, hi = snap->days->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      ObStatsDay *d = &g_array_index (snap->days, ObStatsDay, mid);

      if (at < d->day_start)
        hi = mid;
      else if (at >= d->day_end)
        lo = mid + 1;
      else
        return d;
    }
  return NULL;
}

/* Rows of (kind, n) in [?2, ?3): one range of stats_buckets per kind. */
#define DAY_FROM_COUNTERS \
  "SELECT kind, sum (n) FROM stats_buckets" \
  " WHERE campaign_id = ?1 AND kind IN ('sent', 'replied', 'bounced')" \
  " AND bucket >= ?2 / 900 AND bucket < ?3 / 900 GROUP BY kind"
/* Rows of (start of a quarter hour, kind, n) in [?2, ?3). */
#define DAYS_FROM_EVENTS \
  "SELECT at / 900 * 900, kind, count (*) FROM events" \
  " WHERE (?1 = -1 OR campaign_id = ?1) AND at >= ?2 AND at < ?3" \
  " AND kind IN ('sent', 'replied', 'bounced') GROUP BY 1, 2"

static void
day_add (ObStatsDay *d,
         const char *kind,
         gint64      n)
{
  if (d == NULL || kind == NULL)
    return;
  if (strcmp (kind, "sent") == 0)
    d->sent += n;
  else if (strcmp (kind, "replied") == 0)
    d->replied += n;
  else
    d->bounced += n;
}

/* ---- The day cache ----------------------------------------------------------
 *
 * A past day's counts change only when an event of that day arrives, and
 * events are only ever appended: keep the days of the last refresh with the
 * last event id it saw, and on the next one read only the days not held yet
 * (today, after midnight) from the counters and the events appended since
 * from the events table (by rowid: a short range at its end). */

struct _ObStatsCache
{
  gint64  campaign_id;
  char   *zone;          /* identifier of the days' zone */
  gint64  last_event_id;
  GArray *days;          /* of ObStatsDay */
};

ObStatsCache *
ob_stats_cache_new (void)
{
  ObStatsCache *cache = g_new0 (ObStatsCache, 1);

  cache->days = g_array_new (FALSE, TRUE, sizeof (ObStatsDay));
  return cache;
}

void
ob_stats_cache_free (ObStatsCache *cache)
{
  if (cache == NULL)
    return;
  g_array_unref (cache->days);
  g_free (cache->zone);
  g_free (cache);
}

static const ObStatsDay *
cached_day (ObStatsCache     *cache,
            const ObStatsDay *day)
{
  for (guint i = 0; i < cache->days->len; i++)
    {
      const ObStatsDay *d = &g_array_index (cache->days, ObStatsDay, i);

      if (d->day_start == day->day_start && d->day_end == day->day_end)
        return d;
    }
  return NULL;
}

static gboolean
load_days (ObStore         *store,
           ObStatsSnapshot *snap,
           gboolean         naive,
           ObStatsCache    *cache,
           GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) reused = g_array_new (FALSE, TRUE, sizeof (gboolean));
  gint64 campaign_id = snap->query.campaign_id != 0 ? snap->query.campaign_id : -1;
  gboolean use_cache;
  guint n_reused = 0;
  int rc;

  make_days (snap);
  if (snap->days->len == 0)
    return TRUE;

  if (naive)
    {
      stmt = ob_store_prepare (store, DAYS_FROM_EVENTS, error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, campaign_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (snap->days, ObStatsDay, 0).day_start);
      sqlite3_bind_int64 (stmt, 3, g_array_index (snap->days, ObStatsDay, snap->days->len - 1).day_end);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        day_add (day_of (snap, sqlite3_column_int64 (stmt, 0)),
                 (const char *) sqlite3_column_text (stmt, 1), sqlite3_column_int64 (stmt, 2));
      return step_done (store, stmt, rc, error);
    }

  use_cache = cache != NULL && cache->campaign_id == snap->query.campaign_id
              && g_strcmp0 (cache->zone, g_time_zone_get_identifier (snap->zone)) == 0
              && cache->last_event_id <= snap->last_event_id;
  g_array_set_size (reused, snap->days->len);

  /* One sum per day and kind inside sqlite: three short ranges of the
   * primary key (campaign_id, kind, bucket) a day, never a row per quarter
   * hour through the API. */
  stmt = ob_store_prepare (store, DAY_FROM_COUNTERS, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  for (guint i = 0; i < snap->days->len; i++)
    {
      ObStatsDay *d = &g_array_index (snap->days, ObStatsDay, i);
      const ObStatsDay *held = use_cache ? cached_day (cache, d) : NULL;

      if (held != NULL)
        {
          *d = *held;
          g_array_index (reused, gboolean, i) = TRUE;
          n_reused++;
          continue;
        }
      sqlite3_bind_int64 (stmt, 2, d->day_start);
      sqlite3_bind_int64 (stmt, 3, d->day_end);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        day_add (d, (const char *) sqlite3_column_text (stmt, 0), sqlite3_column_int64 (stmt, 1));
      if (!step_done (store, stmt, rc, error))
        return FALSE;
      sqlite3_reset (stmt);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* The days held from before miss what was appended since. */
  if (n_reused > 0 && snap->last_event_id > cache->last_event_id)
    {
      stmt = ob_store_prepare (store,
                               "SELECT at, kind FROM events WHERE id > ?1 AND id <= ?2"
                               " AND kind IN ('sent', 'replied', 'bounced')"
                               " AND (?3 = -1 OR campaign_id = ?3)",
                               error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, cache->last_event_id);
      sqlite3_bind_int64 (stmt, 2, snap->last_event_id);
      sqlite3_bind_int64 (stmt, 3, campaign_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          ObStatsDay *d = day_of (snap, sqlite3_column_int64 (stmt, 0));

          if (d != NULL && g_array_index (reused, gboolean, d - &g_array_index (snap->days, ObStatsDay, 0)))
            day_add (d, (const char *) sqlite3_column_text (stmt, 1), 1);
        }
      if (!step_done (store, stmt, rc, error))
        return FALSE;
    }

  if (cache != NULL)
    {
      cache->campaign_id = snap->query.campaign_id;
      g_free (cache->zone);
      cache->zone = g_strdup (g_time_zone_get_identifier (snap->zone));
      cache->last_event_id = snap->last_event_id;
      g_array_set_size (cache->days, 0);
      g_array_append_vals (cache->days, snap->days->data, snap->days->len);
    }
  return TRUE;
}

static gint64
query_count (ObStore  *store,
             const char *sql,
             gint64    a,
             gint64    b,
             gint64    c,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  sqlite3_bind_int64 (stmt, 3, c);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "dashboard figures");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

/* Per campaign, through enrollments_due_follow_up and enrollments_due_first
 * (migration 003): a range of one partial index each, stopping at the cap. */
#define COUNT_FOLLOW_UPS_DUE \
  "SELECT count (*) FROM (SELECT 1 FROM enrollments" \
  " WHERE campaign_id = ?1 AND state = 'active' AND next_step > 1 AND due_at < ?2 LIMIT ?3)"
#define COUNT_FIRSTS_DUE \
  "SELECT count (*) FROM (SELECT 1 FROM enrollments" \
  " WHERE campaign_id = ?1 AND state = 'active' AND next_step = 1 AND due_at < ?2 LIMIT ?3)"

/* Due before `before` over the running campaigns, at most `cap`. */
static gint64
count_due (ObStore      *store,
           const char   *sql,
           GArray       *campaigns,
           gint64        before,
           gint64        cap,
           GError      **error)
{
  gint64 total = 0;

  for (guint i = 0; i < campaigns->len && total < cap; i++)
    {
      gint64 n = query_count (store, sql, g_array_index (campaigns, gint64, i), before, cap - total, error);

      if (n < 0)
        return -1;
      total += n;
    }
  return total;
}

static gboolean
load_account_queue (ObStore         *store,
                    ObStatsSnapshot *snap,
                    ObStatsAccount  *a,
                    GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) campaigns = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 today_start, today_end, tomorrow_start, tomorrow_end;
  gint64 follow_today, follow_tomorrow, first_today, first_tomorrow, left, taken;
  int rc;

  ob_schedule_day_bounds (snap->zone, snap->now, &today_start, &today_end);
  ob_schedule_day_bounds (snap->zone, today_end, &tomorrow_start, &tomorrow_end);

  stmt = ob_store_prepare (store,
                           "SELECT count (*), coalesce (sum (step_position = 1), 0) FROM sends"
                           " WHERE account_id = ?1 AND sent_at IS NOT NULL"
                           " AND sent_at >= ?2 AND sent_at < ?3",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, a->id);
  sqlite3_bind_int64 (stmt, 2, today_start);
  sqlite3_bind_int64 (stmt, 3, today_end);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "dashboard figures");
      return FALSE;
    }
  a->messages_today = sqlite3_column_int64 (stmt, 0);
  a->sent_today = sqlite3_column_int64 (stmt, 1);

  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = ob_store_prepare (store, "SELECT id FROM campaigns WHERE account_id = ?1 AND state = 'running'",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, a->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (campaigns, id);
    }
  if (!step_done (store, stmt, rc, error))
    return FALSE;

  /* Counting stops at a cap: a backlog of 600,000 first emails is "more than
   * today's limit", not a number worth a full scan. */
  follow_today = count_due (store, COUNT_FOLLOW_UPS_DUE, campaigns, today_end, QUEUE_COUNT_CAP, error);
  follow_tomorrow = follow_today < 0 ? -1
    : count_due (store, COUNT_FOLLOW_UPS_DUE, campaigns, tomorrow_end, QUEUE_COUNT_CAP, error);
  first_today = follow_tomorrow < 0 ? -1
    : count_due (store, COUNT_FIRSTS_DUE, campaigns, today_end, 2 * a->daily_limit + 1, error);
  first_tomorrow = first_today < 0 ? -1
    : count_due (store, COUNT_FIRSTS_DUE, campaigns, tomorrow_end, 2 * a->daily_limit + 1, error);
  if (first_tomorrow < 0)
    return FALSE;

  left = MAX (0, a->daily_limit - a->sent_today);
  taken = MIN (first_today, left);
  a->queue_today = follow_today + taken;
  a->queue_tomorrow = MAX (0, follow_tomorrow - follow_today)
                      + MIN (MAX (0, first_tomorrow - taken), a->daily_limit);
  return TRUE;
}

static gboolean
load_accounts (ObStore         *store,
               ObStatsSnapshot *snap,
               GDateTime       *now,
               GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT id, name, email, state, state_reason, coalesce (paused_until, 0),"
                           " daily_limit FROM accounts ORDER BY name",
                           error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObStatsAccount *a = g_new0 (ObStatsAccount, 1);

      a->id = sqlite3_column_int64 (stmt, 0);
      a->name = column_dup (stmt, 1);
      a->email = column_dup (stmt, 2);
      a->state = column_dup (stmt, 3);
      a->state_reason = column_dup (stmt, 4);
      a->paused_until = sqlite3_column_int64 (stmt, 5);
      a->daily_limit = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (snap->accounts, a);
    }
  if (!step_done (store, stmt, rc, error))
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (guint i = 0; i < snap->accounts->len; i++)
    {
      ObStatsAccount *a = g_ptr_array_index (snap->accounts, i);
      ObScheduleDecision decision = { 0 };

      if (!ob_schedule_next_due (store, a->id, now, &decision, error))
        return FALSE;
      a->next_action = decision.action;
      a->next_reason = decision.reason;
      a->next_send_at = decision.action == OB_SCHEDULE_SEND ? decision.send_at : decision.wake_at;
      if (!load_account_queue (store, snap, a, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_feed (ObStore         *store,
           ObStatsSnapshot *snap,
           GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (snap->query.feed_limit == 0)
    return TRUE;
  /* Newest first: by rowid for every campaign, through events_campaign_at
   * for one. */
  stmt = ob_store_prepare (store,
                           snap->query.campaign_id == 0
                           ? "SELECT e.id, e.at, e.kind, coalesce (e.campaign_id, 0),"
                             " coalesce (e.prospect_id, 0), coalesce (e.enrollment_id, 0),"
                             " coalesce (e.step_position, 0), e.detail, p.email, c.name,"
                             " e.kind = 'replied' AND EXISTS (SELECT 1 FROM events x"
                             "   WHERE x.prospect_id = e.prospect_id AND x.kind = 'reply_positive'"
                             "   AND x.enrollment_id IS e.enrollment_id)"
                             " FROM events e LEFT JOIN prospects p ON p.id = e.prospect_id"
                             " LEFT JOIN campaigns c ON c.id = e.campaign_id"
                             " WHERE ?1 = 0 ORDER BY e.id DESC LIMIT ?2"
                           : "SELECT e.id, e.at, e.kind, coalesce (e.campaign_id, 0),"
                             " coalesce (e.prospect_id, 0), coalesce (e.enrollment_id, 0),"
                             " coalesce (e.step_position, 0), e.detail, p.email, c.name,"
                             " e.kind = 'replied' AND EXISTS (SELECT 1 FROM events x"
                             "   WHERE x.prospect_id = e.prospect_id AND x.kind = 'reply_positive'"
                             "   AND x.enrollment_id IS e.enrollment_id)"
                             " FROM events e LEFT JOIN prospects p ON p.id = e.prospect_id"
                             " LEFT JOIN campaigns c ON c.id = e.campaign_id"
                             " WHERE e.campaign_id = ?1 ORDER BY e.at DESC, e.id DESC LIMIT ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snap->query.campaign_id);
  sqlite3_bind_int64 (stmt, 2, snap->query.feed_limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObStatsEvent *e = g_new0 (ObStatsEvent, 1);

      e->id = sqlite3_column_int64 (stmt, 0);
      e->at = sqlite3_column_int64 (stmt, 1);
      e->kind = column_dup (stmt, 2);
      e->campaign_id = sqlite3_column_int64 (stmt, 3);
      e->prospect_id = sqlite3_column_int64 (stmt, 4);
      e->enrollment_id = sqlite3_column_int64 (stmt, 5);
      e->step = sqlite3_column_int (stmt, 6);
      e->detail = column_dup (stmt, 7);
      e->prospect_email = column_dup (stmt, 8);
      e->campaign_name = column_dup (stmt, 9);
      e->positive = sqlite3_column_int (stmt, 10) != 0;
      g_ptr_array_add (snap->feed, e);
    }
  return step_done (store, stmt, rc, error);
}

static int
compare_upcoming (gconstpointer a,
                  gconstpointer b)
{
  const ObStatsUpcoming *x = *(ObStatsUpcoming * const *) a;
  const ObStatsUpcoming *y = *(ObStatsUpcoming * const *) b;

  if (x->send_at != y->send_at)
    return x->send_at < y->send_at ? -1 : 1;
  return x->enrollment_id < y->enrollment_id ? -1 : x->enrollment_id > y->enrollment_id;
}

static gboolean
load_upcoming (ObStore         *store,
               ObStatsSnapshot *snap,
               GError         **error)
{
  g_autoptr(sqlite3_stmt) campaigns = NULL;
  int rc;

  if (snap->query.upcoming_limit == 0)
    return TRUE;
  /* The soonest due of each campaign (enrollments_due), moved into its
   * window; a paused campaign shows what it would send when resumed. */
  campaigns = ob_store_prepare (store,
                                "SELECT id, name, timezone, window_start, window_end, days, holidays"
                                " FROM campaigns WHERE (?1 = 0 AND state = 'running') OR id = ?1",
                                error);
  if (campaigns == NULL)
    return FALSE;
  sqlite3_bind_int64 (campaigns, 1, snap->query.campaign_id);
  while ((rc = sqlite3_step (campaigns)) == SQLITE_ROW)
    {
      g_autoptr(sqlite3_stmt) due = NULL;
      g_autoptr(ObScheduleSettings) settings = NULL;
      gint64 campaign_id = sqlite3_column_int64 (campaigns, 0);
      int due_rc;

      settings = ob_schedule_settings_new ((const char *) sqlite3_column_text (campaigns, 2),
                                           (guint) sqlite3_column_int (campaigns, 3),
                                           (guint) sqlite3_column_int (campaigns, 4),
                                           (guint) sqlite3_column_int (campaigns, 5),
                                           (const char *) sqlite3_column_text (campaigns, 6),
                                           NULL);
      due = ob_store_prepare (store,
                              "SELECT e.id, p.email, e.next_step, e.due_at FROM enrollments e"
                              " JOIN prospects p ON p.id = e.prospect_id"
                              " WHERE e.campaign_id = ?1 AND e.state = 'active' AND e.due_at IS NOT NULL"
                              " ORDER BY e.due_at LIMIT ?2",
                              error);
      if (due == NULL)
        return FALSE;
      sqlite3_bind_int64 (due, 1, campaign_id);
      sqlite3_bind_int64 (due, 2, snap->query.upcoming_limit);
      while ((due_rc = sqlite3_step (due)) == SQLITE_ROW)
        {
          ObStatsUpcoming *u = g_new0 (ObStatsUpcoming, 1);
          gint64 from;

          u->enrollment_id = sqlite3_column_int64 (due, 0);
          u->campaign_id = campaign_id;
          u->campaign_name = column_dup (campaigns, 1);
          u->prospect_email = column_dup (due, 1);
          u->step = sqlite3_column_int (due, 2);
          u->due_at = sqlite3_column_int64 (due, 3);
          from = MAX (u->due_at, snap->now);
          u->send_at = from;
          if (settings != NULL)
            {
              g_autoptr(GDateTime) after = g_date_time_new_from_unix_utc (from);
              g_autoptr(GDateTime) open = ob_schedule_next_window_open (settings, after);

              u->send_at = open != NULL ? g_date_time_to_unix (open) : OB_SCHEDULE_NEVER;
            }
          g_ptr_array_add (snap->upcoming, u);
        }
      if (!step_done (store, due, due_rc, error))
        return FALSE;
    }
  if (!step_done (store, campaigns, rc, error))
    return FALSE;

  g_ptr_array_sort (snap->upcoming, compare_upcoming);
  if (snap->upcoming->len > snap->query.upcoming_limit)
    g_ptr_array_set_size (snap->upcoming, snap->query.upcoming_limit);
  return TRUE;
}

static gboolean
load_enrollments (ObStore         *store,
                  ObStatsSnapshot *snap,
                  GHashTable      *by_id,
                  GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(snap->query.flags & OB_STATS_WITH_ENROLLMENTS))
    return TRUE;
  /* A covering scan of enrollments_campaign_state. */
  stmt = ob_store_prepare (store,
                           "SELECT campaign_id, state, count (*) FROM enrollments"
                           " WHERE ?1 = 0 OR campaign_id = ?1 GROUP BY campaign_id, state",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, snap->query.campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      const char *state = (const char *) sqlite3_column_text (stmt, 1);
      ObStatsCampaign *c = g_hash_table_lookup (by_id, &id);

      if (c == NULL || state == NULL)
        continue;
      for (guint i = 0; i < OB_STATS_N_ENROLLMENT_STATES; i++)
        if (strcmp (state, enrollment_states[i]) == 0)
          c->enrollments[i] = sqlite3_column_int64 (stmt, 2);
    }
  return step_done (store, stmt, rc, error);
}

static ObStatsSnapshot *
compute (ObStore            *store,
         GDateTime          *now,
         const ObStatsQuery *query,
         gboolean            naive,
         ObStatsCache       *cache,
         GError            **error)
{
  g_autoptr(ObStatsSnapshot) snap = g_new0 (ObStatsSnapshot, 1);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 last;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (now != NULL, NULL);
  g_return_val_if_fail (query != NULL, NULL);

  snap->now = g_date_time_to_unix (now);
  snap->query = *query;
  snap->zone = g_time_zone_ref (g_date_time_get_timezone (now));
  snap->accounts = g_ptr_array_new_with_free_func (account_free);
  snap->campaigns = g_ptr_array_new_with_free_func (campaign_free);
  snap->feed = g_ptr_array_new_with_free_func (event_free);
  snap->upcoming = g_ptr_array_new_with_free_func (upcoming_free);

  /* One read transaction (deferred: no write lock): every figure of one
   * moment. */
  if (!ob_store_exec (store, "BEGIN", error))
    return NULL;
  if ((last = query_count (store, "SELECT max (id) FROM events", 0, 0, 0, error)) < 0)
    {
      ob_store_rollback (store);
      return NULL;
    }
  snap->last_event_id = last;
  if (!load_campaigns (store, snap, by_id, error)
      || !load_totals (store, snap, by_id, naive, error)
      || !load_days (store, snap, naive, cache, error)
      || ((query->flags & OB_STATS_WITH_ACCOUNTS)
          && !load_accounts (store, snap, now, error))
      || !load_feed (store, snap, error)
      || !load_upcoming (store, snap, error)
      || !load_enrollments (store, snap, by_id, error))
    {
      ob_store_rollback (store);
      return NULL;
    }
  ob_store_rollback (store);
  return g_steal_pointer (&snap);
}

ObStatsSnapshot *
ob_stats_compute (ObStore            *store,
                  GDateTime          *now,
                  const ObStatsQuery *query,
                  GError            **error)
{
  return compute (store, now, query, FALSE, NULL, error);
}

ObStatsSnapshot *
ob_stats_compute_naive (ObStore            *store,
                        GDateTime          *now,
                        const ObStatsQuery *query,
                        GError            **error)
{
  return compute (store, now, query, TRUE, NULL, error);
}

ObStatsSnapshot *
ob_stats_compute_cached (ObStore            *store,
                         GDateTime          *now,
                         const ObStatsQuery *query,
                         ObStatsCache       *cache,
                         GError            **error)
{
  g_return_val_if_fail (cache != NULL, NULL);
  return compute (store, now, query, FALSE, cache, error);
}

gboolean
ob_stats_rebuild_counters (ObStore  *store,
                           GError  **error)
{
  if (!ob_store_begin (store, error))
    return FALSE;
  if (!ob_store_exec (store,
                      "DELETE FROM stats_buckets; DELETE FROM stats_steps;"
                      "INSERT INTO stats_buckets (campaign_id, bucket, kind, n)"
                      " SELECT coalesce (campaign_id, 0), at / 900, kind, count (*) FROM events GROUP BY 1, 2, 3;"
                      "INSERT INTO stats_buckets (campaign_id, bucket, kind, n)"
                      " SELECT -1, at / 900, kind, count (*) FROM events GROUP BY 2, 3;"
                      "INSERT INTO stats_steps (campaign_id, account_id, step_position, kind, n)"
                      " SELECT coalesce (e.campaign_id, 0), coalesce (e.account_id, 0),"
                      " coalesce (e.step_position, (SELECT max (step_position) FROM sends s"
                      "   WHERE s.enrollment_id = e.enrollment_id AND s.state = 'sent'), 0),"
                      " e.kind, count (*) FROM events e GROUP BY 1, 2, 3, 4;",
                      error)
      || !ob_store_commit (store, error))
    {
      ob_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

gboolean
ob_stats_mark_positive (ObStore  *store,
                        gint64    reply_event_id,
                        GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autofree char *detail = NULL;
  int rc;

  if (!ob_store_begin (store, error))
    return FALSE;
  stmt = ob_store_prepare (store,
                           "SELECT kind, account_id, campaign_id, prospect_id, enrollment_id,"
                           " step_position, EXISTS (SELECT 1 FROM events x WHERE x.kind = 'reply_positive'"
                           "   AND x.prospect_id IS e.prospect_id AND x.enrollment_id IS e.enrollment_id)"
                           " FROM events e WHERE id = ?1",
                           error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, reply_event_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, OB_STATS_ERROR, OB_STATS_ERROR_NOT_FOUND,
                   _("No event %lld in the store"), (long long) reply_event_id);
      goto fail;
    }
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "mark a reply");
      goto fail;
    }
  if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "replied") != 0)
    {
      g_set_error (error, OB_STATS_ERROR, OB_STATS_ERROR_NOT_A_REPLY,
                   _("Event %lld is not a reply: only replies can be marked as interested"),
                   (long long) reply_event_id);
      goto fail;
    }
  if (sqlite3_column_int (stmt, 6) == 0)
    {
      insert = ob_store_prepare (store,
                                 "INSERT INTO events (kind, account_id, campaign_id, prospect_id,"
                                 " enrollment_id, step_position, detail)"
                                 " VALUES ('reply_positive', ?1, ?2, ?3, ?4, ?5, ?6)",
                                 error);
      if (insert == NULL)
        goto fail;
      for (int i = 1; i <= 5; i++)
        sqlite3_bind_value (insert, i, sqlite3_column_value (stmt, i));
      detail = g_strdup_printf ("{\"reply_event\":%" G_GINT64_FORMAT "}", reply_event_id);
      sqlite3_bind_text (insert, 6, detail, -1, SQLITE_STATIC);
      rc = sqlite3_step (insert);
      if (rc != SQLITE_DONE)
        {
          ob_store_set_error_from_db (store, rc, error, "mark a reply");
          goto fail;
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&insert, sqlite3_finalize);
  if (!ob_store_commit (store, error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&insert, sqlite3_finalize);
  ob_store_rollback (store);
  return FALSE;
}

/* ---- CSV -------------------------------------------------------------------- */

static void
csv_field (GString    *out,
           const char *text)
{
  if (text == NULL)
    text = "";
  /* A spreadsheet runs a cell that starts like a formula: keep it text. */
  if (strchr ("=+-@", text[0]) != NULL && text[0] != '\0')
    {
      g_string_append (out, "\"'");
      for (const char *p = text; *p; p++)
        g_string_append (out, *p == '"' ? "\"\"" : (char[]) { *p, 0 });
      g_string_append_c (out, '"');
    }
  else if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = text; *p; p++)
        g_string_append (out, *p == '"' ? "\"\"" : (char[]) { *p, 0 });
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, text);
}

static void
csv_int (GString *out,
         gint64   n)
{
  g_string_append_printf (out, ",%" G_GINT64_FORMAT, n);
}

static void
csv_rate (GString *out,
          double   rate)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (out, ',');
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.4f", rate));
}

static void
csv_figure (GString    *out,
            const char *name,
            gint64      n)
{
  g_string_append (out, name);
  csv_int (out, n);
  g_string_append (out, "\r\n");
}

static void
csv_figure_rate (GString    *out,
                 const char *name,
                 double      rate)
{
  g_string_append (out, name);
  csv_rate (out, rate);
  g_string_append (out, "\r\n");
}

char *
ob_stats_snapshot_to_csv (const ObStatsSnapshot *snap)
{
  GString *out = g_string_new ("figure,value\r\n");
  const ObStatsTotals *t = &snap->totals;

  /* Column names and figure names are keys for scripts: not translated. */
  csv_figure (out, "sent", t->sent);
  csv_figure (out, "contacted", t->contacted);
  csv_figure (out, "replied", t->replied);
  csv_figure_rate (out, "reply_rate", t->reply_rate);
  csv_figure (out, "positive", t->positive);
  csv_figure_rate (out, "positive_rate", t->positive_rate);
  csv_figure (out, "bounced", t->bounced);
  csv_figure_rate (out, "bounce_rate", t->bounce_rate);
  csv_figure_rate (out, "bounce_threshold", t->bounce_threshold_permille / 1000.0);
  csv_figure (out, "soft_bounced", t->soft_bounced);
  csv_figure (out, "auto_replied", t->auto_replied);
  csv_figure (out, "opted_out", t->opted_out);
  csv_figure_rate (out, "opt_out_rate", t->opt_out_rate);
  csv_figure (out, "complaints", t->complaints);
  csv_figure (out, "failed", t->failed);

  g_string_append (out, "\r\ncampaign,step,sent,replied,reply_rate,bounced,bounce_rate,opted_out,opt_out_rate\r\n");
  for (guint i = 0; i < snap->campaigns->len; i++)
    {
      const ObStatsCampaign *c = g_ptr_array_index (snap->campaigns, i);

      for (guint j = 0; j < c->steps->len; j++)
        {
          const ObStatsStep *s = &g_array_index (c->steps, ObStatsStep, j);

          csv_field (out, c->name);
          csv_int (out, s->position);
          csv_int (out, s->sent);
          csv_int (out, s->replied);
          csv_rate (out, s->reply_rate);
          csv_int (out, s->bounced);
          csv_rate (out, s->bounce_rate);
          csv_int (out, s->opted_out);
          csv_rate (out, s->opt_out_rate);
          g_string_append (out, "\r\n");
        }
    }

  if (snap->days != NULL && snap->days->len > 0)
    {
      g_string_append (out, "\r\nday,sent,replied,bounced\r\n");
      for (guint i = 0; i < snap->days->len; i++)
        {
          const ObStatsDay *d = &g_array_index (snap->days, ObStatsDay, i);
          g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc (d->day_start);
          g_autoptr(GDateTime) local = g_date_time_to_timezone (day, snap->zone);
          g_autofree char *date = g_date_time_format (local, "%Y-%m-%d");

          g_string_append (out, date);
          csv_int (out, d->sent);
          csv_int (out, d->replied);
          csv_int (out, d->bounced);
          g_string_append (out, "\r\n");
        }
    }
  return g_string_free (out, FALSE);
}

/* ---- ObStats: the worker ---------------------------------------------------- */

struct _ObStats
{
  GObject  parent_instance;

  char    *db_path;
  /* One task at a time; each on its worker thread's own connection
   * (ob_store_open_for_thread() keeps one per thread). */
  GMutex   lock;
  ObStatsCache *cache; /* under the lock */
};

G_DEFINE_FINAL_TYPE (ObStats, ob_stats, G_TYPE_OBJECT)

static void
ob_stats_finalize (GObject *object)
{
  ObStats *self = OB_STATS (object);

  g_clear_pointer (&self->cache, ob_stats_cache_free);
  g_mutex_clear (&self->lock);
  g_free (self->db_path);

  G_OBJECT_CLASS (ob_stats_parent_class)->finalize (object);
}

static void
ob_stats_class_init (ObStatsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_stats_finalize;
}

static void
ob_stats_init (ObStats *self)
{
  g_mutex_init (&self->lock);
  self->cache = ob_stats_cache_new ();
}

ObStats *
ob_stats_new (const char *db_path)
{
  ObStats *self;

  g_return_val_if_fail (db_path != NULL, NULL);

  self = g_object_new (OB_TYPE_STATS, NULL);
  self->db_path = g_strdup (db_path);
  return self;
}

typedef struct
{
  ObStatsQuery query;
  GDateTime   *now;
  gint64       event_id;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->now, g_date_time_unref);
  g_free (job);
}


static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ObStats *self = source_object;
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  ObStatsSnapshot *snap = NULL;

  g_mutex_lock (&self->lock);
  if (!g_task_return_error_if_cancelled (task))
    {
      store = ob_store_open_for_thread (self->db_path, &error);
      if (store != NULL)
        snap = ob_stats_compute_cached (store, job->now, &job->query, self->cache, &error);
      if (snap != NULL)
        g_task_return_pointer (task, snap, (GDestroyNotify) ob_stats_snapshot_free);
      else
        g_task_return_error (task, g_steal_pointer (&error));
    }
  g_mutex_unlock (&self->lock);
}

void
ob_stats_compute_async (ObStats            *self,
                        const ObStatsQuery *query,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (OB_IS_STATS (self));
  g_return_if_fail (query != NULL);

  job = g_new0 (Job, 1);
  job->query = *query;
  /* The user's zone, read here: TZ as the app sees it. */
  job->now = g_date_time_new_now_local ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_stats_compute_async);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, compute_thread);
}

ObStatsSnapshot *
ob_stats_compute_finish (ObStats       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mark_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ObStats *self = source_object;
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;

  g_mutex_lock (&self->lock);
  store = ob_store_open_for_thread (self->db_path, &error);
  if (store != NULL && ob_stats_mark_positive (store, job->event_id, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
  g_mutex_unlock (&self->lock);
}

void
ob_stats_mark_positive_async (ObStats            *self,
                              gint64              reply_event_id,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (OB_IS_STATS (self));

  job = g_new0 (Job, 1);
  job->event_id = reply_event_id;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_stats_mark_positive_async);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, mark_thread);
}

gboolean
ob_stats_mark_positive_finish (ObStats       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
