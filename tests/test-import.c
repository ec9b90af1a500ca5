/* test-import.c: importing prospects from CSV, and exporting them back
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files come from tests/data/csv (see make-fixtures.py there) or are written
 * by the test. "The store is unchanged" is checked by comparing a dump of
 * every table, the schema included, before and after.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ob-dnc.h"
#include "ob-export.h"
#include "ob-import.h"
#include "ob-prospects.h"
#include "testlib.h"

typedef struct
{
  char    *dir;
  char    *db;
  ObStore *store;     /* the test's own connection */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (f->db, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "csv", name, NULL);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents,
            gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
exec (Fixture    *f,
      const char *sql)
{
  g_autoptr(GError) error = NULL;

  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

  g_assert_no_error (error);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static void
assert_query_text (Fixture    *f,
                   const char *sql,
                   const char *expected)
{
  g_autofree char *text = query_text (f, sql);

  g_assert_cmpstr (text, ==, expected);
}

/* Every row of every table and the schema, as text. */
static char *
dump_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) tables = NULL;
  GString *out = g_string_new (NULL);

  tables = ob_store_prepare (f->store,
                             "SELECT name, type, sql FROM sqlite_schema ORDER BY type, name", &error);
  g_assert_no_error (error);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (tables, 0);
      const char *type = (const char *) sqlite3_column_text (tables, 1);
      const char *sql = (const char *) sqlite3_column_text (tables, 2);
      g_autoptr(sqlite3_stmt) rows = NULL;
      g_autofree char *select = NULL;
      int n;

      g_string_append_printf (out, "%s %s: %s\n", type, name, sql != NULL ? sql : "");
      if (strcmp (type, "table") != 0 || (sql != NULL && g_str_has_prefix (sql, "CREATE VIRTUAL")))
        continue;

      select = g_strdup_printf ("SELECT * FROM \"%s\"", name);
      rows = ob_store_prepare (f->store, select, &error);
      g_assert_no_error (error);
      n = sqlite3_column_count (rows);
      g_clear_pointer (&rows, sqlite3_finalize);
      {
        GString *order = g_string_new (select);

        g_string_append (order, " ORDER BY 1");
        for (int c = 2; c <= n; c++)
          g_string_append_printf (order, ", %d", c);
        rows = ob_store_prepare (f->store, order->str, &error);
        g_string_free (order, TRUE);
        g_assert_no_error (error);
      }

      while (sqlite3_step (rows) == SQLITE_ROW)
        {
          for (int c = 0; c < n; c++)
            {
              if (sqlite3_column_type (rows, c) == SQLITE_BLOB)
                {
                  const guchar *blob = sqlite3_column_blob (rows, c);

                  for (int b = 0; b < sqlite3_column_bytes (rows, c); b++)
                    g_string_append_printf (out, "%02x", blob[b]);
                }
              else
                {
                  const char *text = (const char *) sqlite3_column_text (rows, c);

                  g_string_append (out, text != NULL ? text : "NULL");
                }
              g_string_append_c (out, '|');
            }
          g_string_append_c (out, '\n');
        }
    }

  return g_string_free (out, FALSE);
}

static ObImportReport *
import_file (Fixture    *f,
             const char *path,
             ObImport  **out_import)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = ob_import_new (f->db, path);
  ObImportReport *report = ob_import_run (import, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  if (out_import != NULL)
    *out_import = g_steal_pointer (&import);
  return report;
}

static void
assert_counts_add_up (const ObImportReport *report)
{
  guint64 by_reason = 0;

  for (ObImportSkip r = 0; r < OB_IMPORT_N_SKIPS; r++)
    by_reason += report->skipped_by_reason[r];
  g_assert_cmpuint (by_reason, ==, report->skipped);
  g_assert_cmpuint (report->imported + report->updated + report->unchanged + report->skipped, ==,
                    report->rows);
  if (!report->skipped_rows_truncated)
    g_assert_cmpuint (report->skipped_rows->len, ==, report->skipped);
  for (guint i = 1; i < report->skipped_rows->len; i++)
    g_assert_cmpuint (g_array_index (report->skipped_rows, ObImportSkippedRow, i - 1).line, <,
                      g_array_index (report->skipped_rows, ObImportSkippedRow, i).line);
}

static const ObImportSkippedRow *
skipped_row (const ObImportReport *report,
             guint                 index)
{
  g_assert_cmpuint (index, <, report->skipped_rows->len);
  return &g_array_index (report->skipped_rows, ObImportSkippedRow, index);
}

/* ---------------------------------------------------------------------------
 * The corpus
 */

/* What importing each file of tests/data/csv gives: with the automatic
 * mapping, then (when that finds no email column) with the first column
 * mapped to email, so that every shape goes through the importer. */
typedef struct
{
  const char *file;
  int         auto_error;        /* OB_IMPORT_ERROR_*, or -1 for success */
  const char *force_column;      /* NULL: no second import */
  int         error;             /* of the import that counts */
  guint64     rows;
  guint64     imported;
  guint64     invalid;
  guint64     missing;
  guint64     bad_rows;
  guint64     duplicates;
  guint64     error_line;        /* a fatal error's line, in its message */
} CorpusCase;

