/* ob-export.c: exporting prospects to CSV
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: works on the calling thread's own ObStore and blocks on the
 * output stream: call it from a worker (or the CLI).
 *
 * The file is RFC 4180 (comma, CRLF, quotes doubled), UTF-8, and made to be
 * imported again unchanged: the columns are named after the fields the
 * importer maps them to (email, first_name, last_name, company, title,
 * timezone, tags), then one column per custom field, sorted by name, so
 * that export → import → export gives the same bytes. Prospects come in the
 * order they were added; tags are a comma-separated list, sorted. Status is
 * not a column: an import never sets it (the filter chooses it instead).
 */

#define G_LOG_DOMAIN "ob-export"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-export.h"

G_DEFINE_QUARK (ob-export-error-quark, ob_export_error)

#define FLUSH_SIZE (64 * 1024)

/* The standard columns, in the order of the SELECT below */
static const char * const standard_columns[] = {
  "email", "first_name", "last_name", "company", "title", "timezone",
};

typedef struct
{
  ObStore       *store;
  GOutputStream *output;
  GCancellable  *cancellable;
  GString       *buffer;
} Writer;

static gboolean
flush (Writer  *w,
       GError **error)
{
  if (w->buffer->len == 0)
    return TRUE;
  if (!g_output_stream_write_all (w->output, w->buffer->str, w->buffer->len, NULL,
                                  w->cancellable, error))
    return FALSE;
  g_string_truncate (w->buffer, 0);
  return TRUE;
}

static void
append_field (GString    *out,
              const char *value)
{
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static gboolean
store_failed (ObStore     *store,
              int          rc,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  ob_store_set_error_from_db (store, rc, &local_error, "export");
  g_set_error (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_STORE,
               _("Could not read the database: %s"), local_error->message);
  return FALSE;
}

static sqlite3_stmt *
prepare (ObStore     *store,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (ob_store_get_db (store), sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      store_failed (store, rc, error);
      return NULL;
    }
  return stmt;
}

/* Binds ?1 (campaign id) and ?2 (status) of the filter. */
static void
bind_filter (sqlite3_stmt *stmt,
             gint64        campaign_id,
             const char   *status)
{
  if (campaign_id != 0)
    sqlite3_bind_int64 (stmt, 1, campaign_id);
  if (status != NULL)
    sqlite3_bind_text (stmt, 2, status, -1, SQLITE_STATIC);
}

static gboolean
write_rows (Writer                 *w,
            gint64                  campaign_id,
            const char             *status,
            guint64                *out_rows,
            GError                **error)
{
  g_autoptr(sqlite3_stmt) keys_stmt = NULL;
  g_autoptr(sqlite3_stmt) rows = NULL;
  g_autoptr(sqlite3_stmt) tags = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) key_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *filter = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GString) tag_list = g_string_new (NULL);
  gint64 tag_id = 0;
  gboolean tag_started = FALSE;
  gboolean tags_done = FALSE;
  int rc;

  /* The rows the filter selects, as a clause on p */
  filter = g_strdup_printf ("%s%s",
                            campaign_id != 0
                            ? " AND p.id IN (SELECT prospect_id FROM enrollments WHERE campaign_id = ?1)"
                            : "",
                            status != NULL ? " AND p.status = ?2" : "");

  /* Every custom field name, for the header */
  sql = g_strdup_printf ("SELECT DISTINCT j.key FROM prospects AS p,"
                         " json_each (CASE WHEN json_valid (p.fields) AND json_type (p.fields) = 'object'"
                         "  THEN p.fields ELSE '{}' END) AS j"
                         " WHERE 1%s ORDER BY j.key", filter);
  keys_stmt = prepare (w->store, sql, error);
  if (keys_stmt == NULL)
    return FALSE;
  bind_filter (keys_stmt, campaign_id, status);
  while ((rc = sqlite3_step (keys_stmt)) == SQLITE_ROW)
    {
      char *key = g_strdup ((const char *) sqlite3_column_text (keys_stmt, 0));

      g_ptr_array_add (keys, key);
      g_hash_table_insert (key_index, key, GUINT_TO_POINTER (keys->len - 1));
    }
  if (rc != SQLITE_DONE)
    return store_failed (w->store, rc, error);

  for (guint i = 0; i < G_N_ELEMENTS (standard_columns); i++)
    {
      g_string_append (w->buffer, standard_columns[i]);
      g_string_append_c (w->buffer, ',');
    }
  g_string_append (w->buffer, "tags");
  for (guint i = 0; i < keys->len; i++)
    {
      g_string_append_c (w->buffer, ',');
      append_field (w->buffer, g_ptr_array_index (keys, i));
    }
  g_string_append (w->buffer, "\r\n");

  /* One row per (prospect, custom field), in id order; tags beside them in
   * the same order, merged as both advance */
  g_free (sql);
  sql = g_strdup_printf ("SELECT p.id, p.email, p.first_name, p.last_name, p.company, p.title,"
                         " p.timezone, j.key, j.value FROM prospects AS p"
                         " LEFT JOIN json_each (CASE WHEN json_valid (p.fields)"
                         "  AND json_type (p.fields) = 'object' THEN p.fields ELSE '{}' END) AS j"
                         " WHERE 1%s ORDER BY p.id", filter);
  rows = prepare (w->store, sql, error);
  tags = prepare (w->store,
                  "SELECT pt.prospect_id, t.name FROM prospect_tags AS pt"
                  " JOIN tags AS t ON t.id = pt.tag_id"
                  " ORDER BY pt.prospect_id, t.name COLLATE NOCASE, t.name",
                  error);
  if (rows == NULL || tags == NULL)
    return FALSE;
  bind_filter (rows, campaign_id, status);

  g_ptr_array_set_size (values, keys->len);
  rc = sqlite3_step (rows);
  while (rc == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (rows, 0);

      for (guint c = 0; c < G_N_ELEMENTS (standard_columns); c++)
        {
          append_field (w->buffer, (const char *) sqlite3_column_text (rows, 1 + c));
          g_string_append_c (w->buffer, ',');
        }

      /* Tags of ids up to this one */
      g_string_truncate (tag_list, 0);
      while (!tags_done && tag_id <= id)
        {
          if (tag_id == id && tag_started)
            {
              const char *name = (const char *) sqlite3_column_text (tags, 1);

              if (tag_list->len > 0)
                g_string_append (tag_list, ", ");
              g_string_append (tag_list, name != NULL ? name : "");
            }
          rc = sqlite3_step (tags);
          tag_started = TRUE;
          if (rc == SQLITE_ROW)
            tag_id = sqlite3_column_int64 (tags, 0);
          else if (rc == SQLITE_DONE)
            tags_done = TRUE;
          else
            return store_failed (w->store, rc, error);
        }
      append_field (w->buffer, tag_list->str);

      /* Custom fields of this prospect: its rows of the join */
      for (guint k = 0; k < values->len; k++)
        g_clear_pointer (&values->pdata[k], g_free);
      do
        {
          const char *key = (const char *) sqlite3_column_text (rows, 7);
          gpointer index;

          if (key != NULL && g_hash_table_lookup_extended (key_index, key, NULL, &index))
            {
              const char *value = (const char *) sqlite3_column_text (rows, 8);

              g_free (values->pdata[GPOINTER_TO_UINT (index)]);
              values->pdata[GPOINTER_TO_UINT (index)] = g_strdup (value != NULL ? value : "");
            }
          rc = sqlite3_step (rows);
        }
      while (rc == SQLITE_ROW && sqlite3_column_int64 (rows, 0) == id);

      for (guint k = 0; k < values->len; k++)
        {
          g_string_append_c (w->buffer, ',');
          append_field (w->buffer, g_ptr_array_index (values, k));
        }
      g_string_append (w->buffer, "\r\n");
      (*out_rows)++;

      if (w->buffer->len >= FLUSH_SIZE &&
          (g_cancellable_set_error_if_cancelled (w->cancellable, error) || !flush (w, error)))
        return FALSE;
    }

  if (rc != SQLITE_DONE)
    return store_failed (w->store, rc, error);

  return flush (w, error);
}

