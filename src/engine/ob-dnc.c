/* ob-dnc.c: the do-not-contact list (addresses and whole domains)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: every function works on the calling thread's own ObStore. An
 * ObDncSet is a snapshot in memory with no locking: one thread at a time.
 *
 * Entries are stored normalised, so that matching is a plain comparison:
 * an address as its key (ob_email_parse(): lower case, domain in ASCII), a
 * domain in ASCII lower case. A domain entry stops that exact domain, not its
 * sub-domains (eu.acme.com is a domain of its own). Adding an entry changes
 * no prospect: the sender checks the list before every message.
 */

#define G_LOG_DOMAIN "ob-dnc"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-csv.h"
#include "ob-dnc.h"
#include "ob-email.h"
#include "ob-import.h"

G_DEFINE_QUARK (ob-dnc-error-quark, ob_dnc_error)

struct _ObDncSet
{
  GHashTable *emails;
  GHashTable *domains;
};

const char *
ob_dnc_kind_to_string (ObDncKind kind)
{
  return kind == OB_DNC_KIND_DOMAIN ? "domain" : "email";
}

void
ob_dnc_entry_free (ObDncEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->value);
  g_free (entry->display);
  g_free (entry->reason);
  g_free (entry);
}

/**
 * ob_dnc_parse:
 * @text: an address ("Ann@Example.com") or a domain with a leading "@"
 *   ("@example.com"); white space around it is ignored
 * @out_kind: (out) (optional):
 * @out_value: (out) (optional) (transfer full): the value as stored
 *
 * Returns: %FALSE with %OB_DNC_ERROR_INVALID if @text is neither
 */
gboolean
ob_dnc_parse (const char  *text,
              ObDncKind   *out_kind,
              char       **out_value,
              GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) local_error = NULL;
  ObDncKind kind;

  g_return_val_if_fail (text != NULL, FALSE);

  trimmed = g_strstrip (g_strdup (text));

  if (trimmed[0] == '@')
    {
      kind = OB_DNC_KIND_DOMAIN;
      value = ob_email_normalize_domain (trimmed + 1, &local_error);
    }
  else if (strchr (trimmed, '@') != NULL)
    {
      g_auto(ObEmail) email = { NULL, };

      kind = OB_DNC_KIND_EMAIL;
      if (ob_email_parse (trimmed, &email, &local_error))
        value = g_steal_pointer (&email.key);
    }
  else
    {
      g_set_error (error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID,
                   _("“%s” is neither an email address nor a domain written as “@domain”"),
                   trimmed);
      return FALSE;
    }

  if (value == NULL)
    {
      g_set_error_literal (error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID, local_error->message);
      return FALSE;
    }

  if (out_kind != NULL)
    *out_kind = kind;
  if (out_value != NULL)
    *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
step_done (ObStore       *store,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, what);
      return FALSE;
    }
  return TRUE;
}

/* Inserts one normalised entry; *out_added tells whether it was new. */
static gboolean
insert_entry (ObStore     *store,
              ObDncKind    kind,
              const char  *value,
              const char  *reason,
              gboolean    *out_added,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = ob_store_prepare (store,
                           "INSERT OR IGNORE INTO do_not_contact (kind, value, reason)"
                           " VALUES (?1, ?2, ?3)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ob_dnc_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, reason != NULL ? reason : "", -1, SQLITE_STATIC);

  if (!step_done (store, stmt, "do-not-contact", error))
    return FALSE;
  if (out_added != NULL)
    *out_added = sqlite3_changes (ob_store_get_db (store)) > 0;
  return TRUE;
}

/**
 * ob_dnc_add:
 * @text: see ob_dnc_parse()
 * @reason: (nullable): why, shown in the list ("asked to be removed")
 * @out_added: (out) (optional): %FALSE if the entry was already listed
 *
 * Returns: %FALSE if @text is invalid or the store failed
 */
gboolean
ob_dnc_add (ObStore     *store,
            const char  *text,
            const char  *reason,
            gboolean    *out_added,
            GError     **error)
{
  g_autofree char *value = NULL;
  ObDncKind kind;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);

  if (!ob_dnc_parse (text, &kind, &value, error))
    return FALSE;

  return insert_entry (store, kind, value, reason, out_added, error);
}

/**
 * ob_dnc_remove:
 * @out_removed: (out) (optional): %FALSE if no such entry was listed
 */
gboolean
ob_dnc_remove (ObStore     *store,
               const char  *text,
               gboolean    *out_removed,
               GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *value = NULL;
  ObDncKind kind;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);

  if (!ob_dnc_parse (text, &kind, &value, error))
    return FALSE;

  stmt = ob_store_prepare (store, "DELETE FROM do_not_contact WHERE kind = ?1 AND value = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ob_dnc_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);

  if (!step_done (store, stmt, "do-not-contact", error))
    return FALSE;
  if (out_removed != NULL)
    *out_removed = sqlite3_changes (ob_store_get_db (store)) > 0;
  return TRUE;
}

