/* ob-cli-campaign.c: outbound-cli campaign, enroll and preview
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "outbound-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ob-campaign.h"
#include "ob-engine.h"
#include "ob-json.h"
#include "ob-prospects.h"

#include "ob-cli.h"

/* Pre-flight lists stop here in text output; --json has them all. */
#define MAX_ISSUES_SHOWN 50

static int
finish_output (void)
{
  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static ObEngine *
open_engine (ObCliGlobals  *globals,
             GError       **error)
{
  return ob_engine_new (globals->db_path, error);
}

static char *
read_campaign_file (const char  *path,
                    gsize       *length,
                    GError     **error)
{
  char *data = NULL;

  if (g_strcmp0 (path, "-") == 0)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      char buffer[8192];
      size_t n;

      while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
        g_string_append_len (text, buffer, n);
      *length = text->len;
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (!g_file_get_contents (path, &data, length, error))
    return NULL;
  return data;
}

static void
print_issues (FILE                    *out,
              const ObPreflightReport *report,
              gboolean                 blockers_only)
{
  guint shown = 0;

  for (guint i = 0; i < report->issues->len; i++)
    {
      const ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);
      g_autofree char *text = NULL;
      const char *label;

      if (blockers_only && !issue->blocker)
        continue;
      if (shown++ == MAX_ISSUES_SHOWN)
        {
          fprintf (out, "  %s\n", _("…"));
          break;
        }
      text = ob_preflight_issue_describe (issue);
      label = issue->blocker ? _("blocker") : issue->overridden ? _("overridden") : _("warning");
      if (issue->email != NULL)
        fprintf (out, "  %s\t%s\t%s\t%s\n", label, ob_preflight_kind_to_string (issue->kind),
                 issue->email, text);
      else
        fprintf (out, "  %s\t%s\t\t%s\n", label, ob_preflight_kind_to_string (issue->kind), text);
    }
}

static void
write_issues_json (ObJsonWriter            *json,
                   const ObPreflightReport *report)
{
  ob_json_writer_begin_object (json, "preflight");
  ob_json_writer_int (json, "prospects", (gint64) report->n_prospects);
  ob_json_writer_int (json, "blockers", report->n_blockers);
  ob_json_writer_int (json, "warnings", report->n_warnings);
  ob_json_writer_int (json, "overridden", report->n_overridden);
  ob_json_writer_begin_array (json, "issues");
  for (guint i = 0; i < report->issues->len; i++)
    {
      const ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);
      g_autofree char *text = ob_preflight_issue_describe (issue);

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_string (json, "kind", ob_preflight_kind_to_string (issue->kind));
      ob_json_writer_string (json, "severity", issue->blocker ? "blocker"
                             : issue->overridden ? "overridden" : "warning");
      ob_json_writer_int (json, "step", issue->step);
      if (issue->email != NULL)
        ob_json_writer_string (json, "email", issue->email);
      if (issue->detail != NULL)
        ob_json_writer_string (json, "detail", issue->detail);
      ob_json_writer_string (json, "message", text);
      ob_json_writer_end_object (json);
    }
  ob_json_writer_end_array (json);
  ob_json_writer_end_object (json);
}

/* ---- campaign create / update ---------------------------------------------- */

