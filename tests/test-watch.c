/* test-watch.c: the watcher end to end, through outbound-cli, against the
 * mail bed: a prospect's reply stops their sequence within a second of
 * Dovecot's push, a real DSN bounces, an unsubscribe opts out, a reply that
 * came while the runner was stopped is found at the next start, every send
 * has its copy in Sent, and `account test` says what works and what fails
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "mail"; needs the keyring of build-aux/test-session. The rep here
 * is rep2 (test-send and its watchers use rep).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "ob-mime.h"
#include "ob-outbox.h"
#include "ob-sender.h"
#include "ob-smtp.h"
#include "ob-store.h"
#include "ob-watcher.h"
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

  f->dir = g_dir_make_tmp ("ob-watch-XXXXXX", &error);
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

/* rep2 on the bed: submission with STARTTLS, IMAP over implicit TLS. */
static CliResult
add_account (Fixture    *f,
             const char *name,
             const char *password,
             gboolean    trust_ca)
{
  CliResult r = { 0 };
  g_autofree char *smtp = g_strdup_printf ("%s:%s:starttls", bed_get ("MAILBED_HOST"),
                                           bed_get ("MAILBED_SUBMISSION_PORT"));
  g_autofree char *imap = g_strdup_printf ("%s:%s:tls", bed_get ("MAILBED_HOST"), bed_get ("MAILBED_IMAPS_PORT"));
  g_autofree char *input = g_strdup_printf ("%s\n", password);

  if (trust_ca)
    run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", name,
                        "--email", bed_get ("MAILBED_REP2"), "--display-name", "Rita Rep",
                        "--smtp", smtp, "--imap", imap, "--ca-file", bed_get ("MAILBED_CA_FILE"),
                        "--password-stdin", "--pause", "0-0", "--daily-limit", "1000", NULL);
  else
    run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", name,
                        "--email", bed_get ("MAILBED_REP2"), "--smtp", smtp, "--imap", imap,
                        "--password-stdin", "--pause", "0-0", NULL);
  return r;
}

static void
import_prospects (Fixture     *f,
                  const guint *numbers,
                  guint        n)
{
  g_autoptr(GString) csv = g_string_new ("email,first_name,company\n");
  g_autofree char *path = NULL;
  g_auto(CliResult) r = { 0 };

  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "p%u@%s,Person %u,Company %u\n", numbers[i],
                            bed_get ("MAILBED_PROSPECT_DOMAIN"), numbers[i], numbers[i]);
  path = write_test_file (f->dir, "prospects.csv", csv->str);
  run_cli (&r, "--db", f->db, "import", path, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
create_campaign_with (Fixture    *f,
                      const char *name,
                      const char *delay,
                      const char *settings)
{
  g_autofree char *text = g_strdup_printf (
    "[campaign]\nname=%s\naccount=rep2\nwindow=00:00-24:00\ndays=mon;tue;wed;thu;fri;sat;sun\n"
    "pause=0-0\ndaily-limit=1000\n%s"
    "[step 1]\nsubject=Hello {{first_name}} [%s]\nbody=Hi {{first_name}}, a note about {{company}}.\n"
    "[step 2]\ndelay=%s\nbody=Following up.\n"
    "[step 3]\ndelay=%s\nbody=Last note.\n",
    name, settings, name, delay, delay);
  g_autofree char *path = write_test_file (f->dir, "campaign.ini", text);
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "campaign", "create", "--from", path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "enroll", "--campaign", name, "--all", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "start", name, NULL);
  if (r.status != 0)
    g_error ("campaign start: %s %s", r.out, r.err);
}

static void
create_campaign (Fixture    *f,
                 const char *name,
                 const char *delay)
{
  create_campaign_with (f, name, delay, "");
}


/* ---- Mail from the prospects ----------------------------------------------- */

/* p@prospects.test writes to the rep through the bed's plain port, as
 * another mail server would deliver it. Returns when Postfix said 250. */
static gint64
prospect_writes_with (guint       prospect,
                      const char *subject,
                      const char *in_reply_to,
                      const char *extra_headers,
                      const char *body)
{
  ObTlsEndpoint endpoint = {
    .host = bed_get ("MAILBED_HOST"),
    .port = bed_port ("MAILBED_SMTP_PORT"),
    .security = OB_TLS_SECURITY_INSECURE,
    .timeout_seconds = 10,
  };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *from = g_strdup_printf ("p%u@%s", prospect, bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *references = in_reply_to != NULL
                                  ? g_strdup_printf ("In-Reply-To: <%s>\r\nReferences: <%s>\r\n",
                                                     in_reply_to, in_reply_to)
                                  : g_strdup ("");
  g_autofree char *text = g_strdup_printf (
    "From: Person %u <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <reply-%u-%" G_GINT64_FORMAT "@prospects.test>\r\n"
    "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n%s%sMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
    prospect, from, bed_get ("MAILBED_REP2"), subject, prospect, g_get_real_time (), references,
    extra_headers != NULL ? extra_headers : "", body);
  gint64 accepted;

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_send (smtp, from, bed_get ("MAILBED_REP2"), text, strlen (text) - 2, NULL, &error);
  g_assert_no_error (error);
  accepted = g_get_monotonic_time ();
  ob_smtp_connection_close (smtp);
  return accepted;
}

static gint64
prospect_writes (guint       prospect,
                 const char *subject,
                 const char *in_reply_to,
                 const char *body)
{
  return prospect_writes_with (prospect, subject, in_reply_to, NULL, body);
}

/* ---- Checks ------------------------------------------------------------------ */

static guint
count_tagged (const char *user,
              const char *domain,
              const char *folder,
              const char *tag)
{
  const char *subdirs[] = { "new", "cur" };
  guint n = 0;

  for (guint s = 0; s < G_N_ELEMENTS (subdirs); s++)
    {
      g_autofree char *dir_path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), domain, user, "Maildir",
                                                    folder, subdirs[s], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autofree char *contents = NULL;
          g_autofree char *header_end = NULL;
          char *end;

          if (!g_file_get_contents (path, &contents, NULL, NULL))
            continue;
          end = strstr (contents, "\n\n");
          if (end == NULL)
            end = strstr (contents, "\r\n\r\n");
          if (end != NULL)
            *end = '\0';
          if (strstr (contents, tag) != NULL)
            n++;
        }
    }
  return n;
}

