/* test-mime.c: tests for the message builder and the header reader
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every built message is read back three ways, and the set of header field
 * names each finds must be exactly the expected one (that is what proves no
 * value added or broke a header):
 *  - read_strictly(): this file's own reader, which also checks CRLF, line
 *    lengths and that header lines are "Name: value" or continuations;
 *  - libetpan's mailimf envelope parser, which must consume the whole header;
 *  - ob_mime_parse_headers().
 * /engine/mime/python does the same with Python's email package
 * (tests/check-mime-python.py).
 */

#include <string.h>
#include <glib/gstdio.h>
#include <libetpan/libetpan.h>

#include "ob-json.h"
#include "ob-mime.h"

static const char * const basic_headers[] = {
  "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type",
  "Content-Transfer-Encoding", NULL
};

/* A multipart message has its Content-Transfer-Encoding in each part. */
static const char * const multipart_headers[] = {
  "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", NULL
};

static GDateTime *
warsaw_date (void)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_identifier ("Europe/Warsaw");

  g_assert_nonnull (zone);
  return g_date_time_new (zone, 2026, 2, 13, 9, 5, 7);
}

/* A display name as it reads back: sanitised, doubled spaces made one. */
static char *
expected_name (const char *name)
{
  g_autofree char *clean = ob_mime_sanitize_header_text (name);
  g_autoptr(GRegex) spaces = g_regex_new ("  +", 0, 0, NULL);

  return g_regex_replace_literal (spaces, clean, -1, 0, " ", 0, NULL);
}

static GBytes *
build (const ObMimeParams *params,
       char              **out_message_id)
{
  g_autoptr(GError) error = NULL;
  GBytes *message = ob_mime_build (params, out_message_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);

  return message;
}

/* TRUE when the line is one token that folding cannot split: "Name: token"
 * or " token". */
static gboolean
is_single_token (const char *line,
                 gsize       len)
{
  const char *start = line;
  const char *end = line + len;
  const char *colon = memchr (line, ':', len);

  if (line[0] != ' ' && colon != NULL)
    start = colon + 1;
  while (start < end && *start == ' ')
    start++;

  return memchr (start, ' ', end - start) == NULL;
}

/* This file's own reader: returns the header field names in order, checks
 * the line rules on the whole message and sets the header section length. */
static GPtrArray *
read_strictly (GBytes *message,
               gsize  *out_header_len)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  gboolean in_header = TRUE;
  gsize i = 0;

  g_assert_cmpuint (len, >, 2);
  g_assert_true (data[len - 2] == '\r' && data[len - 1] == '\n');

  while (i < len)
    {
      const char *line = data + i;
      const char *crlf = g_strstr_len (line, len - i, "\r\n");
      gsize line_len;

      g_assert_nonnull (crlf);
      line_len = crlf - line;

      /* No bare CR or LF, no NUL, nothing 8-bit, nothing over 998 octets */
      g_assert_cmpuint (line_len, <=, 998);
      for (gsize k = 0; k < line_len; k++)
        {
          g_assert_cmpint (line[k], !=, '\r');
          g_assert_cmpint (line[k], !=, '\n');
          g_assert_cmpint (line[k], !=, '\0');
          g_assert_cmpuint ((guchar) line[k], <, 0x80);
        }

      if (in_header)
        {
          if (line_len == 0)
            {
              in_header = FALSE;
              *out_header_len = i;
            }
          else if (line[0] == ' ' || line[0] == '\t')
            {
              /* A continuation of something, never only white space */
              g_assert_cmpuint (names->len, >, 0);
              for (gsize k = 0; k < line_len && (line[k] == ' ' || line[k] == '\t'); k++)
                g_assert_cmpuint (k + 1, <, line_len);
            }
          else
            {
              const char *colon = memchr (line, ':', line_len);

              g_assert_nonnull (colon);
              g_assert_true (colon > line);
              for (const char *c = line; c < colon; c++)
                g_assert_true (*c > ' ' && *c < 0x7f);
              g_assert_true (colon[1] == ' ' || colon + 1 == crlf);
              g_ptr_array_add (names, g_strndup (line, colon - line));
            }

          /* At most 78 unless a single token cannot be folded */
          if (line_len > 78)
            g_assert_true (is_single_token (line, line_len));
        }

      i += line_len + 2;
    }
  g_assert_false (in_header);

  return names;
}

static const char *
etpan_field_name (const struct mailimf_field *field)
{
  switch (field->fld_type)
    {
    case MAILIMF_FIELD_ORIG_DATE: return "Date";
    case MAILIMF_FIELD_FROM: return "From";
    case MAILIMF_FIELD_SENDER: return "Sender";
    case MAILIMF_FIELD_REPLY_TO: return "Reply-To";
    case MAILIMF_FIELD_TO: return "To";
    case MAILIMF_FIELD_CC: return "Cc";
    case MAILIMF_FIELD_BCC: return "Bcc";
    case MAILIMF_FIELD_MESSAGE_ID: return "Message-ID";
    case MAILIMF_FIELD_IN_REPLY_TO: return "In-Reply-To";
    case MAILIMF_FIELD_REFERENCES: return "References";
    case MAILIMF_FIELD_SUBJECT: return "Subject";
    case MAILIMF_FIELD_OPTIONAL_FIELD: return field->fld_data.fld_optional_field->fld_name;
    default: return "(other)";
    }
}

/* libetpan must read every header and stop exactly at the empty line. */
static GPtrArray *
read_with_etpan (GBytes *message,
                 gsize   header_len,
                 guint  *out_n_to)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  struct mailimf_fields *fields = NULL;
  size_t index = 0;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (mailimf_envelope_and_optional_fields_parse (data, len, &index, &fields), ==,
                   MAILIMF_NO_ERROR);
  g_assert_cmpuint (index, ==, header_len);

  *out_n_to = 0;
  for (clistiter *iter = clist_begin (fields->fld_list); iter != NULL; iter = clist_next (iter))
    {
      struct mailimf_field *field = clist_content (iter);

      g_ptr_array_add (names, g_strdup (etpan_field_name (field)));
      if (field->fld_type == MAILIMF_FIELD_TO)
        *out_n_to += clist_count (field->fld_data.fld_to->to_addr_list->ad_list);
      if (field->fld_type == MAILIMF_FIELD_FROM)
        g_assert_cmpint (clist_count (field->fld_data.fld_from->frm_mb_list->mb_list), ==, 1);
    }
  mailimf_fields_free (fields);

  return names;
}

static void
assert_names (GPtrArray          *names,
              const char * const *expected)
{
  g_autoptr(GString) got = g_string_new (NULL);
  g_autofree char *wanted = g_strjoinv ("|", (char **) expected);

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (got, "%s%s", i > 0 ? "|" : "", (char *) g_ptr_array_index (names, i));
  g_assert_cmpstr (got->str, ==, wanted);
}