/**
 * ob_export_write:
 * @options: (nullable): which prospects; %NULL for all
 * @output: where the CSV goes; not closed
 * @out_rows: (out) (optional): how many prospects were written
 *
 * Writes the prospects @options selects as CSV, from one consistent read of
 * the store.
 *
 * Returns: %FALSE on an unknown campaign or status, a store error or a
 *   write error (part of the file may have been written)
 */
gboolean
ob_export_write (ObStore                *store,
                 const ObExportOptions  *options,
                 GOutputStream          *output,
                 GCancellable           *cancellable,
                 guint64                *out_rows,
                 GError                **error)
{
  static const char * const statuses[] = { "active", "replied", "bounced", "opted_out", NULL };
  ObExportOptions no_options = { NULL, };
  g_autoptr(GError) local_error = NULL;
  Writer w = { store, output, cancellable, NULL };
  gint64 campaign_id = 0;
  guint64 rows = 0;
  gboolean ok;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  if (options == NULL)
    options = &no_options;

  if (options->status != NULL &&
      !g_strv_contains ((const char * const *) statuses, options->status))
    {
      g_set_error (error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_STATUS,
                   _("“%s” is not a status; use active, replied, bounced or opted_out"),
                   options->status);
      return FALSE;
    }

  /* One snapshot for the header and the rows */
  if (!ob_store_exec (store, "BEGIN", error))
    return FALSE;

  if (options->campaign != NULL)
    {
      g_autoptr(sqlite3_stmt) stmt = prepare (store, "SELECT id FROM campaigns WHERE name = ?1",
                                              &local_error);
      int rc;

      if (stmt == NULL)
        goto failed;
      sqlite3_bind_text (stmt, 1, options->campaign, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        campaign_id = sqlite3_column_int64 (stmt, 0);
      else if (rc == SQLITE_DONE)
        {
          g_set_error (&local_error, OB_EXPORT_ERROR, OB_EXPORT_ERROR_CAMPAIGN,
                       _("There is no campaign called “%s”"), options->campaign);
          goto failed;
        }
      else
        {
          store_failed (store, rc, &local_error);
          goto failed;
        }
    }

  w.buffer = g_string_sized_new (FLUSH_SIZE + 4096);
  if (options->bom)
    g_string_append (w.buffer, "\xEF\xBB\xBF");
  ok = write_rows (&w, campaign_id, options->status, &rows, &local_error);
  g_string_free (w.buffer, TRUE);
  if (!ok)
    goto failed;

  ob_store_exec (store, "COMMIT", NULL);
  if (out_rows != NULL)
    *out_rows = rows;
  return TRUE;

failed:
  ob_store_rollback (store);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
