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
#undef ADD

  return g_test_run ();
}
