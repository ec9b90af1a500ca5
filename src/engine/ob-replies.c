/* ob-replies.c: the replies and auto-replies the watcher recorded, and the rep's labels
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_replies_list(), _get(), _latest_for_prospect() and
 * _set_label() on the thread that owns the ObStore passed in;
 * ob_replies_list_async() from any thread with a main context, the query
 * then runs on a GTask worker with its own connection.
 *
 * Everything is read from the events table: the watcher writes a reply's
 * subject, opening lines and incoming Message-ID into its detail. A label
 * is one more event for the reply's sequence (its enrollment, or the
 * prospect when the reply named none), the latest one wins. "Interested"
 * is the dashboard's 'reply_positive', which counts once per sequence: a
 * second "interested" after another label is written as 'reply_label' with
 * the label in its detail, so the dashboard does not count it twice.
 */

#define G_LOG_DOMAIN "ob-replies"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-outbox.h"
#include "ob-replies.h"

#define DETAIL(key) "json_extract (CASE WHEN json_valid (e.detail) THEN e.detail ELSE '{}' END, '$." key "')"

/* The label names kept in a label event's detail. */
static const char * const label_names[] = {
  [OB_REPLY_LABEL_NONE] = "",
  [OB_REPLY_LABEL_INTERESTED] = "positive",
  [OB_REPLY_LABEL_NOT_INTERESTED] = "negative",
  [OB_REPLY_LABEL_NOT_NOW] = "later",
};

#define LABEL_KINDS "('reply_positive', 'reply_negative', 'reply_later', 'reply_label')"

#define SELECT_REPLIES \
  "SELECT e.id, e.at, e.kind, e.prospect_id, e.campaign_id, e.enrollment_id, e.step_position," \
  " p.email, trim (coalesce (p.first_name, '') || ' ' || coalesce (p.last_name, '')), c.name," \
  " " DETAIL ("from") ", " DETAIL ("subject") ", " DETAIL ("snippet") ", " DETAIL ("incoming") "," \
  " " DETAIL ("return_date") "," \
  " (SELECT CASE WHEN l.kind = 'reply_label'" \
  "    THEN json_extract (CASE WHEN json_valid (l.detail) THEN l.detail ELSE '{}' END, '$.label')" \
  "    ELSE substr (l.kind, 7) END" \
  "  FROM events AS l WHERE l.kind IN " LABEL_KINDS \
  "  AND l.prospect_id = e.prospect_id AND l.enrollment_id IS e.enrollment_id" \
  "  ORDER BY l.id DESC LIMIT 1)" \
  " FROM events AS e" \
  " LEFT JOIN prospects AS p ON p.id = e.prospect_id" \
  " LEFT JOIN campaigns AS c ON c.id = e.campaign_id"

void
ob_reply_free (ObReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->kind);
  g_free (reply->email);
  g_free (reply->name);
  g_free (reply->campaign);
  g_free (reply->from);
  g_free (reply->subject);
  g_free (reply->snippet);
  g_free (reply->incoming);
  g_free (reply->return_date);
  g_free (reply);
}

char *
ob_reply_first_line (const char *text,
                     guint       max_chars)
{
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    return NULL;
  lines = g_strsplit_set (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0' || !g_utf8_validate (line, -1, NULL))
        continue;
      if (max_chars > 0 && g_utf8_strlen (line, -1) > max_chars)
        {
          g_autofree char *cut = g_utf8_substring (line, 0, max_chars - 1);

          return g_strconcat (g_strchomp (cut), "…", NULL);
        }
      return g_strdup (line);
    }
  return NULL;
}

const char *
ob_reply_label_to_kind (ObReplyLabel label)
{
  switch (label)
    {
    case OB_REPLY_LABEL_INTERESTED:
      return "reply_positive";
    case OB_REPLY_LABEL_NOT_INTERESTED:
      return "reply_negative";
    case OB_REPLY_LABEL_NOT_NOW:
      return "reply_later";
    case OB_REPLY_LABEL_NONE:
    default:
      return NULL;
    }
}

char *
ob_reply_mail_uri (const ObReply *reply)
{
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (reply != NULL, NULL);

  if (reply->incoming != NULL && reply->incoming[0] != '\0')
    {
      escaped = g_uri_escape_string (reply->incoming, "@!$&'*+,;=._~-", FALSE);
      return g_strconcat ("mid:", escaped, NULL);
    }
  if (reply->email == NULL || reply->email[0] == '\0')
    return NULL;
  escaped = g_uri_escape_string (reply->email, "@!$'*+,;=._~-", FALSE);
  return g_strconcat ("mailto:", escaped, NULL);
}

static ObReplyLabel
label_from_name (const char *name)
{
  for (guint i = OB_REPLY_LABEL_INTERESTED; i < G_N_ELEMENTS (label_names); i++)
    if (g_strcmp0 (name, label_names[i]) == 0)
      return i;
  return OB_REPLY_LABEL_NONE;
}

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

