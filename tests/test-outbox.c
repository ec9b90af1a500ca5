/* test-outbox.c: at most once: claim, sent, retry, failed, uncertain
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-campaign.h"
#include "ob-dnc.h"
#include "ob-mime.h"
#include "ob-outbox.h"
#include "ob-prospects.h"
#include "ob-watcher.h"
#include "testlib.h"

static const char campaign_file[] =
  "[campaign]\nname=Fast\naccount=rep\nwindow=00:00-24:00\n"
  "days=mon;tue;wed;thu;fri;sat;sun\npause=0-0\n"
  "[step 1]\nsubject=Hello {{first_name|there}}\nbody=Hi {{first_name|there}}, about {{company}}.\n"
  "[step 2]\ndelay=10m\nbody=Following up.\n";

typedef struct
{
  char       *dir;
  ObStore    *store;
  gint64      account_id;
  ObCampaign *campaign;
  gint64      prospect_id;
  GDateTime  *now;
} Fixture;

static gint64
add_prospect (Fixture    *f,
              const char *email,
              const char *company)
{
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(GError) error = NULL;

  ob_prospect_set_field (p, "email", email);
  ob_prospect_set_field (p, "first_name", "Ann");
  ob_prospect_set_field (p, "company", company);
  g_assert_true (ob_prospect_save (p, f->store, &error));
  g_assert_no_error (error);
  return ob_prospect_get_id (p);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  ObEnrollResult result;

  f->dir = g_dir_make_tmp ("ob-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);
  ob_store_exec (f->store,
                 "INSERT INTO accounts (name, email, display_name, smtp_host, smtp_port, smtp_security,"
                 " pause_min, pause_max) VALUES ('rep', 'rep@example.test', 'Rita Rep', 'localhost',"
                 " 587, 'starttls', 0, 0)",
                 &error);
  g_assert_no_error (error);
  f->account_id = sqlite3_last_insert_rowid (ob_store_get_db (f->store));

  f->campaign = ob_campaign_parse_file (campaign_file, strlen (campaign_file), &error);
  g_assert_no_error (error);
  g_assert_true (ob_campaign_save (f->store, f->campaign, &error));
  f->prospect_id = add_prospect (f, "ann@acme.test", "Acme");
  g_assert_true (ob_prospects_enroll (f->store, f->campaign->id, &f->prospect_id, 1, FALSE,
                                      &result, &error));
  g_assert_true (ob_campaign_start (f->store, f->campaign->id, NULL, &error));
  g_assert_no_error (error);
  /* An hour after enrolling: the first email is due. */
  f->now = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + 3600);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  ob_campaign_free (f->campaign);
  g_date_time_unref (f->now);
  remove_tree (f->dir);
  g_free (f->dir);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static ObOutboxSend *
claim_next (Fixture       *f,
            GDateTime     *now,
            ObOutboxClaim *claim)
{
  g_autoptr(GError) error = NULL;
  ObScheduleDecision decision;
  ObOutboxSend *send;

  g_assert_true (ob_schedule_next_due (f->store, f->account_id, now, &decision, &error));
  g_assert_no_error (error);
  if (decision.action != OB_SCHEDULE_SEND)
    return NULL;
  send = ob_outbox_claim (f->store, f->account_id, &decision, now, claim, &error);
  g_assert_no_error (error);
  return send;
}

