/* test-send.c: the sender end to end, through outbound-cli, against the mail
 * bed: every prospect gets exactly its messages, threaded; certificates are
 * verified; a runner killed at random never sends a step twice
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "mail"; needs the keyring of build-aux/test-session for the
 * account's password.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "ob-accounts.h"
#include "ob-mime.h"
#include "ob-sender.h"
#include "ob-store.h"
#include "bedlib.h"
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

  f->dir = g_dir_make_tmp ("ob-send-XXXXXX", &error);
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

/* The rep's account on the bed's submission port, with its CA trusted. */
static void
add_account (Fixture    *f,
             const char *name,
             gboolean    trust_ca,
             const char *host)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *smtp = g_strdup_printf ("%s:%s:starttls", host, bed_get ("MAILBED_SUBMISSION_PORT"));
  g_autofree char *imap = g_strdup_printf ("%s:%s:starttls", host, bed_get ("MAILBED_IMAP_PORT"));
  g_autofree char *input = g_strdup_printf ("%s\n", bed_get ("MAILBED_REP_PASSWORD"));

  if (trust_ca)
    run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", name,
                        "--email", bed_get ("MAILBED_REP"), "--display-name", "Rita Rep",
                        "--smtp", smtp, "--imap", imap, "--ca-file", bed_get ("MAILBED_CA_FILE"),
                        "--password-stdin", "--pause", "0-0", "--daily-limit", "1000", NULL);
  else
    run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", name,
                        "--email", bed_get ("MAILBED_REP"), "--smtp", smtp, "--imap", imap,
                        "--password-stdin", "--pause", "0-0", NULL);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
}

/* Prospects pFIRST..pLAST@prospects.test. */
static void
import_prospects (Fixture *f,
                  guint    first,
                  guint    last)
{
  g_autoptr(GString) csv = g_string_new ("email,first_name,company\n");
  g_autofree char *path = NULL;
  g_auto(CliResult) r = { 0 };

  for (guint i = first; i <= last; i++)
    g_string_append_printf (csv, "p%u@%s,Person %u,Company %u\n", i, bed_get ("MAILBED_PROSPECT_DOMAIN"),
                            i, i);
  path = write_test_file (f->dir, "prospects.csv", csv->str);
  run_cli (&r, "--db", f->db, "import", path, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
create_campaign (Fixture    *f,
                 const char *name,
                 const char *account,
                 const char *delay,
                 gboolean    override)
{
  g_autofree char *text = g_strdup_printf (
    "[campaign]\nname=%s\naccount=%s\nwindow=00:00-24:00\ndays=mon;tue;wed;thu;fri;sat;sun\n"
    "pause=0-0\ndaily-limit=1000\n"
    "[step 1]\nsubject=Hello {{first_name}} (%s)\nbody=Hi {{first_name}}, a note about {{company}}.\n"
    "[step 2]\ndelay=%s\nbody=Following up.\n"
    "[step 3]\ndelay=%s\nbody=Last note.\n",
    name, account, name, delay, delay);
  g_autofree char *path = write_test_file (f->dir, "campaign.ini", text);
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "enroll", "--campaign", name, "--all", override ? "--override" : NULL,
           NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  if (override)
    {
      run_cli (&r, "--db", f->db, "campaign", "resolve", name, "--override", "active-elsewhere", NULL);
      g_assert_cmpint (r.status, ==, 0);
      cli_result_clear (&r);
    }
  run_cli (&r, "--db", f->db, "campaign", "start", name, NULL);
  if (r.status != 0)
    g_error ("campaign start: %s %s", r.out, r.err);
}

/* The messages of one campaign (by its subject tag) in a prospect's Maildir. */
static GPtrArray *
delivered (guint       prospect,
           const char *tag)
{
  g_autofree char *user = g_strdup_printf ("p%u", prospect);
  g_autofree char *dir_path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"),
                                                bed_get ("MAILBED_PROSPECT_DOMAIN"), user, "Maildir",
                                                "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_mime_headers_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      g_autoptr(GBytes) bytes = NULL;
      ObMimeHeaders *headers;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      bytes = g_bytes_new (contents, length);
      headers = ob_mime_parse_headers (bytes, NULL);
      if (headers != NULL && headers->subject != NULL && strstr (headers->subject, tag) != NULL)
        g_ptr_array_add (found, headers);
      else if (headers != NULL)
        ob_mime_headers_free (headers);
    }
  return found;
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

static guint
count_lines_with (const char *text,
                  const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

static guint
count_lines (const char *text,
             const char *kind)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *needle = g_strdup_printf ("\t%s\t", kind);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

/* A 3-step campaign to 20 prospects, one second between steps. */
static void
test_three_steps_twenty_prospects (Fixture       *f,
                                   gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("e2e-%d", (int) getpid ());

  add_account (f, "rep", TRUE, bed_get ("MAILBED_HOST"));
  import_prospects (f, 1, 20);
  create_campaign (f, tag, "rep", "1s", FALSE);

  run_cli (&r, "--db", f->db, "run", "--until-idle", "--for", "120", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_test_message ("run:\n%s%s", r.out, r.err);
  g_assert_cmpuint (count_lines (r.out, "sent"), ==, 60);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), ==, 60);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'finished'"), ==, 20);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM campaigns WHERE state = 'finished'"), ==, 1);

  /* Every mailbox holds exactly its three, in one thread. */
  for (guint p = 1; p <= 20; p++)
    {
      g_autoptr(GPtrArray) messages = delivered (p, tag);
      const char *first_id = NULL;

      g_assert_cmpuint (messages->len, ==, 3);
      for (guint i = 0; i < messages->len; i++)
        {
          ObMimeHeaders *h = g_ptr_array_index (messages, i);

          if (h->in_reply_to == NULL || h->in_reply_to[0] == NULL)
            {
              g_assert_null (first_id);
              first_id = h->message_id;
            }
        }
      g_assert_nonnull (first_id);
      for (guint i = 0; i < messages->len; i++)
        {
          ObMimeHeaders *h = g_ptr_array_index (messages, i);

          if (h->message_id == first_id)
            continue;
          g_assert_nonnull (h->references);
          g_assert_cmpstr (h->references[0], ==, first_id);
          g_assert_true (g_str_has_prefix (h->subject, "Re: Hello Person"));
        }
    }
}