static const CorpusCase corpus[] = {
  { "blank-lines.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 2, 0, 2 },
  { "bom-utf8.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 1, 0, 1 },
  { "chunk-boundaries.csv", OB_IMPORT_ERROR_MAPPING, "h1", -1, 4, 0, 4 },
  { "comma-semicolons-quoted.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 2, 0, 2 },
  { "cr-only.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 2, 0, 2 },
  { "empty-last-field.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 2, 0, 2 },
  { "empty.csv", OB_IMPORT_ERROR_EMPTY, NULL, OB_IMPORT_ERROR_EMPTY },
  { "header-only-no-newline.csv", -1, NULL, -1, 0, 0 },
  { "header-only.csv", -1, NULL, -1, 0, 0 },
  { "import-dedupe.csv", -1, NULL, -1, 4, 2, 0, 0, 0, 2 },
  { "import-english.csv", -1, NULL, -1, 3, 3 },
  { "import-full-name.csv", -1, NULL, -1, 3, 3 },
  { "import-hostile.csv", -1, NULL, -1, 6, 2, 1, 0, 3 },
  { "import-idn.csv", -1, NULL, -1, 3, 2, 0, 0, 0, 1 },
  { "import-no-email.csv", OB_IMPORT_ERROR_MAPPING, "company", -1, 1, 0, 1 },
  { "import-polish.csv", -1, NULL, -1, 2, 2 },
  { "import-unterminated.csv", -1, NULL, OB_IMPORT_ERROR_FILE, .error_line = 3 },
  { "iso-8859-2-polish.csv", OB_IMPORT_ERROR_MAPPING, "imię", -1, 2, 0, 2 },
  { "lenient-quotes.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 2, 0, 2 },
  { "long-field.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 3, 0, 3 },
  { "mixed-line-ends.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 4, 0, 4 },
  { "no-trailing-newline.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 1, 0, 1 },
  { "nul-byte.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 5, 0, 3, 0, 2 },
  { "pipe.csv", OB_IMPORT_ERROR_MAPPING, "id", -1, 2, 0, 2 },
  { "quoted-newline.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 3, 0, 3 },
  { "quoted.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 2, 0, 1, 1 },
  { "ragged.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 3, 0, 1, 0, 2 },
  { "semicolon.csv", OB_IMPORT_ERROR_MAPPING, "Name", -1, 2, 0, 2 },
  { "simple.csv", -1, NULL, -1, 2, 2 },
  { "tab.tsv", -1, NULL, -1, 2, 2 },
  { "unterminated-quote.csv", OB_IMPORT_ERROR_MAPPING, "a", OB_IMPORT_ERROR_FILE, .error_line = 3 },
  { "utf16be-bom.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 3, 0, 3 },
  { "utf16le-bom.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 3, 0, 3 },
  { "utf8-invalid.csv", OB_IMPORT_ERROR_MAPPING, "name", -1, 2, 0, 2 },
  { "whitespace.csv", OB_IMPORT_ERROR_MAPPING, "a", -1, 1, 0, 1 },
  { "windows-1250-czech.csv", OB_IMPORT_ERROR_MAPPING, "jméno", -1, 3, 0, 3 },
  { "windows-1250-polish.csv", OB_IMPORT_ERROR_MAPPING, "imię", -1, 3, 0, 3 },
  { "windows-1252-pounds.csv", OB_IMPORT_ERROR_MAPPING, "item", -1, 2, 0, 2 },
  { "windows-1252-western.csv", OB_IMPORT_ERROR_MAPPING, "first", -1, 3, 0, 3 },
};

static void
run_corpus_case (const CorpusCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-import-corpus-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "outbound.db", NULL);
  g_autofree char *path = fixture_path (c->file);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autoptr(ObImportReport) report = NULL;
  Fixture f = { dir, db, NULL };

  g_assert_no_error (error);
  f.store = ob_store_open (db, &error);
  g_assert_no_error (error);
  before = dump_store (&f);

  import = ob_import_new (db, path);
  report = ob_import_run (import, NULL, &error);
  if (c->auto_error >= 0)
    {
      g_assert_error (error, OB_IMPORT_ERROR, c->auto_error);
      g_assert_null (report);
      g_clear_error (&error);
      g_clear_object (&import);

      if (c->force_column != NULL)
        {
          import = ob_import_new (db, path);
          g_assert_true (ob_import_map_column (import, c->force_column, "email", &error));
          report = ob_import_run (import, NULL, &error);
        }
    }

  if (c->error >= 0)
    {
      if (c->auto_error < 0 || c->force_column != NULL)
        {
          g_assert_error (error, OB_IMPORT_ERROR, c->error);
          g_assert_null (report);
        }
      if (c->error_line > 0)
        {
          g_autofree char *line = g_strdup_printf ("Line %" G_GUINT64_FORMAT ":", c->error_line);

          g_assert_nonnull (strstr (error->message, line));
          g_assert_nonnull (strstr (error->message, c->file));
        }
      after = dump_store (&f);
      g_assert_cmpstr (before, ==, after);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_nonnull (report);
      assert_counts_add_up (report);
      g_assert_cmpuint (report->rows, ==, c->rows);
      g_assert_cmpuint (report->imported, ==, c->imported);
      g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_INVALID_EMAIL], ==, c->invalid);
      g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_MISSING_EMAIL], ==, c->missing);
      g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_BAD_ROW], ==, c->bad_rows);
      g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_DUPLICATE_IN_FILE], ==,
                        c->duplicates);
      g_assert_cmpint (query_int (&f, "SELECT count(*) FROM prospects"), ==, c->imported);
      assert_query_text (&f, "PRAGMA integrity_check", "ok");
    }

  g_clear_object (&f.store);
  remove_tree (dir);
}

static void
test_corpus (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "csv", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n_files = 0;

  g_assert_nonnull (dir);

  /* Every file of the corpus has its expected outcome here */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean listed = FALSE;

      if (!g_str_has_suffix (name, ".csv") && !g_str_has_suffix (name, ".tsv"))
        continue;
      n_files++;
      for (guint i = 0; i < G_N_ELEMENTS (corpus); i++)
        listed |= strcmp (corpus[i].file, name) == 0;
      if (!listed)
        g_error ("%s has no expected import outcome in test-import.c", name);
    }
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (corpus));

  for (guint i = 0; i < G_N_ELEMENTS (corpus); i++)
    {
      g_test_message ("%s", corpus[i].file);
      run_corpus_case (&corpus[i]);
    }
}

/* ---------------------------------------------------------------------------
 * Mapping
 */

static const ObImportColumn *
column_at (GPtrArray *mapping,
           guint      index)
{
  g_assert_cmpuint (index, <, mapping->len);
  return g_ptr_array_index (mapping, index);
}

static void
assert_column (GPtrArray     *mapping,
               guint          index,
               ObImportField  field,
               const char    *custom_key)
{
  const ObImportColumn *column = column_at (mapping, index);

  g_test_message ("column %u “%s”", index, column->header);
  g_assert_cmpint (column->field, ==, field);
  g_assert_cmpstr (column->custom_key, ==, custom_key);
}

static void
test_guess_mapping (void)
{
  const char *english[] = {
    "Email", "First Name", "Surname", "Company Name", "Job Title", "Time Zone", "LinkedIn URL",
    "E-mail Address", "Notes", "notes", "", "Name", NULL,
  };
  const char *polish[] = {
    "Adres e-mail", "Imię", "Nazwisko", "Nazwa firmy", "Stanowisko", "Strefa czasowa",
    "Imię i nazwisko", "Miasto", NULL,
  };
  const char *full_name[] = { " Full Name ", "MAIL", "Organization", "Position", "tags", NULL };
  const char *variants[] = {
    "EMAIL_ADDRESS", "given-name", "family name", "Account Name", "title", "timezone", "e-mail",
    "Firma", "email", "domain", "my_name", NULL,
  };
  g_autoptr(GPtrArray) mapping = NULL;

  mapping = ob_import_guess_mapping (english);
  g_assert_cmpuint (mapping->len, ==, 12);
  assert_column (mapping, 0, OB_IMPORT_FIELD_EMAIL, NULL);
  assert_column (mapping, 1, OB_IMPORT_FIELD_FIRST_NAME, NULL);
  assert_column (mapping, 2, OB_IMPORT_FIELD_LAST_NAME, NULL);
  assert_column (mapping, 3, OB_IMPORT_FIELD_COMPANY, NULL);
  assert_column (mapping, 4, OB_IMPORT_FIELD_TITLE, NULL);
  assert_column (mapping, 5, OB_IMPORT_FIELD_TIMEZONE, NULL);
  assert_column (mapping, 6, OB_IMPORT_FIELD_CUSTOM, "linkedin_url");
  /* A second email column is a custom field; names stay unique */
  assert_column (mapping, 7, OB_IMPORT_FIELD_CUSTOM, "e_mail_address");
  assert_column (mapping, 8, OB_IMPORT_FIELD_CUSTOM, "notes");
  assert_column (mapping, 9, OB_IMPORT_FIELD_CUSTOM, "notes_2");
  assert_column (mapping, 10, OB_IMPORT_FIELD_CUSTOM, "column_11");
  /* First and last name columns exist: "Name" is just a field */
  assert_column (mapping, 11, OB_IMPORT_FIELD_CUSTOM, "name");
  g_clear_pointer (&mapping, g_ptr_array_unref);

  mapping = ob_import_guess_mapping (polish);
  assert_column (mapping, 0, OB_IMPORT_FIELD_EMAIL, NULL);
  assert_column (mapping, 1, OB_IMPORT_FIELD_FIRST_NAME, NULL);
  assert_column (mapping, 2, OB_IMPORT_FIELD_LAST_NAME, NULL);
  assert_column (mapping, 3, OB_IMPORT_FIELD_COMPANY, NULL);
  assert_column (mapping, 4, OB_IMPORT_FIELD_TITLE, NULL);
  assert_column (mapping, 5, OB_IMPORT_FIELD_TIMEZONE, NULL);
  assert_column (mapping, 6, OB_IMPORT_FIELD_CUSTOM, "imię_i_nazwisko");
  assert_column (mapping, 7, OB_IMPORT_FIELD_CUSTOM, "miasto");
  g_clear_pointer (&mapping, g_ptr_array_unref);

  mapping = ob_import_guess_mapping (full_name);
  assert_column (mapping, 0, OB_IMPORT_FIELD_FULL_NAME, NULL);
  assert_column (mapping, 1, OB_IMPORT_FIELD_EMAIL, NULL);
  assert_column (mapping, 2, OB_IMPORT_FIELD_COMPANY, NULL);
  assert_column (mapping, 3, OB_IMPORT_FIELD_TITLE, NULL);
  assert_column (mapping, 4, OB_IMPORT_FIELD_TAGS, NULL);
  g_clear_pointer (&mapping, g_ptr_array_unref);

  mapping = ob_import_guess_mapping (variants);
  assert_column (mapping, 0, OB_IMPORT_FIELD_EMAIL, NULL);
  assert_column (mapping, 1, OB_IMPORT_FIELD_FIRST_NAME, NULL);
  assert_column (mapping, 2, OB_IMPORT_FIELD_LAST_NAME, NULL);
  assert_column (mapping, 3, OB_IMPORT_FIELD_COMPANY, NULL);
  assert_column (mapping, 4, OB_IMPORT_FIELD_TITLE, NULL);
  assert_column (mapping, 5, OB_IMPORT_FIELD_TIMEZONE, NULL);
  assert_column (mapping, 6, OB_IMPORT_FIELD_CUSTOM, "e_mail");
  assert_column (mapping, 7, OB_IMPORT_FIELD_CUSTOM, "firma");
  /* Would hide the built-in merge fields of the same names */
  assert_column (mapping, 8, OB_IMPORT_FIELD_CUSTOM, "email_2");
  assert_column (mapping, 9, OB_IMPORT_FIELD_CUSTOM, "domain_2");
  assert_column (mapping, 10, OB_IMPORT_FIELD_CUSTOM, "my_name_2");
}

static void
test_mapping_set (void)
{
  const char *header[] = { "Email", "Work Email", "Name", "Notes", "Ignored", NULL };
  g_autoptr(GPtrArray) mapping = ob_import_guess_mapping (header);
  g_autoptr(GError) error = NULL;
  ObImportField field;
  char *key = NULL;

  /* Only one email column: the old one becomes a custom field */
  g_assert_true (ob_import_mapping_set (mapping, "work email", "email", &error));
  g_assert_no_error (error);
  assert_column (mapping, 0, OB_IMPORT_FIELD_CUSTOM, "email_2");
  assert_column (mapping, 1, OB_IMPORT_FIELD_EMAIL, NULL);

  g_assert_true (ob_import_mapping_set (mapping, "Notes", "Remarks for Rep", &error));
  assert_column (mapping, 3, OB_IMPORT_FIELD_CUSTOM, "remarks_for_rep");
  g_assert_true (ob_import_mapping_set (mapping, "Ignored", "ignore", &error));
  assert_column (mapping, 4, OB_IMPORT_FIELD_IGNORE, NULL);
  g_assert_true (ob_import_mapping_set (mapping, "Name", "First Name", &error));
  assert_column (mapping, 2, OB_IMPORT_FIELD_FIRST_NAME, NULL);

  g_assert_false (ob_import_mapping_set (mapping, "Phone", "custom", &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING);
  g_clear_error (&error);
  g_assert_false (ob_import_mapping_set (mapping, "Notes", " - ", &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING);
  g_clear_error (&error);

  g_assert_true (ob_import_field_parse ("skip", &field, &key, NULL));
  g_assert_cmpint (field, ==, OB_IMPORT_FIELD_IGNORE);
  g_assert_true (ob_import_field_parse ("Time-Zone", &field, &key, NULL));
  g_assert_cmpint (field, ==, OB_IMPORT_FIELD_TIMEZONE);
  g_assert_true (ob_import_field_parse ("Źródło", &field, &key, NULL));
  g_assert_cmpint (field, ==, OB_IMPORT_FIELD_CUSTOM);
  g_assert_cmpstr (key, ==, "źródło");
  g_free (key);
}

static void
test_english (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-english.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *ann = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *cid = NULL;

  g_assert_cmpuint (report->imported, ==, 3);
  g_assert_cmpstr (report->encoding, ==, "UTF-8");
  g_assert_cmpint (report->delimiter, ==, ',');
  g_assert_cmpuint (report->timezones_ignored, ==, 1);
  assert_counts_add_up (report);

  ann = query_text (f, "SELECT email || '|' || email_key || '|' || domain || '|' || first_name"
                       " || '|' || last_name || '|' || company || '|' || title || '|' || timezone"
                       " || '|' || fields || '|' || status FROM prospects WHERE id = 1");
  g_assert_cmpstr (ann, ==, "Ann.Smith@Acme.com|ann.smith@acme.com|acme.com|Ann|Smith|Acme|CEO|"
                            "Europe/Warsaw|{\"linkedin_url\":\"linkedin.com/in/ann\"}|active");
  /* An unknown time zone is left out; quotes survive in custom fields */
  bob = query_text (f, "SELECT timezone || '|' || fields FROM prospects WHERE id = 2");
  g_assert_cmpstr (bob, ==, "|{\"notes\":\"Met at a fair, liked \\\"demo\\\"\"}");
  cid = query_text (f, "SELECT fields FROM prospects WHERE id = 3");
  g_assert_cmpstr (cid, ==, "{\"notes\":\"two\\r\\nlines\"}");
  g_assert_cmpint (query_int (f, "SELECT json_extract (fields, '$.notes') = 'two' || char(13, 10) || 'lines'"
                                 " FROM prospects WHERE id = 3"), ==, 1);

  /* Tags from the Tags column */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM tags"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospect_tags"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospect_tags pt JOIN tags t ON t.id = pt.tag_id"
                                 " WHERE t.name = 'q1'"), ==, 2);
}

static void
test_polish (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-polish.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *row = NULL;

  g_assert_cmpuint (report->imported, ==, 2);
  g_assert_cmpstr (report->encoding, ==, "windows-1250");
  g_assert_cmpint (report->delimiter, ==, ';');
  row = query_text (f, "SELECT first_name || '|' || last_name || '|' || company || '|' || title"
                       " || '|' || timezone || '|' || fields FROM prospects WHERE id = 1");
  g_assert_cmpstr (row, ==, "Łukasz|Żółć|Firma Sp. z o.o.|Prezes zarządu|Europe/Warsaw|"
                            "{\"miasto\":\"Łódź\"}");
}

static void
test_full_name (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-full-name.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *names = NULL;

  g_assert_cmpuint (report->imported, ==, 3);
  names = query_text (f, "SELECT group_concat (first_name || '/' || last_name || '/' || company, ';')"
                         " FROM (SELECT * FROM prospects ORDER BY id)");
  g_assert_cmpstr (names, ==, "Jan/Maria Kowalski/Acme;Anna/Nowak/Acme;Cher//");
}

/* ---------------------------------------------------------------------------
 * Dedupe, do-not-contact, statuses, campaigns
 */

static void
test_dedupe_in_file (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-dedupe.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *ann = NULL;

  g_assert_cmpuint (report->rows, ==, 4);
  g_assert_cmpuint (report->imported, ==, 2);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_DUPLICATE_IN_FILE], ==, 2);
  g_assert_cmpuint (skipped_row (report, 0)->line, ==, 3);
  g_assert_cmpstr (skipped_row (report, 0)->detail, ==, "ANN@ACME.COM");
  g_assert_cmpuint (skipped_row (report, 1)->line, ==, 5);
  g_assert_cmpstr (skipped_row (report, 1)->detail, ==, "Ann@Acme.com");

  /* The first row as written, its empty fields filled by the later ones,
   * nothing overwritten */
  ann = query_text (f, "SELECT email || '|' || first_name || '|' || last_name || '|' || company"
                       " || '|' || fields FROM prospects WHERE email_key = 'ann@acme.com'");
  g_assert_cmpstr (ann, ==, "ann@acme.com|Ann|Smith|Acme|{\"city\":\"Warsaw\"}");
}

static void
test_dedupe_store (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = write_file (f, "update.csv",
                                      "email,first_name,last_name,company,title,city,phone\n"
                                      "ANN@acme.com,Annabel,Smith,,,Kraków,\n"
                                      "bob@acme.com,Bob,,,,,\n"
                                      "new@acme.com,New,,,,,\n"
                                      "eve@acme.com,Eve,Ever,,,,\n",
                                      -1);
  g_autoptr(ObImportReport) report = NULL;
  g_autofree char *ann = NULL;
  g_autofree char *bob = NULL;

  exec (f, "INSERT INTO prospects (email, email_key, domain, first_name, last_name, company,"
           " fields, status, updated_at) VALUES"
           " ('Ann@Acme.com', 'ann@acme.com', 'acme.com', 'Ann', '', 'Acme',"
           "  '{\"city\":\"\",\"phone\":\"123\"}', 'active', 1),"
           " ('bob@acme.com', 'bob@acme.com', 'acme.com', 'Bob', 'Brown', 'Acme', '{}', 'active', 1),"
           " ('eve@acme.com', 'eve@acme.com', 'acme.com', 'Eve', '', '', '{}', 'replied', 1)");

  report = import_file (f, path, NULL);
  g_assert_cmpuint (report->imported, ==, 1);
  g_assert_cmpuint (report->updated, ==, 1);
  g_assert_cmpuint (report->unchanged, ==, 1);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_ALREADY_REPLIED], ==, 1);
  assert_counts_add_up (report);

  /* Filled: the empty last name and city; kept: the first name, the
   * company (never blanked), the phone, the address as first written */
  ann = query_text (f, "SELECT email || '|' || first_name || '|' || last_name || '|' || company"
                       " || '|' || fields || '|' || status || '|' || (updated_at > 1)"
                       " FROM prospects WHERE email_key = 'ann@acme.com'");
  g_assert_cmpstr (ann, ==, "Ann@Acme.com|Ann|Smith|Acme|{\"city\":\"Kraków\",\"phone\":\"123\"}|active|1");
  bob = query_text (f, "SELECT last_name || '|' || updated_at FROM prospects WHERE email_key = 'bob@acme.com'");
  g_assert_cmpstr (bob, ==, "Brown|1");
  /* A replied prospect stays exactly as it was */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE email_key = 'eve@acme.com'"
                                 " AND last_name = '' AND status = 'replied' AND updated_at = 1"), ==, 1);
}