static void
test_sent_then_follow_up (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) first = NULL;
  g_autoptr(ObOutboxSend) second = NULL;
  g_autoptr(GDateTime) later = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autofree char *thread = NULL;
  ObOutboxClaim claim;
  gint64 sent_at = g_date_time_to_unix (f->now);

  first = claim_next (f, f->now, &claim);
  g_assert_nonnull (first);
  g_assert_cmpint (claim, ==, OB_OUTBOX_CLAIMED);
  g_assert_cmpuint (first->step, ==, 1);
  g_assert_cmpstr (first->from, ==, "rep@example.test");
  g_assert_cmpstr (first->to, ==, "ann@acme.test");
  g_assert_cmpstr (first->subject, ==, "Hello Ann");
  /* Durable before anything reaches the server: the exact bytes, stored. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sending' AND length (message) > 100"), ==, 1);

  /* While it is in flight, nothing else may claim the step. */
  g_assert_null (claim_next (f, f->now, &claim));

  g_assert_true (ob_outbox_mark_sent (f->store, first, 250, "2.0.0 Ok: queued", sent_at, &error));
  g_assert_no_error (error);
  /* 'sent' went lazily (synchronous=NORMAL); the next claim is FULL again. */
  g_assert_cmpint (query_int (f, "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT due_at FROM enrollments"), ==, sent_at + 600);
  thread = query_text (f, "SELECT thread_message_id FROM enrollments");
  g_assert_cmpstr (thread, ==, first->message_id);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'sent'"), ==, 1);

  /* Not due before its delay... */
  g_assert_null (claim_next (f, f->now, &claim));
  /* ...then due, and in the same thread. */
  later = g_date_time_add_minutes (f->now, 11);
  second = claim_next (f, later, &claim);
  g_assert_nonnull (second);
  g_assert_cmpuint (second->step, ==, 2);
  headers = ob_mime_parse_headers (second->message, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (headers->in_reply_to[0], ==, first->message_id);
  g_assert_cmpstr (headers->subject, ==, "Re: Hello Ann");

  g_assert_true (ob_outbox_mark_sent (f->store, second, 250, "Ok", g_date_time_to_unix (later), &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'finished'"
                              " AND next_step IS NULL"), ==, 1);
  g_assert_true (ob_campaign_finish_if_done (f->store, f->campaign->id, &error));
}

