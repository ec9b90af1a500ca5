/* ob-store.c: the sqlite store, its schema and migrations
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObStore is a single sqlite connection and belongs to the thread
 * that opened it. Every thread that needs the store (main, each sender, each
 * watcher, each long job) opens its own; WAL lets them read while one writes.
 */

#define G_LOG_DOMAIN "ob-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ob-engine-resources.h"
#include "ob-store.h"

/* "OutB" in PRAGMA application_id tells our files from other sqlite databases. */
#define OB_STORE_APPLICATION_ID 0x4f757442
#define OB_STORE_BUSY_TIMEOUT_MS 5000
#define OB_STORE_PAGE_SIZE 16384
#define OB_STORE_MIGRATIONS_PATH RESOURCE_PREFIX "/engine/sql/"

struct _ObStore
{
  GObject  parent_instance;

  char    *path;
  sqlite3 *db;
  int      version;
  GHashTable *statements;              /* SQL text → GPtrArray of sqlite3_stmt */
  gboolean lazy;                       /* synchronous=NORMAL now, not FULL */
  gboolean empty_file;                 /* nothing written yet: page size still open */
#ifndef G_DISABLE_ASSERT
  GThread *owner;
#endif
};

G_DEFINE_FINAL_TYPE (ObStore, ob_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (ob-store-error-quark, ob_store_error)

static inline void
ob_store_assert_owner (ObStore *self)
{
#ifndef G_DISABLE_ASSERT
  g_assert (self->owner == g_thread_self ());
#endif
}

static void
ob_store_finalize (GObject *object)
{
  ObStore *self = OB_STORE (object);

  /* The cached statements go before the connection they belong to. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      /* Close in any case: a leftover statement must not keep the file open. */
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (ob_store_parent_class)->finalize (object);
}

static void
ob_store_class_init (ObStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_store_finalize;
}

static void
finalize_statements (gpointer data)
{
  GPtrArray *stmts = data;

  for (guint i = 0; i < stmts->len; i++)
    sqlite3_finalize (g_ptr_array_index (stmts, i));
  g_ptr_array_unref (stmts);
}

static void
ob_store_init (ObStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statements);
}

static ObStoreError
error_code_for_rc (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return OB_STORE_ERROR_CORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return OB_STORE_ERROR_BUSY;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return OB_STORE_ERROR_OPEN;
    default:
      return OB_STORE_ERROR_QUERY;
    }
}

void
ob_store_set_error_from_db (ObStore    *self,
                            int         rc,
                            GError    **error,
                            const char *what)
{
  ObStoreError code = error_code_for_rc (rc);
  const char *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  if (code == OB_STORE_ERROR_CORRUPT)
    g_set_error (error, OB_STORE_ERROR, code,
                 _("The database “%s” is damaged or is not a database (%s). "
                   "It was left untouched."),
                 self->path, detail);
  else
    g_set_error (error, OB_STORE_ERROR, code, "%s: %s", what, detail);
}

char *
ob_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "outbound", "outbound.db", NULL);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort hands over pointers to the elements. */
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Migrations are resources named NNN-what.sql; NNN is the version they lead to. */
static GPtrArray *
list_migrations (void)
{
  g_auto(GStrv) names = NULL;
  GPtrArray *sorted = g_ptr_array_new_with_free_func (g_free);

  names = g_resource_enumerate_children (ob_engine_resources_get_resource (),
                                         OB_STORE_MIGRATIONS_PATH,
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (names != NULL);

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".sql"))
      g_ptr_array_add (sorted, g_strdup (names[i]));

  g_ptr_array_sort (sorted, compare_names);

  /* A gap or duplicate in the numbering is a packaging bug, not a user error. */
  for (guint i = 0; i < sorted->len; i++)
    g_assert (g_ascii_strtoll (g_ptr_array_index (sorted, i), NULL, 10) == (gint64) i + 1);

  return sorted;
}

int
ob_store_latest_version (void)
{
  g_autoptr(GPtrArray) migrations = list_migrations ();

  return (int) migrations->len;
}

