/* ob-cli.c: outbound-cli, the engine headless and scriptable
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit codes are a contract (DESIGN.md): 0 ok, 1 failure with a one-line
 * reason on stderr, 2 usage.
 */

#define G_LOG_DOMAIN "outbound-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixoutputstream.h>

#include "ob-accounts.h"
#include "ob-oauth.h"
#include "ob-dnc.h"
#include "ob-engine.h"
#include "ob-export.h"
#include "ob-goa.h"
#include "ob-import.h"
#include "ob-json.h"
#include "ob-stats.h"

#include "ob-cli.h"


typedef struct
{
  const char       *name;
  const char       *synopsis;
  const char       *summary;
  ObCliCommandFunc  func;
} ObCliCommand;

static int cmd_status (ObCliGlobals *globals, int argc, char **argv);
static int cmd_import (ObCliGlobals *globals, int argc, char **argv);
static int cmd_export (ObCliGlobals *globals, int argc, char **argv);
static int cmd_block (ObCliGlobals *globals, int argc, char **argv);
static int cmd_account (ObCliGlobals *globals, int argc, char **argv);

static const ObCliCommand commands[] = {
  { "status", "status [--json]", N_("Show what the store holds"), cmd_status },
  { "import", "import FILE [OPTIONS]", N_("Import prospects from a CSV file"), cmd_import },
  { "export", "export [--campaign NAME] [--status S]",
    N_("Write prospects as CSV to standard output"), cmd_export },
  { "block", "block add|remove|list [ADDR|@DOMAIN]",
    N_("Manage the do-not-contact list"), cmd_block },
  { "account", "account add|list|online|test|sign-in|remove [NAME] [OPTIONS]",
    N_("Manage the mailboxes you send from"), cmd_account },
  { "campaign", "campaign create --from FILE | list | show NAME | start NAME | pause NAME",
    N_("Create, inspect, start and pause campaigns"), ob_cli_cmd_campaign },
  { "enroll", "enroll --campaign NAME (--all | --tag T | --email E...)",
    N_("Add prospects to a campaign"), ob_cli_cmd_enroll },
  { "preview", "preview --campaign NAME --email E [--step N] [--raw]",
    N_("Show a step as the prospect would receive it"), ob_cli_cmd_preview },
  { "run", "run [--for SECONDS] [--until-idle]",
    N_("Send for every running campaign, one line per event"), ob_cli_cmd_run },
  { "classify", "classify [--json] FILE.eml...",
    N_("Tell replies, auto-replies, bounces and opt-outs apart"), ob_cli_cmd_classify },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: outbound-cli [--db PATH] COMMAND [OPTIONS]"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      /* A long synopsis gets its own line */
      if (strlen (commands[i].synopsis) > 28)
        fprintf (out, "  %s\n  %-28s %s\n", commands[i].synopsis, "", _(commands[i].summary));
      else
        fprintf (out, "  %-28s %s\n", commands[i].synopsis, _(commands[i].summary));
    }
  fprintf (out, "\n%s\n", _("Import options:"));
  fprintf (out, "  %-28s %s\n", "--campaign NAME", _("Enroll the imported prospects in a campaign"));
  fprintf (out, "  %-28s %s\n", "--tag T", _("Tag the imported prospects (repeatable)"));
  fprintf (out, "  %-28s %s\n", "--map COLUMN=FIELD", _("Map a column to a field (repeatable)"));
  fprintf (out, "  %-28s %s\n", "--delimiter C", _("Field delimiter (default: detected)"));
  fprintf (out, "  %-28s %s\n", "--encoding E", _("File encoding (default: detected)"));
  fprintf (out, "  %-28s %s\n", "--dry-run", _("Report what would be imported, change nothing"));
  fprintf (out, "  %-28s %s\n", "--json", _("Print the report as JSON"));
  fprintf (out, "  %-28s %s\n", "--no-search-index",
           _("Leave adding the new prospects to the search index to the app"));
  fprintf (out, "  %s\n", _("FIELD: email, first_name, last_name, full_name, company, title, timezone,\n"
                            "         tags, ignore, or any other name for a custom field"));
  fprintf (out, "\n%s\n", _("Block commands:"));
  fprintf (out, "  %-28s %s\n", "block add ADDR|@DOMAIN", _("Never write to this address or domain"));
  fprintf (out, "  %-28s %s\n", "block remove ADDR|@DOMAIN", _("Remove an entry"));
  fprintf (out, "  %-28s %s\n", "block list", _("List entries and the active prospects each stops"));
  fprintf (out, "  %-28s %s\n", "block import FILE", _("Add the addresses and domains of a CSV file"));
  fprintf (out, "\n%s\n", _("Account commands:"));
  fprintf (out, "  %s\n", "account add --name NAME --email ADDR --smtp HOST:PORT:SECURITY [OPTIONS]");
  fprintf (out, "  %-28s %s\n", "", _("Add a mailbox; SECURITY is tls, starttls or insecure"));
  fprintf (out, "  %-28s %s\n", "account add --goa ID [OPTIONS]",
           _("Use a mail account of GNOME Online Accounts"));
  fprintf (out, "  %s\n", "account add --oauth google|microsoft --email ADDR [--name NAME] [OPTIONS]");
  fprintf (out, "  %-28s %s\n", "",
           _("Add a mailbox that signs in with Google or Microsoft: prints the page to open"));
  fprintf (out, "  %-28s %s\n", "account list [--json]", _("List the accounts"));
  fprintf (out, "  %-28s %s\n", "account online [--json]",
           _("List the Online Accounts with mail (their IDs for --goa)"));
  fprintf (out, "  %-28s %s\n", "account test NAME", _("Connect to both servers and log in"));
  fprintf (out, "  %-28s %s\n", "account sign-in NAME",
           _("Sign in again with Google or Microsoft (prints the page to open)"));
  fprintf (out, "  %-28s %s\n", "account remove NAME", _("Remove an account and its passwords"));
  fprintf (out, "\n%s\n", _("Account add options:"));
  fprintf (out, "  %-28s %s\n", "--preset ID",
           _("Servers of a provider: gmail, microsoft, yahoo, icloud, fastmail, zoho"));
  fprintf (out, "  %-28s %s\n", "--imap HOST:PORT:SECURITY", _("The IMAP side (optional)"));
  fprintf (out, "  %-28s %s\n", "--display-name TEXT", _("The name recipients see"));
  fprintf (out, "  %-28s %s\n", "--user LOGIN", _("Login for both sides (default: the address)"));
  fprintf (out, "  %-28s %s\n", "--imap-user LOGIN", _("Login for the IMAP side, when different"));
  fprintf (out, "  %-28s %s\n", "--password-stdin",
           _("Read the password from standard input (first line)"));
  fprintf (out, "  %-28s %s\n", "--imap-password-stdin",
           _("Read a different IMAP password from the next line"));
  fprintf (out, "  %-28s %s\n", "--oauth-timeout SECONDS",
           _("How long --oauth waits for the browser (default 300)"));
  fprintf (out, "  %-28s %s\n", "--ca-file PEM", _("Trust one more CA for this account"));
  fprintf (out, "  %-28s %s\n", "--pin [smtp:|imap:]SHA256",
           _("Trust this exact certificate (repeatable)"));
  fprintf (out, "  %-28s %s\n", "--daily-limit N", _("New first emails per day (default 50)"));
  fprintf (out, "  %-28s %s\n", "--pause MIN-MAX",
           _("Seconds between two sends (default 60-180)"));
  fprintf (out, "  %-28s %s\n", "--signature TEXT", _("Added below every message"));
  fprintf (out, "\n%s\n", _("Campaign commands:"));
  fprintf (out, "  %-28s %s\n", "campaign create --from FILE", _("Create a draft from a campaign file (- for stdin)"));
  fprintf (out, "  %-28s %s\n", "campaign update --from FILE", _("Change the campaign the file names"));
  fprintf (out, "  %-28s %s\n", "campaign list [--json]", _("List campaigns with their figures"));
  fprintf (out, "  %-28s %s\n", "campaign show NAME [--json]", _("Settings, steps, figures and pre-flight"));
  fprintf (out, "  %-28s %s\n", "campaign export NAME", _("Write the campaign file of a campaign"));
  fprintf (out, "  %-28s %s\n", "campaign start|pause NAME", _("Start (after pre-flight) or pause"));
  fprintf (out, "  %s\n  %-28s %s\n", "campaign resolve NAME --exclude|--override [KIND]", "",
           _("Exclude the prospects of, or send despite, the pre-flight blockers"));
  fprintf (out, "  %-28s %s\n", "enroll ... --override", _("Also enroll prospects active in another campaign"));
  fprintf (out, "  %-28s %s\n", "enroll ... --remove", _("Remove the prospects from the campaign"));
  fprintf (out, "\n%s\n", _("Classify output, one line per file (the file name first when there are several):"));
  fprintf (out, "  %s\n", _("VERDICT MATCHED [status=X.Y.Z] [return=YYYY-MM-DD] [message-id=<ID>]"));
  fprintf (out, "  %s\n", _("VERDICT: reply, colleague-reply, auto-reply, bounce-hard, bounce-soft, complaint,\n"
                            "           unsubscribe or unrelated. MATCHED: <Message-ID> of ours, the recipient\n"
                            "           (bounces, complaints) or the sender's address; - for none. Without --db\n"
                            "           any In-Reply-To counts as one of ours."));
  fprintf (out, "\n%s\n", _("Options:"));
  fprintf (out, "  %-28s %s\n", "--db PATH", _("Use this database instead of the default one"));
  fprintf (out, "  %-28s %s\n", "-h, --help", _("Show this help"));
  fprintf (out, "  %-28s %s\n", "--version", _("Show the version"));
  fprintf (out, "\n%s\n", _("Exit status: 0 success, 1 failure (reason on stderr), 2 usage error."));
}