/* Reads @message three ways; every reader must find exactly @expected. */
static ObMimeHeaders *
assert_header_set (GBytes             *message,
                   const char * const *expected)
{
  g_autoptr(GPtrArray) strict = NULL;
  g_autoptr(GPtrArray) etpan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();
  ObMimeHeaders *headers;
  gsize header_len = 0;
  guint n_to = 0;

  strict = read_strictly (message, &header_len);
  assert_names (strict, expected);

  etpan = read_with_etpan (message, header_len, &n_to);
  assert_names (etpan, expected);
  g_assert_cmpuint (n_to, ==, 1);

  headers = ob_mime_parse_headers (message, &error);
  g_assert_no_error (error);
  for (guint i = 0; headers->field_names[i] != NULL; i++)
    g_ptr_array_add (ours, headers->field_names[i]);
  assert_names (ours, expected);

  return headers;
}

static void
test_exact_bytes (void)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  const char * const references[] = { "first@example.com", NULL };
  ObMimeParams params = {
    .from_name = "Paweł Nowak",
    .from_addr = "pawel@example.com",
    .to_name = "Anna Smith",
    .to_addr = "anna@acme.example",
    .subject = "Re: Quick question",
    .body_text = "Hi Anna,\n\n2+2=4.\n\n-- \nPaweł\n",
    .date = date,
    .message_id = "<fixed.1@example.com>",
    .references = references,
    .list_unsubscribe = "pawel+unsubscribe@example.com",
  };
  g_autoptr(GBytes) message = NULL;
  g_autofree char *message_id = NULL;
  static const char expected[] =
    "Date: Fri, 13 Feb 2026 09:05:07 +0100\r\n"
    "From: =?UTF-8?Q?Pawe=C5=82_Nowak?= <pawel@example.com>\r\n"
    "To: Anna Smith <anna@acme.example>\r\n"
    "Subject: Re: Quick question\r\n"
    "Message-ID: <fixed.1@example.com>\r\n"
    "In-Reply-To: <first@example.com>\r\n"
    "References: <first@example.com>\r\n"
    "List-Unsubscribe: <mailto:pawel+unsubscribe@example.com?subject=unsubscribe>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hi Anna,\r\n"
    "\r\n"
    "2+2=3D4.\r\n"
    "\r\n"
    "--=20\r\n"
    "Pawe=C5=82\r\n";

  message = build (&params, &message_id);
  g_assert_cmpstr (message_id, ==, "fixed.1@example.com");
  g_assert_cmpmem (g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                   expected, sizeof expected - 1);
}

static void
test_date (void)
{
  static const struct
  {
    const char *zone;
    int y, mo, d, h, mi, s;
    const char *expected;
  } cases[] = {
    { "UTC", 2026, 1, 1, 0, 0, 0, "Thu, 1 Jan 2026 00:00:00 +0000" },
    { "Europe/Warsaw", 2026, 7, 5, 23, 59, 59, "Sun, 5 Jul 2026 23:59:59 +0200" },
    { "America/New_York", 2026, 3, 8, 1, 30, 0, "Sun, 8 Mar 2026 01:30:00 -0500" },
    { "America/New_York", 2026, 3, 8, 3, 30, 0, "Sun, 8 Mar 2026 03:30:00 -0400" },
    { "Asia/Kolkata", 2026, 12, 31, 12, 0, 1, "Thu, 31 Dec 2026 12:00:01 +0530" },
    { "America/St_Johns", 2026, 2, 2, 8, 0, 0, "Mon, 2 Feb 2026 08:00:00 -0330" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (cases[i].zone);
      g_autoptr(GDateTime) date = NULL;
      g_autoptr(GBytes) message = NULL;
      g_autoptr(ObMimeHeaders) headers = NULL;
      ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com" };

      g_assert_nonnull (zone);
      date = g_date_time_new (zone, cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi,
                              cases[i].s);
      params.date = date;
      message = build (&params, NULL);
      headers = ob_mime_parse_headers (message, NULL);
      g_assert_cmpstr (ob_mime_headers_get (headers, "Date"), ==, cases[i].expected);
      g_assert_nonnull (headers->date);
      g_assert_true (g_date_time_equal (headers->date, date));
      g_assert_cmpint (g_date_time_get_utc_offset (headers->date), ==,
                       g_date_time_get_utc_offset (date));
    }
}

static void
test_message_id (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) shape = g_regex_new ("^[0-9a-f]{32}@example\\.com$", 0, 0, NULL);
  g_autofree char *idn = ob_mime_generate_message_id ("Zażółć.PL");
  g_autofree char *none = ob_mime_generate_message_id (NULL);
  g_autofree char *bad = ob_mime_generate_message_id ("bad domain\r\n");
  g_autofree char *literal = ob_mime_generate_message_id ("[192.0.2.1]");
  g_autoptr(GDateTime) date = warsaw_date ();
  ObMimeParams params = { .from_addr = "rep@Sales.Example.COM", .to_addr = "b@example.com",
                          .date = date };
  g_autofree char *generated = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;

  for (guint i = 0; i < 2000; i++)
    {
      char *id = ob_mime_generate_message_id ("example.com");

      g_assert_true (g_regex_match (shape, id, 0, NULL));
      g_assert_true (g_hash_table_add (seen, id));
    }

  g_assert_true (g_str_has_suffix (idn, "@xn--za-6ja4f8n1l.pl"));
  g_assert_true (g_str_has_suffix (none, "@outbound.invalid"));
  g_assert_true (g_str_has_suffix (bad, "@outbound.invalid"));
  g_assert_true (g_str_has_suffix (literal, "@[192.0.2.1]"));

  /* Generated at the sender's domain when none is given */
  message = build (&params, &generated);
  g_assert_true (g_str_has_suffix (generated, "@sales.example.com"));
  headers = ob_mime_parse_headers (message, NULL);
  g_assert_cmpstr (headers->message_id, ==, generated);
}

