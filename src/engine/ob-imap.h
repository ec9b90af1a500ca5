/* ob-imap.h: one IMAP connection to the rep's mailbox, blocking, read-only but for APPEND
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thin wrapper over libetpan's IMAP client, on top of ob-tls: open
 * (implicit TLS, or STARTTLS required and verified before LOGIN, or
 * plaintext only for an account set 'insecure'), LOGIN or XOAUTH2,
 * CAPABILITY, LIST (special-use), EXAMINE/SELECT, UID SEARCH, UID FETCH
 * of header fields and a bounded first part of the text (always PEEK),
 * APPEND, IDLE/DONE, NOOP, LOGOUT. It never stores flags, moves, copies or
 * expunges anything. One thread uses a connection at a time;
 * ob_imap_connection_interrupt() and ob_imap_connection_cancel() may be
 * called from any thread. See ob-imap.c.
 */
#pragma once

#include <gio/gio.h>

#include "ob-accounts.h"
#include "ob-store.h"
#include "ob-tls.h"

G_BEGIN_DECLS

#define OB_IMAP_ERROR (ob_imap_error_quark ())

/**
 * ObImapError:
 * @OB_IMAP_ERROR_TRANSIENT: try again later: the network (DNS, refused,
 *   timeout, connection lost) or the server said BYE or NO [UNAVAILABLE].
 * @OB_IMAP_ERROR_AUTH: the login or password (or token) was refused.
 * @OB_IMAP_ERROR_TLS: the certificate was refused, the CA file is unusable,
 *   STARTTLS is missing, or the handshake failed: needs the user.
 * @OB_IMAP_ERROR_PROTOCOL: the server said something that makes no sense,
 *   or refused a command (the message has its words).
 * @OB_IMAP_ERROR_NO_SENT_FOLDER: no folder is marked \Sent and none has a
 *   usual Sent name: set the account's Sent folder.
 * @OB_IMAP_ERROR_NO_FOLDER: the folder named does not exist.
 * @OB_IMAP_ERROR_CANCELLED: ob_imap_connection_cancel() or the GCancellable
 *   ended the call; the connection is closed.
 */
typedef enum
{
  OB_IMAP_ERROR_TRANSIENT,
  OB_IMAP_ERROR_AUTH,
  OB_IMAP_ERROR_TLS,
  OB_IMAP_ERROR_PROTOCOL,
  OB_IMAP_ERROR_NO_SENT_FOLDER,
  OB_IMAP_ERROR_NO_FOLDER,
  OB_IMAP_ERROR_CANCELLED,
} ObImapError;

/* What a folder is, from EXAMINE or SELECT. */
typedef struct
{
  guint32 uidvalidity;
  guint32 uidnext;
  guint32 exists;
} ObImapFolderInfo;

/**
 * ObImapMessage:
 * @uid: its UID in the folder examined
 * @headers: the header fields asked for, as the server sent them (CRLF,
 *   ending with an empty line)
 * @text: (nullable): the first bytes of the body, when asked for
 * @seen: \Seen was set on it (as it was: nothing here sets it)
 *
 * What a UID FETCH returned for one message. ob_imap_message_dup_bytes()
 * gives headers + text as one message for a parser.
 */
typedef struct
{
  guint32  uid;
  GBytes  *headers;
  GBytes  *text;
  gboolean seen;
} ObImapMessage;

/* How ob_imap_connection_idle() ended. */
typedef enum
{
  OB_IMAP_IDLE_TIMEOUT,      /* the time asked for passed: re-IDLE */
  OB_IMAP_IDLE_ACTIVITY,     /* the server said something (EXISTS...) */
  OB_IMAP_IDLE_INTERRUPTED,  /* ob_imap_connection_interrupt() */
} ObImapIdleResult;

/* The header fields the watcher and the classifier read. */
extern const char * const ob_imap_watch_headers[];

#define OB_TYPE_IMAP_CONNECTION (ob_imap_connection_get_type ())
G_DECLARE_FINAL_TYPE (ObImapConnection, ob_imap_connection, OB, IMAP_CONNECTION, GObject)

GQuark            ob_imap_error_quark                (void);

ObImapConnection *ob_imap_connection_new             (void);

