/* test-cli-import.c: outbound-cli import, export and block, as a script
 * would run them
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ob-store.h"
#include "testlib.h"

typedef struct
{
  char *dir;
  char *db;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-cli-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "outbound.db", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static void
exec (Fixture    *f,
      const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->db, &error);

  g_assert_no_error (error);
  ob_store_exec (store, sql, &error);
  g_assert_no_error (error);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->db, &error);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_no_error (error);
  stmt = ob_store_prepare (store, sql, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
assert_one_line_error (const CliResult *r)
{
  g_assert_cmpstr (r->out, ==, "");
  g_assert_true (g_str_has_prefix (r->err, "outbound-cli: "));
  g_assert_nonnull (strchr (r->err, '\n'));
  g_assert_cmpstr (strchr (r->err, '\n') + 1, ==, "");
}

static void
test_help (void)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "import FILE"));
  g_assert_nonnull (strstr (r.out, "--map COLUMN=FIELD"));
  g_assert_nonnull (strstr (r.out, "export [--campaign NAME] [--status S]"));
  g_assert_nonnull (strstr (r.out, "block add|remove|list"));
  g_assert_nonnull (strstr (r.out, "--no-search-index"));
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "a.csv", "email\na@x.example\n");
  const char *cases[][5] = {
    { "import", NULL },
    { "import", csv, csv, NULL },
    { "import", csv, "--map", NULL },
    { "import", csv, "--map", "email", NULL },
    { "import", csv, "--map=email=", NULL },
    { "import", csv, "--delimiter", "ab", NULL },
    { "import", csv, "--encoding", "no-such-encoding", NULL },
    { "import", csv, "--bogus", NULL },
    { "import", csv, "--tag", NULL },
    { "export", "--status", "sleeping", NULL },
    { "export", "--frobnicate", NULL },
    { "block", NULL },
    { "block", "add", NULL },
    { "block", "add", "not-an-address", NULL },
    { "block", "sideways", "a@x.example", NULL },
    { "block", "list", "extra", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };

      g_test_message ("case %u: %s %s", i, cases[i][0], cases[i][1]);
      run_cli (&r, "--db", f->db, cases[i][0], cases[i][1], cases[i][2], cases[i][3],
               cases[i][4], NULL);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_cmpstr (r.err, !=, "");
    }
}

static void
test_import_text (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "a.csv",
                                     "Imię;Nazwisko;Adres e-mail;Firma\n"
                                     "Jan;Kowalski;jan@firma.pl;Firma\n"
                                     "Anna;Nowak;nie-adres;Firma\n"
                                     "Ola;;JAN@FIRMA.PL;\n");
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "import", csv, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "“Adres e-mail” → email"));
  g_assert_nonnull (strstr (r.out, "Imported:              1\n"));
  g_assert_nonnull (strstr (r.out, "line 3: invalid_email: “nie-adres” is not a valid email address"));
  g_assert_nonnull (strstr (r.out, "line 4: duplicate_in_file: JAN@FIRMA.PL\n"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 1);
}

static void
test_import_json (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "b.csv",
                                     "mail|who|src\n"
                                     "ann@x.example|Ann Smith|fair\n"
                                     "bob@x.example|Bob|\n");
  g_auto(CliResult) r = { 0 };

  exec (f, "INSERT INTO campaigns (name) VALUES ('Q1')");
  run_cli (&r, "--db", f->db, "import", csv, "--json", "--delimiter", "|", "--map", "who=full_name",
           "--map", "SRC=Lead Source", "--tag", "fair", "--campaign=Q1", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "{\n  \"file\": "));
  g_assert_nonnull (strstr (r.out, "\"delimiter\": \"|\""));
  g_assert_nonnull (strstr (r.out, "\"column\": \"src\",\n      \"field\": \"custom\",\n"
                                   "      \"custom_field\": \"lead_source\""));
  g_assert_nonnull (strstr (r.out, "\"campaign\": \"Q1\""));
  g_assert_nonnull (strstr (r.out, "\"rows\": 2,\n  \"imported\": 2,"));
  g_assert_nonnull (strstr (r.out, "\"skipped_rows\": []"));
  g_assert_nonnull (strstr (r.out, "\"search_indexed\": true"));
  g_assert_true (g_str_has_suffix (r.out, "}\n"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE first_name = 'Ann'"
                                 " AND last_name = 'Smith' AND fields = '{\"lead_source\":\"fair\"}'"), ==, 1);
}

static void
test_import_dry_run (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "c.csv", "email\na@x.example\nb@x.example\n");
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "import", "--dry-run", csv, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"dry_run\": true"));
  g_assert_nonnull (strstr (r.out, "\"imported\": 2,"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 0);

  /* For real, the search index left to the app */
  run_cli (&r, "--db", f->db, "import", csv, "--json", "--no-search-index", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"dry_run\": false"));
  g_assert_nonnull (strstr (r.out, "\"search_indexed\": false"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT indexed_upto FROM search_state"), ==, 0);
}

static void
test_import_failures (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *broken = write_test_file (f->dir, "broken.csv", "email\na@x.example\n\"b@x.example\n");
  g_autofree char *no_email = write_test_file (f->dir, "none.csv", "name\nAnn\n");
  g_autofree char *missing = g_build_filename (f->dir, "missing.csv", NULL);
  g_autofree char *ok = write_test_file (f->dir, "ok.csv", "email\na@x.example\n");
  g_autofree char *bad_db = write_test_file (f->dir, "bad.db", "not a database");
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "import", broken, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "Line 3:"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 0);

  run_cli (&r, "--db", f->db, "import", no_email, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "--map COLUMN=email"));

  run_cli (&r, "--db", f->db, "import", ok, "--map", "Phone=email", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "“Phone”"));

  run_cli (&r, "--db", f->db, "import", missing, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "missing.csv"));

  run_cli (&r, "--db", f->db, "import", ok, "--campaign", "Nope", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);

  run_cli (&r, "--db", bad_db, "import", ok, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "d.csv",
                                     "email,first_name,tags,city\n"
                                     "ann@x.example,\"Ann, Jr\",\"b, a\",Łódź\n"
                                     "bob@x.example,Bob,,\n");
  g_autofree char *exported = NULL;
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "import", csv, NULL);
  g_assert_cmpint (r.status, ==, 0);
  exec (f, "UPDATE prospects SET status = 'replied' WHERE email = 'bob@x.example'");

  run_cli (&r, "--db", f->db, "export", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpstr (r.out, ==,
                   "email,first_name,last_name,company,title,timezone,tags,city\r\n"
                   "ann@x.example,\"Ann, Jr\",,,,,\"a, b\",Łódź\r\n"
                   "bob@x.example,Bob,,,,,,\r\n");

  run_cli (&r, "--db", f->db, "export", "--status", "replied", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "email,first_name,last_name,company,title,timezone,tags\r\n"
                              "bob@x.example,Bob,,,,,\r\n");

  run_cli (&r, "--db", f->db, "export", "--campaign", "Nope", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);
}

