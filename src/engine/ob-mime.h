/* ob-mime.h: the exact message Outbound sends, and the headers it reads back
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ob_mime_build() gives the bytes to store with the send and to hand to
 * SMTP: CRLF throughout, ending with CRLF (mailsmtp_data_message() adds its
 * own: pass the length minus 2). Message-IDs travel without angle brackets
 * everywhere in this API. Pure functions, any thread. Details in ob-mime.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_MIME_ERROR (ob_mime_error_quark ())

/**
 * ObMimeError:
 * @OB_MIME_ERROR_INVALID_ADDRESS: a From, To or unsubscribe address that is
 *   not a plain addr-spec (local@domain) Outbound can send to.
 * @OB_MIME_ERROR_INVALID_MESSAGE_ID: a Message-ID, In-Reply-To or References
 *   value with spaces, control characters or angle brackets inside, or over
 *   %OB_MIME_MAX_MESSAGE_ID_LENGTH bytes.
 * @OB_MIME_ERROR_PARSE: the headers of an incoming message could not be read
 *   at all.
 */
typedef enum
{
  OB_MIME_ERROR_INVALID_ADDRESS,
  OB_MIME_ERROR_INVALID_MESSAGE_ID,
  OB_MIME_ERROR_PARSE,
} ObMimeError;

#define OB_MIME_MAX_MESSAGE_ID_LENGTH 250

/**
 * ObMimeParams:
 * @from_name: (nullable): the sender's display name
 * @from_addr: the sender's address; its domain also names a generated
 *   Message-ID
 * @to_name: (nullable): the recipient's display name
 * @to_addr: the recipient's address
 * @subject: (nullable): the rendered subject
 * @body_text: (nullable): the rendered plain-text body; LF or CRLF
 * @html: also send a simple HTML version (multipart/alternative)
 * @date: the Date header (the injected clock's "now"); its own UTC offset
 *   is written
 * @message_id: (nullable): the Message-ID to use, with or without angle
 *   brackets; %NULL: a fresh one at @from_addr's domain
 * @in_reply_to: (nullable): for a follow-up in the same thread: the
 *   Message-ID it answers (normally the previous step's)
 * @references: (nullable) (array zero-terminated=1): the thread's earlier
 *   Message-IDs, oldest first
 * @list_unsubscribe: (nullable): the address for List-Unsubscribe's mailto
 *
 * Message-IDs are given and returned without angle brackets
 * ("abc@example.com"), as ob_mime_parse_headers() returns them; the
 * builder adds the brackets. Display names and the subject go through
 * ob_mime_sanitize_header_text() whatever their origin (display names also
 * lose doubled spaces). Domains are written in lower-case ASCII (IDNA).
 */
typedef struct
{
  const char         *from_name;
  const char         *from_addr;
  const char         *to_name;
  const char         *to_addr;
  const char         *subject;
  const char         *body_text;
  gboolean            html;
  GDateTime          *date;
  const char         *message_id;
  const char         *in_reply_to;
  const char * const *references;
  const char         *list_unsubscribe;
} ObMimeParams;

/**
 * ObMimeHeaders:
 * @field_names: every header field name in order, as written
 * @message_id: (nullable): without angle brackets
 * @in_reply_to: (array zero-terminated=1): Message-IDs, never %NULL
 * @references: (array zero-terminated=1): Message-IDs, never %NULL
 * @from_addr: (nullable): the first From address
 * @from_name: (nullable): its display name, decoded to UTF-8
 * @to_addr: (nullable): the first To address
 * @subject: (nullable): decoded to UTF-8 and unfolded
 * @date: (nullable): the Date header, when it could be read
 * @auto_submitted, @precedence, @x_autoreply, @x_autorespond,
 * @list_unsubscribe, @content_type: (nullable): raw values, unfolded
 *
 * Every string is valid UTF-8. Any other field: ob_mime_headers_get().
 */
typedef struct
{
  char      **field_names;
  char       *message_id;
  char      **in_reply_to;
  char      **references;
  char       *from_addr;
  char       *from_name;
  char       *to_addr;
  char       *subject;
  GDateTime  *date;
  char       *auto_submitted;
  char       *precedence;
  char       *x_autoreply;
  char       *x_autorespond;
  char       *list_unsubscribe;
  char       *content_type;

  /*< private >*/
  GPtrArray  *raw_fields; /* name, value, name, value... unfolded */
} ObMimeHeaders;

GQuark         ob_mime_error_quark             (void);

GBytes        *ob_mime_build                   (const ObMimeParams  *params,
                                                char               **out_message_id,
                                                GError             **error);

char          *ob_mime_generate_message_id     (const char          *domain);
char          *ob_mime_reply_subject           (const char          *first_subject);
char          *ob_mime_sanitize_header_text    (const char          *text);

char          *ob_mime_encode_header_text      (const char          *field_name,
                                                const char          *text);
char          *ob_mime_decode_header_text      (const char          *raw);
char          *ob_mime_encode_quoted_printable (const char          *text);

ObMimeHeaders *ob_mime_parse_headers           (GBytes              *message,
                                                GError             **error);
const char    *ob_mime_headers_get             (const ObMimeHeaders *headers,
                                                const char          *name);
void           ob_mime_headers_free            (ObMimeHeaders       *headers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObMimeHeaders, ob_mime_headers_free)

G_END_DECLS
