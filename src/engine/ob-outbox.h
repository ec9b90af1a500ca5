/* ob-outbox.h: the durable record of every send, so a step goes at most once
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-schedule.h"
#include "ob-store.h"

G_BEGIN_DECLS

/* One message on its way: what the sender hands to SMTP. */
typedef struct
{
  gint64  send_id;
  gint64  enrollment_id;
  gint64  campaign_id;
  gint64  prospect_id;
  gint64  account_id;
  guint   step;
  guint   attempts;       /* this one included */
  char   *message_id;     /* without angle brackets */
  char   *subject;        /* as rendered: the thread's subject for step 1 */
  char   *from;           /* envelope sender: the account's address */
  char   *to;             /* envelope recipient: the prospect's address */
  GBytes *message;        /* the exact bytes, as stored with the send */
} ObOutboxSend;

/* What a claim found when the step must not go any more. */
typedef enum
{
  OB_OUTBOX_CLAIMED,
  OB_OUTBOX_SKIP_GONE,          /* enrollment, campaign or prospect no longer sendable */
  OB_OUTBOX_SKIP_HELD,          /* a merge field lost its value: the enrollment is paused for the rep */
} ObOutboxClaim;

void          ob_outbox_send_free      (ObOutboxSend               *send);

/* At start-up: sends a dead process left 'sending' become 'uncertain' (never
 * resent by themselves). Returns how many, or -1 with @error. */
gint64        ob_outbox_recover        (ObStore                    *store,
                                        GError                    **error);

/* Checks @decision again at the last moment (enrollment active at that step,
 * campaign running on @account_id, prospect active and not blocked, nothing
 * sent for the step) and records the message as 'sending' durably, in one
 * transaction, before anything reaches the server. Returns the send, or NULL
 * with *out_claim saying why not (and no error). */
ObOutboxSend *ob_outbox_claim          (ObStore                    *store,
                                        gint64                      account_id,
                                        const ObScheduleDecision   *decision,
                                        GDateTime                  *now,
                                        ObOutboxClaim              *out_claim,
                                        GError                    **error);

/* The last look before MAIL FROM, after the claim: when the enrollment
 * stopped meanwhile (a reply, a bounce or an opt-out recorded by the
 * watcher, the campaign paused, the address blocked), the 'sending' row is
 * taken back in one transaction with a 'withdrawn' event: a first attempt
 * leaves no row, a retry is 'retry' again. *out_withdrawn says whether it
 * was; then nothing may go. */
gboolean      ob_outbox_withdraw_if_stopped (ObStore               *store,
                                             const ObOutboxSend    *send,
                                             gboolean              *out_withdrawn,
                                             GError               **error);

/* ob_outbox_claim() committed lazily: nothing of it may reach the server
 * before ob_store_sync_wal() has returned after this. For a sender that
 * waits for the disk while the message before is still with the server. */
ObOutboxSend *ob_outbox_claim_lazily   (ObStore                    *store,
                                        gint64                      account_id,
                                        const ObScheduleDecision   *decision,
                                        GDateTime                  *now,
                                        ObOutboxClaim              *out_claim,
                                        GError                    **error);

/* A claimed send that never reached the server (not even MAIL FROM) and
 * must not go now: as if it had not been claimed. A first attempt's row is
 * removed; a retry's is a retry again, due at @retry_at, its attempt not
 * counted. */
gboolean      ob_outbox_release_claim  (ObStore                    *store,
                                        const ObOutboxSend         *send,
                                        gint64                      retry_at,
                                        GError                    **error);

/* Right after the server's 250 to DATA: the send is 'sent', the enrollment
 * moves to its next step (due after that step's delay, in the window's
 * zone) or finishes, an event says so. */
gboolean      ob_outbox_mark_sent      (ObStore                    *store,
                                        const ObOutboxSend         *send,
                                        int                         smtp_code,
                                        const char                 *smtp_text,
                                        gint64                      sent_at,
                                        GError                    **error);
/* A 4xx or a network failure: the enrollment keeps its place; the step is
 * tried again from @retry_at. */
gboolean      ob_outbox_mark_retry     (ObStore                    *store,
                                        const ObOutboxSend         *send,
                                        int                         smtp_code,
                                        const char                 *smtp_text,
                                        gint64                      retry_at,
                                        GError                    **error);
