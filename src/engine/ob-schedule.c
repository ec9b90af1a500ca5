/* ob-schedule.c: when the next message may go: windows, delays, limits, pauses
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: any thread. ObScheduleSettings is immutable and may be shared;
 * GTimeZones are kept process-wide under a lock. ob_schedule_next_due() runs
 * on the thread that owns the ObStore it is given (the sender's, the UI's...),
 * keeps its prepared statements on that store, and only reads.
 *
 * Time rules. Instants are Unix seconds; "wall" seconds are what the local
 * clock reads, counted from 1970-01-01 00:00 local. An instant is inside the
 * window when its wall time of day is in [start, end) on an allowed day:
 *  - spring forward: a window inside the skipped hour (Warsaw 02:00-03:00 on
 *    2026-03-29) does not open that day; one that reaches past it (02:30-04:00)
 *    opens at the jump (03:00 CEST);
 *  - fall back: the repeated hour is inside the window both times, so
 *    01:00-02:00 in New York on 2026-11-01 lasts two hours;
 *  - a window that crosses midnight (22:00-02:00) belongs to the day it opens
 *    on: that day's weekday and holiday status decide.
 * Calendar-day delays keep the local time of day; a time that does not exist
 * that day becomes the end of the gap, a repeated one its first occurrence.
 * Zones are assumed to change offset at most once a day (all IANA zones do).
 */

#define G_LOG_DOMAIN "ob-schedule"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-schedule.h"

#define SECONDS_PER_DAY ((gint64) 86400)
/* Far enough for any date a campaign means, near enough never to overflow. */
#define MAX_TIME ((gint64) 1 << 40)
/* How far ahead a window is looked for before giving up (every day a holiday). */
#define MAX_SCAN_DAYS 731
/* Rows a campaign whose own window is closed reads in due order, looking
 * for a prospect in a zone that is open, before asking zone by zone. */
#define ZONE_SCAN_BUDGET 1024
/* Delays are at most ten years. */
#define MAX_DELAY_DAYS 3660

struct _ObScheduleSettings
{
  GTimeZone *zone;
  guint      window_start;  /* seconds after local midnight */
  guint      window_end;    /* seconds; < window_start when crossing midnight */
  guint      days;
  GArray    *holidays;      /* gint64 local day numbers, sorted, shared between copies */
};

G_DEFINE_QUARK (ob-schedule-error-quark, ob_schedule_error)

/* Calendar arithmetic *********************************************************/

static inline gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if (a % b != 0 && (a < 0) != (b < 0))
    q--;
  return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static gint64
day_number (gint64 year,
            guint  month,
            guint  day)
{
  gint64 era, yoe, doy, doe;

  year -= month <= 2;
  era = floor_div (year, 400);
  yoe = year - era * 400;
  doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* 0 is Monday: 1970-01-01 was a Thursday. */
static inline guint
weekday (gint64 day)
{
  return (guint) (day + 3 - floor_div (day + 3, 7) * 7);
}

static gboolean
is_holiday (const ObScheduleSettings *s,
            gint64                    day)
{
  guint lo = 0, hi = s->holidays->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      gint64 value = g_array_index (s->holidays, gint64, mid);

      if (value == day)
        return TRUE;
      if (value < day)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

static gboolean
day_allowed (const ObScheduleSettings *s,
             gint64                    day)
{
  return (s->days & (1u << weekday (day))) != 0 && !is_holiday (s, day);
}

/* Time zones ******************************************************************/

static inline gint32
offset_at (GTimeZone *zone,
           gint64     t)
{
  return g_time_zone_get_offset (zone, g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, t));
}

static inline gint64
wall_at (GTimeZone *zone,
         gint64     t)
{
  return t + offset_at (zone, t);
}

/* The first instant in (lo, hi] whose offset differs from lo's; the caller
 * knows hi's does. */
static gint64
find_transition (GTimeZone *zone,
                 gint64     lo,
                 gint64     hi)
{
  gint32 before = offset_at (zone, lo);

  while (hi - lo > 1)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (offset_at (zone, mid) == before)
        lo = mid;
      else
        hi = mid;
    }
  return hi;
}

/* The first instant at which the local clock reads `wall` or later: the first
 * occurrence of a repeated time, the jump itself for a skipped one. */
static gint64
wall_to_instant (GTimeZone *zone,
                 gint64     wall)
{
  gint32 before = offset_at (zone, wall - SECONDS_PER_DAY);
  gint32 after = offset_at (zone, wall + SECONDS_PER_DAY);
  gboolean first_valid = offset_at (zone, wall - before) == before;
  gboolean second_valid = offset_at (zone, wall - after) == after;

  if (first_valid && second_valid)
    return MIN (wall - before, wall - after);
  if (first_valid)
    return wall - before;
  if (second_valid)
    return wall - after;

  /* In a gap: the clock jumps from below `wall` to above it. */
  return find_transition (zone, wall - after, wall - before);
}

static gboolean
zone_name_is_plausible (const char *name)
{
  /* Zones come from CSV files: keep them to what IANA names and offsets use,
   * so a name can never point GLib at a file outside the zoneinfo folder. */
  if (name[0] == '/' || strstr (name, "..") != NULL || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/_+-:", *p) == NULL)
      return FALSE;
  return TRUE;
}

static GTimeZone *
zone_new (const char *name)
{
  /* GLib parses the tzdata file (and expands its rules over the years) each
   * time a zone is created with no reference left; that was most of a
   * decision's time. Zones are immutable and thread-safe: keep every valid
   * one, a few hundred at most. Unknown names are not kept. */
  static GMutex lock;
  static GHashTable *known;
  GTimeZone *zone;

  if (name == NULL || name[0] == '\0')
    return g_time_zone_new_local ();
  if (!zone_name_is_plausible (name))
    return NULL;

  g_mutex_lock (&lock);
  if (known == NULL)
    known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_time_zone_unref);
  zone = g_hash_table_lookup (known, name);
  if (zone == NULL)
    {
      zone = g_time_zone_new_identifier (name);
      if (zone != NULL)
        g_hash_table_insert (known, g_strdup (name), zone);
    }
  g_mutex_unlock (&lock);

  return zone != NULL ? g_time_zone_ref (zone) : NULL;
}

/* Settings ********************************************************************/

static void
settings_clear (gpointer data)
{
  ObScheduleSettings *self = data;

  g_clear_pointer (&self->zone, g_time_zone_unref);
  g_clear_pointer (&self->holidays, g_array_unref);
}