/* Until a message holding @needle is in rep2's INBOX (delivery is ~3 ms,
 * longer on a bed busy with other tests). */
static void
wait_in_inbox (const char *needle)
{
  g_autofree char *dir_path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), "outbound.test", "rep2",
                                                "Maildir", "new", NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autofree char *contents = NULL;

          if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
            return;
        }
      g_usleep (20 * 1000);
    }
  g_error ("“%s” did not reach rep2's INBOX", needle);
}

static guint
delivered (guint       prospect,
           const char *tag)
{
  g_autofree char *user = g_strdup_printf ("p%u", prospect);

  return count_tagged (user, bed_get ("MAILBED_PROSPECT_DOMAIN"), ".", tag);
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->db, &error);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_no_error (error);
  stmt = ob_store_prepare (store, sql, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autofree char *text = query_text (f, sql);

  return g_ascii_strtoll (text, NULL, 10);
}

static char *
enrollment_state (Fixture *f,
                  guint    prospect)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT e.state FROM enrollments AS e JOIN prospects AS p ON p.id = e.prospect_id"
    " WHERE p.email = 'p%u@%s'", prospect, bed_get ("MAILBED_PROSPECT_DOMAIN"));

  return query_text (f, sql);
}

/* ---- The tests --------------------------------------------------------------- */

/* p99 is not a bed user: Postfix takes the message and bounces it with a
 * real DSN to the rep. */
#define BOUNCER 99