/* The bed's certificate is not in the system store: nothing goes until its
 * CA is trusted (the other test) or it is pinned. */
static void
test_untrusted_certificate_holds_account (Fixture       *f,
                                          gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("untrusted-%d", (int) getpid ());

  add_account (f, "rep", FALSE, bed_get ("MAILBED_HOST"));
  import_prospects (f, 21, 22);
  create_campaign (f, tag, "rep", "1s", FALSE);

  run_cli (&r, "--db", f->db, "run", "--until-idle", "--for", "30", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines (r.out, "account-held"), ==, 1);
  g_assert_cmpuint (count_lines (r.out, "sent"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM accounts WHERE state = 'error'"
                              " AND state_reason <> ''"), ==, 1);
  for (guint p = 21; p <= 22; p++)
    {
      g_autoptr(GPtrArray) messages = delivered (p, tag);

      g_assert_cmpuint (messages->len, ==, 0);
    }
}

/* kill -9 at random moments during a ~300-message run, 20 times,
 * restarting each time: never a step twice, counted in the Maildirs. */
static void
test_kill_nine (Fixture       *f,
                gconstpointer  data)
{
  const char *cli = g_getenv ("OUTBOUND_CLI");
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) getpid ());
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  guint delivered_total = 0;

  add_account (f, "rep", TRUE, bed_get ("MAILBED_HOST"));
  import_prospects (f, 23, 40);
  /* 6 campaigns × 18 prospects × 3 steps = 324 messages. */
  for (guint c = 0; c < 6; c++)
    {
      char *tag = g_strdup_printf ("crash%u-%d", c, (int) getpid ());

      create_campaign (f, tag, "rep", "0s", TRUE);
      g_ptr_array_add (tags, tag);
    }

  for (guint round = 0; round < 20; round++)
    {
      const char *argv[] = { cli, "--db", f->db, "run", "--until-idle", "--for", "60", NULL };
      g_autoptr(GError) error = NULL;
      GPid pid;
      int status;

      g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, &pid, &error);
      g_assert_no_error (error);
      g_usleep (g_rand_int_range (rand, 50, 600) * 1000);
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
      g_spawn_close_pid (pid);
    }

  /* One last run finishes what is left. */
  {
    g_auto(CliResult) r = { 0 };

    run_cli (&r, "--db", f->db, "run", "--until-idle", "--for", "120", NULL);
    g_assert_cmpint (r.status, ==, 0);
  }

  for (guint c = 0; c < tags->len; c++)
    for (guint p = 23; p <= 40; p++)
      {
        g_autoptr(GPtrArray) messages = delivered (p, g_ptr_array_index (tags, c));
        guint per_step[3] = { 0, 0, 0 };

        /* Step 1 has no References, step 2 one, step 3 two. */
        for (guint i = 0; i < messages->len; i++)
          {
            ObMimeHeaders *h = g_ptr_array_index (messages, i);
            guint depth = h->references != NULL ? g_strv_length (h->references) : 0;

            g_assert_cmpuint (depth, <, 3);
            per_step[depth]++;
          }
        for (guint step = 0; step < 3; step++)
          g_assert_cmpuint (per_step[step], <=, 1);
        delivered_total += messages->len;
      }

  /* Every step went ('sent', and then delivered) or may have ('uncertain',
   * for the rep to decide); nothing else is left. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state NOT IN ('sent', 'uncertain')"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'active'"
                              " AND NOT EXISTS (SELECT 1 FROM sends s WHERE s.enrollment_id = enrollments.id"
                              " AND s.state = 'uncertain')"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), <=, delivered_total);
  g_assert_cmpint (delivered_total, <=, query_int (f, "SELECT count(*) FROM sends"));
  g_test_message ("%u messages delivered, %" G_GINT64_FORMAT " uncertain", delivered_total,
                  query_int (f, "SELECT count(*) FROM sends WHERE state = 'uncertain'"));
}

/* The scripted server's faults through the real sender: each one ends in
 * its defined state, and nothing is lost or sent twice. */