static void
test_block (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *csv = write_test_file (f->dir, "e.csv", "email\nann@acme.example\nbob@acme.example\n"
                                                 "user@bücher.example\n");
  g_autofree char *list = write_test_file (f->dir, "list.csv", "Domain\nacme.example\nnot a domain\n");
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "block", "add", "@ACME.example", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_cli (&r, "--db", f->db, "block", "add", "@acme.example", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "already"));
  run_cli (&r, "--db", f->db, "block", "add", "User@xn--bcher-kva.example", "--reason", "asked", NULL);
  g_assert_cmpint (r.status, ==, 0);

  run_cli (&r, "--db", f->db, "import", csv, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"do_not_contact\": 3,"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects"), ==, 0);

  exec (f, "INSERT INTO prospects (email, email_key, domain) VALUES"
           " ('zed@acme.example', 'zed@acme.example', 'acme.example')");
  run_cli (&r, "--db", f->db, "block", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "@acme.example\t1\t\nuser@bücher.example\t0\tasked\n");

  run_cli (&r, "--db", f->db, "block", "remove", "@acme.example", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_cli (&r, "--db", f->db, "block", "remove", "@acme.example", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_one_line_error (&r);

  run_cli (&r, "--db", f->db, "block", "import", list, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "1 added, 0 already listed, 1 invalid"));
  g_assert_nonnull (strstr (r.out, "line 3"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM do_not_contact"), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/import/help", test_help);
#define ADD(name, func) \
  g_test_add ("/cli/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("import/usage-errors", test_usage_errors);
  ADD ("import/text", test_import_text);
  ADD ("import/json", test_import_json);
  ADD ("import/dry-run", test_import_dry_run);
  ADD ("import/failures", test_import_failures);
  ADD ("export", test_export);
  ADD ("block", test_block);
#undef ADD

  return g_test_run ();
}