int
ob_cli_usage_error (const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "outbound-cli: %s\n", message);
  fprintf (stderr, "%s\n", _("Try “outbound-cli --help” for more information."));
  return EXIT_USAGE;
}

int
ob_cli_failure (const GError *error)
{
  g_autofree char *line = g_strdup (error->message);

  /* One line, as promised: a reason spread over lines is hard to script. */
  g_strdelimit (line, "\r\n", ' ');
  fprintf (stderr, "outbound-cli: %s\n", line);
  return EXIT_FAILURE_;
}

/* Translatable formats use %lld: xgettext cannot see through G_GINT64_FORMAT. */
static void
print_status_text (const ObStoreCounts *c,
                   const char          *path)
{
  printf ("%-16s %s\n", _("Database:"), path);
  printf ("%-16s %lld\n", _("Accounts:"), (long long) c->accounts);
  printf ("%-16s ", _("Prospects:"));
  printf (_("%lld (%lld active, %lld replied, %lld bounced, %lld opted out)"),
          (long long) c->prospects, (long long) c->prospects_active,
          (long long) c->prospects_replied, (long long) c->prospects_bounced,
          (long long) c->prospects_opted_out);
  printf ("\n%-16s %lld\n", _("Do not contact:"), (long long) c->do_not_contact);
  printf ("%-16s ", _("Campaigns:"));
  printf (_("%lld (%lld draft, %lld running, %lld paused, %lld finished)"),
          (long long) c->campaigns, (long long) c->campaigns_draft,
          (long long) c->campaigns_running, (long long) c->campaigns_paused,
          (long long) c->campaigns_finished);
  printf ("\n%-16s ", _("Enrollments:"));
  printf (_("%lld (%lld active)"),
          (long long) c->enrollments, (long long) c->enrollments_active);
  printf ("\n%-16s ", _("Messages:"));
  printf (_("%lld sent, %lld queued, %lld uncertain, %lld failed"),
          (long long) c->sends_sent, (long long) c->sends_queued,
          (long long) c->sends_uncertain, (long long) c->sends_failed);
  printf ("\n");
}

/* The keys and their nesting are documented in README.md: keep them stable. */
static void
figures_to_json (ObJsonWriter        *json,
                 const char          *key,
                 const ObStatsTotals *t)
{
  ob_json_writer_begin_object (json, key);
  ob_json_writer_int (json, "sent", t->sent);
  ob_json_writer_int (json, "contacted", t->contacted);
  ob_json_writer_int (json, "replied", t->replied);
  ob_json_writer_rate (json, "reply_rate", t->reply_rate);
  ob_json_writer_int (json, "positive", t->positive);
  ob_json_writer_rate (json, "positive_rate", t->positive_rate);
  ob_json_writer_int (json, "bounced", t->bounced);
  ob_json_writer_rate (json, "bounce_rate", t->bounce_rate);
  ob_json_writer_rate (json, "bounce_threshold", t->bounce_threshold_permille / 1000.0);
  ob_json_writer_int (json, "soft_bounced", t->soft_bounced);
  ob_json_writer_int (json, "auto_replied", t->auto_replied);
  ob_json_writer_int (json, "opted_out", t->opted_out);
  ob_json_writer_rate (json, "opt_out_rate", t->opt_out_rate);
  ob_json_writer_int (json, "complaints", t->complaints);
  ob_json_writer_int (json, "failed", t->failed);
  ob_json_writer_end_object (json);
}

static const char *
schedule_reason_to_string (ObScheduleReason reason)
{
  static const char * const names[] = {
    [OB_SCHEDULE_REASON_DUE] = "due",
    [OB_SCHEDULE_REASON_PAUSE] = "pause",
    [OB_SCHEDULE_REASON_NOTHING] = "nothing",
    [OB_SCHEDULE_REASON_ACCOUNT_PAUSED] = "account_paused",
    [OB_SCHEDULE_REASON_THROTTLED] = "throttled",
    [OB_SCHEDULE_REASON_WINDOW] = "window",
    [OB_SCHEDULE_REASON_DAILY_LIMIT] = "daily_limit",
    [OB_SCHEDULE_REASON_NOT_YET] = "not_yet",
    [OB_SCHEDULE_REASON_RETRY] = "retry",
  };

  return reason < G_N_ELEMENTS (names) ? names[reason] : "unknown";
}

