/* ob-schedule.h: when the next message may go: windows, delays, limits, pauses
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_SCHEDULE_ERROR (ob_schedule_error_quark ())

typedef enum
{
  OB_SCHEDULE_ERROR_INVALID_DELAY,    /* not "<number><unit>", or too long */
  OB_SCHEDULE_ERROR_INVALID_TIMEZONE, /* not a time zone this system knows */
  OB_SCHEDULE_ERROR_INVALID_WINDOW,   /* malformed or empty sending window */
  OB_SCHEDULE_ERROR_INVALID_DAYS,     /* unknown weekday name, or no day at all */
  OB_SCHEDULE_ERROR_INVALID_HOLIDAYS, /* a holiday that is not a YYYY-MM-DD date */
  OB_SCHEDULE_ERROR_NO_ACCOUNT,       /* ob_schedule_next_due() for an account that is gone */
} ObScheduleError;

/* Returned by the gint64 functions when no window will ever open. */
#define OB_SCHEDULE_NEVER G_MAXINT64

/* campaigns.days: bit 0 is Monday ... bit 6 is Sunday. */
#define OB_SCHEDULE_MONDAY    (1u << 0)
#define OB_SCHEDULE_SUNDAY    (1u << 6)
#define OB_SCHEDULE_WEEKDAYS  0x1fu
#define OB_SCHEDULE_EVERY_DAY 0x7fu

/* Minutes after local midnight; 0-1440 is the whole day. */
#define OB_SCHEDULE_WHOLE_DAY_END 1440

typedef enum
{
  OB_DELAY_SECONDS,       /* "s": elapsed time */
  OB_DELAY_MINUTES,       /* "m": elapsed time */
  OB_DELAY_HOURS,         /* "h": elapsed time */
  OB_DELAY_DAYS,          /* "d": calendar days, same local time of day */
  OB_DELAY_BUSINESS_DAYS, /* "bd": Monday to Friday minus holidays, same local time of day */
} ObDelayUnit;

typedef struct
{
  guint       amount;
  ObDelayUnit unit;
} ObScheduleDelay;

/* A campaign's sending rules in one time zone: immutable and reference
 * counted, so any thread may use and share it. */
typedef struct _ObScheduleSettings ObScheduleSettings;

typedef enum
{
  OB_SCHEDULE_SEND, /* send `step` of `enrollment_id` at `send_at` */
  OB_SCHEDULE_WAIT, /* nothing may go now: ask again at `wake_at` (0: only when the store changes) */
} ObScheduleAction;

typedef enum
{
  OB_SCHEDULE_REASON_DUE,            /* SEND, due now */
  OB_SCHEDULE_REASON_PAUSE,          /* the random pause after the previous send still runs */
  OB_SCHEDULE_REASON_NOTHING,        /* WAIT: nothing left to send to; wake_at is 0 */
  OB_SCHEDULE_REASON_ACCOUNT_PAUSED, /* WAIT: paused by the user or needs the user; wake_at is 0 */
  OB_SCHEDULE_REASON_THROTTLED,      /* WAIT: the account is held until accounts.paused_until */
  OB_SCHEDULE_REASON_WINDOW,         /* WAIT: something is due, outside its sending window */
  OB_SCHEDULE_REASON_DAILY_LIMIT,    /* WAIT: only first emails are due and a daily limit is reached */
  OB_SCHEDULE_REASON_NOT_YET,        /* WAIT: the next step is due later */
  OB_SCHEDULE_REASON_RETRY,          /* WAIT: a failed attempt waits for its retry time */
} ObScheduleReason;

typedef struct
{
  ObScheduleAction action;
  ObScheduleReason reason;
  /* SEND only (0 otherwise): */
  gint64           enrollment_id;
  gint64           campaign_id;
  gint64           prospect_id;
  int              step;          /* position; 1 is the first email */
  gint64           due_at;        /* the enrollment's raw due_at */
  /* Earliest time it may go: `now`, or when the pause between sends ends
   * (REASON_PAUSE: ask again then, the answer may have changed). */
  gint64           send_at;
  /* When to ask again at the latest, Unix seconds: SEND: send_at; WAIT: the
   * first moment a time rule may let something go (never late, sometimes
   * early); 0 when only a change in the store can. */
  gint64           wake_at;
} ObScheduleDecision;

GQuark              ob_schedule_error_quark           (void);

/* Settings.
 * timezone: IANA name; NULL or "" is the system's own zone.
 * window_start, window_end: minutes after local midnight. start > end is a
 *   window that crosses midnight (22:00-02:00); it belongs to the day it opens
 *   on. 0-1440 is the whole day. Equal ends are refused.
 * days: OB_SCHEDULE_MONDAY... bits; holidays: local dates "YYYY-MM-DD"
 *   separated by ';', ',' or white space (campaigns.holidays), or NULL. */