static gboolean
query_int (ObStore    *self,
           const char *sql,
           gint64     *out,
           GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    {
      *out = 0;
      return TRUE;
    }

  ob_store_set_error_from_db (self, rc, error, sql);
  return FALSE;
}

gboolean
ob_store_exec (ObStore    *self,
               const char *sql,
               GError    **error)
{
  char *message = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  ob_store_assert_owner (self);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, OB_STORE_ERROR, error_code_for_rc (rc), "%s",
                   message != NULL ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

sqlite3_stmt *
ob_store_prepare (ObStore    *self,
                  const char *sql,
                  GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (self), NULL);
  ob_store_assert_owner (self);

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ob_store_set_error_from_db (self, rc, error, "prepare");
      return NULL;
    }

  return stmt;
}

/**
 * ob_store_prepare_cached:
 * @self: a store
 * @sql: one statement
 * @error: why it does not prepare
 *
 * ob_store_prepare() for the statements a worker runs again and again (the
 * sender's decision, claim and record for every message): prepared once per
 * connection, kept until the store closes. The caller must hand it back with
 * ob_store_stmt_release() (g_autoptr (ObStoreStmt) does) and never finalize
 * it. A statement still in use (a nested call with the same SQL) is never
 * handed out twice: a second one is prepared and kept beside it. sqlite
 * re-prepares a cached statement by itself when the schema changes.
 *
 * Returns: (transfer none) (nullable): the statement, reset, no bindings
 */
ObStoreStmt *
ob_store_prepare_cached (ObStore     *self,
                         const char  *sql,
                         GError     **error)
{
  GPtrArray *stmts;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (OB_IS_STORE (self), NULL);
  ob_store_assert_owner (self);

  stmts = g_hash_table_lookup (self->statements, sql);
  if (stmts != NULL)
    for (guint i = 0; i < stmts->len; i++)
      {
        stmt = g_ptr_array_index (stmts, i);
        if (!sqlite3_stmt_busy (stmt))
          return stmt;
      }

  stmt = ob_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  if (stmts == NULL)
    {
      stmts = g_ptr_array_new ();
      g_hash_table_insert (self->statements, g_strdup (sql), stmts);
    }
  g_ptr_array_add (stmts, stmt);
  return stmt;
}

/**
 * ob_store_stmt_release:
 * @stmt: (nullable): a statement from ob_store_prepare_cached()
 *
 * Resets it and clears its bindings, ready for the next caller: a statement
 * left stepped would hold its read snapshot (or its write) open.
 */
