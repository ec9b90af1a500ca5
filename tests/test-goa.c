/* test-goa.c: GNOME Online Accounts for real: a real goa-daemon with an
 * "IMAP and SMTP" account on the mail bed, read through ob-goa; a campaign
 * sends through it and a reply is caught through it; the Online Account
 * removed while the runner sends holds the Outbound account with its
 * reason, restored it sends again, and nothing goes twice.
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "goa"; runs under tests/goa-session (its own bus, home, keyring and
 * goa-daemon), with the mail bed of build-aux/test-session or its own.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "ob-accounts.h"
#include "ob-goa.h"
#include "ob-secrets.h"
#include "ob-smtp.h"
#include "ob-store.h"
#include "bedlib.h"
#include "testlib.h"

#define GOA_ID "account_1700000000_0"

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

  f->dir = g_dir_make_tmp ("ob-goa-XXXXXX", &error);
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

/* ---- The Online Account ------------------------------------------------------ */

/* The Online Account's mailbox: one no other test of the bed watches or
 * writes from (rep and rep2 are test-send's and test-watch's, whose
 * prospects' mail would reach this test's watcher), so a bed user of the
 * prospects' domain that only test-send's last campaign writes to, from an
 * address this test never enrolls. */
static const char *
goa_mailbox (void)
{
  static char *address;

  if (address == NULL)
    address = g_strdup_printf ("p39@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  return address;
}

static char *
accounts_conf_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "goa-1.0", "accounts.conf", NULL);
}

/* goa_mailbox() on the bed as Settings → Online Accounts → "IMAP and SMTP" writes
 * it: IMAP over implicit TLS, submission with STARTTLS. (This provider's
 * mail switch is the key "Enabled"; Google's and others' is "MailEnabled".) GOA itself accepts
 * the bed's throwaway certificate; Outbound verifies it with the CA. */
static void
write_goa_account (gboolean present,
                   gboolean mail_enabled)
{
  g_autofree char *path = accounts_conf_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  if (present)
    text = g_strdup_printf ("[Account " GOA_ID "]\n"
                            "Provider=imap_smtp\n"
                            "Identity=%s\n"
                            "PresentationIdentity=%s\n"
                            "Enabled=%s\n"
                            "EmailAddress=%s\n"
                            "Name=Rita Rep\n"
                            "ImapHost=%s:%s\n"
                            "ImapUserName=%s\n"
                            "ImapUseSsl=true\n"
                            "ImapUseTls=false\n"
                            "ImapAcceptSslErrors=true\n"
                            "SmtpHost=%s:%s\n"
                            "SmtpUseAuth=true\n"
                            "SmtpUserName=%s\n"
                            "SmtpAuthLogin=false\n"
                            "SmtpAuthPlain=true\n"
                            "SmtpUseSsl=false\n"
                            "SmtpUseTls=true\n"
                            "SmtpAcceptSslErrors=true\n",
                            goa_mailbox (), goa_mailbox (),
                            mail_enabled ? "true" : "false", goa_mailbox (),
                            bed_get ("MAILBED_HOST"), bed_get ("MAILBED_IMAPS_PORT"), goa_mailbox (),
                            bed_get ("MAILBED_HOST"), bed_get ("MAILBED_SUBMISSION_PORT"),
                            goa_mailbox ());
  else
    text = g_strdup ("");
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* GOA's own keyring item for the account (schema org.gnome.OnlineAccounts,
 * the secret a GVariant a{sv} in text form). */