static void
test_reply_subject (void)
{
  static const char * const cases[][2] = {
    { "Quick question", "Re: Quick question" },
    { "Re: Quick question", "Re: Quick question" },
    { "RE: Quick question", "RE: Quick question" },
    { "re:x", "re:x" },
    { "Odp: Pytanie", "Odp: Pytanie" },
    { "AW: Frage", "AW: Frage" },
    { "SV: Fråga", "SV: Fråga" },
    { "Antw: Vraag", "Antw: Vraag" },
    { "Re : spaced", "Re : spaced" },
    { "Regarding your team", "Re: Regarding your team" },
    { "Svenska", "Re: Svenska" },
    { "  Hello\r\nBcc: x  ", "Re: Hello Bcc: x" },
    { "", "Re:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = ob_mime_reply_subject (cases[i][0]);

      g_assert_cmpstr (result, ==, cases[i][1]);
    }
}

static void
test_sanitize (void)
{
  static const char * const cases[][2] = {
    { "plain", "plain" },
    { "  trimmed  ", "trimmed" },
    { "a  b", "a  b" },
    { "x\r\nBcc: evil@x", "x Bcc: evil@x" },
    { "x \r\n \r\n y", "x y" },
    { "x\n", "x" },
    { "\rx", "x" },
    { "a\tb\x0b" "c\x0c" "d\x1b" "e\x7f" "f", "a b c d e f" },
    { "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d", "a b c d" },
    { "bad\xff", "bad\xef\xbf\xbd" },
    { "\r\n", "" },
  };
  g_autofree char *null_text = ob_mime_sanitize_header_text (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = ob_mime_sanitize_header_text (cases[i][0]);

      g_assert_cmpstr (result, ==, cases[i][1]);
    }
  g_assert_cmpstr (null_text, ==, "");
}

/* Values that try to add a header, a body, or break the line structure. */
static const char *injections[] = {
  "x\r\nBcc: evil@example.net",
  "x\nBcc: evil@example.net",
  "x\rBcc: evil@example.net",
  "x\r\n\r\nInjected body",
  "\r\nBcc: evil@example.net",
  "x\r\n Bcc: evil@example.net",
  "x\xe2\x80\xa8" "Bcc: evil@example.net",
  "x\xe2\x80\xa9" "Bcc: evil@example.net",
  "x\xc2\x85" "Bcc: evil@example.net",
  "x\tBcc:\x0b\x0c" "evil@example.net",
  "x\0\r\nBcc: evil@example.net", /* a C string ends at the NUL */
  "=?UTF-8?Q?x=0D=0ABcc:_evil@example.net?=",
  "Evil <evil@example.net>, other@example.net",
  "\"Quoted\" \\ name; with: specials",
  "Zażółć\r\nBcc: gęślą@example.net",
};

static char *
long_injection (void)
{
  GString *big = g_string_new (NULL);

  while (big->len < 10 * 1024)
    g_string_append (big, "x\r\nBcc: evil@example.net ");

  return g_string_free (big, FALSE);
}

static void
assert_no_injection (const char *from_name,
                     const char *to_name,
                     const char *subject,
                     gboolean    html)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  ObMimeParams params = {
    .from_name = from_name, .from_addr = "rep@example.com",
    .to_name = to_name, .to_addr = "anna@acme.example",
    .subject = subject, .body_text = subject, .html = html, .date = date,
  };
  g_autoptr(GBytes) message = build (&params, NULL);
  g_autoptr(ObMimeHeaders) headers = assert_header_set (message,
                                                        html ? multipart_headers : basic_headers);
  g_autofree char *clean_subject = ob_mime_sanitize_header_text (subject);
  g_autofree char *clean_name = expected_name (from_name);

  g_assert_cmpstr (headers->subject, ==, clean_subject);
  g_assert_cmpstr (headers->from_addr, ==, "rep@example.com");
  g_assert_cmpstr (headers->to_addr, ==, "anna@acme.example");
  if (*clean_name != '\0')
    g_assert_cmpstr (headers->from_name, ==, clean_name);
  if (html)
    g_assert_true (g_str_has_prefix (headers->content_type, "multipart/alternative;"));
}

static void
test_header_injection (void)
{
  g_autofree char *big = long_injection ();
  g_autoptr(GString) big_word = g_string_new (NULL);
  g_autoptr(GString) big_polish = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (injections); i++)
    {
      g_autofree char *shown = g_strescape (injections[i], NULL);

      g_test_message ("%s", shown);
      assert_no_injection (injections[i], "Anna", "Hello", FALSE);
      assert_no_injection ("Rep", injections[i], "Hello", FALSE);
      assert_no_injection ("Rep", "Anna", injections[i], i % 2 == 0);
      assert_no_injection (injections[i], injections[i], injections[i], TRUE);
    }

  /* 10 KB values: CRLF-laden, one unbreakable word, all non-ASCII */
  while (big_word->len < 10 * 1024)
    g_string_append (big_word, "Bcc:evil@example.net");
  while (big_polish->len < 10 * 1024)
    g_string_append (big_polish, "Zażółć\r\ngęślą jaźń ");
  assert_no_injection (big, big, big, TRUE);
  assert_no_injection (big_word->str, big_word->str, big_word->str, FALSE);
  assert_no_injection (big_polish->str, big_polish->str, big_polish->str, TRUE);
}

static void
test_refused_values (void)
{
  static const char * const bad_addresses[] = {
    "", "plain", "@example.com", "a@", "a b@example.com", "a@exa mple.com",
    "a@example.com\r\nBcc: evil@example.net", "a@example.com\n", "<a@example.com>",
    "a@example.com>", "\"quoted\"@example.com", "a..b@example.com", ".a@example.com",
    "a.@example.com", "a@-example.com", "a@example-.com", "a@example..com",
    "żółw@example.com", "a@example.com,b@example.com", "a@exam_ple.com", "a@[evil\r\n]",
  };
  static const char * const bad_ids[] = {
    "", "<>", "no-at-sign", "a b@example.com", "a@example.com\r\nBcc: x", "<a@b>c>",
    "a\"b@example.com", "@example.com", "a@",
  };
  g_autoptr(GDateTime) date = warsaw_date ();
  g_autoptr(GString) long_id = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_addresses); i++)
    {
      for (guint role = 0; role < 3; role++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) message = NULL;
          ObMimeParams params = {
            .from_addr = role == 0 ? bad_addresses[i] : "a@example.com",
            .to_addr = role == 1 ? bad_addresses[i] : "b@example.com",
            .list_unsubscribe = role == 2 ? bad_addresses[i] : NULL,
            .date = date,
          };

          message = ob_mime_build (&params, NULL, &error);
          g_assert_null (message);
          g_assert_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_ADDRESS);
          g_assert_null (strpbrk (error->message, "\r\n"));
        }
    }

  g_string_append (long_id, "a@");
  while (long_id->len <= OB_MIME_MAX_MESSAGE_ID_LENGTH)
    g_string_append_c (long_id, 'x');

  for (guint i = 0; i <= G_N_ELEMENTS (bad_ids); i++)
    {
      const char *id = i < G_N_ELEMENTS (bad_ids) ? bad_ids[i] : long_id->str;

      for (guint role = 0; role < 3; role++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) message = NULL;
          const char * const references[] = { "ok@example.com", id, NULL };
          ObMimeParams params = {
            .from_addr = "a@example.com", .to_addr = "b@example.com", .date = date,
            .message_id = role == 0 ? id : NULL,
            .in_reply_to = role == 1 ? id : NULL,
            .references = role == 2 ? references : NULL,
          };

          message = ob_mime_build (&params, NULL, &error);
          g_assert_null (message);
          g_assert_error (error, OB_MIME_ERROR, OB_MIME_ERROR_INVALID_MESSAGE_ID);
          g_assert_null (strpbrk (error->message, "\r\n"));
        }
    }
}

