/* test-cli-accounts.c: `outbound-cli account`, with a real gnome-keyring
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keyring suite (see test-secrets.c). Runs the built binary as a script
 * would, the password piped on standard input.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ob-accounts.h"
#include "ob-secrets.h"
#include "testlib.h"

typedef struct
{
  char *dir;
  char *db;
  char *name;      /* unique: the session keyring is shared with other tests */
  char *password;  /* unique too, so that finding it anywhere means a leak */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = g_uuid_string_random ();

  f->dir = g_dir_make_tmp ("ob-cli-accounts-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "outbound.db", NULL);
  f->name = g_strdup_printf ("Rep %.8s", uuid);
  f->password = g_strdup_printf ("pw-%s-Żółw", uuid);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->name);
  g_free (f->password);
}

static ObAccount *
load_account (Fixture    *f,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->db, &error);
  ObAccount *account;

  g_assert_no_error (error);
  account = ob_accounts_get_by_name (store, name, &error);
  g_assert_no_error (error);
  return account;
}

static char *
lookup (const ObAccount  *account,
        ObSecretProtocol  protocol,
        GError          **error)
{
  return ob_secrets_lookup_sync (account->keyring_id, protocol, NULL, error);
}

static void
test_add_list_remove (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (f->password, "\n", NULL);

  run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "rep@example.test", "--display-name", "Rep Żółć",
                      "--smtp", "smtp.example.test:465:tls",
                      "--imap", "imap.example.test:993:tls",
                      "--password-stdin", "--daily-limit", "20", "--pause", "90-240",
                      "--pin", "smtp:AA:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
                      "00:00:00:00:00:00:00:00:00:00:00:01",
                      NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, f->name));

  account = load_account (f, f->name);
  g_assert_cmpstr (account->display_name, ==, "Rep Żółć");
  g_assert_cmpint (account->daily_limit, ==, 20);
  g_assert_cmpint (account->pause_min, ==, 90);
  g_assert_cmpint (account->pause_max, ==, 240);
  g_assert_cmpuint (g_strv_length (account->smtp_pins), ==, 1);
  g_assert_cmpuint (g_strv_length (account->imap_pins), ==, 0);
  /* Both sides got the password, under the account's keyring id. */
  {
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);
    g_autoptr(ObSecret) imap = lookup (account, OB_SECRET_IMAP, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (smtp, ==, f->password);
    g_assert_cmpstr (imap, ==, f->password);
  }

  /* The same name twice: refused, the first one kept. */
  run_cli_with_input (&r, "other\n", "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "x@example.test", "--smtp", "smtp.example.test:465:tls",
                      "--password-stdin", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "exists already"));
  {
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);

    g_assert_cmpstr (smtp, ==, f->password);
  }

  run_cli (&r, "--db", f->db, "account", "list", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_autofree char *line = g_strdup_printf ("%s\trep@example.test\tsmtp.example.test:465:tls\t"
                                             "imap.example.test:993:tls\tok\n", f->name);

    g_assert_cmpstr (r.out, ==, line);
  }
  run_cli (&r, "--db", f->db, "account", "list", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"daily_limit\": 20"));
  g_assert_nonnull (strstr (r.out, "\"pins\": [\n        \"aa000000"));

  /* .test names never resolve: test says so and fails (tests/test-watch.c
   * tests the real servers of the mail bed). */
  run_cli (&r, "--db", f->db, "account", "test", f->name, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "SMTP: The server name smtp.example.test could not be found"));

  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  /* Gone from the keyring too, both protocols. */
  g_assert_null (lookup (account, OB_SECRET_SMTP, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lookup (account, OB_SECRET_IMAP, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  run_cli (&r, "--db", f->db, "account", "list", NULL);
  g_assert_cmpstr (r.out, ==, "");

  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no account"));
}

/* An SMTP-only relay (API key as password) plus the rep's own IMAP. */
static void
test_relay_with_own_imap (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (f->password, "\nimap-", f->password, "\n", NULL);
  g_autofree char *imap_password = g_strconcat ("imap-", f->password, NULL);

  run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "rep@acme.test", "--smtp", "smtp.relay.test:587:starttls",
                      "--user", "apikey", "--imap", "imap.acme.test:993:tls",
                      "--imap-user", "rep", "--password-stdin", "--imap-password-stdin", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);

  account = load_account (f, f->name);
  g_assert_cmpstr (account->smtp_user, ==, "apikey");
  g_assert_cmpstr (account->imap_user, ==, "rep");
  {
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);
    g_autoptr(ObSecret) imap = lookup (account, OB_SECRET_IMAP, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (smtp, ==, f->password);
    g_assert_cmpstr (imap, ==, imap_password);
  }
  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
test_preset_and_insecure (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(ObAccount) gmail = NULL;
  g_autoptr(ObAccount) lab = NULL;
  g_autofree char *lab_name = g_strconcat (f->name, " lab", NULL);

  run_cli (&r, "--db", f->db, "account", "add", "--name", f->name, "--email", "rep@gmail.com",
           "--preset", "gmail", NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* Without a password: said, not an error (a relay may not need one). */
  g_assert_nonnull (strstr (r.out, "No password was stored"));
  g_assert_nonnull (strstr (r.out, "--password-stdin"));
  gmail = load_account (f, f->name);
  g_assert_cmpstr (gmail->smtp_host, ==, "smtp.gmail.com");
  g_assert_cmpstr (gmail->imap_host, ==, "imap.gmail.com");
  g_assert_true (gmail->provider_saves_sent);

  /* Plaintext only when written out, and then with a warning. */
  run_cli (&r, "--db", f->db, "account", "add", "--name", lab_name, "--email", "rep@lab.test",
           "--smtp", "127.0.0.1:2525:insecure", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "warning"));
  g_assert_nonnull (strstr (r.err, "not encrypted"));
  lab = load_account (f, lab_name);
  g_assert_cmpint (lab->smtp_security, ==, OB_SECURITY_INSECURE);
  g_assert_false (ob_account_has_imap (lab));
}

/* Refusing a campaign's account, from the CLI: exit 1, names the campaign. */
static void
test_remove_in_use (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autofree char *input = g_strconcat (f->password, "\n", NULL);

  run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "rep@example.test", "--smtp", "smtp.example.test:465:tls",
                      "--password-stdin", NULL);
  g_assert_cmpint (r.status, ==, 0);
  account = load_account (f, f->name);
  {
    g_autoptr(ObStore) store = ob_store_open (f->db, &error);
    g_autofree char *sql = g_strdup_printf ("INSERT INTO campaigns (name, account_id)"
                                            " VALUES ('Q1 founders', %lld)",
                                            (long long) account->id);

    ob_store_exec (store, sql, &error);
    g_assert_no_error (error);
  }

  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "Q1 founders"));
  /* Nothing lost: the account and its password stay. */
  {
    g_autoptr(ObAccount) still = load_account (f, f->name);
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);

    g_assert_nonnull (still);
    g_assert_cmpstr (smtp, ==, f->password);
  }
  {
    g_autoptr(ObStore) store = ob_store_open (f->db, &error);

    ob_store_exec (store, "DELETE FROM campaigns", &error);
    g_assert_no_error (error);
  }
  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

