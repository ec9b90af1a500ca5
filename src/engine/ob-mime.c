/* ob-mime.c: the exact message Outbound sends, and the headers it reads back
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: every function is pure apart from reading the kernel's random
 * source, and may be called from any thread.
 *
 * Messages are built by hand, not with libetpan's mailmime writer: that
 * writes non-ASCII names and subjects as raw UTF-8, draws boundaries from
 * unseeded random() and puts the host name in Message-IDs (see
 * notes/libetpan.md). libetpan is used to read headers back.
 *
 * What a built message looks like:
 *  - CRLF everywhere, ends with CRLF; header lines folded at spaces to at
 *    most 78 octets, except a single Message-ID or address longer than
 *    that, which stays on its line (still far below 998: both are capped).
 *  - Headers in this order: Date, From, To, Subject, Message-ID,
 *    In-Reply-To, References, List-Unsubscribe, MIME-Version, Content-Type,
 *    Content-Transfer-Encoding. Nothing else (no X-Mailer: it only helps
 *    filters fingerprint bulk mail).
 *  - Display names and the subject: as they are when plain ASCII, a
 *    quoted-string when a name has specials, else RFC 2047 encoded-words
 *    (UTF-8, Q or B, whichever is shorter; words of at most 75 octets,
 *    never splitting a character). Every such value first goes through
 *    ob_mime_sanitize_header_text(): CR, LF, NUL and other controls can
 *    never start a new header line (display names also lose doubled
 *    spaces). Addresses and Message-IDs are checked and refused, never
 *    repaired; a domain is written in its lower-case ASCII (IDNA) form.
 *  - text/plain; charset=UTF-8, quoted-printable (not format=flowed: its
 *    trailing-space rules would fight with "-- " signature lines, and QP's
 *    soft breaks already keep long paragraphs intact). With html, a
 *    multipart/alternative of that and a text/html version built from
 *    blank-line separated paragraphs.
 *
 * Randomness: Message-IDs and boundaries take 128 bits from getrandom(2),
 * the kernel's CSPRNG (falling back to /dev/urandom). g_random_*() and
 * g_uuid_string_random() are avoided: GRand is a Mersenne Twister whose
 * future output can be predicted from enough past output, and a UUID holds
 * only 122 random bits.
 */

#define G_LOG_DOMAIN "ob-mime"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libetpan/libetpan.h>

#include "ob-mime.h"

#define MAX_LINE 78          /* RFC 5322 2.1.1: SHOULD */
#define MAX_ENCODED_WORD 75  /* RFC 2047 2 */
#define ENCODED_WORD_OVERHEAD 12 /* "=?UTF-8?Q?" + "?=" */
#define QP_MAX_LINE 76       /* RFC 2045 6.7 (5) */
#define MAX_LOCAL_PART 64
#define MAX_ADDRESS 254

G_DEFINE_QUARK (ob-mime-error-quark, ob_mime_error)

/* "=XX" without printf: bodies are encoded byte by byte. */
static inline void
append_escape (GString *out,
               guchar   c)
{
  static const char hex[] = "0123456789ABCDEF";

  g_string_append_c (out, '=');
  g_string_append_c (out, hex[c >> 4]);
  g_string_append_c (out, hex[c & 0xf]);
}

/* ---- Randomness ---------------------------------------------------------- */

static void
fill_random (guint8 *buffer,
             gsize   length)
{
  gsize done = 0;
  int fd;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n > 0)
        done += n;
      else if (n == 0 || errno != EINTR)
        break;
    }
  if (done == length)
    return;

  fd = g_open ("/dev/urandom", O_RDONLY | O_CLOEXEC, 0);
  while (fd >= 0 && done < length)
    {
      ssize_t n = read (fd, buffer + done, length - done);

      if (n > 0)
        done += n;
      else if (n == 0 || errno != EINTR)
        break;
    }
  if (fd >= 0)
    close (fd);
  if (done == length)
    return;

  /* No kernel randomness at all (a broken sandbox): uniqueness is what
   * matters for a Message-ID, and GRand then seeds itself from the clock. */
  g_warning ("No random source; Message-IDs and boundaries fall back to GRand");
  for (gsize i = done; i < length; i++)
    buffer[i] = (guint8) g_random_int_range (0, 256);
}

static char *
random_hex (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_new (guint8, n_bytes);
  GString *out = g_string_sized_new (2 * n_bytes);

  fill_random (bytes, n_bytes);
  for (gsize i = 0; i < n_bytes; i++)
    {
      g_string_append_c (out, "0123456789abcdef"[bytes[i] >> 4]);
      g_string_append_c (out, "0123456789abcdef"[bytes[i] & 0xf]);
    }

  return g_string_free (out, FALSE);
}

/* ---- Checking what is refused rather than repaired ----------------------- */

/* For messages: a value the user may have typed, with controls made visible
 * and cut to a readable length. */