static void
test_addresses (void)
{
  static const char * const cases[][2] = {
    { "o'brien+tag@example.com", "o'brien+tag@example.com" },
    { "A.Rep@Example.COM", "A.Rep@example.com" },
    { "rep@zażółć.pl", "rep@xn--za-6ja4f8n1l.pl" },
    { "rep@bücher.example", "rep@xn--bcher-kva.example" },
    { "rep@localhost", "rep@localhost" },
    { "rep@[192.0.2.1]", "rep@[192.0.2.1]" },
    { "a.b.c@sub.example.com", "a.b.c@sub.example.com" },
  };
  g_autoptr(GDateTime) date = warsaw_date ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ObMimeParams params = { .from_addr = cases[i][0], .to_addr = cases[i][0], .date = date };
      g_autoptr(GBytes) message = build (&params, NULL);
      g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (message, NULL);

      g_assert_cmpstr (headers->from_addr, ==, cases[i][1]);
      g_assert_cmpstr (headers->to_addr, ==, cases[i][1]);
    }
}

static void
test_display_names (void)
{
  static const char * const cases[][2] = {
    /* name, how its first line must start after "From: " */
    { "Anna Smith", "Anna Smith <" },
    { "Anna", "Anna <" },
    { "O'Brien-Smith Jr", "O'Brien-Smith Jr <" },
    { "Smith, John", "\"Smith, John\" <" },
    { "John Q. Public", "\"John Q. Public\" <" },
    { "Say \"hi\" \\o/", "\"Say \\\"hi\\\" \\\\o/\" <" },
    { "a  b", "a b <" },
    { "a  \"b\"", "\"a \\\"b\\\"\" <" },
    { "Has =?x?= in it", "=?UTF-8?" },
    { "Paweł Nowak", "=?UTF-8?Q?Pawe=C5=82_Nowak?= <" },
    { "Nowak, Paweł (Sales)", "=?UTF-8?B?Tm93YWssIFBhd2XFgiAoU2FsZXMp?= <" },
    { "张伟", "=?UTF-8?B?" },
    { "Anna 🚀", "=?UTF-8?" },
    { "A very long display name, with a comma, that goes on and on past seventy chars",
      "\"A very long display name, with a comma, that goes on and on past\r\n"
      " seventy chars\" <" },
    { "Unbreakable,word,with,commas,longer,than,any,line,could,hold,in,a,header,field",
      "=?UTF-8?Q?Unbreakable=2Cword" },
    { "Zażółć Gęślą Jaźń Źdźbło Łódź Ćma Ńańa Óma Śmiało Ęka", "=?UTF-8?B?" },
    { "", "rep@example.com\r\n" },
    { "  \r\n ", "rep@example.com\r\n" },
  };
  g_autoptr(GDateTime) date = warsaw_date ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ObMimeParams params = {
        .from_name = cases[i][0], .from_addr = "rep@example.com",
        .to_name = cases[i][0], .to_addr = "anna@example.com", .date = date,
      };
      g_autoptr(GBytes) message = build (&params, NULL);
      g_autoptr(ObMimeHeaders) headers = assert_header_set (message, basic_headers);
      g_autofree char *clean = expected_name (cases[i][0]);
      g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL),
                                         g_bytes_get_size (message));
      const char *from = strstr (text, "\r\nFrom: ") + 8;
      g_autofree char *shown = g_strescape (cases[i][0], "");

      g_test_message ("%s", shown);
      g_assert_true (g_str_has_prefix (from, cases[i][1]));
      if (*clean != '\0')
        g_assert_cmpstr (headers->from_name, ==, clean);
      g_assert_cmpstr (headers->from_addr, ==, "rep@example.com");
      g_assert_cmpstr (headers->to_addr, ==, "anna@example.com");
    }
}

/* Encoded-words: each ≤ 75 octets, decodable alone (no character split). */
static void
assert_encoded_words_whole (const char *encoded)
{
  const char *p = encoded;

  while ((p = strstr (p, "=?")) != NULL)
    {
      const char *end = strstr (p + 10, "?=");
      g_autofree char *word = NULL;
      g_autofree char *decoded = NULL;

      g_assert_nonnull (end);
      word = g_strndup (p, end + 2 - p);
      g_assert_cmpuint (strlen (word), <=, 75);
      g_assert_true (g_str_has_prefix (word, "=?UTF-8?Q?") ||
                     g_str_has_prefix (word, "=?UTF-8?B?"));
      decoded = ob_mime_decode_header_text (word);
      g_assert_true (g_utf8_validate (decoded, -1, NULL));
      g_assert_null (strstr (decoded, "\xef\xbf\xbd"));
      p = end + 2;
    }
}

static void
test_rfc2047_round_trip (void)
{
  const char *subjects[] = {
    "Quick question",
    "Zażółć gęślą jaźń",
    "Szybkie pytanie o współpracę — czy mają Państwo chwilę w przyszłym tygodniu na rozmowę?",
    "Grüße aus München: Straße, Übergröße, Äpfel",
    "你好，关于合作的简短问题，希望您能抽出几分钟时间",
    "日本語の件名テスト",
    "🚀🔥 Quick question 👋 for the team 🎉🎉🎉",
    "Literal =?UTF-8?Q?not_encoded?= and ?= and _under_scores_",
    "Double  spaces  and\ttabs",
    "Trailing spaces   ",
    ("Ümlaut at the start and a very long tail that must be folded across several lines of "
     "the header because it is much longer than seventy-eight characters"),
    "A-very-long-ASCII-word-without-any-spaces-at-all-that-cannot-be-folded-as-plain-text-ok",
    "=?",
    "",
  };
  g_autoptr(GString) long_polish = g_string_new (NULL);
  g_autoptr(GString) long_emoji = g_string_new (NULL);

  while (long_polish->len < 2000)
    g_string_append (long_polish, "Zażółć gęślą jaźń, ");
  while (long_emoji->len < 10 * 1024)
    g_string_append (long_emoji, "🚀x👋 ");

  for (guint i = 0; i < G_N_ELEMENTS (subjects) + 2; i++)
    {
      const char *subject = i < G_N_ELEMENTS (subjects) ? subjects[i]
                            : i == G_N_ELEMENTS (subjects) ? long_polish->str : long_emoji->str;
      g_autofree char *clean = ob_mime_sanitize_header_text (subject);
      g_autofree char *encoded = ob_mime_encode_header_text ("Subject", subject);
      g_autofree char *decoded = ob_mime_decode_header_text (encoded);
      g_autofree char *first_line = g_strconcat ("Subject:", encoded, NULL);
      g_auto(GStrv) lines = g_strsplit (first_line, "\r\n", -1);
      g_autoptr(GDateTime) date = warsaw_date ();
      ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                              .subject = subject, .date = date };
      g_autoptr(GBytes) message = build (&params, NULL);
      g_autoptr(ObMimeHeaders) headers = assert_header_set (message, basic_headers);
      g_autofree char *shown = g_utf8_substring (subject, 0, MIN (60, g_utf8_strlen (subject, -1)));

      g_test_message ("%s", shown);
      g_assert_cmpstr (decoded, ==, clean);
      g_assert_cmpstr (headers->subject, ==, clean);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_assert_cmpuint (strlen (lines[l]), <=, 78);
          g_assert_true (l == 0 || lines[l][0] == ' ');
          for (const char *c = lines[l]; *c != '\0'; c++)
            g_assert_true (*c >= 0x20 && *c < 0x7f);
        }
      assert_encoded_words_whole (encoded);
    }
}

