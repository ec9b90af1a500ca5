/* ob-classify.h: what an incoming message is (reply, auto-reply, bounce...)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One pure function from a message's bytes and a lookup of what Outbound
 * sent to a verdict. No store, no network, no threads of its own: the
 * lookup callbacks run on the caller's thread, synchronously, and are the
 * only way the classifier learns about Outbound's data. Message-IDs are
 * without angle brackets everywhere, as ob-mime.h has them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Of the body, only this much is read (headers are read whole). */
#define OB_CLASSIFY_MAX_BODY (64 * 1024)

/**
 * ObClassifyKind:
 * @OB_CLASSIFY_UNRELATED: nothing Outbound acts on
 * @OB_CLASSIFY_REPLY: a person answered one of our messages (In-Reply-To or
 *   References name one of our Message-IDs, or From is an active prospect)
 * @OB_CLASSIFY_COLLEAGUE_REPLY: From is not a prospect but shares a
 *   prospect's company domain (never a free-mail domain)
 * @OB_CLASSIFY_AUTO_REPLY: out-of-office and other automatic answers
 * @OB_CLASSIFY_BOUNCE_HARD: permanent delivery failure (5.x.x)
 * @OB_CLASSIFY_BOUNCE_SOFT: temporary failure or delay (4.x.x, Action: delayed)
 * @OB_CLASSIFY_COMPLAINT: an abuse feedback report (ARF, RFC 5965)
 * @OB_CLASSIFY_UNSUBSCRIBE: the sender asks to be removed
 *
 * The order of the checks, first match wins: complaint, bounce, auto-reply,
 * unsubscribe, reply, colleague reply, unrelated. So a bounce or an
 * out-of-office that quotes our Message-ID is never a reply, and "please
 * remove me" in a reply is an unsubscribe.
 */
typedef enum
{
  OB_CLASSIFY_UNRELATED,
  OB_CLASSIFY_REPLY,
  OB_CLASSIFY_COLLEAGUE_REPLY,
  OB_CLASSIFY_AUTO_REPLY,
  OB_CLASSIFY_BOUNCE_HARD,
  OB_CLASSIFY_BOUNCE_SOFT,
  OB_CLASSIFY_COMPLAINT,
  OB_CLASSIFY_UNSUBSCRIBE,
} ObClassifyKind;

/**
 * ObClassifyMatch:
 * @OB_CLASSIFY_MATCH_NONE: not tied to anything Outbound sent
 * @OB_CLASSIFY_MATCH_MESSAGE_ID: one of our Message-IDs (In-Reply-To,
 *   References, or the returned message quoted by a bounce or report)
 * @OB_CLASSIFY_MATCH_RECIPIENT: the address a bounce or a complaint is
 *   about is a prospect
 * @OB_CLASSIFY_MATCH_FROM: From is an active prospect
 * @OB_CLASSIFY_MATCH_COMPANY_DOMAIN: From's domain is a prospect's company
 *   domain
 * @OB_CLASSIFY_MATCH_UNSUBSCRIBE_ADDRESS: sent to our List-Unsubscribe
 *   mailto address
 */
typedef enum
{
  OB_CLASSIFY_MATCH_NONE,
  OB_CLASSIFY_MATCH_MESSAGE_ID,
  OB_CLASSIFY_MATCH_RECIPIENT,
  OB_CLASSIFY_MATCH_FROM,
  OB_CLASSIFY_MATCH_COMPANY_DOMAIN,
  OB_CLASSIFY_MATCH_UNSUBSCRIBE_ADDRESS,
} ObClassifyMatch;

/**
 * ObClassifyTarget:
 * @send_id, @enrollment_id, @prospect_id: rows of the store; 0 when the
 *   lookup did not say (a lookup may answer "ours" without ids)
 */
typedef struct
{
  gint64 send_id;
  gint64 enrollment_id;
  gint64 prospect_id;
} ObClassifyTarget;