static int
campaign_create (ObCliGlobals  *globals,
                 int            argc,
                 char         **argv,
                 gboolean       update)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObCampaign) campaign = NULL;
  g_autofree char *data = NULL;
  const char *path = NULL;
  gsize length = 0;

  for (int i = 2; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--from", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("campaign: --from needs a file"));
          path = value;
        }
      else
        return ob_cli_usage_error (_("campaign: unexpected “%s”"), argv[i]);
    }
  if (path == NULL)
    return ob_cli_usage_error (_("campaign %s: --from FILE is required"), argv[1]);

  data = read_campaign_file (path, &length, &error);
  if (data == NULL)
    return ob_cli_failure (error);
  campaign = ob_campaign_parse_file (data, length, &error);
  if (campaign == NULL)
    {
      g_prefix_error (&error, "%s: ", path);
      return ob_cli_failure (error);
    }

  engine = open_engine (globals, &error);
  if (engine == NULL)
    return ob_cli_failure (error);

  if (update)
    {
      ObStore *store = ob_engine_get_store (engine);
      g_autoptr(ObCampaign) stored = ob_campaign_find (store, campaign->name, &error);

      if (stored == NULL)
        return ob_cli_failure (error);
      /* Steps keep their identity by position, so sent steps stay put. */
      campaign->id = stored->id;
      campaign->state = stored->state;
      for (guint i = 0; i < campaign->steps->len && i < stored->steps->len; i++)
        ((ObCampaignStep *) g_ptr_array_index (campaign->steps, i))->id =
          ((ObCampaignStep *) g_ptr_array_index (stored->steps, i))->id;
      if (campaign->account == NULL)
        campaign->account_id = stored->account_id;
    }

  if (!ob_campaign_save (ob_engine_get_store (engine), campaign, &error))
    return ob_cli_failure (error);

  printf (update ? g_dngettext (GETTEXT_PACKAGE, "Updated campaign “%s” (%s, %u step)\n",
                                "Updated campaign “%s” (%s, %u steps)\n", campaign->steps->len)
                 : g_dngettext (GETTEXT_PACKAGE, "Created campaign “%s” (%s, %u step)\n",
                                "Created campaign “%s” (%s, %u steps)\n", campaign->steps->len),
          campaign->name, ob_campaign_state_to_string (campaign->state), campaign->steps->len);
  return finish_output ();
}

/* ---- campaign list / show / export ----------------------------------------- */

static int
campaign_list (ObStore  *store,
               gboolean  as_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ob_campaign_list (store, &error);
  g_autoptr(ObJsonWriter) json = NULL;

  if (list == NULL)
    return ob_cli_failure (error);

  if (as_json)
    {
      g_autofree char *text = NULL;

      json = ob_json_writer_new (TRUE);
      ob_json_writer_begin_array (json, NULL);
      for (guint i = 0; i < list->len; i++)
        {
          const ObCampaignSummary *c = g_ptr_array_index (list, i);

          ob_json_writer_begin_object (json, NULL);
          ob_json_writer_int (json, "id", c->id);
          ob_json_writer_string (json, "name", c->name);
          ob_json_writer_string (json, "state", ob_campaign_state_to_string (c->state));
          ob_json_writer_string (json, "state_reason", c->state_reason);
          if (c->account != NULL)
            ob_json_writer_string (json, "account", c->account);
          ob_json_writer_int (json, "steps", c->n_steps);
          ob_json_writer_int (json, "enrolled", c->enrolled);
          ob_json_writer_int (json, "active", c->active);
          ob_json_writer_int (json, "queued", c->queued);
          ob_json_writer_int (json, "sent", c->sent);
          ob_json_writer_int (json, "finished", c->finished);
          ob_json_writer_int (json, "replied", c->replied);
          ob_json_writer_int (json, "bounced", c->bounced);
          ob_json_writer_int (json, "opted_out", c->opted_out);
          ob_json_writer_int (json, "stopped", c->stopped);
          ob_json_writer_end_object (json);
        }
      ob_json_writer_end_array (json);
      text = ob_json_writer_finish (g_steal_pointer (&json));
      fputs (text, stdout);
      return finish_output ();
    }

  /* One campaign per line, tab-separated: name, state, account, steps,
   * enrolled, active, sent, replied. */
  for (guint i = 0; i < list->len; i++)
    {
      const ObCampaignSummary *c = g_ptr_array_index (list, i);

      printf ("%s\t%s\t%s\t%u\t%lld\t%lld\t%lld\t%lld\n", c->name,
              ob_campaign_state_to_string (c->state), c->account != NULL ? c->account : "-",
              c->n_steps, (long long) c->enrolled, (long long) c->active, (long long) c->sent,
              (long long) c->replied);
    }
  return finish_output ();
}

