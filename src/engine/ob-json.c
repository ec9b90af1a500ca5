/* ob-json.c: a small streaming JSON writer for stable machine-readable output
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a writer belongs to one thread; the functions keep no global state.
 * Keys are written in the order the caller gives, so output is stable.
 */

#define G_LOG_DOMAIN "ob-json"

#include "config.h"

#include "ob-json.h"

#include <math.h>

struct _ObJsonWriter
{
  GString  *out;
  /* one entry per open container: TRUE once it holds a member */
  GArray   *has_members;
  gboolean  pretty;
};

ObJsonWriter *
ob_json_writer_new (gboolean pretty)
{
  ObJsonWriter *self = g_new0 (ObJsonWriter, 1);

  self->out = g_string_new (NULL);
  self->has_members = g_array_new (FALSE, FALSE, sizeof (gboolean));
  self->pretty = pretty;

  return self;
}

void
ob_json_writer_free (ObJsonWriter *self)
{
  if (self == NULL)
    return;

  g_string_free (self->out, TRUE);
  g_array_unref (self->has_members);
  g_free (self);
}

/* Returns the document and frees the writer. */
char *
ob_json_writer_finish (ObJsonWriter *self)
{
  char *result;

  g_return_val_if_fail (self->has_members->len == 0, NULL);

  result = g_string_free (g_steal_pointer (&self->out), FALSE);
  g_array_unref (self->has_members);
  g_free (self);

  return result;
}

void
ob_json_append_escaped (GString    *out,
                        const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

static void
indent (ObJsonWriter *self)
{
  if (!self->pretty)
    return;

  g_string_append_c (self->out, '\n');
  for (guint i = 0; i < self->has_members->len; i++)
    g_string_append (self->out, "  ");
}

/* Writes the separator and key that come before any value. */
static void
begin_value (ObJsonWriter *self,
             const char   *key)
{
  if (self->has_members->len > 0)
    {
      gboolean *has = &g_array_index (self->has_members, gboolean, self->has_members->len - 1);

      if (*has)
        g_string_append_c (self->out, ',');
      *has = TRUE;
      indent (self);
    }

  if (key != NULL)
    {
      ob_json_append_escaped (self->out, key);
      g_string_append (self->out, self->pretty ? ": " : ":");
    }
}

static void
open_container (ObJsonWriter *self,
                const char   *key,
                char          bracket)
{
  gboolean empty = FALSE;

  begin_value (self, key);
  g_string_append_c (self->out, bracket);
  g_array_append_val (self->has_members, empty);
}

static void
close_container (ObJsonWriter *self,
                 char          bracket)
{
  gboolean had_members;

  g_return_if_fail (self->has_members->len > 0);

  had_members = g_array_index (self->has_members, gboolean, self->has_members->len - 1);
  g_array_set_size (self->has_members, self->has_members->len - 1);
  if (had_members)
    indent (self);
  g_string_append_c (self->out, bracket);
  if (self->pretty && self->has_members->len == 0)
    g_string_append_c (self->out, '\n');
}

void
ob_json_writer_begin_object (ObJsonWriter *self,
                             const char   *key)
{
  open_container (self, key, '{');
}

void
ob_json_writer_end_object (ObJsonWriter *self)
{
  close_container (self, '}');
}

void
ob_json_writer_begin_array (ObJsonWriter *self,
                            const char   *key)
{
  open_container (self, key, '[');
}

void
ob_json_writer_end_array (ObJsonWriter *self)
{
  close_container (self, ']');
}

void
ob_json_writer_int (ObJsonWriter *self,
                    const char   *key,
                    gint64        value)
{
  begin_value (self, key);
  g_string_append_printf (self->out, "%" G_GINT64_FORMAT, value);
}

/* A ratio rounded to 4 decimals, written the shortest way ("0.5", "0.6667",
 * "0"): locale-independent. */
void
ob_json_writer_rate (ObJsonWriter *self,
                     const char   *key,
                     double        value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  begin_value (self, key);
  if (!isfinite (value))
    value = 0;
  g_string_append (self->out, g_ascii_formatd (buf, sizeof buf, "%.4g",
                                               (gint64) (value * 10000 + 0.5) / 10000.0));
}

void
ob_json_writer_string (ObJsonWriter *self,
                       const char   *key,
                       const char   *value)
{
  begin_value (self, key);
  if (value == NULL)
    g_string_append (self->out, "null");
  else
    ob_json_append_escaped (self->out, value);
}

void
ob_json_writer_boolean (ObJsonWriter *self,
                        const char   *key,
                        gboolean      value)
{
  begin_value (self, key);
  g_string_append (self->out, value ? "true" : "false");
}