static void
test_do_not_contact (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = write_file (f, "dnc.csv",
                                      "email,company\n"
                                      "ann@blocked.example,A\n"
                                      "bob@ok.example,B\n"
                                      "CID@OK.example,C\n"
                                      "old@blocked.example,D\n"
                                      "user@bücher.example,E\n",
                                      -1);
  g_autoptr(ObImportReport) report = NULL;

  exec (f, "INSERT INTO prospects (email, email_key, domain, company, status) VALUES"
           " ('old@blocked.example', 'old@blocked.example', 'blocked.example', 'Old', 'active')");
  g_assert_true (ob_dnc_add (f->store, "@blocked.example", NULL, NULL, NULL));
  g_assert_true (ob_dnc_add (f->store, "cid@ok.example", NULL, NULL, NULL));
  g_assert_true (ob_dnc_add (f->store, "USER@xn--bcher-kva.example", NULL, NULL, NULL));

  report = import_file (f, path, NULL);
  g_assert_cmpuint (report->imported, ==, 1);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_DO_NOT_CONTACT], ==, 4);
  g_assert_cmpuint (skipped_row (report, 0)->line, ==, 2);
  g_assert_cmpuint (skipped_row (report, 1)->line, ==, 4);
  g_assert_cmpuint (skipped_row (report, 2)->line, ==, 5);
  g_assert_cmpuint (skipped_row (report, 3)->line, ==, 6);
  /* The prospect already stored stays as it was */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE company = 'Old'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 2);
}