static char *
format_window (const ObCampaign *c)
{
  return g_strdup_printf ("%02u:%02u-%02u:%02u", c->window_start / 60, c->window_start % 60,
                          c->window_end / 60, c->window_end % 60);
}

static char *
format_days (guint days)
{
  static const char * const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < 7; i++)
    if (days & (1u << i))
      g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", names[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static ObCampaignSummary *
find_summary (GPtrArray *list,
              gint64     id)
{
  for (guint i = 0; list != NULL && i < list->len; i++)
    if (((ObCampaignSummary *) g_ptr_array_index (list, i))->id == id)
      return g_ptr_array_index (list, i);
  return NULL;
}

static int
campaign_show (ObStore    *store,
               const char *name,
               gboolean    as_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_find (store, name, &error);
  g_autoptr(ObPreflightReport) report = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *window = NULL;
  g_autofree char *days = NULL;
  ObCampaignSummary *summary;

  if (c == NULL)
    return ob_cli_failure (error);
  report = ob_campaign_preflight (store, c->id, NULL, &error);
  if (report == NULL)
    return ob_cli_failure (error);
  list = ob_campaign_list (store, &error);
  if (list == NULL)
    return ob_cli_failure (error);
  summary = find_summary (list, c->id);
  window = format_window (c);
  days = format_days (c->days);

  if (as_json)
    {
      g_autoptr(ObJsonWriter) json = ob_json_writer_new (TRUE);
      g_autofree char *text = NULL;

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_int (json, "id", c->id);
      ob_json_writer_string (json, "name", c->name);
      ob_json_writer_string (json, "state", ob_campaign_state_to_string (c->state));
      ob_json_writer_string (json, "state_reason", c->state_reason);
      if (summary != NULL && summary->account != NULL)
        ob_json_writer_string (json, "account", summary->account);
      ob_json_writer_string (json, "timezone", c->timezone);
      ob_json_writer_string (json, "window", window);
      ob_json_writer_string (json, "days", days);
      ob_json_writer_int (json, "daily_limit", c->daily_limit);
      ob_json_writer_int (json, "pause_min", c->pause_min);
      ob_json_writer_int (json, "pause_max", c->pause_max);
      ob_json_writer_boolean (json, "stop_company_on_reply", c->stop_company_on_reply);
      ob_json_writer_int (json, "bounce_threshold_permille", c->bounce_threshold_permille);
      ob_json_writer_string (json, "holidays", c->holidays);
      ob_json_writer_begin_array (json, "steps");
      for (guint i = 0; i < c->steps->len; i++)
        {
          const ObCampaignStep *step = g_ptr_array_index (c->steps, i);
          g_autofree char *delay = ob_schedule_format_delay (&step->delay);

          ob_json_writer_begin_object (json, NULL);
          ob_json_writer_int (json, "position", i + 1);
          ob_json_writer_string (json, "subject", step->subject);
          ob_json_writer_string (json, "body", step->body);
          ob_json_writer_string (json, "delay", i == 0 ? "0d" : delay);
          ob_json_writer_boolean (json, "same_thread", i > 0 && step->same_thread);
          ob_json_writer_int (json, "sent", (gint64) step->n_sent);
          ob_json_writer_end_object (json);
        }
      ob_json_writer_end_array (json);
      ob_json_writer_begin_object (json, "enrollments");
      ob_json_writer_int (json, "enrolled", summary != NULL ? summary->enrolled : 0);
      ob_json_writer_int (json, "active", summary != NULL ? summary->active : 0);
      ob_json_writer_int (json, "queued", summary != NULL ? summary->queued : 0);
      ob_json_writer_int (json, "finished", summary != NULL ? summary->finished : 0);
      ob_json_writer_int (json, "replied", summary != NULL ? summary->replied : 0);
      ob_json_writer_int (json, "bounced", summary != NULL ? summary->bounced : 0);
      ob_json_writer_int (json, "opted_out", summary != NULL ? summary->opted_out : 0);
      ob_json_writer_int (json, "stopped", summary != NULL ? summary->stopped : 0);
      ob_json_writer_int (json, "sent", summary != NULL ? summary->sent : 0);
      ob_json_writer_end_object (json);
      write_issues_json (json, report);
      ob_json_writer_end_object (json);
      text = ob_json_writer_finish (g_steal_pointer (&json));
      fputs (text, stdout);
      return finish_output ();
    }

  printf (_("Campaign: %s\n"), c->name);
  printf (_("State: %s\n"), ob_campaign_state_to_string (c->state));
  if (c->state_reason[0] != '\0')
    printf (_("Reason: %s\n"), c->state_reason);
  printf (_("Account: %s\n"), summary != NULL && summary->account != NULL ? summary->account : _("none"));
  printf (_("Time zone: %s\n"), c->timezone[0] != '\0' ? c->timezone : _("the system's"));
  printf (_("Window: %s, %s\n"), window, days);
  printf (_("Daily limit: %u new first emails\n"), c->daily_limit);
  printf (_("Pause between sends: %u-%u s\n"), c->pause_min, c->pause_max);
  printf (_("Stop the company on reply: %s\n"), c->stop_company_on_reply ? _("yes") : _("no"));
  printf (_("Bounce shield: %u.%u %%\n"), c->bounce_threshold_permille / 10,
          c->bounce_threshold_permille % 10);
  if (c->holidays[0] != '\0')
    printf (_("Holidays: %s\n"), c->holidays);
  printf ("%s\n", _("Steps:"));
  for (guint i = 0; i < c->steps->len; i++)
    {
      const ObCampaignStep *step = g_ptr_array_index (c->steps, i);
      g_autofree char *delay = ob_schedule_format_delay (&step->delay);
      g_autofree char *subject = g_strdup (step->subject);

      g_strdelimit (subject, "\r\n", ' ');
      if (i == 0)
        printf ("  1\t%s\t%s\n", _("first email"), subject);
      else if (step->same_thread)
        printf (_("  %u\tafter %s\tsame thread\n"), i + 1, delay);
      else
        printf (_("  %u\tafter %s\tnew thread: %s\n"), i + 1, delay, subject);
    }
  if (summary != NULL)
    printf (_("Prospects: %lld enrolled, %lld active, %lld finished, %lld replied, %lld bounced, "
              "%lld opted out, %lld stopped; %lld messages sent\n"),
            (long long) summary->enrolled, (long long) summary->active,
            (long long) summary->finished, (long long) summary->replied,
            (long long) summary->bounced, (long long) summary->opted_out,
            (long long) summary->stopped, (long long) summary->sent);
  printf (_("Pre-flight: %u blockers, %u warnings, %u overridden\n"), report->n_blockers,
          report->n_warnings, report->n_overridden);
  print_issues (stdout, report, FALSE);
  return finish_output ();
}