/* Both counts are one lookup in an index (email_key, domain). */
#define COUNT_STOPPED_SQL(kind_expr, value_expr) \
  "CASE " kind_expr " WHEN 'email' THEN" \
  " (SELECT count(*) FROM prospects AS p WHERE p.email_key = " value_expr \
  "  AND p.status = 'active')" \
  " ELSE (SELECT count(*) FROM prospects AS p WHERE p.domain = " value_expr \
  "  AND p.status = 'active') END"

/* An internationalised domain in Unicode, the way people type it */
static char *
display_for (ObDncKind   kind,
             const char *value)
{
  const char *at = kind == OB_DNC_KIND_EMAIL ? strrchr (value, '@') : NULL;
  const char *domain = at != NULL ? at + 1 : value;
  g_autofree char *unicode = g_hostname_to_unicode (domain);
  g_autofree char *local = at != NULL ? g_strndup (value, at - value) : g_strdup ("");

  return g_strconcat (local, "@", unicode != NULL ? unicode : domain, NULL);
}

/**
 * ob_dnc_list:
 *
 * Returns: (transfer full) (element-type ObDncEntry): every entry, domains
 *   first, each with the number of active prospects it stops
 */
GPtrArray *
ob_dnc_list (ObStore  *store,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  stmt = ob_store_prepare (store,
                           "SELECT d.id, d.kind, d.value, d.reason, d.created_at, "
                           COUNT_STOPPED_SQL ("d.kind", "d.value")
                           " FROM do_not_contact AS d ORDER BY d.kind, d.value",
                           error);
  if (stmt == NULL)
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_dnc_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObDncEntry *entry = g_new0 (ObDncEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->kind = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "domain") == 0
                    ? OB_DNC_KIND_DOMAIN : OB_DNC_KIND_EMAIL;
      entry->value = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      entry->reason = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      entry->created_at = sqlite3_column_int64 (stmt, 4);
      entry->n_prospects = sqlite3_column_int64 (stmt, 5);
      entry->display = display_for (entry->kind, entry->value);
      g_ptr_array_add (entries, entry);
    }

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "do-not-contact");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/**
 * ob_dnc_count_stopped:
 * @value: normalised, as from ob_dnc_parse()
 *
 * Returns: how many active prospects an entry stops (or would stop), or -1
 *   with @error set
 */
gint64
ob_dnc_count_stopped (ObStore     *store,
                      ObDncKind    kind,
                      const char  *value,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), -1);
  g_return_val_if_fail (value != NULL, -1);

  stmt = ob_store_prepare (store, "SELECT " COUNT_STOPPED_SQL ("?1", "?2"), error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, ob_dnc_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "do-not-contact");
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

/**
 * ob_dnc_matches:
 * @email_key: the key of an address (ObEmail.key)
 * @domain: its domain in ASCII (ObEmail.domain)
 *
 * Returns: %TRUE if the address or its domain is listed. When the store
 *   cannot be read it also returns %TRUE, with @error set: an address that
 *   could not be checked is never written to.
 */
gboolean
ob_dnc_matches (ObStore     *store,
                const char  *email_key,
                const char  *domain,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), TRUE);
  g_return_val_if_fail (email_key != NULL && domain != NULL, TRUE);

  stmt = ob_store_prepare (store,
                           "SELECT 1 FROM do_not_contact WHERE (kind = 'email' AND value = ?1)"
                           " OR (kind = 'domain' AND value = ?2) LIMIT 1",
                           error);
  if (stmt == NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, email_key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, domain, -1, SQLITE_STATIC);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    return FALSE;

  ob_store_set_error_from_db (store, rc, error, "do-not-contact");
  return TRUE;
}

/* ---------------------------------------------------------------------------
 * The list in memory
 */

/**
 * ob_dnc_set_load:
 *
 * Reads the whole list, for checking many addresses without a query each.
 */
ObDncSet *
ob_dnc_set_load (ObStore  *store,
                 GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(ObDncSet) set = g_new0 (ObDncSet, 1);
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  set->emails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  set->domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  stmt = ob_store_prepare (store, "SELECT kind, value FROM do_not_contact", error);
  if (stmt == NULL)
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 0);
      const char *value = (const char *) sqlite3_column_text (stmt, 1);

      g_hash_table_add (g_strcmp0 (kind, "domain") == 0 ? set->domains : set->emails,
                        g_strdup (value));
    }

  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "do-not-contact");
      return NULL;
    }
  return g_steal_pointer (&set);
}

gboolean
ob_dnc_set_matches (ObDncSet   *set,
                    const char *email_key,
                    const char *domain)
{
  g_return_val_if_fail (set != NULL, TRUE);

  return (email_key != NULL && g_hash_table_contains (set->emails, email_key)) ||
         (domain != NULL && g_hash_table_contains (set->domains, domain));
}

guint
ob_dnc_set_get_size (ObDncSet *set)
{
  g_return_val_if_fail (set != NULL, 0);

  return g_hash_table_size (set->emails) + g_hash_table_size (set->domains);
}