/* Without a Secret Service: add fails, says what to install, adds nothing;
 * remove removes and says which keyring items are left behind. */
static void
test_without_keyring (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(CliResult) r = { 0 };
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (f->password, "\n", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "rep@example.test", "--smtp", "smtp.example.test:465:tls",
                      "--password-stdin", NULL);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "not added"));
  g_assert_nonnull (strstr (r.err, "gnome-keyring"));
  g_assert_null (strstr (r.err, f->password));
  run_cli (&r, "--db", f->db, "account", "list", NULL);
  g_assert_cmpstr (r.out, ==, "");

  /* Added with the keyring there, removed while it is away. */
  run_cli_with_input (&r, input, "--db", f->db, "account", "add", "--name", f->name,
                      "--email", "rep@example.test", "--smtp", "smtp.example.test:465:tls",
                      "--password-stdin", NULL);
  g_assert_cmpint (r.status, ==, 0);
  account = load_account (f, f->name);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", saved, TRUE);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "was removed"));
  g_assert_nonnull (strstr (r.err, "Outbound: "));
  run_cli (&r, "--db", f->db, "account", "list", NULL);
  g_assert_cmpstr (r.out, ==, "");
  /* Left behind, as said; cleaned up here. */
  {
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (smtp, ==, f->password);
  }
  g_assert_true (ob_secrets_delete_sync (account->keyring_id, NULL, &error));
}

