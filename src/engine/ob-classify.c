/* ob-classify.c: what an incoming message is (reply, auto-reply, bounce...)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: pure functions, any thread. The lookup callbacks are called on
 * the caller's thread before ob_classify_message() returns.
 *
 * What is read: every header field, then at most OB_CLASSIFY_MAX_BODY bytes
 * of the body, walked as MIME (multipart nesting at most MAX_DEPTH deep, at
 * most MAX_PARTS parts). From that walk come the first text part (decoded
 * from quoted-printable or base64 and converted from its charset to UTF-8;
 * HTML only when there is no plain text), the fields of a
 * message/delivery-status (RFC 3464) or message/feedback-report (RFC 5965)
 * part, and the headers of the returned message (text/rfc822-headers or
 * message/rfc822) a bounce or a complaint quotes.
 *
 * The checks run in a fixed order, first match wins (see ob-classify.h):
 * a bounce, a report or an auto-reply quoting our Message-ID in References
 * is never taken for a person's reply.
 *
 * Text checks (out-of-office and unsubscribe phrases) read only the "new"
 * text of a message: the lines before the quoted original ("> ", "On ...
 * wrote:", "-----Original Message-----", an Outlook "From:" block and their
 * pl/de/fr/es forms), so quoting our own mail never triggers them.
 */

#define G_LOG_DOMAIN "ob-classify"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "ob-classify.h"
#include "ob-email.h"
#include "ob-mime.h"

#define MAX_DEPTH 8
#define MAX_PARTS 64
#define MAX_TEXT (OB_CLASSIFY_MAX_BODY * 2)   /* decoded UTF-8 may grow */
#define MAX_NEW_TEXT 4096
#define MAX_DIAGNOSTIC 300
#define MAX_SNIPPET 300
#define MAX_OPENING 600   /* characters of new text where a removal request counts */

/* ---- Small helpers ------------------------------------------------------- */