static char *
printable (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);
  GString *out = g_string_new (NULL);
  const char *p;

  for (p = valid; *p != '\0' && out->len < 120; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  if (*p != '\0')
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

static gboolean
is_atext (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static gboolean
is_dot_atom (const char *text,
             gsize       len)
{
  if (len == 0 || text[0] == '.' || text[len - 1] == '.')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '.')
        {
          if (text[i + 1] == '.')
            return FALSE;
        }
      else if (!is_atext ((guchar) text[i]))
        {
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
is_hostname (const char *host)
{
  gsize len = strlen (host);
  gsize label = 0;

  if (len == 0 || len > 253)
    return FALSE;

  for (gsize i = 0; i <= len; i++)
    {
      char c = host[i];

      if (c == '.' || c == '\0')
        {
          if (label == 0 || label > 63 || host[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || (c == '-' && label > 0))
        {
          label++;
        }
      else
        {
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
is_address_literal (const char *domain)
{
  gsize len = strlen (domain);

  if (len < 3 || domain[0] != '[' || domain[len - 1] != ']')
    return FALSE;
  for (gsize i = 1; i + 1 < len; i++)
    if (!(g_ascii_isxdigit (domain[i]) || strchr (".:", domain[i]) != NULL ||
          (i < 6 && strncmp (domain + 1, "IPv6:", 5) == 0)))
      return FALSE;

  return TRUE;
}

/* local@domain with a dot-atom local part; the domain in ASCII (IDNA) form.
 * Quoted local parts and non-ASCII local parts (SMTPUTF8) are refused. */
static char *
address_to_ascii (const char *address)
{
  const char *at;
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  char *result;

  if (address == NULL || !g_utf8_validate (address, -1, NULL))
    return NULL;
  at = strrchr (address, '@');
  if (at == NULL)
    return NULL;

  local = g_strndup (address, at - address);
  if (strlen (local) > MAX_LOCAL_PART || !is_dot_atom (local, strlen (local)))
    return NULL;

  if (is_address_literal (at + 1))
    {
      domain = g_strdup (at + 1);
    }
  else
    {
      domain = g_hostname_to_ascii (at + 1);
      if (domain == NULL || !is_hostname (domain))
        return NULL;
    }

  result = g_strconcat (local, "@", domain, NULL);
  if (strlen (result) > MAX_ADDRESS)
    g_clear_pointer (&result, g_free);

  return result;
}

typedef enum
{
  ADDRESS_SENDER,
  ADDRESS_RECIPIENT,
  ADDRESS_UNSUBSCRIBE,
} AddressRole;

static char *
check_address (const char  *address,
               AddressRole  role,
               GError     **error)
{
  char *ascii = address_to_ascii (address);
  g_autofree char *shown = NULL;

  if (ascii != NULL)
    return ascii;

  shown = printable (address);
  switch (role)
    {
    case ADDRESS_SENDER:
      g_set_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_ADDRESS,
                   _("Invalid sender address “%s”"), shown);
      break;
    case ADDRESS_RECIPIENT:
      g_set_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_ADDRESS,
                   _("Invalid recipient address “%s”"), shown);
      break;
    case ADDRESS_UNSUBSCRIBE:
    default:
      g_set_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_ADDRESS,
                   _("Invalid unsubscribe address “%s”"), shown);
      break;
    }

  return NULL;
}

/* Without angle brackets; NULL when not acceptable in a header. */
static char *
check_message_id (const char  *id,
                  GError     **error)
{
  g_autofree char *bare = NULL;
  gsize len;
  gboolean ok;

  if (id == NULL)
    id = "";
  len = strlen (id);
  if (len >= 2 && id[0] == '<' && id[len - 1] == '>')
    bare = g_strndup (id + 1, len - 2);
  else
    bare = g_strdup (id);

  len = strlen (bare);
  ok = len > 0 && len <= OB_MIME_MAX_MESSAGE_ID_LENGTH && strchr (bare, '@') != NULL &&
       bare[0] != '@' && bare[len - 1] != '@';
  for (gsize i = 0; ok && i < len; i++)
    {
      guchar c = (guchar) bare[i];

      ok = c > 0x20 && c < 0x7f && strchr ("<>()\\\",;", c) == NULL;
    }

  if (!ok)
    {
      g_autofree char *shown = printable (id);

      g_set_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_MESSAGE_ID,
                   _("Invalid Message-ID “%s”"), shown);
      return NULL;
    }

  return g_steal_pointer (&bare);
}

/* ---- Header text --------------------------------------------------------- */

/* C0 controls, DEL, C1 controls and U+2028/U+2029 at @p: their length in
 * bytes, 0 for anything else. The final NUL counts as a control: callers
 * stop at it first. */
static gsize
control_length (const char *p)
{
  guchar c = (guchar) p[0];

  if (c < 0x20 || c == 0x7f)
    return 1;
  if (c == 0xc2 && (guchar) p[1] >= 0x80 && (guchar) p[1] <= 0x9f)
    return 2;
  if (c == 0xe2 && (guchar) p[1] == 0x80 && ((guchar) p[2] == 0xa8 || (guchar) p[2] == 0xa9))
    return 3;
  return 0;
}

/**
 * ob_mime_sanitize_header_text:
 * @text: (nullable): a display name or subject from anywhere
 *
 * The one gate every user-supplied header text goes through: invalid UTF-8
 * becomes U+FFFD; any run of spaces holding a control character (CR, LF,
 * NUL... see control_length()) or U+2028/U+2029 becomes one space; the
 * ends are trimmed. The result never holds a control character, so it can
 * never end a header line or start another.
 *
 * Returns: (transfer full): the text; "" for %NULL.
 */
char *
ob_mime_sanitize_header_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));
  const char *p = valid;

  while (*p != '\0')
    {
      gsize len;

      if (*p == ' ' || control_length (p) > 0)
        {
          const char *run = p;
          gboolean has_control = FALSE;

          while (*p != '\0' && (*p == ' ' || (len = control_length (p)) > 0))
            {
              has_control |= *p != ' ';
              p += *p == ' ' ? 1 : len;
            }
          if (has_control)
            g_string_append_c (out, ' ');
          else
            g_string_append_len (out, run, p - run);
        }
      else
        {
          g_string_append_c (out, *p++);
        }
    }

  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  p = out->str;
  while (*p == ' ')
    p++;
  g_string_erase (out, 0, p - out->str);

  return g_string_free (out, FALSE);
}

/* Writes one header field, folding at the places given as atom boundaries. */
typedef struct
{
  GString *out;
  gsize    line_len;
  gboolean line_has_atom;
} Folder;

static void
folder_begin (Folder     *f,
              GString    *out,
              const char *name)
{
  f->out = out;
  g_string_append (out, name);
  g_string_append_c (out, ':');
  f->line_len = strlen (name) + 1;
  f->line_has_atom = FALSE;
}

static void
folder_wrap (Folder *f)
{
  g_string_append (f->out, "\r\n");
  f->line_len = 0;
  f->line_has_atom = FALSE;
}

/* A space (which folding may turn into CRLF SP), then @atom. */
static void
folder_atom (Folder     *f,
             const char *atom,
             gsize       len)
{
  if (f->line_has_atom && f->line_len + 1 + len > MAX_LINE)
    folder_wrap (f);
  g_string_append_c (f->out, ' ');
  g_string_append_len (f->out, atom, len);
  f->line_len += 1 + len;
  f->line_has_atom = TRUE;
}

static void
folder_end (Folder *f)
{
  g_string_append (f->out, "\r\n");
}

static inline gboolean
q_literal (guchar c)
{
  /* RFC 2047 5 (3): the characters allowed unencoded in a phrase, which are
   * also safe in *text. Space is written "_". */
  return g_ascii_isalnum (c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static gsize
q_length (guchar c)
{
  return q_literal (c) || c == ' ' ? 1 : 3;
}

static gsize
b_length (gsize n_bytes)
{
  return 4 * ((n_bytes + 2) / 3);
}

/* @text as RFC 2047 encoded-words, each as long as the current line allows,
 * never splitting a UTF-8 character.
 *
 * With @break_at_spaces, a word ends after a space of the text when one is
 * in it: RFC 2047 readers drop the white space between two encoded-words,
 * but CPython's address parser (3.11) keeps it, so a display name split in
 * the middle of a word would read "Nowa k" there; split after a space it
 * reads at worst with that space doubled. */
static void
folder_encoded_words (Folder     *f,
                      const char *text,
                      gboolean    break_at_spaces)
{
  gsize q_total = 0;
  gsize len = strlen (text);
  gboolean use_b;
  const char *p = text;

  for (const char *q = text; *q != '\0'; q++)
    q_total += q_length ((guchar) *q);
  use_b = b_length (len) < q_total;

  while (*p != '\0')
    {
      GString *word = g_string_new (use_b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
      gsize room = f->line_len + 1 < MAX_LINE ? MAX_LINE - f->line_len - 1 : 0;
      gsize max_payload;
      gsize payload = 0;
      const char *start = p;
      const char *after_space = NULL;
      gsize word_len_after_space = 0;

      /* Less than a few characters' room: start a new line first (or, on a
       * header name too long for any word, accept a longer line). */
      if (room < ENCODED_WORD_OVERHEAD + 12)
        {
          if (f->line_has_atom)
            folder_wrap (f);
          room = MAX_LINE - 1;
        }
      max_payload = MIN (room, MAX_ENCODED_WORD) - ENCODED_WORD_OVERHEAD;

      for (;;)
        {
          const char *next = g_utf8_next_char (p);
          gsize add = 0;

          if (use_b)
            add = b_length (next - start) - payload;
          else
            for (const char *b = p; b < next; b++)
              add += q_length ((guchar) *b);

          /* One character always goes in, or the loop would never end. */
          if (payload > 0 && payload + add > max_payload)
            {
              if (break_at_spaces && after_space != NULL)
                {
                  p = after_space;
                  g_string_truncate (word, word_len_after_space);
                }
              break;
            }
          payload += add;
          if (!use_b)
            for (const char *b = p; b < next; b++)
              {
                guchar c = (guchar) *b;

                if (c == ' ')
                  g_string_append_c (word, '_');
                else if (q_literal (c))
                  g_string_append_c (word, c);
                else
                  append_escape (word, c);
              }
          if (*p == ' ' && *next != '\0')
            {
              after_space = next;
              word_len_after_space = word->len;
            }
          p = next;
          if (*p == '\0')
            break;
        }

      if (use_b)
        {
          g_autofree char *b64 = g_base64_encode ((const guchar *) start, p - start);

          g_string_append (word, b64);
        }
      g_string_append (word, "?=");
      folder_atom (f, word->str, word->len);
      g_string_free (word, TRUE);
    }
}

static gboolean
is_plain_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      return FALSE;

  /* Text that looks like an encoded-word would be decoded by the reader. */
  return strstr (text, "=?") == NULL;
}

/* Plain words separated by single spaces, each short enough to fold. */
static gboolean
splits_into_words (const char *text,
                   gboolean    atext_only)
{
  gsize word = 0;

  for (const char *p = text; ; p++)
    {
      if (*p == ' ' || *p == '\0')
        {
          if (word == 0 || word > MAX_LINE - 20)
            return FALSE;
          if (*p == '\0')
            return TRUE;
          word = 0;
        }
      else if (atext_only && !is_atext ((guchar) *p))
        {
          return FALSE;
        }
      else
        {
          word++;
        }
    }
}

static void
folder_words (Folder     *f,
              const char *text)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *end = strchr (p, ' ');

      if (end == NULL)
        end = p + strlen (p);
      folder_atom (f, p, end - p);
      p = *end == ' ' ? end + 1 : end;
    }
}

/* Unstructured text (Subject), already sanitised. */
static void
folder_unstructured (Folder     *f,
                     const char *text)
{
  if (*text == '\0')
    return;

  if (is_plain_ascii (text) && splits_into_words (text, FALSE))
    folder_words (f, text);
  else
    folder_encoded_words (f, text, FALSE);
}

/* A display name, already sanitised: atoms, a quoted-string (folded at its
 * spaces, which unfolding gives back) or encoded-words. */
static void
folder_phrase (Folder     *f,
               const char *name)
{
  if (*name == '\0')
    return;

  if (is_plain_ascii (name) && splits_into_words (name, TRUE))
    {
      folder_words (f, name);
    }
  else if (is_plain_ascii (name) && splits_into_words (name, FALSE))
    {
      GString *piece = g_string_new ("\"");

      for (const char *p = name; ; p++)
        {
          if (*p == ' ' || *p == '\0')
            {
              if (*p == '\0')
                g_string_append_c (piece, '"');
              folder_atom (f, piece->str, piece->len);
              g_string_truncate (piece, 0);
              if (*p == '\0')
                break;
              continue;
            }
          if (*p == '"' || *p == '\\')
            g_string_append_c (piece, '\\');
          g_string_append_c (piece, *p);
        }
      g_string_free (piece, TRUE);
    }
  else
    {
      folder_encoded_words (f, name, TRUE);
    }
}

/* Sanitised, and runs of spaces made one: readers (libetpan among them)
 * collapse them in a phrase anyway, so a name reads back as it was sent. */
static char *
clean_display_name (const char *name)
{
  g_autofree char *clean = ob_mime_sanitize_header_text (name);
  GString *out = g_string_sized_new (strlen (clean));

  for (const char *p = clean; *p != '\0'; p++)
    if (*p != ' ' || p[1] != ' ')
      g_string_append_c (out, *p);

  return g_string_free (out, FALSE);
}

static void
append_mailbox (GString    *out,
                const char *field,
                const char *name,
                const char *ascii_address)
{
  g_autofree char *clean = clean_display_name (name);
  Folder f;

  folder_begin (&f, out, field);
  if (*clean == '\0')
    {
      folder_atom (&f, ascii_address, strlen (ascii_address));
    }
  else
    {
      g_autofree char *angle = g_strdup_printf ("<%s>", ascii_address);

      folder_phrase (&f, clean);
      folder_atom (&f, angle, strlen (angle));
    }
  folder_end (&f);
}

/**
 * ob_mime_encode_header_text:
 * @field_name: the header the text is for (its length counts on line one)
 * @text: (nullable): unstructured text such as a subject
 *
 * What ob_mime_build() writes after "@field_name:" for @text: sanitised,
 * then plain or as encoded-words, folded with CRLF SP. No final CRLF.
 *
 * Returns: (transfer full): the value, starting with its space.
 */
char *
ob_mime_encode_header_text (const char *field_name,
                            const char *text)
{
  g_autofree char *clean = ob_mime_sanitize_header_text (text);
  GString *out = g_string_new (NULL);
  Folder f;

  folder_begin (&f, out, field_name);
  folder_unstructured (&f, clean);
  g_string_erase (out, 0, strlen (field_name) + 1);

  return g_string_free (out, FALSE);
}

static const char *
default_charset_for (const char *raw)
{
  return g_utf8_validate (raw, -1, NULL) ? "utf-8" : "windows-1252";
}

static char *
unfold (const char *raw)
{
  GString *out = g_string_sized_new (strlen (raw));

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (*p == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'))
        p++;
      else if (*p == '\n' && (p[1] == ' ' || p[1] == '\t'))
        ;
      else
        g_string_append_c (out, *p);
    }
  g_strstrip (out->str);
  g_string_set_size (out, strlen (out->str));

  return g_string_free (out, FALSE);
}

/**
 * ob_mime_decode_header_text:
 * @raw: an unstructured header value or display name, possibly folded
 *
 * Unfolds and decodes RFC 2047 encoded-words (with libetpan). Text outside
 * encoded-words is taken as UTF-8 when it is valid, else as Windows-1252
 * (what 8-bit headers nearly always are).
 *
 * Returns: (transfer full): valid UTF-8.
 */
char *
ob_mime_decode_header_text (const char *raw)
{
  g_autofree char *unfolded = NULL;
  const char *charset;
  char *decoded = NULL;
  size_t index = 0;
  char *result;

  g_return_val_if_fail (raw != NULL, NULL);

  unfolded = unfold (raw);
  charset = default_charset_for (unfolded);

  if (strstr (unfolded, "=?") != NULL &&
      mailmime_encoded_phrase_parse (charset, unfolded, strlen (unfolded), &index, "utf-8",
                                     &decoded) == MAILIMF_NO_ERROR)
    {
      result = g_utf8_make_valid (decoded, -1);
      free (decoded);
      return result;
    }

  if (g_str_equal (charset, "utf-8"))
    return g_steal_pointer (&unfolded);

  result = g_convert (unfolded, -1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
  if (result == NULL)
    result = g_utf8_make_valid (unfolded, -1);

  return result;
}

/* ---- Date, Message-ID, subject ------------------------------------------- */

static char *
format_date (GDateTime *date)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  gint64 abs_offset = ABS (offset);

  /* By hand: strftime() and g_date_time_format() use the locale's names. */
  return g_strdup_printf ("%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
                          days[g_date_time_get_day_of_week (date) - 1],
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          offset < 0 ? '-' : '+',
                          (int) (abs_offset / 60), (int) (abs_offset % 60));
}

/**
 * ob_mime_generate_message_id:
 * @domain: (nullable): the sender's domain, e.g. from its address
 *
 * A fresh id-left@id-right: 128 bits from the kernel's random source as 32
 * hex digits, at @domain in ASCII (IDNA) lower case. A %NULL or unusable
 * domain gives "outbound.invalid".
 *
 * Returns: (transfer full): the Message-ID, without angle brackets.
 */
char *
ob_mime_generate_message_id (const char *domain)
{
  g_autofree char *random = random_hex (16);
  g_autofree char *ascii = NULL;
  g_autofree char *lower = NULL;

  if (domain != NULL && g_utf8_validate (domain, -1, NULL))
    ascii = g_hostname_to_ascii (domain);
  if (ascii != NULL && (is_hostname (ascii) || is_address_literal (ascii)))
    lower = g_ascii_strdown (ascii, -1);
  else
    lower = g_strdup ("outbound.invalid");

  return g_strdup_printf ("%s@%s", random, lower);
}

/**
 * ob_mime_reply_subject:
 * @first_subject: (nullable): the subject of the thread's first message
 *
 * "Re: " and the subject, sanitised, unless it already starts with a reply
 * prefix: Re, RE, Odp (Polish), AW (German), SV (Scandinavian), Antw (Dutch),
 * VS (Finnish), in any case and with or without a space before the colon.
 *
 * Returns: (transfer full): the follow-up's subject.
 */
char *
ob_mime_reply_subject (const char *first_subject)
{
  static const char * const prefixes[] = { "re", "odp", "aw", "sv", "antw", "vs", NULL };
  g_autofree char *clean = ob_mime_sanitize_header_text (first_subject);

  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      gsize len = strlen (prefixes[i]);
      const char *p = clean + len;

      if (g_ascii_strncasecmp (clean, prefixes[i], len) != 0)
        continue;
      while (*p == ' ')
        p++;
      if (*p == ':')
        return g_steal_pointer (&clean);
    }

  if (*clean == '\0')
    return g_strdup ("Re:");

  return g_strconcat ("Re: ", clean, NULL);
}

