/* ob-template.c: merge fields in subjects and bodies
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObTemplate is immutable once compiled and its reference count
 * is atomic, so one template may be rendered from any number of threads at
 * once (the sender renders while the UI previews). No function keeps global
 * state.
 *
 * Syntax:
 *   {{name}}            the value, or nothing (and the field is reported
 *                       missing) when the value is missing or blank
 *   {{name|fallback}}   the value, or the fallback text (which may be empty:
 *                       {{name|}} is "empty on purpose", never missing)
 *   \{{  \}}            literal {{ and }}; after \{{ the next }} on the same
 *                       line is text too, so \{{first_name}} shows as typed
 * Space and TAB are allowed around the name and the fallback. A field does
 * not span lines and holds no "{". Names are letters, digits, "_", "-" and
 * "." and compare the way ob_template_normalize_field_name() says: case, and
 * "-", "." or "__" against "_", do not matter. A single "{" or "}" is text.
 *
 * Compiling does the parsing once: a template is a list of segments (literal
 * text, or a field index plus its fallback), so rendering is a loop of
 * appends and one linear clean-up pass, without any regex or allocation
 * besides the output and derived values' scratch space.
 *
 * Derived built-ins: when the lookup has no full_name, it is first_name and
 * last_name joined by a space; domain falls back to the part of email after
 * the "@"; my_name to my_first_name and my_last_name.
 */

#define G_LOG_DOMAIN "ob-template"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-template.h"

#define NO_FIELD G_MAXUINT
#define MAX_SUGGESTED_NAME 64

typedef enum
{
  DERIVE_NONE,
  DERIVE_FULL_NAME,
  DERIVE_MY_NAME,
  DERIVE_DOMAIN,
} Derivation;

typedef struct
{
  guint    field;          /* index in fields, or NO_FIELD for literal text */
  gboolean has_fallback;
  gsize    text_offset;    /* in pool: the literal text, or the fallback */
  gsize    text_len;
  gsize    source_offset;  /* the whole "{{...}}", for messages */
  gsize    source_length;
  gsize    name_offset;    /* the name as written */
  gsize    name_length;
} Segment;

struct _ObTemplate
{
  gatomicrefcount  ref_count;
  char            *source;
  char            *pool;         /* literal texts and fallbacks, unescaped */
  GArray          *segments;     /* of Segment */
  GPtrArray       *fields;       /* canonical names in order of first use, NULL-terminated */
  Derivation      *derivations;  /* one per field */
  gsize            size_hint;    /* literal bytes: a first guess for the output size */
};

static const char * const builtin_fields[] = {
  "email",
  "first_name",
  "last_name",
  "full_name",
  "company",
  "title",
  "timezone",
  "domain",
  "my_first_name",
  "my_last_name",
  "my_name",
  "my_email",
  "my_company",
  "my_signature",
  NULL
};

G_DEFINE_QUARK (ob-template-error-quark, ob_template_error)

/* ---- Spans and errors ---------------------------------------------------- */

static ObTemplateSpan
span_at (const char *text,
         gsize       offset,
         gsize       length)
{
  ObTemplateSpan span = { offset, length, 1, 1 };
  const char *p = text;
  const char *end = text + offset;

  /* CRLF, CR and LF each end a line; the column counts characters. */
  while (p < end)
    {
      if (*p == '\r' || *p == '\n')
        {
          if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
          span.line++;
          span.column = 1;
          p++;
        }
      else
        {
          /* Skip UTF-8 continuation bytes without trusting the text. */
          p++;
          while (p < end && ((guchar) *p & 0xc0) == 0x80)
            p++;
          span.column++;
        }
    }

  return span;
}

G_GNUC_PRINTF (7, 8)
static void
set_error (GError        **error,
           ObTemplateSpan *out_span,
           ObTemplateError code,
           const char     *source,
           gsize           offset,
           gsize           length,
           const char     *format,
           ...)
{
  ObTemplateSpan span = span_at (source, offset, length);
  g_autofree char *detail = NULL;
  va_list args;

  if (out_span != NULL)
    *out_span = span;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, OB_TEMPLATE_ERROR, code, _("Line %u, column %u: %s"),
               span.line, span.column, detail);
}