static void
stats_to_json (ObJsonWriter          *json,
               const ObStatsSnapshot *snap)
{
  figures_to_json (json, "figures", &snap->totals);

  ob_json_writer_begin_array (json, "per_account");
  for (guint i = 0; i < snap->accounts->len; i++)
    {
      const ObStatsAccount *a = g_ptr_array_index (snap->accounts, i);

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_int (json, "id", a->id);
      ob_json_writer_string (json, "name", a->name);
      ob_json_writer_string (json, "email", a->email);
      ob_json_writer_string (json, "state", a->state);
      ob_json_writer_string (json, "state_reason", a->state_reason);
      ob_json_writer_int (json, "daily_limit", a->daily_limit);
      ob_json_writer_int (json, "sent_today", a->sent_today);
      ob_json_writer_int (json, "messages_today", a->messages_today);
      ob_json_writer_string (json, "next", a->next_action == OB_SCHEDULE_SEND ? "send" : "wait");
      ob_json_writer_string (json, "next_reason", schedule_reason_to_string (a->next_reason));
      ob_json_writer_int (json, "next_at", a->next_send_at);
      ob_json_writer_int (json, "queue_today", a->queue_today);
      ob_json_writer_int (json, "queue_tomorrow", a->queue_tomorrow);
      ob_json_writer_end_object (json);
    }
  ob_json_writer_end_array (json);

  ob_json_writer_begin_array (json, "per_campaign");
  for (guint i = 0; i < snap->campaigns->len; i++)
    {
      const ObStatsCampaign *c = g_ptr_array_index (snap->campaigns, i);

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_int (json, "id", c->id);
      ob_json_writer_string (json, "name", c->name);
      ob_json_writer_string (json, "state", c->state);
      ob_json_writer_string (json, "state_reason", c->state_reason);
      figures_to_json (json, "figures", &c->totals);
      ob_json_writer_begin_object (json, "enrollments");
      for (guint s = 0; s < OB_STATS_N_ENROLLMENT_STATES; s++)
        ob_json_writer_int (json, ob_stats_enrollment_state_to_string (s), c->enrollments[s]);
      ob_json_writer_end_object (json);
      ob_json_writer_begin_array (json, "steps");
      for (guint j = 0; j < c->steps->len; j++)
        {
          const ObStatsStep *s = &g_array_index (c->steps, ObStatsStep, j);

          ob_json_writer_begin_object (json, NULL);
          ob_json_writer_int (json, "position", s->position);
          ob_json_writer_int (json, "sent", s->sent);
          ob_json_writer_int (json, "replied", s->replied);
          ob_json_writer_rate (json, "reply_rate", s->reply_rate);
          ob_json_writer_int (json, "bounced", s->bounced);
          ob_json_writer_rate (json, "bounce_rate", s->bounce_rate);
          ob_json_writer_int (json, "opted_out", s->opted_out);
          ob_json_writer_rate (json, "opt_out_rate", s->opt_out_rate);
          ob_json_writer_end_object (json);
        }
      ob_json_writer_end_array (json);
      ob_json_writer_end_object (json);
    }
  ob_json_writer_end_array (json);
}

static char *
status_to_json (const ObStoreCounts   *c,
                const ObStatsSnapshot *snap,
                const char            *path,
                int                    schema)
{
  g_autoptr(ObJsonWriter) json = ob_json_writer_new (TRUE);

  ob_json_writer_begin_object (json, NULL);
  ob_json_writer_string (json, "database", path);
  ob_json_writer_int (json, "schema_version", schema);
  ob_json_writer_int (json, "accounts", c->accounts);

  ob_json_writer_begin_object (json, "prospects");
  ob_json_writer_int (json, "total", c->prospects);
  ob_json_writer_int (json, "active", c->prospects_active);
  ob_json_writer_int (json, "replied", c->prospects_replied);
  ob_json_writer_int (json, "bounced", c->prospects_bounced);
  ob_json_writer_int (json, "opted_out", c->prospects_opted_out);
  ob_json_writer_end_object (json);

  ob_json_writer_int (json, "do_not_contact", c->do_not_contact);

  ob_json_writer_begin_object (json, "campaigns");
  ob_json_writer_int (json, "total", c->campaigns);
  ob_json_writer_int (json, "draft", c->campaigns_draft);
  ob_json_writer_int (json, "running", c->campaigns_running);
  ob_json_writer_int (json, "paused", c->campaigns_paused);
  ob_json_writer_int (json, "finished", c->campaigns_finished);
  ob_json_writer_end_object (json);

  ob_json_writer_begin_object (json, "enrollments");
  ob_json_writer_int (json, "total", c->enrollments);
  ob_json_writer_int (json, "active", c->enrollments_active);
  ob_json_writer_end_object (json);

  ob_json_writer_begin_object (json, "messages");
  ob_json_writer_int (json, "sent", c->sends_sent);
  ob_json_writer_int (json, "queued", c->sends_queued);
  ob_json_writer_int (json, "uncertain", c->sends_uncertain);
  ob_json_writer_int (json, "failed", c->sends_failed);
  ob_json_writer_end_object (json);

  ob_json_writer_int (json, "events", c->events);
  stats_to_json (json, snap);
  ob_json_writer_end_object (json);

  return ob_json_writer_finish (g_steal_pointer (&json));
}

static int
cmd_status (ObCliGlobals  *globals,
            int            argc,
            char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObStatsSnapshot) snap = NULL;
  ObStoreCounts counts = { 0 };
  gboolean as_json = FALSE;
  ObStore *store;

  for (int i = 1; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--json") == 0)
        as_json = TRUE;
      else
        return ob_cli_usage_error (_("status: unknown option “%s”"), argv[i]);
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);

  store = ob_engine_get_store (engine);
  if (!ob_store_get_counts (store, &counts, &error))
    return ob_cli_failure (error);

  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    ObStatsQuery query = { .flags = OB_STATS_WITH_ENROLLMENTS | OB_STATS_WITH_ACCOUNTS };

    snap = ob_stats_compute (store, now, &query, &error);
    if (snap == NULL)
      return ob_cli_failure (error);
  }

  if (as_json)
    {
      g_autofree char *text = status_to_json (&counts, snap, ob_store_get_path (store),
                                              ob_store_get_version (store));
      fputs (text, stdout);
    }
  else
    {
      print_status_text (&counts, ob_store_get_path (store));
      printf ("%-16s ", _("Replies:"));
      /* Translators: a reply rate, e.g. "3 of 6 contacted (50.0 %)" */
      printf (_("%lld of %lld contacted (%.1f %%)"), (long long) snap->totals.replied,
              (long long) snap->totals.contacted, snap->totals.reply_rate * 100);
      printf ("\n%-16s ", _("Bounces:"));
      /* Translators: a bounce rate and the Bounce Shield's limit, e.g. "1 (9.1 %, limit 2.0 %)" */
      printf (_("%lld (%.1f %%, limit %.1f %%)"), (long long) snap->totals.bounced,
              snap->totals.bounce_rate * 100, snap->totals.bounce_threshold_permille / 10.0);
      printf ("\n");
    }

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

/* --name VALUE or --name=VALUE; advances *i past a separate value. */
gboolean
ob_cli_option_value (int          argc,
                     char       **argv,
                     int         *i,
                     const char  *name,
                     const char **out)
{
  gsize n = strlen (name);

  if (strcmp (argv[*i], name) == 0)
    {
      if (*i + 1 >= argc)
        {
          *out = NULL;
          return TRUE;
        }
      *out = argv[++*i];
      return TRUE;
    }
  if (strncmp (argv[*i], name, n) == 0 && argv[*i][n] == '=')
    {
      *out = argv[*i] + n + 1;
      return TRUE;
    }
  return FALSE;
}