/* ---- Bodies -------------------------------------------------------------- */

/* LF line ends, valid UTF-8, no NUL (impossible in a C string anyway). */
static char *
normalize_body (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid) + 1);

  for (const char *p = valid; *p != '\0'; p++)
    {
      if (*p == '\r')
        {
          g_string_append_c (out, '\n');
          if (p[1] == '\n')
            p++;
        }
      else
        {
          g_string_append_c (out, *p);
        }
    }

  return g_string_free (out, FALSE);
}

static void
append_qp_line (GString    *out,
                const char *line,
                gsize       len)
{
  gsize col = 0;
  gsize i = 0;

  while (i < len)
    {
      guchar c = (guchar) line[i];
      gsize char_len = c < 0x80 ? 1 : (gsize) (g_utf8_next_char (line + i) - (line + i));
      gboolean last;
      gboolean encode;
      gsize token_len;

      char_len = MIN (char_len, len - i);
      last = i + char_len == len;

      /* Break before a character that would not fit; the last one on the
       * line may use the column the "=" would otherwise need. */
      encode = c >= 0x7f || c == '=' || (c < 0x20 && c != '\t') ||
               ((c == ' ' || c == '\t') && last);
      token_len = encode ? 3 * char_len : char_len;
      if (col + token_len > (last ? QP_MAX_LINE : QP_MAX_LINE - 1))
        {
          g_string_append (out, "=\r\n");
          col = 0;
        }

      /* At the start of a physical line: "." could be taken for the end of
       * DATA by a careless relay, "From " gets mangled into ">From " in
       * mbox files. Encoded, both survive anything. */
      if (col == 0 && !encode &&
          (c == '.' || (c == 'F' && len - i >= 5 && strncmp (line + i, "From ", 5) == 0)))
        {
          encode = TRUE;
          token_len = 3;
        }

      for (gsize b = 0; b < char_len; b++)
        {
          if (encode)
            append_escape (out, (guchar) line[i + b]);
          else
            g_string_append_c (out, line[i + b]);
        }
      col += token_len;
      i += char_len;
    }

  g_string_append (out, "\r\n");
}