/* ---- Names --------------------------------------------------------------- */

static gboolean
is_name_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c) || c == '_' || c == '-' || c == '.';
}

/**
 * ob_template_normalize_field_name:
 * @name: a merge field name as written, or a CSV column name
 *
 * The key under which a field is looked up: NFKC, case-folded, every run of
 * characters other than letters, digits and combining marks turned into one
 * "_", with no "_" at either end. "First Name", "first-name" and
 * "FIRST_NAME" all give "first_name". Custom fields must be stored (or at
 * least looked up) under this key.
 *
 * Returns: (transfer full): the key; "" when nothing is left.
 */
char *
ob_template_normalize_field_name (const char *name)
{
  g_autofree char *valid = NULL;
  g_autofree char *composed = NULL;
  g_autofree char *folded = NULL;
  GString *out;
  gboolean pending_separator = FALSE;

  g_return_val_if_fail (name != NULL, NULL);

  valid = g_utf8_make_valid (name, -1);
  composed = g_utf8_normalize (valid, -1, G_NORMALIZE_ALL_COMPOSE);
  folded = g_utf8_casefold (composed, -1);
  out = g_string_sized_new (strlen (folded));

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || g_unichar_ismark (c))
        {
          if (pending_separator && out->len > 0)
            g_string_append_c (out, '_');
          pending_separator = FALSE;
          g_string_append_unichar (out, c);
        }
      else
        {
          pending_separator = TRUE;
        }
    }

  return g_string_free (out, FALSE);
}

const char * const *
ob_template_get_builtin_fields (void)
{
  return builtin_fields;
}

/* @name must be canonical. */
gboolean
ob_template_is_builtin_field (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; builtin_fields[i] != NULL; i++)
    if (strcmp (builtin_fields[i], name) == 0)
      return TRUE;

  return FALSE;
}

static Derivation
derivation_for (const char *name)
{
  if (strcmp (name, "full_name") == 0)
    return DERIVE_FULL_NAME;
  if (strcmp (name, "my_name") == 0)
    return DERIVE_MY_NAME;
  if (strcmp (name, "domain") == 0)
    return DERIVE_DOMAIN;
  return DERIVE_NONE;
}

/* ---- Compiling ----------------------------------------------------------- */

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static void
template_free (ObTemplate *self)
{
  g_free (self->source);
  g_free (self->pool);
  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_free (self->derivations);
  g_free (self);
}

static void
add_text_segment (GArray  *segments,
                  GString *pool,
                  gsize    text_start)
{
  Segment segment = { NO_FIELD, FALSE, text_start, pool->len - text_start, 0, 0, 0, 0 };

  if (segment.text_len > 0)
    g_array_append_val (segments, segment);
}

/* Parses the field that opens at @open ("{{"); returns the offset after its
 * "}}", or 0 with @error set. */