/* The connection died after the whole message went and before the server
 * answered: it may have been accepted. 'uncertain', never resent by itself. */
gboolean      ob_outbox_mark_uncertain (ObStore                    *store,
                                        const ObOutboxSend         *send,
                                        const char                 *reason,
                                        GError                    **error);
/* A 5xx: 'failed'. A refused recipient bounces the enrollment and the
 * prospect; anything else holds the enrollment for the rep. */
gboolean      ob_outbox_mark_failed    (ObStore                    *store,
                                        const ObOutboxSend         *send,
                                        int                         smtp_code,
                                        const char                 *smtp_text,
                                        gboolean                    recipient_refused,
                                        GError                     **error);
/* Bounce Shield: pauses a running campaign whose hard bounces over the last
 * 28 days pass its threshold, once it has at least 20 sends in that time.
 * Returns TRUE when it paused the campaign. */
gboolean      ob_outbox_bounce_shield  (ObStore                    *store,
                                        gint64                      campaign_id,
                                        gint64                      now,
                                        GError                    **error);

/* What a soft bounce did (ob_outbox_soft_bounce). */
typedef enum
{
  OB_OUTBOX_SOFT_NOTHING,       /* the enrollment is over, or the step was already put back */
  OB_OUTBOX_SOFT_RETRY,         /* the step goes again from retry_at, same Message-ID */
  OB_OUTBOX_SOFT_BOUNCED,       /* the 3rd soft bounce: enrollment and prospect 'bounced' */
} ObOutboxSoftBounce;

#define OB_OUTBOX_SOFT_BOUNCE_LIMIT 3

/* A soft bounce (4.x.x DSN) of @send_id (0: the enrollment's last sent
 * step) in @enrollment_id, whose 'soft_bounced' event the caller has
 * already recorded. The server did not deliver, so a 'sent' send becomes
 * 'retry' from @retry_at and the enrollment goes back to that step, unless
 * a later step went already; only a 'sent' send flips, so a step is put
 * back at most once per send. When the enrollment has
 * OB_OUTBOX_SOFT_BOUNCE_LIMIT soft bounces it becomes 'bounced' (the
 * prospect too); the caller records the 'bounced' event. Call it inside the
 * caller's transaction. */
gboolean      ob_outbox_soft_bounce    (ObStore                    *store,
                                        gint64                      enrollment_id,
                                        gint64                      send_id,
                                        gint64                      retry_at,
                                        ObOutboxSoftBounce         *out_result,
                                        GError                    **error);

/* The rep's answer about an 'uncertain' send: it did go (the sequence moves
 * on), or it did not (the step may be sent again). */
gboolean      ob_outbox_resolve_uncertain (ObStore                 *store,
                                           gint64                   send_id,
                                           gboolean                 was_sent,
                                           GError                 **error);

/* Sends waiting for the rep's answer, oldest first; @campaign_id 0 for all. */
typedef struct
{
  gint64  send_id;
  gint64  campaign_id;
  guint   step;
  gint64  at;          /* when it was handed to the server */
  char   *email;
  char   *campaign;
} ObOutboxUncertain;

GArray       *ob_outbox_list_uncertain (ObStore                    *store,
                                        gint64                      campaign_id,
                                        GError                    **error);

/* The account stops sending: 'error' (needs the rep: authentication, TLS)
 * or 'throttled' until @until (a provider's rate limit). */
gboolean      ob_outbox_hold_account   (ObStore                    *store,
                                        gint64                      account_id,
                                        const char                 *state,
                                        const char                 *reason,
                                        gint64                      until,
                                        GError                    **error);

/* A small JSON object {"key": "value", ...} for events.detail. */
char         *ob_outbox_event_detail   (const char                 *first_key,
                                        ...) G_GNUC_NULL_TERMINATED;
gboolean      ob_outbox_add_event      (ObStore                    *store,
                                        const char                 *kind,
                                        gint64                      account_id,
                                        gint64                      campaign_id,
                                        gint64                      prospect_id,
                                        gint64                      enrollment_id,
                                        gint64                      send_id,
                                        guint                       step,
                                        const char                 *detail,
                                        GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObOutboxSend, ob_outbox_send_free)

G_END_DECLS