static gint
compare_days (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
parse_date (const char *text,
            gint64     *day)
{
  guint y, m, d;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;

  y = (guint) g_ascii_strtoull (text, NULL, 10);
  m = (guint) g_ascii_strtoull (text + 5, NULL, 10);
  d = (guint) g_ascii_strtoull (text + 8, NULL, 10);
  if (y < 1 || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;

  *day = day_number (y, m, d);
  return TRUE;
}

static GArray *
parse_holidays (const char  *text,
                GError     **error)
{
  g_autoptr(GArray) days = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_auto(GStrv) parts = g_strsplit_set (text != NULL ? text : "", ";, \t\r\n", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 day;

      if (parts[i][0] == '\0')
        continue;
      if (!parse_date (parts[i], &day))
        {
          g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_HOLIDAYS,
                       _("“%s” is not a date in the form YYYY-MM-DD"), parts[i]);
          return NULL;
        }
      g_array_append_val (days, day);
    }

  g_array_sort (days, compare_days);
  return g_steal_pointer (&days);
}

static gboolean
check_window (guint     start,
              guint     end,
              GError  **error)
{
  if (start >= OB_SCHEDULE_WHOLE_DAY_END || end > OB_SCHEDULE_WHOLE_DAY_END)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_WINDOW,
                   _("A sending window starts before 24:00 and ends at 24:00 at the latest"));
      return FALSE;
    }
  if (start == end)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_WINDOW,
                   _("The sending window is empty: it starts and ends at the same time "
                     "(write 00:00-24:00 for the whole day)"));
      return FALSE;
    }
  return TRUE;
}

ObScheduleSettings *
ob_schedule_settings_new (const char  *timezone,
                          guint        window_start,
                          guint        window_end,
                          guint        days,
                          const char  *holidays,
                          GError     **error)
{
  g_autoptr(GTimeZone) zone = NULL;
  g_autoptr(GArray) holiday_days = NULL;
  ObScheduleSettings *self;

  g_return_val_if_fail (days <= OB_SCHEDULE_EVERY_DAY, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  zone = zone_new (timezone);
  if (zone == NULL)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_TIMEZONE,
                   _("“%s” is not a time zone known to this system"), timezone);
      return NULL;
    }
  if (!check_window (window_start, window_end, error))
    return NULL;
  if (days == 0)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DAYS,
                   _("Choose at least one day of the week to send on"));
      return NULL;
    }
  holiday_days = parse_holidays (holidays, error);
  if (holiday_days == NULL)
    return NULL;

  self = g_atomic_rc_box_new0 (ObScheduleSettings);
  self->zone = g_steal_pointer (&zone);
  self->window_start = window_start * 60;
  self->window_end = window_end * 60;
  self->days = days;
  self->holidays = g_steal_pointer (&holiday_days);
  return self;
}

ObScheduleSettings *
ob_schedule_settings_ref (ObScheduleSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
ob_schedule_settings_unref (ObScheduleSettings *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, settings_clear);
}

ObScheduleSettings *
ob_schedule_settings_for_prospect (ObScheduleSettings *self,
                                   const char         *prospect_timezone)
{
  g_autoptr(GTimeZone) zone = NULL;
  ObScheduleSettings *copy;

  g_return_val_if_fail (self != NULL, NULL);

  if (prospect_timezone == NULL || prospect_timezone[0] == '\0')
    return ob_schedule_settings_ref (self);
  zone = zone_new (prospect_timezone);
  if (zone == NULL)
    return ob_schedule_settings_ref (self);

  copy = g_atomic_rc_box_new0 (ObScheduleSettings);
  copy->zone = g_steal_pointer (&zone);
  copy->window_start = self->window_start;
  copy->window_end = self->window_end;
  copy->days = self->days;
  copy->holidays = g_array_ref (self->holidays);
  return copy;
}

GTimeZone *
ob_schedule_settings_get_timezone (ObScheduleSettings *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->zone;
}

/* Windows *********************************************************************/

static gboolean
in_window (const ObScheduleSettings *s,
           gint64                    t)
{
  gint64 wall = wall_at (s->zone, t);
  gint64 day = floor_div (wall, SECONDS_PER_DAY);
  gint64 sec = wall - day * SECONDS_PER_DAY;

  if (s->window_start < s->window_end)
    return sec >= s->window_start && sec < s->window_end && day_allowed (s, day);

  /* Crossing midnight: the early hours belong to the previous day's window. */
  return (sec >= s->window_start && day_allowed (s, day)) ||
         (sec < s->window_end && day_allowed (s, day - 1));
}

/* Adds the instants in [lo, hi] (one offset throughout, hi - lo < a day) at
 * which the wall clock reads a time of day where in_window() can change. */
static void
add_breakpoints (const ObScheduleSettings *s,
                 gint64                    lo,
                 gint64                    hi,
                 gint32                    offset,
                 gint64                   *candidates,
                 guint                    *n)
{
  const gint64 times[] = { s->window_start, s->window_end % SECONDS_PER_DAY, 0 };

  if (hi < lo)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      gint64 wall_lo = lo + offset;
      gint64 wall = wall_lo + (times[i] - wall_lo % SECONDS_PER_DAY + 2 * SECONDS_PER_DAY) % SECONDS_PER_DAY;

      if (wall - offset <= hi)
        candidates[(*n)++] = wall - offset;
    }
}

/* The first instant >= from at which in_window() is `want`, or
 * OB_SCHEDULE_NEVER. in_window() only changes where the local clock reads the
 * window's start, its end or midnight, or jumps: those are the candidates,
 * taken a day at a time. */
static gint64
find_switch (const ObScheduleSettings *s,
             gint64                    from,
             gboolean                  want)
{
  if (from < -MAX_TIME || from > MAX_TIME)
    return OB_SCHEDULE_NEVER;
  if (in_window (s, from) == want)
    return from;

  for (gint64 chunk = from; chunk < from + MAX_SCAN_DAYS * SECONDS_PER_DAY; chunk += SECONDS_PER_DAY)
    {
      gint64 end = chunk + SECONDS_PER_DAY;
      gint32 first = offset_at (s->zone, chunk);
      gint32 last = offset_at (s->zone, end);
      gint64 candidates[8];
      guint n = 0;

      /* Candidates in (chunk, end]. */
      if (first == last)
        {
          add_breakpoints (s, chunk + 1, end, first, candidates, &n);
        }
      else
        {
          gint64 jump = find_transition (s->zone, chunk, end);

          candidates[n++] = jump;
          add_breakpoints (s, chunk + 1, jump - 1, first, candidates, &n);
          add_breakpoints (s, jump, end, last, candidates, &n);
        }

      /* A handful: insertion sort. */
      for (guint i = 1; i < n; i++)
        for (guint j = i; j > 0 && candidates[j - 1] > candidates[j]; j--)
          {
            gint64 tmp = candidates[j];

            candidates[j] = candidates[j - 1];
            candidates[j - 1] = tmp;
          }

      for (guint i = 0; i < n; i++)
        if (in_window (s, candidates[i]) == want)
          return candidates[i];
    }

  return OB_SCHEDULE_NEVER;
}

static inline gint64
next_open (const ObScheduleSettings *s,
           gint64                    from)
{
  return find_switch (s, from, TRUE);
}

static GDateTime *
switch_as_date_time (ObScheduleSettings *settings,
                     GDateTime          *after,
                     gboolean            want)
{
  g_autoptr(GDateTime) utc = NULL;
  gint64 t = g_date_time_to_unix (after);
  gint64 found;

  /* Windows change on whole seconds: a fraction inside the right second is
   * already the answer. */
  if (in_window (settings, t) == want)
    return g_date_time_to_timezone (after, settings->zone);
  if (g_date_time_get_microsecond (after) != 0)
    t++;

  found = find_switch (settings, t, want);
  if (found == OB_SCHEDULE_NEVER)
    return NULL;

  utc = g_date_time_new_from_unix_utc (found);
  return g_date_time_to_timezone (utc, settings->zone);
}

