/* ob-prospects.c: prospects: search index, list queries, load, save, delete
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: every function takes the calling thread's own ObStore. List
 * queries and indexing are meant for worker threads (they can take a while
 * over a million rows); load, save and delete are short and fine anywhere.
 *
 * The search index is contentless: removing a row from it needs the exact
 * text that was indexed, so that text is always built by SEARCH_TEXT_SQL from
 * the row as it is stored, before any change.
 */

#define G_LOG_DOMAIN "ob-prospects"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-json.h"
#include "ob-prospects.h"

#define SEARCH_TEXT_SQL \
  "email || char(10) || first_name || ' ' || last_name || char(10) || company || char(10) || title"
/* Search indexing: rows per transaction, and about how long one takes */
#define INDEX_BATCH_MIN   5000
#define INDEX_BATCH_MAX   200000
#define INDEX_BATCH_USEC  (G_USEC_PER_SEC)

struct _ObProspect
{
  GObject     parent_instance;

  gint64      id;
  char       *email;
  char       *first_name;
  char       *last_name;
  char       *company;
  char       *title;
  char       *timezone;
  char       *status;
  char       *tags;
  /* custom fields, name → value, in the order of the JSON object */
  GPtrArray  *field_names;
  GHashTable *fields;
};

G_DEFINE_FINAL_TYPE (ObProspect, ob_prospect, G_TYPE_OBJECT)

static void
ob_prospect_finalize (GObject *object)
{
  ObProspect *self = OB_PROSPECT (object);

  g_free (self->email);
  g_free (self->first_name);
  g_free (self->last_name);
  g_free (self->company);
  g_free (self->title);
  g_free (self->timezone);
  g_free (self->status);
  g_free (self->tags);
  g_ptr_array_unref (self->field_names);
  g_hash_table_unref (self->fields);

  G_OBJECT_CLASS (ob_prospect_parent_class)->finalize (object);
}

static void
ob_prospect_class_init (ObProspectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_prospect_finalize;
}

static void
ob_prospect_init (ObProspect *self)
{
  self->email = g_strdup ("");
  self->first_name = g_strdup ("");
  self->last_name = g_strdup ("");
  self->company = g_strdup ("");
  self->title = g_strdup ("");
  self->timezone = g_strdup ("");
  self->status = g_strdup ("active");
  self->tags = g_strdup ("");
  self->field_names = g_ptr_array_new_with_free_func (g_free);
  self->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ObProspect *
ob_prospect_new (void)
{
  return g_object_new (OB_TYPE_PROSPECT, NULL);
}

ObProspectQuery *
ob_prospect_query_copy (const ObProspectQuery *query)
{
  ObProspectQuery *copy = g_new0 (ObProspectQuery, 1);

  *copy = *query;
  copy->search = g_strdup (query->search);
  copy->status = g_strdup (query->status);
  return copy;
}

void
ob_prospect_query_free (ObProspectQuery *query)
{
  if (query == NULL)
    return;

  g_free (query->search);
  g_free (query->status);
  g_free (query);
}

/* The custom fields are a flat JSON object of strings; sqlite's json_each
 * reads it for us, so no JSON parser is needed here. */
static gboolean
load_fields (ObProspect  *self,
             ObStore     *store,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT key, value FROM prospects, json_each (prospects.fields) "
                           "WHERE prospects.id = ?1 AND json_valid (prospects.fields)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ob_prospect_set_field (self, (const char *) sqlite3_column_text (stmt, 0),
                           (const char *) sqlite3_column_text (stmt, 1));

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "fields");
      return FALSE;
    }
  return TRUE;
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