gboolean          ob_imap_connection_open            (ObImapConnection     *self,
                                                      const ObTlsEndpoint  *endpoint,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
gboolean          ob_imap_connection_login           (ObImapConnection     *self,
                                                      const char           *user,
                                                      const char           *password,
                                                      GError              **error);
gboolean          ob_imap_connection_login_xoauth2   (ObImapConnection     *self,
                                                      const char           *user,
                                                      const char           *access_token,
                                                      GError              **error);
gboolean          ob_imap_connection_has_capability  (ObImapConnection     *self,
                                                      const char           *name);
gboolean          ob_imap_connection_refresh_capabilities (ObImapConnection *self,
                                                      GError              **error);
char             *ob_imap_connection_find_sent       (ObImapConnection     *self,
                                                      GError              **error);
gboolean          ob_imap_connection_examine         (ObImapConnection     *self,
                                                      const char           *folder,
                                                      ObImapFolderInfo     *info,
                                                      GError              **error);
gboolean          ob_imap_connection_select          (ObImapConnection     *self,
                                                      const char           *folder,
                                                      ObImapFolderInfo     *info,
                                                      GError              **error);
GArray           *ob_imap_connection_search_uids     (ObImapConnection     *self,
                                                      guint32               first_uid,
                                                      GError              **error);
GArray           *ob_imap_connection_search_since    (ObImapConnection     *self,
                                                      GDateTime            *since,
                                                      GError              **error);
GPtrArray        *ob_imap_connection_fetch           (ObImapConnection     *self,
                                                      const guint32        *uids,
                                                      guint                 n_uids,
                                                      const char * const   *header_fields,
                                                      gsize                 text_bytes,
                                                      GError              **error);
gboolean          ob_imap_connection_append          (ObImapConnection     *self,
                                                      const char           *folder,
                                                      GBytes               *message,
                                                      gboolean              seen,
                                                      GError              **error);
ObImapIdleResult  ob_imap_connection_idle            (ObImapConnection     *self,
                                                      guint                 seconds,
                                                      GError              **error);
gboolean          ob_imap_connection_noop            (ObImapConnection     *self,
                                                      GError              **error);
void              ob_imap_connection_logout          (ObImapConnection     *self);
void              ob_imap_connection_close           (ObImapConnection     *self);
void              ob_imap_connection_interrupt       (ObImapConnection     *self);
void              ob_imap_connection_cancel          (ObImapConnection     *self);

gboolean          ob_imap_connection_is_open         (ObImapConnection     *self);
const ObTlsCertificate *ob_imap_connection_get_peer_certificate (ObImapConnection *self);

/* Opens and logs in as @account says (password read from the keyring just
 * before); for the sender's Sent copies, the watcher and the account test. */
ObImapConnection *ob_imap_connect_account            (const ObAccount      *account,
                                                      guint                 timeout_seconds,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

GBytes           *ob_imap_message_dup_bytes          (const ObImapMessage  *message);
void              ob_imap_message_free               (ObImapMessage        *message);

/* ---- Sent copies (issue 5) -------------------------------------------------
 *
 * After a send is recorded 'sent', the sender calls ob_imap_append_sent():
 * unless the account has no IMAP side or its provider files sent mail
 * itself, the exact stored bytes go to the Sent folder (\Seen) over a
 * connection the ObImapSentCopy keeps open. sends.sent_copy says what is
 * left: 'pending' while it goes, 'done', or 'failed' with an event
 * sent_copy_failed; ob_imap_retry_sent_copies() (the watcher) sends the
 * failed ones again later. After a failure the copier waits a few minutes
 * before it connects again, so a dead IMAP server costs the next SMTP send
 * at most one short timeout. Thread: the one that owns @store. */
typedef struct _ObImapSentCopy ObImapSentCopy;

ObImapSentCopy   *ob_imap_sent_copy_new              (gint64                account_id);
void              ob_imap_sent_copy_free             (ObImapSentCopy       *copy);
gboolean          ob_imap_append_sent                (ObImapSentCopy       *copy,
                                                      ObStore              *store,
                                                      gint64                send_id,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
guint             ob_imap_retry_sent_copies          (ObImapSentCopy       *copy,
                                                      ObStore              *store,
                                                      guint                 limit,
                                                      gint64                failed_before,
                                                      GCancellable         *cancellable);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObImapMessage, ob_imap_message_free)

G_END_DECLS