/* One line, no control characters, at most @max bytes (whole characters). */
static char *
clean_line (const char *text,
            gsize       max)
{
  g_autofree char *clean = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;
  clean = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (const char *p = clean; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        {
          space = out->len > 0;
          continue;
        }
      if (out->len >= max)
        {
          g_string_append (out, "…");
          break;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static gboolean
contains_any (const char         *haystack,
              const char * const *needles)
{
  if (haystack == NULL)
    return FALSE;
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (haystack, needles[i]) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
starts_with_any (const char         *text,
                 const char * const *prefixes)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (text, prefixes[i]))
      return TRUE;
  return FALSE;
}

/* Lower case, runs of white space made one space, trimmed. */
static char *
fold_text (const char *text)
{
  g_autofree char *lower = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return g_strdup ("");
  lower = g_utf8_strdown (text, -1);
  out = g_string_sized_new (strlen (lower));
  for (const char *p = lower; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || c == 0xa0)
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      /* Typographic apostrophes as typed by phones and Word */
      if (c == 0x2019 || c == 0x2018)
        g_string_append_c (out, '\'');
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* "Name <a@b>", "<a@b>", "rfc822; a@b": the bare address, or NULL. */
static char *
extract_address (const char *text)
{
  const char *start;
  const char *end;
  g_autofree char *candidate = NULL;

  if (text == NULL)
    return NULL;
  if ((start = strchr (text, ';')) != NULL)
    text = start + 1;
  if ((start = strchr (text, '<')) != NULL && (end = strchr (start, '>')) != NULL)
    candidate = g_strndup (start + 1, end - start - 1);
  else
    candidate = g_strdup (text);
  g_strstrip (candidate);
  if (strchr (candidate, '@') == NULL || strchr (candidate, ' ') != NULL || candidate[0] == '\0')
    return NULL;

  return g_utf8_make_valid (candidate, -1);
}

/* The key (lower-case local part, ASCII domain) of @address, or NULL. */
static char *
address_key (const char *address,
             char      **out_domain)
{
  g_auto(ObEmail) email = { 0 };

  if (address == NULL || !ob_email_parse (address, &email, NULL))
    return NULL;
  if (out_domain != NULL)
    *out_domain = g_strdup (email.domain);

  return g_strdup (email.key);
}

/* ---- Content types and bodies -------------------------------------------- */

typedef struct
{
  char *type;       /* "multipart/report", lower case */
  char *boundary;
  char *charset;
  char *report_type;
} ContentType;

static void
content_type_clear (ContentType *ct)
{
  g_clear_pointer (&ct->type, g_free);
  g_clear_pointer (&ct->boundary, g_free);
  g_clear_pointer (&ct->charset, g_free);
  g_clear_pointer (&ct->report_type, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ContentType, content_type_clear)

/* RFC 2045 5.1, forgiving: comments are not expected; quoted values may
 * hold ";". Unknown or missing: text/plain. */
static void
parse_content_type (const char  *raw,
                    const char  *default_type,
                    ContentType *ct)
{
  const char *p = raw;
  const char *semi;
  g_autofree char *type = NULL;

  if (raw == NULL)
    {
      ct->type = g_strdup (default_type);
      return;
    }

  semi = strchr (p, ';');
  type = g_ascii_strdown (p, semi != NULL ? semi - p : -1);
  g_strstrip (type);
  ct->type = strchr (type, '/') != NULL ? g_steal_pointer (&type) : g_strdup (default_type);

  p = semi;
  while (p != NULL && *p == ';')
    {
      const char *name_start;
      const char *eq;
      g_autofree char *name = NULL;
      GString *value = g_string_new (NULL);

      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      name_start = p;
      while (*p != '\0' && *p != '=' && *p != ';')
        p++;
      eq = p;
      name = g_ascii_strdown (name_start, eq - name_start);
      g_strstrip (name);
      if (*p == '=')
        {
          p++;
          while (*p == ' ' || *p == '\t')
            p++;
          if (*p == '"')
            {
              for (p++; *p != '\0' && *p != '"'; p++)
                {
                  if (*p == '\\' && p[1] != '\0')
                    p++;
                  g_string_append_c (value, *p);
                }
              if (*p == '"')
                p++;
              while (*p != '\0' && *p != ';')
                p++;
            }
          else
            {
              while (*p != '\0' && *p != ';')
                g_string_append_c (value, *p++);
              g_strstrip (value->str);
              g_string_set_size (value, strlen (value->str));
            }
        }

      if (g_str_equal (name, "boundary") && ct->boundary == NULL && value->len > 0)
        ct->boundary = g_string_free (g_steal_pointer (&value), FALSE);
      else if (g_str_equal (name, "charset") && ct->charset == NULL && value->len > 0)
        ct->charset = g_ascii_strdown (value->str, -1);
      else if (g_str_equal (name, "report-type") && ct->report_type == NULL)
        ct->report_type = g_ascii_strdown (value->str, -1);
      if (value != NULL)
        g_string_free (value, TRUE);
    }
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static GByteArray *
decode_quoted_printable (const char *data,
                         gsize       len)
{
  GByteArray *out = g_byte_array_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      guint8 c = (guint8) data[i];

      if (c == '=' && i + 2 < len && hex_value (data[i + 1]) >= 0 && hex_value (data[i + 2]) >= 0)
        {
          c = (guint8) (hex_value (data[i + 1]) * 16 + hex_value (data[i + 2]));
          i += 2;
        }
      else if (c == '=' && i + 1 < len && data[i + 1] == '\n')
        {
          i += 1;
          continue;
        }
      else if (c == '=' && i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
        {
          i += 2;
          continue;
        }
      else if (c == '=' && i + 1 == len)
        {
          continue;
        }
      g_byte_array_append (out, &c, 1);
    }

  return out;
}

static GByteArray *
decode_base64 (const char *data,
               gsize       len)
{
  GByteArray *out = g_byte_array_sized_new (len * 3 / 4 + 4);
  int state = 0;
  guint save = 0;
  gsize n;

  g_byte_array_set_size (out, len * 3 / 4 + 4);
  /* Skips anything that is not base64: line breaks, stray spaces */
  n = g_base64_decode_step (data, len, out->data, &state, &save);
  g_byte_array_set_size (out, n);

  return out;
}

/* @data in @charset to valid UTF-8: invalid bytes become U+FFFD, an
 * unknown charset is read as UTF-8 when valid, else Windows-1252. */
static char *
to_utf8 (const guint8 *data,
         gsize         len,
         const char   *charset)
{
  GIConv conv;
  GString *out;
  gchar *in = (gchar *) data;
  gsize in_left = len;

  if (len == 0)
    return g_strdup ("");
  if (charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0 ||
      g_ascii_strcasecmp (charset, "utf8") == 0 || g_ascii_strcasecmp (charset, "us-ascii") == 0 ||
      g_ascii_strcasecmp (charset, "ascii") == 0)
    {
      if (g_utf8_validate ((const char *) data, len, NULL))
        return g_strndup ((const char *) data, len);
      charset = charset == NULL || strstr (charset, "utf") == NULL ? "WINDOWS-1252" : NULL;
      if (charset == NULL)
        return g_utf8_make_valid ((const char *) data, len);
    }
  else if (g_ascii_strcasecmp (charset, "ks_c_5601-1987") == 0)
    {
      charset = "CP949";
    }

  conv = g_iconv_open ("UTF-8", charset);
  if (conv == (GIConv) -1)
    {
      if (g_utf8_validate ((const char *) data, len, NULL))
        return g_strndup ((const char *) data, len);
      conv = g_iconv_open ("UTF-8", "WINDOWS-1252");
      if (conv == (GIConv) -1)
        return g_utf8_make_valid ((const char *) data, len);
    }

  out = g_string_sized_new (len + len / 2 + 16);
  while (in_left > 0)
    {
      char buffer[4096];
      gchar *outp = buffer;
      gsize out_left = sizeof buffer;
      gsize r = g_iconv (conv, &in, &in_left, &outp, &out_left);

      g_string_append_len (out, buffer, outp - buffer);
      if (r == (gsize) -1)
        {
          if (errno == E2BIG)
            continue;
          if (errno == EILSEQ)
            {
              g_string_append (out, "\xef\xbf\xbd");
              in++;
              in_left--;
              continue;
            }
          break; /* EINVAL: a character cut at the end of what was read */
        }
    }
  g_iconv_close (conv);

  {
    char *valid = g_utf8_make_valid (out->str, out->len);

    g_string_free (out, TRUE);
    return valid;
  }
}

static char *
decode_part_text (const char *data,
                  gsize       len,
                  const char *encoding,
                  const char *charset)
{
  g_autoptr(GByteArray) bytes = NULL;
  char *text;

  if (encoding != NULL && g_ascii_strncasecmp (encoding, "quoted-printable", 16) == 0)
    bytes = decode_quoted_printable (data, len);
  else if (encoding != NULL && g_ascii_strncasecmp (encoding, "base64", 6) == 0)
    bytes = decode_base64 (data, len);
  else
    {
      bytes = g_byte_array_sized_new (len);
      g_byte_array_append (bytes, (const guint8 *) data, len);
    }

  /* A NUL byte would cut the text short for every later check (UTF-16
   * and UTF-32, which hold NULs, are left alone: nobody mails them) */
  if (charset == NULL || (strstr (charset, "16") == NULL && strstr (charset, "32") == NULL))
    for (guint i = 0; i < bytes->len; i++)
      if (bytes->data[i] == 0)
        bytes->data[i] = ' ';
  text = to_utf8 (bytes->data, bytes->len, charset);

  return text;
}

/* Tags out, a few entities decoded, block ends as line breaks. Enough for
 * reading the first lines of an HTML-only message. */
static char *
html_to_text (const char *html)
{
  GString *out = g_string_sized_new (strlen (html));
  const char *p = html;

  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *end = strchr (p, '>');
          gsize name_len;
          const char *name = p + 1;

          if (end == NULL)
            break;
          if (*name == '/')
            name++;
          for (name_len = 0; g_ascii_isalnum (name[name_len]); name_len++)
            ;
          if ((name_len == 5 && g_ascii_strncasecmp (name, "style", 5) == 0 && p[1] != '/') ||
              (name_len == 6 && g_ascii_strncasecmp (name, "script", 6) == 0 && p[1] != '/'))
            {
              const char *close = strstr (end, "</");

              while (close != NULL && g_ascii_strncasecmp (close + 2, name, name_len) != 0)
                close = strstr (close + 2, "</");
              end = close != NULL ? strchr (close, '>') : NULL;
              if (end == NULL)
                break;
            }
          else if ((name_len == 2 && g_ascii_strncasecmp (name, "br", 2) == 0) ||
                   (name_len == 1 && g_ascii_strncasecmp (name, "p", 1) == 0) ||
                   (name_len == 3 && g_ascii_strncasecmp (name, "div", 3) == 0) ||
                   (name_len == 2 && g_ascii_strncasecmp (name, "tr", 2) == 0) ||
                   (name_len == 10 && g_ascii_strncasecmp (name, "blockquote", 10) == 0))
            {
              g_string_append_c (out, '\n');
              if (name_len == 10 && p[1] != '/')
                g_string_append (out, "> ");
            }
          p = end + 1;
        }
      else if (*p == '&')
        {
          static const struct { const char *name; const char *text; } entities[] = {
            { "&nbsp;", " " }, { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
            { "&quot;", "\"" }, { "&#39;", "'" }, { "&apos;", "'" },
          };
          gboolean done = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (entities) && !done; i++)
            if (g_ascii_strncasecmp (p, entities[i].name, strlen (entities[i].name)) == 0)
              {
                g_string_append (out, entities[i].text);
                p += strlen (entities[i].name);
                done = TRUE;
              }
          if (!done && p[1] == '#')
            {
              char *end = NULL;
              guint64 c = p[2] == 'x' || p[2] == 'X'
                          ? g_ascii_strtoull (p + 3, &end, 16)
                          : g_ascii_strtoull (p + 2, &end, 10);

              if (end != NULL && *end == ';' && c > 0 && c < 0x110000 && g_unichar_validate ((gunichar) c))
                {
                  g_string_append_unichar (out, (gunichar) c);
                  p = end + 1;
                  done = TRUE;
                }
            }
          if (!done)
            g_string_append_c (out, *p++);
        }
      else
        {
          g_string_append_c (out, *p == '\r' || *p == '\n' ? ' ' : *p);
          p++;
        }
    }

  return g_string_free (out, FALSE);
}

/* ---- Reports: RFC 3464 and RFC 5965 fields ------------------------------- */

/* "Name: value" blocks separated by blank lines, continuation lines
 * unfolded; each block a GPtrArray of name, value, name, value... */
static GPtrArray *
parse_field_blocks (const char *text)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *block = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", 4096);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      char *colon;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0 || strspn (line, " \t") == len)
        {
          block = NULL;
          continue;
        }
      if ((line[0] == ' ' || line[0] == '\t') && block != NULL && block->len >= 2)
        {
          char *value = g_ptr_array_index (block, block->len - 1);
          char *joined = g_strconcat (value, " ", g_strstrip (line), NULL);

          g_free (value);
          g_ptr_array_index (block, block->len - 1) = joined;
          continue;
        }
      colon = strchr (line, ':');
      if (colon == NULL || colon == line)
        continue;
      if (block == NULL)
        {
          block = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (blocks, block);
        }
      g_ptr_array_add (block, g_strstrip (g_strndup (line, colon - line)));
      g_ptr_array_add (block, g_strstrip (g_strdup (colon + 1)));
    }

  return blocks;
}

static const char *
block_get (GPtrArray  *block,
           const char *name)
{
  for (guint i = 0; i + 1 < block->len; i += 2)
    if (g_ascii_strcasecmp (g_ptr_array_index (block, i), name) == 0)
      return g_ptr_array_index (block, i + 1);
  return NULL;
}

/* ---- The MIME walk ------------------------------------------------------- */

typedef struct
{
  guint       n_parts;
  char       *text;           /* first text/plain, decoded */
  char       *html_text;      /* first text/html, as text */
  gboolean    has_delivery_status;
  gboolean    has_dsn_recipient;
  char       *dsn_recipient;
  char       *dsn_action;
  char       *dsn_status;
  char       *dsn_diagnostic;
  gboolean    has_feedback_report;
  char       *feedback_type;
  char       *feedback_recipient;
  char       *orig_message_id;
  char       *orig_to;
  char       *orig_from;
} Walk;

static void
walk_clear (Walk *w)
{
  g_free (w->text);
  g_free (w->html_text);
  g_free (w->dsn_recipient);
  g_free (w->dsn_action);
  g_free (w->dsn_status);
  g_free (w->dsn_diagnostic);
  g_free (w->feedback_type);
  g_free (w->feedback_recipient);
  g_free (w->orig_message_id);
  g_free (w->orig_to);
  g_free (w->orig_from);
}

/* Where the body starts: after the first empty line. */
static gsize
header_length (const char *data,
               gsize       len,
               gsize      *body_start)
{
  if (len > 0 && data[0] == '\n')
    {
      *body_start = 1;
      return 0;
    }
  if (len > 1 && data[0] == '\r' && data[1] == '\n')
    {
      *body_start = 2;
      return 0;
    }
  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == '\n')
      {
        if (data[i + 1] == '\n')
          {
            *body_start = i + 2;
            return i + 1;
          }
        if (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')
          {
            *body_start = i + 3;
            return i + 1;
          }
      }
  *body_start = len;
  return len;
}

static void
read_returned_headers (Walk       *w,
                       const char *data,
                       gsize       len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (bytes, NULL);

  if (headers == NULL)
    return;
  if (w->orig_message_id == NULL && headers->message_id != NULL)
    w->orig_message_id = g_strdup (headers->message_id);
  if (w->orig_to == NULL && headers->to_addr != NULL)
    w->orig_to = g_strdup (headers->to_addr);
  if (w->orig_from == NULL && headers->from_addr != NULL)
    w->orig_from = g_strdup (headers->from_addr);
}

static void
read_delivery_status (Walk       *w,
                      const char *text)
{
  g_autoptr(GPtrArray) blocks = parse_field_blocks (text);
  int best = -1;

  w->has_delivery_status = TRUE;
  /* The first failed recipient, else the first delayed, else the first. */
  for (guint i = 0; i < blocks->len; i++)
    {
      GPtrArray *block = g_ptr_array_index (blocks, i);
      const char *action = block_get (block, "Action");

      if (block_get (block, "Final-Recipient") == NULL && block_get (block, "Original-Recipient") == NULL)
        continue;
      if (action != NULL && g_ascii_strncasecmp (action, "failed", 6) == 0)
        {
          best = i;
          break;
        }
      if (best < 0 || (action != NULL && g_ascii_strncasecmp (action, "delayed", 7) == 0 &&
                       block_get (g_ptr_array_index (blocks, best), "Action") != NULL &&
                       g_ascii_strncasecmp (block_get (g_ptr_array_index (blocks, best), "Action"),
                                            "delayed", 7) != 0))
        best = i;
    }

  /* The first report with a recipient is the one read */
  if (best >= 0 && !w->has_dsn_recipient)
    {
      GPtrArray *block = g_ptr_array_index (blocks, best);
      const char *status = block_get (block, "Status");
      const char *action = block_get (block, "Action");

      w->has_dsn_recipient = TRUE;
      w->dsn_recipient = extract_address (block_get (block, "Final-Recipient"));
      if (w->dsn_recipient == NULL)
        w->dsn_recipient = extract_address (block_get (block, "Original-Recipient"));
      if (action != NULL)
        w->dsn_action = g_ascii_strdown (action, -1);
      if (status != NULL)
        {
          gsize n = strspn (status, "0123456789.");

          w->dsn_status = g_strndup (status, n);
        }
      w->dsn_diagnostic = clean_line (block_get (block, "Diagnostic-Code"), MAX_DIAGNOSTIC);
    }
}

static void
read_feedback_report (Walk       *w,
                      const char *text)
{
  g_autoptr(GPtrArray) blocks = parse_field_blocks (text);

  w->has_feedback_report = TRUE;
  for (guint i = 0; i < blocks->len; i++)
    {
      GPtrArray *block = g_ptr_array_index (blocks, i);
      const char *type = block_get (block, "Feedback-Type");
      const char *rcpt = block_get (block, "Original-Rcpt-To");

      if (rcpt == NULL)
        rcpt = block_get (block, "Removal-Recipient");
      if (type != NULL && w->feedback_type == NULL)
        w->feedback_type = clean_line (type, 64);
      if (rcpt != NULL && w->feedback_recipient == NULL)
        w->feedback_recipient = extract_address (rcpt);
    }
}

/* @given: the headers when the caller has parsed them already */
static void
walk_part (Walk                *w,
           const char          *data,
           gsize                len,
           const char          *default_type,
           guint                depth,
           const ObMimeHeaders *given)
{
  g_autoptr(ObMimeHeaders) parsed = NULL;
  const ObMimeHeaders *headers = given;
  g_auto(ContentType) ct = { NULL };
  const char *encoding = NULL;
  gsize body_start;
  gsize hlen;
  const char *body;
  gsize body_len;

  if (++w->n_parts > MAX_PARTS || depth > MAX_DEPTH)
    return;

  hlen = header_length (data, len, &body_start);
  if (headers == NULL && hlen > 0)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (data, hlen);

      headers = parsed = ob_mime_parse_headers (bytes, NULL);
    }
  parse_content_type (headers != NULL ? ob_mime_headers_get (headers, "Content-Type") : NULL,
                      default_type, &ct);
  if (headers != NULL)
    encoding = ob_mime_headers_get (headers, "Content-Transfer-Encoding");
  body = data + body_start;
  body_len = len - body_start;

  if (g_str_has_prefix (ct.type, "multipart/") && ct.boundary != NULL)
    {
      g_autofree char *delimiter = g_strconcat ("--", ct.boundary, NULL);
      gsize dlen = strlen (delimiter);
      const char *child_type = g_str_equal (ct.type, "multipart/digest") ? "message/rfc822" : "text/plain";
      const char *part_start = NULL;
      gsize i = 0;

      while (i < body_len)
        {
          const char *line = body + i;
          const char *eol = memchr (line, '\n', body_len - i);
          gsize line_len = eol != NULL ? (gsize) (eol - line) : body_len - i;
          gsize next = i + line_len + (eol != NULL ? 1 : 0);

          if (line_len >= dlen && memcmp (line, delimiter, dlen) == 0)
            {
              gboolean last = line_len >= dlen + 2 && line[dlen] == '-' && line[dlen + 1] == '-';

              if (part_start != NULL)
                {
                  /* The CRLF before a delimiter belongs to the delimiter */
                  gsize plen = line - part_start;

                  if (plen > 0 && part_start[plen - 1] == '\n')
                    plen--;
                  if (plen > 0 && part_start[plen - 1] == '\r')
                    plen--;
                  walk_part (w, part_start, plen, child_type, depth + 1, NULL);
                }
              part_start = last ? NULL : body + next;
              if (last)
                break;
            }
          i = next;
        }
      /* A message cut short inside its last part: read what there is */
      if (part_start != NULL && part_start < body + body_len)
        walk_part (w, part_start, body + body_len - part_start, child_type, depth + 1, NULL);
      return;
    }

  if (g_str_equal (ct.type, "message/delivery-status") ||
      g_str_equal (ct.type, "message/global-delivery-status"))
    {
      g_autofree char *text = decode_part_text (body, body_len, encoding, "utf-8");

      read_delivery_status (w, text);
    }
  else if (g_str_equal (ct.type, "message/feedback-report"))
    {
      g_autofree char *text = decode_part_text (body, body_len, encoding, "utf-8");

      read_feedback_report (w, text);
    }
  else if (g_str_equal (ct.type, "text/rfc822-headers") ||
           g_str_equal (ct.type, "message/rfc822") ||
           g_str_equal (ct.type, "message/global") ||
           g_str_equal (ct.type, "message/global-headers"))
    {
      if (encoding != NULL && (g_ascii_strncasecmp (encoding, "base64", 6) == 0 ||
                               g_ascii_strncasecmp (encoding, "quoted-printable", 16) == 0))
        {
          g_autofree char *text = decode_part_text (body, body_len, encoding, "utf-8");

          read_returned_headers (w, text, strlen (text));
        }
      else
        read_returned_headers (w, body, body_len);
    }
  else if (g_str_equal (ct.type, "text/plain") && w->text == NULL)
    {
      w->text = decode_part_text (body, body_len, encoding, ct.charset);
    }
  else if (g_str_equal (ct.type, "text/html") && w->html_text == NULL)
    {
      g_autofree char *html = decode_part_text (body, body_len, encoding, ct.charset);

      w->html_text = html_to_text (html);
    }
}

