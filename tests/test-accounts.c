/* test-accounts.c: accounts: validation, presets, the store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-accounts.h"
#include "ob-smtp.h"
#include "testlib.h"

#define PIN_A "aa00000000000000000000000000000000000000000000000000000000000001"
#define PIN_B "bb00000000000000000000000000000000000000000000000000000000000002"

typedef struct
{
  char    *dir;
  ObStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("ob-accounts-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static ObAccount *
valid_account (const char *name)
{
  ObAccount *a = ob_account_new ();

  g_free (a->name);
  a->name = g_strdup (name);
  g_free (a->email);
  a->email = g_strdup ("rep@example.test");
  g_free (a->smtp_host);
  a->smtp_host = g_strdup ("smtp.example.test");
  return a;
}

static void
assert_invalid (ObAccount  *a,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_account_validate (a, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
}

static void
test_defaults (void)
{
  g_autoptr(ObAccount) a = valid_account ("Rep");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (a->daily_limit, ==, 50);
  g_assert_cmpint (a->pause_min, ==, 60);
  g_assert_cmpint (a->pause_max, ==, 180);
  g_assert_false (ob_account_has_imap (a));
  g_assert_true (ob_account_validate (a, &error));
  g_assert_no_error (error);
  /* An empty login means the address. */
  g_assert_cmpstr (ob_account_get_smtp_login (a), ==, "rep@example.test");
}

static void
test_validation (void)
{
  {
    g_autoptr(ObAccount) a = valid_account ("  ");
    assert_invalid (a, "name");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    g_free (a->email);
    a->email = g_strdup ("rep.example.test");
    assert_invalid (a, "rep.example.test");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    g_free (a->display_name);
    a->display_name = g_strdup ("Rep\r\nBcc: victim@example.test");
    assert_invalid (a, "display name");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    g_free (a->smtp_host);
    a->smtp_host = g_strdup ("smtp example");
    assert_invalid (a, "smtp example");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    a->smtp_port = 70000;
    assert_invalid (a, "65535");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    a->imap_host = g_strdup ("imap.example.test");
    a->imap_port = 0;
    assert_invalid (a, "IMAP port");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    a->pause_min = 200;
    assert_invalid (a, "shortest pause");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    a->daily_limit = -1;
    assert_invalid (a, "daily limit");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    a->ca_file = g_strdup ("/nonexistent/ca.pem");
    assert_invalid (a, "/nonexistent/ca.pem");
  }
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    g_strfreev (a->smtp_pins);
    a->smtp_pins = g_strsplit ("abc", ",", -1);
    assert_invalid (a, "SHA-256");
  }
  /* 0 s pauses are allowed (tests, demos); the UI warns. IDN hosts too. */
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");
    g_autoptr(GError) error = NULL;

    a->pause_min = a->pause_max = 0;
    g_free (a->smtp_host);
    a->smtp_host = g_strdup ("poczta.żółw.test");
    g_assert_true (ob_account_validate (a, &error));
    g_assert_no_error (error);
  }
}