static const SecretSchema goa_schema = {
  "org.gnome.OnlineAccounts", SECRET_SCHEMA_DONT_MATCH_NAME,
  { { "goa-identity", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

static void
clear_goa_secret (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (secret_password_clear_sync (&goa_schema, NULL, &error,
                                             "goa-identity", "imap_smtp:gen0:" GOA_ID, NULL));
  g_assert_no_error (error);
}

static void
store_goa_secret (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) secret = NULL;
  g_autofree char *text = NULL;

  g_variant_builder_add (builder, "{sv}", "imap-password", g_variant_new_string (bed_get ("MAILBED_PROSPECT_PASSWORD")));
  g_variant_builder_add (builder, "{sv}", "smtp-password", g_variant_new_string (bed_get ("MAILBED_PROSPECT_PASSWORD")));
  secret = g_variant_ref_sink (g_variant_builder_end (builder));
  text = g_variant_print (secret, TRUE);
  secret_password_store_sync (&goa_schema, SECRET_COLLECTION_DEFAULT, "GOA imap_smtp credentials for identity "
                              GOA_ID, text, NULL, &error,
                              "goa-identity", "imap_smtp:gen0:" GOA_ID, NULL);
  g_assert_no_error (error);
}

/* goa-daemon reloads accounts.conf when it changes: wait until what it
 * exports says @expected (NOT_FOUND, MAIL_DISABLED or -1 for usable). */
static void
wait_goa (int expected)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObGoaMailAccount) mail = ob_goa_get_mail_account (GOA_ID, NULL, &error);

      if (expected < 0 ? mail != NULL : g_error_matches (error, OB_GOA_ERROR, expected))
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("goa-daemon did not come to %d: %s", expected, error != NULL ? error->message : "usable");
      g_usleep (100 * 1000);
    }
}

/* ---- The store and the bed ----------------------------------------------------- */

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

/* Messages whose headers hold @tag in a prospect's Maildir (new and cur). */
static guint
delivered (guint       prospect,
           const char *tag)
{
  const char *subdirs[] = { "new", "cur" };
  g_autofree char *user = g_strdup_printf ("p%u", prospect);
  guint n = 0;

  for (guint s = 0; s < G_N_ELEMENTS (subdirs); s++)
    {
      g_autofree char *dir_path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"),
                                                    bed_get ("MAILBED_PROSPECT_DOMAIN"), user, "Maildir",
                                                    subdirs[s], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autofree char *contents = NULL;
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

/* p@prospects.test answers the rep through the bed's plain port, in the
 * thread of @in_reply_to. */
static void
prospect_replies (guint       prospect,
                  const char *in_reply_to)
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
  g_autofree char *text = g_strdup_printf (
    "From: Person %u <%s>\r\nTo: %s\r\nSubject: Re: Hello\r\n"
    "Message-ID: <goa-reply-%u-%" G_GINT64_FORMAT "@prospects.test>\r\n"
    "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYes, let us talk.\r\n",
    prospect, from, goa_mailbox (), prospect, g_get_real_time (), in_reply_to, in_reply_to);

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_send (smtp, from, goa_mailbox (), text, strlen (text), NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_close (smtp);
}

static void
add_goa_account (Fixture    *f,
                 const char *pause)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "--db", f->db, "account", "add", "--goa", GOA_ID, "--name", "goa-rep",
           "--ca-file", bed_get ("MAILBED_CA_FILE"), "--pause", pause, "--daily-limit", "1000", NULL);
  if (r.status != 0)
    g_error ("account add --goa: %s", r.err);
}

static void
import_and_start (Fixture    *f,
                  guint       first,
                  guint       last,
                  const char *tag)
{
  g_autoptr(GString) csv = g_string_new ("email,first_name,company\n");
  g_autofree char *csv_path = NULL;
  g_autofree char *campaign = g_strdup_printf (
    "[campaign]\nname=%s\naccount=goa-rep\nwindow=00:00-24:00\ndays=mon;tue;wed;thu;fri;sat;sun\n"
    "pause=0-0\ndaily-limit=1000\n"
    "[step 1]\nsubject=Hello {{first_name}} [%s]\nbody=Hi {{first_name}}, a note about {{company}}.\n"
    "[step 2]\ndelay=1d\nbody=Following up.\n",
    tag, tag);
  g_autofree char *campaign_path = write_test_file (f->dir, "campaign.ini", campaign);
  g_auto(CliResult) r = { 0 };

  for (guint i = first; i <= last; i++)
    g_string_append_printf (csv, "p%u@%s,Person %u,Company %u\n", i, bed_get ("MAILBED_PROSPECT_DOMAIN"),
                            i, i);
  csv_path = write_test_file (f->dir, "prospects.csv", csv->str);
  run_cli (&r, "--db", f->db, "import", csv_path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "create", "--from", campaign_path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "enroll", "--campaign", tag, "--all", NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "campaign", "start", tag, NULL);
  if (r.status != 0)
    g_error ("campaign start: %s %s", r.out, r.err);
}