static void
test_reply_bounce_unsubscribe_catch_up (Fixture       *f,
                                        gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("watch-%d", (int) getpid ());
  g_autofree char *domain = g_strdup (bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *p31 = g_strdup_printf ("p31@%s", domain);
  g_autofree char *p32 = g_strdup_printf ("p32@%s", domain);
  g_autofree char *p33 = g_strdup_printf ("p33@%s", domain);
  g_autofree char *p99 = g_strdup_printf ("p%u@%s", BOUNCER, domain);
  g_autofree char *p33_first = NULL;
  const guint prospects[] = { 31, 32, 33, 34, BOUNCER };
  g_autofree char *p34 = g_strdup_printf ("p34@%s", domain);
  g_auto(GStrv) sent31 = NULL;
  g_auto(GStrv) sent32 = NULL;
  g_auto(GStrv) sent33 = NULL;
  g_auto(GStrv) replied = NULL;
  g_auto(GStrv) opted = NULL;
  g_auto(GStrv) bounced = NULL;
  Runner runner;
  gint64 accepted;
  double reaction;

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  /* Steps 8 s apart: a reply within a second (or a few, on a bed busy
   * with other tests) lands before step 2. */
  create_campaign (f, tag, "8s");

  runner_start (&runner, f->db, 90);
  {
    g_auto(GStrv) watching = runner_wait (&runner, "watching", NULL, 20);

    g_assert_nonnull (watching);
  }
  sent31 = runner_wait (&runner, "sent", p31, 20);
  g_assert_nonnull (sent31);

  /* The prospect answers in the thread of step 1. */
  accepted = prospect_writes (31, "Re: Hello", sent31[5], "Sounds interesting, call me.");
  replied = runner_wait (&runner, "replied", p31, 30);
  g_assert_nonnull (replied);
  reaction = (g_get_monotonic_time () - accepted) / 1000.0;
  g_test_message ("reply reaction: %.0f ms from the reply's 250 to the 'replied' line "
                  "(Dovecot pushes after ~500 ms)", reaction);
  g_assert_cmpstr (replied[2], ==, tag);
  g_assert_cmpstr (replied[3], ==, "1");
  g_assert_cmpstr (replied[5], ==, sent31[5]);

  /* Another asks to be removed, with no thread headers at all. */
  sent32 = runner_wait (&runner, "sent", p32, 20);
  g_assert_nonnull (sent32);
  prospect_writes (32, "unsubscribe", NULL, "Please remove me from your list.");
  opted = runner_wait (&runner, "opted_out", p32, 30);
  g_assert_nonnull (opted);

  /* An out-of-office with a return date: the sequence waits until the day
   * after. */
  {
    g_auto(GStrv) sent34 = runner_wait (&runner, "sent", p34, 20);
    g_auto(GStrv) auto_replied = NULL;

    g_assert_nonnull (sent34);
    prospect_writes_with (34, "Automatic reply: Hello", sent34[5], "Auto-Submitted: auto-replied\r\n",
                          "I am out of the office until 2099-12-03, then back.");
    auto_replied = runner_wait (&runner, "auto_replied", p34, 30);
    g_assert_nonnull (auto_replied);
    g_assert_cmpstr (auto_replied[6], ==, "until 2099-12-03");
  }

  /* The unknown user: Postfix takes step 1, then its DSN reaches the rep. */
  {
    g_auto(GStrv) sent99 = runner_wait (&runner, "sent", p99, 20);

    g_assert_nonnull (sent99);
  }
  bounced = runner_wait (&runner, "bounced", p99, 30);
  g_assert_nonnull (bounced);
  g_test_message ("bounce: %s", bounced[6]);
  g_assert_true (g_str_has_prefix (bounced[6], "5."));

  /* p33 gets its three steps; the others nothing more. */
  sent33 = runner_wait (&runner, "sent", p33, 20);
  g_assert_nonnull (sent33);
  p33_first = g_strdup (sent33[5]);
  g_clear_pointer (&sent33, g_strfreev);
  for (int step = 2; step <= 3; step++)
    {
      sent33 = runner_wait (&runner, "sent", p33, 20);
      g_assert_nonnull (sent33);
      g_clear_pointer (&sent33, g_strfreev);
    }
  /* One more delay: nothing else may go. */
  g_usleep (2 * G_USEC_PER_SEC);
  runner_stop (&runner);
  g_assert_null (runner_wait (&runner, "sent", p31, 0));
  g_assert_null (runner_wait (&runner, "sent", p32, 0));
  g_assert_null (runner_wait (&runner, "sent", p99, 0));

  g_assert_cmpuint (delivered (31, tag), ==, 1);
  g_assert_cmpuint (delivered (32, tag), ==, 1);
  g_assert_cmpuint (delivered (33, tag), ==, 3);
  g_assert_cmpuint (delivered (34, tag), ==, 1);
  {
    g_autofree char *s31 = enrollment_state (f, 31);
    g_autofree char *s32 = enrollment_state (f, 32);
    g_autofree char *s99 = enrollment_state (f, BOUNCER);

    g_assert_cmpstr (s31, ==, "replied");
    g_assert_cmpstr (s32, ==, "opted_out");
    g_assert_cmpstr (s99, ==, "bounced");
    g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'active'"
                                   " AND paused_until = unixepoch ('2099-12-04')"), ==, 1);
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE status = 'replied'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE status = 'bounced'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM do_not_contact WHERE value LIKE 'p32@%'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'opted_out'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'bounced'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'auto_replied'"
                                 " AND json_extract (detail, '$.return_date') = '2099-12-03'"), ==, 1);

  /* Every send has its copy in the rep's Sent, \Seen, and no more. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), ==, 7);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE sent_copy = 'done'"), ==, 7);
  g_assert_cmpuint (count_tagged ("rep2", "outbound.test", ".Sent", tag), ==, 7);

  /* The watcher read the replies without marking them read (Maildir
   * flags after ":2,"; Dovecot keeps unseen new mail in new/). */
  {
    const char *subdirs[] = { "new", "cur" };
    guint seen = 0, total = 0;

    for (guint d = 0; d < G_N_ELEMENTS (subdirs); d++)
      {
        g_autofree char *path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), "outbound.test", "rep2",
                                                  "Maildir", subdirs[d], NULL);
        g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
        const char *name;

        while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
          {
            const char *flags = strstr (name, ":2,");
            g_autofree char *file = g_build_filename (path, name, NULL);
            g_autofree char *contents = NULL;

            /* Only the prospects' mail (test-imap shares this mailbox). */
            if (!g_file_get_contents (file, &contents, NULL, NULL) ||
                strstr (contents, "From: Person ") == NULL)
              continue;
            total++;
            if (flags != NULL && strchr (flags + 3, 'S') != NULL)
              seen++;
          }
      }
    g_assert_cmpuint (total, ==, 3);
    g_assert_cmpuint (seen, ==, 0);
  }

  /* Closed while p33 answers: found at the next start, by UID. */
  prospect_writes (33, "Re: Hello", p33_first, "Back from holiday, let us talk.");
  wait_in_inbox ("Back from holiday");
  run_cli (&r, "--db", f->db, "run", "--for", "4", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_test_message ("run after the stop:\n%s", r.out);
  {
    g_autofree char *needle = g_strdup_printf ("\treplied\t%s\t", tag);
    g_autofree char *s33 = enrollment_state (f, 33);

    g_assert_nonnull (strstr (r.out, needle));
    g_assert_nonnull (strstr (r.out, p33));
    g_assert_cmpstr (s33, ==, "replied");
  }
  /* And not twice. */
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "run", "--for", "3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, "\treplied\t"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"), ==, 2);
  runner_clear (&runner);
}

static void
exec_sql (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->db, &error);

  g_assert_no_error (error);
  ob_store_exec (store, sql, &error);
  g_assert_no_error (error);
}

/* A Sent copy that cannot go is recorded, never resends the message, and
 * goes at the next start once the folder is right. */