/* "," ";" "|" "\t", or a name for those hard to type in a shell */
static gboolean
parse_delimiter (const char *text,
                 char       *out)
{
  if (g_strcmp0 (text, "tab") == 0 || g_strcmp0 (text, "\\t") == 0)
    *out = '\t';
  else if (g_strcmp0 (text, "comma") == 0)
    *out = ',';
  else if (g_strcmp0 (text, "semicolon") == 0)
    *out = ';';
  else if (g_strcmp0 (text, "pipe") == 0)
    *out = '|';
  else if (text != NULL && strlen (text) == 1 && (guchar) text[0] < 0x80 &&
           text[0] != '"' && text[0] != '\r' && text[0] != '\n')
    *out = text[0];
  else
    return FALSE;
  return TRUE;
}

static void
print_import_text (const ObImportReport *report)
{
  const char *delimiter = report->delimiter == '\t' ? "TAB" : (char[2]) { report->delimiter, 0 };

  if (report->dry_run)
    printf ("%s\n", _("Dry run: nothing was written."));
  printf ("%-22s %s\n", _("File:"), report->path);
  printf ("%-22s %s, “%s”\n", _("Encoding, delimiter:"), report->encoding, delimiter);
  printf ("%-22s", _("Columns:"));
  for (guint i = 0; i < report->mapping->len; i++)
    {
      const ObImportColumn *column = g_ptr_array_index (report->mapping, i);

      printf ("%s “%s” → %s", i > 0 ? "," : "", column->header,
              column->field == OB_IMPORT_FIELD_CUSTOM
              ? column->custom_key : ob_import_field_to_string (column->field));
    }
  printf ("\n%-22s %lld\n", _("Rows read:"), (long long) report->rows);
  printf ("%-22s %lld\n", _("Imported:"), (long long) report->imported);
  printf ("%-22s %lld\n", _("Updated:"), (long long) report->updated);
  printf ("%-22s %lld\n", _("Unchanged:"), (long long) report->unchanged);
  printf ("%-22s %lld\n", _("Skipped:"), (long long) report->skipped);
  for (ObImportSkip r = 0; r < OB_IMPORT_N_SKIPS; r++)
    if (report->skipped_by_reason[r] > 0)
      printf ("  %-20s %lld\n", ob_import_skip_to_string (r),
              (long long) report->skipped_by_reason[r]);
  if (report->timezones_ignored > 0)
    printf ("%-22s %lld\n", _("Unknown time zones:"), (long long) report->timezones_ignored);

  if (report->skipped_rows->len > 0)
    {
      printf ("\n%s\n", _("Skipped rows:"));
      for (guint i = 0; i < report->skipped_rows->len; i++)
        {
          const ObImportSkippedRow *row = &g_array_index (report->skipped_rows,
                                                          ObImportSkippedRow, i);
          g_autofree char *detail = g_strdup (row->detail);

          g_strdelimit (detail, "\r\n", ' ');
          /* Translators: a line number, then why the row was skipped */
          printf (_("line %lld: %s"), (long long) row->line,
                  ob_import_skip_to_string (row->reason));
          if (detail[0] != '\0')
            printf (": %s", detail);
          printf ("\n");
        }
      if (report->skipped_rows_truncated)
        printf (_("(only the first %d skipped rows are listed)\n"), OB_IMPORT_MAX_SKIPPED_ROWS);
    }
}

static int
cmd_import (ObCliGlobals  *globals,
            int            argc,
            char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autoptr(ObImportReport) report = NULL;
  g_autoptr(GPtrArray) maps = g_ptr_array_new ();
  g_autoptr(GPtrArray) tags = g_ptr_array_new ();
  g_autofree char *db_path = NULL;
  const char *file = NULL;
  const char *campaign = NULL;
  const char *encoding = NULL;
  char delimiter = 0;
  gboolean dry_run = FALSE;
  gboolean as_json = FALSE;
  gboolean search_index = TRUE;

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("import: --campaign needs a name"));
          campaign = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--tag", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("import: --tag needs a tag"));
          g_ptr_array_add (tags, (char *) value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--map", &value))
        {
          const char *equals = value != NULL ? strrchr (value, '=') : NULL;

          if (equals == NULL || equals == value || equals[1] == '\0')
            return ob_cli_usage_error (_("import: --map needs COLUMN=FIELD"));
          g_ptr_array_add (maps, (char *) value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--delimiter", &value))
        {
          if (!parse_delimiter (value, &delimiter))
            return ob_cli_usage_error (_("import: --delimiter needs one character (or tab)"));
        }
      else if (ob_cli_option_value (argc, argv, &i, "--encoding", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("import: --encoding needs an encoding name"));
          encoding = value;
        }
      else if (g_strcmp0 (argv[i], "--dry-run") == 0)
        dry_run = TRUE;
      else if (g_strcmp0 (argv[i], "--json") == 0)
        as_json = TRUE;
      else if (g_strcmp0 (argv[i], "--no-search-index") == 0)
        search_index = FALSE;
      else if (argv[i][0] == '-' && argv[i][1] != '\0')
        return ob_cli_usage_error (_("import: unknown option “%s”"), argv[i]);
      else if (file == NULL)
        file = argv[i];
      else
        return ob_cli_usage_error (_("import: only one file at a time"));
    }

  if (file == NULL)
    return ob_cli_usage_error (_("import: which file?"));

  db_path = globals->db_path != NULL ? g_strdup (globals->db_path) : ob_store_default_path ();
  import = ob_import_new (db_path, file);

  if (encoding != NULL && !ob_import_set_encoding (import, encoding, &error))
    return ob_cli_usage_error ("%s", error->message);
  ob_import_set_delimiter (import, delimiter);
  for (guint i = 0; i < maps->len; i++)
    {
      g_autofree char *column = g_strdup (g_ptr_array_index (maps, i));
      char *field = strrchr (column, '=');

      *field++ = '\0';
      if (!ob_import_map_column (import, column, field, &error))
        return ob_cli_usage_error ("%s", error->message);
    }
  for (guint i = 0; i < tags->len; i++)
    ob_import_add_tag (import, g_ptr_array_index (tags, i));
  ob_import_set_campaign (import, campaign);
  ob_import_set_dry_run (import, dry_run);
  ob_import_set_index_for_search (import, search_index);

  report = ob_import_run (import, NULL, &error);
  if (report == NULL)
    return ob_cli_failure (error);

  if (as_json)
    {
      g_autofree char *text = ob_import_report_to_json (report);

      fputs (text, stdout);
    }
  else
    print_import_text (report);

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static int
cmd_export (ObCliGlobals  *globals,
            int            argc,
            char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(GOutputStream) out = NULL;
  ObExportOptions options = { NULL, };

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("export: --campaign needs a name"));
          options.campaign = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--status", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("export: --status needs a status"));
          options.status = value;
        }
      else
        return ob_cli_usage_error (_("export: unknown option “%s”"), argv[i]);
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);

  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!ob_export_write (ob_engine_get_store (engine), &options, out, NULL, NULL, &error))
    {
      if (g_error_matches (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_STATUS))
        return ob_cli_usage_error ("%s", error->message);
      return ob_cli_failure (error);
    }

  return EXIT_OK;
}

