/* test-schedule.c: sending windows, delays, limits and the next-due decision
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every expected instant is written in UTC; they were checked against GNU
 * date(1) with the system's tzdata, not derived from the code under test.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ob-schedule.h"
#include "testlib.h"

static gint64
instant (const char *iso)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  if (dt == NULL)
    g_error ("bad instant in the test table: %s", iso);
  return g_date_time_to_unix (dt);
}

static char *
utc_string (gint64 t)
{
  g_autoptr(GDateTime) dt = NULL;

  if (t == OB_SCHEDULE_NEVER)
    return g_strdup ("never");
  if (t == 0)
    return g_strdup ("0");
  dt = g_date_time_new_from_unix_utc (t);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
date_time_string (GDateTime *dt)
{
  return dt == NULL ? g_strdup ("never") : utc_string (g_date_time_to_unix (dt));
}

static ObScheduleSettings *
settings_new (const char *zone,
              const char *prospect_zone,
              guint       start,
              guint       end,
              guint       days,
              const char *holidays)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObScheduleSettings) settings = ob_schedule_settings_new (zone, start, end, days,
                                                                     holidays, &error);

  g_assert_no_error (error);
  if (prospect_zone != NULL)
    return ob_schedule_settings_for_prospect (settings, prospect_zone);
  return g_steal_pointer (&settings);
}

/* Windows *********************************************************************/

#define WARSAW "Europe/Warsaw"
#define NEW_YORK "America/New_York"
#define H(hours) ((hours) * 60)

typedef struct
{
  const char *name;
  const char *zone;
  const char *prospect_zone;
  guint       start, end, days;
  const char *holidays;
  const char *after;
  const char *expected;  /* UTC; NULL: never */
} WindowCase;