ObProspect *
ob_prospect_load (ObStore  *store,
                  gint64    id,
                  GError  **error)
{
  g_autoptr(ObProspect) self = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT email, first_name, last_name, company, title, timezone, status,"
                           " (SELECT group_concat (t.name, ', ') FROM prospect_tags AS pt"
                           "  JOIN tags AS t ON t.id = pt.tag_id WHERE pt.prospect_id = p.id)"
                           " FROM prospects AS p WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("This prospect no longer exists"));
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "prospect");
      return NULL;
    }

  self = ob_prospect_new ();
  self->id = id;
  g_free (self->email), self->email = dup_column (stmt, 0);
  g_free (self->first_name), self->first_name = dup_column (stmt, 1);
  g_free (self->last_name), self->last_name = dup_column (stmt, 2);
  g_free (self->company), self->company = dup_column (stmt, 3);
  g_free (self->title), self->title = dup_column (stmt, 4);
  g_free (self->timezone), self->timezone = dup_column (stmt, 5);
  g_free (self->status), self->status = dup_column (stmt, 6);
  g_free (self->tags), self->tags = dup_column (stmt, 7);

  if (!load_fields (self, store, error))
    return NULL;

  return g_steal_pointer (&self);
}

gint64
ob_prospect_get_id (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), 0);
  return self->id;
}

const char *
ob_prospect_get_email (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->email;
}

const char *
ob_prospect_get_first_name (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->first_name;
}

const char *
ob_prospect_get_last_name (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->last_name;
}

char *
ob_prospect_dup_full_name (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);

  if (self->first_name[0] == '\0' || self->last_name[0] == '\0')
    return g_strconcat (self->first_name, self->last_name, NULL);
  return g_strconcat (self->first_name, " ", self->last_name, NULL);
}

const char *
ob_prospect_get_company (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->company;
}

const char *
ob_prospect_get_title (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->title;
}

const char *
ob_prospect_get_timezone (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->timezone;
}

const char *
ob_prospect_get_status (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->status;
}

const char *
ob_prospect_get_tags (ObProspect *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);
  return self->tags;
}

GStrv
ob_prospect_dup_field_names (ObProspect *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);

  for (guint i = 0; i < self->field_names->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->field_names, i));
  return g_strv_builder_end (builder);
}

const char *
ob_prospect_get_field (ObProspect *self,
                       const char *name)
{
  g_return_val_if_fail (OB_IS_PROSPECT (self), NULL);

  if (g_str_equal (name, "email"))
    return self->email;
  if (g_str_equal (name, "first_name"))
    return self->first_name;
  if (g_str_equal (name, "last_name"))
    return self->last_name;
  if (g_str_equal (name, "company"))
    return self->company;
  if (g_str_equal (name, "title"))
    return self->title;
  if (g_str_equal (name, "timezone"))
    return self->timezone;
  return g_hash_table_lookup (self->fields, name);
}

/* Standard names set the column of that name; any other is a custom field. */
void
ob_prospect_set_field (ObProspect *self,
                       const char *name,
                       const char *value)
{
  char **slot = NULL;

  g_return_if_fail (OB_IS_PROSPECT (self));
  g_return_if_fail (name != NULL);

  if (value == NULL)
    value = "";

  if (g_str_equal (name, "email"))
    slot = &self->email;
  else if (g_str_equal (name, "first_name"))
    slot = &self->first_name;
  else if (g_str_equal (name, "last_name"))
    slot = &self->last_name;
  else if (g_str_equal (name, "company"))
    slot = &self->company;
  else if (g_str_equal (name, "title"))
    slot = &self->title;
  else if (g_str_equal (name, "timezone"))
    slot = &self->timezone;

  if (slot != NULL)
    {
      g_free (*slot);
      *slot = g_strstrip (g_strdup (value));
      return;
    }

  if (!g_hash_table_contains (self->fields, name))
    g_ptr_array_add (self->field_names, g_strdup (name));
  g_hash_table_replace (self->fields, g_strdup (name), g_strdup (value));
}

static char *
fields_to_json (ObProspect *self)
{
  GString *json = g_string_new ("{");

  for (guint i = 0; i < self->field_names->len; i++)
    {
      const char *name = g_ptr_array_index (self->field_names, i);

      if (i > 0)
        g_string_append_c (json, ',');
      ob_json_append_escaped (json, name);
      g_string_append_c (json, ':');
      ob_json_append_escaped (json, g_hash_table_lookup (self->fields, name));
    }
  g_string_append_c (json, '}');

  return g_string_free (json, FALSE);
}

static gboolean
exec_with_id (ObStore    *store,
              const char *sql,
              gint64      id,
              GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, sql);
      return FALSE;
    }
  return TRUE;
}

