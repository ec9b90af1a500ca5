/* ob-outbox.c: the durable record of every send, so a step goes at most once
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: any, with that thread's own store; the sender calls these from
 * its account's worker thread, the UI and the CLI for the rep's decisions.
 *
 * The order is what makes a crash safe: the send row is committed as
 * 'sending' (with the exact bytes and the Message-ID) before MAIL FROM, and
 * marked 'sent' right after the 250 that ends DATA. A process that dies in
 * between leaves 'sending', which the next start turns into 'uncertain':
 * never sent again without the rep saying so. The row is unique per
 * (enrollment, step), so nothing can record a second send of a step.
 *
 * One disk sync per message. The claim ('sending') is committed with
 * synchronous=FULL: it is on the disk before MAIL FROM, even across a power
 * cut. The 'sent' record is committed with synchronous=NORMAL: written to
 * the WAL at once (so a process that dies right after keeps it), synced by
 * the next claim's FULL commit or the next checkpoint, which sync the whole
 * WAL up to there. A power cut in between can only lose the 'sent' record:
 * the row is back to 'sending', start-up makes it 'uncertain', and it is
 * never resent. Everything else (retry, failed, uncertain, held) stays
 * FULL: they are rare and a lost 'retry' would read as 'uncertain' too.
 * Statements are prepared once per store (ob_store_prepare_cached()): the
 * sender runs the same few for every message.
 */

#define G_LOG_DOMAIN "ob-outbox"

#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ob-campaign.h"
#include "ob-json.h"
#include "ob-outbox.h"

void
ob_outbox_send_free (ObOutboxSend *send)
{
  if (send == NULL)
    return;
  g_free (send->message_id);
  g_free (send->subject);
  g_free (send->from);
  g_free (send->to);
  g_clear_pointer (&send->message, g_bytes_unref);
  g_free (send);
}

/* Runs @body inside BEGIN IMMEDIATE ... COMMIT, rolling back on failure. */
typedef gboolean (*TransactionFunc) (ObStore  *store,
                                     gpointer  data,
                                     GError  **error);