gboolean
ob_schedule_is_open (ObScheduleSettings *settings,
                     GDateTime          *at)
{
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (at != NULL, FALSE);

  return in_window (settings, g_date_time_to_unix (at));
}

GDateTime *
ob_schedule_next_window_open (ObScheduleSettings *settings,
                              GDateTime          *after)
{
  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  return switch_as_date_time (settings, after, TRUE);
}

GDateTime *
ob_schedule_next_window_close (ObScheduleSettings *settings,
                               GDateTime          *after)
{
  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  return switch_as_date_time (settings, after, FALSE);
}

/* Delays, days, pauses ********************************************************/

gint64
ob_schedule_compute_due_at (ObScheduleSettings    *settings,
                            gint64                 previous_sent_at,
                            const ObScheduleDelay *delay)
{
  gint64 wall, day, sec, due;

  g_return_val_if_fail (settings != NULL, previous_sent_at);
  g_return_val_if_fail (delay != NULL, previous_sent_at);

  switch (delay->unit)
    {
    case OB_DELAY_SECONDS:
      return previous_sent_at + delay->amount;
    case OB_DELAY_MINUTES:
      return previous_sent_at + (gint64) delay->amount * 60;
    case OB_DELAY_HOURS:
      return previous_sent_at + (gint64) delay->amount * 3600;
    case OB_DELAY_DAYS:
    case OB_DELAY_BUSINESS_DAYS:
      break;
    default:
      g_return_val_if_reached (previous_sent_at);
    }

  if (delay->amount == 0)
    return previous_sent_at;

  wall = wall_at (settings->zone, previous_sent_at);
  day = floor_div (wall, SECONDS_PER_DAY);
  sec = wall - day * SECONDS_PER_DAY;

  if (delay->unit == OB_DELAY_DAYS)
    {
      day += MIN (delay->amount, MAX_DELAY_DAYS);
    }
  else
    {
      guint left = MIN (delay->amount, MAX_DELAY_DAYS);

      /* Business days are Monday to Friday whatever the campaign's sending
       * days; holidays do not count either. */
      while (left > 0)
        {
          day++;
          if (weekday (day) < 5 && !is_holiday (settings, day))
            left--;
        }
    }

  due = wall_to_instant (settings->zone, day * SECONDS_PER_DAY + sec);
  return MAX (due, previous_sent_at);
}

gint64
ob_schedule_follow_up_at (ObScheduleSettings    *settings,
                          gint64                 previous_sent_at,
                          const ObScheduleDelay *delay)
{
  g_return_val_if_fail (settings != NULL, OB_SCHEDULE_NEVER);

  return next_open (settings, ob_schedule_compute_due_at (settings, previous_sent_at, delay));
}

void
ob_schedule_day_bounds (GTimeZone *zone,
                        gint64     at,
                        gint64    *day_start,
                        gint64    *day_end)
{
  gint64 day;

  g_return_if_fail (zone != NULL);

  day = floor_div (wall_at (zone, at), SECONDS_PER_DAY);
  if (day_start != NULL)
    *day_start = wall_to_instant (zone, day * SECONDS_PER_DAY);
  if (day_end != NULL)
    *day_end = wall_to_instant (zone, (day + 1) * SECONDS_PER_DAY);
}

guint
ob_schedule_pick_pause (guint  campaign_min,
                        guint  campaign_max,
                        guint  account_min,
                        guint  account_max,
                        GRand *rand)
{
  guint lo = MAX (campaign_min, account_min);
  guint hi = MAX (MAX (campaign_max, account_max), lo);

  g_return_val_if_fail (rand != NULL, lo);

  lo = MIN (lo, (guint) G_MAXINT32 - 1);
  hi = MIN (hi, (guint) G_MAXINT32 - 1);
  if (hi == lo)
    return lo;
  return (guint) g_rand_int_range (rand, (gint32) lo, (gint32) hi + 1);
}

/* Campaign file values ********************************************************/

static const struct
{
  const char *name;
  ObDelayUnit unit;
  guint       max;
} delay_units[] = {
  { "s", OB_DELAY_SECONDS, MAX_DELAY_DAYS * 86400u },
  { "m", OB_DELAY_MINUTES, MAX_DELAY_DAYS * 1440u },
  { "h", OB_DELAY_HOURS, MAX_DELAY_DAYS * 24u },
  { "d", OB_DELAY_DAYS, MAX_DELAY_DAYS },
  { "bd", OB_DELAY_BUSINESS_DAYS, MAX_DELAY_DAYS / 7 * 5 },
};

const char *
ob_schedule_delay_unit_to_string (ObDelayUnit unit)
{
  for (guint i = 0; i < G_N_ELEMENTS (delay_units); i++)
    if (delay_units[i].unit == unit)
      return delay_units[i].name;
  g_return_val_if_reached (NULL);
}

gboolean
ob_schedule_delay_unit_from_string (const char  *text,
                                    ObDelayUnit *unit)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (delay_units); i++)
    if (strcmp (text, delay_units[i].name) == 0)
      {
        if (unit != NULL)
          *unit = delay_units[i].unit;
        return TRUE;
      }
  return FALSE;
}

gboolean
ob_schedule_parse_delay (const char       *text,
                         ObScheduleDelay  *delay,
                         GError          **error)
{
  g_autofree char *copy = NULL;
  const char *p;
  guint64 amount = 0;
  guint n_digits = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
  for (p = copy; g_ascii_isdigit (*p); p++, n_digits++)
    if (amount <= G_MAXUINT32)
      amount = amount * 10 + (guint64) (*p - '0');

  for (guint i = 0; n_digits > 0 && i < G_N_ELEMENTS (delay_units); i++)
    if (strcmp (p, delay_units[i].name) == 0)
      {
        if (amount > delay_units[i].max)
          {
            g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DELAY,
                         _("The delay “%s” is too long: ten years at most"), copy);
            return FALSE;
          }
        if (delay != NULL)
          {
            delay->amount = (guint) amount;
            delay->unit = delay_units[i].unit;
          }
        return TRUE;
      }

  g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DELAY,
               _("“%s” is not a delay: write a number and a unit, "
                 "such as 3d (days), 2bd (business days), 4h, 15m or 90s"),
               copy);
  return FALSE;
}

char *
ob_schedule_format_delay (const ObScheduleDelay *delay)
{
  g_return_val_if_fail (delay != NULL, NULL);

  return g_strdup_printf ("%u%s", delay->amount, ob_schedule_delay_unit_to_string (delay->unit));
}

/* "H:MM" or "HH:MM", 00:00 to 24:00; returns minutes or -1. */
static int
parse_clock (const char *text,
             gsize       len)
{
  guint hours, minutes;

  if ((len != 4 && len != 5) || text[len - 3] != ':')
    return -1;
  for (gsize i = 0; i < len; i++)
    if (i != len - 3 && !g_ascii_isdigit (text[i]))
      return -1;

  hours = (guint) g_ascii_strtoull (text, NULL, 10);
  minutes = (guint) g_ascii_strtoull (text + len - 2, NULL, 10);
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
    return -1;
  return (int) (hours * 60 + minutes);
}