const char * const ob_prospects_unindex_sql =
  "INSERT INTO prospects_search (prospects_search, rowid, text)"
  " SELECT 'delete', id, " SEARCH_TEXT_SQL " FROM prospects"
  " WHERE id = ?1 AND id <= (SELECT indexed_upto FROM search_state)";

const char * const ob_prospects_reindex_sql =
  "INSERT INTO prospects_search (rowid, text)"
  " SELECT id, " SEARCH_TEXT_SQL " FROM prospects"
  " WHERE id = ?1 AND id <= (SELECT indexed_upto FROM search_state)";

/* Removes the row's current text from the search index, if it is indexed. */
static gboolean
unindex_prospect (ObStore  *store,
                  gint64    id,
                  GError  **error)
{
  return exec_with_id (store, ob_prospects_unindex_sql, id, error);
}

static gboolean
index_prospect (ObStore  *store,
                gint64    id,
                GError  **error)
{
  return exec_with_id (store, ob_prospects_reindex_sql, id, error);
}

/**
 * ob_prospect_save:
 *
 * Inserts a new prospect (id 0) or updates an existing one, keeping the
 * search index in step. The email must already be valid: the key used for
 * dedupe is its lower-cased form with the domain in ASCII.
 */
gboolean
ob_prospect_save (ObProspect  *self,
                  ObStore     *store,
                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *json = NULL;
  g_autofree char *key = NULL;
  g_autofree char *domain = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *at;
  int rc;

  g_return_val_if_fail (OB_IS_PROSPECT (self), FALSE);

  at = strrchr (self->email, '@');
  if (at == NULL || at == self->email || at[1] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an email address"), self->email);
      return FALSE;
    }
  domain = g_hostname_to_ascii (at + 1);
  if (domain == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid domain"), at + 1);
      return FALSE;
    }
  {
    g_autofree char *local = g_utf8_strdown (self->email, at - self->email);
    g_autofree char *lower_domain = g_ascii_strdown (domain, -1);

    g_free (domain);
    domain = g_steal_pointer (&lower_domain);
    key = g_strconcat (local, "@", domain, NULL);
  }

  json = fields_to_json (self);

  if (!ob_store_begin (store, error))
    return FALSE;

  if (self->id != 0 && !unindex_prospect (store, self->id, &local_error))
    goto failed;

  if (self->id == 0)
    stmt = ob_store_prepare (store,
                             "INSERT INTO prospects (email, email_key, domain, first_name,"
                             " last_name, company, title, timezone, fields, status)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                             &local_error);
  else
    stmt = ob_store_prepare (store,
                             "UPDATE prospects SET email = ?1, email_key = ?2, domain = ?3,"
                             " first_name = ?4, last_name = ?5, company = ?6, title = ?7,"
                             " timezone = ?8, fields = ?9, status = ?10, updated_at = unixepoch ()"
                             " WHERE id = ?11 RETURNING id",
                             &local_error);
  if (stmt == NULL)
    goto failed;

  sqlite3_bind_text (stmt, 1, self->email, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, domain, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, self->first_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, self->last_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, self->company, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, self->title, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, self->timezone, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, self->status, -1, SQLITE_STATIC);
  if (self->id != 0)
    sqlite3_bind_int64 (stmt, 11, self->id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("A prospect with the address “%s” already exists"), self->email);
      goto failed;
    }
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, &local_error, "save prospect");
      goto failed;
    }
  self->id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* A new row sits above indexed_upto until the next indexing pass unless
   * nothing is pending: then index it now and move the mark with it. */
  if (!exec_with_id (store,
                     "UPDATE search_state SET indexed_upto = ?1"
                     " WHERE indexed_upto = (SELECT coalesce (max (id), 0) FROM prospects"
                     "                       WHERE id < ?1)"
                     " AND indexed_upto < ?1",
                     self->id, &local_error) ||
      !index_prospect (store, self->id, &local_error) ||
      !ob_store_commit (store, &local_error))
    goto failed;

  return TRUE;

failed:
  ob_store_rollback (store);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