static void
test_crash_leaves_uncertain (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) send = NULL;
  g_autoptr(GDateTime) much_later = g_date_time_add_days (f->now, 30);
  g_autofree char *sql = NULL;
  ObOutboxClaim claim;

  send = claim_next (f, f->now, &claim);
  g_assert_nonnull (send);

  /* The process dies here; the next one starts. */
  g_assert_cmpint (ob_outbox_recover (f->store, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'uncertain'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'uncertain'"), ==, 1);
  g_assert_cmpint (ob_outbox_recover (f->store, &error), ==, 0);

  /* Never resent by itself, however long it waits. */
  g_assert_null (claim_next (f, much_later, &claim));

  /* The rep says it did not go: the step may go again, same Message-ID. */
  g_assert_true (ob_outbox_resolve_uncertain (f->store, send->send_id, FALSE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(ObOutboxSend) again = claim_next (f, much_later, &claim);

    g_assert_nonnull (again);
    g_assert_cmpint (again->send_id, ==, send->send_id);
    g_assert_cmpstr (again->message_id, ==, send->message_id);
    g_assert_cmpuint (again->attempts, ==, 2);
  }
  sql = g_strdup_printf ("SELECT count(*) FROM sends WHERE id = %" G_GINT64_FORMAT, send->send_id);
  g_assert_cmpint (query_int (f, sql), ==, 1);
}

static void
test_retry_and_failures (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) send = NULL;
  g_autoptr(ObOutboxSend) again = NULL;
  g_autoptr(GDateTime) later = g_date_time_add_minutes (f->now, 5);
  ObOutboxClaim claim;

  send = claim_next (f, f->now, &claim);
  g_assert_true (ob_outbox_mark_retry (f->store, send, 451, "4.3.0 Try again later",
                                       g_date_time_to_unix (f->now) + 120, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 1);
  /* Not before its retry time. */
  g_assert_null (claim_next (f, f->now, &claim));
  again = claim_next (f, later, &claim);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->message_id, ==, send->message_id);

  /* 550 at RCPT: the prospect bounced, everywhere. */
  g_assert_true (ob_outbox_mark_failed (f->store, again, 550, "5.1.1 User unknown", TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'bounced'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM prospects WHERE status = 'bounced'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT smtp_code FROM sends"), ==, 550);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'bounced'"), ==, 1);
}

/* A claim whose message never reached the server is undone: a first
 * attempt leaves no row, a retry is a retry again with its count. */
static void
test_release_claim (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) send = NULL;
  g_autoptr(ObOutboxSend) again = NULL;
  g_autoptr(ObOutboxSend) third = NULL;
  g_autoptr(GDateTime) later = g_date_time_add_minutes (f->now, 5);
  gint64 now = g_date_time_to_unix (f->now);
  ObOutboxClaim claim;
  gint64 events = query_int (f, "SELECT count(*) FROM events");

  /* Whatever went lazily before, a claim is on the disk before MAIL FROM. */
  g_assert_true (ob_store_set_lazy_durability (f->store, TRUE, &error));
  send = claim_next (f, f->now, &claim);
  g_assert_nonnull (send);
  g_assert_cmpint (query_int (f, "PRAGMA synchronous"), ==, 2);
  g_assert_true (ob_outbox_release_claim (f->store, send, now, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events"), ==, events);
  g_clear_pointer (&send, ob_outbox_send_free);

  /* Claimed again as if nothing happened; then a 451, then a retry that is
   * released: still a retry, due, with one attempt counted. */
  send = claim_next (f, f->now, &claim);
  g_assert_nonnull (send);
  g_assert_cmpuint (send->attempts, ==, 1);
  g_assert_true (ob_outbox_mark_retry (f->store, send, 451, "4.3.0 Try again later", now + 120, &error));
  again = claim_next (f, later, &claim);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->attempts, ==, 2);
  g_assert_true (ob_outbox_release_claim (f->store, again, now + 300, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry' AND attempts = 1"), ==, 1);
  {
    ObScheduleDecision decision;

    /* Claimed lazily, the same claim: the connection stays FULL for others. */
    g_assert_true (ob_schedule_next_due (f->store, f->account_id, later, &decision, &error));
    third = ob_outbox_claim_lazily (f->store, f->account_id, &decision, later, &claim, &error);
    g_assert_no_error (error);
  }
  g_assert_nonnull (third);
  g_assert_cmpint (third->send_id, ==, send->send_id);
  g_assert_cmpstr (third->message_id, ==, send->message_id);
  g_assert_cmpuint (third->attempts, ==, 2);

  /* Only a claim is undone: a send that went stays. */
  g_assert_cmpint (query_int (f, "PRAGMA synchronous"), ==, 2);
  g_assert_true (ob_outbox_mark_sent (f->store, third, 250, "Ok", now + 300, &error));
  g_assert_true (ob_outbox_release_claim (f->store, third, now + 300, &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'sent'"), ==, 1);
}

static void
test_last_moment_checks (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObScheduleDecision decision;
  ObOutboxClaim claim;
  gint64 other;
  ObEnrollResult result;

  g_assert_true (ob_schedule_next_due (f->store, f->account_id, f->now, &decision, &error));
  g_assert_cmpint (decision.action, ==, OB_SCHEDULE_SEND);

  /* Blocked between the schedule and the send: nothing goes. */
  g_assert_true (ob_dnc_add (f->store, "@acme.test", NULL, NULL, &error));
  g_assert_null (ob_outbox_claim (f->store, f->account_id, &decision, f->now, &claim, &error));
  g_assert_no_error (error);
  g_assert_cmpint (claim, ==, OB_OUTBOX_SKIP_GONE);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);

  /* Enrolled after the start without a value for {{company}}: held for the rep. */
  other = add_prospect (f, "bob@beta.test", "");
  g_assert_true (ob_prospects_enroll (f->store, f->campaign->id, &other, 1, FALSE, &result, &error));
  g_assert_true (ob_schedule_next_due (f->store, f->account_id, f->now, &decision, &error));
  g_assert_cmpint (decision.prospect_id, ==, other);
  g_assert_null (ob_outbox_claim (f->store, f->account_id, &decision, f->now, &claim, &error));
  g_assert_no_error (error);
  g_assert_cmpint (claim, ==, OB_OUTBOX_SKIP_HELD);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'paused'"
                              " AND state_reason LIKE 'missing-field: company%'"), ==, 1);

  /* A paused campaign sends nothing. */
  g_assert_true (ob_campaign_pause (f->store, f->campaign->id, NULL, &error));
  g_assert_null (ob_outbox_claim (f->store, f->account_id, &decision, f->now, &claim, &error));
  g_assert_cmpint (claim, ==, OB_OUTBOX_SKIP_GONE);

  /* An account on hold neither. */
  g_assert_true (ob_outbox_hold_account (f->store, f->account_id, "error", "authentication failed", 0,
                                         &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM accounts WHERE state = 'error'"), ==, 1);
}

static void
test_bounce_shield (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) loaded = NULL;
  gint64 now = g_date_time_to_unix (f->now);
  g_autofree char *sql = NULL;

  /* 19 sends and 1 bounce: too few to judge. */
  sql = g_strdup_printf ("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 18)"
                         " INSERT INTO events (kind, campaign_id, at) SELECT 'sent', %" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT " FROM n;"
                         " INSERT INTO events (kind, campaign_id, at) VALUES ('bounced', %" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT ");",
                         f->campaign->id, now - 3600, f->campaign->id, now - 60);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
  g_assert_false (ob_outbox_bounce_shield (f->store, f->campaign->id, now, &error));
  g_assert_no_error (error);

  /* 60 sent and 1 bounced is 1.6 %, under 2 %; a bounce 29 days ago
   * would make it 3.2 %, but it is too old to count. */
  g_free (sql);
  sql = g_strdup_printf ("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 42)"
                         " INSERT INTO events (kind, campaign_id, at) SELECT 'sent', %" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT " FROM n;"
                         " INSERT INTO events (kind, campaign_id, at) VALUES ('bounced', %" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT ")",
                         f->campaign->id, now - 60, f->campaign->id, now - 29 * 86400);
  ob_store_exec (f->store, sql, &error);
  g_assert_false (ob_outbox_bounce_shield (f->store, f->campaign->id, now, &error));

  /* One more: 2 of 62 attempts is 3.2 % > 2 %: paused, with the reason. */
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO events (kind, campaign_id, at) VALUES ('bounced', %" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT ")", f->campaign->id, now - 60);
  ob_store_exec (f->store, sql, &error);
  g_assert_true (ob_outbox_bounce_shield (f->store, f->campaign->id, now, &error));
  g_assert_no_error (error);
  loaded = ob_campaign_load (f->store, f->campaign->id, &error);
  g_assert_cmpint (loaded->state, ==, OB_CAMPAIGN_PAUSED);
  g_assert_true (g_str_has_prefix (loaded->state_reason, "bounce-shield: 2 of 62"));
}

static void
soft_bounce (Fixture            *f,
             gint64              send_id,
             gint64              retry_at,
             ObOutboxSoftBounce  expected)
{
  g_autoptr(GError) error = NULL;
  gint64 enrollment_id = query_int (f, "SELECT id FROM enrollments");
  ObOutboxSoftBounce result = -1;

  g_assert_true (ob_store_begin (f->store, &error));
  g_assert_true (ob_outbox_add_event (f->store, "soft_bounced", f->account_id, f->campaign->id,
                                      f->prospect_id, enrollment_id, send_id, 1, "{}", &error));
  g_assert_true (ob_outbox_soft_bounce (f->store, enrollment_id, send_id, retry_at, &result, &error));
  g_assert_no_error (error);
  g_assert_true (ob_store_commit (f->store, &error));
  g_assert_cmpint (result, ==, expected);
}

static void
test_soft_bounce (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) first = NULL;
  g_autoptr(ObOutboxSend) again = NULL;
  g_autoptr(ObOutboxSend) second = NULL;
  g_autoptr(GDateTime) retry = NULL;
  g_autoptr(GDateTime) later = NULL;
  g_autofree char *state = NULL;
  gint64 now = g_date_time_to_unix (f->now);
  ObOutboxClaim claim;

  first = claim_next (f, f->now, &claim);
  g_assert_nonnull (first);
  g_assert_true (ob_outbox_mark_sent (f->store, first, 250, "Ok", now, &error));
  g_assert_no_error (error);

  /* The server did not deliver: step 1 goes again in 6 hours. */
  soft_bounce (f, first->send_id, now + 6 * 3600, OB_OUTBOX_SOFT_RETRY);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT retry_at FROM sends"), ==, now + 6 * 3600);
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 1);
  /* A second report of the same send puts nothing back twice. */
  soft_bounce (f, first->send_id, now + 7 * 3600, OB_OUTBOX_SOFT_NOTHING);
  g_assert_cmpint (query_int (f, "SELECT retry_at FROM sends"), ==, now + 6 * 3600);

  /* Not before the retry time; then the same message, same Message-ID. */
  later = g_date_time_add_hours (f->now, 1);
  g_assert_null (claim_next (f, later, &claim));
  retry = g_date_time_add_minutes (f->now, 6 * 60 + 1);
  again = claim_next (f, retry, &claim);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->step, ==, 1);
  g_assert_cmpuint (again->attempts, ==, 2);
  g_assert_cmpstr (again->message_id, ==, first->message_id);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 1);
  g_assert_true (ob_outbox_mark_sent (f->store, again, 250, "Ok", g_date_time_to_unix (retry), &error));
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 2);

  /* Step 2 went: a late soft bounce of step 1 does not rewind the thread. */
  g_clear_pointer (&later, g_date_time_unref);
  later = g_date_time_add_minutes (retry, 11);
  second = claim_next (f, later, &claim);
  g_assert_nonnull (second);
  g_assert_true (ob_outbox_mark_sent (f->store, second, 250, "Ok", g_date_time_to_unix (later), &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'finished'"), ==, 1);

  /* The third soft bounce of the enrollment: bounced, the prospect too. */
  soft_bounce (f, first->send_id, now + 8 * 3600, OB_OUTBOX_SOFT_BOUNCED);
  state = query_text (f, "SELECT state FROM enrollments");
  g_assert_cmpstr (state, ==, "bounced");
  g_free (state);
  state = query_text (f, "SELECT status FROM prospects");
  g_assert_cmpstr (state, ==, "bounced");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry'"), ==, 0);
}

static void
test_soft_bounce_last_step (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) first = NULL;
  g_autoptr(ObOutboxSend) second = NULL;
  g_autoptr(GDateTime) later = NULL;
  g_autofree char *state = NULL;
  ObOutboxClaim claim;

  first = claim_next (f, f->now, &claim);
  g_assert_true (ob_outbox_mark_sent (f->store, first, 250, "Ok", g_date_time_to_unix (f->now), &error));
  later = g_date_time_add_minutes (f->now, 11);
  second = claim_next (f, later, &claim);
  g_assert_nonnull (second);
  g_assert_true (ob_outbox_mark_sent (f->store, second, 250, "Ok", g_date_time_to_unix (later), &error));
  g_assert_no_error (error);

  /* The last step soft-bounced (send unknown: the last one sent): the
   * finished sequence is active again at that step. */
  soft_bounce (f, 0, g_date_time_to_unix (later) + 60, OB_OUTBOX_SOFT_RETRY);
  state = query_text (f, "SELECT state FROM enrollments");
  g_assert_cmpstr (state, ==, "active");
  g_assert_cmpint (query_int (f, "SELECT next_step FROM enrollments"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT state = 'retry' FROM sends WHERE step_position = 2"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT state = 'sent' FROM sends WHERE step_position = 1"), ==, 1);
}

