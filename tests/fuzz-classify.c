/* fuzz-classify.c: libFuzzer target for the reply classifier and the header
 * parser under it
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 picks the lookup (none, "every Message-ID is ours" as
 * `outbound-cli classify` without a store, or a small fake store), the rest
 * is the message. Checked: a verdict or an error, never both; every string
 * of a verdict is valid UTF-8 without control characters; a reply is always
 * tied to something; a return date only comes with an auto-reply; a
 * person's message tied to us says so in its header fields
 * (ob_classify_needs_text); the header parser's own promises (valid UTF-8, non-NULL id lists). The
 * return-date finder also reads the input as text.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I src/engine \
 *     $(pkg-config --cflags gio-2.0 libetpan) src/engine/ob-classify.c \
 *     src/engine/ob-mime.c src/engine/ob-email.c tests/fuzz-classify.c \
 *     $(pkg-config --libs gio-2.0 libetpan) -o fuzz-classify
 *   ./fuzz-classify -max_total_time=60 NEW_CORPUS_DIR tests/data/mail
 *
 * (-I. for a config.h: use a meson build directory's.)
 */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ob-classify.h"
#include "ob-mime.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
all_ours (const char       *message_id,
          ObClassifyTarget *out,
          gpointer          user_data)
{
  g_assert_true (g_utf8_validate (message_id, -1, NULL));
  return TRUE;
}

static gboolean
some_ours (const char       *message_id,
           ObClassifyTarget *out,
           gpointer          user_data)
{
  g_assert_true (g_utf8_validate (message_id, -1, NULL));
  if (strchr (message_id, 'a') == NULL)
    return FALSE;
  out->send_id = 1;
  return TRUE;
}

static gboolean
some_prospect (const char       *key,
               ObClassifyTarget *out,
               gpointer          user_data)
{
  g_assert_nonnull (strchr (key, '@'));
  if (strchr (key, 'b') == NULL)
    return FALSE;
  out->prospect_id = 2;
  return TRUE;
}

static gboolean
some_company (const char       *domain,
              ObClassifyTarget *out,
              gpointer          user_data)
{
  g_assert_null (strchr (domain, '@'));
  if (strchr (domain, 'c') == NULL)
    return FALSE;
  out->prospect_id = 3;
  return TRUE;
}

static gboolean
some_unsubscribe (const char *key,
                  gpointer    user_data)
{
  return strchr (key, 'u') != NULL;
}

static gboolean
some_own (const char *key,
          gpointer    user_data)
{
  return strchr (key, 'o') != NULL && strchr (key, 'l') != NULL;
}

static void
assert_clean (const char *text)
{
  if (text == NULL)
    return;
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const ObClassifyLookup lookups[] = {
    { 0 },
    { .find_sent = all_ours },
    { .find_sent = some_ours, .find_prospect = some_prospect,
      .find_company_prospect = some_company, .is_unsubscribe_address = some_unsubscribe,
      .is_own_address = some_own },
  };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) header_error = NULL;
  g_autoptr(ObClassifyVerdict) v = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 11, 24, 12, 0, 0);
  g_autofree char *text = NULL;
  const ObClassifyLookup *lookup;
  GDate reference;
  GDate out;

  /* Anything the code logs is a bug: make it crash */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (size == 0)
    return 0;
  lookup = data[0] % 4 == 0 ? NULL : &lookups[data[0] % 3];
  data++;
  size--;

  bytes = g_bytes_new_static (data, size);

  headers = ob_mime_parse_headers (bytes, &header_error);
  g_assert_true ((headers != NULL) != (header_error != NULL));
  if (headers != NULL)
    {
      g_assert_nonnull (headers->in_reply_to);
      g_assert_nonnull (headers->references);
      for (guint i = 0; headers->references[i] != NULL; i++)
        g_assert_true (g_utf8_validate (headers->references[i], -1, NULL));
      if (headers->subject != NULL)
        g_assert_true (g_utf8_validate (headers->subject, -1, NULL));
    }

  v = ob_classify_message (bytes, now, lookup, NULL, &error);
  g_assert_true ((v != NULL) != (error != NULL));
  /* Both read the header section the same way */
  g_assert_true ((v != NULL) == (headers != NULL));
  if (v != NULL)
    {
      g_assert_cmpint (v->kind, >=, OB_CLASSIFY_UNRELATED);
      g_assert_cmpint (v->kind, <=, OB_CLASSIFY_UNSUBSCRIBE);
      assert_clean (v->message_id);
      assert_clean (v->address);
      assert_clean (v->reason);
      assert_clean (v->from_addr);
      assert_clean (v->subject);
      assert_clean (v->status);
      assert_clean (v->diagnostic);
      assert_clean (v->snippet);
      if (v->kind == OB_CLASSIFY_REPLY || v->kind == OB_CLASSIFY_COLLEAGUE_REPLY)
        g_assert_cmpint (v->match, !=, OB_CLASSIFY_MATCH_NONE);
      if (v->match == OB_CLASSIFY_MATCH_MESSAGE_ID)
        g_assert_nonnull (v->message_id);
      if (g_date_valid (&v->return_date))
        g_assert_cmpint (v->kind, ==, OB_CLASSIFY_AUTO_REPLY);
      if (lookup == NULL)
        g_assert_cmpint (v->match, ==, OB_CLASSIFY_MATCH_NONE);
      /* What ties a person's message to us is in its header fields: the
       * watcher, which reads the text only when they say so, misses none. */
      if (v->match != OB_CLASSIFY_MATCH_NONE &&
          (v->kind == OB_CLASSIFY_REPLY || v->kind == OB_CLASSIFY_COLLEAGUE_REPLY ||
           v->kind == OB_CLASSIFY_AUTO_REPLY || v->kind == OB_CLASSIFY_UNSUBSCRIBE))
        g_assert_true (ob_classify_needs_text (bytes, lookup, NULL));
    }

  text = g_strndup ((const char *) data, size);
  g_date_clear (&reference, 1);
  g_date_set_dmy (&reference, 24, G_DATE_NOVEMBER, 2026);
  if (ob_classify_find_return_date (text, &reference, &out))
    g_assert_true (g_date_valid (&out));

  return 0;
}
