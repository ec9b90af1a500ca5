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
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixoutputstream.h>

#include "ob-classify.h"
#include "ob-classify-store.h"
#include "ob-dnc.h"
#include "ob-engine.h"
#include "ob-export.h"
#include "ob-import.h"
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
static int cmd_import (ObCliGlobals *globals, int argc, char **argv);
static int cmd_export (ObCliGlobals *globals, int argc, char **argv);
static int cmd_block (ObCliGlobals *globals, int argc, char **argv);
static int cmd_classify (ObCliGlobals *globals, int argc, char **argv);

static const ObCliCommand commands[] = {
  { "status", "status [--json]", N_("Show what the store holds"), cmd_status },
  { "import", "import FILE [OPTIONS]", N_("Import prospects from a CSV file"), cmd_import },
  { "export", "export [--campaign NAME] [--status S]",
    N_("Write prospects as CSV to standard output"), cmd_export },
  { "block", "block add|remove|list [ADDR|@DOMAIN]",
    N_("Manage the do-not-contact list"), cmd_block },
  { "classify", "classify [--json] FILE.eml...",
    N_("Tell replies, auto-replies, bounces and opt-outs apart"), cmd_classify },
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

/* --name VALUE or --name=VALUE; advances *i past a separate value. */
static gboolean
option_value (int          argc,
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

      if (option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("import: --campaign needs a name"));
          campaign = value;
        }
      else if (option_value (argc, argv, &i, "--tag", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("import: --tag needs a tag"));
          g_ptr_array_add (tags, (char *) value);
        }
      else if (option_value (argc, argv, &i, "--map", &value))
        {
          const char *equals = value != NULL ? strrchr (value, '=') : NULL;

          if (equals == NULL || equals == value || equals[1] == '\0')
            return usage_error (_("import: --map needs COLUMN=FIELD"));
          g_ptr_array_add (maps, (char *) value);
        }
      else if (option_value (argc, argv, &i, "--delimiter", &value))
        {
          if (!parse_delimiter (value, &delimiter))
            return usage_error (_("import: --delimiter needs one character (or tab)"));
        }
      else if (option_value (argc, argv, &i, "--encoding", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("import: --encoding needs an encoding name"));
          encoding = value;
        }
      else if (g_strcmp0 (argv[i], "--dry-run") == 0)
        dry_run = TRUE;
      else if (g_strcmp0 (argv[i], "--json") == 0)
        as_json = TRUE;
      else if (g_strcmp0 (argv[i], "--no-search-index") == 0)
        search_index = FALSE;
      else if (argv[i][0] == '-' && argv[i][1] != '\0')
        return usage_error (_("import: unknown option “%s”"), argv[i]);
      else if (file == NULL)
        file = argv[i];
      else
        return usage_error (_("import: only one file at a time"));
    }

  if (file == NULL)
    return usage_error (_("import: which file?"));

  db_path = globals->db_path != NULL ? g_strdup (globals->db_path) : ob_store_default_path ();
  import = ob_import_new (db_path, file);

  if (encoding != NULL && !ob_import_set_encoding (import, encoding, &error))
    return usage_error ("%s", error->message);
  ob_import_set_delimiter (import, delimiter);
  for (guint i = 0; i < maps->len; i++)
    {
      g_autofree char *column = g_strdup (g_ptr_array_index (maps, i));
      char *field = strrchr (column, '=');

      *field++ = '\0';
      if (!ob_import_map_column (import, column, field, &error))
        return usage_error ("%s", error->message);
    }
  for (guint i = 0; i < tags->len; i++)
    ob_import_add_tag (import, g_ptr_array_index (tags, i));
  ob_import_set_campaign (import, campaign);
  ob_import_set_dry_run (import, dry_run);
  ob_import_set_index_for_search (import, search_index);

  report = ob_import_run (import, NULL, &error);
  if (report == NULL)
    return failure (error);

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

      if (option_value (argc, argv, &i, "--campaign", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("export: --campaign needs a name"));
          options.campaign = value;
        }
      else if (option_value (argc, argv, &i, "--status", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("export: --status needs a status"));
          options.status = value;
        }
      else
        return usage_error (_("export: unknown option “%s”"), argv[i]);
    }

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return failure (error);

  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (!ob_export_write (ob_engine_get_store (engine), &options, out, NULL, NULL, &error))
    {
      if (g_error_matches (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_STATUS))
        return usage_error ("%s", error->message);
      return failure (error);
    }

  return EXIT_OK;
}