static void
test_statuses (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = write_file (f, "statuses.csv",
                                      "email,company\nr@x.example,New\nb@x.example,New\no@x.example,New\n"
                                      "a@x.example,New\n",
                                      -1);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(ObImportReport) report = NULL;

  exec (f, "INSERT INTO prospects (email, email_key, domain, status) VALUES"
           " ('r@x.example', 'r@x.example', 'x.example', 'replied'),"
           " ('b@x.example', 'b@x.example', 'x.example', 'bounced'),"
           " ('o@x.example', 'o@x.example', 'x.example', 'opted_out')");
  before = query_text (f, "SELECT group_concat (email || status || company || updated_at) FROM prospects");

  report = import_file (f, path, NULL);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_ALREADY_REPLIED], ==, 1);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_ALREADY_BOUNCED], ==, 1);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_ALREADY_OPTED_OUT], ==, 1);
  g_assert_cmpuint (report->imported, ==, 1);
  after = query_text (f, "SELECT group_concat (email || status || company || updated_at) FROM prospects"
                         " WHERE id <= 3");
  g_assert_cmpstr (before, ==, after);
}

static void
test_campaign (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = write_file (f, "campaign.csv",
                                      "email\nbusy@x.example\nfree@x.example\nnew@x.example\n"
                                      "done@x.example\n",
                                      -1);
  g_autofree char *before = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autoptr(ObImportReport) report = NULL;

  exec (f, "INSERT INTO campaigns (id, name) VALUES (1, 'Q1'), (2, 'Q2');"
           "INSERT INTO prospects (id, email, email_key, domain) VALUES"
           " (1, 'busy@x.example', 'busy@x.example', 'x.example'),"
           " (2, 'free@x.example', 'free@x.example', 'x.example'),"
           " (3, 'done@x.example', 'done@x.example', 'x.example');"
           "INSERT INTO enrollments (campaign_id, prospect_id, state) VALUES"
           " (1, 1, 'active'), (1, 3, 'finished')");

  /* An unknown campaign: nothing happens */
  before = dump_store (f);
  import = ob_import_new (f->db, path);
  ob_import_set_campaign (import, "Nope");
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_CAMPAIGN);
  g_clear_error (&error);
  g_clear_object (&import);
  {
    g_autofree char *after = dump_store (f);

    g_assert_cmpstr (before, ==, after);
  }

  import = ob_import_new (f->db, path);
  ob_import_set_campaign (import, "Q2");
  report = ob_import_run (import, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_ACTIVE_IN_OTHER_CAMPAIGN], ==, 1);
  g_assert_cmpuint (skipped_row (report, 0)->line, ==, 2);
  g_assert_cmpuint (report->imported, ==, 1);
  /* free and done (finished elsewhere: not active) got an enrollment */
  g_assert_cmpuint (report->updated, ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE campaign_id = 2"
                                 " AND state = 'active' AND next_step = 1"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE prospect_id = 1"), ==, 1);
  assert_counts_add_up (report);
}