/* ---- A reply against the claim ------------------------------------------ */

/* What the watcher gets when @email answers (From is an active prospect). */
static GBytes *
reply_from (const char *email,
            guint       n)
{
  char *text = g_strdup_printf ("From: <%s>\r\nTo: rep@example.test\r\nSubject: Re: Hello\r\n"
                                "Message-ID: <answer-%u@acme.test>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
                                "\r\nYes, call me.\r\n", email, n);

  return g_bytes_new_take (text, strlen (text));
}

static gint64
record_reply (ObStore    *store,
              gint64      account_id,
              const char *email,
              guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = reply_from (email, n);
  g_autoptr(GPtrArray) events = ob_watcher_record_message (store, account_id, reply, &error);

  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events->len;
}

/* Claimed, then the reply is recorded, then the sender's last look: the
 * reply's event names the step in flight and the step is taken back. */
static void
test_reply_after_claim_withdraws (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) send = NULL;
  ObOutboxClaim claim;
  gboolean withdrawn = TRUE;

  send = claim_next (f, f->now, &claim);
  g_assert_nonnull (send);
  /* Nothing happened yet: the last look lets it go. */
  g_assert_true (ob_outbox_withdraw_if_stopped (f->store, send, &withdrawn, &error));
  g_assert_false (withdrawn);

  g_assert_cmpint (record_reply (f->store, f->account_id, "ann@acme.test", 1), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"
                              " AND json_extract (detail, '$.in_flight_step') = '1'"), ==, 1);
  g_assert_true (ob_outbox_withdraw_if_stopped (f->store, send, &withdrawn, &error));
  g_assert_no_error (error);
  g_assert_true (withdrawn);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'withdrawn' AND step_position = 1"),
                   ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'replied'"), ==, 1);
  /* Nothing is due any more. */
  g_assert_null (claim_next (f, f->now, &claim));
}