gboolean
ob_schedule_parse_window (const char  *text,
                          guint       *window_start,
                          guint       *window_end,
                          GError     **error)
{
  g_autofree char *copy = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *dash;
  int start = -1, end = -1;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
  dash = strchr (copy, '-');
  if (dash != NULL)
    {
      first = g_strstrip (g_strndup (copy, (gsize) (dash - copy)));
      second = g_strstrip (g_strdup (dash + 1));
      start = parse_clock (first, strlen (first));
      end = parse_clock (second, strlen (second));
    }

  if (start < 0 || end < 0 || start == 24 * 60)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_WINDOW,
                   _("“%s” is not a sending window such as 09:00-17:00"), copy);
      return FALSE;
    }
  if (!check_window ((guint) start, (guint) end, error))
    return FALSE;

  *window_start = (guint) start;
  *window_end = (guint) end;
  return TRUE;
}

gboolean
ob_schedule_parse_days (const char * const  *names,
                        guint               *days,
                        GError             **error)
{
  static const char *const short_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  static const char *const long_names[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
  };
  guint result = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree char *name = g_strstrip (g_ascii_strdown (names[i], -1));
      gboolean found = FALSE;

      if (name[0] == '\0')
        continue;
      for (guint d = 0; d < 7 && !found; d++)
        if (strcmp (name, short_names[d]) == 0 || strcmp (name, long_names[d]) == 0)
          {
            result |= 1u << d;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DAYS,
                       _("“%s” is not a day of the week"), names[i]);
          return FALSE;
        }
    }

  if (result == 0)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DAYS,
                   _("Choose at least one day of the week to send on"));
      return FALSE;
    }

  *days = result;
  return TRUE;
}

/* The decision over the store *************************************************
 *
 * For each running campaign of the account, follow-ups first, then first
 * emails within the limits: a range scan in due order of
 * enrollments_due_follow_up or enrollments_due_first (the proposed indexes;
 * enrollments_due without them) reads each row's enrollment and prospect
 * zone. C skips rows that may go later (outside their window, enrollment
 * paused) and learns when; STMT_CHECK then rules out, for a row that passes,
 * what can never go (prospect not active or blocked, step missing, step sent
 * or in doubt) and a retry that is not due. Without prospect zones every row
 * of a campaign shares its window: the scan stops at its first row, and is
 * not run at all while the window is closed.
 *
 * Prospects with a zone of their own cost more, and only they do. An open
 * campaign's scan reads past the rows of zones that are closed. A closed
 * campaign's scan looks for a row in a zone that is open, for at most
 * ZONE_SCAN_BUDGET rows, then asks zone by zone through prospects_timezone:
 * about one index probe per prospect of the open zones. Bounded for any mix
 * only with the zone on the enrollment row (see the schema proposal).
 *
 * Rows that can never go but stay 'active' (a blocked domain, a prospect who
 * replied elsewhere) are skipped again at every call: whoever blocks or
 * records a reply should end those enrollments.
 */

typedef enum
{
  CLASS_FOLLOW_UP,
  CLASS_FIRST,
  N_CLASSES
} Class;

typedef enum
{
  STMT_ACCOUNT,
  STMT_CAMPAIGNS,
  STMT_LAST_SENT,
  STMT_IN_FLIGHT,
  STMT_SCAN_FOLLOW_UP,
  STMT_SCAN_FIRST,
  STMT_CHECK,
  STMT_DUE_FOLLOW_UP,
  STMT_DUE_FIRST,
  STMT_NEXT_FOLLOW_UP,
  STMT_NEXT_FIRST,
  STMT_ZONE_ROWS,
  STMT_HAS_ZONE_INDEX,
  STMT_ZONES_INDEXED,
  STMT_ZONES_SCAN,
  STMT_SENT_TODAY,
  STMT_UNSENT_TODAY,
  N_STMTS
} StmtId;

/* Scans read little per row: what the window and pause checks need. The
 * rest, once for a row that passes them, in STMT_CHECK. */
#define ROW_COLUMNS \
  "SELECT e.id, e.campaign_id, e.prospect_id, e.next_step, e.due_at, e.paused_until, p.timezone"
#define FROM_ENROLLMENTS \
  " FROM enrollments e" \
  " CROSS JOIN prospects p ON p.id = e.prospect_id"
#define WITH_SEND \
  " LEFT JOIN sends x ON x.enrollment_id = e.id AND x.step_position = e.next_step"
/* What can never go. A send row for the step in any state but 'retry' means
 * it went, or may have: at most once. */
#define SENDABLE \
  " AND p.status = 'active'" \
  " AND (x.state IS NULL OR x.state = 'retry')" \
  " AND NOT EXISTS (SELECT 1 FROM do_not_contact d WHERE d.kind = 'email' AND d.value = p.email_key)" \
  " AND NOT EXISTS (SELECT 1 FROM do_not_contact d WHERE d.kind = 'domain' AND d.value = p.domain)" \
  " AND EXISTS (SELECT 1 FROM steps s WHERE s.campaign_id = e.campaign_id AND s.position = e.next_step)"
#define IN_CAMPAIGN_FOLLOW_UP " WHERE e.campaign_id = ?1 AND e.state = 'active' AND e.next_step > 1"
#define IN_CAMPAIGN_FIRST " WHERE e.campaign_id = ?1 AND e.state = 'active' AND e.next_step = 1"
#define SENDS_WITH_CAMPAIGN \
  " FROM sends s" \
  " LEFT JOIN enrollments e ON e.id = s.enrollment_id" \
  " LEFT JOIN campaigns c ON c.id = e.campaign_id"

