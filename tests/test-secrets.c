/* test-secrets.c: passwords in a real gnome-keyring over D-Bus
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keyring suite: runs in build-aux/test's private D-Bus session, whose
 * gnome-keyring holds an unlocked throwaway login keyring. The failure cases
 * run in subprocesses with buses of their own: none at all, one without a
 * Secret Service, and one with a private gnome-keyring whose keyring is
 * then locked (nobody can answer its unlock prompt there).
 */

#include "config.h"

#include <signal.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "ob-secrets.h"
#include "testlib.h"

/* Unique per run: tests of other processes share the session keyring. */
static char *
new_account_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strconcat ("test-", uuid, NULL);
}

static void
test_store_lookup_delete (void)
{
  g_autofree char *account = new_account_id ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSecret) smtp = NULL;
  g_autoptr(ObSecret) imap = NULL;
  g_autoptr(ObSecret) again = NULL;

  /* Nothing yet: NOT_FOUND, which the sender turns into "enter it again". */
  g_assert_null (ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (ob_secrets_store_sync (account, OB_SECRET_SMTP, "Outbound test (SMTP)",
                                        "smtp pässword", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ob_secrets_store_sync (account, OB_SECRET_IMAP, "Outbound test (IMAP)",
                                        "imap-password", NULL, &error));
  g_assert_no_error (error);

  smtp = ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (smtp, ==, "smtp pässword");
  imap = ob_secrets_lookup_sync (account, OB_SECRET_IMAP, NULL, &error);
  g_assert_cmpstr (imap, ==, "imap-password");

  /* Storing again replaces, never adds a second item. */
  g_assert_true (ob_secrets_store_sync (account, OB_SECRET_SMTP, "Outbound test (SMTP)",
                                        "new", NULL, &error));
  again = ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error);
  g_assert_cmpstr (again, ==, "new");
  {
    g_autoptr(GHashTable) attributes = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                              g_free, g_free);
    GList *items;

    g_hash_table_insert (attributes, g_strdup ("account"), g_strdup (account));
    g_hash_table_insert (attributes, g_strdup ("xdg:schema"), g_strdup (APP_ID));
    items = secret_password_searchv_sync (NULL, attributes, SECRET_SEARCH_ALL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_length (items), ==, 2);
    g_list_free_full (items, g_object_unref);
  }

  /* Another account's secrets are its own. */
  {
    g_autofree char *other = new_account_id ();

    g_assert_null (ob_secrets_lookup_sync (other, OB_SECRET_SMTP, NULL, &error));
    g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* Delete takes every protocol; deleting nothing is fine. */
  g_assert_true (ob_secrets_delete_sync (account, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ob_secrets_lookup_sync (account, OB_SECRET_IMAP, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (ob_secrets_delete_sync (account, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  GMainLoop *loop;
  char      *secret;
  gboolean   ok;
  GError    *error;
} AsyncResult;

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->ok = ob_secrets_store_finish (result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->secret = ob_secrets_lookup_finish (result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->ok = ob_secrets_delete_finish (result, &r->error);
  g_main_loop_quit (r->loop);
}

/* What the UI uses: the main loop goes on while the keyring works. */
static void
test_async (void)
{
  g_autofree char *account = new_account_id ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncResult r = { loop, NULL, FALSE, NULL };

  ob_secrets_store_async (account, OB_SECRET_SMTP, "Outbound test (SMTP)", "async-pw", NULL,
                          stored_cb, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);

  ob_secrets_lookup_async (account, OB_SECRET_SMTP, NULL, looked_up_cb, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.secret, ==, "async-pw");
  g_clear_pointer (&r.secret, ob_secrets_free);

  r.ok = FALSE;
  ob_secrets_delete_async (account, NULL, deleted_cb, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);

  ob_secrets_lookup_async (account, OB_SECRET_SMTP, NULL, looked_up_cb, &r);
  g_main_loop_run (loop);
  g_assert_null (r.secret);
  g_assert_error (r.error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND);
  g_clear_error (&r.error);

  /* Cancelled before it ran: GIO's own error. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    ob_secrets_lookup_async (account, OB_SECRET_SMTP, cancellable, looked_up_cb, &r);
    g_main_loop_run (loop);
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&r.error);
  }
}

static void
assert_no_service (const char *reason_fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *account = new_account_id ();

  g_assert_false (ob_secrets_store_sync (account, OB_SECRET_SMTP, "x", "never-stored", NULL,
                                         &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NO_SERVICE);
  g_test_message ("%s", error->message);
  /* Says what is wrong and what to install. */
  g_assert_nonnull (strstr (error->message, reason_fragment));
  g_assert_nonnull (strstr (error->message, "gnome-keyring"));
  g_clear_error (&error);

  g_assert_null (ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NO_SERVICE);
  g_clear_error (&error);
  g_assert_false (ob_secrets_delete_sync (account, NULL, &error));
  g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NO_SERVICE);
}

static void
test_no_dbus_session (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
      assert_no_service ("D-Bus session");
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_no_secret_service (void)
{
  if (g_test_subprocess ())
    {
      /* A private bus that can start no service at all. Stopped, not
       * unreffed: down would wait for libsecret to let go of its
       * connection, which it keeps for the process's life. */
      GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

      g_test_dbus_up (bus);
      assert_no_service ("no Secret Service");
      g_test_dbus_stop (bus);
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static guint
secret_service_pid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  guint pid = 0;

  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
secret_service_running (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* A keyring that is locked, and whose unlock prompt nobody can answer (no
 * prompter on this bus): as when the user dismisses it. */
static void
test_locked (void)
{
  if (g_test_subprocess ())
    {
      GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_autoptr(GError) error = NULL;
      g_autoptr(SecretService) service = NULL;
      g_autoptr(SecretCollection) login = NULL;
      g_autofree char *home = g_dir_make_tmp ("ob-keyring-XXXXXX", &error);
      g_autofree char *runtime = g_build_filename (home, "run", NULL);
      g_autofree char *account = new_account_id ();
      const char *argv[] = { "gnome-keyring-daemon", "--unlock", "--components=secrets", NULL };
      GSubprocess *daemon;
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      gint64 deadline;
      guint pid;

      g_assert_no_error (error);
      g_mkdir (runtime, 0700);
      g_test_dbus_up (bus);

      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                            G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
      daemon = g_subprocess_launcher_spawnv (launcher, argv, &error);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (daemon, "throwaway", NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_clear_object (&daemon);
      deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
      while (!secret_service_running ())
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (50000);
        }
      pid = secret_service_pid ();

      g_assert_true (ob_secrets_store_sync (account, OB_SECRET_SMTP, "x", "locked-away", NULL,
                                            &error));
      g_assert_no_error (error);

      service = secret_service_get_sync (SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &error);
      g_assert_no_error (error);
      login = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                SECRET_COLLECTION_NONE, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (login);
      secret_service_lock_sync (service, &(GList) { login, NULL, NULL }, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (secret_collection_get_locked (login));

      g_assert_null (ob_secrets_lookup_sync (account, OB_SECRET_SMTP, NULL, &error));
      g_test_message ("lookup: %s", error->message);
      g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED);
      g_clear_error (&error);

      g_assert_false (ob_secrets_store_sync (account, OB_SECRET_SMTP, "x", "other", NULL,
                                             &error));
      g_test_message ("store: %s", error->message);
      g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED);
      g_clear_error (&error);

      g_assert_false (ob_secrets_delete_sync (account, NULL, &error));
      g_test_message ("delete: %s", error->message);
      g_assert_error (error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_LOCKED);
      g_clear_error (&error);

      /* Stopped by the pid the bus gave for it. */
      kill ((pid_t) pid, SIGTERM);
      g_test_dbus_stop (bus);
      remove_tree (home);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/secrets/store-lookup-delete", test_store_lookup_delete);
  g_test_add_func ("/engine/secrets/async", test_async);
  g_test_add_func ("/engine/secrets/no-dbus-session", test_no_dbus_session);
  g_test_add_func ("/engine/secrets/no-secret-service", test_no_secret_service);
  g_test_add_func ("/engine/secrets/locked", test_locked);

  return g_test_run ();
}