static gsize
parse_field (ObTemplate     *self,
             GHashTable     *field_index,
             GString        *pool,
             gsize           open,
             ObTemplateSpan *out_span,
             GError        **error)
{
  const char *s = self->source;
  gsize close = open + 2;
  gsize bar = 0;
  gsize name_start, name_end, fallback_start = 0, fallback_end = 0;
  g_autofree char *written = NULL;
  g_autofree char *canonical = NULL;
  Segment segment = { 0 };
  gpointer index;

  for (;; close++)
    {
      char c = s[close];

      if (c == '\0' || c == '\n' || c == '\r')
        {
          set_error (error, out_span, OB_TEMPLATE_ERROR_UNBALANCED,
                     s, open, 2,
                     _("“{{” has no matching “}}” on the same line"));
          return 0;
        }
      if (c == '}' && s[close + 1] == '}')
        break;
      if (c == '{')
        {
          set_error (error, out_span, OB_TEMPLATE_ERROR_NESTED,
                     s, close, s[close + 1] == '{' ? 2 : 1,
                     _("A merge field cannot hold “{”: merge fields cannot be nested, "
                       "and each “{{” needs its “}}” first"));
          return 0;
        }
      if (c == '|' && bar == 0)
        bar = close;
    }

  name_start = open + 2;
  name_end = bar != 0 ? bar : close;
  while (name_start < name_end && is_blank (s[name_start]))
    name_start++;
  while (name_end > name_start && is_blank (s[name_end - 1]))
    name_end--;

  if (name_start == name_end)
    {
      g_autofree char *whole = g_strndup (s + open, close + 2 - open);

      set_error (error, out_span, OB_TEMPLATE_ERROR_EMPTY_NAME,
                 s, open, close + 2 - open,
                 _("The merge field “%s” has no name"), whole);
      return 0;
    }

  written = g_strndup (s + name_start, name_end - name_start);
  for (const char *p = written; *p != '\0'; p = g_utf8_next_char (p))
    if (!is_name_char (g_utf8_get_char (p)))
      {
        set_error (error, out_span, OB_TEMPLATE_ERROR_INVALID_NAME,
                   s, name_start, name_end - name_start,
                   _("Invalid merge field name “%s”: use letters, digits and “_”"), written);
        return 0;
      }

  canonical = ob_template_normalize_field_name (written);
  if (canonical[0] == '\0')
    {
      set_error (error, out_span, OB_TEMPLATE_ERROR_INVALID_NAME,
                 s, name_start, name_end - name_start,
                 _("Invalid merge field name “%s”: use letters, digits and “_”"), written);
      return 0;
    }

  if (!g_hash_table_lookup_extended (field_index, canonical, NULL, &index))
    {
      index = GUINT_TO_POINTER (self->fields->len);
      g_ptr_array_add (self->fields, g_strdup (canonical));
      g_hash_table_insert (field_index, g_ptr_array_index (self->fields, self->fields->len - 1),
                           index);
    }

  segment.field = GPOINTER_TO_UINT (index);
  segment.source_offset = open;
  segment.source_length = close + 2 - open;
  segment.name_offset = name_start;
  segment.name_length = name_end - name_start;
  segment.has_fallback = bar != 0;
  segment.text_offset = pool->len;
  if (bar != 0)
    {
      fallback_start = bar + 1;
      fallback_end = close;
      while (fallback_start < fallback_end && is_blank (s[fallback_start]))
        fallback_start++;
      while (fallback_end > fallback_start && is_blank (s[fallback_end - 1]))
        fallback_end--;
      g_string_append_len (pool, s + fallback_start, fallback_end - fallback_start);
    }
  segment.text_len = pool->len - segment.text_offset;
  g_array_append_val (self->segments, segment);

  return close + 2;
}

/**
 * ob_template_compile:
 * @source: the template text (UTF-8)
 * @out_error_span: (out) (optional): where the first problem is
 * @error: an %OB_TEMPLATE_ERROR
 *
 * Parses @source once. Only the syntax is checked here; whether each name
 * exists is ob_template_check_fields()'s job, because the custom fields
 * depend on the prospects.
 *
 * Returns: (transfer full) (nullable): the template.
 */