static int
block_list (ObStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = ob_dnc_list (store, &error);

  if (entries == NULL)
    return ob_cli_failure (error);

  for (guint i = 0; i < entries->len; i++)
    {
      const ObDncEntry *entry = g_ptr_array_index (entries, i);
      printf ("%s\t%lld\t%s\n", entry->display, (long long) entry->n_prospects,
              entry->reason != NULL ? entry->reason : "");
    }
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static int
cmd_block (ObCliGlobals  *globals,
           int            argc,
           char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  const char *action = argc > 1 ? argv[1] : NULL;
  const char *target = argc > 2 ? argv[2] : NULL;
  const char *reason = NULL;
  ObStore *store;
  gboolean changed = FALSE;

  if (action == NULL)
    return ob_cli_usage_error (_("block: add, remove, list or import?"));

  for (int i = 3; i < argc; i++)
    {
      const char *value;

      if (g_strcmp0 (action, "add") == 0 && ob_cli_option_value (argc, argv, &i, "--reason", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("block: --reason needs a text"));
          reason = value;
        }
      else
        return ob_cli_usage_error (_("block: unexpected “%s”"), argv[i]);
    }

  if (g_strcmp0 (action, "list") == 0)
    {
      if (target != NULL)
        return ob_cli_usage_error (_("block: unexpected “%s”"), target);
    }
  else if (g_strcmp0 (action, "add") == 0 || g_strcmp0 (action, "remove") == 0 ||
           g_strcmp0 (action, "import") == 0)
    {
      if (target == NULL)
        return ob_cli_usage_error (g_strcmp0 (action, "import") == 0
                            ? _("block import: which file?")
                            : _("block: which address or @domain?"));
      if (g_strcmp0 (action, "import") != 0 && !ob_dnc_parse (target, NULL, NULL, &error))
        return ob_cli_usage_error ("%s", error->message);
    }
  else
    return ob_cli_usage_error (_("block: unknown action “%s”"), action);

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);
  store = ob_engine_get_store (engine);

  if (g_strcmp0 (action, "list") == 0)
    return block_list (store);

  if (g_strcmp0 (action, "add") == 0)
    {
      if (!ob_dnc_add (store, target, reason, &changed, &error))
        return ob_cli_failure (error);
      printf (changed ? _("Blocked %s\n") : _("%s was already blocked\n"), target);
    }
  else if (g_strcmp0 (action, "remove") == 0)
    {
      if (!ob_dnc_remove (store, target, &changed, &error))
        return ob_cli_failure (error);
      if (!changed)
        {
          g_set_error (&error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID,
                       _("%s is not on the do-not-contact list"), target);
          return ob_cli_failure (error);
        }
      printf (_("Unblocked %s\n"), target);
    }
  else
    {
      g_auto(ObDncImportResult) result = { 0, };

      if (!ob_dnc_import_csv (store, target, NULL, NULL, &result, &error))
        return ob_cli_failure (error);
      printf (_("%lld added, %lld already listed, %lld invalid\n"), (long long) result.added,
              (long long) result.already_listed, (long long) result.invalid);
      for (guint i = 0; i < result.invalid_lines->len; i++)
        printf (_("line %lld: not an address or domain\n"),
                (long long) g_array_index (result.invalid_lines, guint64, i));
    }

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}


/* Reads one line of standard input for a password: never from argv or the
 * environment, where other users and logs see it. Without echo on a
 * terminal. The caller wipes and frees it. */
static char *
read_password_line (const char  *prompt,
                    GError     **error)
{
  GString *line = g_string_sized_new (64);
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  gboolean restore = FALSE;
  char c;
  ssize_t n;

  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      fflush (stderr);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }

  /* One byte at a time: what follows the line is the next password's. */
  while ((n = read (STDIN_FILENO, &c, 1)) == 1 && c != '\n')
    if (line->len < 4096)
      g_string_append_c (line, c);

  if (restore)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      fprintf (stderr, "\n");
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  if (line->len == 0)
    {
      g_string_free (line, TRUE);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   n < 0 ? _("Could not read the password from standard input")
                         : _("No password on standard input"));
      return NULL;
    }
  return g_string_free (line, FALSE);
}

static void
wipe_password (char *password)
{
  if (password != NULL)
    {
      memset (password, 0, strlen (password));
      g_free (password);
    }
}

typedef char ObCliPassword;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCliPassword, wipe_password)

static gboolean
add_pin (ObAccount   *account,
         const char  *text,
         GError     **error)
{
  const char *sides[] = { "smtp:", "imap:" };
  gboolean on[2] = { TRUE, TRUE };
  g_autofree char *pin = NULL;

  for (guint s = 0; s < 2; s++)
    if (g_str_has_prefix (text, sides[s]))
      {
        on[s] = TRUE;
        on[1 - s] = FALSE;
        text += strlen (sides[s]);
      }

  pin = ob_account_normalize_pin (text, error);
  if (pin == NULL)
    return FALSE;

  for (guint s = 0; s < 2; s++)
    if (on[s])
      {
        GStrv *pins = s == 0 ? &account->smtp_pins : &account->imap_pins;
        guint n = g_strv_length (*pins);

        *pins = g_renew (char *, *pins, n + 2);
        (*pins)[n] = g_strdup (pin);
        (*pins)[n + 1] = NULL;
      }
  return TRUE;
}

static void
warn_insecure (const char *side)
{
  fprintf (stderr, _("outbound-cli: warning: the %s side is not encrypted: the password and "
                     "every message cross the network readable by anyone on the way\n"), side);
}

static void
print_sign_in_url (const char *url,
                   gpointer    user_data)
{
  printf ("%s\n%s\n", _("Open this page in your browser and sign in; Outbound waits for it:"),
          url);
  fflush (stdout);
}