static int
block_list (ObStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = ob_dnc_list (store, &error);

  if (entries == NULL)
    return failure (error);

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
    return usage_error (_("block: add, remove, list or import?"));

  for (int i = 3; i < argc; i++)
    {
      const char *value;

      if (g_strcmp0 (action, "add") == 0 && option_value (argc, argv, &i, "--reason", &value))
        {
          if (value == NULL)
            return usage_error (_("block: --reason needs a text"));
          reason = value;
        }
      else
        return usage_error (_("block: unexpected “%s”"), argv[i]);
    }

  if (g_strcmp0 (action, "list") == 0)
    {
      if (target != NULL)
        return usage_error (_("block: unexpected “%s”"), target);
    }
  else if (g_strcmp0 (action, "add") == 0 || g_strcmp0 (action, "remove") == 0 ||
           g_strcmp0 (action, "import") == 0)
    {
      if (target == NULL)
        return usage_error (g_strcmp0 (action, "import") == 0
                            ? _("block import: which file?")
                            : _("block: which address or @domain?"));
      if (g_strcmp0 (action, "import") != 0 && !ob_dnc_parse (target, NULL, NULL, &error))
        return usage_error ("%s", error->message);
    }
  else
    return usage_error (_("block: unknown action “%s”"), action);

  engine = ob_engine_new (globals->db_path, &error);
  if (engine == NULL)
    return failure (error);
  store = ob_engine_get_store (engine);

  if (g_strcmp0 (action, "list") == 0)
    return block_list (store);

  if (g_strcmp0 (action, "add") == 0)
    {
      if (!ob_dnc_add (store, target, reason, &changed, &error))
        return failure (error);
      printf (changed ? _("Blocked %s\n") : _("%s was already blocked\n"), target);
    }
  else if (g_strcmp0 (action, "remove") == 0)
    {
      if (!ob_dnc_remove (store, target, &changed, &error))
        return failure (error);
      if (!changed)
        {
          g_set_error (&error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID,
                       _("%s is not on the do-not-contact list"), target);
          return failure (error);
        }
      printf (_("Unblocked %s\n"), target);
    }
  else
    {
      g_auto(ObDncImportResult) result = { 0, };

      if (!ob_dnc_import_csv (store, target, NULL, NULL, &result, &error))
        return failure (error);
      printf (_("%lld added, %lld already listed, %lld invalid\n"), (long long) result.added,
              (long long) result.already_listed, (long long) result.invalid);
      for (guint i = 0; i < result.invalid_lines->len; i++)
        printf (_("line %lld: not an address or domain\n"),
                (long long) g_array_index (result.invalid_lines, guint64, i));
    }

  return fflush (stdout) == 0 ? EXIT_OK : EXIT_FAILURE_;
}

/* ---- classify ------------------------------------------------------------ */

/* What `classify` reads of a file: far more than the classifier needs
 * (headers + 64 KiB), far less than a mailbox someone passes by mistake. */
#define CLASSIFY_MAX_FILE (8 * 1024 * 1024)

/* Without a store: a tester's sample answers one of our messages by design */
static gboolean
classify_any_message_id (const char       *message_id,
                         ObClassifyTarget *out,
                         gpointer          user_data)
{
  return TRUE;
}

/* The second column: our Message-ID, the recipient of a bounce or a
 * complaint, or the sender; "-" for nothing. */
static char *
classify_matched (const ObClassifyVerdict *v)
{
  gboolean report = v->kind == OB_CLASSIFY_BOUNCE_HARD || v->kind == OB_CLASSIFY_BOUNCE_SOFT ||
                    v->kind == OB_CLASSIFY_COMPLAINT;

  if (report && v->address != NULL)
    return g_strdup (v->address);
  if (v->match == OB_CLASSIFY_MATCH_MESSAGE_ID && v->message_id != NULL)
    return g_strdup_printf ("<%s>", v->message_id);
  if (v->kind != OB_CLASSIFY_UNRELATED && v->address != NULL)
    return g_strdup (v->address);
  return g_strdup ("-");
}

static void
print_classify_line (const char              *file,
                     gboolean                 with_name,
                     const ObClassifyVerdict *v)
{
  g_autofree char *matched = classify_matched (v);
  GString *line = g_string_new (NULL);

  if (with_name)
    g_string_append_printf (line, "%s: ", file);
  g_string_append_printf (line, "%s %s", ob_classify_kind_to_string (v->kind), matched);
  if (v->status != NULL)
    g_string_append_printf (line, " status=%s", v->status);
  if (g_date_valid (&v->return_date))
    g_string_append_printf (line, " return=%04d-%02d-%02d", g_date_get_year (&v->return_date),
                            g_date_get_month (&v->return_date), g_date_get_day (&v->return_date));
  if (v->message_id != NULL && matched[0] != '<')
    g_string_append_printf (line, " message-id=<%s>", v->message_id);
  printf ("%s\n", line->str);
  g_string_free (line, TRUE);
}