ObTemplate *
ob_template_compile (const char      *source,
                     ObTemplateSpan  *out_error_span,
                     GError         **error)
{
  g_autoptr(ObTemplate) self = NULL;
  g_autoptr(GHashTable) field_index = NULL;
  g_autoptr(GString) pool = NULL;
  const char *invalid = NULL;
  gsize text_start = 0;
  gsize i = 0;
  gboolean escaped_open = FALSE;

  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (source, -1, &invalid))
    {
      set_error (error, out_error_span, OB_TEMPLATE_ERROR_INVALID_UTF8,
                 source, invalid - source, 1,
                 _("The text is not valid UTF-8"));
      return NULL;
    }

  self = g_new0 (ObTemplate, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->source = g_strdup (source);
  self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  self->fields = g_ptr_array_new_with_free_func (g_free);
  field_index = g_hash_table_new (g_str_hash, g_str_equal);
  pool = g_string_new (NULL);

  /* Reading s[i + 1] and s[i + 2] is safe: the && stops at the final NUL. */
  while (source[i] != '\0')
    {
      const char *s = source + i;

      if (s[0] == '\\' && ((s[1] == '{' && s[2] == '{') || (s[1] == '}' && s[2] == '}')))
        {
          g_string_append_len (pool, s + 1, 2);
          escaped_open = s[1] == '{';
          i += 3;
        }
      else if (s[0] == '{' && s[1] == '{')
        {
          add_text_segment (self->segments, pool, text_start);
          i = parse_field (self, field_index, pool, i, out_error_span, error);
          if (i == 0)
            return NULL;
          text_start = pool->len;
          escaped_open = FALSE;
        }
      else if (s[0] == '}' && s[1] == '}' && escaped_open)
        {
          /* \{{name}} is all text: its "}}" needs no backslash of its own. */
          g_string_append_len (pool, s, 2);
          escaped_open = FALSE;
          i += 2;
        }
      else if (s[0] == '}' && s[1] == '}')
        {
          set_error (error, out_error_span, OB_TEMPLATE_ERROR_STRAY_CLOSE,
                     source, i, 2,
                     _("“}}” does not close any merge field (write \\}} for literal braces)"));
          return NULL;
        }
      else
        {
          if (s[0] == '\n' || s[0] == '\r')
            escaped_open = FALSE;
          g_string_append_c (pool, s[0]);
          i++;
        }
    }
  add_text_segment (self->segments, pool, text_start);

  self->derivations = g_new0 (Derivation, MAX (self->fields->len, 1));
  for (guint f = 0; f < self->fields->len; f++)
    self->derivations[f] = derivation_for (g_ptr_array_index (self->fields, f));
  g_ptr_array_add (self->fields, NULL);

  self->size_hint = pool->len + 16 * (self->fields->len - 1) + 1;
  self->pool = g_string_free (g_steal_pointer (&pool), FALSE);

  return g_steal_pointer (&self);
}

ObTemplate *
ob_template_ref (ObTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
ob_template_unref (ObTemplate *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    template_free (self);
}

const char *
ob_template_get_source (ObTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->source;
}

/* The canonical names the template uses, each once, in order of first use. */
const char * const *
ob_template_get_fields (ObTemplate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char * const *) self->fields->pdata;
}

gboolean
ob_template_uses_field (ObTemplate *self,
                        const char *name)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  canonical = ob_template_normalize_field_name (name);
  for (guint i = 0; i + 1 < self->fields->len; i++)
    if (strcmp (g_ptr_array_index (self->fields, i), canonical) == 0)
      return TRUE;

  return FALSE;
}

/* ---- Checking names ------------------------------------------------------ */

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), on
 * characters; gives up above @limit. */
static guint
edit_distance (const gunichar *a,
               glong           la,
               const gunichar *b,
               glong           lb,
               guint           limit)
{
  g_autofree guint *rows = NULL;
  guint *prev2, *prev, *cur;

  if ((guint) ABS (la - lb) > limit)
    return limit + 1;

  rows = g_new (guint, 3 * (lb + 1));
  prev2 = rows;
  prev = rows + lb + 1;
  cur = rows + 2 * (lb + 1);

  for (glong j = 0; j <= lb; j++)
    prev[j] = j;

  for (glong i = 1; i <= la; i++)
    {
      guint *tmp;

      cur[0] = i;
      for (glong j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          guint best = MIN (prev[j] + 1, cur[j - 1] + 1);

          best = MIN (best, prev[j - 1] + cost);
          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            best = MIN (best, prev2[j - 2] + 1);
          cur[j] = best;
        }

      tmp = prev2;
      prev2 = prev;
      prev = cur;
      cur = tmp;
    }

  return prev[lb];
}