void
ob_store_stmt_release (ObStoreStmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

gboolean
ob_store_begin (ObStore  *self,
                GError  **error)
{
  /* IMMEDIATE takes the write lock now, so a busy writer is waited for here
   * rather than failing halfway through the transaction. */
  return ob_store_exec (self, "BEGIN IMMEDIATE", error);
}

/**
 * ob_store_set_lazy_durability:
 * @self: a store, outside any transaction
 * @lazy: %TRUE for synchronous=NORMAL, %FALSE for the default FULL
 * @error: why not
 *
 * With @lazy, the next commits are written to the WAL without waiting for
 * the disk: they survive the process dying at once, and a power cut only
 * until the next full commit or checkpoint makes them durable (both sync
 * the whole WAL). Only for records whose loss after a power cut is safe:
 * see ob-outbox.c. sqlite refuses the change inside a transaction.
 */
gboolean
ob_store_set_lazy_durability (ObStore   *self,
                              gboolean   lazy,
                              GError   **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (sqlite3_get_autocommit (self->db), FALSE);

  if (self->lazy == lazy)
    return TRUE;
  if (!ob_store_exec (self, lazy ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", error))
    return FALSE;
  self->lazy = lazy;
  return TRUE;
}

/**
 * ob_store_sync_wal:
 * @path: the store's file
 * @error: why not
 *
 * Makes everything committed to @path's WAL so far durable, as the sync of
 * a FULL commit would: a lazy commit followed by this is a FULL commit
 * whose disk wait happens here, on any thread, with no connection (the
 * WAL file stays while a connection is open). Blocks.
 */
gboolean
ob_store_sync_wal (const char  *path,
                   GError     **error)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  int fd = g_open (wal, O_RDONLY | O_CLOEXEC, 0);
  int saved_errno;

  if (fd >= 0 && fdatasync (fd) == 0)
    {
      g_close (fd, NULL);
      return TRUE;
    }
  saved_errno = errno;
  if (fd >= 0)
    g_close (fd, NULL);
  g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY,
               _("Could not write “%s” to the disk: %s"), wal, g_strerror (saved_errno));
  return FALSE;
}

gboolean
ob_store_commit (ObStore  *self,
                 GError  **error)
{
  return ob_store_exec (self, "COMMIT", error);
}

void
ob_store_rollback (ObStore *self)
{
  ob_store_assert_owner (self);

  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static gboolean
apply_migration (ObStore    *self,
                 const char *name,
                 int         version,
                 GError    **error)
{
  g_autofree char *resource = g_strconcat (OB_STORE_MIGRATIONS_PATH, name, NULL);
  g_autofree char *pragmas = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sql = NULL;
  const char *data;
  gsize len;

  bytes = g_resource_lookup_data (ob_engine_resources_get_resource (), resource,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (bytes != NULL);
  data = g_bytes_get_data (bytes, &len);
  sql = g_strndup (data, len);

  if (!ob_store_begin (self, error))
    return FALSE;

  pragmas = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d;",
                             OB_STORE_APPLICATION_ID, version);

  if (!ob_store_exec (self, sql, &local_error) ||
      !ob_store_exec (self, pragmas, &local_error) ||
      !ob_store_commit (self, &local_error))
    {
      ob_store_rollback (self);
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MIGRATION,
                   _("Could not update the database “%s” to version %d (%s): %s"),
                   self->path, version, name, local_error->message);
      return FALSE;
    }

  g_debug ("Migrated %s to version %d (%s)", self->path, version, name);
  self->version = version;
  return TRUE;
}

/* Reads the header before anything is written: a damaged file, someone else's
 * database or one from a newer Outbound is reported and never modified. */
static gboolean
check_identity (ObStore  *self,
                GError  **error)
{
  gint64 version, application_id, n_objects;
  g_autoptr(GError) local_error = NULL;

  if (!query_int (self, "SELECT count(*) FROM sqlite_schema", &n_objects, &local_error) ||
      !query_int (self, "PRAGMA user_version", &version, &local_error) ||
      !query_int (self, "PRAGMA application_id", &application_id, &local_error))
    {
      if (g_error_matches (local_error, OB_STORE_ERROR, OB_STORE_ERROR_CORRUPT))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_OPEN,
                     _("Could not read the database “%s”: %s"),
                     self->path, local_error->message);
      return FALSE;
    }

  if (application_id != OB_STORE_APPLICATION_ID && (n_objects > 0 || version != 0))
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_OUTBOUND,
                   _("“%s” is a database of another program, not of Outbound. "
                     "It was left untouched."),
                   self->path);
      return FALSE;
    }

  if (version > ob_store_latest_version ())
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_TOO_NEW,
                   _("The database “%s” was written by a newer version of Outbound "
                     "(schema %d; this version knows up to %d). Update Outbound to open it."),
                   self->path, (int) version, ob_store_latest_version ());
      return FALSE;
    }

  self->version = (int) version;
  self->empty_file = n_objects == 0 && version == 0;
  return TRUE;
}

