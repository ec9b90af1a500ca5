/* ob-cli-classify.c: `outbound-cli classify`, the reply classifier on files
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The output format and the --json keys are documented in README.md: keep
 * them stable.
 */

#define G_LOG_DOMAIN "outbound-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "ob-classify.h"
#include "ob-classify-store.h"
#include "ob-json.h"
#include "ob-store.h"

#include "ob-cli.h"

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

/* "-" is standard input. At most CLASSIFY_MAX_FILE bytes, read until the
 * end (a pipe gives its data in pieces). */
static GBytes *
read_message_file (const char  *path,
                   GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();

  if (g_str_equal (path, "-"))
    stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      stream = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (stream == NULL)
        return NULL;
    }

  while (data->len < CLASSIFY_MAX_FILE)
    {
      gsize chunk = MIN (64 * 1024, CLASSIFY_MAX_FILE - data->len);
      gsize old_len = data->len;
      gsize n = 0;

      g_byte_array_set_size (data, old_len + chunk);
      if (!g_input_stream_read_all (stream, data->data + old_len, chunk, &n, NULL, error))
        return NULL;
      g_byte_array_set_size (data, old_len + n);
      if (n < chunk)
        break;
    }
  if (data->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is empty"));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

int
ob_cli_cmd_classify (ObCliGlobals  *globals,
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
      else if (!options_done && ob_cli_option_value (argc, argv, &i, "--db", &value))
        {
          if (value == NULL || value[0] == '\0')
            return ob_cli_usage_error (_("--db needs a path"));
          db_path = value;
        }
      else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0')
        return ob_cli_usage_error (_("classify: unknown option “%s”"), argv[i]);
      else
        g_ptr_array_add (files, argv[i]);
    }

  if (files->len == 0)
    return ob_cli_usage_error (_("classify: which files?"));

  if (db_path != NULL)
    {
      /* Only read: a path that holds no store is an error, not a new store */
      if (!g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("No database at “%s”"), db_path);
          return ob_cli_failure (error);
        }
      store = ob_store_open (db_path, &error);
      if (store == NULL)
        return ob_cli_failure (error);
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