static void
test_tags (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *path = write_file (f, "tags.csv",
                                      "email,tags\nold@x.example,\"a, b\"\nnew@x.example,B\n"
                                      "new2@x.example,\n",
                                      -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autoptr(ObImportReport) report = NULL;

  exec (f, "INSERT INTO prospects (id, email, email_key, domain) VALUES"
           " (1, 'old@x.example', 'old@x.example', 'x.example');"
           "INSERT INTO tags (id, name) VALUES (1, 'Fair 2026')");

  import = ob_import_new (f->db, path);
  ob_import_add_tag (import, "fair 2026, Warm\nLead");
  report = ob_import_run (import, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->updated, ==, 1);
  g_assert_cmpuint (report->imported, ==, 2);
  g_assert_cmpstr (report->tags[0], ==, "fair 2026");
  g_assert_cmpstr (report->tags[1], ==, "Warm Lead");

  /* Names compare without case: no new "fair 2026", "b" is "B" */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM tags"), ==, 4);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospect_tags"), ==, 3 * 2 + 2 + 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospect_tags WHERE prospect_id = 1"), ==, 4);
}

/* ---------------------------------------------------------------------------
 * Transactions: dry run, cancel, failure
 */

static GString *
big_csv (guint rows)
{
  GString *csv = g_string_new ("Email,First Name,Last Name,Company,Notes\r\n");

  for (guint i = 0; i < rows; i++)
    g_string_append_printf (csv, "person%u@company%u.example,Zoë,Żółć %u,Company %u,"
                                 "\"note, with \"\"quotes\"\"\nand a new line\"\r\n",
                            i, i % 100, i, i % 100);
  return csv;
}