static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *spool = g_build_filename (f->dir, "spool", NULL);
  g_autofree char *smtp = NULL;
  g_autofree char *csv_path = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) r = { 0 };
  g_auto(FaultServer) server = { 0 };
  const char *people[] = { "ok1", "rcpt550", "data552", "rcpt451", "datadrop", "ok2", "rate450", "ok3" };
  g_autoptr(GString) csv = g_string_new ("email,first_name,company\n");

  fault_server_start (&server, "--tls", "none", "--spool", spool, NULL);

  /* Plain text only because the account says so, explicitly. */
  smtp = g_strdup_printf ("127.0.0.1:%u:insecure", server.port);
  run_cli_with_input (&r, "good\n", "--db", f->db, "account", "add", "--name", "faulty",
                      "--email", "rep@faults.test", "--smtp", smtp, "--password-stdin", "--pause", "0-0",
                      NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    g_string_append_printf (csv, "%s@faults.test,P%u,Co %u\n", people[i], i, i);
  csv_path = write_test_file (f->dir, "faults.csv", csv->str);
  run_cli (&r, "--db", f->db, "import", csv_path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  create_campaign (f, "faults", "faulty", "1d", FALSE);

  run_cli (&r, "--db", f->db, "run", "--until-idle", "--for", "60", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_test_message ("run:\n%s", r.out);

#define SEND_STATE(who) \
  "SELECT s.state FROM sends s JOIN enrollments e ON e.id = s.enrollment_id" \
  " JOIN prospects p ON p.id = e.prospect_id WHERE p.email = '" who "@faults.test'"
  {
    static const struct { const char *sql; const char *state; } expected[] = {
      { SEND_STATE ("ok1"), "sent" },
      { SEND_STATE ("ok2"), "sent" },
      { SEND_STATE ("rcpt550"), "failed" },
      { SEND_STATE ("data552"), "failed" },
      { SEND_STATE ("rcpt451"), "retry" },
      { SEND_STATE ("datadrop"), "uncertain" },
      { SEND_STATE ("rate450"), "retry" },
      { "SELECT state FROM enrollments e JOIN prospects p ON p.id = e.prospect_id"
        " WHERE p.email = 'rcpt550@faults.test'", "bounced" },
      { "SELECT status FROM prospects WHERE email = 'rcpt550@faults.test'", "bounced" },
      { "SELECT state FROM enrollments e JOIN prospects p ON p.id = e.prospect_id"
        " WHERE p.email = 'data552@faults.test'", "paused" },
      { "SELECT state FROM enrollments e JOIN prospects p ON p.id = e.prospect_id"
        " WHERE p.email = 'rcpt451@faults.test'", "active" },
      { "SELECT state FROM accounts", "throttled" },
    };
    g_autoptr(ObStore) store = ob_store_open (f->db, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, expected[i].sql, &error);

        g_assert_no_error (error);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        g_test_message ("%s -> %s", expected[i].sql, sqlite3_column_text (stmt, 0));
        g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, expected[i].state);
      }
  }
#undef SEND_STATE
  /* Throttled before ok3: it waits, unsent, for the account to cool down. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends s JOIN enrollments e ON e.id = s.enrollment_id"
                              " JOIN prospects p ON p.id = e.prospect_id WHERE p.email = 'ok3@faults.test'"), ==, 0);

  /* The server took exactly the two it accepted, once each. */
  {
    g_autofree char *taken = NULL;

    g_file_get_contents (spool, &taken, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (count_lines_with (taken, "ok1@faults.test"), ==, 1);
    g_assert_cmpuint (count_lines_with (taken, "ok2@faults.test"), ==, 1);
    g_assert_cmpuint (count_lines_with (taken, "@faults.test"), ==, 2);
  }
}

/* "Send test to me": the rep gets the step, nothing is recorded. */
static void
test_send_test_to_me (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = g_strdup_printf ("selftest-%d", (int) getpid ());
  g_autofree char *to = NULL;
  g_autofree char *rep_new = NULL;
  g_autoptr(GDir) dir = NULL;
  g_auto(GStrv) parts = g_strsplit (bed_get ("MAILBED_REP"), "@", 2);
  guint found = 0;
  const char *name;

  add_account (f, "rep", TRUE, bed_get ("MAILBED_HOST"));
  import_prospects (f, 1, 1);
  create_campaign (f, tag, "rep", "1d", FALSE);

  to = ob_sender_send_test (f->db, 1, 1, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (to, ==, bed_get ("MAILBED_REP"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);

  rep_new = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), parts[1], parts[0], "Maildir", "new", NULL);
  /* Delivery over LMTP takes milliseconds; give it a few seconds. */
  for (guint i = 0; i < 50 && found == 0; i++, g_usleep (100000))
    {
      g_clear_pointer (&dir, g_dir_close);
      dir = g_dir_open (rep_new, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (rep_new, name, NULL);
          g_autofree char *contents = NULL;

          if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, tag) != NULL)
            found++;
        }
    }
  g_assert_cmpuint (found, ==, 1);
}

