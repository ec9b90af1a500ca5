/* ob-classify-store.c: the classifier's lookup, answered by the store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObClassifyStore belongs to the thread of its store's
 * connection (the watcher's own, or the CLI's main thread).
 *
 * Each question is one indexed lookup: sends by message_id
 * (sends_message_id), prospects by email_key (unique) or by domain
 * (prospects_domain), then their few enrollments. The statements are
 * prepared once and reused, as a catch-up asks thousands of times.
 *
 * "Of this account": a send whose account is @account_id; a prospect
 * enrolled in a campaign of that account, whatever its status (a second
 * answer from someone who replied, or the thanks of someone who opted out,
 * is still theirs and not a colleague's: what it changes is the caller's
 * decision). An account_id of 0 means any
 * account (the CLI, which is not told which mailbox the files came from).
 * A store error answers "no": classifying goes on, and the caller's next
 * store access reports the problem.
 */

#define G_LOG_DOMAIN "ob-classify-store"

#include "config.h"

#include "ob-classify-store.h"

enum
{
  QUERY_SENT,
  QUERY_PROSPECT,
  QUERY_COMPANY,
  QUERY_OWN,
  QUERY_ANY_PROSPECT,
  N_QUERIES
};

static const char * const queries[N_QUERIES] = {
  [QUERY_SENT] =
    "SELECT s.id, s.enrollment_id, e.prospect_id FROM sends s "
    "JOIN enrollments e ON e.id = s.enrollment_id "
    "WHERE s.message_id = ?1 AND (?2 = 0 OR s.account_id = ?2) "
    "ORDER BY s.id DESC LIMIT 1",
  [QUERY_PROSPECT] =
    "SELECT 0, e.id, p.id FROM prospects p "
    "JOIN enrollments e ON e.prospect_id = p.id "
    "JOIN campaigns c ON c.id = e.campaign_id "
    "WHERE p.email_key = ?1 AND (?2 = 0 OR c.account_id = ?2) "
    "ORDER BY p.status = 'active' DESC, e.state = 'active' DESC, e.id DESC LIMIT 1",
  [QUERY_COMPANY] =
    "SELECT 0, e.id, p.id FROM prospects p "
    "JOIN enrollments e ON e.prospect_id = p.id "
    "JOIN campaigns c ON c.id = e.campaign_id "
    "WHERE p.domain = ?1 AND (?2 = 0 OR c.account_id = ?2) "
    "ORDER BY e.state = 'active' DESC, e.id DESC LIMIT 1",
  /* Any account of the store: mail from another of the rep's mailboxes is
   * not a prospect's answer either */
  [QUERY_OWN] =
    "SELECT 0, 0, 0 FROM accounts WHERE lower (email) = ?1 AND ?2 = ?2 LIMIT 1",
  /* The watcher acts on a verdict's address wherever it is a prospect */
  [QUERY_ANY_PROSPECT] =
    "SELECT 0, 0, id FROM prospects WHERE email_key = ?1 AND ?2 = ?2",
};

struct _ObClassifyStore
{
  ObStore      *store;
  gint64        account_id;
  sqlite3_stmt *statements[N_QUERIES];
};

/**
 * ob_classify_store_new:
 * @store: the store, used on its connection's thread only
 * @account_id: the account whose mailbox the messages come from; 0 for any
 *
 * Returns: (transfer full): the user data for ob_classify_store_get_lookup()
 */
ObClassifyStore *
ob_classify_store_new (ObStore *store,
                       gint64   account_id)
{
  ObClassifyStore *self;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  self = g_new0 (ObClassifyStore, 1);
  self->store = g_object_ref (store);
  self->account_id = account_id;

  return self;
}

void
ob_classify_store_free (ObClassifyStore *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < N_QUERIES; i++)
    g_clear_pointer (&self->statements[i], sqlite3_finalize);
  g_clear_object (&self->store);
  g_free (self);
}

static gboolean
ask (ObClassifyStore  *self,
     guint             query,
     const char       *value,
     ObClassifyTarget *out)
{
  sqlite3_stmt *stmt = self->statements[query];
  gboolean found;

  if (stmt == NULL)
    {
      g_autoptr(GError) error = NULL;

      stmt = self->statements[query] = ob_store_prepare (self->store, queries[query], &error);
      if (stmt == NULL)
        {
          g_debug ("Cannot ask the store: %s", error->message);
          return FALSE;
        }
    }

  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, self->account_id);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found && out != NULL)
    {
      out->send_id = sqlite3_column_int64 (stmt, 0);
      out->enrollment_id = sqlite3_column_int64 (stmt, 1);
      out->prospect_id = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  return found;
}

static gboolean
find_sent (const char       *message_id,
           ObClassifyTarget *out,
           gpointer          user_data)
{
  return ask (user_data, QUERY_SENT, message_id, out);
}

static gboolean
find_prospect (const char       *email_key,
               ObClassifyTarget *out,
               gpointer          user_data)
{
  return ask (user_data, QUERY_PROSPECT, email_key, out);
}

static gboolean
find_any_prospect (const char       *email_key,
                   ObClassifyTarget *out,
                   gpointer          user_data)
{
  return ask (user_data, QUERY_ANY_PROSPECT, email_key, out);
}

static gboolean
find_company_prospect (const char       *domain,
                       ObClassifyTarget *out,
                       gpointer          user_data)
{
  return ask (user_data, QUERY_COMPANY, domain, out);
}

static gboolean
is_own_address (const char *email_key,
                gpointer    user_data)
{
  return ask (user_data, QUERY_OWN, email_key, NULL);
}

/**
 * ob_classify_store_get_lookup:
 *
 * Returns: the lookup to pass to ob_classify_message() with an
 *   #ObClassifyStore as its user data
 */
const ObClassifyLookup *
ob_classify_store_get_lookup (void)
{
  static const ObClassifyLookup lookup = {
    .find_sent = find_sent,
    .find_prospect = find_prospect,
    .find_company_prospect = find_company_prospect,
    .is_own_address = is_own_address,
  };

  return &lookup;
}

/**
 * ob_classify_store_get_gate_lookup:
 *
 * Returns: the lookup to pass to ob_classify_needs_text() with an
 *   #ObClassifyStore as its user data: as ob_classify_store_get_lookup(),
 *   but From counts when it is a prospect of any account (the watcher acts
 *   on a verdict's address wherever it is a prospect)
 */
const ObClassifyLookup *
ob_classify_store_get_gate_lookup (void)
{
  static const ObClassifyLookup lookup = {
    .find_sent = find_sent,
    .find_prospect = find_any_prospect,
    .find_company_prospect = find_company_prospect,
    .is_own_address = is_own_address,
  };

  return &lookup;
}