static void
test_dry_run (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-english.csv");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) dry = ob_import_new (f->db, path);
  g_autoptr(ObImport) real = NULL;
  g_autoptr(ObImportReport) dry_report = NULL;
  g_autoptr(ObImportReport) real_report = NULL;
  g_autofree char *dry_json = NULL;
  g_autofree char *real_json = NULL;

  exec (f, "INSERT INTO campaigns (name) VALUES ('Q1')");
  before = dump_store (f);

  ob_import_set_dry_run (dry, TRUE);
  ob_import_set_campaign (dry, "Q1");
  ob_import_add_tag (dry, "t");
  dry_report = ob_import_run (dry, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (dry_report->dry_run);
  g_assert_cmpuint (dry_report->imported, ==, 3);
  after = dump_store (f);
  g_assert_cmpstr (before, ==, after);

  /* The same report as the real thing */
  real = ob_import_new (f->db, path);
  ob_import_set_campaign (real, "Q1");
  ob_import_add_tag (real, "t");
  real_report = ob_import_run (real, NULL, &error);
  g_assert_no_error (error);
  dry_report->dry_run = FALSE;
  dry_report->import_usec = real_report->import_usec = 0;
  dry_report->index_usec = real_report->index_usec = 0;
  dry_report->search_indexed = real_report->search_indexed;
  dry_json = ob_import_report_to_json (dry_report);
  real_json = ob_import_report_to_json (real_report);
  g_assert_cmpstr (dry_json, ==, real_json);
}

static void
cancel_after_first_batch (const ObImportProgress *progress,
                          gpointer                user_data)
{
  if (progress->phase == OB_IMPORT_PHASE_READING && progress->rows > 0)
    g_cancellable_cancel (user_data);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GString) csv = big_csv (15000);
  g_autofree char *path = write_file (f, "big.csv", csv->str, csv->len);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ObImport) import = ob_import_new (f->db, path);

  exec (f, "INSERT INTO prospects (email, email_key, domain) VALUES ('a@b.example', 'a@b.example',"
           " 'b.example')");
  before = dump_store (f);

  ob_import_set_progress_func (import, cancel_after_first_batch, cancellable, NULL);
  g_assert_null (ob_import_run (import, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  after = dump_store (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_cancel_empty_store (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GString) csv = big_csv (15000);
  g_autofree char *path = write_file (f, "big.csv", csv->str, csv->len);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ObImport) import = ob_import_new (f->db, path);

  /* Into an empty store the secondary indexes are dropped first: the
   * rollback must bring them back */
  before = dump_store (f);
  ob_import_set_progress_func (import, cancel_after_first_batch, cancellable, NULL);
  g_assert_null (ob_import_run (import, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  after = dump_store (f);
  g_assert_cmpstr (before, ==, after);
  g_assert_nonnull (strstr (after, "index prospects_domain"));
}

static void
test_fatal_error (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GString) csv = big_csv (12000);
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autofree char *line = NULL;

  /* Three batches are written before the reader meets the open quote */
  g_string_append (csv, "late@x.example,\"never closed,x,y,z\r\n1,2,3,4,5\r\n");
  path = write_file (f, "broken.csv", csv->str, csv->len);
  before = dump_store (f);

  import = ob_import_new (f->db, path);
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE);
  line = g_strdup_printf ("Line %u:", 1 + 12000 * 2 + 1);
  g_assert_nonnull (strstr (error->message, line));
  g_assert_nonnull (strstr (error->message, "broken.csv"));
  g_clear_error (&error);
  g_clear_object (&import);

  after = dump_store (f);
  g_assert_cmpstr (before, ==, after);

  /* Bytes that are not the encoding forced on the file */
  g_free (path);
  path = write_file (f, "latin.csv", "email,name\na@x.example,Zo\xeb\n", -1);
  import = ob_import_new (f->db, path);
  g_assert_true (ob_import_set_encoding (import, "UTF-8", NULL));
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, "Line 2:"));
  g_clear_object (&import);
  g_clear_error (&error);

  import = ob_import_new (f->db, path);
  g_assert_false (ob_import_set_encoding (import, "no-such-encoding", &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE);
  g_clear_error (&error);

  g_clear_object (&import);
  import = ob_import_new (f->db, "/nonexistent/file.csv");
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/file.csv"));

  g_free (after);
  after = dump_store (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_not_a_store (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_path ("simple.csv");
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = ob_import_new (f->db, path);

  /* A file that is not a database: refused, left alone */
  g_clear_object (&f->store);
  g_remove (f->db);
  g_assert_true (g_file_set_contents (f->db, "shopping list", -1, NULL));
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE);
  g_file_get_contents (f->db, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, "shopping list");
}

/* ---------------------------------------------------------------------------
 * Values
 */

static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-hostile.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *ann = NULL;
  GString *huge = g_string_new ("email,notes\n");
  g_autofree char *huge_path = NULL;
  g_autoptr(ObImportReport) huge_report = NULL;

  g_assert_cmpuint (report->rows, ==, 6);
  g_assert_cmpuint (report->imported, ==, 2);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_INVALID_EMAIL], ==, 1);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_BAD_ROW], ==, 3);
  g_assert_cmpuint (skipped_row (report, 0)->line, ==, 4);
  g_assert_cmpint (skipped_row (report, 0)->reason, ==, OB_IMPORT_SKIP_INVALID_EMAIL);
  g_assert_cmpuint (skipped_row (report, 1)->line, ==, 6);
  g_assert_nonnull (strstr (skipped_row (report, 1)->detail, "NUL"));
  g_assert_cmpuint (skipped_row (report, 2)->line, ==, 7);
  g_assert_cmpstr (skipped_row (report, 2)->detail, ==, "Line 7: 5 fields where the header has 4");
  g_assert_cmpuint (skipped_row (report, 3)->line, ==, 8);

  /* One-line fields hold no CR, LF or control character; custom fields are
   * kept as they are, as valid JSON */
  ann = query_text (f, "SELECT first_name || '|' || company FROM prospects WHERE id = 1");
  g_assert_cmpstr (ann, ==, "Ann Bcc: evil@example.net|Acme Corp");
  g_assert_cmpint (query_int (f, "SELECT json_valid (fields) AND json_extract (fields, '$.notes') ="
                                 " 'back\\\\slash \"q\" ' || char (2) FROM prospects WHERE id = 1"), ==, 1);

  /* A field of 1 MiB is over the limit; just under it is kept */
  for (guint i = 0; i < 2; i++)
    {
      g_string_append_printf (huge, "big%u@x.example,\"", i);
      for (gsize n = 0; n < 1024 * 1024 - 1 + i * 2; n++)
        g_string_append_c (huge, n % 100 == 99 ? '\n' : 'x');
      g_string_append (huge, "\"\n");
    }
  huge_path = write_file (f, "huge.csv", huge->str, huge->len);
  g_string_free (huge, TRUE);
  huge_report = import_file (f, huge_path, NULL);
  g_assert_cmpuint (huge_report->imported, ==, 1);
  g_assert_cmpuint (huge_report->skipped_by_reason[OB_IMPORT_SKIP_BAD_ROW], ==, 1);
  g_assert_cmpuint (skipped_row (huge_report, 0)->line, ==, 2 + 1024 * 1024 / 100 + 1);
  g_assert_cmpint (query_int (f, "SELECT length (json_extract (fields, '$.notes')) FROM prospects"
                                 " WHERE email = 'big0@x.example'"), ==, 1024 * 1024 - 1);
}

static void
test_idn (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-idn.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *row = NULL;

  g_assert_cmpuint (report->imported, ==, 2);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_DUPLICATE_IN_FILE], ==, 1);
  row = query_text (f, "SELECT email || '|' || email_key || '|' || domain || '|' || first_name"
                       " FROM prospects WHERE id = 1");
  g_assert_cmpstr (row, ==, "user@bücher.example|user@xn--bcher-kva.example|xn--bcher-kva.example|Ünal");
}

/* ---------------------------------------------------------------------------
 * Export, and back
 */