/* "Trust This Certificate": the refused certificate comes back with its
 * fingerprint; pinned, the same account connects. */
static void
test_trust_certificate (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObTlsCertificate) untrusted = NULL;
  const char *pins[] = { NULL, NULL };

  add_account (f, "rep", FALSE, bed_get ("MAILBED_HOST"));
  store = ob_store_open (f->db, &error);
  g_assert_no_error (error);
  account = ob_accounts_get_by_name (store, "rep", &error);
  g_assert_no_error (error);

  g_assert_false (ob_account_test_full (account, NULL, &untrusted, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
  g_clear_error (&error);
  g_assert_nonnull (untrusted);
  g_assert_cmpstr (untrusted->sha256, ==, bed_get ("MAILBED_CERT_SHA256"));
  g_assert_nonnull (untrusted->subject);

  pins[0] = untrusted->sha256;
  g_strfreev (account->smtp_pins);
  account->smtp_pins = g_strdupv ((char **) pins);
  g_strfreev (account->imap_pins);
  account->imap_pins = g_strdupv ((char **) pins);
  g_assert_true (ob_accounts_update (store, account, &error));
  g_assert_no_error (error);
  g_clear_pointer (&account, ob_account_free);
  account = ob_accounts_get_by_name (store, "rep", &error);
  g_assert_true (ob_account_test_full (account, NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/send/bed/three-steps-twenty-prospects", test_three_steps_twenty_prospects);
  ADD ("/send/bed/untrusted-certificate-holds-account", test_untrusted_certificate_holds_account);
  ADD ("/send/bed/kill-nine", test_kill_nine);
  ADD ("/send/bed/send-test-to-me", test_send_test_to_me);
  ADD ("/send/faults/each-fault-its-state", test_faults);
  ADD ("/send/bed/trust-certificate", test_trust_certificate);
#undef ADD

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