static gboolean
in_transaction (ObStore          *store,
                TransactionFunc   body,
                gpointer          data,
                GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ob_store_begin (store, error))
    return FALSE;
  if (!body (store, data, &local_error) || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

char *
ob_outbox_event_detail (const char *first_key,
                        ...)
{
  GString *out = g_string_new ("{");
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (out->len > 1)
        g_string_append_c (out, ',');
      ob_json_append_escaped (out, key);
      g_string_append_c (out, ':');
      ob_json_append_escaped (out, value != NULL ? value : "");
    }
  va_end (args);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static void
bind_id (sqlite3_stmt *stmt,
         int           column,
         gint64        id)
{
  if (id > 0)
    sqlite3_bind_int64 (stmt, column, id);
  else
    sqlite3_bind_null (stmt, column);
}

gboolean
ob_outbox_add_event (ObStore     *store,
                     const char  *kind,
                     gint64       account_id,
                     gint64       campaign_id,
                     gint64       prospect_id,
                     gint64       enrollment_id,
                     gint64       send_id,
                     guint        step,
                     const char  *detail,
                     GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  stmt = ob_store_prepare_cached (store,
                           "INSERT INTO events (kind, account_id, campaign_id, prospect_id,"
                           " enrollment_id, send_id, step_position, detail)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  bind_id (stmt, 2, account_id);
  bind_id (stmt, 3, campaign_id);
  bind_id (stmt, 4, prospect_id);
  bind_id (stmt, 5, enrollment_id);
  bind_id (stmt, 6, send_id);
  if (step > 0)
    sqlite3_bind_int (stmt, 7, (int) step);
  else
    sqlite3_bind_null (stmt, 7);
  sqlite3_bind_text (stmt, 8, detail != NULL ? detail : "{}", -1, SQLITE_TRANSIENT);
  return ob_store_step (store, stmt, "event", error);
}

/* ---- Recovery -------------------------------------------------------------- */

static gboolean
recover_body (ObStore  *store,
              gpointer  data,
              GError  **error)
{
  gint64 *count = data;
  g_autoptr(sqlite3_stmt) events = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;

  events = ob_store_prepare (store,
                             "INSERT INTO events (kind, account_id, campaign_id, prospect_id,"
                             " enrollment_id, send_id, step_position, detail)"
                             " SELECT 'uncertain', s.account_id, e.campaign_id, e.prospect_id, e.id,"
                             " s.id, s.step_position, json_object ('message_id', s.message_id)"
                             " FROM sends AS s JOIN enrollments AS e ON e.id = s.enrollment_id"
                             " WHERE s.state = 'sending'",
                             error);
  if (events == NULL || !ob_store_step (store, events, "recover", error))
    return FALSE;
  update = ob_store_prepare (store, "UPDATE sends SET state = 'uncertain' WHERE state = 'sending'",
                             error);
  if (update == NULL || !ob_store_step (store, update, "recover", error))
    return FALSE;
  *count = sqlite3_changes (ob_store_get_db (store));
  return TRUE;
}

gint64
ob_outbox_recover (ObStore  *store,
                   GError  **error)
{
  gint64 count = 0;

  return in_transaction (store, recover_body, &count, error) ? count : -1;
}

/* ---- Claim ----------------------------------------------------------------- */

typedef struct
{
  gint64                     account_id;
  const ObScheduleDecision  *decision;
  GDateTime                 *now;
  ObOutboxClaim              claim;
  ObOutboxSend              *send;
} Claim;

static gboolean
hold_enrollment (ObStore     *store,
                 gint64       enrollment_id,
                 const char  *reason,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = ob_store_prepare (store,
                           "UPDATE enrollments SET state = 'paused', state_reason = ?2,"
                           " updated_at = unixepoch () WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, enrollment_id);
  sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_TRANSIENT);
  return ob_store_step (store, stmt, "enrollment", error);
}

static gboolean
missing_field_overridden (ObStore  *store,
                          gint64    campaign_id,
                          gint64    prospect_id,
                          guint     step,
                          gboolean *out,
                          GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT 1 FROM preflight_overrides WHERE campaign_id = ?1"
                           " AND prospect_id = ?2 AND step_position = ?3 AND kind = 'missing-field'",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  sqlite3_bind_int64 (stmt, 2, prospect_id);
  sqlite3_bind_int (stmt, 3, (int) step);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "overrides");
      return FALSE;
    }
  *out = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
claim_body (ObStore  *store,
            gpointer  data,
            GError  **error)
{
  Claim *c = data;
  const ObScheduleDecision *d = c->decision;
  g_autoptr(ObStoreStmt) check = NULL;
  g_autoptr(ObStoreStmt) write = NULL;
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(ObCampaignMessage) message = NULL;
  g_autofree char *message_id = NULL;
  gint64 send_id = 0;
  guint attempts = 0;
  int rc;

  /* Everything that could have changed since the schedule was computed. */
  check = ob_store_prepare_cached (store,
                            "SELECT x.id, x.attempts, x.message_id, p.email"
                            " FROM enrollments AS e"
                            " JOIN campaigns AS c ON c.id = e.campaign_id"
                            " JOIN accounts AS a ON a.id = c.account_id"
                            " JOIN prospects AS p ON p.id = e.prospect_id"
                            " LEFT JOIN sends AS x ON x.enrollment_id = e.id AND x.step_position = ?2"
                            " WHERE e.id = ?1 AND e.state = 'active' AND e.next_step = ?2"
                            "   AND c.state = 'running' AND c.account_id = ?3"
                            "   AND a.state IN ('ok', 'throttled')"
                            "   AND p.status = 'active'"
                            "   AND (x.id IS NULL OR x.state = 'retry')"
                            "   AND NOT EXISTS (SELECT 1 FROM do_not_contact AS d"
                            "     WHERE (d.kind = 'email' AND d.value = p.email_key)"
                            "        OR (d.kind = 'domain' AND d.value = p.domain))",
                            error);
  if (check == NULL)
    return FALSE;
  sqlite3_bind_int64 (check, 1, d->enrollment_id);
  sqlite3_bind_int (check, 2, d->step);
  sqlite3_bind_int64 (check, 3, c->account_id);
  rc = sqlite3_step (check);
  if (rc == SQLITE_DONE)
    {
      c->claim = OB_OUTBOX_SKIP_GONE;
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "claim");
      return FALSE;
    }
  send_id = sqlite3_column_int64 (check, 0);
  attempts = (guint) sqlite3_column_int (check, 1);
  /* A retry keeps its Message-ID: the same message, tried again. */
  if (send_id != 0)
    message_id = g_strdup ((const char *) sqlite3_column_text (check, 2));
  g_clear_pointer (&check, ob_store_stmt_release);

  campaign = ob_campaign_load_for_sending (store, d->campaign_id, error);
  if (campaign == NULL)
    return FALSE;
  message = ob_campaign_build_message (store, campaign, (guint) d->step, d->prospect_id, NULL,
                                       message_id, c->now, error);
  if (message == NULL)
    return FALSE;

  if (message->missing != NULL)
    {
      gboolean overridden = FALSE;

      if (!missing_field_overridden (store, d->campaign_id, d->prospect_id, (guint) d->step,
                                     &overridden, error))
        return FALSE;
      if (!overridden)
        {
          g_autofree char *fields = g_strjoinv (", ", message->missing);
          g_autofree char *reason = g_strdup_printf ("missing-field: %s", fields);
          g_autofree char *detail = ob_outbox_event_detail ("reason", reason, NULL);

          c->claim = OB_OUTBOX_SKIP_HELD;
          return hold_enrollment (store, d->enrollment_id, reason, error)
                 && ob_outbox_add_event (store, "held", c->account_id, d->campaign_id, d->prospect_id,
                                         d->enrollment_id, 0, (guint) d->step, detail, error);
        }
    }

  if (send_id == 0)
    write = ob_store_prepare_cached (store,
                              "INSERT INTO sends (enrollment_id, step_position, account_id, state,"
                              " message_id, message, attempts, created_at)"
                              " VALUES (?1, ?2, ?3, 'sending', ?4, ?5, 1, ?6)",
                              error);
  else
    write = ob_store_prepare_cached (store,
                              "UPDATE sends SET state = 'sending', account_id = ?3, message_id = ?4,"
                              " message = ?5, attempts = attempts + 1, retry_at = NULL,"
                              " created_at = ?6 WHERE id = ?7",
                              error);
  if (write == NULL)
    return FALSE;
  sqlite3_bind_int64 (write, 1, d->enrollment_id);
  sqlite3_bind_int (write, 2, d->step);
  sqlite3_bind_int64 (write, 3, c->account_id);
  sqlite3_bind_text (write, 4, message->message_id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (write, 5, g_bytes_get_data (message->raw, NULL),
                     (int) g_bytes_get_size (message->raw), SQLITE_STATIC);
  sqlite3_bind_int64 (write, 6, g_date_time_to_unix (c->now));
  if (send_id != 0)
    sqlite3_bind_int64 (write, 7, send_id);
  if (!ob_store_step (store, write, "send", error))
    return FALSE;
  if (send_id == 0)
    send_id = sqlite3_last_insert_rowid (ob_store_get_db (store));

  c->send = g_new0 (ObOutboxSend, 1);
  c->send->send_id = send_id;
  c->send->enrollment_id = d->enrollment_id;
  c->send->campaign_id = d->campaign_id;
  c->send->prospect_id = d->prospect_id;
  c->send->account_id = c->account_id;
  c->send->step = (guint) d->step;
  c->send->attempts = attempts + 1;
  c->send->message_id = g_strdup (message->message_id);
  c->send->subject = g_strdup (message->subject);
  c->send->message = g_bytes_ref (message->raw);
  c->claim = OB_OUTBOX_CLAIMED;
  return TRUE;
}

static gboolean
fill_addresses (ObStore       *store,
                ObOutboxSend  *send,
                GError       **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT a.email, p.email FROM accounts AS a, prospects AS p"
                           " WHERE a.id = ?1 AND p.id = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, send->account_id);
  sqlite3_bind_int64 (stmt, 2, send->prospect_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc, error, "addresses");
      return FALSE;
    }
  send->from = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  send->to = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  return TRUE;
}