/* The nearest known name, or NULL when none is near enough to be a typo. */
static const char *
suggest_name (const char *canonical,
              GPtrArray  *known)
{
  g_autofree gunichar *name = NULL;
  glong name_len;
  const char *best = NULL;
  guint limit, best_distance;

  name = g_utf8_to_ucs4_fast (canonical, -1, &name_len);
  limit = name_len <= 3 ? 1 : name_len <= 8 ? 2 : 3;
  best_distance = limit + 1;

  /* Quadratic: only for names of a sensible length. */
  if (name_len > MAX_SUGGESTED_NAME)
    return NULL;

  for (guint i = 0; i < known->len; i++)
    {
      const char *candidate = g_ptr_array_index (known, i);
      g_autofree gunichar *other = NULL;
      glong other_len;
      guint distance;

      other = g_utf8_to_ucs4_fast (candidate, -1, &other_len);
      if (other_len > MAX_SUGGESTED_NAME)
        continue;
      distance = edit_distance (name, name_len, other, other_len, limit);
      if (distance < best_distance)
        {
          best = candidate;
          best_distance = distance;
        }
    }

  return best;
}

/**
 * ob_template_check_fields:
 * @self: a template
 * @custom_fields: (nullable) (array zero-terminated=1): the custom field
 *   names prospects may have, as written or canonical
 * @out_error_span: (out) (optional): where the first unknown field is
 * @error: %OB_TEMPLATE_ERROR_UNKNOWN_FIELD
 *
 * Every field must be built in or one of @custom_fields. The message names
 * the first unknown field as written and, when one is near, suggests the
 * nearest known name.
 *
 * Returns: %TRUE when every field is known.
 */
gboolean
ob_template_check_fields (ObTemplate          *self,
                          const char * const  *custom_fields,
                          ObTemplateSpan      *out_error_span,
                          GError             **error)
{
  g_autoptr(GHashTable) custom = NULL;
  g_autoptr(GPtrArray) known = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  custom = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  known = g_ptr_array_new ();
  for (guint i = 0; builtin_fields[i] != NULL; i++)
    g_ptr_array_add (known, (gpointer) builtin_fields[i]);
  for (guint i = 0; custom_fields != NULL && custom_fields[i] != NULL; i++)
    {
      char *canonical = ob_template_normalize_field_name (custom_fields[i]);

      /* Not g_hash_table_add() on a duplicate: it would free the key that
       * known already holds. */
      if (canonical[0] == '\0' || g_hash_table_contains (custom, canonical))
        {
          g_free (canonical);
          continue;
        }
      g_hash_table_add (custom, canonical);
      g_ptr_array_add (known, canonical);
    }

  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);
      const char *canonical;
      const char *suggestion;
      g_autofree char *written = NULL;

      if (segment->field == NO_FIELD)
        continue;

      canonical = g_ptr_array_index (self->fields, segment->field);
      if (ob_template_is_builtin_field (canonical) || g_hash_table_contains (custom, canonical))
        continue;

      written = g_strndup (self->source + segment->name_offset, segment->name_length);
      suggestion = suggest_name (canonical, known);
      if (suggestion != NULL)
        set_error (error, out_error_span, OB_TEMPLATE_ERROR_UNKNOWN_FIELD,
                   self->source, segment->source_offset, segment->source_length,
                   _("Unknown merge field “{{%s}}”; did you mean %s?"), written, suggestion);
      else
        set_error (error, out_error_span, OB_TEMPLATE_ERROR_UNKNOWN_FIELD,
                   self->source, segment->source_offset, segment->source_length,
                   _("Unknown merge field “{{%s}}”"), written);
      return FALSE;
    }

  return TRUE;
}

/* ---- Rendering ----------------------------------------------------------- */

/* C0 controls, DEL, C1 controls (U+0080-U+009F) and U+2028/U+2029, at
 * @p: returns their length in bytes, or 0 for anything else. */
static inline gsize
control_length (const char *p,
                const char *end)
{
  guchar c = (guchar) p[0];

  if (c < 0x20 || c == 0x7f)
    return 1;
  if (c == 0xc2 && p + 1 < end && (guchar) p[1] >= 0x80 && (guchar) p[1] <= 0x9f)
    return 2;
  if (c == 0xe2 && p + 2 < end && (guchar) p[1] == 0x80 &&
      ((guchar) p[2] == 0xa8 || (guchar) p[2] == 0xa9))
    return 3;
  return 0;
}

static inline gboolean
is_trimmable (const char *p,
              const char *end,
              gsize      *len)
{
  if (*p == ' ')
    {
      *len = 1;
      return TRUE;
    }
  *len = control_length (p, end);
  return *len > 0;
}