static const WindowCase open_cases[] = {
  { "before-opening", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T08:00:00+01:00", "2026-01-05T08:00:00Z" },
  { "inside", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-05T09:00:00Z" },
  { "end-is-exclusive", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T17:00:00+01:00", "2026-01-06T08:00:00Z" },
  { "friday-evening-to-monday", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-09T18:00:00+01:00", "2026-01-12T08:00:00Z" },
  { "saturday-to-monday", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-10T12:00:00+01:00", "2026-01-12T08:00:00Z" },
  { "weekend-only", WARSAW, NULL, H (9), H (17), 0x60, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-10T08:00:00Z" },
  { "holiday-skipped", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, "2026-01-06",
    "2026-01-05T17:30:00+01:00", "2026-01-07T08:00:00Z" },
  { "holidays-after-weekend", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS,
    "2026-01-12; 2026-01-13", "2026-01-09T17:30:00+01:00", "2026-01-14T08:00:00Z" },
  /* Spring forward in Warsaw, 2026-03-29 02:00 CET → 03:00 CEST (01:00Z). */
  { "warsaw-spring-window-in-gap", WARSAW, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00Z" },
  { "warsaw-spring-window-past-gap", WARSAW, NULL, H (2) + 30, H (4), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-29T00:00:00+01:00", "2026-03-29T01:00:00Z" },
  { "warsaw-spring-day-office-hours", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-29T05:00:00Z", "2026-03-29T07:00:00Z" },
  /* Fall back in Warsaw, 2026-10-25 03:00 CEST → 02:00 CET (01:00Z). */
  { "warsaw-fall-first-pass", WARSAW, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-10-25T00:00:00+02:00", "2026-10-25T00:00:00Z" },
  { "warsaw-fall-second-pass", WARSAW, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-10-25T01:30:00Z", "2026-10-25T01:30:00Z" },
  { "warsaw-fall-after", WARSAW, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-10-25T02:00:00Z", "2026-10-26T01:00:00Z" },
  /* New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST. */
  { "new-york-spring-window-in-gap", NEW_YORK, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-08T00:00:00-05:00", "2026-03-09T06:00:00Z" },
  { "new-york-spring-day-office-hours", NEW_YORK, NULL, H (9), H (17), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-08T12:00:00Z", "2026-03-08T13:00:00Z" },
  { "new-york-fall-opens-first-pass", NEW_YORK, NULL, H (1), H (2), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-11-01T00:00:00-04:00", "2026-11-01T05:00:00Z" },
  { "new-york-fall-reopens-second-pass", NEW_YORK, NULL, H (1) + 30, H (1) + 45, OB_SCHEDULE_EVERY_DAY,
    NULL, "2026-11-01T05:50:00Z", "2026-11-01T06:30:00Z" },
  { "whole-day-weekdays", WARSAW, NULL, 0, 1440, OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-10T12:00:00+01:00", "2026-01-11T23:00:00Z" },
  { "whole-day-inside", WARSAW, NULL, 0, 1440, OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-07T03:00:00+01:00", "2026-01-07T02:00:00Z" },
  /* 22:00-02:00 belongs to the day it opens on. */
  { "midnight-friday-night", WARSAW, NULL, H (22), H (2), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-09T23:00:00+01:00", "2026-01-09T22:00:00Z" },
  { "midnight-saturday-early-is-friday", WARSAW, NULL, H (22), H (2), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-10T01:00:00+01:00", "2026-01-10T00:00:00Z" },
  { "midnight-saturday-late", WARSAW, NULL, H (22), H (2), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-10T03:00:00+01:00", "2026-01-12T21:00:00Z" },
  { "midnight-monday-early-is-sunday", WARSAW, NULL, H (22), H (2), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-12T01:00:00+01:00", "2026-01-12T21:00:00Z" },
  { "prospect-in-tokyo", WARSAW, "Asia/Tokyo", H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-06T00:00:00Z" },
  { "prospect-in-tokyo-open", WARSAW, "Asia/Tokyo", H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T02:00:00+01:00", "2026-01-05T01:00:00Z" },
  { "prospect-zone-unknown", WARSAW, "Mars/Base", H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-05T09:00:00Z" },
  { "prospect-zone-path", WARSAW, "../../etc/passwd", H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-05T09:00:00Z" },
};

static const WindowCase close_cases[] = {
  { "office-hours", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T10:00:00+01:00", "2026-01-05T16:00:00Z" },
  { "closed-already", WARSAW, NULL, H (9), H (17), OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T18:00:00+01:00", "2026-01-05T17:00:00Z" },
  /* The repeated hour is in the window twice: two hours long. */
  { "new-york-fall-two-hours", NEW_YORK, NULL, H (1), H (2), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z" },
  { "warsaw-fall-two-hours", WARSAW, NULL, H (2), H (3), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z" },
  /* The jump from 02:00 to 03:00 ends a 22:00-02:00 window early. */
  { "warsaw-spring-midnight-window", WARSAW, NULL, H (22), H (2), OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-03-28T23:30:00+01:00", "2026-03-29T01:00:00Z" },
  { "whole-weekday-ends-at-midnight", WARSAW, NULL, 0, 1440, OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-09T12:00:00+01:00", "2026-01-09T23:00:00Z" },
  { "whole-weekdays-run-on", WARSAW, NULL, 0, 1440, OB_SCHEDULE_WEEKDAYS, NULL,
    "2026-01-05T12:00:00+01:00", "2026-01-09T23:00:00Z" },
  { "always-never-closes", WARSAW, NULL, 0, 1440, OB_SCHEDULE_EVERY_DAY, NULL,
    "2026-01-05T12:00:00+01:00", NULL },
};

static void
test_window_open (gconstpointer data)
{
  const WindowCase *c = data;
  g_autoptr(ObScheduleSettings) settings = settings_new (c->zone, c->prospect_zone, c->start, c->end,
                                                         c->days, c->holidays);
  g_autoptr(GDateTime) after = g_date_time_new_from_iso8601 (c->after, NULL);
  g_autoptr(GDateTime) open = ob_schedule_next_window_open (settings, after);
  g_autofree char *got = date_time_string (open);

  g_assert_cmpstr (got, ==, c->expected != NULL ? c->expected : "never");
  if (open == NULL)
    return;

  g_assert_true (ob_schedule_is_open (settings, open));
  /* The earliest: one second before was closed, unless that is before `after`. */
  if (g_date_time_compare (open, after) > 0)
    {
      g_autoptr(GDateTime) before = g_date_time_add_seconds (open, -1);

      g_assert_false (ob_schedule_is_open (settings, before));
    }
  /* Given in the zone that decided. */
  g_assert_true (g_date_time_get_timezone (open) == ob_schedule_settings_get_timezone (settings));
}

static void
test_window_close (gconstpointer data)
{
  const WindowCase *c = data;
  g_autoptr(ObScheduleSettings) settings = settings_new (c->zone, c->prospect_zone, c->start, c->end,
                                                         c->days, c->holidays);
  g_autoptr(GDateTime) after = g_date_time_new_from_iso8601 (c->after, NULL);
  g_autoptr(GDateTime) close = ob_schedule_next_window_close (settings, after);
  g_autofree char *got = date_time_string (close);

  g_assert_cmpstr (got, ==, c->expected != NULL ? c->expected : "never");
  if (close != NULL)
    g_assert_false (ob_schedule_is_open (settings, close));
}

static void
test_window_never (void)
{
  g_autoptr(GString) holidays = g_string_new (NULL);
  g_autoptr(ObScheduleSettings) settings = NULL;
  g_autoptr(GDateTime) after = g_date_time_new_from_iso8601 ("2026-01-01T00:00:00Z", NULL);
  g_autoptr(GDateTime) open = NULL;
  g_autoptr(GDateTime) day = g_date_time_ref (after);

  /* Every Monday for three years is a holiday; only Mondays are allowed. */
  for (guint i = 0; i < 3 * 366; i++)
    {
      GDateTime *next = g_date_time_add_days (day, 1);

      if (g_date_time_get_day_of_week (day) == 1)
        {
          g_autofree char *text = g_date_time_format (day, "%Y-%m-%d");

          g_string_append_printf (holidays, "%s;", text);
        }
      g_date_time_unref (day);
      day = next;
    }

  settings = settings_new ("UTC", NULL, H (9), H (17), OB_SCHEDULE_MONDAY, holidays->str);
  open = ob_schedule_next_window_open (settings, after);
  g_assert_null (open);
  g_assert_cmpint (ob_schedule_follow_up_at (settings, instant ("2026-01-01T00:00:00Z"),
                                             &(ObScheduleDelay) { 1, OB_DELAY_DAYS }),
                   ==, OB_SCHEDULE_NEVER);
}

static void
test_window_fraction (void)
{
  g_autoptr(ObScheduleSettings) settings = settings_new (WARSAW, NULL, H (9), H (17),
                                                         OB_SCHEDULE_WEEKDAYS, NULL);
  g_autoptr(GDateTime) inside = g_date_time_new_from_iso8601 ("2026-01-05T10:00:00.250+01:00", NULL);
  g_autoptr(GDateTime) late = g_date_time_new_from_iso8601 ("2026-01-05T08:59:59.500+01:00", NULL);
  g_autoptr(GDateTime) open_inside = ob_schedule_next_window_open (settings, inside);
  g_autoptr(GDateTime) open_late = ob_schedule_next_window_open (settings, late);
  g_autofree char *late_text = date_time_string (open_late);

  g_assert_true (g_date_time_equal (open_inside, inside));
  g_assert_cmpstr (late_text, ==, "2026-01-05T08:00:00Z");
}

/* Delays **********************************************************************/

typedef struct
{
  const char *name;
  const char *zone;
  const char *prospect_zone;
  const char *holidays;
  const char *previous;
  const char *delay;
  const char *due;        /* raw, UTC */
  const char *follow_up;  /* moved into 09:00-17:00 Monday to Friday, UTC */
} DelayCase;

static const DelayCase delay_cases[] = {
  { "days", WARSAW, NULL, NULL, "2026-01-05T10:00:00+01:00", "3d",
    "2026-01-08T09:00:00Z", "2026-01-08T09:00:00Z" },
  { "day-over-spring-forward", WARSAW, NULL, NULL, "2026-03-28T10:00:00+01:00", "1d",
    "2026-03-29T08:00:00Z", "2026-03-30T07:00:00Z" },
  { "day-over-fall-back", NEW_YORK, NULL, NULL, "2026-10-31T09:00:00-04:00", "1d",
    "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z" },
  { "day-into-skipped-hour", WARSAW, NULL, NULL, "2026-03-28T02:30:00+01:00", "1d",
    "2026-03-29T01:00:00Z", "2026-03-30T07:00:00Z" },
  { "day-into-repeated-hour", NEW_YORK, NULL, NULL, "2026-10-31T01:30:00-04:00", "1d",
    "2026-11-01T05:30:00Z", "2026-11-02T14:00:00Z" },
  { "hours-are-elapsed-time", WARSAW, NULL, NULL, "2026-03-28T23:30:00Z", "3h",
    "2026-03-29T02:30:00Z", "2026-03-30T07:00:00Z" },
  { "business-days-over-weekend", WARSAW, NULL, NULL, "2026-01-09T10:00:00+01:00", "2bd",
    "2026-01-13T09:00:00Z", "2026-01-13T09:00:00Z" },
  { "business-days-skip-holiday", WARSAW, NULL, "2026-01-06", "2026-01-02T10:00:00+01:00", "3bd",
    "2026-01-08T09:00:00Z", "2026-01-08T09:00:00Z" },
  { "business-day-from-saturday", WARSAW, NULL, NULL, "2026-01-10T10:00:00+01:00", "1bd",
    "2026-01-12T09:00:00Z", "2026-01-12T09:00:00Z" },
  { "business-days-over-spring-forward", WARSAW, NULL, NULL, "2026-03-27T10:00:00+01:00", "1bd",
    "2026-03-30T08:00:00Z", "2026-03-30T08:00:00Z" },
  { "seconds", WARSAW, NULL, NULL, "2026-01-05T10:00:00+01:00", "90s",
    "2026-01-05T09:01:30Z", "2026-01-05T09:01:30Z" },
  { "minutes-past-closing", WARSAW, NULL, NULL, "2026-01-05T16:50:00+01:00", "15m",
    "2026-01-05T16:05:00Z", "2026-01-06T08:00:00Z" },
  { "day-onto-saturday", WARSAW, NULL, NULL, "2026-01-09T16:30:00+01:00", "1d",
    "2026-01-10T15:30:00Z", "2026-01-12T08:00:00Z" },
  { "days-in-prospect-zone", WARSAW, "Asia/Tokyo", NULL, "2026-01-05T01:00:00Z", "2d",
    "2026-01-07T01:00:00Z", "2026-01-07T01:00:00Z" },
  { "zero-days", WARSAW, NULL, NULL, "2026-01-05T10:00:00+01:00", "0d",
    "2026-01-05T09:00:00Z", "2026-01-05T09:00:00Z" },
};

static void
test_delay (gconstpointer data)
{
  const DelayCase *c = data;
  g_autoptr(ObScheduleSettings) settings = settings_new (c->zone, c->prospect_zone, H (9), H (17),
                                                         OB_SCHEDULE_WEEKDAYS, c->holidays);
  g_autoptr(GError) error = NULL;
  ObScheduleDelay delay;
  g_autofree char *due = NULL;
  g_autofree char *follow_up = NULL;

  g_assert_true (ob_schedule_parse_delay (c->delay, &delay, &error));
  g_assert_no_error (error);

  due = utc_string (ob_schedule_compute_due_at (settings, instant (c->previous), &delay));
  follow_up = utc_string (ob_schedule_follow_up_at (settings, instant (c->previous), &delay));
  g_assert_cmpstr (due, ==, c->due);
  g_assert_cmpstr (follow_up, ==, c->follow_up);
}

/* Days and pauses *************************************************************/

typedef struct
{
  const char *name;
  const char *zone;
  const char *at;
  const char *start;
  const char *end;
} DayCase;

static const DayCase day_cases[] = {
  { "warsaw-23-hours", WARSAW, "2026-03-29T12:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z" },
  { "warsaw-25-hours", WARSAW, "2026-10-25T12:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z" },
  { "new-york-23-hours", NEW_YORK, "2026-03-08T12:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z" },
  { "new-york-25-hours", NEW_YORK, "2026-11-01T12:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z" },
  { "tokyo-ahead-of-utc", "Asia/Tokyo", "2026-01-05T16:00:00Z", "2026-01-05T15:00:00Z", "2026-01-06T15:00:00Z" },
  { "exact-midnight", WARSAW, "2026-01-04T23:00:00Z", "2026-01-04T23:00:00Z", "2026-01-05T23:00:00Z" },
};

static void
test_day_bounds (gconstpointer data)
{
  const DayCase *c = data;
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (c->zone);
  gint64 start, end;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;

  g_assert_nonnull (zone);
  ob_schedule_day_bounds (zone, instant (c->at), &start, &end);
  start_text = utc_string (start);
  end_text = utc_string (end);
  g_assert_cmpstr (start_text, ==, c->start);
  g_assert_cmpstr (end_text, ==, c->end);
}

static void
test_pause (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GRand) again = g_rand_new_with_seed (42);
  gboolean seen_low = FALSE, seen_high = FALSE;
  guint first = 0;
  gboolean varied = FALSE;

  /* The stricter of each end: [max (60, 30), max (180, 300)]. */
  for (guint i = 0; i < 2000; i++)
    {
      guint pause = ob_schedule_pick_pause (60, 180, 30, 300, rand);

      g_assert_cmpuint (pause, >=, 60);
      g_assert_cmpuint (pause, <=, 300);
      g_assert_cmpuint (ob_schedule_pick_pause (60, 180, 30, 300, again), ==, pause);
      seen_low |= pause < 80;
      seen_high |= pause > 280;
      if (i == 0)
        first = pause;
      else
        varied |= pause != first;
    }
  g_assert_true (seen_low && seen_high && varied);

  g_assert_cmpuint (ob_schedule_pick_pause (0, 0, 0, 0, rand), ==, 0);
  g_assert_cmpuint (ob_schedule_pick_pause (0, 10, 60, 60, rand), ==, 60);
  g_assert_cmpuint (ob_schedule_pick_pause (120, 120, 60, 90, rand), ==, 120);
}

/* Campaign file values ********************************************************/

static void
test_parse_delay (void)
{
  const struct { const char *text; guint amount; ObDelayUnit unit; } good[] = {
    { "3d", 3, OB_DELAY_DAYS },
    { "2bd", 2, OB_DELAY_BUSINESS_DAYS },
    { "90s", 90, OB_DELAY_SECONDS },
    { "15m", 15, OB_DELAY_MINUTES },
    { "4h", 4, OB_DELAY_HOURS },
    { "0d", 0, OB_DELAY_DAYS },
    { " 12d ", 12, OB_DELAY_DAYS },
    { "007h", 7, OB_DELAY_HOURS },
    { "3660d", 3660, OB_DELAY_DAYS },
  };
  const char *bad[] = {
    "", "d", "3", "3x", "-1d", "3 d", "3dd", "3D", "1.5d", "d3", "3d4h", "0x10s",
    "3661d", "99999999999999999999d", "316224001s",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      ObScheduleDelay delay;

      g_assert_true (ob_schedule_parse_delay (good[i].text, &delay, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (delay.amount, ==, good[i].amount);
      g_assert_cmpint (delay.unit, ==, good[i].unit);
      text = ob_schedule_format_delay (&delay);
      g_assert_true (ob_schedule_parse_delay (text, &delay, NULL));
      g_assert_cmpuint (delay.amount, ==, good[i].amount);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      ObScheduleDelay delay = { 77, OB_DELAY_HOURS };

      g_assert_false (ob_schedule_parse_delay (bad[i], &delay, &error));
      g_assert_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DELAY);
      g_assert_cmpuint (delay.amount, ==, 77);
    }

  for (ObDelayUnit unit = OB_DELAY_SECONDS; unit <= OB_DELAY_BUSINESS_DAYS; unit++)
    {
      ObDelayUnit back;

      g_assert_true (ob_schedule_delay_unit_from_string (ob_schedule_delay_unit_to_string (unit), &back));
      g_assert_cmpint (back, ==, unit);
    }
  g_assert_false (ob_schedule_delay_unit_from_string ("w", NULL));
}

static void
test_parse_window (void)
{
  const struct { const char *text; guint start, end; } good[] = {
    { "09:00-17:00", 540, 1020 },
    { "9:30 - 17:15", 570, 1035 },
    { "00:00-24:00", 0, 1440 },
    { "22:00-02:00", 1320, 120 },
    { "23:00-00:00", 1380, 0 },
  };
  const char *bad[] = {
    "", "09:00", "9-17", "09:00-17", "24:00-09:00", "09:00-24:01", "25:00-26:00",
    "09:60-17:00", "09:00-09:00", "00:00-00:00", "09:00-17:00-18:00", "0900-1700",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      guint start = 0, end = 0;

      g_assert_true (ob_schedule_parse_window (good[i].text, &start, &end, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (start, ==, good[i].start);
      g_assert_cmpuint (end, ==, good[i].end);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint start = 0, end = 0;

      g_assert_false (ob_schedule_parse_window (bad[i], &start, &end, &error));
      g_assert_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_WINDOW);
    }
}

static void
test_parse_days (void)
{
  const char *weekdays[] = { "mon", "tue", "wed", "thu", "fri", NULL };
  const char *mixed[] = { "Sunday", " SAT ", "mon", "", NULL };
  const char *unknown[] = { "mon", "funday", NULL };
  const char *empty[] = { NULL };
  g_autoptr(GError) error = NULL;
  guint days = 0;

  g_assert_true (ob_schedule_parse_days (weekdays, &days, &error));
  g_assert_no_error (error);
  g_assert_cmphex (days, ==, OB_SCHEDULE_WEEKDAYS);
  g_assert_true (ob_schedule_parse_days (mixed, &days, &error));
  g_assert_cmphex (days, ==, 0x61);
  g_assert_false (ob_schedule_parse_days (unknown, &days, &error));
  g_assert_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DAYS);
  g_clear_error (&error);
  g_assert_false (ob_schedule_parse_days (empty, &days, &error));
  g_assert_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_INVALID_DAYS);
}

static void
test_settings_errors (void)
{
  const struct
  {
    const char *zone;
    guint start, end, days;
    const char *holidays;
    ObScheduleError code;
  } cases[] = {
    { "Nowhere/Land", 540, 1020, 31, NULL, OB_SCHEDULE_ERROR_INVALID_TIMEZONE },
    { "../../etc/passwd", 540, 1020, 31, NULL, OB_SCHEDULE_ERROR_INVALID_TIMEZONE },
    { WARSAW, 600, 600, 31, NULL, OB_SCHEDULE_ERROR_INVALID_WINDOW },
    { WARSAW, 1440, 600, 31, NULL, OB_SCHEDULE_ERROR_INVALID_WINDOW },
    { WARSAW, 540, 1441, 31, NULL, OB_SCHEDULE_ERROR_INVALID_WINDOW },
    { WARSAW, 540, 1020, 0, NULL, OB_SCHEDULE_ERROR_INVALID_DAYS },
    { WARSAW, 540, 1020, 31, "2026-02-30", OB_SCHEDULE_ERROR_INVALID_HOLIDAYS },
    { WARSAW, 540, 1020, 31, "2026-01-06;tomorrow", OB_SCHEDULE_ERROR_INVALID_HOLIDAYS },
    { WARSAW, 540, 1020, 31, "6.1.2026", OB_SCHEDULE_ERROR_INVALID_HOLIDAYS },
  };
  g_autoptr(ObScheduleSettings) local = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) case_error = NULL;
      ObScheduleSettings *settings = ob_schedule_settings_new (cases[i].zone, cases[i].start, cases[i].end,
                                                               cases[i].days, cases[i].holidays,
                                                               &case_error);

      g_assert_null (settings);
      g_assert_error (case_error, OB_SCHEDULE_ERROR, (int) cases[i].code);
    }

  /* "" is the system's zone; holidays may be separated any way a person would. */
  local = ob_schedule_settings_new ("", 540, 1020, 31, "2026-01-06, 2026-04-06\n2026-05-01;", &error);
  g_assert_no_error (error);
  g_assert_nonnull (local);
}

/* The decision over the store *************************************************/

typedef struct
{
  char    *dir;
  ObStore *store;
} Fixture;

/* Two accounts; campaigns 1 and 2 of account 1 and 3 of account 2 running,
 * 4 of account 1 paused; three steps each; Warsaw, 09:00-17:00 Monday to
 * Friday, 50 a day; no pauses. Prospects 1-6 without a zone. */
#define BASE_SQL \
  "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security," \
  "                      daily_limit, pause_min, pause_max) VALUES" \
  " (1, 'rep', 'rep@example.test', 'smtp.example.test', 465, 'tls', 50, 0, 0)," \
  " (2, 'other', 'other@example.test', 'smtp.example.test', 465, 'tls', 50, 0, 0);" \
  "INSERT INTO prospects (id, email, email_key, domain) VALUES" \
  " (1, 'a@one.test', 'a@one.test', 'one.test'), (2, 'b@two.test', 'b@two.test', 'two.test')," \
  " (3, 'c@three.test', 'c@three.test', 'three.test'), (4, 'd@four.test', 'd@four.test', 'four.test')," \
  " (5, 'e@five.test', 'e@five.test', 'five.test'), (6, 'f@six.test', 'f@six.test', 'six.test');" \
  "INSERT INTO campaigns (id, name, account_id, state, timezone, pause_min, pause_max) VALUES" \
  " (1, 'one', 1, 'running', 'Europe/Warsaw', 0, 0), (2, 'two', 1, 'running', 'Europe/Warsaw', 0, 0)," \
  " (3, 'three', 2, 'running', 'Europe/Warsaw', 0, 0), (4, 'four', 1, 'paused', 'Europe/Warsaw', 0, 0);" \
  "INSERT INTO steps (campaign_id, position, delay_amount, delay_unit)" \
  " SELECT c.id, n.n, 3, 'd' FROM campaigns c, (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) n;"

/* The scheduler's indexes (migration 003): the store/ cases run without
 * them, the store-indexed/ cases with them, and both must answer the same. */
#define DROP_SCHEDULE_INDEXES \
  "DROP INDEX enrollments_due_follow_up;" \
  "DROP INDEX enrollments_due_first;" \
  "DROP INDEX prospects_timezone;"
#define ENROLL(id, campaign, prospect, step, due) \
  "INSERT INTO enrollments (id, campaign_id, prospect_id, next_step, due_at) VALUES (" \
  #id ", " #campaign ", " #prospect ", " #step ", unixepoch ('" due "'));"
/* A send that went, from account `account`. */
#define SENT(enrollment, step, account, at) \
  "INSERT INTO sends (enrollment_id, step_position, account_id, state, message_id, sent_at, created_at)" \
  " VALUES (" #enrollment ", " #step ", " #account ", 'sent', '<" #enrollment "." #step "@test>'," \
  " unixepoch ('" at "'), unixepoch ('" at "'));"
/* A send row in another state, written at `at`. */
#define SEND_ROW(enrollment, step, state, at, retry_at) \
  "INSERT INTO sends (enrollment_id, step_position, account_id, state, message_id, created_at, retry_at)" \
  " VALUES (" #enrollment ", " #step ", 1, '" state "', '<" #enrollment "." #step "@test>'," \
  " unixepoch ('" at "'), unixepoch ('" retry_at "'));"
#define TOKYO \
  "INSERT INTO prospects (id, email, email_key, domain, timezone) VALUES" \
  " (7, 'taro@tokyo.test', 'taro@tokyo.test', 'tokyo.test', 'Asia/Tokyo')," \
  " (9, 'hanako@tokyo.test', 'hanako@tokyo.test', 'tokyo.test', 'Asia/Tokyo');"
#define ALWAYS \
  "UPDATE campaigns SET window_start = 0, window_end = 1440, days = 127 WHERE id = 1;"
/* 1,200 prospects without a zone, due in campaign 1 before anyone else:
 * more than ob-schedule.c's scan budget (1,024 rows). */
#define WARSAW_CROWD \
  "WITH RECURSIVE n (i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 1299)" \
  " INSERT INTO prospects (id, email, email_key, domain)" \
  " SELECT i, 'p' || i || '@x.test', 'p' || i || '@x.test', 'x.test' FROM n;" \
  "INSERT INTO enrollments (id, campaign_id, prospect_id, next_step, due_at)" \
  " SELECT id, 1, id, 1, unixepoch ('2026-01-01T08:00:00Z') FROM prospects WHERE id >= 100;"
#define NEW_YORK_EVERY_DAY \
  "UPDATE campaigns SET timezone = 'America/New_York', days = 127 WHERE id = 1;"

/* Monday 2026-01-05 in Warsaw. */
#define MON_0200 "2026-01-05T02:00:00+01:00"
#define MON_1000 "2026-01-05T10:00:00+01:00"
#define MON_2000 "2026-01-05T20:00:00+01:00"
#define DUE_OLD "2026-01-01T08:00:00Z"
#define LATER "2026-02-01T08:00:00Z"

typedef struct
{
  const char      *name;
  const char      *sql;
  const char      *now;
  const char      *now_zone;    /* the account's day; NULL: the offset written in `now` */
  gint64           account;     /* 0: 1 */
  ObScheduleAction action;
  ObScheduleReason reason;
  gint64           enrollment;  /* SEND */
  int              step;        /* SEND */
  const char      *at;          /* SEND: send_at (NULL: now); WAIT: wake_at (NULL: none) */
} StoreCase;

#define SEND_NOW(e, s) OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_DUE, e, s, NULL
#define WAIT(reason, at) OB_SCHEDULE_WAIT, OB_SCHEDULE_REASON_ ## reason, 0, 0, at

static const StoreCase store_cases[] = {
  { "first-email-due", ENROLL (1, 1, 1, 1, "2026-01-05T08:00:00Z"), MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "nothing-enrolled", "", MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "evening-waits-for-morning", ENROLL (1, 1, 1, 1, DUE_OLD), MON_2000, NULL, 0,
    WAIT (WINDOW, "2026-01-06T08:00:00Z") },
  { "weekend-waits-for-monday", ENROLL (1, 1, 1, 1, DUE_OLD), "2026-01-10T12:00:00+01:00", NULL, 0,
    WAIT (WINDOW, "2026-01-12T08:00:00Z") },
  { "holiday-skipped", ENROLL (1, 1, 1, 1, DUE_OLD) "UPDATE campaigns SET holidays = '2026-01-06';",
    MON_2000, NULL, 0, WAIT (WINDOW, "2026-01-07T08:00:00Z") },
  { "due-later", ENROLL (1, 1, 1, 1, "2026-01-06T10:00:00Z"), MON_1000, NULL, 0,
    WAIT (NOT_YET, "2026-01-06T10:00:00Z") },
  { "due-later-outside-window", ENROLL (1, 1, 1, 1, "2026-01-05T19:00:00Z"), MON_1000, NULL, 0,
    WAIT (NOT_YET, "2026-01-06T08:00:00Z") },
  { "due-null-never", "INSERT INTO enrollments (id, campaign_id, prospect_id) VALUES (1, 1, 1);"
    "UPDATE enrollments SET due_at = NULL;", MON_1000, NULL, 0, WAIT (NOTHING, NULL) },

  /* Order. */
  { "follow-up-before-older-first",
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, "2026-01-05T08:30:00Z")
    SENT (2, 1, 1, "2026-01-02T09:00:00Z"), MON_1000, NULL, 0, SEND_NOW (2, 2) },
  { "follow-up-first-across-campaigns",
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 2, 2, 2, "2026-01-05T08:50:00Z"), MON_1000, NULL, 0,
    SEND_NOW (2, 2) },
  { "oldest-due-first-across-campaigns",
    ENROLL (1, 1, 1, 1, "2026-01-03T08:00:00Z") ENROLL (2, 2, 2, 1, "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (2, 1) },
  { "oldest-follow-up-first",
    ENROLL (1, 1, 1, 3, "2026-01-05T08:00:00Z") ENROLL (2, 2, 2, 2, "2026-01-04T08:00:00Z")
    ENROLL (3, 1, 3, 2, "2026-01-05T07:00:00Z"), MON_1000, NULL, 0, SEND_NOW (2, 2) },
  { "same-due-lower-id-first",
    ENROLL (5, 1, 1, 1, "2026-01-02T08:00:00Z") ENROLL (4, 2, 2, 1, "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (4, 1) },

  /* Daily limits. */
  { "follow-up-when-campaign-limit-reached",
    "UPDATE campaigns SET daily_limit = 1 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:10:00Z")
    ENROLL (3, 1, 3, 2, "2026-01-05T08:30:00Z") SENT (3, 1, 1, "2026-01-02T08:30:00Z"),
    MON_1000, NULL, 0, SEND_NOW (3, 2) },
  { "campaign-limit-reached",
    "UPDATE campaigns SET daily_limit = 2 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) ENROLL (3, 1, 3, 2, LATER)
    ENROLL (4, 1, 4, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:05:00Z")
    SENT (3, 1, 1, "2026-01-05T08:20:00Z") SENT (4, 1, 1, "2026-01-04T12:00:00Z"),
    MON_1000, NULL, 0, WAIT (DAILY_LIMIT, "2026-01-06T08:00:00Z") },
  { "campaign-limit-counts-local-day",
    "UPDATE campaigns SET daily_limit = 2 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) ENROLL (4, 1, 4, 2, LATER)
    SENT (2, 1, 1, "2026-01-05T08:05:00Z") SENT (4, 1, 1, "2026-01-04T22:59:59Z"),
    MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "campaign-limit-is-per-campaign",
    "UPDATE campaigns SET daily_limit = 1 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:05:00Z")
    ENROLL (3, 2, 3, 1, "2026-01-03T08:00:00Z"), MON_1000, NULL, 0, SEND_NOW (3, 1) },
  { "account-limit-shared-by-campaigns",
    "UPDATE accounts SET daily_limit = 3 WHERE id = 1;"
    ENROLL (1, 2, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) ENROLL (3, 1, 3, 2, LATER)
    ENROLL (4, 2, 4, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:01:00Z")
    SENT (3, 1, 1, "2026-01-05T08:02:00Z") SENT (4, 1, 1, "2026-01-05T08:03:00Z"),
    MON_1000, NULL, 0, WAIT (DAILY_LIMIT, "2026-01-06T08:00:00Z") },
  { "account-limit-below",
    "UPDATE accounts SET daily_limit = 3 WHERE id = 1;"
    ENROLL (1, 2, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) ENROLL (4, 2, 4, 2, LATER)
    SENT (2, 1, 1, "2026-01-05T08:01:00Z") SENT (4, 1, 1, "2026-01-05T08:03:00Z"),
    MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "account-limit-ignores-other-account",
    "UPDATE accounts SET daily_limit = 2;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:01:00Z")
    ENROLL (5, 3, 5, 2, LATER) ENROLL (6, 3, 6, 2, LATER) SENT (5, 1, 2, "2026-01-05T08:02:00Z")
    SENT (6, 1, 2, "2026-01-05T08:03:00Z"), MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "account-limit-counts-sending",
    "UPDATE accounts SET daily_limit = 2 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:05:00Z")
    /* Started a second before midnight, still going: it lands today. */
    ENROLL (3, 1, 3, 1, DUE_OLD) SEND_ROW (3, 1, "sending", "2026-01-04T22:59:59Z", "2026-01-04T22:59:59Z"),
    MON_1000, NULL, 0, WAIT (DAILY_LIMIT, "2026-01-06T08:00:00Z") },
  { "campaign-limit-counts-uncertain",
    "UPDATE campaigns SET daily_limit = 1 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (3, 1, 3, 1, DUE_OLD)
    SEND_ROW (3, 1, "uncertain", "2026-01-05T08:30:00Z", "2026-01-05T08:30:00Z"),
    MON_1000, NULL, 0, WAIT (DAILY_LIMIT, "2026-01-06T08:00:00Z") },
  { "zero-limit-sends-follow-ups-only",
    "UPDATE campaigns SET daily_limit = 0 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, "2026-01-05T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (2, 2) },
  /* The campaign's limit counts the campaign's day (Warsaw), even when the
   * account's day (`now`'s zone, UTC here) has not begun yet. */
  { "campaign-limit-counts-campaign-day",
    "UPDATE campaigns SET daily_limit = 2 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) ENROLL (4, 1, 4, 2, LATER)
    SENT (2, 1, 1, "2026-01-05T08:05:00Z") SENT (4, 1, 1, "2026-01-04T23:30:00Z"),
    MON_1000, "UTC", 0, WAIT (DAILY_LIMIT, "2026-01-06T08:00:00Z") },
  /* The account's limit counts the day of `now` in now's zone (New York),
   * not the campaign's (Warsaw, open all day). */
  { "account-day-in-now-zone",
    ALWAYS "UPDATE accounts SET daily_limit = 1;"
    ENROLL (1, 1, 1, 1, "2026-10-01T12:00:00Z") ENROLL (2, 1, 2, 2, "2026-12-01T00:00:00Z")
    SENT (2, 1, 1, "2026-11-01T22:30:00Z"), "2026-11-02T01:00:00Z", NEW_YORK, 0,
    WAIT (DAILY_LIMIT, "2026-11-02T05:00:00Z") },
  { "account-day-not-campaign-day",
    ALWAYS "UPDATE accounts SET daily_limit = 1;"
    ENROLL (1, 1, 1, 1, "2026-10-01T12:00:00Z") ENROLL (2, 1, 2, 2, "2026-12-01T00:00:00Z")
    SENT (2, 1, 1, "2026-10-31T23:30:00Z"), "2026-11-01T15:00:00Z", NEW_YORK, 0, SEND_NOW (1, 1) },

  /* The account. */
  { "account-paused", "UPDATE accounts SET state = 'paused';" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (ACCOUNT_PAUSED, NULL) },
  { "account-needs-user", "UPDATE accounts SET state = 'error';" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (ACCOUNT_PAUSED, NULL) },
  { "account-throttled",
    "UPDATE accounts SET state = 'throttled', paused_until = unixepoch ('2026-01-05T09:30:00Z');"
    ENROLL (1, 1, 1, 1, DUE_OLD), MON_1000, NULL, 0,
    OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_THROTTLED, 1, 1, "2026-01-05T09:30:00Z" },
  { "account-throttle-over",
    "UPDATE accounts SET state = 'throttled', paused_until = unixepoch ('2026-01-05T08:00:00Z');"
    ENROLL (1, 1, 1, 1, DUE_OLD), MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "pause-after-last-send",
    "UPDATE accounts SET pause_min = 60, pause_max = 60;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:59:30Z"),
    MON_1000, NULL, 0, OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_PAUSE, 1, 1, "2026-01-05T09:00:30Z" },
  { "pause-over",
    "UPDATE accounts SET pause_min = 60, pause_max = 60;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:58:00Z"),
    MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "pause-of-campaign-when-longer",
    "UPDATE accounts SET pause_min = 60, pause_max = 60;"
    "UPDATE campaigns SET pause_min = 120, pause_max = 120 WHERE id = 1;"
    ENROLL (1, 2, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T08:59:30Z"),
    MON_1000, NULL, 0, OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_PAUSE, 1, 1, "2026-01-05T09:01:30Z" },
  { "pause-ending-after-window-closes",
    "UPDATE accounts SET pause_min = 600, pause_max = 600;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T15:55:00Z"),
    "2026-01-05T16:58:00+01:00", NULL, 0,
    OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_PAUSE, 1, 1, "2026-01-06T08:00:00Z" },
  { "pause-after-clock-went-back",
    "UPDATE accounts SET pause_min = 60, pause_max = 60;"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-05T12:00:00Z"),
    MON_1000, NULL, 0, OB_SCHEDULE_SEND, OB_SCHEDULE_REASON_PAUSE, 1, 1, "2026-01-05T09:01:00Z" },
  { "pause-does-not-hide-later-due",
    "UPDATE accounts SET pause_min = 60, pause_max = 60;"
    ENROLL (1, 1, 1, 1, "2026-01-06T10:00:00Z") ENROLL (2, 1, 2, 2, LATER)
    SENT (2, 1, 1, "2026-01-05T08:59:30Z"), MON_1000, NULL, 0, WAIT (NOT_YET, "2026-01-06T10:00:00Z") },

  /* Who is never written to. */
  { "do-not-contact-email",
    "INSERT INTO do_not_contact (kind, value) VALUES ('email', 'a@one.test');"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 1, "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (2, 1) },
  { "do-not-contact-domain",
    "INSERT INTO do_not_contact (kind, value) VALUES ('domain', 'one.test');"
    ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 1, "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (2, 1) },
  { "do-not-contact-follow-up",
    "INSERT INTO do_not_contact (kind, value) VALUES ('email', 'a@one.test');"
    ENROLL (1, 1, 1, 2, DUE_OLD), MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "prospect-replied-elsewhere", "UPDATE prospects SET status = 'replied' WHERE id = 1;"
    ENROLL (1, 1, 1, 1, DUE_OLD), MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "enrollment-stopped", ENROLL (1, 1, 1, 1, DUE_OLD) "UPDATE enrollments SET state = 'stopped';",
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "enrollment-paused-until",
    ENROLL (1, 1, 1, 1, DUE_OLD) "UPDATE enrollments SET paused_until = unixepoch ('2026-01-07T10:00:00Z');",
    MON_1000, NULL, 0, WAIT (NOT_YET, "2026-01-07T10:00:00Z") },

  /* Campaigns. */
  { "campaign-paused", ENROLL (1, 4, 1, 1, DUE_OLD), MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "campaign-draft", "UPDATE campaigns SET state = 'draft' WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "campaign-of-other-account", ENROLL (1, 3, 1, 1, DUE_OLD), MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "other-account-decides-its-own", ENROLL (1, 3, 1, 1, DUE_OLD), MON_1000, NULL, 2, SEND_NOW (1, 1) },
  { "campaign-without-steps", "DELETE FROM steps WHERE campaign_id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "past-last-step", ENROLL (1, 1, 1, 4, DUE_OLD), MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "campaign-settings-broken",
    "UPDATE campaigns SET window_start = 600, window_end = 600 WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "campaign-zone-unknown",
    "UPDATE campaigns SET timezone = 'Nowhere/Land' WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },

  /* At most once, and retries. */
  { "step-already-sent", ENROLL (1, 1, 1, 1, DUE_OLD) SENT (1, 1, 1, "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "step-uncertain",
    ENROLL (1, 1, 1, 1, DUE_OLD) SEND_ROW (1, 1, "uncertain", "2026-01-02T08:00:00Z", "2026-01-02T08:00:00Z"),
    MON_1000, NULL, 0, WAIT (NOTHING, NULL) },
  { "retry-later",
    ENROLL (1, 1, 1, 1, DUE_OLD) SEND_ROW (1, 1, "retry", "2026-01-05T08:50:00Z", "2026-01-05T09:30:00Z"),
    MON_1000, NULL, 0, WAIT (RETRY, "2026-01-05T09:30:00Z") },
  { "retry-ready",
    ENROLL (1, 1, 1, 1, DUE_OLD) SEND_ROW (1, 1, "retry", "2026-01-05T08:00:00Z", "2026-01-05T08:30:00Z"),
    MON_1000, NULL, 0, SEND_NOW (1, 1) },

  /* Time zones and DST. */
  { "tokyo-closed-warsaw-open", TOKYO ENROLL (1, 1, 7, 1, DUE_OLD) ENROLL (2, 1, 1, 1, "2026-01-04T08:00:00Z"),
    MON_1000, NULL, 0, SEND_NOW (2, 1) },
  { "tokyo-open-warsaw-closed", TOKYO ENROLL (1, 1, 7, 1, DUE_OLD) ENROLL (2, 1, 1, 1, "2026-01-04T08:00:00Z"),
    MON_0200, NULL, 0, SEND_NOW (1, 1) },
  { "tokyo-wakes-first", TOKYO ENROLL (1, 1, 7, 1, DUE_OLD) ENROLL (2, 1, 1, 1, "2026-01-04T08:00:00Z"),
    MON_2000, NULL, 0, WAIT (WINDOW, "2026-01-06T00:00:00Z") },
  { "tokyo-follow-up-first-at-night",
    TOKYO ENROLL (1, 1, 7, 1, DUE_OLD) ENROLL (2, 1, 9, 2, "2026-01-04T08:00:00Z"),
    MON_0200, NULL, 0, SEND_NOW (2, 2) },
  { "tokyo-first-email-limited-at-night",
    TOKYO "UPDATE campaigns SET daily_limit = 1 WHERE id = 1;" ENROLL (1, 1, 7, 1, DUE_OLD)
    ENROLL (2, 1, 2, 2, LATER) SENT (2, 1, 1, "2026-01-04T23:30:00Z"),
    MON_0200, NULL, 0, WAIT (DAILY_LIMIT, "2026-01-05T23:00:00Z") },
  /* The campaign's window is closed and 1,200 of its rows come first: the
   * Tokyo prospect is found zone by zone, past the scan's budget. */
  { "tokyo-found-past-scan-budget",
    TOKYO WARSAW_CROWD ENROLL (1, 1, 7, 1, "2026-01-02T08:00:00Z"), MON_0200, NULL, 0, SEND_NOW (1, 1) },
  { "tokyo-oldest-first-past-scan-budget",
    TOKYO WARSAW_CROWD ENROLL (1, 1, 7, 1, "2026-01-03T08:00:00Z") ENROLL (2, 1, 9, 1, "2026-01-02T08:00:00Z"),
    MON_0200, NULL, 0, SEND_NOW (2, 1) },
  { "tokyo-none-past-scan-budget",
    TOKYO WARSAW_CROWD ENROLL (1, 1, 7, 1, "2026-01-02T08:00:00Z")
    "UPDATE enrollments SET paused_until = unixepoch ('2026-01-07T10:00:00Z') WHERE id = 1;",
    MON_0200, NULL, 0, WAIT (WINDOW, "2026-01-05T08:00:00Z") },
  /* An open zone whose only row is paused must not wake at once. */
  { "tokyo-open-row-paused",
    TOKYO ENROLL (1, 1, 7, 1, DUE_OLD) ENROLL (2, 1, 1, 1, "2026-01-04T08:00:00Z")
    "UPDATE enrollments SET paused_until = unixepoch ('2026-01-07T10:00:00Z') WHERE id = 1;",
    MON_0200, NULL, 0, WAIT (WINDOW, "2026-01-05T08:00:00Z") },
  { "tokyo-open-row-paused-alone",
    TOKYO ENROLL (1, 1, 7, 1, DUE_OLD)
    "UPDATE enrollments SET paused_until = unixepoch ('2026-01-07T10:00:00Z') WHERE id = 1;",
    MON_0200, NULL, 0, WAIT (NOT_YET, "2026-01-08T00:00:00Z") },
  { "prospect-zone-unknown",
    "INSERT INTO prospects (id, email, email_key, domain, timezone)"
    " VALUES (8, 'x@mars.test', 'x@mars.test', 'mars.test', 'Mars/Base');" ENROLL (1, 1, 8, 1, DUE_OLD),
    MON_1000, NULL, 0, SEND_NOW (1, 1) },
  { "prospect-zone-unknown-evening",
    "INSERT INTO prospects (id, email, email_key, domain, timezone)"
    " VALUES (8, 'x@mars.test', 'x@mars.test', 'mars.test', 'Mars/Base');" ENROLL (1, 1, 8, 1, DUE_OLD),
    MON_2000, NULL, 0, WAIT (WINDOW, "2026-01-06T08:00:00Z") },
  { "new-york-spring-forward-open", NEW_YORK_EVERY_DAY ENROLL (1, 1, 1, 1, "2026-03-01T12:00:00Z"),
    "2026-03-08T13:00:00Z", NULL, 0, SEND_NOW (1, 1) },
  { "new-york-spring-forward-not-yet", NEW_YORK_EVERY_DAY ENROLL (1, 1, 1, 1, "2026-03-01T12:00:00Z"),
    "2026-03-08T12:30:00Z", NULL, 0, WAIT (WINDOW, "2026-03-08T13:00:00Z") },
  { "warsaw-fall-back-second-pass",
    "UPDATE campaigns SET window_start = 120, window_end = 180, days = 127 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, "2026-10-01T12:00:00Z"), "2026-10-25T01:30:00Z", NULL, 0, SEND_NOW (1, 1) },
  { "warsaw-fall-back-after",
    "UPDATE campaigns SET window_start = 120, window_end = 180, days = 127 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, "2026-10-01T12:00:00Z"), "2026-10-25T02:00:00Z", NULL, 0,
    WAIT (WINDOW, "2026-10-26T01:00:00Z") },
  { "warsaw-spring-forward-window-skipped",
    "UPDATE campaigns SET window_start = 120, window_end = 180, days = 127 WHERE id = 1;"
    ENROLL (1, 1, 1, 1, "2026-03-01T12:00:00Z"), "2026-03-29T00:30:00Z", NULL, 0,
    WAIT (WINDOW, "2026-03-30T00:00:00Z") },
  { "midnight-window-friday-night",
    "UPDATE campaigns SET window_start = 1320, window_end = 120 WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    "2026-01-10T01:00:00+01:00", NULL, 0, SEND_NOW (1, 1) },
  { "midnight-window-monday-early",
    "UPDATE campaigns SET window_start = 1320, window_end = 120 WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    "2026-01-12T01:00:00+01:00", NULL, 0, WAIT (WINDOW, "2026-01-12T21:00:00Z") },
  { "whole-day-window",
    "UPDATE campaigns SET window_start = 0, window_end = 1440 WHERE id = 1;" ENROLL (1, 1, 1, 1, DUE_OLD),
    "2026-01-07T03:00:00+01:00", NULL, 0, SEND_NOW (1, 1) },
};

static ObStore *
open_store (const char *dir,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  ObStore *store = ob_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-schedule-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = open_store (f->dir, "outbound.db");
  ob_store_exec (f->store, BASE_SQL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
run_store_case (Fixture         *f,
                const StoreCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) written = g_date_time_new_from_iso8601 (c->now, NULL);
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *at = NULL;
  ObScheduleDecision d;

  ob_store_exec (f->store, c->sql, &error);
  g_assert_no_error (error);

  if (c->now_zone != NULL)
    {
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (c->now_zone);

      now = g_date_time_to_timezone (written, zone);
    }
  else
    {
      now = g_date_time_ref (written);
    }

  g_assert_true (ob_schedule_next_due (f->store, c->account != 0 ? c->account : 1, now, &d, &error));
  g_assert_no_error (error);
  /* Nothing left open behind the caller's back. */
  g_assert_true (sqlite3_get_autocommit (ob_store_get_db (f->store)));

  g_assert_cmpint (d.action, ==, c->action);
  g_assert_cmpint (d.reason, ==, c->reason);
  if (c->action == OB_SCHEDULE_SEND)
    {
      g_autofree char *send_at = utc_string (d.send_at);
      g_autofree char *expected = utc_string (c->at != NULL ? instant (c->at) : g_date_time_to_unix (now));
      gint64 campaign = 0, prospect = 0;
      g_autofree char *sql = g_strdup_printf ("SELECT campaign_id, prospect_id, due_at FROM enrollments"
                                              " WHERE id = %" G_GINT64_FORMAT, d.enrollment_id);
      g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

      g_assert_cmpint (d.enrollment_id, ==, c->enrollment);
      g_assert_cmpint (d.step, ==, c->step);
      g_assert_cmpstr (send_at, ==, expected);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      campaign = sqlite3_column_int64 (stmt, 0);
      prospect = sqlite3_column_int64 (stmt, 1);
      g_assert_cmpint (d.campaign_id, ==, campaign);
      g_assert_cmpint (d.prospect_id, ==, prospect);
      g_assert_cmpint (d.due_at, ==, sqlite3_column_int64 (stmt, 2));
      g_assert_cmpint (d.due_at, <=, g_date_time_to_unix (now));
      g_assert_cmpint (d.wake_at, <=, d.send_at);
      g_assert_cmpint (d.wake_at, >=, g_date_time_to_unix (now));
    }
  else
    {
      g_assert_cmpint (d.enrollment_id, ==, 0);
      at = utc_string (d.wake_at);
      g_assert_cmpstr (at, ==, c->at != NULL ? c->at : "0");
    }
}

static void
test_store_case (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  ob_store_exec (f->store, DROP_SCHEDULE_INDEXES, &error);
  g_assert_no_error (error);
  run_store_case (f, data);
}

/* The same answers when the indexes the planner may use change. */
static void
test_store_case_indexed (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* As migrated: the indexes are there. */
  run_store_case (f, data);
}

static void
test_store_no_account (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 (MON_1000, NULL);
  ObScheduleDecision d;

  g_assert_false (ob_schedule_next_due (f->store, 42, now, &d, &error));
  g_assert_error (error, OB_SCHEDULE_ERROR, OB_SCHEDULE_ERROR_NO_ACCOUNT);
  g_assert_true (sqlite3_get_autocommit (ob_store_get_db (f->store)));
}

static void
test_store_in_caller_transaction (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 (MON_1000, NULL);
  ObScheduleDecision d;

  g_assert_true (ob_store_begin (f->store, &error));
  ob_store_exec (f->store, ENROLL (1, 1, 1, 1, DUE_OLD), &error);
  g_assert_no_error (error);
  /* Sees the caller's uncommitted row, and leaves the transaction to it. */
  g_assert_true (ob_schedule_next_due (f->store, 1, now, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpint (d.action, ==, OB_SCHEDULE_SEND);
  g_assert_false (sqlite3_get_autocommit (ob_store_get_db (f->store)));
  ob_store_rollback (f->store);

  g_assert_true (ob_schedule_next_due (f->store, 1, now, &d, &error));
  g_assert_cmpint (d.action, ==, OB_SCHEDULE_WAIT);
  g_assert_cmpint (d.reason, ==, OB_SCHEDULE_REASON_NOTHING);
}

/* A new index after the statements were prepared and kept: sqlite prepares
 * them again, and the answer stays. */
static void
test_store_schema_change (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 (MON_1000, NULL);
  ObScheduleDecision d;

  ob_store_exec (f->store, ENROLL (1, 1, 1, 1, DUE_OLD) ENROLL (2, 1, 2, 2, "2026-01-05T08:00:00Z"), &error);
  g_assert_no_error (error);
  g_assert_true (ob_schedule_next_due (f->store, 1, now, &d, &error));
  g_assert_cmpint (d.enrollment_id, ==, 2);

  ob_store_exec (f->store, DROP_SCHEDULE_INDEXES "DELETE FROM enrollments WHERE id = 2;", &error);
  g_assert_no_error (error);
  g_assert_true (ob_schedule_next_due (f->store, 1, now, &d, &error));
  g_assert_no_error (error);
  g_assert_cmpint (d.enrollment_id, ==, 1);
}

typedef struct
{
  const char *dir;
  gint64      enrollment_id;
} ThreadData;

static gpointer
decide_in_thread (gpointer data)
{
  ThreadData *td = data;
  g_autoptr(ObStore) store = open_store (td->dir, "outbound.db");
  g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 (MON_1000, NULL);
  ObScheduleDecision d;

  if (ob_schedule_next_due (store, 1, now, &d, NULL))
    td->enrollment_id = d.enrollment_id;
  return NULL;
}

/* The sender asks from its own thread with its own store. */
static void
test_store_other_thread (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ThreadData td = { f->dir, 0 };
  GThread *threads[4];

  ob_store_exec (f->store, ENROLL (3, 1, 1, 1, DUE_OLD), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("sender", decide_in_thread, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (td.enrollment_id, ==, 3);
}

/* With the proposed indexes, a bigger store: the scans never sort and never
 * step through a whole table, whatever the hour. */
static void
test_store_indexed_plans (Fixture       *f,
                          gconstpointer  data)
{
  const char *nows[] = { MON_1000, MON_0200, MON_2000, "2026-01-10T12:00:00+01:00" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sqls = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = ob_store_get_db (f->store);

  ob_store_exec (f->store,
                 TOKYO
                 "WITH RECURSIVE n (i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 20100)"
                 " INSERT INTO prospects (id, email, email_key, domain, timezone)"
                 " SELECT i, 'p' || i || '@x.test', 'p' || i || '@x.test', 'x.test',"
                 " CASE WHEN i % 50 = 0 THEN 'America/New_York' ELSE '' END FROM n;"
                 "WITH RECURSIVE n (i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 20100)"
                 " INSERT INTO enrollments (campaign_id, prospect_id, next_step, due_at)"
                 " SELECT 1 + i % 2, i, 1 + i % 3, unixepoch ('2026-01-01T00:00:00Z') + i * 60 FROM n;",
                 &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (nows); i++)
    {
      g_autoptr(GDateTime) now = g_date_time_new_from_iso8601 (nows[i], NULL);
      ObScheduleDecision d;

      g_assert_true (ob_schedule_next_due (f->store, 1, now, &d, &error));
      g_assert_no_error (error);
    }

  for (sqlite3_stmt *stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    {
      /* The schema lookup reads sqlite_schema, a handful of rows. */
      if (strstr (sqlite3_sql (stmt), "sqlite_schema") != NULL)
        continue;
      g_ptr_array_add (sqls, g_strdup (sqlite3_sql (stmt)));
      if (sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) != 0 ||
          sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_SORT, 0) != 0)
        g_error ("full scan (%d steps) or sort (%d) in: %s",
                 sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0),
                 sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_SORT, 0), sqlite3_sql (stmt));
    }
  g_assert_cmpuint (sqls->len, >=, 10);

  /* And the plans say so: every table is searched through an index, the
   * enrollments through the due indexes or by (campaign, prospect). */
  for (guint i = 0; i < sqls->len; i++)
    {
      g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", g_ptr_array_index (sqls, i), NULL);
      g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, explain, &error);

      g_assert_no_error (error);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *detail = (const char *) sqlite3_column_text (stmt, 3);

          if ((g_str_has_prefix (detail, "SCAN ") && strcmp (detail, "SCAN z") != 0 &&
               strcmp (detail, "SCAN CONSTANT ROW") != 0) ||
              strstr (detail, "TEMP B-TREE") != NULL ||
              strstr (detail, "prospects_status") != NULL ||
              (strstr (detail, "SEARCH e ") != NULL && strstr (detail, "enrollments_due_") == NULL &&
               strstr (detail, "sqlite_autoindex_enrollments_1") == NULL &&
               strstr (detail, "PRIMARY KEY") == NULL))
            g_error ("plan step “%s” in: %s", detail, (const char *) g_ptr_array_index (sqls, i));
          /* Today's first emails, counted before every message, come from
           * the index alone, not from the rows that hold the messages. */
          if (strstr (g_ptr_array_index (sqls, i), "s.sent_at >= ?2") != NULL &&
              g_str_has_prefix (detail, "SEARCH s ") &&
              strstr (detail, "COVERING INDEX sends_account_first_sent") == NULL)
            g_error ("plan step “%s” in: %s", detail, (const char *) g_ptr_array_index (sqls, i));
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (open_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/schedule/window-open/", open_cases[i].name, NULL);

      g_test_add_data_func (path, &open_cases[i], test_window_open);
    }
  for (guint i = 0; i < G_N_ELEMENTS (close_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/schedule/window-close/", close_cases[i].name, NULL);

      g_test_add_data_func (path, &close_cases[i], test_window_close);
    }
  g_test_add_func ("/engine/schedule/window-open/never", test_window_never);
  g_test_add_func ("/engine/schedule/window-open/fraction-of-second", test_window_fraction);
  for (guint i = 0; i < G_N_ELEMENTS (delay_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/schedule/delay/", delay_cases[i].name, NULL);

      g_test_add_data_func (path, &delay_cases[i], test_delay);
    }
  for (guint i = 0; i < G_N_ELEMENTS (day_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/schedule/day/", day_cases[i].name, NULL);

      g_test_add_data_func (path, &day_cases[i], test_day_bounds);
    }
  g_test_add_func ("/engine/schedule/pause", test_pause);
  g_test_add_func ("/engine/schedule/parse/delay", test_parse_delay);
  g_test_add_func ("/engine/schedule/parse/window", test_parse_window);
  g_test_add_func ("/engine/schedule/parse/days", test_parse_days);
  g_test_add_func ("/engine/schedule/settings/errors", test_settings_errors);

  for (guint i = 0; i < G_N_ELEMENTS (store_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/schedule/store/", store_cases[i].name, NULL);
      g_autofree char *indexed = g_strconcat ("/engine/schedule/store-indexed/", store_cases[i].name, NULL);

      g_test_add (path, Fixture, &store_cases[i], fixture_setup, test_store_case, fixture_teardown);
      g_test_add (indexed, Fixture, &store_cases[i], fixture_setup, test_store_case_indexed, fixture_teardown);
    }

#define ADD(name, func) \
  g_test_add ("/engine/schedule/store/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("no-account", test_store_no_account);
  ADD ("in-caller-transaction", test_store_in_caller_transaction);
  ADD ("schema-change", test_store_schema_change);
  ADD ("other-thread", test_store_other_thread);
  ADD ("indexed-plans", test_store_indexed_plans);
#undef ADD

  return g_test_run ();
}