static char *
decode_qp (const char *encoded)
{
  char *result = NULL;
  size_t result_len = 0;
  size_t index = 0;
  char *copy;

  g_assert_cmpint (mailmime_quoted_printable_body_parse (encoded, strlen (encoded), &index,
                                                         &result, &result_len, FALSE),
                   ==, MAILIMF_NO_ERROR);
  copy = g_strndup (result, result_len);
  mmap_string_unref (result);

  return copy;
}

/* What the QP of @text must decode to: CRLF line ends, ending with CRLF. */
static char *
expected_qp_text (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r' && p[1] == '\n')
        continue;
      if (*p == '\r' || *p == '\n')
        g_string_append (out, "\r\n");
      else
        g_string_append_c (out, *p);
    }
  if (out->len > 0 && !g_str_has_suffix (out->str, "\r\n"))
    g_string_append (out, "\r\n");

  return g_string_free (out, FALSE);
}

static void
assert_qp_round_trip (const char *text)
{
  g_autofree char *encoded = ob_mime_encode_quoted_printable (text);
  g_autofree char *decoded = decode_qp (encoded);
  g_autofree char *expected = expected_qp_text (text);
  g_auto(GStrv) lines = g_strsplit (encoded, "\r\n", -1);

  g_assert_cmpstr (decoded, ==, expected);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize len = strlen (lines[i]);

      g_assert_cmpuint (len, <=, 76);
      g_assert_null (strpbrk (lines[i], "\r\n"));
      for (gsize k = 0; k < len; k++)
        g_assert_true (lines[i][k] == '\t' || (lines[i][k] >= 0x20 && lines[i][k] < 0x7f));
      if (len > 0)
        {
          g_assert_cmpint (lines[i][len - 1], !=, ' ');
          g_assert_cmpint (lines[i][len - 1], !=, '\t');
          g_assert_cmpint (lines[i][0], !=, '.');
          g_assert_false (g_str_has_prefix (lines[i], "From "));
        }
      /* A soft break never cuts an =XX escape */
      g_assert_false (len >= 2 && lines[i][len - 2] == '=' && lines[i][len - 1] != '=');
    }
  /* Ends with CRLF unless empty */
  g_assert_true (*encoded == '\0' || g_str_has_suffix (encoded, "\r\n"));
}

static void
test_quoted_printable (void)
{
  static const char * const texts[] = {
    "", "a", "=", "a=b", "trailing space \nand tab\t\n", "  \n\t\n", "ends without newline",
    "CRLF\r\nand CR\rand LF\n", "\n\n\n", ".leading dot\n..two\n", "From the start\nFrom\n",
    "Zażółć gęślą jaźń\n", "emoji 🚀👋\n", "controls \x01\x1b\x7f here",
    "-- \nsignature\n",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260213);
  const char *pieces[] = { "a", " ", "\t", "=", ".", "ż", "🚀", "\n", "\r\n", "From ", "x", "漢" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_qp_round_trip (texts[i]);

  /* Lines around the 76-octet limit, with every kind of last character */
  for (guint len = 70; len <= 80; len++)
    for (guint kind = 0; kind < 5; kind++)
      {
        g_autoptr(GString) line = g_string_new (NULL);

        while (line->len < len - 1)
          g_string_append_c (line, 'a');
        g_string_append (line, (const char *[]) { " ", "=", "a", "ż", "\t" }[kind]);
        assert_qp_round_trip (line->str);
        g_string_prepend (line, "=");
        assert_qp_round_trip (line->str);
      }

  /* Long lines: no spaces, all escapes, all multi-byte */
  {
    g_autoptr(GString) a = g_string_new (NULL);
    g_autoptr(GString) eq = g_string_new (NULL);
    g_autoptr(GString) pl = g_string_new (NULL);

    for (guint i = 0; i < 5000; i++)
      {
        g_string_append_c (a, 'a');
        g_string_append_c (eq, '=');
        g_string_append (pl, i % 2 ? "ż" : "🚀");
      }
    assert_qp_round_trip (a->str);
    assert_qp_round_trip (eq->str);
    assert_qp_round_trip (pl->str);
  }

  /* Random mixtures */
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 300);

      for (guint k = 0; k < n; k++)
        g_string_append (text, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
      assert_qp_round_trip (text->str);
    }
}

static void
test_threading (void)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  const char * const references[] = { "<one@example.com>", "two@example.com", "one@example.com",
                                      NULL };
  const char * const expected[] = {
    "Date", "From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "MIME-Version",
    "Content-Type", "Content-Transfer-Encoding", NULL
  };
  g_autoptr(GString) many = g_string_new (NULL);

  /* In-Reply-To is appended to References when missing; duplicates go */
  {
    ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                            .date = date, .in_reply_to = "<three@example.com>",
                            .references = references, .subject = "Re: x" };
    g_autoptr(GBytes) message = build (&params, NULL);
    g_autoptr(ObMimeHeaders) headers = assert_header_set (message, expected);

    g_assert_cmpstrv (headers->in_reply_to, ((const char *[]) { "three@example.com", NULL }));
    g_assert_cmpstrv (headers->references,
                      ((const char *[]) { "one@example.com", "two@example.com",
                                          "three@example.com", NULL }));
  }

  /* Without In-Reply-To, it is the last reference */
  {
    ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                            .date = date, .references = references };
    g_autoptr(GBytes) message = build (&params, NULL);
    g_autoptr(ObMimeHeaders) headers = assert_header_set (message, expected);

    g_assert_cmpstrv (headers->in_reply_to, ((const char *[]) { "two@example.com", NULL }));
  }

  /* A long thread is folded, one id per line at most 78 wide */
  {
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GBytes) message = NULL;
    g_autoptr(ObMimeHeaders) headers = NULL;
    ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                            .date = date };

    for (guint i = 0; i < 40; i++)
      g_ptr_array_add (ids, ob_mime_generate_message_id ("example.com"));
    /* and one id longer than a line */
    g_string_append (many, "long-");
    while (many->len < OB_MIME_MAX_MESSAGE_ID_LENGTH - 20)
      g_string_append_c (many, 'x');
    g_string_append (many, "@example.com");
    g_ptr_array_add (ids, g_strdup (many->str));
    g_ptr_array_add (ids, NULL);
    params.references = (const char * const *) ids->pdata;
    params.message_id = many->str;
    message = build (&params, NULL);
    headers = assert_header_set (message, expected);
    g_assert_cmpuint (g_strv_length (headers->references), ==, 41);
    for (guint i = 0; i < 41; i++)
      g_assert_cmpstr (headers->references[i], ==, g_ptr_array_index (ids, i));
    g_assert_cmpstr (headers->message_id, ==, many->str);
  }
}

