/* ob-stats.h: dashboard figures: totals, rates, per-day buckets, per-step
 * funnels, accounts, upcoming sends and the activity feed
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-schedule.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_STATS_ERROR (ob_stats_error_quark ())

typedef enum
{
  OB_STATS_ERROR_NOT_A_REPLY, /* ob_stats_mark_positive() on an event that is not a reply */
  OB_STATS_ERROR_NOT_FOUND,   /* no such event or campaign */
} ObStatsError;

/* The Bounce Shield's default threshold, per mille (campaigns.bounce_threshold_permille). */
#define OB_STATS_DEFAULT_BOUNCE_THRESHOLD 20

/* Counts of events and the rates between them. */
typedef struct
{
  gint64 sent;          /* messages the server accepted ('sent') */
  gint64 contacted;     /* first emails accepted: prospects contacted */
  gint64 replied;       /* 'replied' */
  gint64 positive;      /* 'reply_positive': replies the rep marked as interested */
  gint64 bounced;       /* hard bounces ('bounced') */
  gint64 soft_bounced;  /* 'soft_bounced' */
  gint64 auto_replied;  /* 'auto_replied' */
  gint64 opted_out;     /* 'opted_out' */
  gint64 complaints;    /* 'complaint' */
  gint64 failed;        /* 'failed' */
  double reply_rate;    /* replied / contacted */
  double positive_rate; /* positive / replied */
  /* bounced / (sent + bounced): a refused recipient is an attempt with no
   * 'sent' event, as the Bounce Shield counts it */
  double bounce_rate;
  double opt_out_rate;  /* opted_out / contacted */
  guint  bounce_threshold_permille;
} ObStatsTotals;

/* One step of a campaign's funnel; replies and opt-outs count for the step
 * that was last sent before them. */
typedef struct
{
  int    position;
  gint64 sent;
  gint64 replied;
  gint64 bounced;
  gint64 opted_out;
  double reply_rate;   /* replied / sent */
  double bounce_rate;  /* bounced / (sent + bounced) */
  double opt_out_rate; /* opted_out / sent */
} ObStatsStep;

/* One local day of the user's zone: [day_start, day_end). */
typedef struct
{
  gint64 day_start;
  gint64 day_end;
  gint64 sent;
  gint64 replied;
  gint64 bounced;
} ObStatsDay;

typedef enum
{
  OB_STATS_ENROLLMENT_ACTIVE,
  OB_STATS_ENROLLMENT_FINISHED,
  OB_STATS_ENROLLMENT_REPLIED,
  OB_STATS_ENROLLMENT_BOUNCED,
  OB_STATS_ENROLLMENT_OPTED_OUT,
  OB_STATS_ENROLLMENT_STOPPED,
  OB_STATS_ENROLLMENT_PAUSED,
  OB_STATS_N_ENROLLMENT_STATES
} ObStatsEnrollmentState;

typedef struct
{
  gint64           id;
  char            *name;
  char            *email;
  char            *state;        /* accounts.state: ok, paused, error, throttled */
  char            *state_reason;
  gint64           paused_until;
  gint64           daily_limit;  /* first emails a day */
  gint64           sent_today;   /* first emails sent today: what counts against the limit */
  gint64           messages_today; /* every message sent today */
  /* The scheduler's answer at `now`: SEND (next_send_at is when) or WAIT
   * (next_send_at is when to look again, 0: nothing is waiting). */
  ObScheduleAction next_action;
  ObScheduleReason next_reason;
  gint64           next_send_at;
  /* Due by the end of today / during tomorrow, within the daily limit
   * (sending windows and pauses may push some later). */
  gint64           queue_today;
  gint64           queue_tomorrow;
} ObStatsAccount;

typedef struct
{
  gint64        id;
  char         *name;
  char         *state;        /* draft, running, paused, finished */
  char         *state_reason;
  gint64        account_id;
  ObStatsTotals totals;
  GArray       *steps;        /* of ObStatsStep, by position */
  gint64        enrollments[OB_STATS_N_ENROLLMENT_STATES]; /* OB_STATS_WITH_ENROLLMENTS only */
} ObStatsCampaign;

typedef struct
{
  gint64   id;
  gint64   at;
  char    *kind;
  gint64   campaign_id;
  gint64   prospect_id;
  gint64   enrollment_id;
  int      step;           /* 0 when none */
  char    *detail;         /* JSON */
  char    *prospect_email; /* NULL when none */
  char    *campaign_name;  /* NULL when none */
  gboolean positive;       /* a reply the rep marked as interested */
} ObStatsEvent;