static char *
export_all (Fixture               *f,
            const ObExportOptions *options,
            guint64               *rows)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (ob_export_write (f->store, options, out, NULL, rows, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The data of the prospects, without ids and times */
static char *
prospects_data (Fixture *f)
{
  return query_text (f, "SELECT group_concat (x, char (10)) FROM (SELECT email || '|' || email_key"
                        " || '|' || domain || '|' || first_name || '|' || last_name || '|' || company"
                        " || '|' || title || '|' || timezone || '|' || fields || '|' || status || '|'"
                        " || coalesce ((SELECT group_concat (t.name) FROM (SELECT t.name FROM"
                        " prospect_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.prospect_id = p.id"
                        " ORDER BY t.name) AS t), '') AS x FROM prospects AS p ORDER BY p.id)");
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *source = fixture_path ("import-english.csv");
  g_autofree char *first_export = NULL;
  g_autofree char *second_export = NULL;
  g_autofree char *first_data = NULL;
  g_autofree char *second_data = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *second_db = NULL;
  g_autoptr(ObImportReport) report = NULL;
  g_autoptr(ObImportReport) again = NULL;
  g_autoptr(ObImportReport) fresh = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImport) import = NULL;
  guint64 rows = 0;
  Fixture second = { f->dir, NULL, NULL };

  report = import_file (f, source, NULL);
  g_clear_pointer (&report, ob_import_report_free);
  {
    g_autofree char *more = write_file (f, "more.csv",
                                        "email,first_name,notes,Źródło,tags\n"
                                        "user@bücher.example,\"O'Neil, \"\"Jr\"\"\",\"a\r\nb\",targi,\"x, y\"\n"
                                        "plain@x.example,,,,\n",
                                        -1);

    report = import_file (f, more, NULL);
    g_assert_cmpuint (report->imported, ==, 2);
  }

  first_export = export_all (f, NULL, &rows);
  g_assert_cmpuint (rows, ==, 5);
  g_assert_true (g_str_has_prefix (first_export, "email,first_name,last_name,company,title,timezone,"
                                                 "tags,linkedin_url,notes,źródło\r\n"));
  first_data = prospects_data (f);

  /* Into the same store: nothing changes */
  exported = write_file (f, "exported.csv", first_export, -1);
  again = import_file (f, exported, NULL);
  g_assert_cmpuint (again->unchanged, ==, 5);
  g_assert_cmpuint (again->imported + again->updated + again->skipped, ==, 0);

  /* Into a fresh store: the same data, the same file again */
  second_db = g_build_filename (f->dir, "second.db", NULL);
  second.db = second_db;
  second.store = ob_store_open (second_db, &error);
  g_assert_no_error (error);
  import = ob_import_new (second_db, exported);
  fresh = ob_import_run (import, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fresh->imported, ==, 5);
  second_data = prospects_data (&second);
  g_assert_cmpstr (first_data, ==, second_data);
  second_export = export_all (&second, NULL, NULL);
  g_assert_cmpstr (first_export, ==, second_export);
  g_clear_object (&second.store);
}

static void
test_export_filter (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  ObExportOptions options = { NULL, };
  g_autofree char *csv = NULL;
  guint64 rows = 0;

  exec (f, "INSERT INTO campaigns (id, name) VALUES (1, 'Q1');"
           "INSERT INTO prospects (id, email, email_key, domain, status, fields) VALUES"
           " (1, 'a@x.example', 'a@x.example', 'x.example', 'active', '{\"k\":\"1\"}'),"
           " (2, 'b@x.example', 'b@x.example', 'x.example', 'replied', '{\"j\":\"2\"}'),"
           " (3, 'c@x.example', 'c@x.example', 'x.example', 'active', 'not json');"
           "INSERT INTO enrollments (campaign_id, prospect_id) VALUES (1, 2), (1, 3)");

  options.campaign = "Q1";
  csv = export_all (f, &options, &rows);
  g_assert_cmpuint (rows, ==, 2);
  g_assert_cmpstr (csv, ==, "email,first_name,last_name,company,title,timezone,tags,j\r\n"
                            "b@x.example,,,,,,,2\r\n"
                            "c@x.example,,,,,,,\r\n");
  g_free (csv);

  options.status = "active";
  csv = export_all (f, &options, &rows);
  g_assert_cmpuint (rows, ==, 1);
  g_free (csv);

  options.campaign = NULL;
  options.bom = TRUE;
  csv = export_all (f, &options, &rows);
  g_assert_cmpuint (rows, ==, 2);
  g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBF" "email,"));

  options.status = "sleeping";
  g_assert_false (ob_export_write (f->store, &options, out, NULL, NULL, &error));
  g_assert_error (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_STATUS);
  g_clear_error (&error);
  options.status = NULL;
  options.campaign = "Nope";
  g_assert_false (ob_export_write (f->store, &options, out, NULL, NULL, &error));
  g_assert_error (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_CAMPAIGN);
}

/* ---------------------------------------------------------------------------
 * Large imports, search index, preview, report
 */

static void
test_large (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GString) csv = big_csv (12000);
  g_autofree char *path = NULL;
  g_autofree char *schema_before = NULL;
  g_autoptr(ObImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *schema_after = NULL;
  g_autoptr(ObImportReport) report = NULL;
  g_autoptr(ObImportReport) again = NULL;

  /* Repeat a few addresses, in other cases, across batches */
  g_string_append (csv, "PERSON7@company7.example,,,,\r\nperson11999@COMPANY99.example,X,Y,Z,W\r\n");
  path = write_file (f, "large.csv", csv->str, csv->len);
  schema_before = query_text (f, "SELECT group_concat (sql, ';') FROM (SELECT sql FROM sqlite_schema"
                                 " ORDER BY name)");

  /* Search indexing is tested elsewhere, and slow under sanitizers */
  import = ob_import_new (f->db, path);
  ob_import_set_index_for_search (import, FALSE);
  report = ob_import_run (import, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 12000);
  g_assert_cmpuint (report->skipped_by_reason[OB_IMPORT_SKIP_DUPLICATE_IN_FILE], ==, 2);
  assert_counts_add_up (report);
  /* The indexes dropped for the load are back, the file is sound, and the
   * new prospects wait for the search index */
  schema_after = query_text (f, "SELECT group_concat (sql, ';') FROM (SELECT sql FROM sqlite_schema"
                                " ORDER BY name)");
  g_assert_cmpstr (schema_before, ==, schema_after);
  assert_query_text (f, "PRAGMA integrity_check", "ok");
  g_assert_false (report->search_indexed);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 12000);
  g_assert_cmpint (query_int (f, "SELECT min (id) = 1 AND max (id) = 12000 FROM prospects"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE domain = 'company42.example'"),
                   ==, 120);
  g_assert_cmpint (query_int (f, "SELECT last_name = 'Żółć 11999' FROM prospects WHERE id = 12000"), ==, 1);

  /* Again, into the same store: all of them known */
  again = import_file (f, path, NULL);
  g_assert_cmpuint (again->imported, ==, 0);
  g_assert_cmpuint (again->unchanged, ==, 12000);
  g_assert_cmpuint (again->skipped_by_reason[OB_IMPORT_SKIP_DUPLICATE_IN_FILE], ==, 2);
  assert_counts_add_up (again);
}

static void
test_search_index_kept (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *first = write_file (f, "first.csv", "email,first_name\nann@x.example,Ann\n", -1);
  g_autofree char *second = write_file (f, "second.csv",
                                        "email,company\nann@x.example,Zyxwvut Industries\n", -1);
  g_autoptr(ObImportReport) a = import_file (f, first, NULL);
  g_autoptr(ObImportReport) b = NULL;
  ObProspectQuery query = { .search = (char *) "Zyxwvut" };
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (a->search_indexed);
  b = import_file (f, second, NULL);
  g_assert_cmpuint (b->updated, ==, 1);

  /* The company filled in by the second import is found */
  ids = ob_prospects_query_ids (f->store, &query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 1);
  assert_query_text (f, "PRAGMA integrity_check", "ok");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects_search"
                                 " WHERE prospects_search MATCH '\"Ann\"'"), ==, 1);
}