static int
campaign_export (ObStore    *store,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_find (store, name, &error);
  g_autofree char *text = NULL;

  if (c == NULL)
    return ob_cli_failure (error);
  text = ob_campaign_to_file (c);
  fputs (text, stdout);
  return finish_output ();
}

/* ---- campaign start / pause ------------------------------------------------ */

static int
campaign_start (ObStore    *store,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_find (store, name, &error);
  g_autoptr(ObPreflightReport) report = NULL;

  if (c == NULL)
    return ob_cli_failure (error);
  if (!ob_campaign_start (store, c->id, &report, &error))
    {
      /* The list on stdout, the one-line reason on stderr. */
      if (report != NULL)
        print_issues (stdout, report, TRUE);
      fflush (stdout);
      return ob_cli_failure (error);
    }
  printf (_("Started “%s”\n"), c->name);
  if (report != NULL && report->n_warnings > 0)
    print_issues (stdout, report, FALSE);
  return finish_output ();
}

static int
campaign_pause (ObStore    *store,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_find (store, name, &error);

  if (c == NULL)
    return ob_cli_failure (error);
  if (!ob_campaign_pause (store, c->id, "", &error))
    return ob_cli_failure (error);
  printf (_("Paused “%s”\n"), c->name);
  return finish_output ();
}