const char *
ob_prospect_status_to_string (const char *status)
{
  if (g_strcmp0 (status, "active") == 0)
    return C_("prospect status", "Active");
  if (g_strcmp0 (status, "replied") == 0)
    return C_("prospect status", "Replied");
  if (g_strcmp0 (status, "bounced") == 0)
    return C_("prospect status", "Bounced");
  if (g_strcmp0 (status, "opted_out") == 0)
    return C_("prospect status", "Opted Out");
  return status;
}

gint64
ob_prospects_count_unindexed (ObStore  *store,
                              GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    ob_store_prepare (store,
                      "SELECT count(*) FROM prospects"
                      " WHERE id > (SELECT indexed_upto FROM search_state)",
                      error);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* Marks every prospect with an id <= @upto as indexed. */
static gboolean
set_indexed_upto (ObStore  *store,
                  gint64    upto,
                  GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    ob_store_prepare (store, "UPDATE search_state SET indexed_upto = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, upto);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "search_state");
      return FALSE;
    }
  return TRUE;
}

/* Indexes the next @limit prospects above the mark, in the current
 * transaction; *@n_rows is how many there were. */
static gboolean
index_batch (ObStore  *store,
             gint64    limit,
             gint64   *n_rows,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 from, upto;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT (SELECT indexed_upto FROM search_state), max (id), count(*)"
                           " FROM (SELECT id FROM prospects"
                           "  WHERE id > (SELECT indexed_upto FROM search_state)"
                           "  ORDER BY id LIMIT ?1)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, limit);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "index");
      return FALSE;
    }
  from = sqlite3_column_int64 (stmt, 0);
  upto = sqlite3_column_int64 (stmt, 1);
  *n_rows = sqlite3_column_int64 (stmt, 2);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (*n_rows == 0)
    return TRUE;

  stmt = ob_store_prepare (store,
                           "INSERT INTO prospects_search (rowid, text)"
                           " SELECT id, " SEARCH_TEXT_SQL " FROM prospects"
                           " WHERE id > ?1 AND id <= ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, upto);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "index");
      return FALSE;
    }

  return set_indexed_upto (store, upto, error);
}

/**
 * ob_prospects_index_pending:
 *
 * Adds every prospect the search index does not hold yet, in batches of one
 * transaction each so that other connections can write in between and a
 * cancel loses at most one batch of work (never consistency).
 *
 * A batch is sized to take about INDEX_BATCH_USEC: FTS5 writes what it
 * gathered in memory (up to the table's 'hashsize', see
 * 004-search-index-lighter.sql) as one segment per transaction, and
 * merges them, so fewer, bigger batches cost less; short ones keep the
 * write lock free for the sender and for edits.
 */
gboolean
ob_prospects_index_pending (ObStore         *store,
                            GCancellable    *cancellable,
                            ObProgressFunc   progress,
                            gpointer         user_data,
                            GError         **error)
{
  gint64 total = ob_prospects_count_unindexed (store, error);
  gint64 done = 0;
  gint64 batch = INDEX_BATCH_MIN;

  if (total < 0)
    return FALSE;

  while (done < total)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 start, elapsed, n_rows = 0;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      start = g_get_monotonic_time ();
      if (!ob_store_begin (store, error))
        return FALSE;

      if (!index_batch (store, batch, &n_rows, &local_error) ||
          !ob_store_commit (store, &local_error))
        {
          ob_store_rollback (store);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      /* Rows imported meanwhile are counted in the next call. */
      if (n_rows == 0)
        break;
      done = MIN (done + n_rows, total);
      if (progress != NULL)
        progress ((guint64) done, (guint64) total, user_data);

      elapsed = MAX (g_get_monotonic_time () - start, 1);
      batch = CLAMP (batch * INDEX_BATCH_USEC / elapsed, INDEX_BATCH_MIN, INDEX_BATCH_MAX);
    }

  return TRUE;
}

/* FTS5 query syntax: a needle is one phrase, with its quotes doubled. */
static char *
search_phrase (const char *needle)
{
  GString *phrase = g_string_new ("\"");

  for (const char *p = needle; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (phrase, '"');
      g_string_append_c (phrase, *p);
    }
  g_string_append_c (phrase, '"');

  return g_string_free (phrase, FALSE);
}

static char *
like_pattern (const char *needle)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = needle; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');

  return g_string_free (pattern, FALSE);
}