static ObOutboxSend *
claim (ObStore                   *store,
       gint64                     account_id,
       const ObScheduleDecision  *decision,
       GDateTime                 *now,
       gboolean                   lazily,
       ObOutboxClaim             *out_claim,
       GError                   **error)
{
  Claim c = { account_id, decision, now, OB_OUTBOX_SKIP_GONE, NULL };
  g_autoptr(ObOutboxSend) send = NULL;
  gboolean ok;

  g_return_val_if_fail (decision->action == OB_SCHEDULE_SEND, NULL);

  /* On the disk before MAIL FROM, whatever was committed lazily before:
   * here, or by the caller's ob_store_sync_wal(). */
  ok = ob_store_set_lazy_durability (store, lazily, error) && in_transaction (store, claim_body, &c, error);
  if (lazily)
    {
      g_autoptr(GError) full_error = NULL;

      if (!ob_store_set_lazy_durability (store, FALSE, &full_error))
        g_warning ("Cannot make commits durable again: %s", full_error->message);
    }
  if (!ok)
    {
      ob_outbox_send_free (c.send);
      return NULL;
    }
  if (out_claim != NULL)
    *out_claim = c.claim;
  send = c.send;
  if (send != NULL && !fill_addresses (store, send, error))
    return NULL;
  return g_steal_pointer (&send);
}

ObOutboxSend *
ob_outbox_claim (ObStore                   *store,
                 gint64                     account_id,
                 const ObScheduleDecision  *decision,
                 GDateTime                 *now,
                 ObOutboxClaim             *out_claim,
                 GError                   **error)
{
  return claim (store, account_id, decision, now, FALSE, out_claim, error);
}

ObOutboxSend *
ob_outbox_claim_lazily (ObStore                   *store,
                        gint64                     account_id,
                        const ObScheduleDecision  *decision,
                        GDateTime                 *now,
                        ObOutboxClaim             *out_claim,
                        GError                   **error)
{
  return claim (store, account_id, decision, now, TRUE, out_claim, error);
}

typedef struct
{
  const ObOutboxSend *send;
  gint64              retry_at;
} Release;

/* The row of a claim that never reached the server, as if it had not been
 * claimed: a claim inserts a first attempt (attempts = 1) and adds one to a
 * retry's (so 2 or more). */