static ObReply *
reply_from_row (sqlite3_stmt *stmt)
{
  ObReply *r = g_new0 (ObReply, 1);

  r->event_id = sqlite3_column_int64 (stmt, 0);
  r->at = sqlite3_column_int64 (stmt, 1);
  r->kind = column_text (stmt, 2);
  r->prospect_id = sqlite3_column_int64 (stmt, 3);
  r->campaign_id = sqlite3_column_int64 (stmt, 4);
  r->enrollment_id = sqlite3_column_int64 (stmt, 5);
  r->step = (guint) MAX (sqlite3_column_int (stmt, 6), 0);
  r->email = column_text (stmt, 7);
  r->name = column_text (stmt, 8);
  r->campaign = column_text (stmt, 9);
  r->from = column_text (stmt, 10);
  r->subject = column_text (stmt, 11);
  r->snippet = column_text (stmt, 12);
  r->incoming = column_text (stmt, 13);
  r->return_date = column_text (stmt, 14);
  r->label = label_from_name ((const char *) sqlite3_column_text (stmt, 15));
  return r;
}

static GPtrArray *
run_list (ObStore      *store,
          const char   *sql,
          gint64        a,
          GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  g_autoptr(GPtrArray) list = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, a);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_reply_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, reply_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "replies");
      return NULL;
    }
  return g_steal_pointer (&list);
}

GPtrArray *
ob_replies_list (ObStore  *store,
                 guint     limit,
                 GError  **error)
{
  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  return run_list (store,
                   SELECT_REPLIES
                   " WHERE e.kind IN ('replied', 'colleague_replied', 'auto_replied')"
                   " ORDER BY e.at DESC, e.id DESC LIMIT ?1",
                   limit > 0 ? limit : OB_REPLIES_DEFAULT_LIMIT, error);
}

static ObReply *
first_of (GPtrArray *list)
{
  if (list == NULL || list->len == 0)
    return NULL;
  return g_ptr_array_steal_index (list, 0);
}

ObReply *
ob_replies_get (ObStore  *store,
                gint64    event_id,
                GError  **error)
{
  g_autoptr(GPtrArray) list = NULL;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  list = run_list (store,
                   SELECT_REPLIES
                   " WHERE e.id = ?1 AND e.kind IN ('replied', 'colleague_replied', 'auto_replied')",
                   event_id, error);
  return first_of (list);
}

ObReply *
ob_replies_latest_for_prospect (ObStore  *store,
                                gint64    prospect_id,
                                GError  **error)
{
  g_autoptr(GPtrArray) list = NULL;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  list = run_list (store,
                   SELECT_REPLIES
                   " WHERE e.prospect_id = ?1 AND e.kind IN ('replied', 'colleague_replied')"
                   " ORDER BY e.id DESC LIMIT 1",
                   prospect_id, error);
  return first_of (list);
}

gboolean
ob_replies_set_label (ObStore       *store,
                      gint64         event_id,
                      ObReplyLabel   label,
                      GError       **error)
{
  g_autoptr(ObReply) reply = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *detail = NULL;
  const char *kind;
  gint64 account_id = 0;
  gboolean positive_before = FALSE;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (label != OB_REPLY_LABEL_NONE && label < G_N_ELEMENTS (label_names), FALSE);

  if (!ob_store_begin (store, error))
    return FALSE;
  reply = ob_replies_get (store, event_id, error);
  if (reply == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("Event %lld is not a reply: only replies can be labelled"), (long long) event_id);
      goto fail;
    }
  if (reply->label == label)
    {
      ob_store_rollback (store);
      return TRUE;
    }
  stmt = ob_store_prepare (store,
                           "SELECT (SELECT account_id FROM events WHERE id = ?1),"
                           " EXISTS (SELECT 1 FROM events WHERE kind = 'reply_positive'"
                           "   AND prospect_id = ?2 AND enrollment_id IS ?3)",
                           error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, event_id);
  sqlite3_bind_int64 (stmt, 2, reply->prospect_id);
  if (reply->enrollment_id != 0)
    sqlite3_bind_int64 (stmt, 3, reply->enrollment_id);
  else
    sqlite3_bind_null (stmt, 3);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      account_id = sqlite3_column_int64 (stmt, 0);
      positive_before = sqlite3_column_int (stmt, 1) != 0;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  kind = ob_reply_label_to_kind (label);
  if (label == OB_REPLY_LABEL_INTERESTED && positive_before)
    kind = "reply_label";
  id = g_strdup_printf ("%" G_GINT64_FORMAT, event_id);
  detail = ob_outbox_event_detail ("reply", id, "label", label_names[label], NULL);
  if (!ob_outbox_add_event (store, kind, account_id, reply->campaign_id, reply->prospect_id,
                            reply->enrollment_id, 0, reply->step, detail, error))
    goto fail;
  return ob_store_commit (store, error);

fail:
  ob_store_rollback (store);
  return FALSE;
}

/* ---- On a worker thread ----------------------------------------------------- */

typedef struct
{
  char  *db_path;
  guint  limit;
} ListJob;

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_free (job->db_path);
  g_free (job);
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ListJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  GPtrArray *list = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  store = ob_store_open_for_thread (job->db_path, &error);
  if (store != NULL)
    list = ob_replies_list (store, job->limit, &error);
  if (list != NULL)
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
ob_replies_list_async (const char          *db_path,
                       guint                limit,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ListJob *job;

  g_return_if_fail (db_path != NULL);

  job = g_new0 (ListJob, 1);
  job->db_path = g_strdup (db_path);
  job->limit = limit;
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_replies_list_async);
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
ob_replies_list_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