/* ---- The new text of a message ------------------------------------------- */

static gboolean
is_quote_start (const char *folded_line,
                const char *raw_line)
{
  static const char * const separators[] = {
    "-----original message-----", "----- original message -----",
    "-------- original message --------", "---------- forwarded message",
    "-----ursprüngliche nachricht-----", "----- ursprüngliche nachricht -----",
    "-----message d'origine-----", "----- message d'origine -----",
    "-----mensaje original-----", "----- mensaje original -----",
    "-----oryginalna wiadomość-----", "----- oryginalna wiadomość -----",
    "________________________________", "from: ", "von: ", "de: ", "de : ", "od: ",
    "sent from my", "wysłane z", "gesendet von", "envoyé de mon", "enviado desde",
    NULL
  };
  static const char * const attribution_ends[] = {
    "wrote:", "writes:", "pisze:", "napisał:", "napisała:", "napisał(a):", "schrieb:",
    "a écrit :", "a écrit:", "escribió:", NULL
  };

  if (raw_line[0] == '>' || g_str_equal (raw_line, "-- ") || g_str_equal (raw_line, "--"))
    return TRUE;
  if (starts_with_any (folded_line, separators))
    return TRUE;
  for (guint i = 0; attribution_ends[i] != NULL; i++)
    if (g_str_has_suffix (folded_line, attribution_ends[i]))
      return TRUE;

  return FALSE;
}

/* The lines before the quoted original, one line per paragraph; sets
 * @out_quoted when a quoted original was found after them. */
static char *
new_text (const char *text,
          gboolean   *out_quoted)
{
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);

  *out_quoted = FALSE;
  if (text == NULL)
    return g_string_free (out, FALSE);

  lines = g_strsplit (text, "\n", 2000);
  for (guint i = 0; lines[i] != NULL && out->len < MAX_NEW_TEXT; i++)
    {
      g_autofree char *folded = NULL;
      char *line = lines[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      folded = fold_text (line);
      if (is_quote_start (folded, line))
        {
          *out_quoted = TRUE;
          break;
        }
      if (folded[0] == '\0')
        {
          if (out->len > 0 && out->str[out->len - 1] != '\n')
            g_string_append_c (out, '\n');
          continue;
        }
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, ' ');
      g_string_append (out, g_strstrip (line));
    }

  return g_string_free (out, FALSE);
}

/* ---- Return dates -------------------------------------------------------- */

typedef struct
{
  const char *text;
  gsize       start;
  gsize       end;
  gboolean    number;
  gboolean    word;
} Token;

static GArray *
tokenize (const char *text)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *p = text;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      Token t = { text, p - text, 0, FALSE, FALSE };

      if (g_unichar_isspace (c) || c == 0xa0)
        {
          p = g_utf8_next_char (p);
          continue;
        }
      if (g_ascii_isdigit (*p))
        {
          while (g_ascii_isdigit (*p))
            p++;
          t.number = TRUE;
        }
      else if (g_unichar_isalpha (c))
        {
          while (*p != '\0' && g_unichar_isalpha (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          t.word = TRUE;
        }
      else
        p = g_utf8_next_char (p);
      t.end = p - text;
      g_array_append_val (tokens, t);
    }

  return tokens;
}

static gboolean
token_is (const Token *t,
          const char  *word)
{
  gsize n = strlen (word);

  return t->end - t->start == n && strncmp (t->text + t->start, word, n) == 0;
}

static int
token_number (const Token *t)
{
  if (!t->number || t->end - t->start > 4)
    return -1;
  return (int) g_ascii_strtoll (t->text + t->start, NULL, 10);
}

static gsize
token_length (const Token *t)
{
  return t->end - t->start;
}

