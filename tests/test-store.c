/* test-store.c: the sqlite store, its migrations and its refusals
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-store.h"
#include "testlib.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "outbound.db", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static gint64
query_int (ObStore    *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (ObStore    *store,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static void
test_create_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  g_autofree char *mode = NULL;
  static const char *tables[] = {
    "accounts", "account_pins", "prospects", "tags", "prospect_tags", "do_not_contact",
    "campaigns", "steps", "enrollments", "sends", "events", "imap_folders",
  };
  static const char *indexes[] = {
    "enrollments_due", "events_at", "events_campaign_at", "sends_message_id",
    "sends_account_sent", "sends_account_first_sent",
  };

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (ob_store_get_version (store), ==, ob_store_latest_version ());
  g_assert_cmpint (ob_store_latest_version (), >=, 1);
  g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, ob_store_latest_version ());
  g_assert_cmpint (query_int (store, "PRAGMA foreign_keys"), ==, 1);
  mode = query_text (store, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema "
                                              "WHERE type = 'table' AND name = '%s'",
                                              tables[i]);
      g_assert_cmpint (query_int (store, sql), ==, 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (indexes); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema "
                                              "WHERE type = 'index' AND name = '%s'",
                                              indexes[i]);
      g_assert_cmpint (query_int (store, sql), ==, 1);
    }

  /* Personal data: the file and its folder are the owner's only. */
  {
    GStatBuf st;
    g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);

    g_assert_cmpint (g_stat (f->path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpint (g_stat (wal, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
}

static void
test_reopen_keeps_data (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  ob_store_exec (store, "INSERT INTO prospects (email, email_key, domain) "
                        "VALUES ('Ann@Example.test', 'ann@example.test', 'example.test')", &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  store = ob_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM prospects"), ==, 1);
}

/* Every older version, filled with a row where its schema allows, must
 * migrate to the latest without losing it. */
static void
test_migrate_from_each_version (Fixture       *f,
                                gconstpointer  data)
{
  int latest = ob_store_latest_version ();

  for (int from = 0; from < latest; from++)
    {
      g_autofree char *path = g_strdup_printf ("%s.v%d", f->path, from);
      g_autoptr(GError) error = NULL;
      g_autoptr(ObStore) old = ob_store_open_at_version (path, from, &error);
      g_autoptr(ObStore) store = NULL;
      gboolean seeded = FALSE;

      g_assert_no_error (error);
      g_assert_cmpint (query_int (old, "PRAGMA user_version"), ==, from);
      if (from >= 1)
        {
          ob_store_exec (old, "INSERT INTO prospects (email, email_key, domain) "
                              "VALUES ('a@b.test', 'a@b.test', 'b.test')", &error);
          g_assert_no_error (error);
          seeded = TRUE;
        }
      g_clear_object (&old);

      store = ob_store_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ob_store_get_version (store), ==, latest);
      g_assert_cmpint (query_int (store, "SELECT count(*) FROM prospects"), ==, seeded ? 1 : 0);
      g_assert_cmpint (query_int (store, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
      g_assert_cmpint (query_int (store, "SELECT count(*) FROM pragma_integrity_check "
                                         "WHERE integrity_check != 'ok'"), ==, 0);
    }
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
test_refuse_newer (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d",
                                          ob_store_latest_version () + 1);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  g_assert_no_error (error);
  ob_store_exec (store, sql, &error);
  g_assert_no_error (error);
  ob_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  before = read_file (f->path);
  store = ob_store_open (f->path, &error);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "newer version"));
  after = read_file (f->path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
assert_refused_untouched (const char   *path,
                          ObStoreError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = read_file (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(ObStore) store = ob_store_open (path, &error);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  g_assert_error (error, OB_STORE_ERROR, (int) code);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, path));
  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_refuse_garbage (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GString *junk = g_string_new (NULL);

  for (int i = 0; i < 8192; i++)
    g_string_append_c (junk, (char) (i * 7 + 3));
  g_file_set_contents (f->path, junk->str, (gssize) junk->len, &error);
  g_assert_no_error (error);
  g_string_free (junk, TRUE);

  assert_refused_untouched (f->path, OB_STORE_ERROR_CORRUPT);
}

static void
test_refuse_damaged (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *copy = NULL;
  gsize len;

  g_assert_no_error (error);
  ob_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
  }

  /* Keep sqlite's header, wreck the schema page: a file that looks like a
   * database but cannot be read. */
  bytes = read_file (f->path);
  copy = g_memdup2 (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));
  g_assert_cmpuint (len, >, 4096);
  for (gsize i = 100; i < 4096; i++)
    copy[i] = 0xA5;
  g_file_set_contents (f->path, (const char *) copy, (gssize) len, &error);
  g_assert_no_error (error);

  assert_refused_untouched (f->path, OB_STORE_ERROR_CORRUPT);
}

static void
test_refuse_foreign (Fixture       *f,
                     gconstpointer  data)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (body TEXT);"
                                     "INSERT INTO notes VALUES ('mine');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  assert_refused_untouched (f->path, OB_STORE_ERROR_NOT_OUTBOUND);
}

static void
test_unwritable_folder (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename (f->dir, "file", NULL);
  g_autofree char *path = g_build_filename (blocker, "outbound.db", NULL);
  g_autoptr(ObStore) store = NULL;

  /* A plain file where the folder should be: creating the folder fails. */
  g_file_set_contents (blocker, "x", 1, &error);
  g_assert_no_error (error);

  store = ob_store_open (path, &error);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_OPEN);
  g_assert_null (store);
}

static void
test_foreign_keys_enforced (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_false (ob_store_exec (store, "INSERT INTO enrollments (campaign_id, prospect_id) "
                                        "VALUES (42, 42)", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
}

static void
test_one_send_per_step (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  ob_store_exec (store,
                 "INSERT INTO prospects (id, email, email_key, domain) VALUES (1, 'a@b.test', 'a@b.test', 'b.test');"
                 "INSERT INTO campaigns (id, name) VALUES (1, 'Q1');"
                 "INSERT INTO enrollments (id, campaign_id, prospect_id) VALUES (1, 1, 1);"
                 "INSERT INTO sends (enrollment_id, step_position, state, message_id) "
                 "  VALUES (1, 1, 'sending', '<1@b.test>');",
                 &error);
  g_assert_no_error (error);

  /* At most once is a schema rule, not only the sender's good manners. */
  g_assert_false (ob_store_exec (store,
                                 "INSERT INTO sends (enrollment_id, step_position, state, message_id) "
                                 "VALUES (1, 1, 'sending', '<2@b.test>')", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY);
}

static void
test_counts (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  ObStoreCounts counts = { 0 };

  g_assert_no_error (error);
  ob_store_exec (store,
                 "INSERT INTO prospects (email, email_key, domain, status) VALUES"
                 " ('a@x.test', 'a@x.test', 'x.test', 'active'),"
                 " ('b@x.test', 'b@x.test', 'x.test', 'active'),"
                 " ('c@x.test', 'c@x.test', 'x.test', 'replied'),"
                 " ('d@x.test', 'd@x.test', 'x.test', 'bounced'),"
                 " ('e@x.test', 'e@x.test', 'x.test', 'opted_out');"
                 "INSERT INTO do_not_contact (kind, value) VALUES ('domain', 'spam.test');"
                 "INSERT INTO campaigns (name, state) VALUES ('a', 'draft'), ('b', 'running'),"
                 " ('c', 'running'), ('d', 'paused');"
                 "INSERT INTO enrollments (campaign_id, prospect_id, state) VALUES"
                 " (2, 1, 'active'), (2, 2, 'finished'), (3, 3, 'replied');"
                 "INSERT INTO sends (enrollment_id, step_position, state, message_id) VALUES"
                 " (1, 1, 'sent', '<1@x>'), (1, 2, 'retry', '<2@x>'), (2, 1, 'sent', '<3@x>'),"
                 " (3, 1, 'uncertain', '<4@x>');"
                 "INSERT INTO events (kind) VALUES ('sent'), ('sent'), ('replied');",
                 &error);
  g_assert_no_error (error);

  g_assert_true (ob_store_get_counts (store, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.prospects, ==, 5);
  g_assert_cmpint (counts.prospects_active, ==, 2);
  g_assert_cmpint (counts.prospects_replied, ==, 1);
  g_assert_cmpint (counts.prospects_bounced, ==, 1);
  g_assert_cmpint (counts.prospects_opted_out, ==, 1);
  g_assert_cmpint (counts.do_not_contact, ==, 1);
  g_assert_cmpint (counts.campaigns, ==, 4);
  g_assert_cmpint (counts.campaigns_draft, ==, 1);
  g_assert_cmpint (counts.campaigns_running, ==, 2);
  g_assert_cmpint (counts.campaigns_paused, ==, 1);
  g_assert_cmpint (counts.campaigns_finished, ==, 0);
  g_assert_cmpint (counts.enrollments, ==, 3);
  g_assert_cmpint (counts.enrollments_active, ==, 1);
  g_assert_cmpint (counts.sends_sent, ==, 2);
  g_assert_cmpint (counts.sends_queued, ==, 1);
  g_assert_cmpint (counts.sends_uncertain, ==, 1);
  g_assert_cmpint (counts.sends_failed, ==, 0);
  g_assert_cmpint (counts.events, ==, 3);
  g_assert_cmpint (counts.accounts, ==, 0);
}

static void
test_transaction_rollback (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_true (ob_store_begin (store, &error));
  ob_store_exec (store, "INSERT INTO tags (name) VALUES ('vip')", &error);
  g_assert_no_error (error);
  ob_store_rollback (store);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM tags"), ==, 0);
}

/* Two connections, as two threads have: a reader sees the writer's commit. */
static void
test_two_connections (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) writer = ob_store_open (f->path, &error);
  g_autoptr(ObStore) reader = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_true (ob_store_begin (writer, &error));
  ob_store_exec (writer, "INSERT INTO tags (name) VALUES ('vip')", &error);
  g_assert_no_error (error);
  /* WAL: the reader is not blocked by the open write transaction. */
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM tags"), ==, 0);
  g_assert_true (ob_store_commit (writer, &error));
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM tags"), ==, 1);
}

/* A cached statement is prepared once, handed out reset, and never twice
 * at the same time: a nested use of the same SQL gets its own. */
static void
test_prepare_cached (Fixture       *f,
                     gconstpointer  data)
{
  const char *sql = "SELECT name FROM tags WHERE name >= ?1 ORDER BY name";
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  ObStoreStmt *first, *again, *nested;

  g_assert_no_error (error);
  ob_store_exec (store, "INSERT INTO tags (name) VALUES ('a'), ('b')", &error);
  g_assert_no_error (error);

  first = ob_store_prepare_cached (store, sql, &error);
  g_assert_no_error (error);
  sqlite3_bind_text (first, 1, "a", -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (first, 0), ==, "a");

  /* Still stepping: a second user must not reset it under the first. */
  nested = ob_store_prepare_cached (store, sql, &error);
  g_assert_no_error (error);
  g_assert_true (nested != first);
  sqlite3_bind_text (nested, 1, "b", -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (nested), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (nested, 0), ==, "b");
  ob_store_stmt_release (nested);

  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (first, 0), ==, "b");
  ob_store_stmt_release (first);

  /* Released: the same one again, with no binding left from before. */
  again = ob_store_prepare_cached (store, sql, &error);
  g_assert_no_error (error);
  g_assert_true (again == first || again == nested);
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_DONE);
  ob_store_stmt_release (again);

  /* A schema change does not break a kept statement. */
  ob_store_exec (store, "CREATE INDEX test_tags_name ON tags (name)", &error);
  g_assert_no_error (error);
  again = ob_store_prepare_cached (store, sql, &error);
  g_assert_no_error (error);
  sqlite3_bind_text (again, 1, "a", -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_ROW);
  ob_store_stmt_release (again);

  /* A bad statement is an error, not a cache entry. */
  g_assert_null (ob_store_prepare_cached (store, "SELECT nothing FROM nowhere", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY);
}

/* Lazy durability switches synchronous between FULL (2) and NORMAL (1). */
static void
test_lazy_durability (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 2);
  g_assert_true (ob_store_set_lazy_durability (store, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 1);
  g_assert_true (ob_store_set_lazy_durability (store, FALSE, &error));
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 2);
}

/* A lazy commit, then the WAL synced from elsewhere: a FULL commit in two
 * steps. A store that has no WAL cannot be synced: an error, not a yes. */
static void
test_sync_wal (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (f->path, &error);
  g_autofree char *missing = g_build_filename (f->dir, "none.db", NULL);

  g_assert_no_error (error);
  g_assert_true (ob_store_set_lazy_durability (store, TRUE, &error));
  ob_store_exec (store, "INSERT INTO tags (name) VALUES ('vip')", &error);
  g_assert_no_error (error);
  g_assert_true (ob_store_sync_wal (f->path, &error));
  g_assert_no_error (error);
  g_assert_false (ob_store_sync_wal (missing, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(name, func) \
  g_test_add ("/engine/store/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create-empty", test_create_empty);
  ADD ("reopen-keeps-data", test_reopen_keeps_data);
  ADD ("migrate-from-each-version", test_migrate_from_each_version);
  ADD ("refuse-newer", test_refuse_newer);
  ADD ("refuse-garbage", test_refuse_garbage);
  ADD ("refuse-damaged", test_refuse_damaged);
  ADD ("refuse-foreign", test_refuse_foreign);
  ADD ("unwritable-folder", test_unwritable_folder);
  ADD ("foreign-keys-enforced", test_foreign_keys_enforced);
  ADD ("one-send-per-step", test_one_send_per_step);
  ADD ("counts", test_counts);
  ADD ("transaction-rollback", test_transaction_rollback);
  ADD ("two-connections", test_two_connections);
  ADD ("prepare-cached", test_prepare_cached);
  ADD ("lazy-durability", test_lazy_durability);
  ADD ("sync-wal", test_sync_wal);
#undef ADD

  return g_test_run ();
}