/* Prospects whose address or domain starts with @prefix (lower case), in id
 * order, for the list with no filter: each range scan only reads the
 * covering index of its column, and a bitmap over the ids merges, dedupes
 * and orders them in one pass, where sqlite would build and sort a
 * temporary b-tree (a 1-2 character prefix can match a tenth of the list).
 * Returns FALSE with nothing set when the ids are too sparse for a bitmap. */
#define SHORT_NEEDLE_MAX_BITS (G_GINT64_CONSTANT (1) << 27)

static gboolean
short_needle_ids (ObStore       *store,
                  const char    *prefix,
                  gboolean       descending,
                  guint          first_batch,
                  ObIdsFunc      first_batch_func,
                  gpointer       user_data,
                  GCancellable  *cancellable,
                  GArray       **out_ids,
                  GError       **error)
{
  static const char * const ranges[] = {
    "SELECT id FROM prospects WHERE email_key >= ?1 AND email_key < ?1 || char (1114111)",
    "SELECT id FROM prospects WHERE domain >= ?1 AND domain < ?1 || char (1114111)",
  };
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree guint64 *bits = NULL;
  gint64 max_id;
  gsize n_words;
  guint n = 0, found = 0;
  int rc;

  stmt = ob_store_prepare (store, "SELECT coalesce (max (id), 0) FROM prospects", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "prospects");
      return FALSE;
    }
  max_id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (max_id < 0 || max_id >= SHORT_NEEDLE_MAX_BITS)
    return TRUE;

  n_words = (gsize) max_id / 64 + 1;
  bits = g_new0 (guint64, n_words);

  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      g_clear_pointer (&stmt, sqlite3_finalize);
      stmt = ob_store_prepare (store, ranges[r], error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          guint64 bit;

          if (id < 0)
            continue;
          /* A prospect added by another connection since max (id) was read */
          if ((guint64) id >= n_words * 64)
            {
              gsize more = (gsize) id / 64 + 1;

              if (id >= SHORT_NEEDLE_MAX_BITS)
                continue;
              bits = g_renew (guint64, bits, more);
              memset (bits + n_words, 0, (more - n_words) * sizeof (guint64));
              n_words = more;
            }
          bit = G_GUINT64_CONSTANT (1) << (id & 63);
          found += (bits[id >> 6] & bit) == 0;
          bits[id >> 6] |= bit;
          if ((++n & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
        }
      if (rc != SQLITE_DONE)
        {
          ob_store_set_error_from_db (store, rc, error, "prospects");
          return FALSE;
        }
    }

  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), found);
  for (gsize i = 0; i < n_words; i++)
    {
      gsize w = descending ? n_words - 1 - i : i;
      guint64 word = bits[w];

      while (word != 0)
        {
          int b = descending ? 63 - __builtin_clzll (word) : __builtin_ctzll (word);
          gint64 id = (gint64) (w * 64 + (gsize) b);

          word &= ~(G_GUINT64_CONSTANT (1) << b);
          g_array_append_val (ids, id);
          if (ids->len == first_batch && first_batch_func != NULL)
            first_batch_func ((const gint64 *) ids->data, ids->len, user_data);
        }
    }

  *out_ids = g_steal_pointer (&ids);
  return TRUE;
}

/* Appends the ids one statement returns (a single column). */
static gboolean
append_ids (ObStore       *store,
            sqlite3_stmt  *stmt,
            GArray        *ids,
            guint          first_batch,
            ObIdsFunc      first_batch_func,
            gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
      if (ids->len == first_batch && first_batch_func != NULL)
        first_batch_func ((const gint64 *) ids->data, ids->len, user_data);
      /* A cancelled query (the user typed on) stops within a few ms. */
      if ((ids->len & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "prospects");
      return FALSE;
    }
  return TRUE;
}

/* A search of 3 or more characters over the whole list, in id order. The
 * trigram index holds exactly the prospects with an id up to indexed_upto,
 * and the rows above it are scanned: the two parts come one after the
 * other, each in id order already, so nothing is sorted (sqlite sorted the
 * union of the two: about a third of the time of a search like "nowak").
 * One read transaction keeps indexed_upto from moving in between. */