static void
append_qp (GString    *out,
           const char *normalized)
{
  const char *p = normalized;

  while (*p != '\0')
    {
      const char *end = strchr (p, '\n');

      if (end == NULL)
        end = p + strlen (p);
      append_qp_line (out, p, end - p);
      p = *end == '\n' ? end + 1 : end;
    }
}

/**
 * ob_mime_encode_quoted_printable:
 * @text: (nullable): text with LF, CRLF or CR line ends
 *
 * Quoted-printable as ob_mime_build() writes bodies: CRLF hard line breaks,
 * lines of at most 76 octets with "=" soft breaks, never inside a UTF-8
 * character or an =XX escape; "=", non-ASCII, controls and trailing white
 * space encoded; a line that does not end the text ends with CRLF all the
 * same (so the result ends with CRLF unless it is empty).
 *
 * Returns: (transfer full): the encoded text, ASCII only.
 */
char *
ob_mime_encode_quoted_printable (const char *text)
{
  g_autofree char *normalized = normalize_body (text);
  GString *out = g_string_sized_new (strlen (normalized) * 11 / 10 + 16);

  append_qp (out, normalized);

  return g_string_free (out, FALSE);
}

static void
append_html_escaped (GString    *out,
                     const char *text,
                     gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      switch (text[i])
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        default: g_string_append_c (out, text[i]); break;
        }
    }
}

