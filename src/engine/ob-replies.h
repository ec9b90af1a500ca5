/* ob-replies.h: the replies and auto-replies the watcher recorded, and the rep's labels
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

/* The rep's label of a reply, stored as events: 'reply_positive' (the
 * dashboard's "interested"), 'reply_negative', 'reply_later'; the latest
 * wins. */
typedef enum
{
  OB_REPLY_LABEL_NONE,
  OB_REPLY_LABEL_INTERESTED,
  OB_REPLY_LABEL_NOT_INTERESTED,
  OB_REPLY_LABEL_NOT_NOW,
} ObReplyLabel;

typedef struct
{
  gint64        event_id;
  gint64        at;              /* Unix seconds */
  char         *kind;            /* 'replied', 'colleague_replied' or 'auto_replied' */
  gint64        prospect_id;
  gint64        campaign_id;     /* 0 when none */
  gint64        enrollment_id;   /* 0 when none */
  guint         step;            /* the last step sent; 0 when none */
  char         *email;           /* the prospect's address */
  char         *name;            /* first and last name; may be empty */
  char         *campaign;        /* may be empty */
  char         *from;            /* who wrote: a colleague's address differs */
  char         *subject;
  char         *snippet;         /* the opening lines, as the watcher kept them */
  char         *incoming;        /* the incoming Message-ID, without brackets; may be empty */
  char         *return_date;     /* an auto-reply's YYYY-MM-DD; may be empty */
  ObReplyLabel  label;
} ObReply;

#define OB_REPLIES_DEFAULT_LIMIT 500

void          ob_reply_free              (ObReply       *reply);
/* The first non-blank line of @text (trimmed, at most @max_chars characters
 * with an ellipsis), or NULL when there is none. */
char         *ob_reply_first_line        (const char    *text,
                                          guint          max_chars);
const char   *ob_reply_label_to_kind     (ObReplyLabel   label);
/* Where the thread opens in the rep's mail client: the incoming message's
 * mid: URI (RFC 2392), or the prospect's mailto: when it is not known. */
char         *ob_reply_mail_uri          (const ObReply *reply);

/* Threads: the ones that own @store. */

/* The latest @limit replies and auto-replies, newest first: ObReply. */
GPtrArray    *ob_replies_list            (ObStore       *store,
                                          guint          limit,
                                          GError       **error);
/* One reply event, or NULL (and no error) when it is not a reply. */
ObReply      *ob_replies_get             (ObStore       *store,
                                          gint64         event_id,
                                          GError       **error);
/* The prospect's latest reply (not an auto-reply), or NULL. */
ObReply      *ob_replies_latest_for_prospect (ObStore   *store,
                                              gint64     prospect_id,
                                              GError   **error);
/* Records the rep's @label of the reply @event_id's sequence. */
gboolean      ob_replies_set_label       (ObStore       *store,
                                          gint64         event_id,
                                          ObReplyLabel   label,
                                          GError       **error);

/* The list on a GTask worker thread, with that thread's own connection.
 * Any thread that owns a main context. */
void          ob_replies_list_async      (const char          *db_path,
                                          guint                limit,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray    *ob_replies_list_finish     (GAsyncResult        *result,
                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObReply, ob_reply_free)

G_END_DECLS
