/* test-oauth-bed.c: XOAUTH2 for real against the mail bed
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "mail"; needs the keyring of build-aux/test-session for the tokens.
 * The bed's Dovecot checks XOAUTH2 tokens with its oauth2 passdb against
 * the introspection endpoint of tests/oauth-server.c, which this program
 * runs on MAILBED_OAUTH_PORT; Postfix's submission port takes XOAUTH2
 * through Dovecot SASL, so SMTP and IMAP are both checked by real servers.
 * GSettings is a keyfile of this program's own, read by the CLI it runs too.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <libsoup/soup.h>

#include "ob-accounts.h"
#include "ob-imap.h"
#include "ob-mime.h"
#include "ob-oauth.h"
#include "ob-store.h"
#include "bedlib.h"
#include "oauth-server.h"
#include "testlib.h"

#define CLIENT_ID "outbound-bed-client"

static OAuthServer *server;

typedef struct
{
  char      *dir;
  char      *db;
  ObAccount *account;
} Fixture;

/* ---- A browser that agrees ---------------------------------------------- */

static gpointer
browser_thread (gpointer data)
{
  g_autofree char *url = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  return NULL;
}

static void
open_in_browser (const char *url,
                 gpointer    user_data)
{
  *(GThread **) user_data = g_thread_new ("browser", browser_thread, g_strdup (url));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  ObAccount *a;
  GThread *browser = NULL;

  oauth_server_set_mode (server, OAUTH_MODE_OK);
  f->dir = g_dir_make_tmp ("ob-oauth-bed-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "outbound.db", NULL);

  a = f->account = ob_account_new ();
  g_free (a->name);
  a->name = g_strdup ("rep");
  g_free (a->email);
  a->email = g_strdup (bed_get ("MAILBED_REP"));
  g_free (a->auth_method);
  a->auth_method = g_strdup (OB_AUTH_METHOD_OAUTH2);
  a->oauth_provider = g_strdup ("google");
  g_free (a->smtp_host);
  a->smtp_host = g_strdup (bed_get ("MAILBED_HOST"));
  a->smtp_port = bed_port ("MAILBED_SUBMISSION_PORT");
  a->smtp_security = OB_SECURITY_STARTTLS;
  a->imap_host = g_strdup (bed_get ("MAILBED_HOST"));
  a->imap_port = bed_port ("MAILBED_IMAPS_PORT");
  a->imap_security = OB_SECURITY_TLS;
  a->ca_file = g_strdup (bed_get ("MAILBED_CA_FILE"));
  a->pause_min = a->pause_max = 0;
  store = ob_store_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_true (ob_accounts_add (store, a, &error));
  g_assert_no_error (error);

  /* Signed in the way the app does it, the browser being a SoupSession. */
  config = ob_oauth_config_load ("google", &error);
  g_assert_no_error (error);
  tokens = ob_oauth_sign_in_sync (config, a->email, 10, open_in_browser, &browser, NULL, &error);
  g_thread_join (browser);
  g_assert_no_error (error);
  g_assert_true (ob_oauth_store_tokens (a, tokens, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ob_secrets_delete_sync (f->account->keyring_id, NULL, NULL);
  ob_account_free (f->account);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* ---- Tests ---------------------------------------------------------------- */

/* Test Connection: SMTP AUTH XOAUTH2 on Postfix, IMAP AUTHENTICATE XOAUTH2
 * on Dovecot, each token checked by introspection. */
static void
test_account_test (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint active = oauth_server_count (server, "introspect-active");
  guint refreshed = oauth_server_count (server, "refresh");

  g_assert_true (ob_account_test (f->account, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (oauth_server_count (server, "introspect-active"), >=, active + 2);
  g_assert_cmpuint (oauth_server_count (server, "refresh"), ==, refreshed);

  /* A password account with no password fails where this one did not. */
  {
    g_autoptr(ObAccount) password = ob_account_copy (f->account);

    g_free (password->auth_method);
    password->auth_method = g_strdup ("password");
    g_assert_false (ob_account_test (password, NULL, &error));
    g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  }
}

/* The server refuses a token the keyring still thinks fresh: refreshed once,
 * and the login tried again, on each side. */
static void
test_refused_token_refreshed (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = NULL;
  guint refreshed = oauth_server_count (server, "refresh");
  guint inactive = oauth_server_count (server, "introspect-inactive");

  oauth_server_revoke_access (server);
  imap = ob_imap_connect_account (f->account, 20, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (imap);
  ob_imap_connection_logout (imap);
  g_assert_cmpuint (oauth_server_count (server, "refresh"), ==, refreshed + 1);
  g_assert_cmpuint (oauth_server_count (server, "introspect-inactive"), ==, inactive + 1);

  oauth_server_revoke_access (server);
  g_assert_true (ob_account_test (f->account, NULL, &error));
  g_assert_no_error (error);
  /* SMTP refreshed; IMAP then used the new token. */
  g_assert_cmpuint (oauth_server_count (server, "refresh"), ==, refreshed + 2);
  g_assert_cmpuint (oauth_server_count (server, "introspect-inactive"), ==, inactive + 2);
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

static guint
delivered (guint       prospect,
           const char *tag)
{
  g_autofree char *user = g_strdup_printf ("p%u", prospect);
  g_autofree char *dir_path = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"),
                                                bed_get ("MAILBED_PROSPECT_DOMAIN"), user,
                                                "Maildir", "new", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, tag) != NULL)
        n++;
    }
  return n;
}

/* Byte by byte: a sqlite page holds NULs. */
static gboolean
contains (const char *haystack,
          gsize       len,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Delivery through LMTP takes a few milliseconds after the 250. */
static guint
wait_delivered (guint       prospect,
                const char *tag)
{
  for (guint i = 0; i < 100; i++)
    {
      if (delivered (prospect, tag) > 0)
        break;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return delivered (prospect, tag);
}

static void
start_campaign (Fixture    *f,
                const char *tag,
                guint       first,
                guint       last)
{
  g_autoptr(GString) csv = g_string_new ("email,first_name\n");
  g_autofree char *csv_path = NULL;
  g_autofree char *campaign = NULL;
  g_autofree char *campaign_path = NULL;
  g_auto(CliResult) r = { 0 };

  for (guint i = first; i <= last; i++)
    g_string_append_printf (csv, "p%u@%s,Person %u\n", i, bed_get ("MAILBED_PROSPECT_DOMAIN"), i);
  csv_path = write_test_file (f->dir, "prospects.csv", csv->str);
  run_cli (&r, "--db", f->db, "import", csv_path, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli_result_clear (&r);

  campaign = g_strdup_printf ("[campaign]\nname=%s\naccount=rep\nwindow=00:00-24:00\n"
                              "days=mon;tue;wed;thu;fri;sat;sun\npause=0-0\ndaily-limit=1000\n"
                              "[step 1]\nsubject=Hello {{first_name}} (%s)\nbody=Hi.\n", tag, tag);
  campaign_path = write_test_file (f->dir, "campaign.ini", campaign);
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

/* The sender through outbound-cli: messages go with XOAUTH2, after the
 * access token, about to expire, is refreshed. */
static void
test_send (Fixture       *f,
           gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("oauth-send-%d", (int) getpid ());

  g_autoptr(GPtrArray) secrets = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint refreshed = oauth_server_count (server, "refresh");

  start_campaign (f, tag, 31, 32);
  /* An access token that expires within the margin: the run refreshes it. */
  oauth_server_revoke_access (server);
  {
    g_autofree char *label = ob_account_dup_secret_label (f->account, OB_SECRET_OAUTH2_ACCESS);
    g_autoptr(GError) error = NULL;
    g_autofree char *stale = g_strdup_printf ("%" G_GINT64_FORMAT " stale-token",
                                              g_get_real_time () / G_USEC_PER_SEC + 30);

    g_assert_true (ob_secrets_store_sync (f->account->keyring_id, OB_SECRET_OAUTH2_ACCESS, label,
                                          stale, NULL, &error));
  }
  /* With every debug message on: none may hold a token. */
  {
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) run = NULL;
    g_autoptr(GError) error = NULL;

    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
    run = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("OUTBOUND_CLI"), "--db", f->db,
                                       "run", "--until-idle", "--for", "60", NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (run, NULL, NULL, &r.out, &r.err, &error);
    g_assert_no_error (error);
    r.status = g_subprocess_get_exit_status (run);
  }
  g_test_message ("run: %s", r.out);
  g_assert_cmpuint (oauth_server_count (server, "refresh"), ==, refreshed + 1);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines (r.out, "sent"), ==, 2);
  g_assert_cmpuint (count_lines (r.out, "account-held"), ==, 0);
  g_assert_cmpuint (wait_delivered (31, tag), ==, 1);
  g_assert_cmpuint (wait_delivered (32, tag), ==, 1);

  /* No token it used reached the output, the debug log or the store. */
  secrets = oauth_server_dup_secrets (server);
  dir = g_dir_open (f->dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      for (guint i = 0; i < secrets->len; i++)
        g_assert_false (contains (contents, length, g_ptr_array_index (secrets, i)));
    }
  for (guint i = 0; i < secrets->len; i++)
    {
      g_assert_null (strstr (r.out, g_ptr_array_index (secrets, i)));
      g_assert_null (strstr (r.err, g_ptr_array_index (secrets, i)));
    }
}

/* Revoked at the provider: the refresh fails with invalid_grant, the account
 * is held with a reason that says to sign in again, nothing goes. */
static void
test_revoked_holds_account (Fixture       *f,
                            gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *tag = g_strdup_printf ("oauth-revoked-%d", (int) getpid ());

  start_campaign (f, tag, 33, 34);
  oauth_server_revoke_access (server);
  oauth_server_set_mode (server, OAUTH_MODE_REVOKED);
  run_cli (&r, "--db", f->db, "run", "--until-idle", "--for", "30", NULL);
  g_test_message ("run: %s %s", r.out, r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpuint (count_lines (r.out, "account-held"), ==, 1);
  g_assert_cmpuint (count_lines (r.out, "sent"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM accounts WHERE state = 'error'"
                              " AND state_reason LIKE '%sign in again%'"), ==, 1);
  g_assert_cmpuint (delivered (33, tag), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_home = NULL;
  g_autofree char *settings_dir = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *authorize = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

  /* Before anything reads GSettings: a keyfile this program and the CLI
   * it runs share. */
  config_home = g_dir_make_tmp ("ob-oauth-config-XXXXXX", &error);
  g_assert_no_error (error);
  settings_dir = g_build_filename (config_home, "glib-2.0", "settings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  authorize = g_strdup_printf ("http://127.0.0.1:%u/authorize", bed_port ("MAILBED_OAUTH_PORT"));
  token = g_strdup_printf ("http://127.0.0.1:%u/token", bed_port ("MAILBED_OAUTH_PORT"));
  keyfile = g_strdup_printf ("[io/github/outbound/Outbound]\n"
                             "oauth-google-client-id='%s'\n"
                             "oauth-google-authorize-url='%s'\n"
                             "oauth-google-token-url='%s'\n", CLIENT_ID, authorize, token);
  path = write_test_file (settings_dir, "keyfile", keyfile);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  /* Where the bed's Dovecot asks: started after the environment is set. */
  server = oauth_server_start (bed_port ("MAILBED_OAUTH_PORT"), CLIENT_ID, NULL,
                               bed_get ("MAILBED_REP"));

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/mail/oauth/account-test-xoauth2", test_account_test);
  ADD ("/mail/oauth/refused-token-refreshed-once", test_refused_token_refreshed);
  ADD ("/mail/oauth/send-xoauth2", test_send);
  ADD ("/mail/oauth/revoked-holds-account", test_revoked_holds_account);
#undef ADD

  status = g_test_run ();
  oauth_server_stop (server);
  remove_tree (config_home);
  stop_own_bed ();
  return status;
}