static gboolean
configure_connection (ObStore  *self,
                      GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *mode;
  int rc;

  sqlite3_extended_result_codes (self->db, 1);

  /* synchronous=FULL: a send recorded as 'sending' or 'sent' must survive a
   * power cut too, or a restart could send it again. */
  if (!ob_store_exec (self,
                      "PRAGMA foreign_keys = ON;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA trusted_schema = OFF;"
                      "PRAGMA temp_store = MEMORY;",
                      error))
    return FALSE;

  /* A new file gets 16 KiB pages (sqlite's default is 4 KiB): a million
   * prospects take a quarter of the pages, so importing, building indexes
   * and scanning cost less CPU (measured: inserting 1M rows, 12 % less). It
   * can only be chosen before the first write. */
  if (self->empty_file &&
      !ob_store_exec (self, "PRAGMA page_size = " G_STRINGIFY (OB_STORE_PAGE_SIZE), error))
    return FALSE;

  stmt = ob_store_prepare (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (self, rc, error, "journal_mode");
      return FALSE;
    }
  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_ascii_strcasecmp (mode, "wal") != 0)
    g_warning ("%s: journal mode is %s, not WAL", self->path, mode);

  return TRUE;
}

ObStore *
ob_store_open_at_version (const char  *path,
                          int          version,
                          GError     **error)
{
  g_autoptr(ObStore) self = NULL;
  g_autoptr(GPtrArray) migrations = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  migrations = list_migrations ();
  g_return_val_if_fail (version >= 0 && version <= (int) migrations->len, NULL);

  self = g_object_new (OB_TYPE_STORE, NULL);
  self->path = g_strdup (path);
#ifndef G_DISABLE_ASSERT
  self->owner = g_thread_self ();
#endif

  if (strcmp (path, ":memory:") != 0)
    {
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_OPEN,
                       _("Could not create the folder “%s”: %s"),
                       dir, g_strerror (saved_errno));
          return NULL;
        }
    }

  /* Prospect lists are personal data: a new store is readable by its owner
   * only (sqlite gives its -wal and -shm files the same mode). */
  if (strcmp (path, ":memory:") != 0 && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd >= 0)
        g_close (fd, NULL);
    }

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_OPEN,
                   _("Could not open the database “%s”: %s"),
                   path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  /* Before the first read: another connection may be mid-checkpoint. */
  sqlite3_busy_timeout (self->db, OB_STORE_BUSY_TIMEOUT_MS);

  if (!check_identity (self, error))
    return NULL;

  if (!configure_connection (self, error))
    return NULL;

  for (int v = self->version + 1; v <= version; v++)
    if (!apply_migration (self, g_ptr_array_index (migrations, v - 1), v, error))
      return NULL;

  return g_steal_pointer (&self);
}

ObStore *
ob_store_open (const char  *path,
               GError     **error)
{
  return ob_store_open_at_version (path, ob_store_latest_version (), error);
}

static void
free_thread_stores (gpointer data)
{
  g_hash_table_unref (data);
}

static GPrivate thread_stores = G_PRIVATE_INIT (free_thread_stores);

/**
 * ob_store_open_for_thread:
 *
 * Returns: (transfer full): the calling thread's own connection to @path,
 *   opened on first use and kept for the thread's life, so that worker
 *   threads that run many short queries keep a warm page cache instead of
 *   reading the same index pages again on every fresh connection.
 */
ObStore *
ob_store_open_for_thread (const char  *path,
                          GError     **error)
{
  GHashTable *stores = g_private_get (&thread_stores);
  ObStore *store;

  if (stores == NULL)
    {
      stores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      g_private_set (&thread_stores, stores);
    }

  store = g_hash_table_lookup (stores, path);
  if (store == NULL)
    {
      store = ob_store_open (path, error);
      if (store == NULL)
        return NULL;
      g_hash_table_insert (stores, g_strdup (path), store);
    }

  return g_object_ref (store);
}

const char *
ob_store_get_path (ObStore *self)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return self->path;
}

int
ob_store_get_version (ObStore *self)
{
  g_return_val_if_fail (OB_IS_STORE (self), -1);

  return self->version;
}

sqlite3 *
ob_store_get_db (ObStore *self)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);
  ob_store_assert_owner (self);

  return self->db;
}

typedef struct
{
  const char *value;
  gint64     *count;
} CountSlot;

/* Runs "SELECT key, count(*) ... GROUP BY key" and adds each count to the
 * slots whose value matches; the total of all rows goes to *total. Each query
 * is one pass over a covering index, not over the table. */