static const char *const stmt_sql[N_STMTS] = {
  [STMT_ACCOUNT] =
    "SELECT state, paused_until, daily_limit, pause_min, pause_max FROM accounts WHERE id = ?1",
  [STMT_CAMPAIGNS] =
    "SELECT c.id, c.timezone, c.window_start, c.window_end, c.days, c.daily_limit, c.holidays"
    " FROM campaigns c WHERE c.account_id = ?1 AND c.state = 'running'"
    " AND EXISTS (SELECT 1 FROM steps s WHERE s.campaign_id = c.id) ORDER BY c.id",
  [STMT_LAST_SENT] =
    "SELECT s.id, s.sent_at, c.pause_min, c.pause_max" SENDS_WITH_CAMPAIGN
    " WHERE s.account_id = ?1 AND s.sent_at IS NOT NULL ORDER BY s.sent_at DESC, s.id DESC LIMIT 1",
  [STMT_IN_FLIGHT] =
    "SELECT s.id, s.created_at, c.pause_min, c.pause_max" SENDS_WITH_CAMPAIGN
    " WHERE s.state = 'sending' AND s.account_id = ?1",
  [STMT_SCAN_FOLLOW_UP] =
    ROW_COLUMNS FROM_ENROLLMENTS IN_CAMPAIGN_FOLLOW_UP " AND e.due_at <= ?2 ORDER BY e.due_at, e.id",
  [STMT_SCAN_FIRST] =
    ROW_COLUMNS FROM_ENROLLMENTS IN_CAMPAIGN_FIRST " AND e.due_at <= ?2 ORDER BY e.due_at, e.id",
  [STMT_CHECK] =
    "SELECT x.state, x.retry_at" FROM_ENROLLMENTS WITH_SEND " WHERE e.id = ?1" SENDABLE,
  [STMT_DUE_FOLLOW_UP] =
    ROW_COLUMNS FROM_ENROLLMENTS WITH_SEND IN_CAMPAIGN_FOLLOW_UP " AND e.due_at <= ?2" SENDABLE
    " ORDER BY e.due_at, e.id LIMIT 1",
  [STMT_DUE_FIRST] =
    ROW_COLUMNS FROM_ENROLLMENTS WITH_SEND IN_CAMPAIGN_FIRST " AND e.due_at <= ?2" SENDABLE
    " ORDER BY e.due_at, e.id LIMIT 1",
  [STMT_NEXT_FOLLOW_UP] =
    ROW_COLUMNS FROM_ENROLLMENTS WITH_SEND IN_CAMPAIGN_FOLLOW_UP " AND e.due_at > ?2" SENDABLE
    " ORDER BY e.due_at, e.id LIMIT 1",
  [STMT_NEXT_FIRST] =
    ROW_COLUMNS FROM_ENROLLMENTS WITH_SEND IN_CAMPAIGN_FIRST " AND e.due_at > ?2" SENDABLE
    " ORDER BY e.due_at, e.id LIMIT 1",
  /* One campaign's rows in one zone: the zone's prospects from the covering
   * prospects_timezone, each a probe of UNIQUE (campaign_id, prospect_id)
   * that misses at once for other campaigns' prospects. */
  [STMT_ZONE_ROWS] =
    "SELECT e.id, e.campaign_id, e.prospect_id, e.next_step, e.due_at, e.paused_until, z.timezone"
    " FROM prospects z"
    " CROSS JOIN enrollments e ON e.campaign_id = ?3 AND e.prospect_id = z.id"
    " WHERE z.timezone = ?1 AND z.timezone <> '' AND e.state = 'active' AND e.next_step >= 1"
    " AND e.due_at <= ?2",
  [STMT_HAS_ZONE_INDEX] =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'prospects_timezone'",
  /* Distinct zones in O(zones × log n): a loose scan of prospects_timezone. */
  [STMT_ZONES_INDEXED] =
    "WITH RECURSIVE z (tz) AS ("
    " SELECT (SELECT min (timezone) FROM prospects WHERE timezone <> '')"
    " UNION ALL"
    " SELECT (SELECT min (timezone) FROM prospects WHERE timezone <> '' AND timezone > z.tz)"
    " FROM z WHERE z.tz IS NOT NULL)"
    " SELECT tz FROM z WHERE tz IS NOT NULL",
  [STMT_ZONES_SCAN] =
    "SELECT DISTINCT timezone FROM prospects WHERE timezone <> ''",
  [STMT_SENT_TODAY] =
    "SELECT s.sent_at, e.campaign_id FROM sends s JOIN enrollments e ON e.id = s.enrollment_id"
    " WHERE s.account_id = ?1 AND s.sent_at IS NOT NULL AND s.sent_at >= ?2 AND s.sent_at < ?3"
    " AND s.step_position = 1",
  [STMT_UNSENT_TODAY] =
    "SELECT s.state, s.created_at, e.campaign_id FROM sends s JOIN enrollments e ON e.id = s.enrollment_id"
    " WHERE s.state IN ('sending', 'uncertain') AND s.account_id = ?1 AND s.step_position = 1",
};

/* Columns of ROW_COLUMNS and STMT_ZONE_ROWS. */
enum { COL_ID, COL_CAMPAIGN, COL_PROSPECT, COL_STEP, COL_DUE, COL_PAUSED, COL_ZONE };

typedef struct
{
  sqlite3_stmt *stmts[N_STMTS];
} StmtCache;

static void
stmt_cache_free (gpointer data)
{
  StmtCache *cache = data;

  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (cache->stmts[i]);
  g_free (cache);
}

/* Statements are prepared once per store and kept on it: a store belongs to
 * one thread, and so does its cache. sqlite re-prepares them by itself when
 * the schema changes (a new index). */
static sqlite3_stmt *
get_stmt (ObStore  *store,
          StmtId    id,
          GError  **error)
{
  StmtCache *cache = g_object_get_data (G_OBJECT (store), "ob-schedule-statements");

  if (cache == NULL)
    {
      cache = g_new0 (StmtCache, 1);
      g_object_set_data_full (G_OBJECT (store), "ob-schedule-statements", cache, stmt_cache_free);
    }
  if (cache->stmts[id] == NULL)
    cache->stmts[id] = ob_store_prepare (store, stmt_sql[id], error);
  return cache->stmts[id];
}

static void
stmt_done (sqlite3_stmt *stmt)
{
  /* A statement left stepped would hold its read snapshot open. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

typedef struct
{
  ObScheduleSettings *settings;
  gboolean            open;       /* at now */
  gint64              next_open;  /* -1 until needed */
} ZoneState;

typedef struct
{
  gint64        enrollment_id;
  gint64        campaign_id;
  gint64        prospect_id;
  int           step;
  gint64        due_at;
  ZoneState    *zone;
} Candidate;

typedef struct
{
  gint64        id;
  gint64        prospect_id;
  gint64        due_at;
  gint64        paused_until;
  int           step;
} Row;

typedef struct
{
  gint64      id;
  gint64      daily_limit;
  ZoneState   own;          /* the campaign's zone, and prospects without a valid one */
  GHashTable *zones;        /* prospect zone name → ZoneState */
  gint64      day_start, day_end;
  gint64      first_today;
  gboolean    has_quota;     /* TRUE until the limits are counted */
  gint64      quota_back_at; /* without quota: when the limits reached reset */
  gboolean    zones_open;    /* own window closed, some prospect zone open */
  gboolean    fallback[N_CLASSES];  /* the budget ran out: look zone by zone */
  gboolean    scanned[N_CLASSES];   /* every due row was looked at */
  Candidate   by_zone[N_CLASSES];   /* found zone by zone */
} Campaign;

typedef struct
{
  ObStore    *store;
  gint64      now;
  GTimeZone  *account_zone;
  GPtrArray  *campaigns;
  GHashTable *by_id;        /* campaign id → Campaign */
  GPtrArray  *zones;        /* distinct prospect zones in the store; NULL until needed */
  Candidate   best[N_CLASSES];
  gboolean    counted;      /* the daily limits */
  gint64      wake_at;
  ObScheduleReason wake_reason;
} Decider;

static void
zone_state_free (gpointer data)
{
  ZoneState *zs = data;

  ob_schedule_settings_unref (zs->settings);
  g_free (zs);
}

static void
campaign_free (gpointer data)
{
  Campaign *c = data;

  g_clear_pointer (&c->own.settings, ob_schedule_settings_unref);
  g_clear_pointer (&c->zones, g_hash_table_unref);
  g_free (c);
}

static gint64
zone_next_open (Decider   *d,
                ZoneState *zs)
{
  if (zs->next_open < 0)
    zs->next_open = zs->open ? d->now : next_open (zs->settings, d->now);
  return zs->next_open;
}