static void
test_sent_copy_retried (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("sentcopy-%d", (int) getpid ());
  const guint prospects[] = { 35 };

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  cli_result_clear (&r);
  exec_sql (f, "UPDATE accounts SET sent_folder = 'No Such Folder'");
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign (f, tag, "1d");

  run_cli (&r, "--db", f->db, "run", "--for", "3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\tsent\t"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE sent_copy = 'failed'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'sent_copy_failed'"
                                 " AND json_extract (detail, '$.error') LIKE '%No Such Folder%'"), ==, 1);
  g_assert_cmpuint (count_tagged ("rep2", "outbound.test", ".Sent", tag), ==, 0);

  exec_sql (f, "UPDATE accounts SET sent_folder = 'Sent'");
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "run", "--for", "3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, "\tsent\t"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE sent_copy = 'done'"), ==, 1);
  g_assert_cmpuint (count_tagged ("rep2", "outbound.test", ".Sent", tag), ==, 1);
  g_assert_cmpuint (delivered (35, tag), ==, 1);
}

/* Dovecot drops the connection (doveadm kick): the watcher connects again
 * by itself, and a reply that came meanwhile is found. */
static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("reconnect-%d", (int) getpid ());
  g_autofree char *p36 = g_strdup_printf ("p36@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *conf = g_build_filename (bed_get ("MAILBED_DIR"), "dc", "dovecot.conf", NULL);
  const guint prospects[] = { 36 };
  g_auto(GStrv) watching = NULL;
  g_auto(GStrv) sent = NULL;
  g_auto(GStrv) dropped = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) replied = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  Runner runner;

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign (f, tag, "1d");

  runner_start (&runner, f->db, 90);
  watching = runner_wait (&runner, "watching", NULL, 20);
  g_assert_nonnull (watching);
  sent = runner_wait (&runner, "sent", p36, 20);
  g_assert_nonnull (sent);

  {
    const char *argv[] = { "doveadm", "-c", conf, "kick", bed_get ("MAILBED_REP2"), NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
    g_assert_no_error (error);
    g_test_message ("doveadm kick: %s", out);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  dropped = runner_wait (&runner, "watch-error", NULL, 30);
  g_assert_nonnull (dropped);
  g_test_message ("dropped: %s", dropped[6]);
  /* Written while the watcher waits to connect again. */
  prospect_writes (36, "Re: Hello", sent[5], "Yes, let us talk.");
  again = runner_wait (&runner, "watching", NULL, 20);
  g_assert_nonnull (again);
  replied = runner_wait (&runner, "replied", p36, 30);
  g_assert_nonnull (replied);
  runner_stop (&runner);
  runner_clear (&runner);
}

/* A colleague at the prospects' company writes: one enrollment is replied
 * (colleague), the campaign stops the others at that company. */
static void
test_colleague_stops_company (Fixture       *f,
                              gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("company-%d", (int) getpid ());
  const guint prospects[] = { 37, 38 };
  g_auto(GStrv) colleague = NULL;
  Runner runner;

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign_with (f, tag, "1d", "stop-company-on-reply=true\n");

  runner_start (&runner, f->db, 90);
  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    {
      g_auto(GStrv) sent = runner_wait (&runner, "sent", NULL, 20);

      g_assert_nonnull (sent);
    }
  /* p39 is no prospect here, but works at the same company. */
  prospect_writes (39, "About your note to my colleague", NULL, "I handle this, write to me.");
  colleague = runner_wait (&runner, "colleague_replied", NULL, 30);
  g_assert_nonnull (colleague);
  g_assert_cmpstr (colleague[2], ==, tag);
  runner_stop (&runner);
  runner_clear (&runner);

  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'replied'"
                                 " AND state_reason = 'colleague'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'stopped'"
                                 " AND state_reason = 'colleague'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'colleague_replied'"), ==, 1);
  /* The colleague is not a prospect: no prospect's status changed. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE status = 'active'"), ==, 2);
}

/* A delayed-delivery DSN (Postfix's format, 4.x.x) for @message_id. */
static void
delay_dsn_arrives (guint       prospect,
                   const char *message_id,
                   guint       n)
{
  ObTlsEndpoint endpoint = {
    .host = bed_get ("MAILBED_HOST"),
    .port = bed_port ("MAILBED_SMTP_PORT"),
    .security = OB_TLS_SECURITY_INSECURE,
    .timeout_seconds = 10,
  };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  const char *domain = bed_get ("MAILBED_PROSPECT_DOMAIN");
  g_autofree char *from = g_strdup_printf ("mailer-daemon@%s", domain);
  g_autofree char *text = g_strdup_printf (
    "From: MAILER-DAEMON@%s (Mail Delivery System)\r\nTo: %s\r\n"
    "Subject: Delayed Mail (still being retried)\r\nAuto-Submitted: auto-replied\r\n"
    "Message-ID: <delay-%u-%" G_GINT64_FORMAT "@%s>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
    "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    "Your message could not be delivered for more than 4 hour(s).\r\n\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; %s\r\n\r\n"
    "Final-Recipient: rfc822; p%u@%s\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nTo: p%u@%s\r\nSubject: Hello\r\n"
    "Message-ID: <%s>\r\n\r\n--B--\r\n",
    domain, bed_get ("MAILBED_REP2"), n, g_get_real_time (), domain, domain, prospect, domain,
    prospect, domain, message_id);

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_send (smtp, from, bed_get ("MAILBED_REP2"), text, strlen (text) - 2, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_close (smtp);
}

/* Soft bounces: the step goes back (same Message-ID, 6 hours later); the
 * third bounces the prospect. */
static void
test_soft_bounce (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("soft-%d", (int) getpid ());
  g_autofree char *p40 = g_strdup_printf ("p40@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  const guint prospects[] = { 40 };
  g_auto(GStrv) sent = NULL;
  Runner runner;

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign (f, tag, "1d");

  runner_start (&runner, f->db, 90);
  sent = runner_wait (&runner, "sent", p40, 20);
  g_assert_nonnull (sent);

  delay_dsn_arrives (40, sent[5], 1);
  {
    g_auto(GStrv) soft = runner_wait (&runner, "soft_bounced", p40, 30);

    /* What the run printed says why, when it did not come */
    if (soft == NULL)
      g_error ("no soft_bounced for %s within 30 s:\n%s", p40, runner.all->str);
    g_assert_true (g_str_has_prefix (soft[6], "4.2.2"));
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry' AND step_position = 1"
                                 " AND retry_at BETWEEN unixepoch () + 5 * 3600 AND unixepoch () + 7 * 3600"),
                   ==, 1);
  {
    g_autofree char *message_id = query_text (f, "SELECT message_id FROM sends");

    g_assert_cmpstr (message_id, ==, sent[5]);
  }
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 1);

  for (guint n = 2; n <= 3; n++)
    {
      g_auto(GStrv) soft = NULL;

      delay_dsn_arrives (40, sent[5], n);
      soft = runner_wait (&runner, "soft_bounced", p40, 30);
      g_assert_nonnull (soft);
    }
  {
    g_auto(GStrv) bounced = runner_wait (&runner, "bounced", p40, 30);
    g_autofree char *state = NULL;

    g_assert_nonnull (bounced);
    state = enrollment_state (f, 40);
    g_assert_cmpstr (state, ==, "bounced");
  }
  runner_stop (&runner);
  g_assert_null (runner_wait (&runner, "sent", p40, 0));
  runner_clear (&runner);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE status = 'bounced'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'soft_bounced'"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry'"), ==, 0);
  g_assert_cmpuint (delivered (40, tag), ==, 1);
}