/**
 * ObClassifyLookup:
 * @find_sent: (nullable): is @message_id one of ours? Fills @out and
 *   returns %TRUE when it is. %NULL: none is.
 * @find_prospect: (nullable): is @email_key (lower-case local part, "@",
 *   ASCII domain) a prospect of this account (ob-classify-store.c: enrolled
 *   in one of its campaigns, active ones first)? %NULL: none is.
 * @find_company_prospect: (nullable): does a prospect of this account have
 *   an address at @domain (ASCII, lower case)? Fills @out with one of them.
 *   Only asked for domains that are not free-mail.
 * @is_free_mail: (nullable): is @domain a public mailbox provider? %NULL:
 *   ob_email_domain_is_free_mail().
 * @is_unsubscribe_address: (nullable): is @email_key the address of our
 *   List-Unsubscribe mailto? %NULL: none is (a message whose whole subject
 *   is "unsubscribe" still counts, as mail clients send it).
 * @is_own_address: (nullable): is @email_key the account's own address? A
 *   message from it (a copy of our own mail, a note to self) is unrelated
 *   whatever it quotes. %NULL: none is.
 *
 * Every callback gets the @user_data given to ob_classify_message().
 */
typedef struct
{
  gboolean (*find_sent)              (const char       *message_id,
                                      ObClassifyTarget *out,
                                      gpointer          user_data);
  gboolean (*find_prospect)          (const char       *email_key,
                                      ObClassifyTarget *out,
                                      gpointer          user_data);
  gboolean (*find_company_prospect)  (const char       *domain,
                                      ObClassifyTarget *out,
                                      gpointer          user_data);
  gboolean (*is_free_mail)           (const char       *domain,
                                      gpointer          user_data);
  gboolean (*is_unsubscribe_address) (const char       *email_key,
                                      gpointer          user_data);
  gboolean (*is_own_address)         (const char       *email_key,
                                      gpointer          user_data);
} ObClassifyLookup;

/**
 * ObClassifyVerdict:
 * @kind: what the message is
 * @match: how it was tied to what Outbound sent
 * @target: the rows the lookup named for that match
 * @message_id: (nullable): our Message-ID it names (replies, auto-replies,
 *   bounces and complaints quoting it)
 * @address: (nullable): the address concerned: the recipient that bounced
 *   or complained, else the From address (lower-case key form)
 * @reason: why, in a few words of English for logs and --json (not
 *   translated, not stable: "dsn", "exim", "auto-submitted", "subject"...)
 * @from_addr: (nullable): From, as written
 * @subject: (nullable): decoded
 * @status: (nullable): a bounce's enhanced status code, "5.1.1"
 * @diagnostic: (nullable): a bounce's diagnostic text (the server's words,
 *   one line, control characters removed), or a complaint's feedback type
 * @return_date: an auto-reply's return date when one is written;
 *   g_date_valid() says whether there is one
 * @snippet: the first lines of the new text (quoted text left out), at
 *   most ~300 characters, for the Replies page
 */
typedef struct
{
  ObClassifyKind    kind;
  ObClassifyMatch   match;
  ObClassifyTarget  target;
  char             *message_id;
  char             *address;
  char             *reason;
  char             *from_addr;
  char             *subject;
  char             *status;
  char             *diagnostic;
  GDate             return_date;
  char             *snippet;
} ObClassifyVerdict;

const char        *ob_classify_kind_to_string   (ObClassifyKind           kind);
const char        *ob_classify_match_to_string  (ObClassifyMatch          match);

ObClassifyVerdict *ob_classify_message          (GBytes                  *message,
                                                 GDateTime               *now,
                                                 const ObClassifyLookup  *lookup,
                                                 gpointer                 user_data,
                                                 GError                 **error);

gboolean           ob_classify_needs_text       (GBytes                  *headers,
                                                 const ObClassifyLookup  *lookup,
                                                 gpointer                 user_data);

gboolean           ob_classify_find_return_date (const char              *text,
                                                 const GDate             *reference,
                                                 GDate                   *out);

void               ob_classify_verdict_free     (ObClassifyVerdict       *verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObClassifyVerdict, ob_classify_verdict_free)

G_END_DECLS