/* Length of an http(s) URL starting at @p, without trailing punctuation. */
static gsize
url_length (const char *text,
            const char *p,
            const char *end)
{
  gsize len = 0;

  if (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '/' || p[-1] == '@'))
    return 0;
  if (end - p > 8 && g_ascii_strncasecmp (p, "https://", 8) == 0)
    len = 8;
  else if (end - p > 7 && g_ascii_strncasecmp (p, "http://", 7) == 0)
    len = 7;
  else
    return 0;

  while (p + len < end && (guchar) p[len] > 0x20 && strchr ("<>\"", p[len]) == NULL)
    len++;
  while (len > 0 && strchr (".,;:!?)]}'", p[len - 1]) != NULL)
    len--;

  return len > 8 ? len : 0;
}

static void
append_html_line (GString    *out,
                  const char *line,
                  gsize       len)
{
  const char *end = line + len;
  const char *text_start = line;

  for (const char *p = line; p < end; p++)
    {
      gsize url = (*p == 'h' || *p == 'H') ? url_length (line, p, end) : 0;

      if (url == 0)
        continue;
      append_html_escaped (out, text_start, p - text_start);
      g_string_append (out, "<a href=\"");
      append_html_escaped (out, p, url);
      g_string_append (out, "\">");
      append_html_escaped (out, p, url);
      g_string_append (out, "</a>");
      p += url - 1;
      text_start = p + 1;
    }
  append_html_escaped (out, text_start, end - text_start);
}

static gboolean
is_blank_line (const char *line,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return FALSE;
  return TRUE;
}

/* A plain HTML version: one <p> per blank-line separated paragraph, <br>
 * between its lines, http(s) links made clickable. */
static char *
text_to_html (const char *normalized)
{
  GString *out = g_string_new ("<!DOCTYPE html>\n<html>\n<head>\n"
                               "<meta http-equiv=\"Content-Type\" "
                               "content=\"text/html; charset=UTF-8\">\n"
                               "</head>\n<body>\n");
  gboolean in_paragraph = FALSE;
  const char *p = normalized;

  while (*p != '\0')
    {
      const char *end = strchr (p, '\n');

      if (end == NULL)
        end = p + strlen (p);

      if (is_blank_line (p, end - p))
        {
          if (in_paragraph)
            g_string_append (out, "</p>\n");
          in_paragraph = FALSE;
        }
      else
        {
          g_string_append (out, in_paragraph ? "<br>\n" : "<p>");
          in_paragraph = TRUE;
          append_html_line (out, p, end - p);
        }

      p = *end == '\n' ? end + 1 : end;
    }
  if (in_paragraph)
    g_string_append (out, "</p>\n");
  g_string_append (out, "</body>\n</html>\n");

  return g_string_free (out, FALSE);
}

/* ---- The message --------------------------------------------------------- */

static void
append_simple_header (GString    *out,
                      const char *name,
                      const char *value)
{
  g_string_append_printf (out, "%s: %s\r\n", name, value);
}

static void
append_ids_header (GString   *out,
                   const char *name,
                   GPtrArray *ids)
{
  Folder f;

  folder_begin (&f, out, name);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *angle = g_strdup_printf ("<%s>", (char *) g_ptr_array_index (ids, i));

      folder_atom (&f, angle, strlen (angle));
    }
  folder_end (&f);
}

static void
append_part_headers (GString    *out,
                     const char *type)
{
  g_string_append_printf (out, "Content-Type: %s; charset=UTF-8\r\n"
                               "Content-Transfer-Encoding: quoted-printable\r\n", type);
}

/* RFC 6068: keeps unreserved characters and the sub-delims an address may
 * hold unencoded; percent-encodes the rest ("%", "?", "&", "#", "=", "/"...). */