static void
test_list_unsubscribe (void)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                          .date = date, .list_unsubscribe = "unsub+a?b=c&d#e%f/g@zażółć.pl" };
  const char * const expected[] = {
    "Date", "From", "To", "Subject", "Message-ID", "List-Unsubscribe", "MIME-Version",
    "Content-Type", "Content-Transfer-Encoding", NULL
  };
  g_autoptr(GBytes) message = build (&params, NULL);
  g_autoptr(ObMimeHeaders) headers = assert_header_set (message, expected);

  g_assert_cmpstr (headers->list_unsubscribe, ==,
                   "<mailto:unsub+a%3Fb%3Dc%26d%23e%25f%2Fg@xn--za-6ja4f8n1l.pl"
                   "?subject=unsubscribe>");
}

static void
test_html (void)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  ObMimeParams params = {
    .from_addr = "a@example.com", .to_addr = "b@example.com", .date = date, .html = TRUE,
    .body_text = "Hi <Anna> & co,\n\nsee https://example.com/a?b=1&c=\"2\". Or "
                 "(http://example.org/x).\nSecond line, 'quoted'.\n \n\n\nLast paragraph\n"
                 "xhttps://not.a.link\n",
  };
  g_autoptr(GBytes) message = build (&params, NULL);
  g_autoptr(ObMimeHeaders) headers = assert_header_set (message, multipart_headers);
  struct mailmime *mime = NULL;
  struct mailmime *multipart;
  size_t index = 0;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  g_autofree char *boundary = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html = NULL;
  clistiter *iter;
  const char *html_start;

  g_assert_true (g_str_has_prefix (headers->content_type,
                                   "multipart/alternative; boundary=\"=_ob_"));
  boundary = g_strndup (strchr (headers->content_type, '"') + 1,
                        strlen (strchr (headers->content_type, '"') + 1) - 1);
  g_assert_cmpuint (strlen (boundary), ==, 5 + 32);

  /* libetpan sees two parts, text/plain then text/html */
  g_assert_cmpint (mailmime_parse (data, len, &index, &mime), ==, MAILIMF_NO_ERROR);
  g_assert_cmpint (mime->mm_type, ==, MAILMIME_MESSAGE);
  multipart = mime->mm_data.mm_message.mm_msg_mime;
  g_assert_cmpint (multipart->mm_type, ==, MAILMIME_MULTIPLE);
  g_assert_cmpint (clist_count (multipart->mm_data.mm_multipart.mm_mp_list), ==, 2);
  iter = clist_begin (multipart->mm_data.mm_multipart.mm_mp_list);
  for (guint i = 0; i < 2; i++, iter = clist_next (iter))
    {
      struct mailmime *part = clist_content (iter);
      struct mailmime_data *body = part->mm_data.mm_single;
      g_autofree char *encoded = g_strndup (body->dt_data.dt_text.dt_data,
                                            body->dt_data.dt_text.dt_length);

      g_assert_cmpstr (part->mm_content_type->ct_subtype, ==, i == 0 ? "plain" : "html");
      g_assert_cmpint (body->dt_encoding, ==, MAILMIME_MECHANISM_QUOTED_PRINTABLE);
      /* The boundary cannot occur inside a part */
      g_assert_null (strstr (encoded, boundary));
      if (i == 0)
        plain = decode_qp (encoded);
      else
        html = decode_qp (encoded);
    }
  mailmime_free (mime);

  g_assert_cmpstr (plain, ==, "Hi <Anna> & co,\r\n\r\nsee https://example.com/a?b=1&c=\"2\". Or "
                              "(http://example.org/x).\r\nSecond line, 'quoted'.\r\n \r\n\r\n\r\n"
                              "Last paragraph\r\nxhttps://not.a.link\r\n");
  html_start = strstr (html, "<body>");
  g_assert_nonnull (html_start);
  g_assert_cmpstr (html_start, ==,
                   "<body>\r\n"
                   "<p>Hi &lt;Anna&gt; &amp; co,</p>\r\n"
                   "<p>see <a href=\"https://example.com/a?b=1&amp;c=\">"
                   "https://example.com/a?b=1&amp;c=</a>&quot;2&quot;. Or "
                   "(<a href=\"http://example.org/x\">http://example.org/x</a>).<br>\r\n"
                   "Second line, &#39;quoted&#39;.</p>\r\n"
                   "<p>Last paragraph<br>\r\n"
                   "xhttps://not.a.link</p>\r\n"
                   "</body>\r\n</html>\r\n");

  /* Two builds never share a boundary */
  {
    g_autoptr(GBytes) again = build (&params, NULL);
    g_autoptr(ObMimeHeaders) again_headers = ob_mime_parse_headers (again, NULL);

    g_assert_cmpstr (again_headers->content_type, !=, headers->content_type);
  }
}

static void
test_long_lines (void)
{
  g_autoptr(GDateTime) date = warsaw_date ();
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) subject = g_string_new (NULL);

  for (guint i = 0; i < 20000; i++)
    g_string_append (body, i % 7 ? "x" : "ż");
  g_string_append (body, "\n");
  for (guint i = 0; i < 3000; i++)
    g_string_append (body, "word ");
  while (subject->len < 3000)
    g_string_append (subject, "Short words only ");

  for (guint html = 0; html < 2; html++)
    {
      ObMimeParams params = { .from_addr = "a@example.com", .to_addr = "b@example.com",
                              .date = date, .subject = subject->str, .body_text = body->str,
                              .html = html };
      g_autoptr(GBytes) message = build (&params, NULL);
      g_autoptr(ObMimeHeaders) headers =
        assert_header_set (message, html ? multipart_headers : basic_headers);
      g_autofree char *clean = ob_mime_sanitize_header_text (subject->str);

      g_assert_cmpstr (headers->subject, ==, clean);
    }
}

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "mime", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, len);
}