void
ob_dnc_set_free (ObDncSet *set)
{
  if (set == NULL)
    return;

  g_hash_table_unref (set->emails);
  g_hash_table_unref (set->domains);
  g_free (set);
}

/* ---------------------------------------------------------------------------
 * Import from a file
 */

void
ob_dnc_import_result_clear (ObDncImportResult *result)
{
  g_clear_pointer (&result->invalid_lines, g_array_unref);
  memset (result, 0, sizeof *result);
}

static gboolean
is_domain_header (const char *header)
{
  g_autofree char *name = ob_import_header_to_field_name (header);

  return g_strcmp0 (name, "domain") == 0 || g_strcmp0 (name, "domains") == 0 ||
         g_strcmp0 (name, "domena") == 0 || g_strcmp0 (name, "email_domain") == 0;
}

/* Which column holds the entries: one named like an email or a domain
 * column, else the first. Returns -1 when the row is not a header (a file of
 * bare addresses), with the first column then meant. */
static int
find_column (char **header,
             gboolean *out_domain_column)
{
  *out_domain_column = FALSE;

  for (int i = 0; header[i] != NULL; i++)
    if (ob_import_guess_field (header[i]) == OB_IMPORT_FIELD_EMAIL)
      return i;
  for (int i = 0; header[i] != NULL; i++)
    if (is_domain_header (header[i]))
      {
        *out_domain_column = TRUE;
        return i;
      }
  return -1;
}

static gboolean
import_value (ObStore            *store,
              const char         *cell,
              gboolean            domain_column,
              const char         *reason,
              guint64             line,
              ObDncImportResult  *result,
              GError            **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (cell));
  g_autofree char *text = NULL;
  g_autofree char *value = NULL;
  gboolean added = FALSE;
  ObDncKind kind;

  if (trimmed[0] == '\0')
    return TRUE;

  /* A domain column may hold "acme.com" without the "@" */
  if (domain_column && trimmed[0] != '@' && strchr (trimmed, '@') == NULL)
    text = g_strconcat ("@", trimmed, NULL);
  else
    text = g_steal_pointer (&trimmed);

  if (!ob_dnc_parse (text, &kind, &value, NULL))
    {
      result->invalid++;
      g_array_append_val (result->invalid_lines, line);
      return TRUE;
    }

  if (!insert_entry (store, kind, value, reason, &added, error))
    return FALSE;
  if (added)
    result->added++;
  else
    result->already_listed++;
  return TRUE;
}

/**
 * ob_dnc_import_csv:
 * @path: a CSV file: one entry per row in the first column, or in a column
 *   named like an email (Email, E-mail, Adres e-mail...) or a domain (Domain,
 *   Domena) column, where bare domains are accepted
 * @result: (out caller-allocates): what was done; clear it with
 *   ob_dnc_import_result_clear()
 *
 * Adds every valid entry in one transaction: on failure or cancellation
 * nothing is added. Invalid and empty cells are skipped, not failures.
 */
gboolean
ob_dnc_import_csv (ObStore            *store,
                   const char         *path,
                   const char         *reason,
                   GCancellable       *cancellable,
                   ObDncImportResult  *result,
                   GError            **error)
{
  g_autoptr(ObCsvReader) reader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) header = NULL;
  const ObCsvRow *row;
  gboolean domain_column = FALSE;
  int column;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL && result != NULL, FALSE);

  memset (result, 0, sizeof *result);
  result->invalid_lines = g_array_new (FALSE, FALSE, sizeof (guint64));

  reader = ob_csv_reader_new_for_path (path, cancellable, error);
  if (reader == NULL)
    return FALSE;

  if (!ob_store_begin (store, error))
    return FALSE;

  if (ob_csv_reader_read_header (reader, &header, cancellable, &local_error))
    {
      column = find_column (header, &domain_column);
      if (column < 0)
        {
          /* No header: the first row is an entry too */
          if (!import_value (store, header[0], FALSE, reason, 1, result, &local_error))
            goto failed;
          column = 0;
        }

      for (;;)
        {
          guint64 line;

          if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
            goto failed;

          if (!ob_csv_reader_next_row (reader, &row, cancellable, &local_error))
            {
              if (local_error == NULL)
                break;
              if (!ob_csv_error_is_recoverable (local_error))
                goto failed;

              line = ob_csv_reader_get_error_line (reader);
              result->invalid++;
              g_array_append_val (result->invalid_lines, line);
              g_clear_error (&local_error);
              continue;
            }

          if ((guint) column < ob_csv_row_get_n_fields (row) &&
              !import_value (store, ob_csv_row_get_field (row, column, NULL), domain_column,
                             reason, ob_csv_row_get_line_number (row), result, &local_error))
            goto failed;
        }
    }
  else if (local_error != NULL)
    goto failed;

  if (ob_store_commit (store, &local_error))
    return TRUE;

failed:
  ob_store_rollback (store);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