typedef struct
{
  gint64  enrollment_id;
  gint64  campaign_id;
  char   *campaign_name;
  char   *prospect_email;
  int     step;
  gint64  due_at;  /* enrollments.due_at */
  gint64  send_at; /* due_at or now, moved into the campaign's next window */
} ObStatsUpcoming;

typedef enum
{
  OB_STATS_WITH_ENROLLMENTS = 1 << 0, /* ObStatsCampaign.enrollments (a count over the campaign's enrollments) */
  OB_STATS_WITH_ACCOUNTS    = 1 << 1, /* accounts[]: the scheduler's view of each account */
} ObStatsFlags;

typedef struct
{
  guint        days;           /* per-day buckets: 7, 30, 90... (0: none) */
  gint64       campaign_id;    /* 0: every campaign */
  guint        feed_limit;     /* latest events (0: none) */
  guint        upcoming_limit; /* next sends (0: none) */
  ObStatsFlags flags;
} ObStatsQuery;

typedef struct
{
  gint64        now;
  GTimeZone    *zone;      /* the user's: days are its local days */
  ObStatsQuery  query;
  ObStatsTotals totals;    /* of query.campaign_id, or of every campaign */
  GArray       *days;      /* of ObStatsDay, oldest first, the last one today */
  GPtrArray    *accounts;  /* of ObStatsAccount, by name */
  GPtrArray    *campaigns; /* of ObStatsCampaign, by name (only query.campaign_id when set) */
  GPtrArray    *feed;      /* of ObStatsEvent, newest first */
  GPtrArray    *upcoming;  /* of ObStatsUpcoming, soonest first */
  gint64        last_event_id;
} ObStatsSnapshot;

GQuark           ob_stats_error_quark        (void);

/* Threads: every function below that takes an ObStore runs on the thread
 * that owns that store (ob_store_open_for_thread() on workers). The figures
 * come from counters that a trigger keeps current (migration 006), so the
 * cost does not grow with the number of events. `now` is in the user's zone:
 * days are that zone's local days. */
ObStatsSnapshot *ob_stats_compute            (ObStore            *store,
                                              GDateTime          *now,
                                              const ObStatsQuery *query,
                                              GError            **error);
/* The same, keeping the per-day figures in `cache` between calls (see
 * ob-stats.c): the days already held are not read again. One cache per
 * series of calls; any query may follow any other. */
typedef struct _ObStatsCache ObStatsCache;
ObStatsCache    *ob_stats_cache_new          (void);
void             ob_stats_cache_free         (ObStatsCache       *cache);
ObStatsSnapshot *ob_stats_compute_cached     (ObStore            *store,
                                              GDateTime          *now,
                                              const ObStatsQuery *query,
                                              ObStatsCache       *cache,
                                              GError            **error);
/* The same figures straight from the events with GROUP BY queries: the
 * reference the tests and the benchmark compare with. Slow. */
ObStatsSnapshot *ob_stats_compute_naive      (ObStore            *store,
                                              GDateTime          *now,
                                              const ObStatsQuery *query,
                                              GError            **error);
void             ob_stats_snapshot_free      (ObStatsSnapshot    *snapshot);

/* Recounts the counters from the events (after a repair). */
gboolean         ob_stats_rebuild_counters   (ObStore            *store,
                                              GError            **error);

/* Marks the reply `reply_event_id` (a 'replied' event) as interested: one
 * 'reply_positive' event for its enrollment; again is a no-op. */
gboolean         ob_stats_mark_positive      (ObStore            *store,
                                              gint64              reply_event_id,
                                              GError            **error);

/* Two CSV tables (figures, then one row per campaign step), RFC 4180, CRLF. */
char            *ob_stats_snapshot_to_csv    (const ObStatsSnapshot *snapshot);

/* Names for the enrollment states, as in enrollments.state. */
const char      *ob_stats_enrollment_state_to_string (ObStatsEnrollmentState state);

/* ob_stats_compute() on GTask worker threads, one at a time, each with its
 * thread's own connection. Call from the main thread. */
#define OB_TYPE_STATS (ob_stats_get_type ())
G_DECLARE_FINAL_TYPE (ObStats, ob_stats, OB, STATS, GObject)

ObStats         *ob_stats_new                (const char         *db_path);
void             ob_stats_compute_async      (ObStats            *self,
                                              const ObStatsQuery *query,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
ObStatsSnapshot *ob_stats_compute_finish     (ObStats            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void             ob_stats_mark_positive_async (ObStats           *self,
                                               gint64             reply_event_id,
                                               GCancellable      *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer           user_data);
gboolean         ob_stats_mark_positive_finish (ObStats          *self,
                                                GAsyncResult     *result,
                                                GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStatsSnapshot, ob_stats_snapshot_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStatsCache, ob_stats_cache_free)

G_END_DECLS