static void
test_account_test (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };

  r = add_account (f, "good", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "account", "test", "good", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "IMAP"));
  cli_result_clear (&r);

  /* Wrong password: SMTP says so first. */
  r = add_account (f, "wrong", "not-the-password", TRUE);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "account", "test", "wrong", NULL);
  g_test_message ("wrong password: %s", r.err);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "SMTP"));
  g_assert_nonnull (strstr (r.err, "AUTH"));
  cli_result_clear (&r);

  /* SMTP works, the IMAP password is wrong: IMAP says so. */
  {
    g_autofree char *smtp = g_strdup_printf ("%s:%s:starttls", bed_get ("MAILBED_HOST"),
                                             bed_get ("MAILBED_SUBMISSION_PORT"));
    g_autofree char *imap = g_strdup_printf ("%s:%s:tls", bed_get ("MAILBED_HOST"),
                                             bed_get ("MAILBED_IMAPS_PORT"));
    g_autofree char *input = g_strdup_printf ("%s\nnot-the-password\n", bed_get ("MAILBED_REP_PASSWORD"));

    run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", "imap-wrong",
                        "--email", bed_get ("MAILBED_REP2"), "--smtp", smtp, "--imap", imap,
                        "--ca-file", bed_get ("MAILBED_CA_FILE"), "--password-stdin",
                        "--imap-password-stdin", NULL);
    g_assert_cmpint (r.status, ==, 0);
    cli_result_clear (&r);
    run_cli (&r, "--db", f->db, "account", "test", "imap-wrong", NULL);
    g_test_message ("wrong IMAP password: %s", r.err);
    g_assert_cmpint (r.status, !=, 0);
    g_assert_nonnull (strstr (r.err, "IMAP"));
    g_assert_nonnull (strstr (r.err, "LOGIN"));
    cli_result_clear (&r);
  }

  /* The bed's CA not trusted: the certificate is named. */
  r = add_account (f, "untrusted", bed_get ("MAILBED_REP_PASSWORD"), FALSE);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "account", "test", "untrusted", NULL);
  g_test_message ("untrusted: %s", r.err);
  g_assert_cmpint (r.status, !=, 0);
  g_assert_nonnull (strstr (r.err, "certificate"));
}

/* ---- A reply just as the next step goes ------------------------------------ */

/* What the sender and the watcher reported, on this thread. */
typedef struct
{
  GMutex     lock;
  GCond      cond;
  guint      hold_step;   /* the claim of this step waits in "before-send" */
  gboolean   held;
  gboolean   release;
  GPtrArray *lines;       /* "kind step address message-id" */
} Hook;

static void
on_before_send (ObSender           *sender,
                const ObOutboxSend *send,
                Hook               *hook)
{
  if (send->step != hook->hold_step)
    return;
  g_mutex_lock (&hook->lock);
  hook->held = TRUE;
  g_cond_broadcast (&hook->cond);
  while (!hook->release)
    g_cond_wait (&hook->cond, &hook->lock);
  g_mutex_unlock (&hook->lock);
}

static void
on_sender_event (const ObSenderEvent *event,
                 gpointer             data)
{
  Hook *hook = data;

  g_ptr_array_add (hook->lines, g_strdup_printf ("%s %u %s %s", ob_sender_event_kind_to_string (event->kind),
                                                 event->step, event->email != NULL ? event->email : "-",
                                                 event->message_id != NULL ? event->message_id : "-"));
}