/* Trims spaces and controls at both ends; returns FALSE when nothing is left. */
static gboolean
trim_value (const char  *value,
            const char **out_start,
            gsize       *out_len)
{
  const char *start = value;
  const char *end = value + strlen (value);
  gsize len;

  while (start < end && is_trimmable (start, end, &len))
    start += len;

  /* Walking backwards: find the last byte that starts something kept. */
  while (end > start)
    {
      const char *last = end - 1;

      while (last > start && ((guchar) *last & 0xc0) == 0x80)
        last--;
      if (!is_trimmable (last, end, &len) || last + len != end)
        break;
      end = last;
    }

  *out_start = start;
  *out_len = end - start;
  return *out_len > 0;
}

static gboolean
append_value (GString    *out,
              const char *value)
{
  const char *start;
  gsize len;

  if (value == NULL || !trim_value (value, &start, &len))
    return FALSE;

  if (G_LIKELY (g_utf8_validate (start, len, NULL)))
    {
      g_string_append_len (out, start, len);
    }
  else
    {
      g_autofree char *valid = g_utf8_make_valid (start, len);

      g_string_append (out, valid);
    }

  return TRUE;
}

static gboolean
append_joined_names (GString              *out,
                     ObTemplateLookupFunc  lookup,
                     gpointer              user_data,
                     const char           *first_key,
                     const char           *last_key)
{
  gsize before = out->len;
  gboolean first;

  first = append_value (out, lookup (first_key, user_data));
  g_string_append_c (out, ' ');
  if (!append_value (out, lookup (last_key, user_data)))
    g_string_truncate (out, out->len - 1);
  else if (!first)
    g_string_erase (out, before, 1);

  return out->len > before;
}

static gboolean
append_field (const ObTemplate     *self,
              guint                 field,
              ObTemplateLookupFunc  lookup,
              gpointer              user_data,
              GString              *out)
{
  const char *name = g_ptr_array_index (self->fields, field);
  const char *email;
  const char *at;

  if (append_value (out, lookup (name, user_data)))
    return TRUE;

  switch (self->derivations[field])
    {
    case DERIVE_FULL_NAME:
      return append_joined_names (out, lookup, user_data, "first_name", "last_name");
    case DERIVE_MY_NAME:
      return append_joined_names (out, lookup, user_data, "my_first_name", "my_last_name");
    case DERIVE_DOMAIN:
      email = lookup ("email", user_data);
      at = email != NULL ? strrchr (email, '@') : NULL;
      return at != NULL && append_value (out, at + 1);
    case DERIVE_NONE:
    default:
      return FALSE;
    }
}

/* In place, from @start: see OB_TEMPLATE_MODE_HEADER. */
static void
finish_header (GString *out,
               gsize    start)
{
  char *p = out->str + start;
  char *end = out->str + out->len;
  char *w = p;

  while (p < end)
    {
      gsize len;

      if (is_trimmable (p, end, &len))
        {
          char *run = p;
          gboolean has_control = FALSE;

          while (p < end && is_trimmable (p, end, &len))
            {
              has_control |= *p != ' ';
              p += len;
            }

          if (has_control)
            {
              *w++ = ' ';
            }
          else
            {
              memmove (w, run, p - run);
              w += p - run;
            }
        }
      else
        {
          *w++ = *p++;
        }
    }

  /* Trim: everything left to trim is a plain space now. */
  g_string_truncate (out, w - out->str);
  while (out->len > start && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  p = out->str + start;
  while (*p == ' ')
    p++;
  if (p > out->str + start)
    g_string_erase (out, start, p - (out->str + start));
}

/* In place, from @start: see OB_TEMPLATE_MODE_BODY. */
static void
finish_body (GString *out,
             gsize    start)
{
  char *p = out->str + start;
  char *end = out->str + out->len;
  char *w = p;

  while (p < end)
    {
      gsize len = control_length (p, end);

      if (len == 0 || *p == '\t' || *p == '\n')
        {
          *w++ = *p++;
        }
      else if (*p == '\r')
        {
          *w++ = '\n';
          p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
        }
      else if (len == 3)
        {
          /* U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR */
          *w++ = '\n';
          p += 3;
        }
      else
        {
          p += len;
        }
    }

  g_string_truncate (out, w - out->str);
}

static guint
render (ObTemplate           *self,
        ObTemplateMode        mode,
        ObTemplateLookupFunc  lookup,
        gpointer              user_data,
        GString              *out,
        GPtrArray            *missing)
{
  gsize start = out->len;
  guint n_missing = 0;

  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);

      if (segment->field == NO_FIELD)
        {
          g_string_append_len (out, self->pool + segment->text_offset, segment->text_len);
        }
      else if (!append_field (self, segment->field, lookup, user_data, out))
        {
          if (segment->has_fallback)
            {
              g_string_append_len (out, self->pool + segment->text_offset, segment->text_len);
            }
          else
            {
              const char *name = g_ptr_array_index (self->fields, segment->field);

              n_missing++;
              if (missing != NULL && !g_ptr_array_find (missing, name, NULL))
                g_ptr_array_add (missing, (gpointer) name);
            }
        }
    }

  if (mode == OB_TEMPLATE_MODE_HEADER)
    finish_header (out, start);
  else
    finish_body (out, start);

  return n_missing;
}