static void
test_preview (void)
{
  g_autofree char *path = fixture_path ("import-polish.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImportPreview) preview = ob_import_preview (path, NULL, 0, 1, NULL, &error);
  g_autoptr(ObImportPreview) forced = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (preview->encoding, ==, "windows-1250");
  g_assert_cmpint (preview->delimiter, ==, ';');
  g_assert_cmpuint (g_strv_length (preview->header), ==, 7);
  g_assert_cmpstr (preview->header[0], ==, "Imię");
  g_assert_cmpuint (preview->rows->len, ==, 1);
  g_assert_cmpstr (((char **) g_ptr_array_index (preview->rows, 0))[1], ==, "Żółć");
  g_assert_cmpint (column_at (preview->mapping, 2)->field, ==, OB_IMPORT_FIELD_EMAIL);
  g_assert_cmpuint (preview->file_size, >, 100);

  /* Another encoding and delimiter, as the user may choose */
  forced = ob_import_preview (path, "ISO-8859-2", ',', 10, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forced->encoding, ==, "ISO-8859-2");
  g_assert_cmpint (forced->delimiter, ==, ',');
  g_assert_cmpuint (g_strv_length (forced->header), ==, 1);
  g_assert_cmpuint (forced->rows->len, ==, 2);
  g_clear_pointer (&forced, ob_import_preview_free);

  g_free (path);
  path = fixture_path ("empty.csv");
  g_assert_null (ob_import_preview (path, NULL, 0, 10, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_EMPTY);
}

static void
test_set_mapping (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-full-name.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImportPreview) preview = ob_import_preview (path, NULL, 0, 5, NULL, &error);
  g_autoptr(ObImport) import = ob_import_new (f->db, path);
  g_autoptr(ObImportReport) report = NULL;
  g_autoptr(GPtrArray) wrong = g_ptr_array_new ();

  /* The UI's way: the preview's mapping, changed */
  g_assert_true (ob_import_mapping_set (preview->mapping, "Organization", "employer_name", &error));
  ob_import_set_mapping (import, preview->mapping);
  report = ob_import_run (import, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->imported, ==, 3);
  assert_query_text (f, "SELECT fields FROM prospects WHERE id = 1", "{\"employer_name\":\"Acme\"}");
  g_clear_object (&import);

  /* A mapping for another file */
  g_ptr_array_add (wrong, g_ptr_array_index (preview->mapping, 0));
  import = ob_import_new (f->db, path);
  ob_import_set_mapping (import, wrong);
  g_assert_null (ob_import_run (import, NULL, &error));
  g_assert_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING);
}

static void
test_report_csv (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = fixture_path ("import-hostile.csv");
  g_autoptr(ObImportReport) report = import_file (f, path, NULL);
  g_autofree char *csv = ob_import_report_to_csv (report);
  g_autofree char *json = ob_import_report_to_json (report);
  g_auto(GStrv) lines = g_strsplit (csv, "\r\n", -1);

  g_assert_cmpstr (lines[0], ==, "line,reason,description,detail");
  g_assert_true (g_str_has_prefix (lines[1], "4,invalid_email,Not a valid email address,“b@example.com\\x0D\\x0ABcc:"));
  g_assert_cmpstr (lines[3], ==, "7,bad_row,Unreadable row,Line 7: 5 fields where the header has 4");
  g_assert_nonnull (strstr (json, "\"invalid_email\": 1,"));
  g_assert_nonnull (strstr (json, "\"bad_row\": 3"));
  g_assert_nonnull (strstr (json, "\"custom_field\": \"notes\""));
}

typedef struct
{
  GMainLoop      *loop;
  ObImportReport *report;
  GError         *error;
  guint           progress_calls;
  GThread        *main_thread;
} AsyncData;

static void
async_progress (const ObImportProgress *progress,
                gpointer                user_data)
{
  AsyncData *data = user_data;

  /* Delivered on the caller's main context */
  g_assert_true (g_thread_self () == data->main_thread);
  g_assert_cmpuint (progress->bytes_read, <=, progress->bytes_total);
  data->progress_calls++;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncData *data = user_data;

  data->report = ob_import_run_finish (OB_IMPORT (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GString) csv = big_csv (5000);
  g_autofree char *path = write_file (f, "async.csv", csv->str, csv->len);
  g_autoptr(ObImport) import = ob_import_new (f->db, path);
  AsyncData async = { g_main_loop_new (NULL, FALSE), NULL, NULL, 0, g_thread_self () };

  ob_import_set_progress_func (import, async_progress, &async, NULL);
  ob_import_run_async (import, NULL, async_done, &async);
  g_main_loop_run (async.loop);

  g_assert_no_error (async.error);
  g_assert_cmpuint (async.report->imported, ==, 5000);
  /* Let the last progress source run */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (async.progress_calls, >, 0);
  ob_import_report_free (async.report);
  g_main_loop_unref (async.loop);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/engine/import/corpus", test_corpus);
  g_test_add_func ("/engine/import/mapping/guess", test_guess_mapping);
  g_test_add_func ("/engine/import/mapping/set", test_mapping_set);
  g_test_add_func ("/engine/import/preview", test_preview);
#define ADD(name, func) \
  g_test_add ("/engine/import/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("mapping/english", test_english);
  ADD ("mapping/polish", test_polish);
  ADD ("mapping/full-name", test_full_name);
  ADD ("mapping/from-preview", test_set_mapping);
  ADD ("dedupe/in-file", test_dedupe_in_file);
  ADD ("dedupe/store", test_dedupe_store);
  ADD ("do-not-contact", test_do_not_contact);
  ADD ("statuses", test_statuses);
  ADD ("campaign", test_campaign);
  ADD ("tags", test_tags);
  ADD ("dry-run", test_dry_run);
  ADD ("cancel", test_cancel);
  ADD ("cancel-empty-store", test_cancel_empty_store);
  ADD ("fatal-error", test_fatal_error);
  ADD ("not-a-store", test_not_a_store);
  ADD ("hostile", test_hostile);
  ADD ("idn", test_idn);
  ADD ("round-trip", test_round_trip);
  ADD ("export-filter", test_export_filter);
  ADD ("large", test_large);
  ADD ("search-index-kept", test_search_index_kept);
  ADD ("report", test_report_csv);
  ADD ("async", test_async);
#undef ADD

  return g_test_run ();
}
