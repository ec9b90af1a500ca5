/* test-cli-campaign.c: outbound-cli campaign, enroll and preview, as a
 * script would run them
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-store.h"
#include "testlib.h"

static const char campaign_file[] =
  "[campaign]\n"
  "name=Q1 founders\n"
  "account=rep@example.test\n"
  "timezone=Europe/Warsaw          # default: the system's\n"
  "window=09:00-17:00\n"
  "days=mon;tue;wed;thu;fri\n"
  "daily-limit=50                  # new first emails per day\n"
  "pause=60-180\n"
  "stop-company-on-reply=true\n"
  "\n"
  "[step 1]\n"
  "subject=Quick question, {{first_name|there}}\n"
  "body=Hi {{first_name|there}},\\n\\nI noticed {{company}} in {{city}}.\n"
  "\n"
  "[step 2]\n"
  "delay=3d\n"
  "body=Just bringing this up in case it got buried.\n";

static const char prospects_csv[] =
  "Email,First Name,Company,City,Tags\n"
  "ann@acme.test,Ann,Acme,Oslo,vip\n"
  "bob@beta.test,Bob,Beta,,\n"
  "cyd@gamma.test,Żaneta,Gamma,Łódź,vip\n";

typedef struct
{
  char *dir;
  char *db;
  char *campaign;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autofree char *csv = NULL;
  g_auto(CliResult) r = { 0 };

  f->dir = g_dir_make_tmp ("ob-cli-campaign-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "outbound.db", NULL);
  f->campaign = write_test_file (f->dir, "q1.campaign", campaign_file);
  csv = write_test_file (f->dir, "prospects.csv", prospects_csv);

  /* The account the campaign names, as `account add` would store it. */
  store = ob_store_open (f->db, &error);
  g_assert_no_error (error);
  ob_store_exec (store,
                 "INSERT INTO accounts (name, email, display_name, smtp_host, smtp_port, smtp_security)"
                 " VALUES ('rep', 'rep@example.test', 'Rita Rep', 'localhost', 587, 'starttls')",
                 &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  run_cli (&r, "--db", f->db, "import", csv, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->campaign);
}

static void
assert_one_line_error (const CliResult *r)
{
  g_assert_cmpint (r->status, ==, 1);
  g_assert_true (g_str_has_prefix (r->err, "outbound-cli: "));
  g_assert_true (g_str_has_suffix (r->err, "\n"));
  g_assert_true (strchr (r->err, '\n') == r->err + strlen (r->err) - 1);
}

static void
test_create_list_show (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", f->campaign, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Q1 founders"));
  cli_result_clear (&r);

  /* Twice is an error, on one line. */
  run_cli (&r, "--db", f->db, "campaign", "create", "--from", f->campaign, NULL);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "already"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "Q1 founders\tdraft\trep@example.test\t2\t0\t0\t0\t0\n");
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "show", "q1 founders", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"state\": \"draft\""));
  g_assert_nonnull (strstr (r.out, "\"timezone\": \"Europe/Warsaw\""));
  g_assert_nonnull (strstr (r.out, "\"delay\": \"3d\""));
  g_assert_nonnull (strstr (r.out, "\"kind\": \"no-prospects\""));
  cli_result_clear (&r);

  /* export gives a file that creates the same campaign under a new name. */
  run_cli (&r, "--db", f->db, "campaign", "export", "Q1 founders", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_autofree char *copy = NULL;
    g_autofree char *path = NULL;
    g_auto(CliResult) again = { 0 };
    g_auto(CliResult) shown = { 0 };

    copy = g_strconcat ("[campaign]\nname=Copy\n", strstr (r.out, "account="), NULL);
    path = write_test_file (f->dir, "copy.campaign", copy);
    run_cli (&again, "--db", f->db, "campaign", "create", "--from", path, NULL);
    g_assert_cmpint (again.status, ==, 0);
    run_cli (&shown, "--db", f->db, "campaign", "show", "Copy", NULL);
    g_assert_nonnull (strstr (shown.out, "Window: 09:00-17:00, mon tue wed thu fri"));
    g_assert_nonnull (strstr (shown.out, "after 3d"));
  }
}

