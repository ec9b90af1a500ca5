/* ob-template.h: merge fields in subjects and bodies
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * {{first_name}}, {{ First_Name | there }}, {{company|}} (empty on purpose),
 * \{{ for a literal "{{". Compile once (syntax errors), check the names
 * against the custom fields prospects have (unknown-field errors), render
 * many times from any thread. Details in ob-template.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_TEMPLATE_ERROR (ob_template_error_quark ())

/**
 * ObTemplateError:
 * @OB_TEMPLATE_ERROR_INVALID_UTF8: the source is not valid UTF-8.
 * @OB_TEMPLATE_ERROR_UNBALANCED: a `{{` has no `}}` on the same line.
 * @OB_TEMPLATE_ERROR_STRAY_CLOSE: a `}}` closes no merge field.
 * @OB_TEMPLATE_ERROR_EMPTY_NAME: `{{}}`, `{{ }}`, `{{|there}}`.
 * @OB_TEMPLATE_ERROR_INVALID_NAME: a name with characters other than
 *   letters, digits, `_`, `-` and `.`.
 * @OB_TEMPLATE_ERROR_NESTED: a `{` inside a merge field.
 * @OB_TEMPLATE_ERROR_UNKNOWN_FIELD: from ob_template_check_fields() only: a
 *   name that is neither built in nor one of the custom fields given.
 *
 * Every message starts with "Line L, column C: " (1-based, columns in
 * characters); the same place is given as an #ObTemplateSpan.
 */
typedef enum
{
  OB_TEMPLATE_ERROR_INVALID_UTF8,
  OB_TEMPLATE_ERROR_UNBALANCED,
  OB_TEMPLATE_ERROR_STRAY_CLOSE,
  OB_TEMPLATE_ERROR_EMPTY_NAME,
  OB_TEMPLATE_ERROR_INVALID_NAME,
  OB_TEMPLATE_ERROR_NESTED,
  OB_TEMPLATE_ERROR_UNKNOWN_FIELD,
} ObTemplateError;

/**
 * ObTemplateMode:
 * @OB_TEMPLATE_MODE_HEADER: for a Subject: any run of spaces that holds a
 *   control character (CR, LF, TAB, NUL, other C0 and C1 controls, DEL) or
 *   U+2028/U+2029 becomes one space, each value and the whole result are
 *   trimmed: the result is one line and never holds CR or LF.
 * @OB_TEMPLATE_MODE_BODY: for a plain-text body: CRLF, CR, U+2028 and U+2029
 *   become LF; other control characters but TAB and LF are removed; each
 *   value is trimmed of surrounding white space.
 *
 * In both modes the result is valid UTF-8 (invalid bytes in a value become
 * U+FFFD) and a value is inserted as plain text: it is never parsed for
 * merge fields.
 */
typedef enum
{
  OB_TEMPLATE_MODE_HEADER,
  OB_TEMPLATE_MODE_BODY,
} ObTemplateMode;

/* Where a problem is in a text: byte offset and length, plus 1-based line
 * and column (the column counts characters, for people and text views). */
typedef struct
{
  gsize offset;
  gsize length;
  guint line;
  guint column;
} ObTemplateSpan;

/**
 * ObTemplateLookupFunc:
 * @name: a canonical field name (see ob_template_normalize_field_name())
 * @user_data: the caller's data
 *
 * Returns: (nullable) (transfer none): the prospect's or sender's value, or
 * %NULL when there is none. An empty or all-space value counts as missing.
 * The string must stay valid until the render call returns.
 */
typedef const char *(*ObTemplateLookupFunc) (const char *name,
                                             gpointer    user_data);

typedef struct _ObTemplate ObTemplate;

GQuark              ob_template_error_quark           (void);

ObTemplate         *ob_template_compile               (const char           *source,
                                                       ObTemplateSpan       *out_error_span,
                                                       GError              **error);
ObTemplate         *ob_template_ref                   (ObTemplate           *self);
void                ob_template_unref                 (ObTemplate           *self);

const char         *ob_template_get_source            (ObTemplate           *self);
const char * const *ob_template_get_fields            (ObTemplate           *self);
gboolean            ob_template_uses_field            (ObTemplate           *self,
                                                       const char           *name);

gboolean            ob_template_check_fields          (ObTemplate           *self,
                                                       const char * const   *custom_fields,
                                                       ObTemplateSpan       *out_error_span,
                                                       GError              **error);

char               *ob_template_render                (ObTemplate           *self,
                                                       ObTemplateMode        mode,
                                                       ObTemplateLookupFunc  lookup,
                                                       gpointer              user_data,
                                                       char               ***out_missing);
guint               ob_template_render_append         (ObTemplate           *self,
                                                       ObTemplateMode        mode,
                                                       ObTemplateLookupFunc  lookup,
                                                       gpointer              user_data,
                                                       GString              *out);

const char         *ob_template_lookup_hash_table     (const char           *name,
                                                       gpointer              hash_table);

char               *ob_template_normalize_field_name  (const char           *name);
const char * const *ob_template_get_builtin_fields    (void);
gboolean            ob_template_is_builtin_field      (const char           *name);

GArray             *ob_template_find_placeholders     (const char           *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObTemplate, ob_template_unref)

G_END_DECLS