static ZoneState *
zone_state (Decider    *d,
            Campaign   *c,
            const char *zone)
{
  ZoneState *zs;

  if (zone == NULL || zone[0] == '\0')
    return &c->own;

  zs = g_hash_table_lookup (c->zones, zone);
  if (zs == NULL)
    {
      zs = g_new0 (ZoneState, 1);
      zs->settings = ob_schedule_settings_for_prospect (c->own.settings, zone);
      zs->open = in_window (zs->settings, d->now);
      zs->next_open = -1;
      g_hash_table_insert (c->zones, g_strdup (zone), zs);
    }
  return zs;
}

static void
add_wake (Decider          *d,
          gint64            at,
          ObScheduleReason  reason)
{
  if (at < d->wake_at)
    {
      d->wake_at = at;
      d->wake_reason = reason;
    }
}

static gboolean
candidate_before (const Candidate *a,
                  const Candidate *b)
{
  if (b->enrollment_id == 0)
    return a->enrollment_id != 0;
  if (a->enrollment_id == 0)
    return FALSE;
  return a->due_at < b->due_at || (a->due_at == b->due_at && a->enrollment_id < b->enrollment_id);
}

static void
read_row (sqlite3_stmt *stmt,
          Row          *row)
{
  row->id = sqlite3_column_int64 (stmt, COL_ID);
  row->prospect_id = sqlite3_column_int64 (stmt, COL_PROSPECT);
  row->due_at = sqlite3_column_int64 (stmt, COL_DUE);
  row->paused_until = sqlite3_column_int64 (stmt, COL_PAUSED);
  row->step = sqlite3_column_int (stmt, COL_STEP);
}

/* Whether a row may go now; if it may later, when. The cheap checks first
 * (window, enrollment paused), then the ones that read other tables. */
static gboolean
row_may_go (Decider    *d,
            Campaign   *c,
            const Row  *row,
            ZoneState  *zs,
            Candidate  *out,
            GError    **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *send_state = NULL;
  gint64 retry_at = 0;
  int rc;

  if (!zs->open)
    {
      add_wake (d, zone_next_open (d, zs), OB_SCHEDULE_REASON_WINDOW);
      return FALSE;
    }
  if (row->paused_until > d->now)
    {
      add_wake (d, next_open (zs->settings, row->paused_until), OB_SCHEDULE_REASON_NOT_YET);
      return FALSE;
    }

  stmt = get_stmt (d->store, STMT_CHECK, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      send_state = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      retry_at = sqlite3_column_int64 (stmt, 1);
    }
  stmt_done (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule check");
      return FALSE;
    }
  /* Never: blocked, not active, step missing, sent. */
  if (rc == SQLITE_DONE)
    return FALSE;

  if (g_strcmp0 (send_state, "retry") == 0 && retry_at > d->now)
    {
      add_wake (d, next_open (zs->settings, retry_at), OB_SCHEDULE_REASON_RETRY);
      return FALSE;
    }

  out->enrollment_id = row->id;
  out->campaign_id = c->id;
  out->prospect_id = row->prospect_id;
  out->step = row->step;
  out->due_at = row->due_at;
  out->zone = zs;
  return TRUE;
}

/* The campaign's oldest row of a class that may go now. When the campaign's
 * own window is closed only prospects in zones open now can go: their rows
 * are mixed in with the others, so the scan in due order usually meets one
 * soon; past a budget of rows it gives up and the zone by zone lookup
 * (scan_open_zones) answers instead. */
static gboolean
scan_campaign (Decider   *d,
               Campaign  *c,
               Class      class,
               GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  Candidate found = { 0 };
  guint budget = c->own.open ? G_MAXUINT : ZONE_SCAN_BUDGET;
  guint seen = 0;
  int rc;

  if (!c->own.open && !c->zones_open)
    return TRUE;

  stmt = get_stmt (d->store, class == CLASS_FIRST ? STMT_SCAN_FIRST : STMT_SCAN_FOLLOW_UP, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, c->id);
  sqlite3_bind_int64 (stmt, 2, d->now);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row row;

      if (seen++ == budget)
        {
          c->fallback[class] = TRUE;
          break;
        }
      read_row (stmt, &row);
      if (row_may_go (d, c, &row, zone_state (d, c, (const char *) sqlite3_column_text (stmt, COL_ZONE)),
                      &found, &local_error))
        break;
      if (local_error != NULL)
        break;
    }
  stmt_done (stmt);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule scan");
      return FALSE;
    }
  c->scanned[class] = rc == SQLITE_DONE;
  if (candidate_before (&found, &d->best[class]))
    d->best[class] = found;
  return TRUE;
}

/* The due_at of the first row of a statement bound to (campaign, time). */
static gboolean
first_due (Decider   *d,
           StmtId     id,
           Campaign  *c,
           gint64     at,
           gboolean  *found,
           gint64    *due_at,
           GError   **error)
{
  sqlite3_stmt *stmt = get_stmt (d->store, id, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, c->id);
  sqlite3_bind_int64 (stmt, 2, at);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  *due_at = *found ? sqlite3_column_int64 (stmt, COL_DUE) : 0;
  stmt_done (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule next");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_zones (Decider  *d,
            GError  **error)
{
  sqlite3_stmt *stmt;
  gboolean indexed;
  int rc;

  if (d->zones != NULL)
    return TRUE;

  stmt = get_stmt (d->store, STMT_HAS_ZONE_INDEX, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  indexed = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) > 0;
  stmt_done (stmt);

  stmt = get_stmt (d->store, indexed ? STMT_ZONES_INDEXED : STMT_ZONES_SCAN, error);
  if (stmt == NULL)
    return FALSE;

  d->zones = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (d->zones, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  stmt_done (stmt);

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule zones");
      return FALSE;
    }
  return TRUE;
}

static gint
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const Row *x = a, *y = b;

  if (x->due_at != y->due_at)
    return x->due_at < y->due_at ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* For the campaigns whose budget ran out: their rows of prospects in each
 * zone that is open for them, through prospects_timezone, oldest first.
 * Costs about one index probe per prospect in those zones. */
static gboolean
scan_open_zones (Decider  *d,
                 Class     class,
                 GError  **error)
{
  sqlite3_stmt *stmt = get_stmt (d->store, STMT_ZONE_ROWS, error);

  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      if (!c->fallback[class])
        continue;

      for (guint z = 0; z < d->zones->len; z++)
        {
          const char *zone = g_ptr_array_index (d->zones, z);
          ZoneState *zs = zone_state (d, c, zone);
          g_autoptr(GArray) rows = NULL;
          Candidate found = { 0 };
          int rc;

          if (!zs->open)
            continue;

          rows = g_array_new (FALSE, FALSE, sizeof (Row));
          sqlite3_bind_text (stmt, 1, zone, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, d->now);
          sqlite3_bind_int64 (stmt, 3, c->id);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            if ((sqlite3_column_int (stmt, COL_STEP) > 1) == (class == CLASS_FOLLOW_UP))
              {
                Row row;

                read_row (stmt, &row);
                g_array_append_val (rows, row);
              }
          stmt_done (stmt);
          if (rc != SQLITE_DONE)
            {
              ob_store_set_error_from_db (d->store, rc, error, "schedule zone rows");
              return FALSE;
            }

          g_array_sort (rows, compare_rows);
          for (guint r = 0; r < rows->len; r++)
            {
              g_autoptr(GError) local_error = NULL;

              if (row_may_go (d, c, &g_array_index (rows, Row, r), zs, &found, &local_error))
                break;
              if (local_error != NULL)
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return FALSE;
                }
            }
          if (candidate_before (&found, &c->by_zone[class]))
            c->by_zone[class] = found;
        }

      if (candidate_before (&c->by_zone[class], &d->best[class]))
        d->best[class] = c->by_zone[class];
    }
  return TRUE;
}

