/* ob-sender.h: one worker thread per account that sends one message at a time
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-smtp.h"
#include "ob-store.h"

G_BEGIN_DECLS

/* What a sender reports, on the context that created it. */
typedef enum
{
  OB_SENDER_SENT,          /* a message was accepted (250) */
  OB_SENDER_RETRY,         /* 4xx or network: the step waits and tries again */
  OB_SENDER_BOUNCED,       /* 5xx for the recipient: the prospect bounced */
  OB_SENDER_FAILED,        /* another 5xx: the enrollment waits for the rep */
  OB_SENDER_UNCERTAIN,     /* the connection died after the message went: never resent */
  OB_SENDER_HELD,          /* a merge field lost its value: the enrollment waits for the rep */
  OB_SENDER_ACCOUNT_HELD,  /* authentication, TLS or a rate limit: the account stops */
  OB_SENDER_CAMPAIGN_PAUSED, /* Bounce Shield */
  OB_SENDER_WAITING,       /* nothing may go now; wake_at says until when (0: until a change) */
  OB_SENDER_ERROR,         /* the store failed; the sender tries again later */
  OB_SENDER_ACCOUNT_RESUMED, /* its GNOME Online Account is usable again: the account sends */
  OB_SENDER_WITHDRAWN,     /* claimed, then the enrollment stopped (a reply...): nothing went */
} ObSenderEventKind;

typedef struct
{
  ObSenderEventKind  kind;
  gint64             account_id;
  gint64             campaign_id;
  gint64             prospect_id;
  gint64             send_id;
  guint              step;
  gint64             wake_at;
  char              *email;       /* the prospect's address, when about one */
  char              *message_id;
  char              *detail;      /* the server's words, or what went wrong */
} ObSenderEvent;

typedef void (*ObSenderEventFunc) (const ObSenderEvent *event,
                                   gpointer             user_data);

#define OB_TYPE_SENDER (ob_sender_get_type ())
G_DECLARE_FINAL_TYPE (ObSender, ob_sender, OB, SENDER, GObject)

/* The signal "before-send" (ObOutboxSend *send, valid during the
 * emission) is emitted on the sender's own thread after a step is claimed
 * and before the last look at the enrollment and MAIL FROM: the sender
 * waits for its handlers. The tests hold a send there to prove that a
 * reply recorded meanwhile stops it; nothing connects to it otherwise. */

/* Events are delivered on @context (the caller's thread-default when NULL). */
ObSender   *ob_sender_new                   (const char        *db_path,
                                             gint64             account_id,
                                             GMainContext      *context,
                                             ObSenderEventFunc  func,
                                             gpointer           user_data,
                                             GDestroyNotify     destroy);
gint64      ob_sender_get_account_id        (ObSender          *self);
void        ob_sender_start                 (ObSender          *self);
/* Something changed (a campaign started, prospects were enrolled, a reply
 * was recorded): look again now instead of at the planned time. */
void        ob_sender_wake                  (ObSender          *self);
/* An Online Account changed: an account GOA held is checked again now. */
void        ob_sender_recheck_goa           (ObSender          *self);
/* Stops the thread: a wait ends at once; a transaction in progress is cut
 * off (what was handed to the server becomes 'uncertain' at next start,
 * what was not is tried again). Blocks until the thread has ended. */
void        ob_sender_stop                  (ObSender          *self);

const char *ob_sender_event_kind_to_string  (ObSenderEventKind  kind);

/* The connection every message of an account goes through (blocking). */
ObSmtpConnection *ob_sender_open_smtp       (ObStore           *store,
                                             gint64             account_id,
                                             GCancellable      *cancellable,
                                             GError           **error);
/* "Send test to me" (blocking); returns the address it went to. */
char       *ob_sender_send_test             (const char        *db_path,
                                             gint64             campaign_id,
                                             guint              step,
                                             gint64             prospect_id,
                                             GCancellable      *cancellable,
                                             GError           **error);

G_END_DECLS