/* Excludes or overrides every current issue of one kind (or of every kind
 * that allows it). */
static int
campaign_resolve (ObStore    *store,
                  const char *name,
                  gboolean    exclude,
                  const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_find (store, name, &error);
  g_autoptr(ObPreflightReport) report = NULL;
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();

  if (c == NULL)
    return ob_cli_failure (error);
  report = ob_campaign_preflight (store, c->id, NULL, &error);
  if (report == NULL)
    return ob_cli_failure (error);

  for (guint i = 0; i < report->issues->len; i++)
    {
      ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);
      gboolean allowed = exclude ? ob_preflight_kind_can_exclude (issue->kind)
                                 : ob_preflight_kind_can_override (issue->kind);

      if (issue->blocker && allowed
          && (kind == NULL || g_strcmp0 (kind, ob_preflight_kind_to_string (issue->kind)) == 0))
        g_ptr_array_add (chosen, issue);
    }

  if (!ob_campaign_resolve_issues (store, c->id, exclude ? OB_PREFLIGHT_EXCLUDE : OB_PREFLIGHT_OVERRIDE,
                                   (ObPreflightIssue * const *) chosen->pdata, chosen->len, &error))
    return ob_cli_failure (error);
  printf (exclude ? g_dngettext (GETTEXT_PACKAGE, "Excluded the prospects of %u problem\n",
                                 "Excluded the prospects of %u problems\n", chosen->len)
                  : g_dngettext (GETTEXT_PACKAGE, "Overrode %u problem\n",
                                 "Overrode %u problems\n", chosen->len),
          chosen->len);
  return finish_output ();
}

int
ob_cli_cmd_campaign (ObCliGlobals  *globals,
                     int            argc,
                     char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  const char *action = argc > 1 ? argv[1] : NULL;
  const char *name = NULL;
  gboolean as_json = FALSE;
  ObStore *store;

  if (action == NULL)
    return ob_cli_usage_error (_("campaign: create, list, show, start or pause?"));
  if (g_strcmp0 (action, "create") == 0 || g_strcmp0 (action, "update") == 0)
    return campaign_create (globals, argc, argv, g_strcmp0 (action, "update") == 0);

  if (g_strcmp0 (action, "resolve") == 0)
    {
      const char *how = argc > 3 ? argv[3] : NULL;

      if (argc < 4 || argc > 5
          || (g_strcmp0 (how, "--exclude") != 0 && g_strcmp0 (how, "--override") != 0))
        return ob_cli_usage_error (_("campaign resolve NAME --exclude|--override [KIND]"));
      engine = open_engine (globals, &error);
      if (engine == NULL)
        return ob_cli_failure (error);
      return campaign_resolve (ob_engine_get_store (engine), argv[2],
                               g_strcmp0 (how, "--exclude") == 0, argc > 4 ? argv[4] : NULL);
    }

  if (g_strcmp0 (action, "list") != 0 && g_strcmp0 (action, "show") != 0
      && g_strcmp0 (action, "start") != 0 && g_strcmp0 (action, "resume") != 0
      && g_strcmp0 (action, "pause") != 0 && g_strcmp0 (action, "export") != 0)
    return ob_cli_usage_error (_("campaign: unknown action “%s”"), action);

  for (int i = 2; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--json") == 0
          && (g_strcmp0 (action, "list") == 0 || g_strcmp0 (action, "show") == 0))
        as_json = TRUE;
      else if (name == NULL && argv[i][0] != '-' && g_strcmp0 (action, "list") != 0)
        name = argv[i];
      else
        return ob_cli_usage_error (_("campaign: unexpected “%s”"), argv[i]);
    }
  if (name == NULL && g_strcmp0 (action, "list") != 0)
    return ob_cli_usage_error (_("campaign %s: which campaign?"), action);

  engine = open_engine (globals, &error);
  if (engine == NULL)
    return ob_cli_failure (error);
  store = ob_engine_get_store (engine);

  if (g_strcmp0 (action, "list") == 0)
    return campaign_list (store, as_json);
  if (g_strcmp0 (action, "show") == 0)
    return campaign_show (store, name, as_json);
  if (g_strcmp0 (action, "export") == 0)
    return campaign_export (store, name);
  if (g_strcmp0 (action, "pause") == 0)
    return campaign_pause (store, name);
  return campaign_start (store, name);
}