static gboolean
release_row (ObStore             *store,
             const ObOutboxSend  *send,
             gint64               retry_at,
             GError             **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  if (send->attempts <= 1)
    stmt = ob_store_prepare_cached (store, "DELETE FROM sends WHERE id = ?1 AND state = 'sending'", error);
  else
    stmt = ob_store_prepare_cached (store,
                                    "UPDATE sends SET state = 'retry', attempts = attempts - 1, retry_at = ?2"
                                    " WHERE id = ?1 AND state = 'sending'",
                                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, send->send_id);
  if (send->attempts > 1)
    sqlite3_bind_int64 (stmt, 2, retry_at);
  return ob_store_step (store, stmt, "send", error);
}

static gboolean
release_body (ObStore  *store,
              gpointer  data,
              GError  **error)
{
  Release *r = data;

  return release_row (store, r->send, r->retry_at, error);
}

gboolean
ob_outbox_release_claim (ObStore             *store,
                         const ObOutboxSend  *send,
                         gint64               retry_at,
                         GError             **error)
{
  Release r = { send, retry_at };

  return in_transaction (store, release_body, &r, error);
}

typedef struct
{
  const ObOutboxSend *send;
  gboolean            withdrawn;
} Withdraw;

static gboolean
withdraw_body (ObStore  *store,
               gpointer  data,
               GError  **error)
{
  Withdraw *w = data;
  const ObOutboxSend *s = w->send;
  g_autoptr(ObStoreStmt) check = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *detail = NULL;
  int rc;

  /* The claim's own conditions, on the row it wrote. */
  check = ob_store_prepare_cached (store,
                                    "SELECT e.state, p.status,"
                                    " EXISTS (SELECT 1 FROM do_not_contact AS d"
                                    "   WHERE (d.kind = 'email' AND d.value = p.email_key)"
                                    "      OR (d.kind = 'domain' AND d.value = p.domain)),"
                                    " c.state = 'running' AND c.account_id = x.account_id"
                                    "   AND e.state = 'active' AND e.next_step = x.step_position"
                                    "   AND p.status = 'active'"
                                    " FROM sends AS x"
                                    " JOIN enrollments AS e ON e.id = x.enrollment_id"
                                    " JOIN campaigns AS c ON c.id = e.campaign_id"
                                    " JOIN prospects AS p ON p.id = e.prospect_id"
                                    " WHERE x.id = ?1 AND x.state = 'sending'",
                            error);
  if (check == NULL)
    return FALSE;
  sqlite3_bind_int64 (check, 1, s->send_id);
  rc = sqlite3_step (check);
  if (rc == SQLITE_DONE)
    return TRUE;   /* not 'sending' any more: nothing of ours to withdraw */
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "withdraw");
      return FALSE;
    }
  if (sqlite3_column_int (check, 3) != 0 && sqlite3_column_int (check, 2) == 0)
    return TRUE;   /* still wanted */
  reason = g_strdup_printf ("enrollment %s, prospect %s%s", (const char *) sqlite3_column_text (check, 0),
                            (const char *) sqlite3_column_text (check, 1),
                            sqlite3_column_int (check, 2) != 0 ? ", do not contact" : "");
  g_clear_pointer (&check, ob_store_stmt_release);

  /* Nothing reached the server: a first attempt leaves no row, a retry
   * goes back to what it was, due now (whether it may go is decided again). */
  if (!release_row (store, s, g_get_real_time () / G_USEC_PER_SEC, error))
    return FALSE;
  detail = ob_outbox_event_detail ("message_id", s->message_id, "reason", reason, NULL);
  if (!ob_outbox_add_event (store, "withdrawn", s->account_id, s->campaign_id, s->prospect_id,
                            s->enrollment_id, s->attempts <= 1 ? 0 : s->send_id, s->step, detail, error))
    return FALSE;
  w->withdrawn = TRUE;
  return TRUE;
}

gboolean
ob_outbox_withdraw_if_stopped (ObStore             *store,
                               const ObOutboxSend  *send,
                               gboolean            *out_withdrawn,
                               GError             **error)
{
  Withdraw w = { send, FALSE };

  *out_withdrawn = FALSE;
  if (!in_transaction (store, withdraw_body, &w, error))
    return FALSE;
  *out_withdrawn = w.withdrawn;
  return TRUE;
}

/* ---- Outcomes -------------------------------------------------------------- */

typedef struct
{
  const ObOutboxSend *send;
  int                 code;
  const char         *text;
  gint64              at;
  gboolean            flag;
} Outcome;