/* Month names and abbreviations (lower case) in en, pl, de, fr, es. */
static int
token_month (const Token *t)
{
  static const struct { const char *name; int month; } months[] = {
    /* en */
    { "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 }, { "may", 5 },
    { "june", 6 }, { "july", 7 }, { "august", 8 }, { "september", 9 }, { "october", 10 },
    { "november", 11 }, { "december", 12 }, { "jan", 1 }, { "feb", 2 }, { "mar", 3 },
    { "apr", 4 }, { "jun", 6 }, { "jul", 7 }, { "aug", 8 }, { "sep", 9 }, { "sept", 9 },
    { "oct", 10 }, { "nov", 11 }, { "dec", 12 },
    /* pl: genitive (as dates are written) and nominative */
    { "stycznia", 1 }, { "lutego", 2 }, { "marca", 3 }, { "kwietnia", 4 }, { "maja", 5 },
    { "czerwca", 6 }, { "lipca", 7 }, { "sierpnia", 8 }, { "września", 9 },
    { "października", 10 }, { "listopada", 11 }, { "grudnia", 12 }, { "styczeń", 1 },
    { "luty", 2 }, { "marzec", 3 }, { "kwiecień", 4 }, { "maj", 5 }, { "czerwiec", 6 },
    { "lipiec", 7 }, { "sierpień", 8 }, { "wrzesień", 9 }, { "październik", 10 },
    { "listopad", 11 }, { "grudzień", 12 }, { "sty", 1 }, { "lut", 2 }, { "kwi", 4 },
    { "cze", 6 }, { "lip", 7 }, { "sie", 8 }, { "wrz", 9 }, { "paź", 10 }, { "lis", 11 },
    { "gru", 12 },
    /* de */
    { "januar", 1 }, { "jänner", 1 }, { "februar", 2 }, { "märz", 3 }, { "mai", 5 },
    { "juni", 6 }, { "juli", 7 }, { "oktober", 10 }, { "dezember", 12 }, { "mär", 3 },
    { "okt", 10 }, { "dez", 12 },
    /* fr */
    { "janvier", 1 }, { "février", 2 }, { "fevrier", 2 }, { "mars", 3 }, { "avril", 4 },
    { "juin", 6 }, { "juillet", 7 }, { "août", 8 }, { "aout", 8 }, { "septembre", 9 },
    { "octobre", 10 }, { "novembre", 11 }, { "décembre", 12 }, { "decembre", 12 },
    { "janv", 1 }, { "févr", 2 }, { "avr", 4 }, { "juil", 7 }, { "déc", 12 },
    /* es */
    { "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 }, { "mayo", 5 },
    { "junio", 6 }, { "julio", 7 }, { "agosto", 8 }, { "septiembre", 9 }, { "setiembre", 9 },
    { "octubre", 10 }, { "noviembre", 11 }, { "diciembre", 12 }, { "ene", 1 }, { "abr", 4 },
    { "ago", 8 }, { "dic", 12 },
  };

  if (!t->word)
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (months); i++)
    if (token_is (t, months[i].name))
      return months[i].month;
  return 0;
}

/* Words after which a date is the day someone is away until or back on. */
static gboolean
token_is_trigger (const Token *t)
{
  static const char * const triggers[] = {
    /* en */ "until", "till", "til", "back", "return", "returning", "returns", "through", "thru",
    /* pl */ "do", "wracam", "powrót", "powrotu", "wrócę", "dnia", "dostępny", "dostępna",
    /* de */ "bis", "zum", "zurück", "wieder", "einschließlich", "ab",
    /* fr */ "jusqu", "au", "retour", "partir", "du",
    /* es */ "hasta", "regreso", "volveré", "vuelvo", "regresaré", "del",
    NULL
  };

  if (!t->word)
    return FALSE;
  for (guint i = 0; triggers[i] != NULL; i++)
    if (token_is (t, triggers[i]))
      return TRUE;
  return FALSE;
}

/* Words that may stand between a trigger and its date. */
static gboolean
token_is_filler (const Token *t)
{
  static const char * const fillers[] = {
    "on", "the", "in", "office", "to", "be", "will", "i", "am", "from", "dem", "den", "am", "le",
    "el", "de", "l", "à", "a", "office", "bureau", "la", "oficina", "biura", "biurze", "w", "we",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "wed", "thu", "fri", "poniedziałek", "poniedziałku", "wtorek", "wtorku", "środa", "środy",
    "czwartek", "czwartku", "piątek", "piątku", "montag", "dienstag", "mittwoch", "donnerstag",
    "freitag", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "lunes", "martes", "miércoles",
    "jueves", "viernes", "dnia", "włącznie", "inclusive", NULL
  };

  if (!t->word)
    return !t->number && token_length (t) == 1 &&
           strchr (",'’-–:", t->text[t->start]) != NULL;
  for (guint i = 0; fillers[i] != NULL; i++)
    if (token_is (t, fillers[i]))
      return TRUE;
  return FALSE;
}

static gboolean
adjacent (const Token *a,
          const Token *b)
{
  return a->end == b->start;
}

static gboolean
is_char (const Token *t,
         char         c)
{
  return !t->number && !t->word && token_length (t) == 1 && t->text[t->start] == c;
}

typedef struct
{
  int      day, month, year;  /* year 0: not written */
  gboolean needs_trigger;     /* numeric without a year: only after a trigger */
  guint    first, last;       /* token range */
} DateMatch;

static int
full_year (const Token *t)
{
  int y = token_number (t);

  if (y < 0)
    return -1;
  if (token_length (t) == 2)
    return 2000 + y;
  if (token_length (t) == 4 && y >= 1990 && y <= 2200)
    return y;
  return -1;
}

/* A date starting at token @i. */
static gboolean
match_date (const Token *tk,
            guint        n,
            guint        i,
            DateMatch   *m)
{
  const Token *t = &tk[i];
  int month;

  memset (m, 0, sizeof *m);
  m->first = i;

  /* 2026-12-03 */
  if (t->number && token_length (t) == 4 && i + 4 < n && is_char (&tk[i + 1], '-') &&
      tk[i + 2].number && is_char (&tk[i + 3], '-') && tk[i + 4].number &&
      adjacent (t, &tk[i + 1]) && adjacent (&tk[i + 1], &tk[i + 2]) &&
      adjacent (&tk[i + 2], &tk[i + 3]) && adjacent (&tk[i + 3], &tk[i + 4]))
    {
      m->year = full_year (t);
      m->month = token_number (&tk[i + 2]);
      m->day = token_number (&tk[i + 4]);
      m->last = i + 4;
      return m->year > 0;
    }

  /* 3.12.2026, 03/12/26, 3.12., 3/12 */
  if (t->number && token_length (t) <= 2 && i + 2 < n &&
      (is_char (&tk[i + 1], '.') || is_char (&tk[i + 1], '/') || is_char (&tk[i + 1], '-')) &&
      tk[i + 2].number && token_length (&tk[i + 2]) <= 2 &&
      adjacent (t, &tk[i + 1]) && adjacent (&tk[i + 1], &tk[i + 2]))
    {
      char sep = t->text[tk[i + 1].start];
      int a = token_number (t);
      int b = token_number (&tk[i + 2]);

      m->last = i + 2;
      if (i + 4 < n && is_char (&tk[i + 3], sep) && adjacent (&tk[i + 2], &tk[i + 3]) &&
          tk[i + 4].number && adjacent (&tk[i + 3], &tk[i + 4]) && full_year (&tk[i + 4]) > 0)
        {
          m->year = full_year (&tk[i + 4]);
          m->last = i + 4;
        }
      else
        m->needs_trigger = TRUE;
      /* Day first, as in every language here but US English; month first
       * only when the day-first reading is impossible. */
      if (b <= 12)
        {
          m->day = a;
          m->month = b;
        }
      else
        {
          m->day = b;
          m->month = a;
        }
      return TRUE;
    }

  /* 3 December, 3. Dezember, 3rd of December, 1er décembre, 3 de diciembre */
  if (t->number && token_length (t) <= 2)
    {
      guint j = i + 1;

      if (j < n && is_char (&tk[j], '.') && adjacent (t, &tk[j]))
        j++;
      else if (j < n && tk[j].word && adjacent (t, &tk[j]) &&
               (token_is (&tk[j], "st") || token_is (&tk[j], "nd") || token_is (&tk[j], "rd") ||
                token_is (&tk[j], "th") || token_is (&tk[j], "er")))
        j++;
      if (j < n && (token_is (&tk[j], "de") || token_is (&tk[j], "of")))
        j++;
      if (j < n && (month = token_month (&tk[j])) > 0)
        {
          m->day = token_number (t);
          m->month = month;
          m->last = j;
          j++;
          if (j < n && is_char (&tk[j], '.'))
            j++;
          if (j < n && (token_is (&tk[j], "de") || is_char (&tk[j], ',')))
            j++;
          if (j < n && tk[j].number && token_length (&tk[j]) == 4 && full_year (&tk[j]) > 0)
            {
              m->year = full_year (&tk[j]);
              m->last = j;
            }
          return TRUE;
        }
    }

  /* December 3, Dec 3rd, 2026 */
  if ((month = token_month (t)) > 0 && i + 1 < n)
    {
      guint j = i + 1;

      if (is_char (&tk[j], '.'))
        j++;
      if (j < n && tk[j].number && token_length (&tk[j]) <= 2)
        {
          m->month = month;
          m->day = token_number (&tk[j]);
          m->last = j;
          j++;
          if (j < n && tk[j].word && adjacent (&tk[j - 1], &tk[j]) &&
              (token_is (&tk[j], "st") || token_is (&tk[j], "nd") || token_is (&tk[j], "rd") ||
               token_is (&tk[j], "th")))
            j++;
          if (j < n && is_char (&tk[j], ','))
            j++;
          if (j < n && tk[j].number && token_length (&tk[j]) == 4 && full_year (&tk[j]) > 0)
            {
              m->year = full_year (&tk[j]);
              m->last = j;
            }
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
preceded_by_trigger (const Token *tk,
                     guint        i)
{
  for (guint back = 1; back <= 6 && back <= i; back++)
    {
      const Token *t = &tk[i - back];

      if (token_is_trigger (t))
        return TRUE;
      if (!token_is_filler (t) && !is_char (t, '.'))
        return FALSE;
    }
  return FALSE;
}

/**
 * ob_classify_find_return_date:
 * @text: an out-of-office text, any case
 * @reference: the day the message was written: a date without a year is
 *   the next such day from a week before it
 * @out: (out): the return date
 *
 * Finds "back on 12 March", "until 2026-12-03", "do 5 grudnia", "bis zum
 * 3. Dezember", "jusqu'au 3 décembre", "hasta el 3 de diciembre",
 * "3.12.2026", "03/12"... A date after such a word wins over one written
 * alone; of several, the latest. Numeric dates without a year count only
 * after such a word (too many other things look like "1/2").
 *
 * Returns: %TRUE when a date was found
 */
gboolean
ob_classify_find_return_date (const char  *text,
                              const GDate *reference,
                              GDate       *out)
{
  g_autofree char *lower = NULL;
  g_autoptr(GArray) tokens = NULL;
  GDate best_triggered;
  GDate best_plain;
  GDate earliest;

  g_return_val_if_fail (reference != NULL && g_date_valid (reference), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  g_date_clear (out, 1);
  if (text == NULL)
    return FALSE;
  g_date_clear (&best_triggered, 1);
  g_date_clear (&best_plain, 1);
  earliest = *reference;
  g_date_subtract_days (&earliest, 7);

  {
    g_autofree char *valid = g_utf8_make_valid (text, -1);
    gsize len = strlen (valid);

    /* Cut at a character boundary */
    if (len > MAX_NEW_TEXT)
      len = g_utf8_find_prev_char (valid, valid + MAX_NEW_TEXT + 1) - valid;
    lower = g_utf8_strdown (valid, len);
  }
  tokens = tokenize (lower);

  for (guint i = 0; i < tokens->len; i++)
    {
      const Token *tk = (const Token *) tokens->data;
      DateMatch m;
      gboolean triggered;
      int year;
      GDate date;

      if (!match_date (tk, tokens->len, i, &m))
        continue;
      triggered = preceded_by_trigger (tk, i);
      if (m.needs_trigger && !triggered)
        {
          i = m.last;
          continue;
        }
      year = m.year;
      if (m.month < 1 || m.month > 12 || m.day < 1 || m.day > 31)
        {
          i = m.last;
          continue;
        }
      if (year == 0)
        {
          year = g_date_get_year (reference);
          if (g_date_valid_dmy (m.day, m.month, year))
            {
              g_date_clear (&date, 1);
              g_date_set_dmy (&date, m.day, m.month, year);
              if (g_date_compare (&date, &earliest) < 0)
                year++;
            }
          else
            {
              year++;
            }
        }
      if (year > G_MAXUINT16 || !g_date_valid_dmy (m.day, m.month, year))
        {
          i = m.last;
          continue;
        }
      g_date_clear (&date, 1);
      g_date_set_dmy (&date, m.day, m.month, year);
      i = m.last;
      /* A date long past is a signature's or a quote's, not a return */
      if (g_date_compare (&date, &earliest) < 0)
        continue;

      if (triggered)
        {
          if (!g_date_valid (&best_triggered) || g_date_compare (&date, &best_triggered) > 0)
            best_triggered = date;
        }
      else if (!g_date_valid (&best_plain) || g_date_compare (&date, &best_plain) > 0)
        {
          best_plain = date;
        }
    }

  if (g_date_valid (&best_triggered))
    *out = best_triggered;
  else if (g_date_valid (&best_plain))
    *out = best_plain;

  return g_date_valid (out);
}

/* ---- Recognisers --------------------------------------------------------- */

static gboolean
header_says_auto (const char *value)
{
  g_autofree char *v = NULL;

  if (value == NULL)
    return FALSE;
  v = g_ascii_strdown (value, -1);
  g_strstrip (v);
  /* "no", also with a comment or parameters after it */
  return v[0] != '\0' && !(g_str_has_prefix (v, "no") && !g_ascii_isalnum (v[2]));
}

static gboolean
subject_is_out_of_office (const char *folded)
{
  static const char * const prefixes[] = {
    "auto:", "autoreply", "auto reply", "auto-reply", "auto response", "autoresponse",
    "automatic reply", "automatische antwort", "out of office", "out of the office", "ooo ", "ooo:",
    "[ooo]", "[auto", "abwesend", "abwesenheit", "odpowiedź automatyczna", "automatyczna odpowiedź",
    "autoodpowiedź", "nieobecność", "poza biurem", "réponse automatique", "absence du bureau",
    "absent du bureau", "absent(e)", "respuesta automática", "respuesta automatica",
    "fuera de la oficina", "fuera de oficina", "ausente", "vacation", "on vacation", "urlop", NULL
  };
  static const char * const inside[] = {
    "out of office", "out of the office", "automatic reply", "auto-reply", "autoreply",
    "abwesenheitsnotiz", "automatische antwort", "odpowiedź automatyczna",
    "automatyczna odpowiedź", "réponse automatique", "respuesta automática", "fuera de la oficina",
    NULL
  };

  /* Inside a reply's subject these are more likely the campaign's topic
   * ("Re: your auto-reply settings") than an autoresponder's words */
  if (g_str_has_prefix (folded, "re:") || g_str_has_prefix (folded, "aw:") ||
      g_str_has_prefix (folded, "odp:") || g_str_has_prefix (folded, "rv:") ||
      g_str_has_prefix (folded, "re :"))
    return FALSE;

  return starts_with_any (folded, prefixes) || contains_any (folded, inside);
}

static gboolean
text_is_out_of_office (const char *folded)
{
  static const char * const phrases[] = {
    /* en */
    "out of the office", "out of office", "away from the office", "away from my desk",
    "on vacation", "on holiday", "on annual leave", "on leave until", "on parental leave",
    "on maternity leave", "on paternity leave", "limited access to email",
    "limited access to e-mail", "limited access to my email", "currently away", "i am away",
    "i'm away", "this is an automatic reply", "this is an automated reply",
    "this is an automated response", "this is an automatic response",
    /* pl */
    "jestem na urlopie", "przebywam na urlopie", "jestem poza biurem", "przebywam poza biurem",
    "jestem nieobecn", "będę nieobecn", "ograniczony dostęp do poczty", "ograniczonym dostępem",
    "to jest automatyczna odpowiedź", "wiadomość wygenerowana automatycznie",
    /* de */
    "nicht im büro", "bin abwesend", "bin ich abwesend", "ich bin bis", "im urlaub",
    "außer haus", "nur eingeschränkt", "keinen zugriff auf meine e-mails",
    "dies ist eine automatische antwort", "nicht erreichbar",
    /* fr */
    "absent du bureau", "absente du bureau", "je suis absent", "je suis actuellement absent",
    "en congé", "en congés", "en vacances", "accès limité", "ceci est une réponse automatique",
    /* es */
    "fuera de la oficina", "de vacaciones", "estoy ausente", "estaré ausente", "estaré fuera",
    "estoy fuera", "acceso limitado", "esta es una respuesta automática",
    NULL
  };

  return contains_any (folded, phrases);
}

/* Whole requests, as a subject or a first paragraph of their own */
static const char * const removal_words[] = {
  "unsubscribe", "unsubscribe me", "please unsubscribe", "remove", "remove me", "please remove me",
  "stop", "opt out", "opt-out", "wypisz", "wypisz mnie", "rezygnacja", "proszę wypisać",
  "abmelden", "bitte abmelden", "abbestellen", "désinscription", "désabonnement", "désinscrire",
  "baja", "darme de baja", "dar de baja", NULL
};

/* Words that do not need a whole line: in a person's opening lines they
 * ask to be removed. Bare words that a reply could use about something
 * else ("your unsubscribe page", "dar de baja un pedido") are not here. */
static gboolean
text_asks_removal (const char *folded)
{
  static const char * const phrases[] = {
    /* en */
    "unsubscribe me", "please unsubscribe", "unsubscribe please", "pls unsubscribe",
    "want to unsubscribe", "like to unsubscribe", "wish to unsubscribe", "how do i unsubscribe",
    "how can i unsubscribe", "unsubscribe from", "unsubscribe my", "unsubscribe us",
    "remove me", "remove my email", "remove my address", "remove us from", "take me off",
    "take us off", "opt me out", "opt out of", "stop emailing", "stop e-mailing", "stop sending",
    "stop contacting", "stop writing to me", "do not contact me", "don't contact me",
    "do not email me", "don't email me", "do not e-mail me", "no more emails",
    "no more e-mails", "don't send me", "do not send me",
    /* pl */
    "wypisz mnie", "wypiszcie mnie", "proszę mnie wypisać", "prosze mnie wypisac", "wypisać mnie",
    "proszę usunąć", "prosze usunac", "usuń mnie", "usuńcie mnie", "usunięcie mnie",
    "usunięcie mojego", "nie wysyłajcie", "proszę nie pisać", "proszę więcej nie pisać",
    "nie chcę otrzymywać", "nie życzę sobie",
    /* de */
    "bitte abmelden", "mich abmelden", "melden sie mich ab", "abbestellen", "austragen",
    "entfernen sie mich", "bitte entfernen", "löschen sie mich", "keine weiteren e-mails",
    "keine e-mails mehr", "keine mails mehr", "nicht mehr kontaktieren", "nicht mehr anschreiben",
    "aus ihrem verteiler",
    /* fr */
    "désinscrire", "désinscription", "desinscrire", "désabonner", "désabonnement",
    "retirez-moi", "retirez moi", "retirer de votre liste", "supprimez-moi", "supprimez moi",
    "ne plus recevoir", "ne me contactez plus", "arrêtez de m'écrire",
    /* es */
    "darme de baja", "dame de baja", "denme de baja", "darnos de baja", "baja de la lista",
    "baja de su lista", "elimíname", "eliminarme", "borrarme", "no me escriban",
    "no quiero recibir", "quitarme de", "sacarme de", "no me contacten", "no me envíen",
    NULL
  };

  return contains_any (folded, phrases);
}

/* @folded without the punctuation around it is one of removal_words. */
static gboolean
is_removal_word (const char *folded)
{
  g_autofree char *bare = g_strdup (folded);
  gsize len;

  g_strstrip (bare);
  len = strlen (bare);
  while (len > 0 && strchr (".!,;:-?", bare[len - 1]) != NULL)
    bare[--len] = '\0';
  g_strstrip (bare);
  for (guint i = 0; removal_words[i] != NULL; i++)
    if (g_str_equal (bare, removal_words[i]))
      return TRUE;
  return FALSE;
}

/* "Re: Quick question about your unsubscribe page" asks nothing: in a
 * reply's subject only a whole request counts; in a fresh subject, the
 * phrases do too. */
static gboolean
subject_asks_removal (const char *folded)
{
  const char *s = folded;
  gboolean reply = FALSE;

  while (g_str_has_prefix (s, "re:") || g_str_has_prefix (s, "aw:") ||
         g_str_has_prefix (s, "odp:") || g_str_has_prefix (s, "sv:") ||
         g_str_has_prefix (s, "re :") || g_str_has_prefix (s, "ynt:") ||
         g_str_has_prefix (s, "fwd:") || g_str_has_prefix (s, "fw:") ||
         g_str_has_prefix (s, "wg:") || g_str_has_prefix (s, "tr:") ||
         g_str_has_prefix (s, "rv:") || g_str_has_prefix (s, "pd:"))
    {
      s = strchr (s, ':') + 1;
      while (*s == ' ')
        s++;
      reply = TRUE;
    }

  return is_removal_word (s) || (!reply && text_asks_removal (s));
}

static gboolean
is_daemon_sender (const ObMimeHeaders *headers)
{
  static const char * const locals[] = {
    "mailer-daemon@", "mailer_daemon@", "mailerdaemon@", "mail-daemon@", "postmaster@",
    "mdaemon@", "bounce@", "bounces@", NULL
  };
  g_autofree char *from = g_ascii_strdown (headers->from_addr != NULL ? headers->from_addr : "", -1);
  g_autofree char *name = fold_text (headers->from_name);

  return starts_with_any (from, locals) || g_str_equal (from, "mailer-daemon") ||
         strstr (name, "mail delivery") != NULL || strstr (name, "mailer-daemon") != NULL ||
         strstr (name, "postmaster") != NULL;
}

static gboolean
subject_is_bounce (const char *folded)
{
  static const char * const phrases[] = {
    "undelivered mail returned to sender", "mail delivery failed", "failure notice",
    "undeliverable", "undelivered mail", "delivery status notification", "returned mail",
    "delivery failure", "mail delivery failure", "delivery has failed", "message not delivered",
    "mail system error", "delivery notification", "non remis", "impossible de remettre",
    "unzustellbar", "nicht zustellbar", "niedostarczalne", "niedostarczona", "nie można dostarczyć",
    "no se puede entregar", "no entregado", "delayed mail", "delivery delayed",
    "message delayed", "warning: message", "delivery incomplete", "returned to sender",
    NULL
  };

  /* As MTAs start their subjects: a person's "Re: delivery failure rates"
   * is no bounce */
  return starts_with_any (folded, phrases);
}

static gboolean
text_is_bounce (const char *folded)
{
  static const char * const phrases[] = {
    "could not be delivered", "couldn't be delivered", "wasn't delivered", "was not delivered",
    "delivery has failed", "delivery to the following recipient", "wasn't able to deliver",
    "was not able to deliver", "permanent error", "permanent failure",
    "the following address(es) failed", "undeliverable", "address not found", "user unknown",
    "mailbox unavailable", "recipient address rejected", "has not yet been delivered",
    "delivery to the following recipients has been delayed", "delivery is delayed",
    "no such user", "not delivered", "message was undeliverable", "returned to sender",
    "temporary failure", "temporary error", "unable to deliver", "nie można dostarczyć",
    "nie została dostarczona", "konnte nicht zugestellt werden", "n'a pas pu être remis",
    "no se pudo entregar", NULL
  };

  return contains_any (folded, phrases);
}

static gboolean
text_is_soft_bounce (const char *folded)
{
  static const char * const phrases[] = {
    "has not yet been delivered", "has been delayed", "is delayed", "delivery delayed",
    "temporary error", "temporary failure", "temporarily", "will keep trying", "will retry",
    "will continue trying", "still trying", "will be retried", "not yet been delivered",
    "warning: message", NULL
  };

  return contains_any (folded, phrases);
}

/* An enhanced status code (RFC 3463) standing alone, not a part of an IP
 * address or a version number: its start in @text, or NULL. */
static const char *
find_status_code (const char *text,
                  char        out[16])
{
  static GRegex *regex = NULL;
  g_autoptr(GMatchInfo) info = NULL;
  const char *found = NULL;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?<![0-9.])([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?![0-9]|\\.[0-9])",
                               G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, r);
    }

  if (g_regex_match (regex, text, 0, &info))
    {
      int start, end;

      g_match_info_fetch_pos (info, 1, &start, &end);
      if (end - start < 16)
        {
          memcpy (out, text + start, end - start);
          out[end - start] = '\0';
          found = text + start;
        }
    }

  return found;
}

/* A basic SMTP reply code (550, 452) at the start of a reply text. */
static const char *
find_smtp_code (const char *text,
                char        out[4])
{
  static GRegex *regex = NULL;
  g_autoptr(GMatchInfo) info = NULL;
  const char *found = NULL;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?<![0-9.,:/])([45][0-9][0-9])[ -](?=[A-Za-z<#(\\[])",
                               G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, r);
    }

  if (g_regex_match (regex, text, 0, &info))
    {
      int start, end;

      g_match_info_fetch_pos (info, 1, &start, &end);
      memcpy (out, text + start, 3);
      out[3] = '\0';
      found = text + start;
    }

  return found;
}

/* The line of @text around @at, cleaned. */
static char *
line_around (const char *text,
             const char *at)
{
  const char *start = at;
  const char *end = strchr (at, '\n');
  g_autofree char *line = NULL;

  while (start > text && start[-1] != '\n')
    start--;
  line = g_strndup (start, end != NULL ? (gsize) (end - start) : strlen (start));

  return clean_line (line, MAX_DIAGNOSTIC);
}

/* Where the copy of the returned message begins in a text bounce, so the
 * recipient is looked for before it. */
static const char *
returned_copy_start (const char *text)
{
  static const char * const markers[] = {
    "--- Below this line is a copy of the message.", "------ This is a copy of the message",
    "Original message headers:", "----- Original message -----", "Return-Path:",
    "------- Original message", "The original message was", NULL
  };
  const char *first = NULL;

  for (guint i = 0; markers[i] != NULL; i++)
    {
      const char *at = strstr (text, markers[i]);

      if (at != NULL && (first == NULL || at < first))
        first = at;
    }

  return first;
}

static gboolean
is_role_address (const char *address)
{
  g_autofree char *lower = g_ascii_strdown (address, -1);

  return g_str_has_prefix (lower, "postmaster@") || g_str_has_prefix (lower, "mailer-daemon@") ||
         g_str_has_prefix (lower, "mailer_daemon@") || g_str_has_prefix (lower, "noreply@") ||
         g_str_has_prefix (lower, "no-reply@");
}

/* The recipient a text bounce names: the first address in it that is not
 * the daemon's own, the returned message's sender, or a role address. */
static char *
find_bounced_recipient (const char          *text,
                        const ObMimeHeaders *headers,
                        const char          *orig_from)
{
  static GRegex *regex = NULL;
  g_autoptr(GMatchInfo) info = NULL;
  const char *stop = returned_copy_start (text);
  g_autofree char *head = g_strndup (text, stop != NULL ? (gsize) (stop - text) : strlen (text));

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("[A-Za-z0-9._%+'=!#$&*/?^`{|}~-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+",
                               G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, r);
    }

  for (g_regex_match (regex, head, 0, &info); g_match_info_matches (info); g_match_info_next (info, NULL))
    {
      g_autofree char *address = g_match_info_fetch (info, 0);
      gsize len = strlen (address);

      while (len > 0 && address[len - 1] == '.')
        address[--len] = '\0';
      if (is_role_address (address))
        continue;
      if (headers->from_addr != NULL && g_ascii_strcasecmp (address, headers->from_addr) == 0)
        continue;
      if (headers->to_addr != NULL && g_ascii_strcasecmp (address, headers->to_addr) == 0)
        continue;
      if (orig_from != NULL && g_ascii_strcasecmp (address, orig_from) == 0)
        continue;
      return g_steal_pointer (&address);
    }

  return NULL;
}

/* "Message-ID: <...>" quoted in the text of a bounce that does not attach
 * the returned message as a MIME part (qmail, Exim, old Exchange). */
static char *
find_quoted_message_id (const char *text)
{
  const char *p = text;

  while ((p = strchr (p, '\n')) != NULL)
    {
      p++;
      while (*p == ' ' || *p == '\t' || *p == '>')
        p++;
      if (g_ascii_strncasecmp (p, "Message-ID:", 11) == 0)
        {
          const char *open = strchr (p, '<');
          const char *close = open != NULL ? strchr (open, '>') : NULL;
          const char *eol = strchr (p, '\n');

          if (open != NULL && close != NULL && (eol == NULL || close < eol) && close > open + 1)
            {
              g_autofree char *id = g_strndup (open + 1, close - open - 1);

              return g_utf8_make_valid (g_strstrip (id), -1);
            }
        }
    }

  return NULL;
}

/* ---- The verdict --------------------------------------------------------- */

typedef struct
{
  const ObClassifyLookup *lookup;
  gpointer                user_data;
} Ctx;

/* Ours are written by ob_mime_build(): printable ASCII, never longer than
 * that. Anything else is not even worth a lookup (and a lookup that says
 * yes to everything must not carry a control character into a verdict). */
static gboolean
could_be_ours (const char *message_id)
{
  gsize len = 0;

  if (message_id == NULL)
    return FALSE;
  for (const char *p = message_id; *p != '\0'; p++, len++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return FALSE;

  return len > 0 && len <= OB_MIME_MAX_MESSAGE_ID_LENGTH;
}

static gboolean
ours (Ctx              *ctx,
      const char       *message_id,
      ObClassifyTarget *out)
{
  if (!could_be_ours (message_id) || ctx->lookup == NULL || ctx->lookup->find_sent == NULL)
    return FALSE;
  memset (out, 0, sizeof *out);
  return ctx->lookup->find_sent (message_id, out, ctx->user_data);
}

static gboolean
prospect (Ctx              *ctx,
          const char       *key,
          ObClassifyTarget *out)
{
  if (key == NULL || ctx->lookup == NULL || ctx->lookup->find_prospect == NULL)
    return FALSE;
  memset (out, 0, sizeof *out);
  return ctx->lookup->find_prospect (key, out, ctx->user_data);
}

static gboolean
free_mail (Ctx        *ctx,
           const char *domain)
{
  if (ctx->lookup != NULL && ctx->lookup->is_free_mail != NULL)
    return ctx->lookup->is_free_mail (domain, ctx->user_data);
  return ob_email_domain_is_free_mail (domain);
}

static gboolean
company (Ctx              *ctx,
         const char       *domain,
         ObClassifyTarget *out)
{
  if (domain == NULL || ctx->lookup == NULL || ctx->lookup->find_company_prospect == NULL ||
      free_mail (ctx, domain))
    return FALSE;
  memset (out, 0, sizeof *out);
  return ctx->lookup->find_company_prospect (domain, out, ctx->user_data);
}

/* Our Message-ID among In-Reply-To, then References newest first. */
static gboolean
thread_match (Ctx                 *ctx,
              const ObMimeHeaders *headers,
              ObClassifyVerdict   *v)
{
  guint n = g_strv_length (headers->references);

  for (guint i = 0; headers->in_reply_to[i] != NULL; i++)
    if (ours (ctx, headers->in_reply_to[i], &v->target))
      {
        v->match = OB_CLASSIFY_MATCH_MESSAGE_ID;
        v->message_id = g_strdup (headers->in_reply_to[i]);
        return TRUE;
      }
  for (guint i = n; i > 0; i--)
    if (ours (ctx, headers->references[i - 1], &v->target))
      {
        v->match = OB_CLASSIFY_MATCH_MESSAGE_ID;
        v->message_id = g_strdup (headers->references[i - 1]);
        return TRUE;
      }

  return FALSE;
}

/* Ties a message written by a person (or their autoresponder) to us: the
 * thread, else From as a prospect, else (with @colleague) From's company. */
static void
sender_match (Ctx                 *ctx,
              const ObMimeHeaders *headers,
              const char          *from_key,
              const char          *from_domain,
              gboolean             colleague,
              ObClassifyVerdict   *v)
{
  if (thread_match (ctx, headers, v))
    return;
  if (prospect (ctx, from_key, &v->target))
    {
      v->match = OB_CLASSIFY_MATCH_FROM;
      return;
    }
  if (colleague && company (ctx, from_domain, &v->target))
    {
      v->match = OB_CLASSIFY_MATCH_COMPANY_DOMAIN;
      return;
    }
  memset (&v->target, 0, sizeof v->target);
}

/* Bounces and complaints: the returned message's Message-ID (quoted or
 * attached), the bounce's own In-Reply-To/References, then the recipient. */
static void
report_match (Ctx                 *ctx,
              const ObMimeHeaders *headers,
              const char          *quoted_id,
              const char          *recipient,
              ObClassifyVerdict   *v)
{
  g_autofree char *key = address_key (recipient, NULL);

  if (ours (ctx, quoted_id, &v->target))
    {
      v->match = OB_CLASSIFY_MATCH_MESSAGE_ID;
      v->message_id = g_strdup (quoted_id);
    }
  else if (!thread_match (ctx, headers, v))
    {
      if (prospect (ctx, key, &v->target))
        v->match = OB_CLASSIFY_MATCH_RECIPIENT;
      else
        memset (&v->target, 0, sizeof v->target);
    }
  if (recipient != NULL)
    v->address = key != NULL ? g_steal_pointer (&key) : clean_line (recipient, 254);
}

static void
set_reason (ObClassifyVerdict *v,
            const char        *reason)
{
  g_free (v->reason);
  v->reason = g_strdup (reason);
}

static gboolean
classify_report (Ctx                 *ctx,
                 const ObMimeHeaders *headers,
                 const ContentType   *ct,
                 Walk                *w,
                 const char          *text,
                 ObClassifyVerdict   *v)
{
  g_autofree char *quoted_id = NULL;

  /* Complaint: ARF (RFC 5965) */
  if (w->has_feedback_report ||
      (ct->report_type != NULL && g_str_equal (ct->report_type, "feedback-report")))
    {
      const char *recipient = w->feedback_recipient != NULL ? w->feedback_recipient : w->orig_to;

      v->kind = OB_CLASSIFY_COMPLAINT;
      set_reason (v, "arf");
      v->diagnostic = g_strdup (w->feedback_type);
      report_match (ctx, headers, w->orig_message_id, recipient, v);
      return TRUE;
    }

  quoted_id = g_strdup (w->orig_message_id);
  if (quoted_id == NULL && text != NULL)
    quoted_id = find_quoted_message_id (text);

  /* Bounce: a DSN (RFC 3464) */
  if (w->has_delivery_status && (w->dsn_action != NULL || w->dsn_status != NULL))
    {
      const char *action = w->dsn_action != NULL ? w->dsn_action : "";
      const char *status = w->dsn_status;
      const char *recipient = w->dsn_recipient != NULL ? w->dsn_recipient : w->orig_to;

      if (g_str_has_prefix (action, "delivered") || g_str_has_prefix (action, "relayed") ||
          g_str_has_prefix (action, "expanded"))
        {
          /* A success notice: a report, so never an auto-reply either */
          set_reason (v, "dsn-success");
          v->kind = OB_CLASSIFY_UNRELATED;
          return TRUE;
        }
      if (g_str_has_prefix (action, "delayed") || (status != NULL && status[0] == '4'))
        v->kind = OB_CLASSIFY_BOUNCE_SOFT;
      else
        v->kind = OB_CLASSIFY_BOUNCE_HARD;
      set_reason (v, g_str_has_prefix (action, "delayed") ? "dsn-delayed" : "dsn");
      v->status = status != NULL && status[0] != '\0' ? g_strdup (status) : NULL;
      v->diagnostic = g_strdup (w->dsn_diagnostic);
      if (v->diagnostic == NULL && text != NULL)
        {
          char code[16];
          const char *at = find_status_code (text, code);

          if (at != NULL)
            v->diagnostic = line_around (text, at);
        }
      report_match (ctx, headers, quoted_id, recipient, v);
      return TRUE;
    }

  /* Bounce: the text formats (Exim, qmail, Exchange, Gmail, Postfix) */
  {
    g_autofree char *subject = fold_text (headers->subject);
    g_autofree char *head = NULL;
    const char *copy = text != NULL ? returned_copy_start (text) : NULL;
    gboolean daemon = is_daemon_sender (headers);
    const char *return_path = ob_mime_headers_get (headers, "Return-Path");
    gboolean null_sender = return_path != NULL && g_str_equal (return_path, "<>");
    gboolean by_subject = subject_is_bounce (subject);
    gboolean by_text;
    char code[16];
    char smtp[4];
    const char *at;
    g_autofree char *recipient = NULL;

    if (text == NULL)
      return FALSE;
    if (copy != NULL)
      {
        g_autofree char *before = g_strndup (text, copy - text);

        head = fold_text (before);
      }
    else
      head = fold_text (text);
    by_text = text_is_bounce (head);

    if (!((daemon || null_sender) && (by_subject || by_text)) && !(by_subject && by_text))
      return FALSE;

    if (strstr (text, "This message was created automatically by mail delivery software") != NULL)
      set_reason (v, "exim");
    else if (strstr (text, "This is the qmail-send program") != NULL)
      set_reason (v, "qmail");
    else if (strstr (text, "Remote Server returned") != NULL ||
             strstr (text, "Delivery has failed to these recipients") != NULL ||
             strstr (text, "Diagnostic information for administrators") != NULL)
      set_reason (v, "exchange");
    else if (strstr (text, "wasn't delivered to") != NULL ||
             strstr (text, "Delivery to the following recipient") != NULL)
      set_reason (v, "gmail");
    else if (strstr (text, "This is the mail system at host") != NULL)
      set_reason (v, "postfix");
    else
      set_reason (v, "text-bounce");

    at = find_status_code (text, code);
    if (at != NULL && (copy == NULL || at < copy))
      {
        v->status = g_strdup (code);
        v->diagnostic = line_around (text, at);
      }
    else if ((at = find_smtp_code (text, smtp)) != NULL && (copy == NULL || at < copy))
      {
        v->status = g_strdup_printf ("%c.0.0", smtp[0]);
        v->diagnostic = line_around (text, at);
      }

    if (v->status != NULL)
      v->kind = v->status[0] == '4' ? OB_CLASSIFY_BOUNCE_SOFT : OB_CLASSIFY_BOUNCE_HARD;
    else
      v->kind = text_is_soft_bounce (head) && strstr (head, "permanent") == NULL
                ? OB_CLASSIFY_BOUNCE_SOFT : OB_CLASSIFY_BOUNCE_HARD;

    recipient = find_bounced_recipient (text, headers, w->orig_from);
    if (recipient == NULL && w->orig_to != NULL)
      recipient = g_strdup (w->orig_to);
    report_match (ctx, headers, quoted_id, recipient, v);
    return TRUE;
  }
}

static gboolean
classify_auto_reply (Ctx                 *ctx,
                     const ObMimeHeaders *headers,
                     const char          *subject,
                     const char          *fresh,
                     gboolean             quoted,
                     gboolean             list_mail,
                     ObClassifyVerdict   *v)
{
  const char *precedence = headers->precedence;
  gboolean bulk = FALSE;
  g_autofree char *prec = precedence != NULL ? g_ascii_strdown (precedence, -1) : NULL;
  gboolean by_subject = subject_is_out_of_office (subject);

  if (prec != NULL)
    {
      g_strstrip (prec);
      bulk = g_str_equal (prec, "bulk") || g_str_equal (prec, "junk") || g_str_equal (prec, "list");
    }

  if (header_says_auto (headers->auto_submitted))
    set_reason (v, "auto-submitted");
  else if (header_says_auto (headers->x_autoreply))
    set_reason (v, "x-autoreply");
  else if (header_says_auto (headers->x_autorespond))
    set_reason (v, "x-autorespond");
  else if (prec != NULL && g_str_equal (prec, "auto_reply"))
    set_reason (v, "precedence");
  else if (bulk && by_subject)
    set_reason (v, "precedence-bulk");
  else if (by_subject && !list_mail)
    set_reason (v, "subject");
  /* Phrases alone only in a text that quotes nothing: a person who writes
   * "I'm on vacation until Monday, let's talk then" above our message is
   * answering, and their sequence must stop. A newsletter is no answer. */
  else if (!quoted && !list_mail && !bulk && text_is_out_of_office (fresh))
    set_reason (v, "text");
  else
    return FALSE;

  v->kind = OB_CLASSIFY_AUTO_REPLY;
  return TRUE;
}

static void
find_return_date (ObClassifyVerdict   *v,
                  const ObMimeHeaders *headers,
                  GDateTime           *now,
                  const char          *subject,
                  const char          *fresh)
{
  g_autoptr(GDateTime) reference_time = NULL;
  g_autofree char *both = NULL;
  GDate reference;

  if (headers->date != NULL)
    reference_time = g_date_time_ref (headers->date);
  else if (now != NULL)
    reference_time = g_date_time_ref (now);
  else
    reference_time = g_date_time_new_now_utc ();

  g_date_clear (&reference, 1);
  g_date_set_dmy (&reference, g_date_time_get_day_of_month (reference_time),
                  g_date_time_get_month (reference_time), g_date_time_get_year (reference_time));
  /* Some put it in the subject: "Out of office until 3 December" */
  both = g_strconcat (subject != NULL ? subject : "", "\n", fresh, NULL);
  ob_classify_find_return_date (both, &reference, &v->return_date);
}

/**
 * ob_classify_message:
 * @message: the raw message (or its header section, as IMAP gives
 *   BODY.PEEK[HEADER]); CRLF or LF. Only the first
 *   %OB_CLASSIFY_MAX_BODY bytes of the body are read.
 * @now: (nullable): the reference for a return date without a year when
 *   the message has no Date (%NULL: the clock)
 * @lookup: (nullable): what Outbound sent; %NULL knows nothing (then no
 *   reply is ever found, but bounces, complaints, auto-replies and
 *   unsubscribe requests still are)
 * @user_data: for the lookup callbacks
 * @error: %OB_MIME_ERROR_PARSE when @message has no header field at all
 *
 * Returns: (transfer full) (nullable): the verdict
 */
/**
 * ob_classify_needs_text:
 * @headers: a message's header block (at least the fields the watcher
 *   fetches, ob_imap_watch_headers), or the whole message
 * @lookup: (nullable): as for ob_classify_message(); its find_prospect
 *   should answer for every address the caller would act on
 * @user_data: for @lookup
 *
 * Whether the rest of the message must be read to know what it means to
 * Outbound. %FALSE only when nothing in the header fields can tie it to
 * what Outbound sent and nothing says it is a delivery or feedback report:
 * no Message-ID of ours in In-Reply-To or References, From neither a
 * prospect nor at a prospect's company domain, To not our unsubscribe
 * address, and the sender, Return-Path, Subject and Content-Type those of
 * ordinary mail. Such a message is unrelated whatever its text says (its
 * verdict could only be one nobody acts on), so a catch-up over thousands
 * of messages fetches and reads the text of the few that matter.
 *
 * Returns: %TRUE when ob_classify_message() needs the whole message
 */
gboolean
ob_classify_needs_text (GBytes                 *headers,
                        const ObClassifyLookup *lookup,
                        gpointer                user_data)
{
  g_autoptr(ObMimeHeaders) h = NULL;
  g_auto(ContentType) ct = { NULL };
  g_autofree char *from_key = NULL;
  g_autofree char *from_domain = NULL;
  g_autofree char *subject = NULL;
  ObClassifyVerdict scratch = { 0 };
  ObClassifyTarget target;
  Ctx ctx = { lookup, user_data };
  const char *return_path;
  gboolean tied;

  g_return_val_if_fail (headers != NULL, TRUE);

  h = ob_mime_parse_headers (headers, NULL);
  if (h == NULL)
    return TRUE;

  /* Tied by the header fields: the thread, the sender, the address. */
  tied = thread_match (&ctx, h, &scratch);
  g_free (scratch.message_id);
  if (tied)
    return TRUE;
  from_key = address_key (h->from_addr, &from_domain);
  if (prospect (&ctx, from_key, &target) || company (&ctx, from_domain, &target))
    return TRUE;
  if (lookup != NULL && lookup->is_unsubscribe_address != NULL && h->to_addr != NULL)
    {
      g_autofree char *to_key = address_key (h->to_addr, NULL);

      if (to_key != NULL && lookup->is_unsubscribe_address (to_key, user_data))
        return TRUE;
    }

  /* A report names the recipient and our Message-ID in its text: every
   * sign classify_report() starts from. */
  return_path = ob_mime_headers_get (h, "Return-Path");
  if (is_daemon_sender (h) || (return_path != NULL && g_str_equal (return_path, "<>")) ||
      ob_mime_headers_get (h, "X-Failed-Recipients") != NULL ||
      ob_mime_headers_get (h, "Feedback-Type") != NULL)
    return TRUE;
  subject = fold_text (h->subject);
  if (subject_is_bounce (subject))
    return TRUE;
  /* Reports are multipart/report, or come as parts of a mixed message. */
  parse_content_type (h->content_type, "text/plain", &ct);
  if (ct.type != NULL && (g_str_equal (ct.type, "multipart/report") || g_str_equal (ct.type, "multipart/mixed") ||
                          g_str_has_prefix (ct.type, "message/")))
    return TRUE;
  return FALSE;
}

ObClassifyVerdict *
ob_classify_message (GBytes                  *message,
                     GDateTime               *now,
                     const ObClassifyLookup  *lookup,
                     gpointer                 user_data,
                     GError                 **error)
{
  g_autoptr(ObClassifyVerdict) v = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(GBytes) bounded = NULL;
  g_auto(ContentType) ct = { NULL };
  g_autofree char *subject = NULL;
  g_autofree char *fresh = NULL;
  g_autofree char *fresh_raw = NULL;
  g_autofree char *opening = NULL;
  g_autofree char *from_key = NULL;
  g_autofree char *from_domain = NULL;
  Walk w = { 0 };
  Ctx ctx = { lookup, user_data };
  const char *data;
  const char *text;
  gsize len;
  gsize body_start;
  gboolean quoted = FALSE;
  gboolean unsubscribe_address = FALSE;
  gboolean list_mail;
  gboolean removal_text;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  headers = ob_mime_parse_headers (message, error);
  if (headers == NULL)
    return NULL;

  data = g_bytes_get_data (message, &len);
  if (data == NULL)
    data = "";
  /* An mbox "From " line, as ob_mime_parse_headers() skips it */
  if (len > 5 && strncmp (data, "From ", 5) == 0)
    {
      const char *eol = memchr (data, '\n', len);
      gsize skip = eol != NULL ? (gsize) (eol - data) + 1 : len;

      data += skip;
      len -= skip;
    }
  header_length (data, len, &body_start);
  bounded = g_bytes_new (data, MIN (len, body_start + OB_CLASSIFY_MAX_BODY));
  data = g_bytes_get_data (bounded, &len);
  walk_part (&w, data != NULL ? data : "", len, "text/plain", 0, headers);
  parse_content_type (headers->content_type, "text/plain", &ct);

  text = w.text != NULL ? w.text : w.html_text;
  fresh_raw = new_text (text, &quoted);
  fresh = fold_text (fresh_raw);
  subject = fold_text (headers->subject);
  from_key = address_key (headers->from_addr, &from_domain);

  v = g_new0 (ObClassifyVerdict, 1);
  g_date_clear (&v->return_date, 1);
  v->from_addr = headers->from_addr != NULL ? clean_line (headers->from_addr, 254) : NULL;
  v->subject = headers->subject != NULL ? clean_line (headers->subject, 998) : NULL;
  v->snippet = clean_line (fresh_raw, MAX_SNIPPET);

  if (classify_report (&ctx, headers, &ct, &w, text, v))
    goto done;
  g_clear_pointer (&v->reason, g_free);

  /* Our own mail, come back (a copy to self, a Bcc): never an answer */
  if (from_key != NULL && lookup != NULL && lookup->is_own_address != NULL &&
      lookup->is_own_address (from_key, user_data))
    {
      v->kind = OB_CLASSIFY_UNRELATED;
      set_reason (v, "own-address");
      goto done;
    }

  list_mail = ob_mime_headers_get (headers, "List-Id") != NULL || headers->list_unsubscribe != NULL;
  if (classify_auto_reply (&ctx, headers, subject, fresh, quoted, list_mail, v))
    {
      sender_match (&ctx, headers, from_key, from_domain, TRUE, v);
      /* A mailing list's machine mail (notifications marked
       * auto-generated) that answers nothing of ours is just mail */
      if (list_mail && v->match == OB_CLASSIFY_MATCH_NONE)
        {
          v->kind = OB_CLASSIFY_UNRELATED;
          set_reason (v, "list-mail");
          goto done;
        }
      v->address = g_strdup (from_key);
      find_return_date (v, headers, now, subject, fresh);
      goto done;
    }

  /* Unsubscribe: our List-Unsubscribe mailto, or words asking for it */
  if (lookup != NULL && lookup->is_unsubscribe_address != NULL && headers->to_addr != NULL)
    {
      g_autofree char *to_key = address_key (headers->to_addr, NULL);

      unsubscribe_address = to_key != NULL && lookup->is_unsubscribe_address (to_key, user_data);
    }
  opening = g_utf8_substring (fresh, 0, MIN (g_utf8_strlen (fresh, -1), MAX_OPENING));
  {
    g_autofree char *first = g_strndup (fresh_raw, strcspn (fresh_raw, "\n"));
    g_autofree char *first_folded = fold_text (first);

    removal_text = text_asks_removal (opening) || is_removal_word (first_folded);
  }
  if (unsubscribe_address || subject_asks_removal (subject) || removal_text)
    {
      /* A newsletter's footer is not a request: lists say who they are */
      if (unsubscribe_address || !list_mail)
        {
          v->kind = OB_CLASSIFY_UNSUBSCRIBE;
          set_reason (v, unsubscribe_address ? "unsubscribe-address"
                         : subject_asks_removal (subject) ? "subject" : "text");
          sender_match (&ctx, headers, from_key, from_domain, TRUE, v);
          if (v->match == OB_CLASSIFY_MATCH_NONE && unsubscribe_address)
            v->match = OB_CLASSIFY_MATCH_UNSUBSCRIBE_ADDRESS;
          v->address = g_strdup (from_key);
          goto done;
        }
    }

  /* Replies */
  if (thread_match (&ctx, headers, v))
    {
      v->kind = OB_CLASSIFY_REPLY;
      set_reason (v, headers->in_reply_to[0] != NULL &&
                     g_strcmp0 (headers->in_reply_to[0], v->message_id) == 0
                     ? "in-reply-to" : "references");
      v->address = g_strdup (from_key);
      goto done;
    }
  if (prospect (&ctx, from_key, &v->target))
    {
      v->kind = OB_CLASSIFY_REPLY;
      v->match = OB_CLASSIFY_MATCH_FROM;
      set_reason (v, "from-prospect");
      v->address = g_strdup (from_key);
      goto done;
    }
  if (company (&ctx, from_domain, &v->target))
    {
      v->kind = OB_CLASSIFY_COLLEAGUE_REPLY;
      v->match = OB_CLASSIFY_MATCH_COMPANY_DOMAIN;
      set_reason (v, "company-domain");
      v->address = g_strdup (from_key);
      goto done;
    }

  memset (&v->target, 0, sizeof v->target);
  v->kind = OB_CLASSIFY_UNRELATED;
  if (v->reason == NULL)
    set_reason (v, "no-match");

done:
  walk_clear (&w);
  return g_steal_pointer (&v);
}

void
ob_classify_verdict_free (ObClassifyVerdict *verdict)
{
  if (verdict == NULL)
    return;

  g_free (verdict->message_id);
  g_free (verdict->address);
  g_free (verdict->reason);
  g_free (verdict->from_addr);
  g_free (verdict->subject);
  g_free (verdict->status);
  g_free (verdict->diagnostic);
  g_free (verdict->snippet);
  g_free (verdict);
}

const char *
ob_classify_kind_to_string (ObClassifyKind kind)
{
  switch (kind)
    {
    case OB_CLASSIFY_REPLY: return "reply";
    case OB_CLASSIFY_COLLEAGUE_REPLY: return "colleague-reply";
    case OB_CLASSIFY_AUTO_REPLY: return "auto-reply";
    case OB_CLASSIFY_BOUNCE_HARD: return "bounce-hard";
    case OB_CLASSIFY_BOUNCE_SOFT: return "bounce-soft";
    case OB_CLASSIFY_COMPLAINT: return "complaint";
    case OB_CLASSIFY_UNSUBSCRIBE: return "unsubscribe";
    case OB_CLASSIFY_UNRELATED:
    default: return "unrelated";
    }
}

const char *
ob_classify_match_to_string (ObClassifyMatch match)
{
  switch (match)
    {
    case OB_CLASSIFY_MATCH_MESSAGE_ID: return "message-id";
    case OB_CLASSIFY_MATCH_RECIPIENT: return "recipient";
    case OB_CLASSIFY_MATCH_FROM: return "from";
    case OB_CLASSIFY_MATCH_COMPANY_DOMAIN: return "company-domain";
    case OB_CLASSIFY_MATCH_UNSUBSCRIBE_ADDRESS: return "unsubscribe-address";
    case OB_CLASSIFY_MATCH_NONE:
    default: return "none";
    }
}