/* A retry taken back is a retry again, with its attempts as they were. */
static void
test_withdrawn_retry_stays_retry (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOutboxSend) first = NULL;
  g_autoptr(ObOutboxSend) again = NULL;
  g_autoptr(GDateTime) later = g_date_time_add_hours (f->now, 1);
  ObOutboxClaim claim;
  gboolean withdrawn = FALSE;

  first = claim_next (f, f->now, &claim);
  g_assert_nonnull (first);
  g_assert_true (ob_outbox_mark_retry (f->store, first, 451, "4.3.0 try later",
                                       g_date_time_to_unix (f->now) + 60, &error));
  again = claim_next (f, later, &claim);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->attempts, ==, 2);
  g_assert_cmpint (record_reply (f->store, f->account_id, "ann@acme.test", 2), ==, 1);
  g_assert_true (ob_outbox_withdraw_if_stopped (f->store, again, &withdrawn, &error));
  g_assert_true (withdrawn);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state = 'retry' AND attempts = 1"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'withdrawn'"), ==, 1);
}

#define RACE_PROSPECTS 40

typedef struct
{
  const char *path;
  gint64      account_id;
  GDateTime  *now;
  gint        ready;      /* both threads start together */
  gint        claimed;
  guint       withdrawn;
  guint       sent;
} Race;