static void
test_file_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *bad = write_test_file (f->dir, "bad.campaign",
                                     "[campaign]\nname=Bad\n[step 1]\nsubject=Hi {{first_name\nbody=b\n");
  g_autofree char *no_account = write_test_file (f->dir, "na.campaign",
                                            "[campaign]\nname=NA\naccount=ghost@example.test\n"
                                            "[step 1]\nsubject=s\nbody=b\n");

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", bad, NULL);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "bad.campaign"));
  g_assert_nonnull (strstr (r.err, "Step 1, subject"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", no_account, NULL);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "ghost@example.test"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", "/nonexistent/file", NULL);
  assert_one_line_error (&r);
  cli_result_clear (&r);

  /* Usage errors are 2. */
  run_cli (&r, "--db", f->db, "campaign", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "create", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "fly", "x", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "enroll", "--all", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "enroll", "--campaign", "x", "--all", "--tag", "vip", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "preview", "--campaign", "x", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "show", "Nope", NULL);
  assert_one_line_error (&r);
}

static void
test_enroll_start_pause (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", f->campaign, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "enroll", "--campaign", "Q1 founders", "--tag", "vip", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "Enrolled 2 "));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "enroll", "--campaign", "Q1 founders", "--email", "BOB@beta.test",
           "ann@acme.test", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "Enrolled 1 "));
  g_assert_nonnull (strstr (r.out, "1 already enrolled"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "enroll", "--campaign", "Q1 founders", "--email", "zed@nowhere.test", NULL);
  assert_one_line_error (&r);
  cli_result_clear (&r);

  /* Bob has no city: a blocker, listed on stdout. */
  run_cli (&r, "--db", f->db, "campaign", "start", "Q1 founders", NULL);
  assert_one_line_error (&r);
  g_assert_nonnull (strstr (r.err, "1 problem"));
  g_assert_nonnull (strstr (r.out, "missing-field\tbob@beta.test"));
  g_assert_nonnull (strstr (r.out, "{{city}}"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "resolve", "Q1 founders", "--override", "missing-field", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "start", "Q1 founders", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "list", NULL);
  g_assert_true (g_str_has_prefix (r.out, "Q1 founders\trunning\trep@example.test\t2\t3\t3\t0\t0\n"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "campaign", "pause", "Q1 founders", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "show", "Q1 founders", NULL);
  g_assert_nonnull (strstr (r.out, "State: paused"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "enroll", "--campaign", "Q1 founders", "--email", "bob@beta.test",
           "--remove", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "Removed 1 "));
}

static void
test_preview (Fixture       *f,
              gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", f->campaign, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "preview", "--campaign", "Q1 founders", "--email", "cyd@gamma.test", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "From: Rita Rep <rep@example.test>\n"));
  g_assert_nonnull (strstr (r.out, "To: Żaneta <cyd@gamma.test>\n"));
  g_assert_nonnull (strstr (r.out, "Subject: Quick question, Żaneta\n"));
  g_assert_nonnull (strstr (r.out, "I noticed Gamma in Łódź."));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "preview", "--campaign", "Q1 founders", "--email", "cyd@gamma.test",
           "--step", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Subject: Re: Quick question, Żaneta\n"));
  cli_result_clear (&r);

  /* Missing values are said on stderr; the preview still shows. */
  run_cli (&r, "--db", f->db, "preview", "--campaign", "Q1 founders", "--email", "bob@beta.test", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "{{city}}"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "preview", "--campaign", "Q1 founders", "--email", "cyd@gamma.test",
           "--raw", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\r\nSubject: =?UTF-8?"));
  g_assert_nonnull (strstr (r.out, "\r\nMessage-ID: <"));
  g_assert_nonnull (strstr (r.out, "\r\nList-Unsubscribe: <mailto:rep@example.test?subject=unsubscribe>\r\n"));
  g_assert_nonnull (strstr (r.out, "Content-Transfer-Encoding: quoted-printable\r\n"));
  cli_result_clear (&r);

  run_cli (&r, "--db", f->db, "preview", "--campaign", "Q1 founders", "--email", "cyd@gamma.test",
           "--step", "3", NULL);
  assert_one_line_error (&r);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli/campaign/create-list-show", test_create_list_show);
  ADD ("/cli/campaign/file-errors", test_file_errors);
  ADD ("/cli/campaign/enroll-start-pause", test_enroll_start_pause);
  ADD ("/cli/campaign/preview", test_preview);
#undef ADD

  return g_test_run ();
}
