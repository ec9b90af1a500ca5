/* ob-cli-run.c: outbound-cli run: the senders, headless, one line per event
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "outbound-cli"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "ob-campaign.h"
#include "ob-engine.h"
#include "ob-runner.h"
#include "ob-watcher.h"

#include "ob-cli.h"

typedef struct
{
  GMainLoop *loop;
  ObRunner  *runner;
  ObEngine  *engine;
  gboolean   until_idle;
} Run;

static gboolean
quit_cb (gpointer data)
{
  Run *run = data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static char *
format_time (gint64 at)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (at);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

/* The campaign's name as it is now: one cached query, not the whole
 * campaign, for each of what may be hundreds of lines a second. */
static char *
campaign_name (Run    *run,
               gint64  campaign_id)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  if (campaign_id == 0)
    return g_strdup ("");
  stmt = ob_store_prepare_cached (ob_engine_get_store (run->engine),
                                  "SELECT name FROM campaigns WHERE id = ?1", NULL);
  if (stmt == NULL)
    return g_strdup ("");
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return g_strdup ("");
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

/* Tab-separated: time, event, campaign, step, address, Message-ID, detail. */
static void
on_event (ObRunner            *runner,
          const ObSenderEvent *event,
          Run                 *run)
{
  g_autofree char *now = format_time (g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *detail = NULL;
  g_autofree char *campaign = campaign_name (run, event->campaign_id);

  if (event->kind == OB_SENDER_WAITING)
    {
      g_autofree char *until = event->wake_at > 0 ? format_time (event->wake_at) : NULL;

      detail = until != NULL ? g_strdup_printf ("until %s", until) : g_strdup ("nothing scheduled");
    }
  else
    detail = g_strdup (event->detail != NULL ? event->detail : "");
  g_strdelimit (detail, "\t\r\n", ' ');

  printf ("%s\t%s\t%s\t%u\t%s\t%s\t%s\n", now, ob_sender_event_kind_to_string (event->kind),
          campaign, event->step,
          event->email != NULL ? event->email : "", event->message_id != NULL ? event->message_id : "",
          detail);
  fflush (stdout);

  if (run->until_idle && ob_runner_is_idle (runner))
    g_main_loop_quit (run->loop);
}

/* The watchers' events, in the same columns. */
static void
on_watch_event (ObRunner             *runner,
                const ObWatcherEvent *event,
                Run                  *run)
{
  g_autofree char *now = format_time (g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *detail = g_strdup (event->detail != NULL ? event->detail : "");
  g_autoptr(ObCampaign) campaign = NULL;

  if (event->campaign_id != 0)
    campaign = ob_campaign_load (ob_engine_get_store (run->engine), event->campaign_id, NULL);
  g_strdelimit (detail, "\t\r\n", ' ');
  printf ("%s\t%s\t%s\t%u\t%s\t%s\t%s\n", now, ob_watcher_event_kind_to_string (event->kind),
          campaign != NULL ? campaign->name : "", event->step,
          event->email != NULL ? event->email : "", event->message_id != NULL ? event->message_id : "",
          detail);
  fflush (stdout);
}

int
ob_cli_cmd_run (ObCliGlobals  *globals,
                int            argc,
                char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObRunner) runner = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  guint64 seconds = 0;
  gboolean until_idle = FALSE;
  Run run = { 0 };

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--for", &value))
        {
          if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 365 * 86400, &seconds, NULL))
            return ob_cli_usage_error (_("run: --for needs a number of seconds"));
        }
      else if (g_strcmp0 (argv[i], "--until-idle") == 0)
        until_idle = TRUE;
      else
        return ob_cli_usage_error (_("run: unexpected “%s”"), argv[i]);
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);

  loop = g_main_loop_new (NULL, FALSE);
  runner = ob_runner_new (engine);
  run = (Run) { loop, runner, engine, until_idle };
  g_signal_connect (runner, "event", G_CALLBACK (on_event), &run);
  g_signal_connect (runner, "watch-event", G_CALLBACK (on_watch_event), &run);
  if (!ob_runner_start (runner, &error))
    return ob_cli_failure (error);

  if (seconds > 0)
    g_timeout_add_seconds ((guint) seconds, quit_cb, &run);
  g_unix_signal_add (SIGINT, quit_cb, &run);
  g_unix_signal_add (SIGTERM, quit_cb, &run);
  if (!(until_idle && ob_runner_get_n_senders (runner) == 0))
    g_main_loop_run (loop);

  ob_runner_stop (runner);
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}