static void
race_start (Race *race)
{
  g_atomic_int_inc (&race->ready);
  while (g_atomic_int_get (&race->ready) < 2)
    g_thread_yield ();
}

/* The sender's loop, without SMTP: schedule, claim, last look, sent. */
static gpointer
race_sender (gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;
  ObStore *store = ob_store_open_for_thread (race->path, &error);

  g_assert_no_error (error);
  race_start (race);
  for (;;)
    {
      g_autoptr(ObOutboxSend) send = NULL;
      ObScheduleDecision decision;
      ObOutboxClaim claim;
      gboolean withdrawn = FALSE;

      g_assert_true (ob_schedule_next_due (store, race->account_id, race->now, &decision, &error));
      g_assert_no_error (error);
      if (decision.action != OB_SCHEDULE_SEND || decision.send_at > g_date_time_to_unix (race->now))
        break;
      send = ob_outbox_claim (store, race->account_id, &decision, race->now, &claim, &error);
      g_assert_no_error (error);
      if (send == NULL)
        continue;
      g_atomic_int_inc (&race->claimed);
      g_thread_yield ();
      g_assert_true (ob_outbox_withdraw_if_stopped (store, send, &withdrawn, &error));
      g_assert_no_error (error);
      if (withdrawn)
        {
          race->withdrawn++;
          continue;
        }
      g_assert_true (ob_outbox_mark_sent (store, send, 250, "2.0.0 Ok", g_date_time_to_unix (race->now),
                                          &error));
      g_assert_no_error (error);
      race->sent++;
    }
  g_object_unref (store);
  return NULL;
}

/* The watcher: every prospect answers, the last due first, so that the
 * two threads meet among the enrollments: the first ones are claimed
 * before their reply, the last ones after. */
static gpointer
race_watcher (gpointer data)
{
  Race *race = data;
  g_autoptr(GError) error = NULL;
  ObStore *store = ob_store_open_for_thread (race->path, &error);

  g_assert_no_error (error);
  race_start (race);
  /* Until the sender is under way (its first look at the schedule is the
   * slowest). */
  while (g_atomic_int_get (&race->claimed) == 0)
    g_thread_yield ();
  for (guint i = RACE_PROSPECTS + 1; i-- > 0; )
    {
      g_autofree char *email = i == 0 ? g_strdup ("ann@acme.test") : g_strdup_printf ("p%u@acme.test", i);

      g_assert_cmpint (record_reply (store, race->account_id, email, 100 + i), ==, 1);
      if (i % 3 == 0)
        g_thread_yield ();
    }
  g_object_unref (store);
  return NULL;
}

