/* ob-watcher.h: one thread per account that watches its mailbox for replies, bounces, opt-outs
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

/* What a watcher reports, on the context that created it. The first seven
 * are also the kinds of the events it writes to the store. */
typedef enum
{
  OB_WATCHER_REPLIED,
  OB_WATCHER_COLLEAGUE_REPLIED,
  OB_WATCHER_AUTO_REPLIED,
  OB_WATCHER_BOUNCED,
  OB_WATCHER_SOFT_BOUNCED,
  OB_WATCHER_OPTED_OUT,
  OB_WATCHER_COMPLAINT,
  OB_WATCHER_CAMPAIGN_PAUSED,  /* Bounce Shield, after a bounce */
  OB_WATCHER_WATCHING,         /* connected: detail says IDLE or polling, and the folders */
  OB_WATCHER_ERROR,            /* connection or store failure; wake_at: next try (0: needs the rep) */
} ObWatcherEventKind;

typedef struct
{
  ObWatcherEventKind  kind;
  gint64              account_id;
  gint64              campaign_id;
  gint64              prospect_id;
  gint64              enrollment_id;
  guint               step;
  gint64              wake_at;
  char               *email;        /* the prospect's address */
  char               *message_id;   /* our Message-ID it answers, when known */
  char               *detail;       /* the subject, the bounce status, what went wrong */
  guint               n_fetched;    /* WATCHING: messages caught up with since connecting */
  guint               n_read;       /* WATCHING: of them, read with their text */
} ObWatcherEvent;

typedef void (*ObWatcherEventFunc) (const ObWatcherEvent *event,
                                    gpointer              user_data);

#define OB_TYPE_WATCHER (ob_watcher_get_type ())
G_DECLARE_FINAL_TYPE (ObWatcher, ob_watcher, OB, WATCHER, GObject)

/* Events are delivered on @context (the caller's thread-default when NULL). */
ObWatcher  *ob_watcher_new                  (const char         *db_path,
                                             gint64              account_id,
                                             GMainContext       *context,
                                             ObWatcherEventFunc  func,
                                             gpointer            user_data,
                                             GDestroyNotify      destroy);
gint64      ob_watcher_get_account_id       (ObWatcher          *self);
void        ob_watcher_start                (ObWatcher          *self);
/* Look again now (settings changed, a send needs its Sent copy retried):
 * ends an IDLE or a wait at once. */
void        ob_watcher_wake                 (ObWatcher          *self);
/* Ends the thread at once and waits for it. */
void        ob_watcher_stop                 (ObWatcher          *self);

const char *ob_watcher_event_kind_to_string (ObWatcherEventKind  kind);

/* What the watcher does with one new message, without IMAP (any thread,
 * with its own store): classify it, write its effect and events in one
 * transaction. Returns the events recorded (ObWatcherEvent), or NULL. */
GPtrArray  *ob_watcher_record_message       (ObStore            *store,
                                             gint64              account_id,
                                             GBytes             *message,
                                             GError            **error);

G_END_DECLS