static gboolean
update_send (ObStore      *store,
             const Outcome *o,
             const char   *state,
             GError      **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  stmt = ob_store_prepare_cached (store,
                           "UPDATE sends SET state = ?2, smtp_code = ?3, smtp_text = ?4,"
                           " sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END,"
                           " retry_at = CASE WHEN ?2 = 'retry' THEN ?5 ELSE NULL END"
                           " WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, o->send->send_id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  if (o->code > 0)
    sqlite3_bind_int (stmt, 3, o->code);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_text (stmt, 4, o->text != NULL ? o->text : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, o->at);
  return ob_store_step (store, stmt, "send", error);
}

static char *
code_text (int code)
{
  return code > 0 ? g_strdup_printf ("%d", code) : g_strdup ("");
}

/* The next step's due time, in the zone the window is read in. */
static gint64
next_due_at (ObStore           *store,
             const ObCampaign  *campaign,
             gint64             prospect_id,
             const ObCampaignStep *next,
             gint64             sent_at,
             GError           **error)
{
  g_autoptr(ObScheduleSettings) settings = NULL;
  g_autoptr(ObScheduleSettings) own = NULL;
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *zone = NULL;

  settings = ob_schedule_settings_new (campaign->timezone, campaign->window_start, campaign->window_end,
                                       campaign->days, campaign->holidays, &local_error);
  if (settings == NULL)
    {
      /* A zone removed from the system: the plain delay still holds. */
      g_debug ("Schedule settings: %s", local_error->message);
      return sent_at + 86400;
    }
  stmt = ob_store_prepare_cached (store, "SELECT timezone FROM prospects WHERE id = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, prospect_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    zone = (const char *) sqlite3_column_text (stmt, 0);
  own = ob_schedule_settings_for_prospect (settings, zone);
  return ob_schedule_compute_due_at (own, sent_at, &next->delay);
}

static gboolean
sent_body (ObStore  *store,
           gpointer  data,
           GError  **error)
{
  Outcome *o = data;
  const ObOutboxSend *s = o->send;
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autofree char *code = code_text (o->code);
  g_autofree char *detail = ob_outbox_event_detail ("message_id", s->message_id, "smtp_code", code,
                                                    "smtp_text", o->text, NULL);
  ObCampaignStep *next;
  gint64 due_at = 0;

  if (!update_send (store, o, "sent", error))
    return FALSE;

  campaign = ob_campaign_load_for_sending (store, s->campaign_id, error);
  if (campaign == NULL)
    return FALSE;
  next = ob_campaign_get_step (campaign, s->step + 1);
  if (next != NULL)
    {
      due_at = next_due_at (store, campaign, s->prospect_id, next, o->at, error);
      if (due_at == 0)
        return FALSE;
    }

  /* A thread-starting step names the thread the follow-ups answer. */
  stmt = ob_store_prepare_cached (store,
                           "UPDATE enrollments SET"
                           " next_step = ?2, due_at = ?3,"
                           " state = CASE WHEN ?2 IS NULL AND state = 'active' THEN 'finished' ELSE state END,"
                           " thread_message_id = CASE WHEN ?4 THEN ?5 ELSE thread_message_id END,"
                           " thread_subject = CASE WHEN ?4 THEN ?6 ELSE thread_subject END,"
                           " updated_at = unixepoch ()"
                           " WHERE id = ?1 AND next_step = ?7",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, s->enrollment_id);
  if (next != NULL)
    {
      sqlite3_bind_int (stmt, 2, (int) s->step + 1);
      sqlite3_bind_int64 (stmt, 3, due_at);
    }
  else
    {
      sqlite3_bind_null (stmt, 2);
      sqlite3_bind_null (stmt, 3);
    }
  sqlite3_bind_int (stmt, 4, s->step == 1 || !ob_campaign_get_step (campaign, s->step)->same_thread);
  sqlite3_bind_text (stmt, 5, s->message_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, s->subject, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 7, (int) s->step);
  if (!ob_store_step (store, stmt, "enrollment", error))
    return FALSE;

  return ob_outbox_add_event (store, "sent", s->account_id, s->campaign_id, s->prospect_id,
                              s->enrollment_id, s->send_id, s->step, detail, error);
}

gboolean
ob_outbox_mark_sent (ObStore             *store,
                     const ObOutboxSend  *send,
                     int                  smtp_code,
                     const char          *smtp_text,
                     gint64               sent_at,
                     GError             **error)
{
  Outcome o = { send, smtp_code, smtp_text, sent_at, FALSE };
  g_autoptr(GError) full_error = NULL;
  gboolean ok;

  /* Lazily durable: the next claim's full commit syncs it (top of file). */
  if (!ob_store_set_lazy_durability (store, TRUE, error))
    return FALSE;
  ok = in_transaction (store, sent_body, &o, error);
  /* The claim makes sure of FULL again itself; this is for everyone else. */
  if (!ob_store_set_lazy_durability (store, FALSE, &full_error))
    g_warning ("Cannot make commits durable again: %s", full_error->message);
  return ok;
}

static gboolean
retry_body (ObStore  *store,
            gpointer  data,
            GError  **error)
{
  Outcome *o = data;
  const ObOutboxSend *s = o->send;
  g_autofree char *code = code_text (o->code);
  g_autofree char *detail = ob_outbox_event_detail ("smtp_code", code, "smtp_text", o->text, NULL);

  return update_send (store, o, "retry", error)
         && ob_outbox_add_event (store, "retry", s->account_id, s->campaign_id, s->prospect_id,
                                 s->enrollment_id, s->send_id, s->step, detail, error);
}

gboolean
ob_outbox_mark_retry (ObStore             *store,
                      const ObOutboxSend  *send,
                      int                  smtp_code,
                      const char          *smtp_text,
                      gint64               retry_at,
                      GError             **error)
{
  Outcome o = { send, smtp_code, smtp_text, retry_at, FALSE };

  return in_transaction (store, retry_body, &o, error);
}

static gboolean
uncertain_body (ObStore  *store,
                gpointer  data,
                GError  **error)
{
  Outcome *o = data;
  const ObOutboxSend *s = o->send;
  g_autofree char *detail = ob_outbox_event_detail ("message_id", s->message_id, "reason", o->text, NULL);

  return update_send (store, o, "uncertain", error)
         && ob_outbox_add_event (store, "uncertain", s->account_id, s->campaign_id, s->prospect_id,
                                 s->enrollment_id, s->send_id, s->step, detail, error);
}

gboolean
ob_outbox_mark_uncertain (ObStore             *store,
                          const ObOutboxSend  *send,
                          const char          *reason,
                          GError             **error)
{
  Outcome o = { send, 0, reason, 0, FALSE };

  return in_transaction (store, uncertain_body, &o, error);
}

static gboolean
failed_body (ObStore  *store,
             gpointer  data,
             GError  **error)
{
  Outcome *o = data;
  const ObOutboxSend *s = o->send;
  g_autoptr(sqlite3_stmt) enrollment = NULL;
  g_autoptr(sqlite3_stmt) prospect = NULL;
  g_autofree char *code = code_text (o->code);
  g_autofree char *detail = ob_outbox_event_detail ("smtp_code", code, "smtp_text", o->text, NULL);
  g_autofree char *reason = g_strdup_printf ("%s %s", code, o->text != NULL ? o->text : "");

  if (!update_send (store, o, "failed", error))
    return FALSE;

  enrollment = ob_store_prepare (store,
                                 "UPDATE enrollments SET state = ?2, state_reason = ?3,"
                                 " next_step = CASE WHEN ?2 = 'bounced' THEN NULL ELSE next_step END,"
                                 " updated_at = unixepoch () WHERE id = ?1",
                                         error);
  if (enrollment == NULL)
    return FALSE;
  sqlite3_bind_int64 (enrollment, 1, s->enrollment_id);
  sqlite3_bind_text (enrollment, 2, o->flag ? "bounced" : "paused", -1, SQLITE_STATIC);
  sqlite3_bind_text (enrollment, 3, g_strstrip (reason), -1, SQLITE_STATIC);
  if (!ob_store_step (store, enrollment, "enrollment", error))
    return FALSE;

  if (o->flag)
    {
      /* A refused address is refused for every campaign. */
      prospect = ob_store_prepare (store,
                                   "UPDATE prospects SET status = 'bounced', updated_at = unixepoch ()"
                                   " WHERE id = ?1 AND status = 'active'",
                                   error);
      if (prospect == NULL)
        return FALSE;
      sqlite3_bind_int64 (prospect, 1, s->prospect_id);
      if (!ob_store_step (store, prospect, "prospect", error))
        return FALSE;
    }

  return ob_outbox_add_event (store, o->flag ? "bounced" : "failed", s->account_id, s->campaign_id,
                              s->prospect_id, s->enrollment_id, s->send_id, s->step, detail, error);
}

gboolean
ob_outbox_mark_failed (ObStore             *store,
                       const ObOutboxSend  *send,
                       int                  smtp_code,
                       const char          *smtp_text,
                       gboolean             recipient_refused,
                       GError             **error)
{
  Outcome o = { send, smtp_code, smtp_text, 0, recipient_refused };

  return in_transaction (store, failed_body, &o, error);
}

#define BOUNCE_SHIELD_DAYS      28
#define BOUNCE_SHIELD_MIN_SENDS 20

gboolean
ob_outbox_bounce_shield (ObStore  *store,
                         gint64    campaign_id,
                         gint64    now,
                         GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *reason = NULL;
  gint64 sends, bounces, threshold;
  int rc;

  /* Hard bounces are bounced enrollments: refused at RCPT, or a DSN the
   * watcher matched; both leave a 'bounced' event. */
  stmt = ob_store_prepare (store,
                           "SELECT c.state = 'running', c.bounce_threshold_permille,"
                           " (SELECT count(*) FROM events WHERE campaign_id = c.id AND kind = 'sent'"
                           "   AND at >= ?2),"
                           " (SELECT count(*) FROM events WHERE campaign_id = c.id AND kind = 'bounced'"
                           "   AND at >= ?2)"
                           " FROM campaigns AS c WHERE c.id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  sqlite3_bind_int64 (stmt, 2, now - BOUNCE_SHIELD_DAYS * 86400);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc != SQLITE_DONE)
        ob_store_set_error_from_db (store, rc, error, "bounce shield");
      return FALSE;
    }
  threshold = sqlite3_column_int64 (stmt, 1);
  /* A refused recipient has a 'bounced' event but no 'sent' one: it was
   * an attempt all the same. */
  bounces = sqlite3_column_int64 (stmt, 3);
  sends = sqlite3_column_int64 (stmt, 2) + bounces;
  if (!sqlite3_column_int (stmt, 0) || sends < BOUNCE_SHIELD_MIN_SENDS
      || bounces * 1000 <= threshold * sends)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  reason = g_strdup_printf ("bounce-shield: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                            " bounced in %d days (limit %" G_GINT64_FORMAT ".%" G_GINT64_FORMAT " %%)",
                            bounces, sends, BOUNCE_SHIELD_DAYS, threshold / 10, threshold % 10);
  return ob_campaign_pause (store, campaign_id, reason, error);
}

/* ---- The rep's decisions --------------------------------------------------- */

typedef struct
{
  gint64   send_id;
  gboolean was_sent;
} Resolve;

static gboolean
resolve_body (ObStore  *store,
              gpointer  data,
              GError  **error)
{
  Resolve *r = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(ObOutboxSend) send = g_new0 (ObOutboxSend, 1);
  gint64 created_at;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT s.enrollment_id, e.campaign_id, e.prospect_id, s.account_id,"
                           " s.step_position, s.message_id, s.created_at"
                           " FROM sends AS s JOIN enrollments AS e ON e.id = s.enrollment_id"
                           " WHERE s.id = ?1 AND s.state = 'uncertain'",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, r->send_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_QUERY,
                     _("That message is not waiting for a decision"));
      else
        ob_store_set_error_from_db (store, rc, error, "send");
      return FALSE;
    }
  send->send_id = r->send_id;
  send->enrollment_id = sqlite3_column_int64 (stmt, 0);
  send->campaign_id = sqlite3_column_int64 (stmt, 1);
  send->prospect_id = sqlite3_column_int64 (stmt, 2);
  send->account_id = sqlite3_column_int64 (stmt, 3);
  send->step = (guint) sqlite3_column_int (stmt, 4);
  send->message_id = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  created_at = sqlite3_column_int64 (stmt, 6);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (r->was_sent)
    {
      Outcome o = { send, 0, "", created_at, FALSE };

      /* The subject of the thread is not known here; follow-ups render it
       * again from step 1. */
      return sent_body (store, &o, error);
    }
  else
    {
      Outcome o = { send, 0, "", created_at, FALSE };

      return retry_body (store, &o, error);
    }
}