static char *
mailto_uri (const char *ascii_address)
{
  GString *out = g_string_new ("<mailto:");

  for (const char *p = ascii_address; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-._~!$'*+@[]:", *p) != NULL)
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "%%%02X", (guchar) *p);
    }
  g_string_append (out, "?subject=unsubscribe>");

  return g_string_free (out, FALSE);
}

/**
 * ob_mime_build:
 * @params: what to send
 * @out_message_id: (out) (optional) (transfer full): the Message-ID used,
 *   without angle brackets: store it with the send
 * @error: an %OB_MIME_ERROR for a bad address or Message-ID
 *
 * Builds the exact bytes to send (and store with the send). References is
 * @params->references with @params->in_reply_to appended when missing;
 * In-Reply-To, when not given, is the last reference.
 *
 * For SMTP: the message ends with CRLF, which mailsmtp_data_message() would
 * double: pass the length without the last two bytes.
 *
 * Returns: (transfer full) (nullable): the message.
 */
GBytes *
ob_mime_build (const ObMimeParams  *params,
               char               **out_message_id,
               GError             **error)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *unsubscribe = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *in_reply_to = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *date = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) plain_qp = NULL;
  GString *out;
  Folder f;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->date != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  from = check_address (params->from_addr, ADDRESS_SENDER, error);
  if (from == NULL)
    return NULL;
  to = check_address (params->to_addr, ADDRESS_RECIPIENT, error);
  if (to == NULL)
    return NULL;
  if (params->list_unsubscribe != NULL)
    {
      unsubscribe = check_address (params->list_unsubscribe, ADDRESS_UNSUBSCRIBE, error);
      if (unsubscribe == NULL)
        return NULL;
    }

  if (params->message_id != NULL)
    message_id = check_message_id (params->message_id, error);
  else
    message_id = ob_mime_generate_message_id (strrchr (from, '@') + 1);
  if (message_id == NULL)
    return NULL;

  for (guint i = 0; params->references != NULL && params->references[i] != NULL; i++)
    {
      char *id = check_message_id (params->references[i], error);

      if (id == NULL)
        return NULL;
      if (g_ptr_array_find_with_equal_func (references, id, g_str_equal, NULL))
        g_free (id);
      else
        g_ptr_array_add (references, id);
    }
  if (params->in_reply_to != NULL)
    {
      in_reply_to = check_message_id (params->in_reply_to, error);
      if (in_reply_to == NULL)
        return NULL;
      if (!g_ptr_array_find_with_equal_func (references, in_reply_to, g_str_equal, NULL))
        g_ptr_array_add (references, g_strdup (in_reply_to));
    }
  else if (references->len > 0)
    {
      in_reply_to = g_strdup (g_ptr_array_index (references, references->len - 1));
    }

  subject = ob_mime_sanitize_header_text (params->subject);
  date = format_date (params->date);
  text = normalize_body (params->body_text);
  plain_qp = g_string_new (NULL);
  append_qp (plain_qp, text);

  out = g_string_sized_new (1024 + plain_qp->len * (params->html ? 3 : 1));

  append_simple_header (out, "Date", date);
  append_mailbox (out, "From", params->from_name, from);
  append_mailbox (out, "To", params->to_name, to);
  folder_begin (&f, out, "Subject");
  folder_unstructured (&f, subject);
  folder_end (&f);
  g_string_append_printf (out, "Message-ID: <%s>\r\n", message_id);
  if (in_reply_to != NULL)
    g_string_append_printf (out, "In-Reply-To: <%s>\r\n", in_reply_to);
  if (references->len > 0)
    append_ids_header (out, "References", references);
  if (unsubscribe != NULL)
    {
      g_autofree char *uri = mailto_uri (unsubscribe);

      append_simple_header (out, "List-Unsubscribe", uri);
    }
  append_simple_header (out, "MIME-Version", "1.0");

  if (!params->html)
    {
      append_part_headers (out, "text/plain");
      g_string_append (out, "\r\n");
      g_string_append_len (out, plain_qp->str, plain_qp->len);
    }
  else
    {
      g_autofree char *html = text_to_html (text);
      g_autoptr(GString) html_qp = g_string_new (NULL);
      g_autofree char *boundary = NULL;

      append_qp (html_qp, html);

      /* "=_" never occurs in quoted-printable (an "=" is followed by a hex
       * digit or CRLF), so this cannot clash; checked all the same. */
      do
        {
          g_autofree char *random = random_hex (16);

          g_free (boundary);
          boundary = g_strconcat ("=_ob_", random, NULL);
        }
      while (strstr (plain_qp->str, boundary) != NULL || strstr (html_qp->str, boundary) != NULL);

      g_string_append_printf (out, "Content-Type: multipart/alternative;\r\n"
                                   " boundary=\"%s\"\r\n\r\n", boundary);
      g_string_append_printf (out, "--%s\r\n", boundary);
      append_part_headers (out, "text/plain");
      g_string_append (out, "\r\n");
      g_string_append_len (out, plain_qp->str, plain_qp->len);
      g_string_append_printf (out, "\r\n--%s\r\n", boundary);
      append_part_headers (out, "text/html");
      g_string_append (out, "\r\n");
      g_string_append_len (out, html_qp->str, html_qp->len);
      g_string_append_printf (out, "\r\n--%s--\r\n", boundary);
    }

  if (out_message_id != NULL)
    *out_message_id = g_steal_pointer (&message_id);

  return g_string_free_to_bytes (out);
}

/* ---- Reading headers back ------------------------------------------------ */

void
ob_mime_headers_free (ObMimeHeaders *headers)
{
  if (headers == NULL)
    return;

  g_strfreev (headers->field_names);
  g_free (headers->message_id);
  g_strfreev (headers->in_reply_to);
  g_strfreev (headers->references);
  g_free (headers->from_addr);
  g_free (headers->from_name);
  g_free (headers->to_addr);
  g_free (headers->subject);
  g_clear_pointer (&headers->date, g_date_time_unref);
  g_free (headers->auto_submitted);
  g_free (headers->precedence);
  g_free (headers->x_autoreply);
  g_free (headers->x_autorespond);
  g_free (headers->list_unsubscribe);
  g_free (headers->content_type);
  g_clear_pointer (&headers->raw_fields, g_ptr_array_unref);
  g_free (headers);
}