static gboolean
contains (const char *haystack,
          gsize       len,
          const char *needle)
{
  gsize n = strlen (needle);

  /* Byte by byte: a sqlite page holds NULs, no string search would do. */
  for (gsize i = 0; haystack != NULL && i + n <= len; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_file_lacks (const char *path,
                   const char *secret)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return;
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", path, len);
  g_assert_false (contains (contents, len, secret));
}

/* The password reaches the keyring, and nothing else: not the store (its
 * WAL included), not the CLI's output or logs, not its argv or environment. */
static void
test_password_nowhere_else (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObStore) holder = NULL;
  g_autofree char *input = g_strconcat (f->password, "\n", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *environ_path = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *environ_text = NULL;
  g_autofree char *cmdline_text = NULL;
  gsize environ_len = 0, cmdline_len = 0;
  const char *argv[] = {
    g_getenv ("OUTBOUND_CLI"), "--db", f->db, "account", "add", "--name", f->name,
    "--email", "rep@example.test", "--smtp", "smtp.example.test:465:tls",
    "--imap", "imap.example.test:993:tls", "--password-stdin", NULL,
  };

  /* A connection held open meanwhile keeps the CLI's writes in the WAL
   * (the last connection to close would checkpoint and delete it). */
  holder = ob_store_open (f->db, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Any log line the engine writes would land on stderr. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  /* While it waits for standard input, before and after the password is
   * there to read: its environment and command line. */
  environ_path = g_strdup_printf ("/proc/%s/environ", g_subprocess_get_identifier (process));
  cmdline_path = g_strdup_printf ("/proc/%s/cmdline", g_subprocess_get_identifier (process));
  g_assert_true (g_file_get_contents (environ_path, &environ_text, &environ_len, &error));
  g_assert_true (g_file_get_contents (cmdline_path, &cmdline_text, &cmdline_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (environ_len, >, 0);
  g_assert_true (contains (cmdline_text, cmdline_len, "--password-stdin"));
  g_assert_false (contains (environ_text, environ_len, f->password));
  g_assert_false (contains (cmdline_text, cmdline_len, f->password));

  g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_false (contains (out, strlen (out), f->password));
  g_assert_false (contains (err, strlen (err), f->password));

  /* It did go somewhere: the keyring. */
  account = load_account (f, f->name);
  {
    g_autoptr(ObSecret) smtp = lookup (account, OB_SECRET_SMTP, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (smtp, ==, f->password);
  }

  /* Every file of the store, the WAL before any checkpoint included, and
   * again after the listing and removal that follow. */
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GDir) dir = g_dir_open (f->dir, 0, &error);
      g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);
      const char *name;
      guint n_files = 0;

      if (round == 0)
        g_assert_true (g_file_test (wal, G_FILE_TEST_IS_REGULAR));
      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (f->dir, name, NULL);

          assert_file_lacks (path, f->password);
          n_files++;
        }
      g_assert_cmpuint (n_files, >=, 1);

      if (round == 0)
        {
          g_auto(CliResult) r = { 0 };

          run_cli (&r, "--db", f->db, "account", "list", "--json", NULL);
          g_assert_false (contains (r.out, strlen (r.out), f->password));
          run_cli (&r, "--db", f->db, "account", "remove", f->name, NULL);
          g_assert_cmpint (r.status, ==, 0);
          g_assert_false (contains (r.out, strlen (r.out), f->password));
          g_assert_false (contains (r.err, strlen (r.err), f->password));
        }
    }
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  const char *cases[][12] = {
    { "account", NULL },
    { "account", "frob", NULL },
    { "account", "add", NULL },
    { "account", "add", "--name", "A", "--smtp", "s.test:465:tls", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", NULL },
    { "account", "add", "--name", "A", "--email", "not-an-address", "--smtp", "s.test:465:tls",
      NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:ssl", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--imap", "i.test:0:tls", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--pause", "180-60", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--daily-limit", "-3", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--password", "hunter2", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--password=hunter2", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--pin", "1234", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--preset", "aol", NULL },
    { "account", "add", "--name", "A", "--email", "a@b.test", "--smtp", "s.test:465:tls",
      "--imap-password-stdin", NULL },
    { "account", "list", "--yaml", NULL },
    { "account", "remove", NULL },
    { "account", "remove", "a", "b", NULL },
    { "account", "test", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };
      const char **c = cases[i];

      g_test_message ("case %u", i);
      run_cli (&r, "--db", f->db, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
               c[10], c[11], NULL);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_cmpstr (r.err, !=, "");
      /* Not even a usage error repeats a password typed on the command line. */
      g_assert_null (strstr (r.err, "hunter2"));
    }

  /* None of them added anything. */
  {
    g_auto(CliResult) r = { 0 };

    run_cli (&r, "--db", f->db, "account", "list", NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (r.out, ==, "");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/cli/account/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("add-list-remove", test_add_list_remove);
  ADD ("relay-with-own-imap", test_relay_with_own_imap);
  ADD ("preset-and-insecure", test_preset_and_insecure);
  ADD ("remove-in-use", test_remove_in_use);
  ADD ("password-nowhere-else", test_password_nowhere_else);
  ADD ("without-keyring", test_without_keyring);
  ADD ("usage-errors", test_usage_errors);
#undef ADD

  return g_test_run ();
}