static void
on_watcher_event (const ObWatcherEvent *event,
                  gpointer              data)
{
  Hook *hook = data;

  g_ptr_array_add (hook->lines, g_strdup_printf ("%s %u %s %s", ob_watcher_event_kind_to_string (event->kind),
                                                 event->step, event->email != NULL ? event->email : "-",
                                                 event->detail != NULL ? event->detail : "-"));
}

/* The first line starting with @prefix, within @seconds of main-loop time;
 * its last word. */
static char *
hook_wait (Hook       *hook,
           const char *prefix,
           double      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  for (;;)
    {
      for (guint i = 0; i < hook->lines->len; i++)
        {
          const char *line = g_ptr_array_index (hook->lines, i);

          if (g_str_has_prefix (line, prefix))
            return g_strdup (strrchr (line, ' ') + 1);
        }
      if (g_get_monotonic_time () >= deadline)
        return NULL;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
}

static gboolean
hook_held (Hook *hook)
{
  gboolean held;

  g_mutex_lock (&hook->lock);
  held = hook->held;
  g_mutex_unlock (&hook->lock);
  return held;
}

static void
hook_release (Hook *hook)
{
  g_mutex_lock (&hook->lock);
  hook->release = TRUE;
  g_cond_broadcast (&hook->cond);
  g_mutex_unlock (&hook->lock);
}

static void
hook_dump (Hook *hook)
{
  for (guint i = 0; i < hook->lines->len; i++)
    g_test_message ("  %s", (const char *) g_ptr_array_index (hook->lines, i));
}

/* The sender has claimed step 2 ('sending') and waits just before its last
 * look; the prospect's reply to step 1 arrives and is recorded meanwhile:
 * the step is taken back, nothing more reaches the prospect. */
static void
test_race_reply_while_sending (Fixture       *f,
                               gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("race-%d", (int) getpid ());
  g_autofree char *p21 = g_strdup_printf ("p21@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *prefix = g_strdup_printf ("sent 1 %s ", p21);
  g_autofree char *replied_prefix = g_strdup_printf ("replied 1 %s ", p21);
  g_autofree char *withdrawn_prefix = g_strdup_printf ("withdrawn 2 %s ", p21);
  g_autofree char *first = NULL;
  g_autofree char *replied = NULL;
  g_autofree char *withdrawn = NULL;
  g_autofree char *watching = NULL;
  g_autoptr(ObSender) sender = NULL;
  g_autoptr(ObWatcher) watcher = NULL;
  const guint prospects[] = { 21 };
  Hook hook = { .hold_step = 2 };
  gint64 account_id, deadline;

  g_mutex_init (&hook.lock);
  g_cond_init (&hook.cond);
  hook.lines = g_ptr_array_new_with_free_func (g_free);

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  /* Step 2 is due a second after step 1. */
  create_campaign (f, tag, "1s");
  account_id = query_int (f, "SELECT id FROM accounts");

  watcher = ob_watcher_new (f->db, account_id, NULL, on_watcher_event, &hook, NULL);
  ob_watcher_start (watcher);
  watching = hook_wait (&hook, "watching", 20);
  g_assert_nonnull (watching);
  sender = ob_sender_new (f->db, account_id, NULL, on_sender_event, &hook, NULL);
  g_signal_connect (sender, "before-send", G_CALLBACK (on_before_send), &hook);
  ob_sender_start (sender);

  first = hook_wait (&hook, prefix, 20);
  g_assert_nonnull (first);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!hook_held (&hook) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
  g_assert_true (hook_held (&hook));
  /* Claimed: durably 'sending', nothing handed to the server yet. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE step_position = 2 AND state = 'sending'"),
                   ==, 1);

  prospect_writes (21, "Re: Hello", first, "Interesting, call me tomorrow.");
  replied = hook_wait (&hook, replied_prefix, 30);
  if (replied == NULL)
    hook_dump (&hook);
  g_assert_nonnull (replied);
  /* The reply knew a step was in flight. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"
                                 " AND json_extract (detail, '$.in_flight_step') = '2'"), ==, 1);

  hook_release (&hook);
  withdrawn = hook_wait (&hook, withdrawn_prefix, 20);
  if (withdrawn == NULL)
    hook_dump (&hook);
  g_assert_nonnull (withdrawn);
  ob_sender_stop (sender);
  ob_watcher_stop (watcher);
  hook_dump (&hook);

  g_assert_null (hook_wait (&hook, "sent 2", 0));
  g_assert_cmpuint (delivered (21, tag), ==, 1);
  {
    g_autofree char *state = enrollment_state (f, 21);

    g_assert_cmpstr (state, ==, "replied");
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE step_position = 1 AND state = 'sent'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'withdrawn' AND step_position = 2"),
                   ==, 1);

  g_ptr_array_unref (hook.lines);
  g_mutex_clear (&hook.lock);
  g_cond_clear (&hook.cond);
}

#define RACE_FIRST 22
#define RACE_N     6

/* outbound-cli run with step 2 due two seconds after step 1, and each
 * prospect's reply timed to be recorded around that moment (a little
 * before, at, a little after): whatever the order, a prospect gets the
 * steps sent before the reply was recorded, plus at most the one step
 * that was already 'sending' then (the reply's event names it), and every
 * message delivered is a send on record. */
static void
test_race_reply_when_step_due (Fixture       *f,
                               gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("racedue-%d", (int) getpid ());
  guint prospects[RACE_N];
  gint64 reply_at[RACE_N] = { 0 };
  gboolean written[RACE_N] = { 0 };
  char *first[RACE_N] = { 0 };
  guint replies = 0, in_flight = 0;
  Runner runner;
  gint64 deadline;

  for (guint i = 0; i < RACE_N; i++)
    prospects[i] = RACE_FIRST + i;
  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, RACE_N);
  create_campaign (f, tag, "2s");

  runner_start (&runner, f->db, 90);
  deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  while (replies < RACE_N && g_get_monotonic_time () < deadline)
    {
      gint64 now = g_get_monotonic_time ();

      runner_read (&runner, 10);
      for (guint i = 0; i < RACE_N; i++)
        {
          g_autofree char *email = g_strdup_printf ("p%u@%s", prospects[i], bed_get ("MAILBED_PROSPECT_DOMAIN"));

          if (first[i] == NULL)
            {
              g_auto(GStrv) sent = runner_wait (&runner, "sent", email, 0);

              if (sent != NULL)
                {
                  /* Dovecot pushes ~0.5 s after delivery: aim the recording
                   * at 1.2 s ... 2.5 s after step 1, around step 2's due
                   * time (whole seconds). */
                  first[i] = g_strdup (sent[5]);
                  reply_at[i] = now + (700 + 260 * i) * 1000;
                }
            }
          else if (!written[i] && now >= reply_at[i])
            {
              prospect_writes (prospects[i], "Re: Hello", first[i], "Yes, let us talk.");
              written[i] = TRUE;
            }
          else if (written[i])
            {
              g_auto(GStrv) replied = runner_wait (&runner, "replied", email, 0);

              if (replied != NULL)
                replies++;
            }
        }
    }
  g_assert_cmpuint (replies, ==, RACE_N);
  /* One more step's delay: nothing else may go. */
  g_usleep (3 * G_USEC_PER_SEC);
  runner_stop (&runner);
  runner_clear (&runner);

  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state NOT IN ('sent')"), ==, 0);
  for (guint i = 0; i < RACE_N; i++)
    {
      g_autofree char *state = enrollment_state (f, prospects[i]);
      g_autofree char *where = g_strdup_printf (
        " FROM events AS r JOIN enrollments AS e ON e.id = r.enrollment_id JOIN prospects AS p"
        " ON p.id = e.prospect_id WHERE r.kind = 'replied' AND p.email LIKE 'p%u@%%'", prospects[i]);
      g_autofree char *before_sql = g_strconcat ("SELECT coalesce (r.step_position, 0)", where, NULL);
      g_autofree char *flight_sql = g_strconcat ("SELECT coalesce (json_extract (r.detail, '$.in_flight_step'), 0)",
                                                 where, NULL);
      g_autofree char *sent_sql = g_strdup_printf (
        "SELECT count(*) FROM sends AS s JOIN enrollments AS e ON e.id = s.enrollment_id JOIN prospects AS p"
        " ON p.id = e.prospect_id WHERE s.state = 'sent' AND p.email LIKE 'p%u@%%'", prospects[i]);
      gint64 before = query_int (f, before_sql);
      gint64 flight = query_int (f, flight_sql);
      guint got = delivered (prospects[i], tag);

      g_test_message ("p%u: %u delivered, %" G_GINT64_FORMAT " sent before the reply was recorded,"
                      " step in flight then: %" G_GINT64_FORMAT, prospects[i], got, before, flight);
      g_assert_cmpstr (state, ==, "replied");
      /* Every message the prospect got is a send on record. */
      g_assert_cmpint (got, ==, query_int (f, sent_sql));
      if (flight > 0)
        {
          in_flight++;
          g_assert_cmpint (flight, ==, before + 1);
          g_assert_true (got == before || got == before + 1);
        }
      else
        g_assert_cmpint (got, ==, before);
      g_free (first[i]);
    }
  g_test_message ("%u of %d replies were recorded while the next step was in flight", in_flight, RACE_N);
}

/* outbound-cli run stopped; three prospects answer meanwhile; the next
 * run finds all three (by UID, from where the last one stopped), once. */
static void
test_closed_while_three_reply (Fixture       *f,
                               gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("closed-%d", (int) getpid ());
  const guint prospects[] = { 28, 29, 30 };
  char *first[G_N_ELEMENTS (prospects)] = { 0 };
  Runner runner;

  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign (f, tag, "1d");

  runner_start (&runner, f->db, 90);
  {
    g_auto(GStrv) watching = runner_wait (&runner, "watching", NULL, 20);

    g_assert_nonnull (watching);
  }
  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@%s", prospects[i], bed_get ("MAILBED_PROSPECT_DOMAIN"));
      g_auto(GStrv) sent = runner_wait (&runner, "sent", email, 20);

      g_assert_nonnull (sent);
      first[i] = g_strdup (sent[5]);
    }
  runner_stop (&runner);
  runner_clear (&runner);

  /* Closed: the three answer, one of them without thread headers. */
  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    {
      g_autofree char *body = g_strdup_printf ("Closed-test answer %u from %s.", prospects[i], tag);

      prospect_writes (prospects[i], "Re: Hello", i == 1 ? NULL : first[i], body);
      wait_in_inbox (body);
    }

  run_cli (&r, "--db", f->db, "run", "--for", "6", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_test_message ("run after the stop:\n%s", r.out);
  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    {
      g_autofree char *needle = g_strdup_printf ("\treplied\t%s\t1\tp%u@", tag, prospects[i]);
      g_autofree char *state = enrollment_state (f, prospects[i]);

      g_assert_nonnull (strstr (r.out, needle));
      g_assert_cmpstr (state, ==, "replied");
      g_free (first[i]);
    }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"), ==, 3);
  /* And not twice. */
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "run", "--for", "3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, "\treplied\t"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (prospects); i++)
    g_assert_cmpuint (delivered (prospects[i], tag), ==, 1);
}

/* Dovecot itself stops (by pid, not a kick) while the watcher is in IDLE;
 * a reply comes while it is down (Postfix queues it) and is delivered
 * when it is back; the watcher connects again with its backoff and finds
 * it. On a private bed: the run's shared bed never loses its Dovecot. */
static void
test_dovecot_restarted (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = NULL;
  g_autofree char *p30 = NULL;
  const guint prospects[] = { 30 };
  g_auto(GStrv) watching = NULL;
  g_auto(GStrv) sent = NULL;
  g_auto(GStrv) dropped = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) replied = NULL;
  g_autofree char *body = NULL;
  Runner runner;
  guint errors = 0;

  bed_begin_private (TRUE);
  tag = g_strdup_printf ("restart-%d", (int) getpid ());
  p30 = g_strdup_printf ("p30@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  body = g_strdup_printf ("Written while Dovecot was down (%s).", tag);
  r = add_account (f, "rep2", bed_get ("MAILBED_REP_PASSWORD"), TRUE);
  if (r.status != 0)
    g_error ("account add: %s", r.err);
  import_prospects (f, prospects, G_N_ELEMENTS (prospects));
  create_campaign (f, tag, "1d");

  runner_start (&runner, f->db, 90);
  watching = runner_wait (&runner, "watching", NULL, 20);
  g_assert_nonnull (watching);
  g_assert_true (g_str_has_prefix (watching[6], "IDLE"));
  sent = runner_wait (&runner, "sent", p30, 20);
  g_assert_nonnull (sent);
  /* The Sent copy went; the watcher is back in IDLE. */
  g_usleep (500 * 1000);

  bed_stop_dovecot ();
  dropped = runner_wait (&runner, "watch-error", NULL, 30);
  g_assert_nonnull (dropped);
  g_test_message ("dropped: %s", dropped[6]);
  /* Postfix takes it (250) and keeps it: the LMTP socket is gone. */
  prospect_writes (30, "Re: Hello", sent[5], body);
  g_usleep (1500 * 1000);
  g_assert_cmpuint (count_tagged ("rep2", "outbound.test", ".", tag), ==, 0);

  bed_start_dovecot ();
  wait_in_inbox (body);
  again = runner_wait (&runner, "watching", NULL, 60);
  g_assert_nonnull (again);
  replied = runner_wait (&runner, "replied", p30, 30);
  g_assert_nonnull (replied);
  g_assert_cmpstr (replied[5], ==, sent[5]);
  runner_stop (&runner);
  {
    g_auto(GStrv) lines = g_strsplit (runner.all->str, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (strstr (lines[i], "\twatch-error\t") != NULL)
        errors++;
  }
  g_test_message ("%u failed connection attempts before Dovecot was back", errors);
  g_assert_cmpuint (errors, >=, 1);
  runner_clear (&runner);

  {
    g_autofree char *state = enrollment_state (f, 30);

    g_assert_cmpstr (state, ==, "replied");
  }
  g_assert_cmpuint (delivered (30, tag), ==, 1);
  bed_end_private ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

  g_test_add ("/watch/reply-bounce-unsubscribe-catch-up", Fixture, NULL, fixture_setup,
              test_reply_bounce_unsubscribe_catch_up, fixture_teardown);
  g_test_add ("/watch/sent-copy-retried", Fixture, NULL, fixture_setup, test_sent_copy_retried,
              fixture_teardown);
  g_test_add ("/watch/reconnect", Fixture, NULL, fixture_setup, test_reconnect, fixture_teardown);
  g_test_add ("/watch/colleague-stops-company", Fixture, NULL, fixture_setup, test_colleague_stops_company,
              fixture_teardown);
  g_test_add ("/watch/soft-bounce", Fixture, NULL, fixture_setup, test_soft_bounce, fixture_teardown);
  g_test_add ("/watch/account-test", Fixture, NULL, fixture_setup, test_account_test, fixture_teardown);
  g_test_add ("/watch/race/reply-while-sending", Fixture, NULL, fixture_setup, test_race_reply_while_sending,
              fixture_teardown);
  g_test_add ("/watch/race/reply-when-step-due", Fixture, NULL, fixture_setup, test_race_reply_when_step_due,
              fixture_teardown);
  g_test_add ("/watch/closed-while-three-reply", Fixture, NULL, fixture_setup, test_closed_while_three_reply,
              fixture_teardown);
  g_test_add ("/watch/dovecot-restarted", Fixture, NULL, fixture_setup, test_dovecot_restarted,
              fixture_teardown);

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