/**
 * ob_mime_headers_get:
 * @name: a field name, in any case
 *
 * Returns: (nullable): the first @name field's value, unfolded and trimmed,
 * valid UTF-8 but not decoded.
 */
const char *
ob_mime_headers_get (const ObMimeHeaders *headers,
                     const char          *name)
{
  g_return_val_if_fail (headers != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i + 1 < headers->raw_fields->len; i += 2)
    if (g_ascii_strcasecmp (g_ptr_array_index (headers->raw_fields, i), name) == 0)
      return g_ptr_array_index (headers->raw_fields, i + 1);

  return NULL;
}

/* Splits the header section into fields by hand, so one malformed line
 * costs only that line (libetpan's envelope parser stops at the first one).
 * Adds name and raw value (with its folds) pairs to @fields. */
static void
split_fields (const char *data,
              gsize       len,
              GPtrArray  *fields)
{
  gsize i = 0;

  while (i < len)
    {
      gsize line_end = i;
      gsize next;
      gsize colon;

      while (line_end < len && data[line_end] != '\n')
        line_end++;
      next = line_end < len ? line_end + 1 : len;

      /* The empty line ends the header section. */
      if (line_end == i || (line_end == i + 1 && data[i] == '\r'))
        break;

      /* A field's value goes on over continuation lines. */
      while (next < len && (data[next] == ' ' || data[next] == '\t'))
        {
          line_end = next;
          while (line_end < len && data[line_end] != '\n')
            line_end++;
          next = line_end < len ? line_end + 1 : len;
        }

      for (colon = i; colon < line_end && data[colon] != ':'; colon++)
        ;
      if (colon < line_end && colon > i)
        {
          gsize name_end = colon;
          gboolean valid_name = TRUE;

          /* obs-syntax allows "Subject :" */
          while (name_end > i && (data[name_end - 1] == ' ' || data[name_end - 1] == '\t'))
            name_end--;
          for (gsize k = i; k < name_end; k++)
            valid_name &= data[k] > 0x20 && data[k] < 0x7f;

          if (valid_name && name_end > i)
            {
              gsize value_end = line_end;

              if (value_end > colon + 1 && data[value_end - 1] == '\r')
                value_end--;
              g_ptr_array_add (fields, g_strndup (data + i, name_end - i));
              g_ptr_array_add (fields, g_strndup (data + colon + 1, value_end - colon - 1));
            }
        }

      i = next;
    }
}

/* One field through libetpan's parser; NULL when it did not understand it
 * as the structured field its name says. */
static struct mailimf_field *
parse_field (const char              *name,
             const char              *raw_value,
             struct mailimf_fields  **out_fields)
{
  g_autofree char *text = g_strdup_printf ("%s:%s\r\n", name, raw_value);
  size_t index = 0;
  clistiter *iter;

  *out_fields = NULL;
  if (mailimf_envelope_and_optional_fields_parse (text, strlen (text), &index,
                                                  out_fields) != MAILIMF_NO_ERROR ||
      *out_fields == NULL)
    return NULL;

  iter = clist_begin ((*out_fields)->fld_list);
  if (iter == NULL)
    return NULL;

  return clist_content (iter);
}

static char **
id_list_to_strv (clist *list)
{
  GPtrArray *ids = g_ptr_array_new ();

  for (clistiter *iter = clist_begin (list); iter != NULL; iter = clist_next (iter))
    g_ptr_array_add (ids, g_utf8_make_valid (clist_content (iter), -1));
  g_ptr_array_add (ids, NULL);

  return (char **) g_ptr_array_free (ids, FALSE);
}

/* For what libetpan refuses (comments, junk around the ids): every <...>. */
static char **
scan_angle_ids (const char *raw)
{
  GPtrArray *ids = g_ptr_array_new ();
  const char *p = raw;

  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');

      if (end == NULL)
        break;
      if (end > p + 1)
        {
          g_autofree char *id = g_strndup (p + 1, end - p - 1);

          g_ptr_array_add (ids, g_utf8_make_valid (g_strstrip (id), -1));
        }
      p = end + 1;
    }
  g_ptr_array_add (ids, NULL);

  return (char **) g_ptr_array_free (ids, FALSE);
}

static GDateTime *
date_from_etpan (const struct mailimf_date_time *dt)
{
  g_autoptr(GTimeZone) zone = NULL;
  int sign = dt->dt_zone < 0 ? -1 : 1;
  int zone_abs = ABS (dt->dt_zone);

  if (zone_abs % 100 >= 60 || zone_abs / 100 > 23)
    return NULL;
  zone = g_time_zone_new_offset (sign * ((zone_abs / 100) * 3600 + (zone_abs % 100) * 60));

  return g_date_time_new (zone, dt->dt_year, dt->dt_month, dt->dt_day,
                          dt->dt_hour, dt->dt_min, dt->dt_sec);
}

static void
read_mailbox (struct mailimf_mailbox  *mailbox,
              char                   **out_addr,
              char                   **out_name)
{
  if (mailbox == NULL || mailbox->mb_addr_spec == NULL)
    return;

  *out_addr = g_utf8_make_valid (mailbox->mb_addr_spec, -1);
  if (out_name != NULL && mailbox->mb_display_name != NULL)
    *out_name = ob_mime_decode_header_text (mailbox->mb_display_name);
}

static struct mailimf_mailbox *
first_mailbox (struct mailimf_address_list *list)
{
  for (clistiter *iter = clist_begin (list->ad_list); iter != NULL; iter = clist_next (iter))
    {
      struct mailimf_address *address = clist_content (iter);

      if (address->ad_type == MAILIMF_ADDRESS_MAILBOX)
        return address->ad_data.ad_mailbox;
      if (address->ad_type == MAILIMF_ADDRESS_GROUP &&
          address->ad_data.ad_group->grp_mb_list != NULL &&
          clist_begin (address->ad_data.ad_group->grp_mb_list->mb_list) != NULL)
        return clist_content (clist_begin (address->ad_data.ad_group->grp_mb_list->mb_list));
    }

  return NULL;
}