static void
test_parse_autoreply (void)
{
  g_autoptr(GBytes) message = read_fixture ("autoreply-lf.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (message, &error);
  const char * const names[] = {
    "Return-Path", "Received", "From", "To", "Subject", "Date", "Message-ID", "In-Reply-To",
    "References", "Auto-Submitted", "X-Autoreply", "Precedence", "X-Autorespond", "Content-Type",
    NULL
  };
  g_autoptr(GDateTime) date = NULL;

  g_assert_no_error (error);
  g_assert_cmpstrv (headers->field_names, names);
  g_assert_cmpstr (headers->message_id, ==, "auto-1@acme.example");
  g_assert_cmpstrv (headers->in_reply_to,
                    ((const char *[]) { "8632bb1be72f44a568be6585e19b5f38@example.com", NULL }));
  g_assert_cmpstrv (headers->references,
                    ((const char *[]) { "first@example.com",
                                        "8632bb1be72f44a568be6585e19b5f38@example.com", NULL }));
  g_assert_cmpstr (headers->from_addr, ==, "anna@acme.example");
  g_assert_cmpstr (headers->from_name, ==, "Nowak, Anna");
  g_assert_cmpstr (headers->to_addr, ==, "pawel@example.com");
  g_assert_cmpstr (headers->subject, ==, "Odpowiedź automatyczna: Re: Quick question");
  g_assert_cmpstr (headers->auto_submitted, ==, "auto-replied");
  g_assert_cmpstr (headers->x_autoreply, ==, "yes");
  g_assert_cmpstr (headers->precedence, ==, "auto_reply");
  g_assert_cmpstr (headers->x_autorespond, ==, "Out of office");
  g_assert_cmpstr (headers->content_type, ==, "text/plain; charset=\"iso-8859-2\"");
  g_assert_null (headers->list_unsubscribe);
  g_assert_cmpstr (ob_mime_headers_get (headers, "received"), ==,
                   "from mx.acme.example by mail.example.com;\tFri, 13 Feb 2026 10:00:00 +0100");
  g_assert_null (ob_mime_headers_get (headers, "X-Missing"));
  date = g_date_time_new_utc (2026, 2, 13, 9, 0, 0);
  g_assert_true (g_date_time_equal (headers->date, date));
}

static void
test_parse_raw_utf8 (void)
{
  g_autoptr(GBytes) message = read_fixture ("raw-utf8.eml");
  g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (message, NULL);
  const char * const names[] = { "From", "To", "Subject", "Subject", "Message-ID",
                                 "List-Unsubscribe", NULL };

  g_assert_cmpstrv (headers->field_names, names);
  g_assert_cmpstr (headers->from_name, ==, "Zofia Żółw");
  g_assert_cmpstr (headers->from_addr, ==, "zofia@example.pl");
  g_assert_null (headers->to_addr);
  g_assert_cmpstr (headers->subject, ==, "Urlop do piątku");
  g_assert_cmpstr (headers->message_id, ==, "not-in-angles@example.pl");
  g_assert_cmpstr (headers->list_unsubscribe, ==,
                   "<mailto:list@example.pl?subject=unsubscribe>, <https://example.pl/u>");
  g_assert_null (headers->date);
  g_assert_nonnull (headers->in_reply_to);
  g_assert_null (headers->in_reply_to[0]);
  g_assert_null (headers->references[0]);
}

static void
test_parse_latin1 (void)
{
  g_autoptr(GBytes) message = read_fixture ("headers-only-latin1.eml");
  g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (message, NULL);

  g_assert_cmpstr (headers->from_name, ==, "Jürgen Müller");
  g_assert_cmpstr (headers->subject, ==, "Abwesenheitsnotiz: Grüße – bis Montag");
  g_assert_cmpstr (headers->auto_submitted, ==, "auto-generated");
  g_assert_null (headers->message_id);
}

static void
test_parse_garbage (void)
{
  static const char * const inputs[] = { "", "\r\n\r\nbody", "no colon here\r\n", ":\r\n",
                                         "From nobody\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (inputs[i], strlen (inputs[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (bytes, &error);

      g_assert_null (headers);
      g_assert_error (error, OB_MIME_ERROR, OB_MIME_ERROR_PARSE);
    }

  /* Binary junk and a NUL in the middle: whatever is found is valid UTF-8 */
  {
    static const char junk[] = "Subject: a\0b\xff\r\nX\x01: y\r\nFrom: <\xfe@x>\r\n\r\n";
    g_autoptr(GBytes) bytes = g_bytes_new_static (junk, sizeof junk - 1);
    g_autoptr(ObMimeHeaders) headers = ob_mime_parse_headers (bytes, NULL);

    g_assert_nonnull (headers);
    for (guint i = 0; headers->field_names[i] != NULL; i++)
      g_assert_true (g_utf8_validate (headers->field_names[i], -1, NULL));
    g_assert_true (headers->subject == NULL || g_utf8_validate (headers->subject, -1, NULL));
    g_assert_true (headers->from_addr == NULL || g_utf8_validate (headers->from_addr, -1, NULL));
  }
}

/* ---- Python's email package ---------------------------------------------- */

static void
write_case (const char         *dir,
            const char         *name,
            const ObMimeParams *params)
{
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *eml = g_strdup_printf ("%s/%s.eml", dir, name);
  g_autofree char *json_path = g_strdup_printf ("%s/%s.json", dir, name);
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(ObJsonWriter) json = ob_json_writer_new (TRUE);
  g_autofree char *json_text = NULL;
  g_autofree char *subject = ob_mime_sanitize_header_text (params->subject);
  g_autofree char *from_name = expected_name (params->from_name);
  g_autofree char *to_name = expected_name (params->to_name);
  g_autofree char *date = g_date_time_format_iso8601 (params->date);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *valid_body = g_utf8_make_valid (params->body_text ? params->body_text : "", -1);

  message = build (params, &message_id);
  g_file_set_contents (eml, g_bytes_get_data (message, NULL), g_bytes_get_size (message), &error);
  g_assert_no_error (error);
  headers = ob_mime_parse_headers (message, NULL);

  for (const char *p = valid_body; *p != '\0'; p++)
    if (*p == '\r')
      {
        g_string_append_c (body, '\n');
        if (p[1] == '\n')
          p++;
      }
    else
      g_string_append_c (body, *p);
  if (body->len > 0 && body->str[body->len - 1] != '\n')
    g_string_append_c (body, '\n');

  ob_json_writer_begin_object (json, NULL);
  ob_json_writer_begin_array (json, "headers");
  for (guint i = 0; headers->field_names[i] != NULL; i++)
    ob_json_writer_string (json, NULL, headers->field_names[i]);
  ob_json_writer_end_array (json);
  ob_json_writer_string (json, "subject", subject);
  ob_json_writer_string (json, "from_name", from_name);
  ob_json_writer_string (json, "from_addr", headers->from_addr);
  ob_json_writer_string (json, "to_name", to_name);
  ob_json_writer_string (json, "to_addr", headers->to_addr);
  {
    g_autofree char *angle = g_strdup_printf ("<%s>", message_id);

    ob_json_writer_string (json, "message_id", angle);
  }
  if (headers->in_reply_to[0] != NULL)
    {
      g_autofree char *angle = g_strdup_printf ("<%s>", headers->in_reply_to[0]);

      ob_json_writer_string (json, "in_reply_to", angle);
    }
  else
    {
      ob_json_writer_string (json, "in_reply_to", NULL);
    }
  ob_json_writer_begin_array (json, "references");
  for (guint i = 0; headers->references[i] != NULL; i++)
    {
      g_autofree char *angle = g_strdup_printf ("<%s>", headers->references[i]);

      ob_json_writer_string (json, NULL, angle);
    }
  ob_json_writer_end_array (json);
  ob_json_writer_string (json, "list_unsubscribe", headers->list_unsubscribe);
  ob_json_writer_string (json, "date", date);
  ob_json_writer_string (json, "body", body->str);
  if (params->html)
    {
      ob_json_writer_begin_array (json, "html");
      ob_json_writer_string (json, NULL, "<p>");
      ob_json_writer_end_array (json);
    }
  else
    {
      ob_json_writer_string (json, "html", NULL);
    }
  ob_json_writer_end_object (json);

  json_text = ob_json_writer_finish (g_steal_pointer (&json));
  g_file_set_contents (json_path, json_text, -1, &error);
  g_assert_no_error (error);
}

static void
test_python (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-mime-XXXXXX", &error);
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "check-mime-python.py", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDateTime) date = warsaw_date ();
  g_autoptr(GTimeZone) new_york = g_time_zone_new_identifier ("America/New_York");
  g_autoptr(GDateTime) date_ny = g_date_time_new (new_york, 2026, 11, 1, 1, 30, 0);
  g_autofree char *big = long_injection ();
  g_autoptr(GString) long_body = g_string_new ("Leading text\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char * const thread[] = { "one@example.com", "two@example.com", NULL };
  g_autoptr(GDir) listing = NULL;
  const char *entry;

  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3 is missing");
      return;
    }
  g_assert_no_error (error);

  for (guint i = 0; i < 3000; i++)
    g_string_append (long_body, i % 5 ? "x" : "ą");
  g_string_append (long_body, "\n.dot\nFrom here\ntrailing   \n\tindented\n-- \nsig");

  write_case (dir, "plain", &(ObMimeParams) {
    .from_name = "Rep Smith", .from_addr = "rep@example.com", .to_name = "Anna",
    .to_addr = "anna@acme.example", .subject = "Quick question, Anna",
    .body_text = "Hi Anna,\n\nA short note.\n\nRep\n", .date = date });
  write_case (dir, "polish-html", &(ObMimeParams) {
    .from_name = "Paweł Nowak", .from_addr = "pawel@zażółć.pl", .to_name = "Zażółć Gęślą",
    .to_addr = "zofia@example.pl",
    .subject = "Szybkie pytanie o współpracę — czy mają Państwo chwilę w przyszłym tygodniu?",
    .body_text = "Dzień dobry,\n\nczy możemy porozmawiać o współpracy? Więcej: "
                 "https://example.pl/oferta?a=1&b=2\n\nPozdrawiam\nPaweł\n",
    .html = TRUE, .date = date, .list_unsubscribe = "wypisz@zażółć.pl" });
  write_case (dir, "specials", &(ObMimeParams) {
    .from_name = "Nowak, Paweł (Sales)", .from_addr = "pawel@example.com",
    .to_name = "John \"JJ\" Smith, Jr.", .to_addr = "john@example.com",
    .subject = "Literal =?UTF-8?Q?x?= and_under_scores", .body_text = "= sign\n",
    .date = date_ny });
  write_case (dir, "injection-follow-up", &(ObMimeParams) {
    .from_name = "Rep\r\nBcc: evil@example.net", .from_addr = "rep@example.com",
    .to_name = "Anna\nX-Evil: 1", .to_addr = "anna@example.com", .subject = big,
    .body_text = "CRLF\r\nCR\rLF\n\r\nBcc: not a header\r\n", .date = date,
    .message_id = "<mine@example.com>", .in_reply_to = "two@example.com", .references = thread,
    .list_unsubscribe = "rep+unsubscribe@example.com" });
  write_case (dir, "cjk-emoji", &(ObMimeParams) {
    .from_name = "张伟 🚀", .from_addr = "zhang@example.cn", .to_name = "日本 太郎",
    .to_addr = "taro@example.jp", .subject = "你好，关于合作的简短问题 🚀🔥 quick question 👋",
    .body_text = "你好！\n\n<script>alert('x')</script> & http://example.cn/路径\n\n🎉\n",
    .html = TRUE, .date = date });
  write_case (dir, "empty", &(ObMimeParams) {
    .from_addr = "rep@example.com", .to_addr = "anna@example.com", .subject = "", .body_text = "",
    .date = date });
  write_case (dir, "long-names", &(ObMimeParams) {
    .from_name = "Przedsiębiorstwo Handlowo-Usługowe „Żółw” Spółka z ograniczoną "
                 "odpowiedzialnością", .from_addr = "biuro@example.pl",
    .to_name = "Zażółć Gęślą Jaźń Źdźbło Łódź Ćma Ńańa Óma Śmiało Ęka", .to_addr = "a@example.pl",
    .subject = "x", .date = date });
  write_case (dir, "long-lines", &(ObMimeParams) {
    .from_name = "A very long display name with many words, and a comma, going past the limit",
    .from_addr = "rep@example.com", .to_addr = "anna@example.com",
    .subject = "Long-ASCII-word-without-spaces-that-cannot-be-folded-as-plain-text-at-all-really",
    .body_text = long_body->str, .html = TRUE, .date = date });

  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_strdup (script));
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((entry = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (entry, ".eml"))
      g_ptr_array_add (argv, g_build_filename (dir, entry, NULL));
  g_assert_cmpuint (argv->len, ==, 2 + 8);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  /* Clean up only on success: a failure leaves the files to look at */
  g_dir_rewind (listing);
  while ((entry = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/mime/exact-bytes", test_exact_bytes);
  g_test_add_func ("/engine/mime/date", test_date);
  g_test_add_func ("/engine/mime/message-id", test_message_id);
  g_test_add_func ("/engine/mime/reply-subject", test_reply_subject);
  g_test_add_func ("/engine/mime/sanitize", test_sanitize);
  g_test_add_func ("/engine/mime/header-injection", test_header_injection);
  g_test_add_func ("/engine/mime/refused-values", test_refused_values);
  g_test_add_func ("/engine/mime/addresses", test_addresses);
  g_test_add_func ("/engine/mime/display-names", test_display_names);
  g_test_add_func ("/engine/mime/rfc2047-round-trip", test_rfc2047_round_trip);
  g_test_add_func ("/engine/mime/quoted-printable", test_quoted_printable);
  g_test_add_func ("/engine/mime/threading", test_threading);
  g_test_add_func ("/engine/mime/list-unsubscribe", test_list_unsubscribe);
  g_test_add_func ("/engine/mime/html", test_html);
  g_test_add_func ("/engine/mime/long-lines", test_long_lines);
  g_test_add_func ("/engine/mime/parse-autoreply", test_parse_autoreply);
  g_test_add_func ("/engine/mime/parse-raw-utf8", test_parse_raw_utf8);
  g_test_add_func ("/engine/mime/parse-latin1", test_parse_latin1);
  g_test_add_func ("/engine/mime/parse-garbage", test_parse_garbage);
  g_test_add_func ("/engine/mime/python", test_python);

  return g_test_run ();
}