/* Signs in first: nothing is added when the rep gives up in the browser. */
static int
account_add_oauth (ObEngine  *engine,
                   ObAccount *account,
                   guint      timeout_seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(ObAccount) existing = NULL;

  config = ob_oauth_config_load (account->oauth_provider, &error);
  if (config == NULL)
    return ob_cli_failure (error);
  existing = ob_accounts_get_by_name (ob_engine_get_store (engine), account->name, NULL);
  if (existing != NULL)
    {
      g_set_error (&error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_EXISTS,
                   _("An account named “%s” already exists"), account->name);
      return ob_cli_failure (error);
    }

  tokens = ob_oauth_sign_in_sync (config, account->email, timeout_seconds, print_sign_in_url,
                                  NULL, NULL, &error);
  if (tokens == NULL)
    return ob_cli_failure (error);

  if (!ob_accounts_add (ob_engine_get_store (engine), account, &error))
    return ob_cli_failure (error);
  if (!ob_oauth_store_tokens (account, tokens, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The account was not added: %s"),
                                                  error->message);

      ob_secrets_delete_sync (account->keyring_id, NULL, NULL);
      ob_accounts_remove (ob_engine_get_store (engine), account->id, NULL);
      g_clear_error (&error);
      g_set_error_literal (&error, OB_SECRETS_ERROR, 0, message);
      return ob_cli_failure (error);
    }
  /* Translators: the last %s is Google or Microsoft */
  printf (_("Added account “%s” (%s), signed in with %s\n"), account->name, account->email,
          ob_oauth_provider_name (account->oauth_provider));
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static int
account_add (ObCliGlobals  *globals,
             int            argc,
             char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObAccount) account = ob_account_new ();
  g_autoptr(ObCliPassword) smtp_password = NULL;
  g_autoptr(ObCliPassword) imap_password = NULL;
  const ObAccountPreset *preset = NULL;
  gboolean password_stdin = FALSE, imap_password_stdin = FALSE;
  gboolean smtp_given = FALSE, imap_given = FALSE, imap_user_given = FALSE;
  gboolean email_given = FALSE, user_given = FALSE;
  g_autofree char *goa_id = NULL;
  guint oauth_timeout = OB_OAUTH_DEFAULT_TIMEOUT_SECONDS;

  for (int i = 2; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--name", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --name needs a name"));
          g_free (account->name);
          account->name = g_strdup (value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--email", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --email needs an address"));
          g_free (account->email);
          account->email = g_strdup (value);
          email_given = TRUE;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--display-name", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("account add: --display-name needs a text"));
          g_free (account->display_name);
          account->display_name = g_strdup (value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--signature", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("account add: --signature needs a text"));
          g_free (account->signature);
          account->signature = g_strdup (value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--preset", &value))
        {
          preset = ob_account_preset_find (value);
          if (preset == NULL)
            return ob_cli_usage_error (_("account add: unknown preset “%s”"), value != NULL ? value : "");
        }
      else if (ob_cli_option_value (argc, argv, &i, "--smtp", &value))
        {
          g_free (account->smtp_host);
          account->smtp_host = NULL;
          if (!ob_account_parse_server (value, &account->smtp_host, &account->smtp_port,
                                        &account->smtp_security, &error))
            return ob_cli_usage_error (_("account add: --smtp %s"), error->message);
          smtp_given = TRUE;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--imap", &value))
        {
          g_clear_pointer (&account->imap_host, g_free);
          if (!ob_account_parse_server (value, &account->imap_host, &account->imap_port,
                                        &account->imap_security, &error))
            return ob_cli_usage_error (_("account add: --imap %s"), error->message);
          imap_given = TRUE;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--user", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --user needs a login"));
          g_free (account->smtp_user);
          account->smtp_user = g_strdup (value);
          user_given = TRUE;
          if (!imap_user_given)
            {
              g_free (account->imap_user);
              account->imap_user = g_strdup (value);
            }
        }
      else if (ob_cli_option_value (argc, argv, &i, "--imap-user", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --imap-user needs a login"));
          g_free (account->imap_user);
          account->imap_user = g_strdup (value);
          imap_user_given = TRUE;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--ca-file", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --ca-file needs a file"));
          g_free (account->ca_file);
          account->ca_file = g_canonicalize_filename (value, NULL);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--pin", &value))
        {
          if (!add_pin (account, value != NULL ? value : "", &error))
            return ob_cli_usage_error (_("account add: --pin %s"), error->message);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--daily-limit", &value))
        {
          char *end = NULL;
          guint64 limit = value != NULL ? g_ascii_strtoull (value, &end, 10) : 0;

          if (value == NULL || !g_ascii_isdigit (value[0]) || *end != '\0' ||
              limit > OB_ACCOUNT_MAX_DAILY_LIMIT)
            return ob_cli_usage_error (_("account add: --daily-limit needs a number from 0 to %d"),
                                OB_ACCOUNT_MAX_DAILY_LIMIT);
          account->daily_limit = (gint64) limit;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--pause", &value))
        {
          if (!ob_account_parse_pause (value, &account->pause_min, &account->pause_max, &error))
            return ob_cli_usage_error (_("account add: --pause %s"), error->message);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--goa", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("account add: --goa needs the ID of an Online Account "
                                         "(see account online)"));
          g_free (goa_id);
          goa_id = g_strdup (value);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--oauth", &value))
        {
          if (!ob_oauth_provider_is_known (value))
            return ob_cli_usage_error (_("account add: --oauth takes google or microsoft"));
          g_free (account->oauth_provider);
          account->oauth_provider = g_strdup (value);
          g_free (account->auth_method);
          account->auth_method = g_strdup (OB_AUTH_METHOD_OAUTH2);
        }
      else if (ob_cli_option_value (argc, argv, &i, "--oauth-timeout", &value))
        {
          char *end = NULL;
          guint64 seconds = value != NULL ? g_ascii_strtoull (value, &end, 10) : 0;

          if (value == NULL || !g_ascii_isdigit (value[0]) || *end != '\0' || seconds < 1
              || seconds > 3600)
            return ob_cli_usage_error (_("account add: --oauth-timeout needs a number of seconds "
                                         "from 1 to 3600"));
          oauth_timeout = (guint) seconds;
        }
      else if (g_strcmp0 (argv[i], "--password-stdin") == 0)
        password_stdin = TRUE;
      else if (g_strcmp0 (argv[i], "--imap-password-stdin") == 0)
        imap_password_stdin = TRUE;
      else if (g_str_has_prefix (argv[i], "--password"))
        return ob_cli_usage_error (_("account add: a password is read from standard input only "
                              "(--password-stdin), never from the command line"));
      else
        return ob_cli_usage_error (_("account add: unexpected “%s”"), argv[i]);
    }

  if (goa_id != NULL)
    {
      g_autoptr(ObGoaMailAccount) mail = NULL;

      /* Everything GOA keeps comes from GOA, and only from there. */
      if (email_given || smtp_given || imap_given || preset != NULL || user_given || imap_user_given
          || password_stdin || imap_password_stdin || account->oauth_provider != NULL)
        return ob_cli_usage_error (_("account add: --goa takes the address, servers, logins and passwords "
                                     "from GNOME Online Accounts: leave out --email, --smtp, --imap, "
                                     "--preset, --user, --imap-user, --password-stdin and --oauth"));
      if (!ob_goa_is_supported ())
        {
          ob_goa_get_mail_account (goa_id, NULL, &error);
          return ob_cli_failure (error);
        }
      mail = ob_goa_get_mail_account (goa_id, NULL, &error);
      if (mail == NULL)
        return ob_cli_failure (error);
      ob_goa_apply (account, mail);
    }

  if (account->oauth_provider != NULL)
    {
      if (password_stdin)
        return ob_cli_usage_error (_("account add: --oauth signs in with the provider; it takes "
                                     "no password"));
      /* The provider's servers unless written out. */
      if (preset == NULL && !smtp_given)
        preset = ob_account_preset_find (ob_oauth_provider_preset (account->oauth_provider));
      if (account->name[0] == '\0' && account->email[0] != '\0')
        {
          g_free (account->name);
          account->name = g_strdup (account->email);
        }
    }

  if (account->name[0] == '\0')
    return ob_cli_usage_error (_("account add: --name is required"));
  if (account->email[0] == '\0')
    return ob_cli_usage_error (_("account add: --email is required"));
  if (preset == NULL && !smtp_given && goa_id == NULL)
    return ob_cli_usage_error (_("account add: --smtp (or --preset) is required"));
  if (imap_password_stdin && !password_stdin)
    return ob_cli_usage_error (_("account add: --imap-password-stdin goes with --password-stdin"));

  /* A preset gives what was not written out. */
  if (preset != NULL)
    {
      g_autoptr(ObAccount) given = ob_account_copy (account);

      ob_account_apply_preset (account, preset);
      if (smtp_given)
        {
          g_free (account->smtp_host);
          account->smtp_host = g_strdup (given->smtp_host);
          account->smtp_port = given->smtp_port;
          account->smtp_security = given->smtp_security;
        }
      if (imap_given)
        {
          g_free (account->imap_host);
          account->imap_host = g_strdup (given->imap_host);
          account->imap_port = given->imap_port;
          account->imap_security = given->imap_security;
        }
    }

  if (!ob_account_validate (account, &error))
    return ob_cli_usage_error ("account add: %s", error->message);

  if (account->smtp_security == OB_SECURITY_INSECURE)
    warn_insecure ("SMTP");
  if (ob_account_has_imap (account) && account->imap_security == OB_SECURITY_INSECURE)
    warn_insecure ("IMAP");

  if (password_stdin)
    {
      smtp_password = read_password_line (imap_password_stdin ? _("SMTP password: ")
                                                              : _("Password: "), &error);
      if (smtp_password == NULL)
        return ob_cli_failure (error);
      if (imap_password_stdin)
        {
          imap_password = read_password_line (_("IMAP password: "), &error);
          if (imap_password == NULL)
            return ob_cli_failure (error);
        }
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);

  if (account->oauth_provider != NULL)
    return account_add_oauth (engine, account, oauth_timeout);

  if (!ob_accounts_add (ob_engine_get_store (engine), account, &error))
    return ob_cli_failure (error);

  /* On failure the account goes again: nothing half-made is left. */
  if (smtp_password != NULL &&
      !ob_account_store_passwords (account, smtp_password, imap_password, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The account was not added: %s"),
                                                  error->message);

      ob_secrets_delete_sync (account->keyring_id, NULL, NULL);
      ob_accounts_remove (ob_engine_get_store (engine), account->id, NULL);

      g_clear_error (&error);
      g_set_error_literal (&error, OB_SECRETS_ERROR, 0, message);
      return ob_cli_failure (error);
    }

  printf (_("Added account “%s” (%s)\n"), account->name, account->email);
  if (account->goa_id != NULL)
    printf (_("Its servers, logins and passwords come from the Online Account %s: change them in "
              "Settings → Online Accounts.\n"), account->goa_id);
  else if (smtp_password == NULL)
    printf ("%s\n", _("No password was stored (a relay may not need one). To give one, "
                      "remove the account and add it again with --password-stdin, or enter "
                      "it in the app."));
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static char *
server_to_string (const char *host,
                  guint       port,
                  ObSecurity  security)
{
  if (host == NULL)
    return g_strdup ("-");
  return g_strdup_printf (strchr (host, ':') != NULL ? "[%s]:%u:%s" : "%s:%u:%s",
                          host, port, ob_security_to_string (security));
}

/* The keys are documented in README.md: keep them stable. */
static void
account_to_json (ObJsonWriter    *json,
                 const ObAccount *a)
{
  ob_json_writer_begin_object (json, NULL);
  ob_json_writer_int (json, "id", a->id);
  ob_json_writer_string (json, "name", a->name);
  ob_json_writer_string (json, "email", a->email);
  ob_json_writer_string (json, "display_name", a->display_name);
  ob_json_writer_string (json, "auth", a->auth_method);
  if (a->oauth_provider != NULL)
    ob_json_writer_string (json, "oauth_provider", a->oauth_provider);
  ob_json_writer_begin_object (json, "smtp");
  ob_json_writer_string (json, "host", a->smtp_host);
  ob_json_writer_int (json, "port", a->smtp_port);
  ob_json_writer_string (json, "security", ob_security_to_string (a->smtp_security));
  ob_json_writer_string (json, "user", ob_account_get_smtp_login (a));
  ob_json_writer_begin_array (json, "pins");
  for (guint i = 0; a->smtp_pins[i] != NULL; i++)
    ob_json_writer_string (json, NULL, a->smtp_pins[i]);
  ob_json_writer_end_array (json);
  ob_json_writer_end_object (json);
  if (ob_account_has_imap (a))
    {
      ob_json_writer_begin_object (json, "imap");
      ob_json_writer_string (json, "host", a->imap_host);
      ob_json_writer_int (json, "port", a->imap_port);
      ob_json_writer_string (json, "security", ob_security_to_string (a->imap_security));
      ob_json_writer_string (json, "user", ob_account_get_imap_login (a));
      ob_json_writer_begin_array (json, "pins");
      for (guint i = 0; a->imap_pins[i] != NULL; i++)
        ob_json_writer_string (json, NULL, a->imap_pins[i]);
      ob_json_writer_end_array (json);
      ob_json_writer_end_object (json);
    }
  if (a->ca_file != NULL)
    ob_json_writer_string (json, "ca_file", a->ca_file);
  ob_json_writer_boolean (json, "provider_saves_sent", a->provider_saves_sent);
  ob_json_writer_int (json, "daily_limit", a->daily_limit);
  ob_json_writer_int (json, "pause_min", a->pause_min);
  ob_json_writer_int (json, "pause_max", a->pause_max);
  ob_json_writer_string (json, "state", ob_account_state_to_string (a->state));
  ob_json_writer_string (json, "state_reason", a->state_reason);
  if (a->goa_id != NULL)
    ob_json_writer_string (json, "goa_id", a->goa_id);
  ob_json_writer_end_object (json);
}

static int
account_list (ObCliGlobals *globals,
              gboolean      as_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return ob_cli_failure (error);
  accounts = ob_accounts_list (ob_engine_get_store (engine), &error);
  if (accounts == NULL)
    return ob_cli_failure (error);

  if (as_json)
    {
      g_autoptr(ObJsonWriter) json = ob_json_writer_new (TRUE);
      g_autofree char *text = NULL;

      ob_json_writer_begin_array (json, NULL);
      for (guint i = 0; i < accounts->len; i++)
        account_to_json (json, g_ptr_array_index (accounts, i));
      ob_json_writer_end_array (json);
      text = ob_json_writer_finish (g_steal_pointer (&json));
      fputs (text, stdout);
    }
  else
    for (guint i = 0; i < accounts->len; i++)
      {
        const ObAccount *a = g_ptr_array_index (accounts, i);
        g_autofree char *smtp = server_to_string (a->smtp_host, a->smtp_port, a->smtp_security);
        g_autofree char *imap = server_to_string (a->imap_host, a->imap_port, a->imap_security);

        /* An account of GNOME Online Accounts has one more field. */
        if (a->goa_id != NULL)
          printf ("%s\t%s\t%s\t%s\t%s\tgoa:%s\n", a->name, a->email, smtp, imap,
                  ob_account_state_to_string (a->state), a->goa_id);
        else
          printf ("%s\t%s\t%s\t%s\t%s\n", a->name, a->email, smtp, imap,
                  ob_account_state_to_string (a->state));
      }

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

/* The Online Accounts with mail on, and their IDs for account add --goa. */
static int
account_online (gboolean as_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ob_goa_list_mail_accounts (NULL, &error);

  if (list == NULL)
    return ob_cli_failure (error);
  if (as_json)
    {
      g_autoptr(ObJsonWriter) json = ob_json_writer_new (TRUE);
      g_autofree char *text = NULL;

      ob_json_writer_begin_array (json, NULL);
      for (guint i = 0; i < list->len; i++)
        {
          const ObGoaMailAccount *m = g_ptr_array_index (list, i);

          ob_json_writer_begin_object (json, NULL);
          ob_json_writer_string (json, "id", m->id);
          ob_json_writer_string (json, "provider", m->provider_type);
          ob_json_writer_string (json, "email", m->email);
          ob_json_writer_string (json, "identity", m->identity);
          ob_json_writer_boolean (json, "oauth2", m->oauth2);
          ob_json_writer_boolean (json, "attention_needed", m->attention_needed);
          ob_json_writer_end_object (json);
        }
      ob_json_writer_end_array (json);
      text = ob_json_writer_finish (g_steal_pointer (&json));
      fputs (text, stdout);
    }
  else
    for (guint i = 0; i < list->len; i++)
      {
        const ObGoaMailAccount *m = g_ptr_array_index (list, i);

        printf ("%s\t%s\t%s\t%s\n", m->id, m->provider_name, m->email,
                m->attention_needed ? _("needs attention") : _("ok"));
      }
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

/* The store and the account called @name in it (NULL and @error when
 * either cannot be had). */
static ObAccount *
open_account (ObCliGlobals  *globals,
              const char    *name,
              ObEngine     **engine,
              GError       **error)
{
  *engine = ob_engine_new (globals->db_path, error);
  if (*engine == NULL)
    return NULL;
  return ob_accounts_get_by_name (ob_engine_get_store (*engine), name, error);
}

static int
account_remove (ObCliGlobals *globals,
                const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObAccount) account = NULL;

  account = open_account (globals, name, &engine, &error);
  if (account == NULL || !ob_accounts_remove (ob_engine_get_store (engine), account->id, &error))
    return ob_cli_failure (error);

  /* The row first: a keyring that is away must not keep an account the
   * user wants gone. What is left behind is said, with its label. */
  if (!ob_secrets_delete_sync (account->keyring_id, NULL, &error))
    {
      g_autofree char *label = ob_account_dup_secret_label (account, OB_SECRET_SMTP);
      g_autofree char *message =
        g_strdup_printf (_("The account “%s” was removed, but its passwords could not be "
                           "deleted from the keyring (%s). Delete the items labelled “%s” "
                           "and its IMAP one in Passwords and Keys."),
                         account->name, error->message, label);

      g_clear_error (&error);
      g_set_error_literal (&error, OB_SECRETS_ERROR, 0, message);
      return ob_cli_failure (error);
    }

  printf (_("Removed account “%s”\n"), account->name);
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static int
account_test (ObCliGlobals *globals,
              const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObAccount) account = NULL;

  account = open_account (globals, name, &engine, &error);
  if (account == NULL || !ob_account_test (account, NULL, &error))
    return ob_cli_failure (error);

  printf (_("Account “%s”: SMTP works"), account->name);
  if (ob_account_has_imap (account))
    printf (_(", IMAP works"));
  printf ("\n");
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

/* An OAuth account whose sign-in the provider no longer accepts: new
 * tokens, and the account released if it was held for it. */
static int
account_sign_in (ObCliGlobals *globals,
                 const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;

  account = open_account (globals, name, &engine, &error);
  if (account == NULL)
    return ob_cli_failure (error);
  if (g_strcmp0 (account->auth_method, OB_AUTH_METHOD_OAUTH2) != 0)
    return ob_cli_usage_error (_("account sign-in: “%s” signs in with a password, not with "
                                 "Google or Microsoft"), account->name);
  config = ob_oauth_config_load (account->oauth_provider, &error);
  if (config == NULL)
    return ob_cli_failure (error);
  tokens = ob_oauth_sign_in_sync (config, account->email, OB_OAUTH_DEFAULT_TIMEOUT_SECONDS,
                                  print_sign_in_url, NULL, NULL, &error);
  if (tokens == NULL || !ob_oauth_store_tokens (account, tokens, NULL, &error))
    return ob_cli_failure (error);
  if (account->state == OB_ACCOUNT_STATE_ERROR
      && !ob_accounts_set_state (ob_engine_get_store (engine), account->id, OB_ACCOUNT_STATE_OK,
                                 "", 0, &error))
    return ob_cli_failure (error);
  /* Translators: the last %s is Google or Microsoft */
  printf (_("Account “%s” is signed in again with %s\n"), account->name,
          ob_oauth_provider_name (account->oauth_provider));
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static int
cmd_account (ObCliGlobals  *globals,
             int            argc,
             char         **argv)
{
  const char *action = argc > 1 ? argv[1] : NULL;

  if (action == NULL)
    return ob_cli_usage_error (_("account: add, list, online, test, sign-in or remove?"));

  if (g_strcmp0 (action, "add") == 0)
    return account_add (globals, argc, argv);

  if (g_strcmp0 (action, "list") == 0)
    {
      gboolean as_json = FALSE;

      for (int i = 2; i < argc; i++)
        if (g_strcmp0 (argv[i], "--json") == 0)
          as_json = TRUE;
        else
          return ob_cli_usage_error (_("account list: unexpected “%s”"), argv[i]);
      return account_list (globals, as_json);
    }

  if (g_strcmp0 (action, "online") == 0)
    {
      gboolean as_json = FALSE;

      for (int i = 2; i < argc; i++)
        if (g_strcmp0 (argv[i], "--json") == 0)
          as_json = TRUE;
        else
          return ob_cli_usage_error (_("account online: unexpected “%s”"), argv[i]);
      return account_online (as_json);
    }

  if (g_strcmp0 (action, "remove") == 0 || g_strcmp0 (action, "test") == 0
      || g_strcmp0 (action, "sign-in") == 0)
    {
      if (argc < 3 || argv[2][0] == '\0')
        return ob_cli_usage_error (_("account %s: which account?"), action);
      if (argc > 3)
        return ob_cli_usage_error (_("account %s: unexpected “%s”"), action, argv[3]);
      if (g_strcmp0 (action, "sign-in") == 0)
        return account_sign_in (globals, argv[2]);
      return g_strcmp0 (action, "remove") == 0 ? account_remove (globals, argv[2])
                                               : account_test (globals, argv[2]);
    }

  return ob_cli_usage_error (_("account: unknown action “%s”"), action);
}

int
main (int    argc,
      char **argv)
{
  ObCliGlobals globals = { NULL };
  int i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (g_strcmp0 (arg, "--help") == 0 || g_strcmp0 (arg, "-h") == 0)
        {
          print_usage (stdout);
          return EXIT_OK;
        }
      else if (g_strcmp0 (arg, "--version") == 0)
        {
          printf ("outbound-cli %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        }
      else if (g_strcmp0 (arg, "--db") == 0)
        {
          if (i + 1 >= argc || argv[i + 1][0] == '\0')
            return ob_cli_usage_error (_("--db needs a path"));
          globals.db_path = argv[++i];
        }
      else if (g_str_has_prefix (arg, "--db="))
        {
          globals.db_path = arg + strlen ("--db=");
          if (globals.db_path[0] == '\0')
            return ob_cli_usage_error (_("--db needs a path"));
        }
      else if (arg[0] == '-')
        return ob_cli_usage_error (_("unknown option “%s”"), arg);
      else
        break;
    }

  if (i >= argc)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    if (g_strcmp0 (argv[i], commands[c].name) == 0)
      return commands[c].func (&globals, argc - i, argv + i);

  return ob_cli_usage_error (_("unknown command “%s”"), argv[i]);
}