ObScheduleSettings *ob_schedule_settings_new          (const char                *timezone,
                                                       guint                      window_start,
                                                       guint                      window_end,
                                                       guint                      days,
                                                       const char                *holidays,
                                                       GError                   **error);
ObScheduleSettings *ob_schedule_settings_ref          (ObScheduleSettings        *self);
void                ob_schedule_settings_unref        (ObScheduleSettings        *self);
/* The same rules in the prospect's own zone; NULL, "" or an unknown zone
 * keep the campaign's. */
ObScheduleSettings *ob_schedule_settings_for_prospect (ObScheduleSettings        *self,
                                                       const char                *prospect_timezone);
GTimeZone          *ob_schedule_settings_get_timezone (ObScheduleSettings        *self);

/* Pure time rules. An instant is inside the window when the local clock
 * reads a time in [start, end) on an allowed day that is not a holiday. */
gboolean            ob_schedule_is_open               (ObScheduleSettings        *settings,
                                                       GDateTime                 *at);
/* Earliest instant >= after inside the window, in the settings' zone; NULL
 * when none opens within two years (every day a holiday). */
GDateTime          *ob_schedule_next_window_open      (ObScheduleSettings        *settings,
                                                       GDateTime                 *after);
/* Earliest instant >= after outside the window (after itself when closed). */
GDateTime          *ob_schedule_next_window_close     (ObScheduleSettings        *settings,
                                                       GDateTime                 *after);
/* What the sender stores as the next step's enrollments.due_at after a send
 * at previous_sent_at: the raw time, before the window is applied. Use the
 * prospect's settings (ob_schedule_settings_for_prospect()) for d and bd. */
gint64              ob_schedule_compute_due_at        (ObScheduleSettings        *settings,
                                                       gint64                     previous_sent_at,
                                                       const ObScheduleDelay     *delay);
/* ob_schedule_compute_due_at() moved into the next window: when the
 * follow-up would go if nothing else held it; OB_SCHEDULE_NEVER if never. */
gint64              ob_schedule_follow_up_at          (ObScheduleSettings        *settings,
                                                       gint64                     previous_sent_at,
                                                       const ObScheduleDelay     *delay);
/* The local day of `at` in `zone`: [*day_start, *day_end), 23 or 25 hours
 * long on a DST switch day. Daily limits count within it. */
void                ob_schedule_day_bounds            (GTimeZone                 *zone,
                                                       gint64                     at,
                                                       gint64                    *day_start,
                                                       gint64                    *day_end);
/* Seconds to wait between two sends: uniform in [max of the minimums, max of
 * the maximums] of the campaign's and the account's ranges. */
guint               ob_schedule_pick_pause            (guint                      campaign_min,
                                                       guint                      campaign_max,
                                                       guint                      account_min,
                                                       guint                      account_max,
                                                       GRand                     *rand);

/* Campaign file values. */
gboolean            ob_schedule_parse_delay           (const char                *text,
                                                       ObScheduleDelay           *delay,
                                                       GError                   **error);
char               *ob_schedule_format_delay          (const ObScheduleDelay     *delay);
/* steps.delay_unit: "s", "m", "h", "d", "bd". */
const char         *ob_schedule_delay_unit_to_string  (ObDelayUnit                unit);
gboolean            ob_schedule_delay_unit_from_string (const char               *text,
                                                        ObDelayUnit              *unit);
/* "09:00-17:00", "22:00-02:00", "00:00-24:00" */
gboolean            ob_schedule_parse_window          (const char                *text,
                                                       guint                     *window_start,
                                                       guint                     *window_end,
                                                       GError                   **error);
/* { "mon", "tue", ... } or full English names, any case. */
gboolean            ob_schedule_parse_days            (const char * const        *names,
                                                       guint                     *days,
                                                       GError                   **error);

/* The decision over the store: what account_id sends next across its running
 * campaigns, at `now`. Read-only; call it from any thread with that thread's
 * own ObStore (it keeps its prepared statements on it). The account's daily
 * limit counts the local day of `now` in now's own zone: pass
 * g_date_time_new_now_local() in the app. Correct on any schema version;
 * fast with the indexes enrollments_due_follow_up, enrollments_due_first and
 * prospects_timezone. */
gboolean            ob_schedule_next_due              (ObStore                   *store,
                                                       gint64                     account_id,
                                                       GDateTime                 *now,
                                                       ObScheduleDecision        *out,
                                                       GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObScheduleSettings, ob_schedule_settings_unref)

G_END_DECLS
