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
#include <glib/gi18n.h>

#include "ob-engine.h"
#include "ob-json.h"

enum {
  EXIT_OK = 0,
  EXIT_FAILURE_ = 1,
  EXIT_USAGE = 2,
};

typedef struct
{
  const char *db_path;
} ObCliGlobals;

typedef int (*ObCliCommandFunc) (ObCliGlobals *globals,
                                 int           argc,
                                 char        **argv);

typedef struct
{
  const char       *name;
  const char       *synopsis;
  const char       *summary;
  ObCliCommandFunc  func;
} ObCliCommand;

static int cmd_status (ObCliGlobals *globals, int argc, char **argv);

static const ObCliCommand commands[] = {
  { "status", "status [--json]", N_("Show what the store holds"), cmd_status },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: outbound-cli [--db PATH] COMMAND [OPTIONS]"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-28s %s\n", commands[i].synopsis, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Options:"));
  fprintf (out, "  %-28s %s\n", "--db PATH", _("Use this database instead of the default one"));
  fprintf (out, "  %-28s %s\n", "-h, --help", _("Show this help"));
  fprintf (out, "  %-28s %s\n", "--version", _("Show the version"));
  fprintf (out, "\n%s\n", _("Exit status: 0 success, 1 failure (reason on stderr), 2 usage error."));
}

static int
usage_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format,
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

static int
failure (const GError *error)
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
static char *
status_to_json (const ObStoreCounts *c,
                const char          *path,
                int                  schema)
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
  ObStoreCounts counts = { 0 };
  gboolean as_json = FALSE;
  ObStore *store;

  for (int i = 1; i < argc; i++)
    {
      if (g_strcmp0 (argv[i], "--json") == 0)
        as_json = TRUE;
      else
        return usage_error (_("status: unknown option “%s”"), argv[i]);
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return failure (error);

  store = ob_engine_get_store (engine);
  if (!ob_store_get_counts (store, &counts, &error))
    return failure (error);

  if (as_json)
    {
      g_autofree char *text = status_to_json (&counts, ob_store_get_path (store),
                                              ob_store_get_version (store));
      fputs (text, stdout);
    }
  else
    print_status_text (&counts, ob_store_get_path (store));

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
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
            return usage_error (_("--db needs a path"));
          globals.db_path = argv[++i];
        }
      else if (g_str_has_prefix (arg, "--db="))
        {
          globals.db_path = arg + strlen ("--db=");
          if (globals.db_path[0] == '\0')
            return usage_error (_("--db needs a path"));
        }
      else if (arg[0] == '-')
        return usage_error (_("unknown option “%s”"), arg);
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

  return usage_error (_("unknown command “%s”"), argv[i]);
}
