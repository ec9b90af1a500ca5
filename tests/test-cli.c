/* test-cli.c: outbound-cli's contract: options, exit codes, status output
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the built binary (OUTBOUND_CLI) as a user or a script would.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-store.h"
#include "testlib.h"

static char *
temp_db (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-cli-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, "outbound.db", NULL);
}

static void
test_version (void)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "outbound-cli " PACKAGE_VERSION "\n");
}

static void
test_help (void)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "--db PATH"));
  g_assert_nonnull (strstr (r.out, "status [--json]"));
}

static void
test_usage_errors (void)
{
  const char *cases[][3] = {
    { NULL },                         /* no command */
    { "frobnicate", NULL },           /* unknown command */
    { "--bogus", "status", NULL },    /* unknown global option */
    { "--db", NULL },                 /* --db without a path */
    { "status", "--yaml", NULL },     /* unknown command option */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };

      run_cli (&r, cases[i][0], cases[i][1], cases[i][2], NULL);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_cmpstr (r.err, !=, "");
    }
}

static void
test_status_default_store (void)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("ob-cli-home-XXXXXX", &error);
  g_autofree char *data_home = g_build_filename (home, "share", NULL);
  g_autofree char *expected = g_build_filename (data_home, "outbound", "outbound.db", NULL);

  /* Without --db the embedded default is $XDG_DATA_HOME/outbound/outbound.db,
   * folders created as needed. */
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  run_cli (&r, "status", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, expected));
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
}

static void
test_status_json (void)
{
  g_autofree char *db = temp_db ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) r = { 0 };

  {
    g_autoptr(ObStore) store = ob_store_open (db, &error);

    g_assert_no_error (error);
    ob_store_exec (store,
                   "INSERT INTO prospects (email, email_key, domain, status) VALUES"
                   " ('a@x.test', 'a@x.test', 'x.test', 'active'),"
                   " ('b \"q\"@x.test', 'b@x.test', 'x.test', 'replied');"
                   "INSERT INTO campaigns (name, state) VALUES ('a', 'running');",
                   &error);
    g_assert_no_error (error);
  }

  run_cli (&r, "--db", db, "status", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  {
    g_autofree char *schema = g_strdup_printf ("\"schema_version\": %d",
                                               ob_store_latest_version ());

    g_assert_nonnull (strstr (r.out, schema));
  }
  g_assert_nonnull (strstr (r.out, "\"prospects\": {\n    \"total\": 2,\n    \"active\": 1,\n"
                                   "    \"replied\": 1,"));
  g_assert_nonnull (strstr (r.out, "\"running\": 1"));
  g_assert_true (g_str_has_prefix (r.out, "{"));
  g_assert_true (g_str_has_suffix (r.out, "}\n"));
}

static void
test_status_refuses_damaged (void)
{
  g_autofree char *db = temp_db ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) r = { 0 };
  g_autofree char *after = NULL;

  g_file_set_contents (db, "this is not a database, it is a shopping list\n", -1, &error);
  g_assert_no_error (error);

  run_cli (&r, "--db", db, "status", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  /* one line on stderr, naming the file */
  g_assert_nonnull (strstr (r.err, db));
  g_assert_nonnull (strchr (r.err, '\n'));
  g_assert_cmpstr (strchr (r.err, '\n') + 1, ==, "");

  g_file_get_contents (db, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, "this is not a database, it is a shopping list\n");
}

static void
test_status_refuses_newer (void)
{
  g_autofree char *db = temp_db ();
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) r = { 0 };

  {
    g_autoptr(ObStore) store = ob_store_open (db, &error);

    g_assert_no_error (error);
    ob_store_exec (store, "PRAGMA user_version = 9999", &error);
    g_assert_no_error (error);
  }

  run_cli (&r, "--db=", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);

  run_cli (&r, "--db", db, "status", "--json", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "newer version"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/status/default-store", test_status_default_store);
  g_test_add_func ("/cli/status/json", test_status_json);
  g_test_add_func ("/cli/status/refuses-damaged", test_status_refuses_damaged);
  g_test_add_func ("/cli/status/refuses-newer", test_status_refuses_newer);

  return g_test_run ();
}