static GArray *
search_in_id_order (ObStore       *store,
                    const char    *phrase,
                    const char    *pattern,
                    gboolean       descending,
                    guint          first_batch,
                    ObIdsFunc      first_batch_func,
                    gpointer       user_data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) indexed = NULL;
  g_autoptr(sqlite3_stmt) rest = NULL;
  gboolean own_transaction = sqlite3_get_autocommit (ob_store_get_db (store));
  gboolean ok;

  if (own_transaction && !ob_store_exec (store, "BEGIN DEFERRED", error))
    return NULL;

  indexed = ob_store_prepare (store,
                              "SELECT rowid FROM prospects_search WHERE prospects_search MATCH ?1"
                              " ORDER BY rowid",
                              error);
  rest = indexed == NULL ? NULL :
    ob_store_prepare (store,
                      "SELECT id FROM prospects WHERE id > (SELECT indexed_upto FROM search_state)"
                      "  AND (" SEARCH_TEXT_SQL ") LIKE ?1 ESCAPE '\\' ORDER BY id",
                      error);
  ok = rest != NULL;
  if (ok)
    {
      guint batch = descending ? 0 : first_batch;

      sqlite3_bind_text (indexed, 1, phrase, -1, SQLITE_STATIC);
      sqlite3_bind_text (rest, 1, pattern, -1, SQLITE_STATIC);
      ok = append_ids (store, indexed, ids, batch, first_batch_func, user_data, cancellable, error) &&
           append_ids (store, rest, ids, batch, first_batch_func, user_data, cancellable, error);
    }

  g_clear_pointer (&indexed, sqlite3_finalize);
  g_clear_pointer (&rest, sqlite3_finalize);
  if (own_transaction)
    {
      if (ok)
        ok = ob_store_exec (store, "COMMIT", error);
      ob_store_rollback (store);
    }
  if (!ok)
    return NULL;

  if (descending)
    {
      gint64 *data = (gint64 *) ids->data;

      for (guint i = 0, j = ids->len; i + 1 < j; i++, j--)
        {
          gint64 t = data[i];

          data[i] = data[j - 1];
          data[j - 1] = t;
        }
      if (first_batch_func != NULL && first_batch > 0 && ids->len >= first_batch)
        first_batch_func (data, first_batch, user_data);
    }

  return g_steal_pointer (&ids);
}

/**
 * ob_prospects_query_ids:
 *
 * Returns: (transfer full): the ids (gint64) of the prospects the query
 *   selects, in its order. Over the whole list this is one indexed scan;
 *   with a search of 3 or more characters, the trigram index plus a plain
 *   scan of the rows not indexed yet; shorter needles match the start of the
 *   address or of its domain (both indexed).
 */
GArray *
ob_prospects_query_ids (ObStore                *store,
                        const ObProspectQuery  *query,
                        GCancellable           *cancellable,
                        GError                **error)
{
  return ob_prospects_query_ids_full (store, query, 0, NULL, NULL, cancellable, error);
}

/**
 * ob_prospects_query_ids_full:
 * @first_batch: how many ids to hand to @first_batch_func as soon as they
 *   are found, so a view can show its first screen before a long query ends
 *
 * Like ob_prospects_query_ids().
 */
