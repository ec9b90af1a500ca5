/* ob-email.h: email address syntax, normalisation and free-mail domains
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_EMAIL_ERROR (ob_email_error_quark ())

/**
 * ObEmailError:
 * @OB_EMAIL_ERROR_EMPTY: nothing but white space
 * @OB_EMAIL_ERROR_NO_AT: no "@" separates a local part from a domain
 * @OB_EMAIL_ERROR_LOCAL_PART: the part before the "@" is not a dot-atom or
 *   a quoted string, or is longer than 64 bytes
 * @OB_EMAIL_ERROR_DOMAIN: the domain is not a host name of two labels or
 *   more (letters, digits, hyphens; IDN allowed), or is too long
 * @OB_EMAIL_ERROR_TOO_LONG: the whole address is longer than 254 bytes
 * @OB_EMAIL_ERROR_CHARACTER: a space, control character (CR, LF, NUL...) or
 *   a character no address may hold
 */
typedef enum
{
  OB_EMAIL_ERROR_EMPTY,
  OB_EMAIL_ERROR_NO_AT,
  OB_EMAIL_ERROR_LOCAL_PART,
  OB_EMAIL_ERROR_DOMAIN,
  OB_EMAIL_ERROR_TOO_LONG,
  OB_EMAIL_ERROR_CHARACTER,
} ObEmailError;

#define OB_EMAIL_MAX_LOCAL_PART 64
#define OB_EMAIL_MAX_DOMAIN     255
#define OB_EMAIL_MAX_LENGTH     254

/**
 * ObEmail:
 * @display: the address as typed, without surrounding white space
 * @key: what identifies the mailbox: the local part lower-cased, "@", the
 *   domain in ASCII (punycode) lower case. Two addresses with the same key
 *   are the same prospect.
 * @domain: the domain in ASCII (punycode) lower case
 */
typedef struct
{
  char *display;
  char *key;
  char *domain;
} ObEmail;

GQuark      ob_email_error_quark           (void);

gboolean    ob_email_parse                 (const char  *input,
                                            ObEmail     *out,
                                            GError     **error);
void        ob_email_clear                 (ObEmail     *email);

char       *ob_email_normalize_domain      (const char  *domain,
                                            GError     **error);
gboolean    ob_email_domain_is_free_mail   (const char  *domain);

/* Lower level, for bulk work without allocations (the importer): writes the
 * key into key_out (NUL-terminated, at most OB_EMAIL_MAX_KEY bytes with its
 * NUL) and returns the offset of the domain inside it, or -1 with @error. */
#define OB_EMAIL_MAX_KEY 512
gssize      ob_email_parse_key             (const char  *input,
                                            gsize        len,
                                            char        *key_out,
                                            gsize       *key_len,
                                            gsize       *display_start,
                                            gsize       *display_len,
                                            GError     **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ObEmail, ob_email_clear)

G_END_DECLS