/* ---- The tests --------------------------------------------------------------- */

/* What the daemon exports, as Outbound reads it: the Mail interface mapped
 * to account fields, the password from PasswordBased, and a clear error for
 * mail turned off and for a removed account. */
static void
test_mail_account (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(ObSecret) secret = NULL;
  g_auto(CliResult) r = { 0 };
  ObGoaMailAccount *mail = NULL;
  ObGoaSecretKind kind = OB_GOA_SECRET_OAUTH2;
  g_autofree char *expected_line = NULL;

  write_goa_account (TRUE, TRUE);
  wait_goa (-1);

  list = ob_goa_list_mail_accounts (NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (((ObGoaMailAccount *) g_ptr_array_index (list, i))->id, GOA_ID))
      mail = g_ptr_array_index (list, i);
  g_assert_nonnull (mail);
  g_assert_cmpstr (mail->provider_type, ==, "imap_smtp");
  g_assert_cmpstr (mail->email, ==, goa_mailbox ());
  g_assert_cmpstr (mail->name, ==, "Rita Rep");
  g_assert_false (mail->oauth2);
  g_assert_false (mail->attention_needed);
  g_assert_cmpstr (mail->smtp_host, ==, bed_get ("MAILBED_HOST"));
  g_assert_cmpuint (mail->smtp_port, ==, bed_port ("MAILBED_SUBMISSION_PORT"));
  g_assert_cmpint (mail->smtp_security, ==, OB_SECURITY_STARTTLS);
  g_assert_true (mail->smtp_use_auth);
  g_assert_cmpstr (mail->smtp_user, ==, goa_mailbox ());
  g_assert_cmpstr (mail->imap_host, ==, bed_get ("MAILBED_HOST"));
  g_assert_cmpuint (mail->imap_port, ==, bed_port ("MAILBED_IMAPS_PORT"));
  g_assert_cmpint (mail->imap_security, ==, OB_SECURITY_TLS);
  g_assert_cmpstr (mail->imap_user, ==, goa_mailbox ());

  g_assert_true (ob_goa_get_secret (GOA_ID, OB_SECRET_IMAP, FALSE, &kind, &secret, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kind, ==, OB_GOA_SECRET_PASSWORD);
  g_assert_cmpstr (secret, ==, bed_get ("MAILBED_PROSPECT_PASSWORD"));

  /* The CLI lists it with its id. */
  run_cli (&r, "account", "online", NULL);
  g_assert_cmpint (r.status, ==, 0);
  expected_line = g_strdup_printf (GOA_ID "\tIMAP and SMTP\t%s\tok\n", goa_mailbox ());
  g_assert_nonnull (strstr (r.out, expected_line));
  cli_result_clear (&r);

  /* Added from it: the servers are GOA's, no password is kept by Outbound,
   * and the account lists as GOA's. */
  add_goa_account (f, "0-0");
  run_cli (&r, "--db", f->db, "account", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_autofree char *line = g_strdup_printf ("goa-rep\t%s\t%s:%s:starttls\t%s:%s:tls\tok\tgoa:" GOA_ID "\n",
                                             goa_mailbox (), bed_get ("MAILBED_HOST"),
                                             bed_get ("MAILBED_SUBMISSION_PORT"), bed_get ("MAILBED_HOST"),
                                             bed_get ("MAILBED_IMAPS_PORT"));
    g_assert_cmpstr (r.out, ==, line);
  }
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "account", "list", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"goa_id\": \"" GOA_ID "\""));
  cli_result_clear (&r);
  {
    g_autoptr(ObStore) store = ob_store_open (f->db, &error);
    g_autoptr(ObAccount) account = ob_accounts_get_by_name (store, "goa-rep", &error);
    g_autoptr(ObSecret) kept = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (account->auth_method, ==, "goa");
    kept = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_SMTP, NULL, &error);
    g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
    g_assert_null (kept);
    g_clear_error (&error);
  }
  /* Test Connection logs in on both sides with GOA's password. */
  run_cli (&r, "--db", f->db, "account", "test", "goa-rep", NULL);
  if (r.status != 0)
    g_error ("account test: %s", r.err);
  cli_result_clear (&r);

  /* GOA's password gone from the keyring: the refresh after a refusal
   * (EnsureCredentials) fails, GOA marks the account, Outbound says so. */
  clear_goa_secret ();
  g_clear_pointer (&secret, ob_secrets_free);
  g_assert_false (ob_goa_get_secret (GOA_ID, OB_SECRET_SMTP, TRUE, &kind, &secret, NULL, &error));
  g_assert_error (error, OB_GOA_ERROR, OB_GOA_ERROR_ATTENTION_NEEDED);
  g_clear_error (&error);
  wait_goa (OB_GOA_ERROR_ATTENTION_NEEDED);
  run_cli (&r, "--db", f->db, "account", "test", "goa-rep", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "needs your attention"));
  cli_result_clear (&r);
  /* Back in the keyring, a refresh clears it. */
  store_goa_secret ();
  g_assert_true (ob_goa_get_secret (GOA_ID, OB_SECRET_SMTP, TRUE, &kind, &secret, NULL, &error));
  g_assert_no_error (error);
  wait_goa (-1);

  /* What a look-up costs: every connection of a GOA account makes two or
   * three (settings, secret). */
  {
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < 20; i++)
      {
        g_autoptr(ObGoaMailAccount) again = ob_goa_get_mail_account (GOA_ID, NULL, &error);

        g_assert_no_error (error);
      }
    g_test_message ("ob_goa_get_mail_account: %.1f ms each",
                    (g_get_monotonic_time () - start) / 20000.0);
  }

  /* --goa leaves no room for what GOA keeps. */
  run_cli (&r, "--db", f->db, "account", "add", "--goa", GOA_ID, "--name", "x", "--smtp", "h:587:starttls",
           NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli_result_clear (&r);
  run_cli (&r, "--db", f->db, "account", "add", "--goa", GOA_ID, "--name", "x", "--oauth", "google", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--oauth"));
  cli_result_clear (&r);

  /* Mail turned off. */
  write_goa_account (TRUE, FALSE);
  wait_goa (OB_GOA_ERROR_MAIL_DISABLED);
  run_cli (&r, "--db", f->db, "account", "test", "goa-rep", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "Mail is turned off"));
  cli_result_clear (&r);

  /* Removed. */
  write_goa_account (FALSE, FALSE);
  wait_goa (OB_GOA_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&secret, ob_secrets_free);
  g_assert_false (ob_goa_get_secret (GOA_ID, OB_SECRET_SMTP, FALSE, &kind, &secret, NULL, &error));
  g_assert_error (error, OB_GOA_ERROR, OB_GOA_ERROR_NOT_FOUND);
  g_assert_true (ob_goa_error_needs_settings (error));
  run_cli (&r, "--db", f->db, "account", "add", "--goa", GOA_ID, "--name", "again", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "removed"));
}

