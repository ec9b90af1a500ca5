/* fuzz-template.c: libFuzzer target for the merge-field compiler and renderer
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 picks options, then the template source up to the first NUL,
 * then values separated by 0x01 bytes (field i of the template gets value
 * i modulo their number; option bit 0 leaves every third one missing).
 * What the API promises is checked: errors carry a span inside the source
 * and a "Line L, column C: " message; field names are canonical; a header
 * render is one trimmed line without any control character; a body render
 * has no CR and no control but TAB and LF; both are valid UTF-8, the same
 * on every render, and the missing count agrees with the missing list;
 * placeholder spans stay inside the text.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I _build -I src/engine \
 *     $(pkg-config --cflags glib-2.0) src/engine/ob-template.c tests/fuzz-template.c \
 *     $(pkg-config --libs glib-2.0) -o fuzz-template
 *   ./fuzz-template -max_total_time=60 NEW_CORPUS_DIR
 */

#include <stdint.h>
#include <string.h>

#include "ob-template.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  GPtrArray  *values;
  GHashTable *assigned; /* canonical name → value, filled in order of first lookup */
  gboolean    leave_gaps;
} Lookup;

static const char *
lookup_value (const char *name,
              gpointer    user_data)
{
  Lookup *lookup = user_data;
  gpointer value;
  guint index;

  g_assert_true (g_utf8_validate (name, -1, NULL));
  if (g_hash_table_lookup_extended (lookup->assigned, name, NULL, &value))
    return value;

  index = g_hash_table_size (lookup->assigned);
  value = NULL;
  if (lookup->values->len > 0 && !(lookup->leave_gaps && index % 3 == 2))
    value = g_ptr_array_index (lookup->values, index % lookup->values->len);
  g_hash_table_insert (lookup->assigned, g_strdup (name), value);

  return value;
}

static void
assert_spans_inside (const char *text)
{
  g_autoptr(GArray) found = ob_template_find_placeholders (text);
  gsize len = strlen (text);
  gsize last_end = 0;

  for (guint i = 0; i < found->len; i++)
    {
      const ObTemplateSpan *span = &g_array_index (found, ObTemplateSpan, i);

      g_assert_cmpuint (span->length, >, 0);
      g_assert_cmpuint (span->offset, >=, last_end);
      g_assert_cmpuint (span->offset + span->length, <=, len);
      g_assert_cmpuint (span->line, >=, 1);
      g_assert_cmpuint (span->column, >=, 1);
      last_end = span->offset + span->length;
    }
}

static void
assert_header_text (const char *text)
{
  gsize len = strlen (text);

  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_true (len == 0 || (text[0] != ' ' && text[len - 1] != ' '));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
                      c == 0x2028 || c == 0x2029);
    }
}

static void
assert_body_text (const char *text)
{
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ||
                      (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029);
    }
}

static void
render_and_check (ObTemplate     *template,
                  ObTemplateMode  mode,
                  Lookup         *lookup)
{
  g_auto(GStrv) missing = NULL;
  g_autofree char *first = NULL;
  g_autoptr(GString) again = g_string_new ("prefix\r\n");
  guint n_missing;

  first = ob_template_render (template, mode, lookup_value, lookup, &missing);
  if (mode == OB_TEMPLATE_MODE_HEADER)
    assert_header_text (first);
  else
    assert_body_text (first);

  n_missing = ob_template_render_append (template, mode, lookup_value, lookup, again);
  g_assert_true (g_str_has_prefix (again->str, "prefix\r\n"));
  g_assert_cmpstr (again->str + strlen ("prefix\r\n"), ==, first);
  g_assert_true ((n_missing == 0) == (missing == NULL));
  if (missing != NULL)
    {
      g_assert_cmpuint (g_strv_length (missing), <=, n_missing);
      for (guint i = 0; missing[i] != NULL; i++)
        g_assert_true (ob_template_uses_field (template, missing[i]));
    }

  assert_spans_inside (first);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(GPtrArray) values = NULL;
  g_autoptr(GPtrArray) custom = NULL;
  g_autoptr(GHashTable) assigned = NULL;
  g_autofree char *normalized = NULL;
  ObTemplateSpan span = { 0 };
  const uint8_t *nul;
  gsize source_len;
  Lookup lookup;
  guint8 options;

  /* Anything the template code logs is a bug: make it crash */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (size == 0)
    return 0;
  options = data[0];
  data++;
  size--;

  nul = memchr (data, 0, size);
  source_len = nul != NULL ? (gsize) (nul - data) : size;
  source = g_strndup ((const char *) data, source_len);

  values = g_ptr_array_new_with_free_func (g_free);
  if (nul != NULL)
    {
      g_autofree char *rest = g_strndup ((const char *) nul + 1, size - source_len - 1);
      g_auto(GStrv) parts = g_strsplit (rest, "\x01", 16);

      for (guint i = 0; parts[i] != NULL; i++)
        g_ptr_array_add (values, g_strdup (parts[i]));
    }

  /* Whatever the bytes, a canonical name is valid UTF-8 with no "_" at an end */
  normalized = ob_template_normalize_field_name (source);
  g_assert_true (g_utf8_validate (normalized, -1, NULL));
  g_assert_true (normalized[0] != '_' &&
                 (normalized[0] == '\0' || normalized[strlen (normalized) - 1] != '_'));

  assert_spans_inside (source);

  template = ob_template_compile (source, &span, &error);
  if (template == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == OB_TEMPLATE_ERROR);
      g_assert_cmpint (error->code, >=, OB_TEMPLATE_ERROR_INVALID_UTF8);
      g_assert_cmpint (error->code, <, OB_TEMPLATE_ERROR_UNKNOWN_FIELD);
      g_assert_true (g_str_has_prefix (error->message, "Line "));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (span.line, >=, 1);
      g_assert_cmpuint (span.column, >=, 1);
      g_assert_cmpuint (span.length, >, 0);
      g_assert_cmpuint (span.offset + span.length, <=, source_len);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (ob_template_get_source (template), ==, source);

  for (const char * const *field = ob_template_get_fields (template); *field != NULL; field++)
    {
      g_autofree char *again = ob_template_normalize_field_name (*field);

      g_assert_cmpstr (again, ==, *field);
      g_assert_cmpstr (*field, !=, "");
    }

  /* The values double as custom field names */
  custom = g_ptr_array_new ();
  for (guint i = 0; i < values->len; i++)
    g_ptr_array_add (custom, g_ptr_array_index (values, i));
  g_ptr_array_add (custom, NULL);
  if (!ob_template_check_fields (template, (const char * const *) custom->pdata, &span, &error))
    {
      g_assert_error (error, OB_TEMPLATE_ERROR, OB_TEMPLATE_ERROR_UNKNOWN_FIELD);
      g_assert_true (g_str_has_prefix (error->message, "Line "));
      g_assert_cmpuint (span.offset + span.length, <=, source_len);
      g_clear_error (&error);
    }

  assigned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lookup.values = values;
  lookup.assigned = assigned;
  lookup.leave_gaps = options & 1;
  render_and_check (template, (options & 2) ? OB_TEMPLATE_MODE_HEADER : OB_TEMPLATE_MODE_BODY,
                    &lookup);
  render_and_check (template, (options & 2) ? OB_TEMPLATE_MODE_BODY : OB_TEMPLATE_MODE_HEADER,
                    &lookup);

  return 0;
}