/* ---- enroll ---------------------------------------------------------------- */

int
ob_cli_cmd_enroll (ObCliGlobals  *globals,
                   int            argc,
                   char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(GPtrArray) emails = g_ptr_array_new ();
  g_autoptr(GArray) ids = NULL;
  const char *campaign_name = NULL;
  const char *tag = NULL;
  gboolean all = FALSE;
  gboolean override = FALSE;
  gboolean remove = FALSE;
  guint n_selectors;
  ObStore *store;

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("enroll: --campaign needs a name"));
          campaign_name = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--tag", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("enroll: --tag needs a name"));
          tag = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--email", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("enroll: --email needs an address"));
          g_ptr_array_add (emails, (gpointer) value);
          /* --email A B C: the addresses that follow belong to it too */
          while (i + 1 < argc && argv[i + 1][0] != '-')
            g_ptr_array_add (emails, argv[++i]);
        }
      else if (g_strcmp0 (argv[i], "--all") == 0)
        all = TRUE;
      else if (g_strcmp0 (argv[i], "--override") == 0)
        override = TRUE;
      else if (g_strcmp0 (argv[i], "--remove") == 0)
        remove = TRUE;
      else
        return ob_cli_usage_error (_("enroll: unexpected “%s”"), argv[i]);
    }

  n_selectors = (all ? 1 : 0) + (tag != NULL ? 1 : 0) + (emails->len > 0 ? 1 : 0);
  if (campaign_name == NULL)
    return ob_cli_usage_error (_("enroll: --campaign NAME is required"));
  if (n_selectors != 1)
    return ob_cli_usage_error (_("enroll: give one of --all, --tag T or --email E…"));

  engine = open_engine (globals, &error);
  if (engine == NULL)
    return ob_cli_failure (error);
  store = ob_engine_get_store (engine);
  campaign = ob_campaign_find (store, campaign_name, &error);
  if (campaign == NULL)
    return ob_cli_failure (error);
  if (campaign->state == OB_CAMPAIGN_FINISHED && !remove)
    {
      g_set_error (&error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STATE,
                   _("“%s” has finished; start it again to add prospects"), campaign->name);
      return ob_cli_failure (error);
    }

  if (emails->len > 0)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint i = 0; i < emails->len; i++)
        {
          gint64 id = ob_campaign_lookup_prospect (store, g_ptr_array_index (emails, i), &error);

          if (id == 0)
            return ob_cli_failure (error);
          g_array_append_val (ids, id);
        }
    }
  else
    {
      ObProspectQuery query = { 0 };

      if (tag != NULL)
        {
          query.tag_id = ob_campaign_lookup_tag (store, tag, &error);
          if (query.tag_id == 0)
            return ob_cli_failure (error);
        }
      query.sort = OB_PROSPECT_SORT_ADDED;
      ids = ob_prospects_query_ids (store, &query, NULL, &error);
      if (ids == NULL)
        return ob_cli_failure (error);
    }

  if (remove)
    {
      guint removed = 0;

      if (!ob_campaign_unenroll (store, campaign->id, (const gint64 *) ids->data, ids->len,
                                 &removed, &error))
        return ob_cli_failure (error);
      printf (g_dngettext (GETTEXT_PACKAGE, "Removed %u prospect from “%s”\n",
                           "Removed %u prospects from “%s”\n", removed),
              removed, campaign->name);
    }
  else
    {
      ObEnrollResult result;

      if (!ob_prospects_enroll (store, campaign->id, (const gint64 *) ids->data, ids->len, override,
                                &result, &error))
        return ob_cli_failure (error);
      printf (_("Enrolled %u in “%s”; %u already enrolled, %u active in another campaign, "
                "%u replied, bounced or opted out, %u on the do-not-contact list\n"),
              result.enrolled, campaign->name, result.already_enrolled, result.active_elsewhere,
              result.not_active, result.do_not_contact);
      if (result.active_elsewhere > 0 && !override)
        printf ("%s\n", _("Use --override to enroll prospects already active in another campaign."));
    }
  return finish_output ();
}