/* Every campaign's oldest row of a class that may go now. */
static gboolean
scan_class (Decider   *d,
            Class      class,
            GError   **error)
{
  gboolean fallback = FALSE;

  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      if (class == CLASS_FIRST && !c->has_quota)
        continue;
      if (!scan_campaign (d, c, class, error))
        return FALSE;
      fallback |= c->fallback[class];
    }

  return !fallback || scan_open_zones (d, class, error);
}

static gboolean
load_campaigns (Decider  *d,
                gint64    account_id,
                GError  **error)
{
  sqlite3_stmt *stmt = get_stmt (d->store, STMT_CAMPAIGNS, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      ObScheduleSettings *settings;
      Campaign *c;

      settings = ob_schedule_settings_new ((const char *) sqlite3_column_text (stmt, 1),
                                           (guint) sqlite3_column_int (stmt, 2),
                                           (guint) sqlite3_column_int (stmt, 3),
                                           (guint) sqlite3_column_int (stmt, 4) & OB_SCHEDULE_EVERY_DAY,
                                           (const char *) sqlite3_column_text (stmt, 6),
                                           &local_error);
      if (settings == NULL)
        {
          /* Campaigns are checked when they are saved; this one was edited
           * behind Outbound's back. It sends nothing until fixed. */
          g_debug ("Campaign %" G_GINT64_FORMAT " skipped: %s",
                   (gint64) sqlite3_column_int64 (stmt, 0), local_error->message);
          continue;
        }

      c = g_new0 (Campaign, 1);
      c->id = sqlite3_column_int64 (stmt, 0);
      c->daily_limit = sqlite3_column_int64 (stmt, 5);
      c->own.settings = settings;
      c->own.open = in_window (settings, d->now);
      c->own.next_open = -1;
      c->has_quota = TRUE;
      c->zones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, zone_state_free);
      g_ptr_array_add (d->campaigns, c);
      g_hash_table_insert (d->by_id, &c->id, c);
    }
  stmt_done (stmt);

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule campaigns");
      return FALSE;
    }
  return TRUE;
}

/* The end of the pause that follows a send: drawn from a GRand seeded with
 * the send's id, so every thread, and a restart, finds the same pause. */
static gboolean
pause_end (Decider  *d,
           StmtId    id,
           gint64    account_id,
           guint     account_min,
           guint     account_max,
           gint64   *end,
           GError  **error)
{
  sqlite3_stmt *stmt = get_stmt (d->store, id, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 send_id = sqlite3_column_int64 (stmt, 0);
      guint32 seed[2] = { (guint32) send_id, (guint32) ((guint64) send_id >> 32) };
      g_autoptr(GRand) rand = g_rand_new_with_seed_array (seed, 2);
      guint pause = ob_schedule_pick_pause ((guint) sqlite3_column_int (stmt, 2),
                                            (guint) sqlite3_column_int (stmt, 3),
                                            account_min, account_max, rand);

      /* A send "after" now means the clock went back: wait one pause from
       * now rather than until the old time comes again. */
      *end = MAX (*end, MIN (sqlite3_column_int64 (stmt, 1), d->now) + pause);
    }
  stmt_done (stmt);

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule pause");
      return FALSE;
    }
  return TRUE;
}

/* First emails sent today, for each campaign in its own day and for the
 * account in the day of `now`'s zone; rows being sent count, and so do
 * those in doubt ('uncertain': maybe delivered) created that day. */
static gboolean
count_first_emails (Decider  *d,
                    gint64    account_id,
                    gint64    account_limit,
                    GError  **error)
{
  gint64 account_start, account_end, lo, hi, account_count = 0;
  sqlite3_stmt *stmt;
  int rc;

  ob_schedule_day_bounds (d->account_zone, d->now, &account_start, &account_end);
  lo = account_start;
  hi = account_end;
  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      ob_schedule_day_bounds (c->own.settings->zone, d->now, &c->day_start, &c->day_end);
      lo = MIN (lo, c->day_start);
      hi = MAX (hi, c->day_end);
    }

  stmt = get_stmt (d->store, STMT_SENT_TODAY, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, lo);
  sqlite3_bind_int64 (stmt, 3, hi);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 at = sqlite3_column_int64 (stmt, 0);
      Campaign *c = g_hash_table_lookup (d->by_id, &(gint64) { sqlite3_column_int64 (stmt, 1) });

      if (at >= account_start && at < account_end)
        account_count++;
      if (c != NULL && at >= c->day_start && at < c->day_end)
        c->first_today++;
    }
  stmt_done (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule sent today");
      return FALSE;
    }

  stmt = get_stmt (d->store, STMT_UNSENT_TODAY, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean sending = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "sending") == 0;
      gint64 created = sqlite3_column_int64 (stmt, 1);
      Campaign *c = g_hash_table_lookup (d->by_id, &(gint64) { sqlite3_column_int64 (stmt, 2) });

      if (sending || (created >= account_start && created < account_end))
        account_count++;
      if (c != NULL && (sending || (created >= c->day_start && created < c->day_end)))
        c->first_today++;
    }
  stmt_done (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule unsent today");
      return FALSE;
    }

  d->counted = TRUE;
  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      c->has_quota = c->first_today < c->daily_limit && account_count < account_limit;
      if (c->first_today >= c->daily_limit)
        c->quota_back_at = c->day_end;
      if (account_count >= account_limit)
        c->quota_back_at = MAX (c->quota_back_at, account_end);
    }
  return TRUE;
}

/* A lower bound of when a row of `c` due at `at` may go: its window, when
 * every prospect shares the campaign's zone; `at` itself otherwise. */
static gint64
windowed (Decider  *d,
          Campaign *c,
          gint64    at)
{
  return d->zones->len == 0 ? next_open (c->own.settings, at) : at;
}

/* Nothing may go now: when might something, by time alone? Rows already met
 * in the scans have added their own times. */