static gint64
soft_int (ObStore     *store,
          const char  *sql,
          gint64       a,
          gint64       b,
          gboolean    *found,
          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  int rc;

  *found = FALSE;
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *found = TRUE;
      return sqlite3_column_int64 (stmt, 0);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "soft bounce");
      return -1;
    }
  return 0;
}

static gboolean
soft_exec (ObStore     *store,
           const char  *sql,
           gint64       a,
           gint64       b,
           gint64       c,
           gint64      *changes,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  sqlite3_bind_int64 (stmt, 3, c);
  if (!ob_store_step (store, stmt, "soft bounce", error))
    return FALSE;
  if (changes != NULL)
    *changes = sqlite3_changes (ob_store_get_db (store));
  return TRUE;
}

gboolean
ob_outbox_soft_bounce (ObStore             *store,
                       gint64               enrollment_id,
                       gint64               send_id,
                       gint64               retry_at,
                       ObOutboxSoftBounce  *out_result,
                       GError             **error)
{
  gint64 count, step, changes = 0;
  gboolean found = FALSE;
  GError *local = NULL;

  *out_result = OB_OUTBOX_SOFT_NOTHING;
  if (enrollment_id == 0)
    return TRUE;

  count = soft_int (store, "SELECT count(*) FROM events WHERE enrollment_id = ?1 AND kind = 'soft_bounced'"
                    " AND ?2 = ?2", enrollment_id, 0, &found, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }

  if (count >= OB_OUTBOX_SOFT_BOUNCE_LIMIT)
    {
      if (!soft_exec (store,
                      "UPDATE enrollments SET state = 'bounced', state_reason = 'soft-bounces',"
                      " next_step = NULL, updated_at = unixepoch ()"
                      " WHERE id = ?1 AND ?2 = ?2 AND ?3 = ?3 AND state IN ('active', 'paused', 'finished')",
                      enrollment_id, 0, 0, &changes, error))
        return FALSE;
      if (changes == 0)
        return TRUE;
      /* The step that was put back does not go any more. */
      if (!soft_exec (store,
                      "UPDATE sends SET state = 'failed', retry_at = NULL"
                      " WHERE enrollment_id = ?1 AND state = 'retry' AND ?2 = ?2 AND ?3 = ?3",
                      enrollment_id, 0, 0, NULL, error) ||
          !soft_exec (store,
                      "UPDATE prospects SET status = 'bounced', updated_at = unixepoch ()"
                      " WHERE id = (SELECT prospect_id FROM enrollments WHERE id = ?1)"
                      " AND ?2 = ?2 AND ?3 = ?3 AND status = 'active'",
                      enrollment_id, 0, 0, NULL, error))
        return FALSE;
      *out_result = OB_OUTBOX_SOFT_BOUNCED;
      return TRUE;
    }

  if (send_id == 0)
    send_id = soft_int (store,
                        "SELECT id FROM sends WHERE enrollment_id = ?1 AND state = 'sent' AND ?2 = ?2"
                        " ORDER BY step_position DESC LIMIT 1",
                        enrollment_id, 0, &found, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  step = soft_int (store,
                   "SELECT step_position FROM sends AS s WHERE s.id = ?1 AND s.enrollment_id = ?2"
                   " AND s.state = 'sent'"
                   " AND NOT EXISTS (SELECT 1 FROM sends AS t WHERE t.enrollment_id = s.enrollment_id"
                   "   AND t.step_position > s.step_position)",
                   send_id, enrollment_id, &found, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!found)
    return TRUE;

  /* The enrollment goes back to the step, if it is still going. */
  if (!soft_exec (store,
                  "UPDATE enrollments SET next_step = ?2, due_at = ?3,"
                  " state = CASE WHEN state = 'finished' THEN 'active' ELSE state END,"
                  " updated_at = unixepoch ()"
                  " WHERE id = ?1 AND state IN ('active', 'paused', 'finished')",
                  enrollment_id, step, retry_at, &changes, error))
    return FALSE;
  if (changes == 0)
    return TRUE;
  if (!soft_exec (store,
                  "UPDATE sends SET state = 'retry', retry_at = ?3 WHERE id = ?1 AND ?2 = ?2 AND state = 'sent'",
                  send_id, 0, retry_at, NULL, error))
    return FALSE;
  *out_result = OB_OUTBOX_SOFT_RETRY;
  return TRUE;
}

gboolean
ob_outbox_resolve_uncertain (ObStore  *store,
                             gint64    send_id,
                             gboolean  was_sent,
                             GError  **error)
{
  Resolve r = { send_id, was_sent };

  return in_transaction (store, resolve_body, &r, error);
}

static void
uncertain_clear (ObOutboxUncertain *u)
{
  g_free (u->email);
  g_free (u->campaign);
}

GArray *
ob_outbox_list_uncertain (ObStore  *store,
                          gint64    campaign_id,
                          GError  **error)
{
  g_autoptr(GArray) list = g_array_new (FALSE, TRUE, sizeof (ObOutboxUncertain));
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_array_set_clear_func (list, (GDestroyNotify) uncertain_clear);
  stmt = ob_store_prepare (store,
                           "SELECT s.id, e.campaign_id, s.step_position, s.created_at, p.email, c.name"
                           " FROM sends AS s JOIN enrollments AS e ON e.id = s.enrollment_id"
                           " JOIN prospects AS p ON p.id = e.prospect_id"
                           " JOIN campaigns AS c ON c.id = e.campaign_id"
                           " WHERE s.state = 'uncertain' AND (?1 = 0 OR e.campaign_id = ?1)"
                           " ORDER BY s.created_at, s.id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObOutboxUncertain u = {
        sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
        (guint) sqlite3_column_int (stmt, 2), sqlite3_column_int64 (stmt, 3),
        g_strdup ((const char *) sqlite3_column_text (stmt, 4)),
        g_strdup ((const char *) sqlite3_column_text (stmt, 5)),
      };

      g_array_append_val (list, u);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "sends");
      return NULL;
    }
  return g_steal_pointer (&list);
}

typedef struct
{
  gint64      account_id;
  const char *state;
  const char *reason;
  gint64      until;
} Hold;

static gboolean
hold_body (ObStore  *store,
           gpointer  data,
           GError  **error)
{
  Hold *h = data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *detail = ob_outbox_event_detail ("state", h->state, "reason", h->reason, NULL);

  stmt = ob_store_prepare (store,
                           "UPDATE accounts SET state = ?2, state_reason = ?3, paused_until = ?4"
                           " WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, h->account_id);
  sqlite3_bind_text (stmt, 2, h->state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, h->reason != NULL ? h->reason : "", -1, SQLITE_TRANSIENT);
  if (h->until > 0)
    sqlite3_bind_int64 (stmt, 4, h->until);
  else
    sqlite3_bind_null (stmt, 4);
  return ob_store_step (store, stmt, "account", error)
         && ob_outbox_add_event (store, "account_held", h->account_id, 0, 0, 0, 0, 0, detail, error);
}

gboolean
ob_outbox_hold_account (ObStore     *store,
                        gint64       account_id,
                        const char  *state,
                        const char  *reason,
                        gint64       until,
                        GError     **error)
{
  Hold h = { account_id, state, reason, until };

  return in_transaction (store, hold_body, &h, error);
}