GArray *
ob_prospects_query_ids_full (ObStore                *store,
                             const ObProspectQuery  *query,
                             guint                   first_batch,
                             ObIdsFunc               first_batch_func,
                             gpointer                user_data,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT p.id FROM prospects AS p");
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *needle = NULL;
  g_autofree char *phrase = NULL;
  g_autofree char *pattern = NULL;
  const char *matches = NULL;
  gboolean where = FALSE;
  guint n = 0;
  int rc;

#define AND() g_string_append (sql, where ? " AND " : " WHERE "), where = TRUE

  if (query->search != NULL)
    {
      needle = g_strstrip (g_strdup (query->search));
      if (needle[0] == '\0')
        g_clear_pointer (&needle, g_free);
    }

  /* Each branch is its own indexed lookup; an OR across them would make
   * sqlite scan the whole table. */
  if (needle != NULL && g_utf8_strlen (needle, -1) >= 3)
    {
      phrase = search_phrase (needle);
      pattern = like_pattern (needle);
      matches = "SELECT rowid AS id FROM prospects_search WHERE prospects_search MATCH ?1"
                " UNION ALL"
                " SELECT id FROM prospects WHERE id > (SELECT indexed_upto FROM search_state)"
                "  AND (" SEARCH_TEXT_SQL ") LIKE ?2 ESCAPE '\\'";
    }
  else if (needle != NULL)
    {
      /* Keys and domains are stored lower-case: a prefix is a range of the
       * binary index, up to the prefix followed by the highest code point. */
      pattern = g_utf8_strdown (needle, -1);
      matches = "SELECT id FROM prospects"
                "  WHERE email_key >= ?2 AND email_key < ?2 || char (1114111)"
                " UNION SELECT id FROM prospects"
                "  WHERE domain >= ?2 AND domain < ?2 || char (1114111)";
    }

  /* The common case while typing: a search in the order rows were added.
   * The index's rowids are the prospects' ids, so the table is not read. */
  if (matches != NULL && query->status == NULL && query->campaign_id == 0 &&
      query->tag_id == 0 && query->sort == OB_PROSPECT_SORT_ADDED)
    {
      if (phrase != NULL)
        return search_in_id_order (store, phrase, pattern, query->descending, first_batch,
                                   first_batch_func, user_data, cancellable, error);
      else
        {
          GArray *short_ids = NULL;

          if (!short_needle_ids (store, pattern, query->descending, first_batch,
                                 first_batch_func, user_data, cancellable, &short_ids, error))
            return NULL;
          if (short_ids != NULL)
            return short_ids;
        }
      g_string_printf (sql, "SELECT id FROM (%s) ORDER BY id %s",
                       matches, query->descending ? "DESC" : "ASC");
      goto prepare;
    }

  if (matches != NULL)
    {
      AND ();
      g_string_append_printf (sql, "p.id IN (%s)", matches);
    }

  if (query->status != NULL)
    {
      AND ();
      g_string_append (sql, "p.status = ?3");
    }
  if (query->campaign_id != 0)
    {
      AND ();
      g_string_append (sql, "p.id IN (SELECT prospect_id FROM enrollments WHERE campaign_id = ?4)");
    }
  if (query->tag_id != 0)
    {
      AND ();
      g_string_append (sql, "p.id IN (SELECT prospect_id FROM prospect_tags WHERE tag_id = ?5)");
    }
#undef AND

  switch (query->sort)
    {
    case OB_PROSPECT_SORT_EMAIL:
      g_string_append (sql, " ORDER BY p.email_key");
      break;
    case OB_PROSPECT_SORT_NAME:
      g_string_append_printf (sql, " ORDER BY p.last_name COLLATE NOCASE %s,"
                                   " p.first_name COLLATE NOCASE",
                              query->descending ? "DESC" : "ASC");
      break;
    case OB_PROSPECT_SORT_COMPANY:
      g_string_append (sql, " ORDER BY p.company COLLATE NOCASE");
      break;
    case OB_PROSPECT_SORT_STATUS:
      g_string_append (sql, " ORDER BY p.status");
      break;
    case OB_PROSPECT_SORT_ADDED:
    default:
      g_string_append (sql, " ORDER BY p.id");
      break;
    }
  if (query->sort != OB_PROSPECT_SORT_NAME)
    g_string_append (sql, query->descending ? " DESC" : " ASC");

prepare:
  stmt = ob_store_prepare (store, sql->str, error);
  if (stmt == NULL)
    return NULL;
  if (phrase != NULL)
    sqlite3_bind_text (stmt, 1, phrase, -1, SQLITE_STATIC);
  if (pattern != NULL)
    sqlite3_bind_text (stmt, 2, pattern, -1, SQLITE_STATIC);
  if (query->status != NULL)
    sqlite3_bind_text (stmt, 3, query->status, -1, SQLITE_STATIC);
  if (query->campaign_id != 0)
    sqlite3_bind_int64 (stmt, 4, query->campaign_id);
  if (query->tag_id != 0)
    sqlite3_bind_int64 (stmt, 5, query->tag_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
      if (ids->len == first_batch && first_batch_func != NULL)
        first_batch_func ((const gint64 *) ids->data, ids->len, user_data);
      /* A cancelled query (the user typed on) stops within a few ms. */
      if ((++n & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "prospects");
      return NULL;
    }

  return g_steal_pointer (&ids);
}

/**
 * ob_prospects_delete:
 *
 * Really deletes: the row, its custom fields, tags, enrollments and sends go
 * (GDPR: a prospect can ask to be forgotten). Events keep no personal data
 * once their prospect is gone. The do-not-contact list is separate and stays.
 */
gboolean
ob_prospects_delete (ObStore       *store,
                     const gint64  *ids,
                     guint          n_ids,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ob_store_begin (store, error))
    return FALSE;

  for (guint i = 0; i < n_ids && local_error == NULL; i++)
    if (unindex_prospect (store, ids[i], &local_error))
      exec_with_id (store, "DELETE FROM prospects WHERE id = ?1", ids[i], &local_error);

  if (local_error != NULL || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/**
 * ob_prospects_enroll:
 * @override_other_campaigns: enroll even prospects that are active in
 *   another campaign (the rep said so explicitly)
 *
 * Adds prospects to a campaign as 'active' enrollments, in one transaction.
 * Never enrolls a prospect who replied, bounced or opted out, or whose
 * address or domain is on the do-not-contact list; a prospect already active
 * in another campaign only with @override_other_campaigns.
 */
gboolean
ob_prospects_enroll (ObStore         *store,
                     gint64           campaign_id,
                     const gint64    *ids,
                     guint            n_ids,
                     gboolean         override_other_campaigns,
                     ObEnrollResult  *result,
                     GError         **error)
{
  g_autoptr(sqlite3_stmt) check = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(GError) local_error = NULL;

  memset (result, 0, sizeof *result);

  if (!ob_store_begin (store, error))
    return FALSE;

  check = ob_store_prepare (store,
                            "SELECT p.status != 'active',"
                            " EXISTS (SELECT 1 FROM do_not_contact AS d"
                            "         WHERE (d.kind = 'email' AND d.value = p.email_key)"
                            "            OR (d.kind = 'domain' AND d.value = p.domain)),"
                            " EXISTS (SELECT 1 FROM enrollments AS e"
                            "         WHERE e.prospect_id = p.id AND e.campaign_id = ?2),"
                            " EXISTS (SELECT 1 FROM enrollments AS e"
                            "         WHERE e.prospect_id = p.id AND e.campaign_id != ?2"
                            "           AND e.state = 'active')"
                            " FROM prospects AS p WHERE p.id = ?1",
                            &local_error);
  insert = check == NULL ? NULL
           : ob_store_prepare (store,
                               "INSERT INTO enrollments (campaign_id, prospect_id, due_at)"
                               " VALUES (?1, ?2, unixepoch ())",
                               &local_error);

  for (guint i = 0; i < n_ids && local_error == NULL; i++)
    {
      int rc;

      sqlite3_reset (check);
      sqlite3_bind_int64 (check, 1, ids[i]);
      sqlite3_bind_int64 (check, 2, campaign_id);
      rc = sqlite3_step (check);
      if (rc == SQLITE_DONE)
        continue;   /* deleted meanwhile */
      if (rc != SQLITE_ROW)
        {
          ob_store_set_error_from_db (store, rc, &local_error, "enroll");
          break;
        }

      if (sqlite3_column_int (check, 0))
        result->not_active++;
      else if (sqlite3_column_int (check, 1))
        result->do_not_contact++;
      else if (sqlite3_column_int (check, 2))
        result->already_enrolled++;
      else if (sqlite3_column_int (check, 3) && !override_other_campaigns)
        result->active_elsewhere++;
      else
        {
          sqlite3_reset (insert);
          sqlite3_bind_int64 (insert, 1, campaign_id);
          sqlite3_bind_int64 (insert, 2, ids[i]);
          rc = sqlite3_step (insert);
          if (rc != SQLITE_DONE)
            ob_store_set_error_from_db (store, rc, &local_error, "enroll");
          else
            result->enrolled++;
        }
    }

  g_clear_pointer (&check, sqlite3_finalize);
  g_clear_pointer (&insert, sqlite3_finalize);
  if (local_error != NULL || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      memset (result, 0, sizeof *result);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}