static gboolean
find_wake (Decider  *d,
           GError  **error)
{
  if (!load_zones (d, error))
    return FALSE;

  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      for (Class class = 0; class < N_CLASSES; class++)
        {
          StmtId scan = class == CLASS_FIRST ? STMT_DUE_FIRST : STMT_DUE_FOLLOW_UP;
          StmtId next = class == CLASS_FIRST ? STMT_NEXT_FIRST : STMT_NEXT_FOLLOW_UP;
          gboolean found;
          gint64 due;

          if (class == CLASS_FIRST && !c->has_quota)
            {
              /* Any first email, due or not: it waits for the reset. */
              if (!first_due (d, next, c, G_MININT64, &found, &due, error))
                return FALSE;
              if (found)
                add_wake (d, windowed (d, c, MAX (c->quota_back_at, due)), OB_SCHEDULE_REASON_DAILY_LIMIT);
              continue;
            }

          if (!c->own.open && !c->scanned[class])
            {
              /* Rows due now that were not looked at one by one wait for
               * their window: the campaign's, or a zone's (the rows of zones
               * open now were looked at). */
              if (!first_due (d, scan, c, d->now, &found, &due, error))
                return FALSE;
              if (found)
                {
                  add_wake (d, zone_next_open (d, &c->own), OB_SCHEDULE_REASON_WINDOW);
                  for (guint z = 0; z < d->zones->len; z++)
                    {
                      ZoneState *zs = zone_state (d, c, g_ptr_array_index (d->zones, z));

                      if (!zs->open)
                        add_wake (d, zone_next_open (d, zs), OB_SCHEDULE_REASON_WINDOW);
                    }
                }
            }

          if (!first_due (d, next, c, d->now, &found, &due, error))
            return FALSE;
          if (found)
            add_wake (d, windowed (d, c, due), OB_SCHEDULE_REASON_NOT_YET);
        }
    }
  return TRUE;
}

static gboolean
decide (Decider             *d,
        gint64               account_id,
        ObScheduleDecision  *out,
        GError             **error)
{
  sqlite3_stmt *stmt = get_stmt (d->store, STMT_ACCOUNT, error);
  g_autofree char *state = NULL;
  gint64 paused_until = 0, account_limit = 0, gate = 0;
  guint account_min = 0, account_max = 0;
  ObScheduleReason gate_reason = OB_SCHEDULE_REASON_DUE;
  gboolean any_open = FALSE;
  const Candidate *chosen;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      state = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      paused_until = sqlite3_column_int64 (stmt, 1);
      account_limit = sqlite3_column_int64 (stmt, 2);
      account_min = (guint) sqlite3_column_int (stmt, 3);
      account_max = (guint) sqlite3_column_int (stmt, 4);
    }
  stmt_done (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_NO_ACCOUNT,
                   _("This account no longer exists"));
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (d->store, rc, error, "schedule account");
      return FALSE;
    }

  out->action = OB_SCHEDULE_WAIT;

  /* 'ok' sends; 'throttled' sends once paused_until has passed; 'paused',
   * 'error' and anything unknown wait for the user. */
  if (g_strcmp0 (state, "ok") != 0 &&
      !(g_strcmp0 (state, "throttled") == 0 && paused_until > 0))
    {
      out->reason = OB_SCHEDULE_REASON_ACCOUNT_PAUSED;
      return TRUE;
    }
  if (paused_until > d->now)
    {
      gate = paused_until;
      gate_reason = OB_SCHEDULE_REASON_THROTTLED;
    }

  if (!load_campaigns (d, account_id, error))
    return FALSE;
  if (d->campaigns->len == 0)
    {
      out->reason = OB_SCHEDULE_REASON_NOTHING;
      return TRUE;
    }

  {
    gint64 pause = 0;

    if (!pause_end (d, STMT_LAST_SENT, account_id, account_min, account_max, &pause, error) ||
        !pause_end (d, STMT_IN_FLIGHT, account_id, account_min, account_max, &pause, error))
      return FALSE;
    if (pause > d->now && pause > gate)
      {
        gate = pause;
        gate_reason = OB_SCHEDULE_REASON_PAUSE;
      }
  }

  /* Which campaigns with a closed window have prospects in a zone that is
   * open now: a lookup of the distinct zones, O(zones × log n). */
  for (guint i = 0; i < d->campaigns->len; i++)
    {
      Campaign *c = g_ptr_array_index (d->campaigns, i);

      if (c->own.open)
        {
          any_open = TRUE;
          continue;
        }
      if (!load_zones (d, error))
        return FALSE;
      for (guint z = 0; z < d->zones->len && !c->zones_open; z++)
        c->zones_open = zone_state (d, c, g_ptr_array_index (d->zones, z))->open;
      any_open |= c->zones_open;
    }

  /* Follow-ups first: they do not count against the limits. */
  if (any_open && !scan_class (d, CLASS_FOLLOW_UP, error))
    return FALSE;
  chosen = &d->best[CLASS_FOLLOW_UP];

  /* Then first emails, within the limits. Counting is skipped when every
   * window is closed: nothing can go, and the wake-up does not need it. */
  if (chosen->enrollment_id == 0 && any_open)
    {
      if (!count_first_emails (d, account_id, account_limit, error) ||
          !scan_class (d, CLASS_FIRST, error))
        return FALSE;
      chosen = &d->best[CLASS_FIRST];
    }

  if (chosen->enrollment_id != 0)
    {
      out->action = OB_SCHEDULE_SEND;
      out->enrollment_id = chosen->enrollment_id;
      out->campaign_id = chosen->campaign_id;
      out->prospect_id = chosen->prospect_id;
      out->step = chosen->step;
      out->due_at = chosen->due_at;
      if (gate > d->now)
        {
          out->reason = gate_reason;
          out->send_at = next_open (chosen->zone->settings, gate);
          out->wake_at = gate;
        }
      else
        {
          out->reason = OB_SCHEDULE_REASON_DUE;
          out->send_at = d->now;
          out->wake_at = d->now;
        }
      return TRUE;
    }

  if (!find_wake (d, error))
    return FALSE;

  if (d->wake_at == OB_SCHEDULE_NEVER)
    {
      out->reason = OB_SCHEDULE_REASON_NOTHING;
      return TRUE;
    }
  out->reason = d->wake_reason;
  out->wake_at = d->wake_at;
  if (gate > out->wake_at)
    {
      out->reason = gate_reason;
      out->wake_at = gate;
    }
  return TRUE;
}

gboolean
ob_schedule_next_due (ObStore             *store,
                      gint64               account_id,
                      GDateTime           *now,
                      ObScheduleDecision  *out,
                      GError             **error)
{
  Decider d = { 0 };
  gboolean began = FALSE, ok = FALSE;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (now != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  d.store = store;
  d.now = g_date_time_to_unix (now);
  d.account_zone = g_date_time_get_timezone (now);
  d.campaigns = g_ptr_array_new_with_free_func (campaign_free);
  d.by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  d.wake_at = OB_SCHEDULE_NEVER;

  /* One snapshot for every query, unless the caller has a transaction open. */
  if (sqlite3_get_autocommit (ob_store_get_db (store)))
    {
      if (!ob_store_exec (store, "BEGIN", error))
        goto out;
      began = TRUE;
    }

  ok = decide (&d, account_id, out, error);

  if (began)
    {
      if (ok)
        ok = ob_store_exec (store, "COMMIT", error);
      else
        ob_store_rollback (store);
    }

out:
  g_clear_pointer (&d.zones, g_ptr_array_unref);
  g_hash_table_unref (d.by_id);
  g_ptr_array_unref (d.campaigns);
  return ok;
}