/**
 * ob_template_render:
 * @self: a template
 * @mode: header or body
 * @lookup: gives the value of a field by canonical name
 * @user_data: for @lookup
 * @out_missing: (out) (optional) (transfer full): the canonical names of
 *   the fields that were missing and had no fallback, each once; %NULL
 *   when there were none
 *
 * Missing fields render as nothing; whether that is an error (pre-flight)
 * or fine (a preview) is the caller's decision.
 *
 * Returns: (transfer full): the text.
 */
char *
ob_template_render (ObTemplate            *self,
                    ObTemplateMode         mode,
                    ObTemplateLookupFunc   lookup,
                    gpointer               user_data,
                    char                ***out_missing)
{
  GString *out;
  g_autoptr(GPtrArray) missing = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (lookup != NULL, NULL);

  out = g_string_sized_new (self->size_hint);
  if (out_missing != NULL)
    missing = g_ptr_array_new ();

  render (self, mode, lookup, user_data, out, missing);

  if (out_missing != NULL)
    {
      *out_missing = NULL;
      if (missing->len > 0)
        {
          char **names = g_new (char *, missing->len + 1);

          for (guint i = 0; i < missing->len; i++)
            names[i] = g_strdup (g_ptr_array_index (missing, i));
          names[missing->len] = NULL;
          *out_missing = names;
        }
    }

  return g_string_free (out, FALSE);
}

/**
 * ob_template_render_append:
 *
 * Like ob_template_render(), appending to @out (which can be reused across
 * calls to render without allocating). Only the appended part is cleaned.
 *
 * Returns: how many fields were missing without a fallback (each use counts).
 */
guint
ob_template_render_append (ObTemplate           *self,
                           ObTemplateMode        mode,
                           ObTemplateLookupFunc  lookup,
                           gpointer              user_data,
                           GString              *out)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (lookup != NULL, 0);
  g_return_val_if_fail (out != NULL, 0);

  return render (self, mode, lookup, user_data, out, NULL);
}

/**
 * ob_template_lookup_hash_table:
 *
 * An #ObTemplateLookupFunc for a #GHashTable of canonical name → value
 * (both strings), passed as user data.
 */
const char *
ob_template_lookup_hash_table (const char *name,
                               gpointer    hash_table)
{
  return g_hash_table_lookup (hash_table, name);
}

/* ---- Placeholders left in ------------------------------------------------ */

static gboolean
is_word_byte (guchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c >= 0x80;
}

/* Length of "[Name]", "<first name>": an opening byte, a letter, then up to
 * 40 letters, spaces, "_", "-" or "." and the closing byte; 0 if not one. */