static void
read_structured (ObMimeHeaders *headers,
                 const char    *name,
                 const char    *raw_value)
{
  static const char * const structured[] = {
    "Message-ID", "In-Reply-To", "References", "From", "To", "Date", NULL
  };
  struct mailimf_fields *fields = NULL;
  struct mailimf_field *field = NULL;
  int type = MAILIMF_FIELD_NONE;

  for (guint i = 0; structured[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, structured[i]) == 0)
      {
        field = parse_field (name, raw_value, &fields);
        type = field != NULL ? field->fld_type : MAILIMF_FIELD_NONE;
        break;
      }

  if (g_ascii_strcasecmp (name, "Message-ID") == 0 && headers->message_id == NULL)
    {
      if (type == MAILIMF_FIELD_MESSAGE_ID)
        headers->message_id = g_utf8_make_valid (field->fld_data.fld_message_id->mid_value, -1);
      else
        {
          g_auto(GStrv) ids = scan_angle_ids (raw_value);

          if (ids[0] != NULL)
            headers->message_id = g_strdup (ids[0]);
        }
    }
  else if (g_ascii_strcasecmp (name, "In-Reply-To") == 0 && headers->in_reply_to == NULL)
    {
      if (type == MAILIMF_FIELD_IN_REPLY_TO)
        headers->in_reply_to = id_list_to_strv (field->fld_data.fld_in_reply_to->mid_list);
      else
        headers->in_reply_to = scan_angle_ids (raw_value);
    }
  else if (g_ascii_strcasecmp (name, "References") == 0 && headers->references == NULL)
    {
      if (type == MAILIMF_FIELD_REFERENCES)
        headers->references = id_list_to_strv (field->fld_data.fld_references->mid_list);
      else
        headers->references = scan_angle_ids (raw_value);
    }
  else if (g_ascii_strcasecmp (name, "From") == 0 && headers->from_addr == NULL)
    {
      if (type == MAILIMF_FIELD_FROM && field->fld_data.fld_from->frm_mb_list != NULL &&
          clist_begin (field->fld_data.fld_from->frm_mb_list->mb_list) != NULL)
        read_mailbox (clist_content (clist_begin (field->fld_data.fld_from->frm_mb_list->mb_list)),
                      &headers->from_addr, &headers->from_name);
    }
  else if (g_ascii_strcasecmp (name, "To") == 0 && headers->to_addr == NULL)
    {
      if (type == MAILIMF_FIELD_TO && field->fld_data.fld_to->to_addr_list != NULL)
        read_mailbox (first_mailbox (field->fld_data.fld_to->to_addr_list),
                      &headers->to_addr, NULL);
    }
  else if (g_ascii_strcasecmp (name, "Subject") == 0 && headers->subject == NULL)
    {
      /* By hand: a subject is unstructured, libetpan adds nothing. */
      headers->subject = ob_mime_decode_header_text (raw_value);
    }
  else if (g_ascii_strcasecmp (name, "Date") == 0 && headers->date == NULL)
    {
      if (type == MAILIMF_FIELD_ORIG_DATE && field->fld_data.fld_orig_date->dt_date_time != NULL)
        headers->date = date_from_etpan (field->fld_data.fld_orig_date->dt_date_time);
    }

  if (fields != NULL)
    mailimf_fields_free (fields);
}

/**
 * ob_mime_parse_headers:
 * @message: a whole message, or only its header section (as IMAP's
 *   BODY.PEEK[HEADER.FIELDS (...)] returns it); CRLF or LF
 * @error: %OB_MIME_ERROR_PARSE when not a single header field was found
 *
 * Reads what the reply classifier needs. Malformed fields are skipped, not
 * fatal; the first of repeated fields wins.
 *
 * Returns: (transfer full) (nullable): the headers.
 */
ObMimeHeaders *
ob_mime_parse_headers (GBytes  *message,
                       GError **error)
{
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  gsize len;
  const char *data;
  static const struct { const char *name; gsize offset; } plain[] = {
    { "Auto-Submitted", G_STRUCT_OFFSET (ObMimeHeaders, auto_submitted) },
    { "Precedence", G_STRUCT_OFFSET (ObMimeHeaders, precedence) },
    { "X-Autoreply", G_STRUCT_OFFSET (ObMimeHeaders, x_autoreply) },
    { "X-Autorespond", G_STRUCT_OFFSET (ObMimeHeaders, x_autorespond) },
    { "List-Unsubscribe", G_STRUCT_OFFSET (ObMimeHeaders, list_unsubscribe) },
    { "Content-Type", G_STRUCT_OFFSET (ObMimeHeaders, content_type) },
  };

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  headers = g_new0 (ObMimeHeaders, 1);
  names = g_ptr_array_new_with_free_func (g_free);
  data = g_bytes_get_data (message, &len);

  /* An mbox "From " line before the headers is not a field. */
  if (len > 5 && strncmp (data, "From ", 5) == 0)
    {
      const char *eol = memchr (data, '\n', len);
      gsize skip = eol != NULL ? (gsize) (eol - data) + 1 : len;

      data += skip;
      len -= skip;
    }

  headers->raw_fields = g_ptr_array_new_with_free_func (g_free);
  fields = g_ptr_array_new_with_free_func (g_free);
  split_fields (data, len, fields);
  if (fields->len == 0)
    {
      g_set_error (error, OB_MIME_ERROR, OB_MIME_ERROR_PARSE,
                   _("The message has no header fields"));
      return NULL;
    }

  for (guint i = 0; i + 1 < fields->len; i += 2)
    {
      const char *name = g_ptr_array_index (fields, i);
      const char *raw_value = g_ptr_array_index (fields, i + 1);
      g_autofree char *unfolded = unfold (raw_value);

      g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_add (headers->raw_fields, g_strdup (name));
      g_ptr_array_add (headers->raw_fields, g_utf8_make_valid (unfolded, -1));
      read_structured (headers, name, raw_value);
    }

  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      const char *value = ob_mime_headers_get (headers, plain[i].name);

      if (value != NULL)
        G_STRUCT_MEMBER (char *, headers, plain[i].offset) = g_strdup (value);
    }

  if (headers->in_reply_to == NULL)
    headers->in_reply_to = g_new0 (char *, 1);
  if (headers->references == NULL)
    headers->references = g_new0 (char *, 1);
  g_ptr_array_add (names, NULL);
  headers->field_names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);

  return g_steal_pointer (&headers);
}