/* The keys are documented in README.md: keep them stable. */
static void
write_classify_json (ObJsonWriter            *json,
                     const char              *file,
                     const ObClassifyVerdict *v)
{
  g_autofree char *date = NULL;

  if (g_date_valid (&v->return_date))
    date = g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&v->return_date),
                            g_date_get_month (&v->return_date), g_date_get_day (&v->return_date));

  ob_json_writer_begin_object (json, NULL);
  ob_json_writer_string (json, "file", file);
  ob_json_writer_string (json, "verdict", ob_classify_kind_to_string (v->kind));
  ob_json_writer_string (json, "match", ob_classify_match_to_string (v->match));
  ob_json_writer_string (json, "message_id", v->message_id);
  ob_json_writer_string (json, "address", v->address);
  ob_json_writer_string (json, "status", v->status);
  ob_json_writer_string (json, "diagnostic", v->diagnostic);
  ob_json_writer_string (json, "return_date", date);
  ob_json_writer_string (json, "from", v->from_addr);
  ob_json_writer_string (json, "subject", v->subject);
  ob_json_writer_string (json, "reason", v->reason);
  ob_json_writer_string (json, "snippet", v->snippet);
  ob_json_writer_begin_object (json, "store");
  ob_json_writer_int (json, "send_id", v->target.send_id);
  ob_json_writer_int (json, "enrollment_id", v->target.enrollment_id);
  ob_json_writer_int (json, "prospect_id", v->target.prospect_id);
  ob_json_writer_end_object (json);
  ob_json_writer_end_object (json);
}

static GBytes *
read_message_file (const char  *path,
                   GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);
  g_autoptr(GBytes) bytes = NULL;

  if (stream == NULL)
    return NULL;
  bytes = g_input_stream_read_bytes (G_INPUT_STREAM (stream), CLASSIFY_MAX_FILE, NULL, error);
  if (bytes == NULL)
    return NULL;
  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is empty"));
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

static int
cmd_classify (ObCliGlobals  *globals,
              int            argc,
              char         **argv)
{
  static const ObClassifyLookup no_store_lookup = {
    .find_sent = classify_any_message_id,
  };
  const ObClassifyLookup *lookup = &no_store_lookup;
  g_autoptr(ObClassifyStore) store_lookup = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(ObJsonWriter) json = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *db_path = globals->db_path;
  gboolean as_json = FALSE;
  gboolean options_done = FALSE;
  int status = EXIT_OK;

  for (int i = 1; i < argc; i++)
    {
      const char *value;

      if (!options_done && g_strcmp0 (argv[i], "--") == 0)
        options_done = TRUE;
      else if (!options_done && g_strcmp0 (argv[i], "--json") == 0)
        as_json = TRUE;
      else if (!options_done && option_value (argc, argv, &i, "--db", &value))
        {
          if (value == NULL || value[0] == '\0')
            return usage_error (_("--db needs a path"));
          db_path = value;
        }
      else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0')
        return usage_error (_("classify: unknown option “%s”"), argv[i]);
      else
        g_ptr_array_add (files, argv[i]);
    }

  if (files->len == 0)
    return usage_error (_("classify: which files?"));

  if (db_path != NULL)
    {
      /* Only read: a path that holds no store is an error, not a new store */
      if (!g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("No database at “%s”"), db_path);
          return failure (error);
        }
      store = ob_store_open (db_path, &error);
      if (store == NULL)
        return failure (error);
      /* Files come from no particular mailbox: any account's */
      store_lookup = ob_classify_store_new (store, 0);
      lookup = ob_classify_store_get_lookup ();
    }

  if (as_json)
    {
      json = ob_json_writer_new (TRUE);
      ob_json_writer_begin_array (json, NULL);
    }

  for (guint f = 0; f < files->len; f++)
    {
      const char *path = g_ptr_array_index (files, f);
      g_autoptr(GBytes) bytes = read_message_file (path, &error);
      g_autoptr(ObClassifyVerdict) verdict = NULL;

      if (bytes != NULL)
        verdict = ob_classify_message (bytes, now, lookup, store_lookup, &error);
      if (verdict == NULL)
        {
          g_autofree char *line = g_strdup (error->message);

          g_strdelimit (line, "\r\n", ' ');
          fprintf (stderr, "outbound-cli: %s: %s\n", path, line);
          if (json != NULL)
            {
              ob_json_writer_begin_object (json, NULL);
              ob_json_writer_string (json, "file", path);
              ob_json_writer_string (json, "error", line);
              ob_json_writer_end_object (json);
            }
          g_clear_error (&error);
          status = EXIT_FAILURE_;
          continue;
        }

      if (json != NULL)
        write_classify_json (json, path, verdict);
      else
        print_classify_line (path, files->len > 1, verdict);
    }

  if (json != NULL)
    {
      g_autofree char *text = NULL;

      ob_json_writer_end_array (json);
      text = ob_json_writer_finish (g_steal_pointer (&json));
      fputs (text, stdout);
    }

  if (fflush (stdout) != 0)
    return EXIT_FAILURE_;
  return status;
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