static void
test_parse_server (void)
{
  const struct { const char *text; const char *host; guint port; ObSecurity security; } good[] = {
    { "smtp.example.test:465:tls", "smtp.example.test", 465, OB_SECURITY_TLS },
    { "mail.example.test:587:starttls", "mail.example.test", 587, OB_SECURITY_STARTTLS },
    { "127.0.0.1:2525:insecure", "127.0.0.1", 2525, OB_SECURITY_INSECURE },
    { "[::1]:993:tls", "::1", 993, OB_SECURITY_TLS },
  };
  const char *bad[] = {
    "smtp.example.test", "smtp.example.test:465", "smtp.example.test:465:ssl",
    "smtp.example.test:0:tls", "smtp.example.test:99999:tls", "smtp.example.test:x:tls",
    ":465:tls", "bad host:465:tls", "", "smtp.example.test:465:TLS",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GError) error = NULL;
      guint port = 0;
      ObSecurity security = 99;

      g_assert_true (ob_account_parse_server (good[i].text, &host, &port, &security, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
      g_assert_cmpint (security, ==, good[i].security);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *host = NULL;
      g_autoptr(GError) error = NULL;
      guint port = 0;
      ObSecurity security;

      g_test_message ("%s", bad[i]);
      g_assert_false (ob_account_parse_server (bad[i], &host, &port, &security, &error));
      g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
      g_assert_null (host);
    }
}

static void
test_parse_pause_and_pin (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  gint64 min = -1, max = -1;

  g_assert_true (ob_account_parse_pause ("60-180", &min, &max, &error));
  g_assert_cmpint (min, ==, 60);
  g_assert_cmpint (max, ==, 180);
  g_assert_true (ob_account_parse_pause ("0", &min, &max, &error));
  g_assert_cmpint (min, ==, 0);
  g_assert_cmpint (max, ==, 0);
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      const char *bad[] = { "180-60", "-5", "a-b", "1-2-3", "90000" };

      g_assert_false (ob_account_parse_pause (bad[i], &min, &max, &error));
      g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
      g_clear_error (&error);
    }

  /* openssl x509 -fingerprint -sha256 prints colons and capitals. */
  pin = ob_account_normalize_pin ("AA:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
                                  "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, PIN_A);
  g_assert_null (ob_account_normalize_pin (PIN_A "00", &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
  g_clear_error (&error);
  {
    g_autofree char *not_hex = g_strconcat ("zz", PIN_A + 2, NULL);

    g_assert_null (ob_account_normalize_pin (not_hex, &error));
  }
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
}

static void
test_presets (void)
{
  guint n = 0;
  const ObAccountPreset *presets = ob_account_presets (&n);
  const char *ids[] = { "gmail", "microsoft", "yahoo", "icloud", "fastmail", "zoho", "custom" };

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ObAccount) a = valid_account ("Rep");
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (presets[i].id, ==, ids[i]);
      g_assert_true (ob_account_preset_find (ids[i]) == &presets[i]);
      ob_account_apply_preset (a, &presets[i]);
      /* Every provider preset makes a valid account with both sides,
       * neither of them in plaintext. */
      g_assert_true (ob_account_validate (a, &error));
      g_assert_no_error (error);
      if (presets[i].smtp_host != NULL)
        {
          g_assert_true (ob_account_has_imap (a));
          g_assert_cmpint (a->smtp_security, !=, OB_SECURITY_INSECURE);
          g_assert_cmpint (a->imap_security, !=, OB_SECURITY_INSECURE);
          g_assert_nonnull (presets[i].note);
        }
    }

  g_assert_true (ob_account_preset_find ("gmail")->provider_saves_sent);
  g_assert_true (ob_account_preset_find ("microsoft")->provider_saves_sent);
  g_assert_false (ob_account_preset_find ("fastmail")->provider_saves_sent);
  g_assert_cmpstr (ob_account_preset_for_email ("Ann@GMail.com")->id, ==, "gmail");
  g_assert_cmpstr (ob_account_preset_for_email ("bob@hotmail.com")->id, ==, "microsoft");
  g_assert_cmpstr (ob_account_preset_for_email ("c@me.com")->id, ==, "icloud");
  g_assert_null (ob_account_preset_for_email ("rep@acme.test"));
  g_assert_null (ob_account_preset_for_email ("not an address"));

  /* "custom" leaves the servers as they are. */
  {
    g_autoptr(ObAccount) a = valid_account ("Rep");

    ob_account_apply_preset (a, ob_account_preset_find ("custom"));
    g_assert_cmpstr (a->smtp_host, ==, "smtp.example.test");
  }
}

static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(ObAccount) a = valid_account (" Rep ");
  g_autoptr(ObAccount) b = valid_account ("Relay");
  g_autoptr(ObAccount) got = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_keyring_id = NULL;

  ob_account_apply_preset (a, ob_account_preset_find ("gmail"));
  g_free (a->display_name);
  a->display_name = g_strdup ("Rep Żółć");
  g_free (a->signature);
  a->signature = g_strdup ("--\nRep\nAcme");
  g_strfreev (a->smtp_pins);
  a->smtp_pins = g_strsplit (PIN_A "," PIN_B, ",", -1);
  a->daily_limit = 30;
  g_assert_true (ob_accounts_add (f->store, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a->id, >, 0);
  g_assert_cmpuint (strlen (a->keyring_id), ==, 32);
  g_assert_cmpint (a->created_at, >, 0);
  first_keyring_id = g_strdup (a->keyring_id);

  /* Names are unique, once trimmed. */
  {
    g_autoptr(ObAccount) dup = valid_account ("Rep");

    g_assert_false (ob_accounts_add (f->store, dup, &error));
    g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_EXISTS);
    g_assert_cmpint (dup->id, ==, 0);
    g_clear_error (&error);
  }

  /* An SMTP-only relay. */
  g_free (b->smtp_host);
  b->smtp_host = g_strdup ("smtp.relay.test");
  b->smtp_security = OB_SECURITY_TLS;
  b->smtp_port = 465;
  g_free (b->smtp_user);
  b->smtp_user = g_strdup ("api");
  g_assert_true (ob_accounts_add (f->store, b, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a->keyring_id, !=, b->keyring_id);

  got = ob_accounts_get_by_name (f->store, "Rep", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->id, ==, a->id);
  g_assert_cmpstr (got->keyring_id, ==, a->keyring_id);
  g_assert_cmpstr (got->display_name, ==, "Rep Żółć");
  g_assert_cmpstr (got->signature, ==, "--\nRep\nAcme");
  g_assert_cmpstr (got->smtp_host, ==, "smtp.gmail.com");
  g_assert_cmpuint (got->smtp_port, ==, 465);
  g_assert_cmpint (got->smtp_security, ==, OB_SECURITY_TLS);
  g_assert_cmpstr (got->imap_host, ==, "imap.gmail.com");
  g_assert_cmpuint (got->imap_port, ==, 993);
  g_assert_true (got->provider_saves_sent);
  g_assert_cmpstr (got->sent_folder, ==, "[Gmail]/Sent Mail");
  g_assert_cmpint (got->daily_limit, ==, 30);
  g_assert_cmpint (got->state, ==, OB_ACCOUNT_STATE_OK);
  g_assert_cmpuint (g_strv_length (got->smtp_pins), ==, 2);
  g_assert_cmpstr (got->smtp_pins[0], ==, PIN_A);
  g_assert_cmpuint (g_strv_length (got->imap_pins), ==, 0);
  g_clear_pointer (&got, ob_account_free);

  got = ob_accounts_get (f->store, b->id, &error);
  g_assert_no_error (error);
  g_assert_false (ob_account_has_imap (got));
  g_assert_null (got->imap_host);
  g_assert_cmpstr (got->smtp_user, ==, "api");

  /* Update: rename, pins moved to IMAP, IMAP side removed from the relay. */
  g_free (a->name);
  a->name = g_strdup ("Rep (Gmail)");
  g_strfreev (a->smtp_pins);
  a->smtp_pins = g_new0 (char *, 1);
  g_strfreev (a->imap_pins);
  a->imap_pins = g_strsplit (PIN_B, ",", -1);
  a->pause_min = 5;
  a->pause_max = 10;
  g_assert_true (ob_accounts_update (f->store, a, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, ob_account_free);
  got = ob_accounts_get (f->store, a->id, &error);
  g_assert_cmpstr (got->name, ==, "Rep (Gmail)");
  g_assert_cmpstr (got->keyring_id, ==, first_keyring_id);
  g_assert_cmpint (got->pause_min, ==, 5);
  g_assert_cmpuint (g_strv_length (got->smtp_pins), ==, 0);
  g_assert_cmpstr (got->imap_pins[0], ==, PIN_B);

  /* Renaming onto another's name is refused, and the row is unchanged. */
  g_free (a->name);
  a->name = g_strdup ("Relay");
  g_assert_false (ob_accounts_update (f->store, a, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_EXISTS);
  g_clear_error (&error);
  /* An invalid change is refused before the store. */
  g_free (a->name);
  a->name = g_strdup ("Rep (Gmail)");
  a->pause_max = 1;
  g_assert_false (ob_accounts_update (f->store, a, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&got, ob_account_free);
  got = ob_accounts_get (f->store, a->id, &error);
  g_assert_cmpint (got->pause_max, ==, 10);

  /* The sender's state is its own: an editor's older copy keeps it. */
  g_assert_true (ob_accounts_set_state (f->store, a->id, OB_ACCOUNT_STATE_THROTTLED,
                                        "451 4.7.0 Try again later", 2000000000, &error));
  g_assert_no_error (error);
  a->pause_max = 20;
  g_assert_true (ob_accounts_update (f->store, a, &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, ob_account_free);
  got = ob_accounts_get (f->store, a->id, &error);
  g_assert_cmpint (got->pause_max, ==, 20);
  g_assert_cmpint (got->state, ==, OB_ACCOUNT_STATE_THROTTLED);
  g_assert_cmpstr (got->state_reason, ==, "451 4.7.0 Try again later");
  g_assert_cmpint (got->paused_until, ==, 2000000000);
  g_assert_true (ob_accounts_set_state (f->store, a->id, OB_ACCOUNT_STATE_OK, NULL, 0, &error));
  g_clear_pointer (&got, ob_account_free);
  got = ob_accounts_get (f->store, a->id, &error);
  g_assert_cmpint (got->state, ==, OB_ACCOUNT_STATE_OK);
  g_assert_cmpint (got->paused_until, ==, 0);
  g_assert_false (ob_accounts_set_state (f->store, 9999, OB_ACCOUNT_STATE_OK, NULL, 0, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  all = ob_accounts_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (((ObAccount *) all->pdata[0])->name, ==, "Relay");
  g_assert_cmpstr (((ObAccount *) all->pdata[1])->name, ==, "Rep (Gmail)");

  g_assert_null (ob_accounts_get_by_name (f->store, "Nobody", &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (ob_accounts_remove (f->store, b->id, &error));
  g_assert_no_error (error);
  g_assert_null (ob_accounts_get (f->store, b->id, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ob_accounts_remove (f->store, b->id, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND);
}

static gint64
count (ObStore    *store,
       const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, NULL);

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
test_remove_in_use (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ObAccount) a = valid_account ("Rep");
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;

  g_strfreev (a->smtp_pins);
  a->smtp_pins = g_strsplit (PIN_A, ",", -1);
  g_assert_true (ob_accounts_add (f->store, a, &error));
  sql = g_strdup_printf ("INSERT INTO campaigns (name, account_id) VALUES"
                         " ('Q1 founders', %1$lld), ('Q2 agencies', %1$lld)",
                         (long long) a->id);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);

  g_assert_false (ob_accounts_remove (f->store, a->id, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "Q1 founders"));
  g_assert_nonnull (strstr (error->message, "Q2 agencies"));
  g_clear_error (&error);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM accounts"), ==, 1);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM account_pins"), ==, 1);

  /* Once no campaign uses it, it goes, with its pins and folder state. */
  ob_store_exec (f->store,
                 "DELETE FROM campaigns WHERE name = 'Q1 founders';"
                 "UPDATE campaigns SET account_id = NULL;", &error);
  g_assert_no_error (error);
  sql = (g_free (sql), g_strdup_printf ("INSERT INTO imap_folders (account_id, name)"
                                        " VALUES (%lld, 'INBOX')", (long long) a->id));
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
  g_assert_true (ob_accounts_remove (f->store, a->id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM accounts"), ==, 0);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM account_pins"), ==, 0);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM imap_folders"), ==, 0);
}

/* A store from before keyring ids: its accounts get one each on migration. */
static void
test_migration_gives_keyring_ids (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "old.db", NULL);
  g_autoptr(GPtrArray) all = NULL;

  {
    g_autoptr(ObStore) old = ob_store_open_at_version (path, 3, &error);

    g_assert_no_error (error);
    ob_store_exec (old,
                   "INSERT INTO accounts (name, email, smtp_host, smtp_port, smtp_security)"
                   " VALUES ('a', 'a@x.test', 'smtp.x.test', 465, 'tls'),"
                   "        ('b', 'b@x.test', 'smtp.x.test', 465, 'tls')",
                   &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(ObStore) store = ob_store_open (path, &error);

    g_assert_no_error (error);
    all = ob_accounts_list (store, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpuint (strlen (((ObAccount *) all->pdata[0])->keyring_id), ==, 32);
  g_assert_cmpstr (((ObAccount *) all->pdata[0])->keyring_id, !=,
                   ((ObAccount *) all->pdata[1])->keyring_id);
}

/* Accounts inserted by plain SQL (tests, scripts) get a keyring id too. */
static void
test_sql_insert_gets_keyring_id (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;

  ob_store_exec (f->store,
                 "INSERT INTO accounts (name, email, smtp_host, smtp_port, smtp_security)"
                 " VALUES ('a', 'a@x.test', 'smtp.x.test', 465, 'tls'),"
                 "        ('b', 'b@x.test', 'smtp.x.test', 465, 'tls')",
                 &error);
  g_assert_no_error (error);
  all = ob_accounts_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpuint (strlen (((ObAccount *) all->pdata[0])->keyring_id), ==, 32);
  g_assert_cmpstr (((ObAccount *) all->pdata[0])->keyring_id, !=,
                   ((ObAccount *) all->pdata[1])->keyring_id);
}

static void
test_account_test_unknown_host (void)
{
  g_autoptr(ObAccount) a = valid_account ("Rep");
  g_autoptr(GError) error = NULL;

  /* .test never resolves: the network layer's own error, SMTP first
   * (tests/test-watch.c tries the real servers of the mail bed). */
  g_assert_false (ob_account_test (a, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_true (g_str_has_prefix (error->message, "SMTP: "));
  g_assert_nonnull (strstr (error->message, "could not be found"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/accounts/defaults", test_defaults);
  g_test_add_func ("/engine/accounts/validation", test_validation);
  g_test_add_func ("/engine/accounts/parse-server", test_parse_server);
  g_test_add_func ("/engine/accounts/parse-pause-and-pin", test_parse_pause_and_pin);
  g_test_add_func ("/engine/accounts/presets", test_presets);
  g_test_add_func ("/engine/accounts/test-unknown-host", test_account_test_unknown_host);
  g_test_add ("/engine/accounts/crud", Fixture, NULL, fixture_setup, test_crud,
              fixture_teardown);
  g_test_add ("/engine/accounts/remove-in-use", Fixture, NULL, fixture_setup,
              test_remove_in_use, fixture_teardown);
  g_test_add ("/engine/accounts/sql-insert-gets-keyring-id", Fixture, NULL, fixture_setup,
              test_sql_insert_gets_keyring_id, fixture_teardown);
  g_test_add ("/engine/accounts/migration-gives-keyring-ids", Fixture, NULL, fixture_setup,
              test_migration_gives_keyring_ids, fixture_teardown);

  return g_test_run ();
}