/* The sender and the watcher on their own threads and connections: a
 * step claimed after the reply never goes; a step claimed before it is
 * either taken back by the last look or is the one message that went,
 * and the reply's event says it was in flight. */
static void
test_claim_against_reply_threads (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *path = g_build_filename (f->dir, "outbound.db", NULL);
  ObEnrollResult result;
  Race race = { path, f->account_id, f->now, 0, 0, 0, 0 };
  GThread *sender, *watcher;

  for (guint i = 1; i <= RACE_PROSPECTS; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@acme.test", i);
      gint64 id = add_prospect (f, email, "Acme");

      g_array_append_val (ids, id);
    }
  g_assert_true (ob_prospects_enroll (f->store, f->campaign->id, (gint64 *) ids->data, ids->len, FALSE,
                                      &result, &error));
  g_assert_no_error (error);

  sender = g_thread_new ("race-sender", race_sender, &race);
  watcher = g_thread_new ("race-watcher", race_watcher, &race);
  g_thread_join (sender);
  g_thread_join (watcher);
  g_test_message ("claimed %d, withdrawn %u, sent %u of %u", race.claimed, race.withdrawn, race.sent,
                  RACE_PROSPECTS + 1);
  g_assert_cmpint (race.claimed, >, 0);

  /* Every enrollment answered, once. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM enrollments WHERE state = 'replied'"), ==,
                   RACE_PROSPECTS + 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'replied'"), ==, RACE_PROSPECTS + 1);
  /* Nothing left half way, and every claim accounted for. */
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends WHERE state <> 'sent'"), ==, 0);
  g_assert_cmpuint ((guint) race.claimed, ==, race.sent + race.withdrawn);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM sends"), ==, race.sent);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'withdrawn'"), ==, race.withdrawn);
  /* A withdrawn step was in flight when its reply was recorded. */
  g_assert_cmpint (query_int (f,
    "SELECT count(*) FROM events AS w JOIN events AS r ON r.enrollment_id = w.enrollment_id"
    " AND r.kind = 'replied' WHERE w.kind = 'withdrawn'"
    " AND coalesce (json_extract (r.detail, '$.in_flight_step'), '') <> '1'"), ==, 0);
  /* What went was sent before the reply was recorded, or was in flight. */
  g_assert_cmpint (query_int (f,
    "SELECT count(*) FROM sends AS s JOIN events AS r ON r.enrollment_id = s.enrollment_id"
    " AND r.kind = 'replied' WHERE coalesce (r.step_position, 0) < s.step_position"
    " AND coalesce (json_extract (r.detail, '$.in_flight_step'), '') <> CAST (s.step_position AS TEXT)"), ==, 0);
  /* And no reply claims a step in flight that did not exist. */
  g_assert_cmpint (query_int (f,
    "SELECT count(*) FROM events AS r WHERE r.kind = 'replied'"
    " AND json_extract (r.detail, '$.in_flight_step') IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM events AS w WHERE w.kind = 'withdrawn' AND w.enrollment_id = r.enrollment_id)"
    " AND NOT EXISTS (SELECT 1 FROM sends AS s WHERE s.enrollment_id = r.enrollment_id)"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/engine/outbox/sent-then-follow-up", test_sent_then_follow_up);
  ADD ("/engine/outbox/crash-leaves-uncertain", test_crash_leaves_uncertain);
  ADD ("/engine/outbox/retry-and-failures", test_retry_and_failures);
  ADD ("/engine/outbox/last-moment-checks", test_last_moment_checks);
  ADD ("/engine/outbox/release-claim", test_release_claim);
  ADD ("/engine/outbox/bounce-shield", test_bounce_shield);
  ADD ("/engine/outbox/soft-bounce", test_soft_bounce);
  ADD ("/engine/outbox/soft-bounce-last-step", test_soft_bounce_last_step);
  ADD ("/engine/outbox/reply-after-claim-withdraws", test_reply_after_claim_withdraws);
  ADD ("/engine/outbox/withdrawn-retry-stays-retry", test_withdrawn_retry_stays_retry);
  ADD ("/engine/outbox/claim-against-reply-threads", test_claim_against_reply_threads);
#undef ADD

  return g_test_run ();
}