static gsize
match_bracketed (const char *p,
                 char        closing)
{
  gsize i = 1;
  gsize letters = 0;

  if (!g_unichar_isalpha (g_utf8_get_char_validated (p + 1, -1)))
    return 0;

  while (p[i] != '\0' && p[i] != closing && i <= 41 * 4)
    {
      gunichar c = g_utf8_get_char_validated (p + i, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        return 0;
      if (!(g_unichar_isalpha (c) || c == ' ' || c == '_' || c == '-' || c == '.'))
        return 0;
      letters++;
      i = g_utf8_next_char (p + i) - p;
    }

  if (p[i] != closing || letters < 2 || letters > 40)
    return 0;

  return i + 1;
}

static gboolean
is_html_tag (const char *p,
             gsize       len)
{
  static const char * const tags[] = {
    "<br>", "<p>", "<b>", "<i>", "<u>", "<a>", "<em>", "<strong>", "<div>", "<span>",
    "<ul>", "<ol>", "<li>", "<hr>", "<html>", "<body>", "<head>", NULL
  };

  for (guint i = 0; tags[i] != NULL; i++)
    if (strlen (tags[i]) == len && g_ascii_strncasecmp (p, tags[i], len) == 0)
      return TRUE;

  return FALSE;
}

/* "%FIRST_NAME%" */
static gsize
match_percent (const char *p)
{
  gsize i = 1;

  if (!(g_ascii_isalpha (p[1]) || p[1] == '_'))
    return 0;
  while ((g_ascii_isalnum (p[i]) || p[i] == '_') && i <= 41)
    i++;
  if (p[i] != '%' || i < 3)
    return 0;

  return i + 1;
}

/* "{first_name}": single braces around a name, the way other tools write it */
static gsize
match_single_brace (const char *text,
                    const char *p)
{
  gsize i = 1;

  if ((p > text && p[-1] == '{') || !(g_ascii_isalpha (p[1]) || p[1] == '_'))
    return 0;
  while ((g_ascii_isalnum (p[i]) || p[i] == '_' || p[i] == '.' || p[i] == '-') && i <= 41)
    i++;
  if (p[i] != '}' || p[i + 1] == '}')
    return 0;

  return i + 1;
}

static gsize
match_marker_word (const char *text,
                   const char *p)
{
  static const char * const words[] = { "TBD", "TODO", "XXX", "FIXME", NULL };

  if (p > text && is_word_byte ((guchar) p[-1]))
    return 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      gsize len = strlen (words[i]);

      if (strncmp (p, words[i], len) == 0 && !is_word_byte ((guchar) p[len]))
        return len;
    }

  return 0;
}

/**
 * ob_template_find_placeholders:
 * @text: a rendered subject or body
 *
 * Finds what looks like a placeholder left in by mistake: "[Name]",
 * "<first name>", "%FIRST_NAME%", "{first_name}", a leftover "{{" or "}}",
 * and the words TBD, TODO, XXX and FIXME. Meant for rendered text, where no
 * merge field should be left (run on a template, every field would match).
 *
 * Returns: (transfer full) (element-type ObTemplateSpan): the places found,
 * in order; empty when none.
 */
GArray *
ob_template_find_placeholders (const char *text)
{
  GArray *found = g_array_new (FALSE, FALSE, sizeof (ObTemplateSpan));
  const char *p = text;

  g_return_val_if_fail (text != NULL, found);

  while (*p != '\0')
    {
      gsize len = 0;

      switch (*p)
        {
        case '{':
          len = p[1] == '{' ? 2 : match_single_brace (text, p);
          break;
        case '}':
          len = p[1] == '}' ? 2 : 0;
          break;
        case '[':
          len = match_bracketed (p, ']');
          if (len > 0 && p[len] == '(')
            len = 0; /* a Markdown link: [text](url) */
          break;
        case '<':
          len = match_bracketed (p, '>');
          if (len > 0 && is_html_tag (p, len))
            len = 0;
          break;
        case '%':
          len = match_percent (p);
          break;
        case 'T':
        case 'X':
        case 'F':
          len = match_marker_word (text, p);
          break;
        default:
          break;
        }

      if (len > 0)
        {
          ObTemplateSpan span = span_at (text, p - text, len);

          g_array_append_val (found, span);
          p += len;
        }
      else
        {
          p++;
        }
    }

  return found;
}