static gboolean
count_by (ObStore         *self,
          const char      *sql,
          const CountSlot *slots,
          gsize            n_slots,
          gint64          *total,
          GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);
      gint64 n = sqlite3_column_int64 (stmt, 1);

      if (total != NULL)
        *total += n;
      for (gsize i = 0; i < n_slots; i++)
        if (g_strcmp0 (key, slots[i].value) == 0)
          *slots[i].count += n;
    }

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (self, rc, error, sql);
      return FALSE;
    }
  return TRUE;
}

gboolean
ob_store_get_counts (ObStore        *self,
                     ObStoreCounts  *counts,
                     GError        **error)
{
  const CountSlot prospects[] = {
    { "active", &counts->prospects_active },
    { "replied", &counts->prospects_replied },
    { "bounced", &counts->prospects_bounced },
    { "opted_out", &counts->prospects_opted_out },
  };
  const CountSlot campaigns[] = {
    { "draft", &counts->campaigns_draft },
    { "running", &counts->campaigns_running },
    { "paused", &counts->campaigns_paused },
    { "finished", &counts->campaigns_finished },
  };
  const CountSlot enrollments[] = {
    { "active", &counts->enrollments_active },
  };
  const CountSlot sends[] = {
    { "sent", &counts->sends_sent },
    { "sending", &counts->sends_queued },
    { "retry", &counts->sends_queued },
    { "uncertain", &counts->sends_uncertain },
    { "failed", &counts->sends_failed },
  };
  const CountSlot none[] = { { NULL, NULL } };

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  memset (counts, 0, sizeof *counts);

  /* One read transaction, so the figures agree with each other. */
  if (!ob_store_exec (self, "BEGIN", error))
    return FALSE;

  if (!count_by (self, "SELECT status, count(*) FROM prospects GROUP BY status",
                 prospects, G_N_ELEMENTS (prospects), &counts->prospects, error) ||
      !count_by (self, "SELECT state, count(*) FROM campaigns GROUP BY state",
                 campaigns, G_N_ELEMENTS (campaigns), &counts->campaigns, error) ||
      !count_by (self, "SELECT state, count(*) FROM enrollments GROUP BY state",
                 enrollments, G_N_ELEMENTS (enrollments), &counts->enrollments, error) ||
      !count_by (self, "SELECT state, count(*) FROM sends GROUP BY state",
                 sends, G_N_ELEMENTS (sends), NULL, error) ||
      !count_by (self, "SELECT NULL, count(*) FROM accounts",
                 none, 0, &counts->accounts, error) ||
      !count_by (self, "SELECT NULL, count(*) FROM do_not_contact",
                 none, 0, &counts->do_not_contact, error) ||
      !count_by (self, "SELECT NULL, count(*) FROM events",
                 none, 0, &counts->events, error))
    {
      ob_store_rollback (self);
      return FALSE;
    }

  return ob_store_exec (self, "COMMIT", error);
}

gboolean
ob_store_get_presence (ObStore          *self,
                       ObStorePresence  *presence,
                       GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  stmt = ob_store_prepare (self,
                           "SELECT EXISTS (SELECT 1 FROM accounts),"
                           " EXISTS (SELECT 1 FROM prospects),"
                           " EXISTS (SELECT 1 FROM campaigns)",
                           error);
  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (self, rc, error, "presence");
      return FALSE;
    }

  presence->accounts = sqlite3_column_int (stmt, 0) != 0;
  presence->prospects = sqlite3_column_int (stmt, 1) != 0;
  presence->campaigns = sqlite3_column_int (stmt, 2) != 0;
  return TRUE;
}

void
ob_store_presence_from_counts (const ObStoreCounts *counts,
                               ObStorePresence     *presence)
{
  presence->accounts = counts->accounts > 0;
  presence->prospects = counts->prospects > 0;
  presence->campaigns = counts->campaigns > 0;
}

gboolean
ob_store_step (ObStore       *self,
               sqlite3_stmt  *stmt,
               const char    *what,
               GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  ob_store_set_error_from_db (self, rc, error, what);
  return FALSE;
}