/* ---- preview --------------------------------------------------------------- */

int
ob_cli_cmd_preview (ObCliGlobals  *globals,
                    int            argc,
                    char         **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObEngine) engine = NULL;
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(ObCampaignMessage) message = NULL;
  const char *campaign_name = NULL;
  const char *email = NULL;
  const char *step_text = NULL;
  gboolean raw = FALSE;
  guint64 step = 1;
  gint64 prospect_id;
  ObStore *store;

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (ob_cli_option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("preview: --campaign needs a name"));
          campaign_name = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--email", &value))
        {
          if (value == NULL)
            return ob_cli_usage_error (_("preview: --email needs an address"));
          email = value;
        }
      else if (ob_cli_option_value (argc, argv, &i, "--step", &value))
        {
          step_text = value;
          if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 999, &step, NULL))
            return ob_cli_usage_error (_("preview: --step needs a step number (1, 2…)"));
        }
      else if (g_strcmp0 (argv[i], "--raw") == 0)
        raw = TRUE;
      else
        return ob_cli_usage_error (_("preview: unexpected “%s”"), argv[i]);
    }
  (void) step_text;
  if (campaign_name == NULL || email == NULL)
    return ob_cli_usage_error (_("preview: --campaign NAME and --email E are required"));

  engine = open_engine (globals, &error);
  if (engine == NULL)
    return ob_cli_failure (error);
  store = ob_engine_get_store (engine);
  campaign = ob_campaign_find (store, campaign_name, &error);
  if (campaign == NULL)
    return ob_cli_failure (error);
  prospect_id = ob_campaign_lookup_prospect (store, email, &error);
  if (prospect_id == 0)
    return ob_cli_failure (error);
  message = ob_campaign_build_message (store, campaign, (guint) step, prospect_id, NULL, NULL,
                                       NULL, &error);
  if (message == NULL)
    return ob_cli_failure (error);

  for (guint i = 0; message->missing != NULL && message->missing[i] != NULL; i++)
    fprintf (stderr, _("outbound-cli: warning: no value for {{%s}} and no fallback\n"),
             message->missing[i]);

  if (raw)
    {
      gsize length;
      const char *data = g_bytes_get_data (message->raw, &length);

      fwrite (data, 1, length, stdout);
    }
  else
    {
      printf (_("From: %s\n"), message->from);
      printf (_("To: %s\n"), message->to);
      printf (_("Subject: %s\n"), message->subject);
      if (message->in_reply_to != NULL)
        printf (_("In reply to: <%s>\n"), message->in_reply_to);
      printf ("\n%s\n", message->body);
    }
  return finish_output ();
}