/* End to end through the Online Account: the campaign sends, the Online
 * Account goes away mid-run and the account holds with the reason, it comes
 * back and sending resumes by itself, a reply is caught over its IMAP side,
 * and every prospect got step 1 exactly once. */
static void
test_send_remove_restore_reply (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *tag = g_strdup_printf ("goa-%d", (int) getpid ());
  g_autofree char *p1 = g_strdup_printf ("p1@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) held = NULL;
  g_auto(GStrv) resumed = NULL;
  g_auto(GStrv) replied = NULL;
  const guint first_prospect = 1, last_prospect = 8;
  const guint n = last_prospect - first_prospect + 1;
  gint64 sent_when_held;
  Runner runner;

  write_goa_account (TRUE, TRUE);
  wait_goa (-1);
  /* One message a second, so that the removal lands mid-run. */
  add_goa_account (f, "1-1");
  import_and_start (f, first_prospect, last_prospect, tag);

  runner_start (&runner, f->db, 150);
  first = runner_wait (&runner, "sent", p1, 30);
  g_assert_nonnull (first);
  {
    g_auto(GStrv) second = runner_wait (&runner, "sent", NULL, 30);

    g_assert_nonnull (second);
  }

  /* Removed in Settings while the runner sends. */
  write_goa_account (FALSE, FALSE);
  held = runner_wait (&runner, "account-held", NULL, 30);
  g_assert_nonnull (held);
  g_assert_nonnull (strstr (held[6], "removed"));
  {
    g_autofree char *state = query_text (f, "SELECT state FROM accounts");
    g_autofree char *reason = query_text (f, "SELECT state_reason FROM accounts");

    g_assert_cmpstr (state, ==, "error");
    g_assert_nonnull (strstr (reason, "Settings → Online Accounts"));
  }
  sent_when_held = query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'");
  g_assert_cmpint (sent_when_held, <, n);
  /* Held: nothing more goes while it is away (three one-second pauses). */
  {
    g_auto(GStrv) more = runner_wait (&runner, "sent", NULL, 3.5);

    g_assert_null (more);
  }
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, sent_when_held);

  /* Restored: GOA's signal wakes the sender, which checks and sends on. */
  write_goa_account (TRUE, TRUE);
  resumed = runner_wait (&runner, "account-resumed", NULL, 30);
  g_assert_nonnull (resumed);
  for (guint i = (guint) sent_when_held; i < n; i++)
    {
      g_auto(GStrv) sent = runner_wait (&runner, "sent", NULL, 30);

      if (sent == NULL)
        g_error ("only %u of %u sent:\n%s", i, n, runner.all->str);
    }
  {
    g_autofree char *state = query_text (f, "SELECT state FROM accounts");

    g_assert_cmpstr (state, ==, "ok");
  }

  /* p1 answers step 1: the watcher, logged in with GOA's IMAP password,
   * stops the sequence. */
  prospect_replies (1, first[5]);
  replied = runner_wait (&runner, "replied", p1, 60);
  if (replied == NULL)
    g_error ("no reply caught:\n%s", runner.all->str);
  g_assert_cmpuint (runner_count (&runner, "sent"), ==, n);
  g_assert_cmpuint (runner_count (&runner, "account-held"), ==, 1);
  runner_stop (&runner);
  runner_clear (&runner);

  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), ==, n);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, n);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT e.state FROM enrollments e JOIN prospects p"
                                            " ON p.id = e.prospect_id WHERE p.email = '%s'", p1);
    g_autofree char *state = query_text (f, sql);

    g_assert_cmpstr (state, ==, "replied");
  }
  /* Each prospect's Maildir holds step 1 exactly once. */
  for (guint p = first_prospect; p <= last_prospect; p++)
    {
      guint count = 0;

      /* Delivery over LMTP takes milliseconds; give it a few seconds. */
      for (guint i = 0; i < 50 && (count = delivered (p, tag)) < 1; i++)
        g_usleep (100 * 1000);
      g_assert_cmpuint (count, ==, 1);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* goa-daemon must read this test's accounts.conf: never the desktop's. */
  if (g_getenv ("OUTBOUND_GOA_SESSION") == NULL)
    g_error ("run test-goa through tests/goa-session (meson test does)");
  load_bed ();
  store_goa_secret ();

  g_test_add ("/goa/daemon/mail-account", Fixture, NULL, fixture_setup, test_mail_account, fixture_teardown);
  g_test_add ("/goa/bed/send-remove-restore-reply", Fixture, NULL, fixture_setup,
              test_send_remove_restore_reply, fixture_teardown);

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
