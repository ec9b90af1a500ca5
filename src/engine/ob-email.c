/* ob-email.c: email address syntax, normalisation and free-mail domains
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: pure functions over their arguments, callable from any thread.
 *
 * What is accepted is the practical subset of RFC 5321 (with RFC 6531 UTF-8)
 * that real mail systems deliver to:
 *  - local part: a dot-atom (letters, digits, !#$%&'*+-/=?^_`{|}~ and any
 *    non-ASCII character, dots between them) or a quoted string of printable
 *    characters (\" and \\ escapes); at most 64 bytes;
 *  - domain: two labels or more of letters, digits and hyphens (not at either
 *    end of a label), 63 bytes each, 255 in all, the last not all digits;
 *    an internationalised domain is converted to its ASCII (punycode) form
 *    for checks and matching, and kept as typed for display; no address
 *    literals ([192.0.2.1]);
 *  - the whole address: at most 254 bytes, no space or control character
 *    anywhere, not even inside quotes (those come from pasted lists, never
 *    from a real mailbox, and CR/LF could end up in a header).
 * White space around the address (including no-break spaces and byte order
 * marks that spreadsheets leave) is dropped first.
 */

#define G_LOG_DOMAIN "ob-email"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-email.h"

G_DEFINE_QUARK (ob-email-error-quark, ob_email_error)

/* Anything longer than this cannot be an address; it is not looked at. */
#define MAX_INPUT_LENGTH 1024

static const guint8 atext_ascii[128] = {
  ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
  ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
  ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
  ['y'] = 1, ['z'] = 1,
  ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
  ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
  ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
  ['Y'] = 1, ['Z'] = 1,
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
  ['8'] = 1, ['9'] = 1,
  ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
  ['-'] = 1, ['/'] = 1, ['='] = 1, ['?'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['{'] = 1,
  ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/* Quotes what the user typed into a message: one line, not too long. */
static char *
quote_input (const char *input,
             gsize       len)
{
  GString *out = g_string_new (NULL);
  const char *end = input + MIN (len, 80);

  for (const char *p = input; p < end; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (len > 80)
    g_string_append (out, "…");

  /* Cut in the middle of a character, or not UTF-8 at all: show what is valid */
  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);

      g_string_assign (out, valid);
      g_free (valid);
    }

  return g_string_free (out, FALSE);
}

static gssize
fail (GError       **error,
      ObEmailError   code,
      const char    *input,
      gsize          len,
      const char    *reason)
{
  if (error != NULL)
    {
      g_autofree char *quoted = quote_input (input, len);

      /* Translators: the first %s is what was typed, the second why it is
       * not an address, e.g. “it has no “@”” */
      g_set_error (error, OB_EMAIL_ERROR, code,
                   _("“%s” is not a valid email address: %s"), quoted, reason);
    }
  return -1;
}

/* Length in bytes of the UTF-8 white space (or BOM, zero-width space) at p. */
static gsize
space_at (const char *p,
          const char *end)
{
  guchar c = (guchar) *p;
  gunichar ch;
  const char *next;

  if (c < 0x80)
    return g_ascii_isspace (c) ? 1 : 0;

  ch = g_utf8_get_char_validated (p, end - p);
  if (ch == (gunichar) -1 || ch == (gunichar) -2)
    return 0;
  next = g_utf8_next_char (p);
  if (g_unichar_isspace (ch) || ch == 0xFEFF || ch == 0x200B)
    return next - p;
  return 0;
}

/* Length of the white space ending at end (the last character before it). */
static gsize
space_before (const char *start,
              const char *end)
{
  const char *p = end - 1;

  if ((guchar) *p < 0x80)
    return g_ascii_isspace (*p) ? 1 : 0;

  /* Back to the start of the last character */
  while (p > start && ((guchar) *p & 0xC0) == 0x80)
    p--;
  return space_at (p, end) == (gsize) (end - p) ? (gsize) (end - p) : 0;
}

static gboolean
has_space_or_control (const char *s,
                      gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c <= 0x20 || c == 0x7f)
        return TRUE;
      /* U+0080..U+009F (C2 80..C2 9F) and U+00A0 no-break space (C2 A0) */
      if (c == 0xC2 && i + 1 < len && (guchar) s[i + 1] <= 0xA0)
        return TRUE;
    }
  return FALSE;
}

/* Checks a domain in ASCII; lower-cases it into out. */
static const char *
check_ascii_domain (const char *domain,
                    gsize       len,
                    char       *out)
{
  gsize label_len = 0;
  guint n_labels = 1;
  gboolean label_all_digits = TRUE;

  if (len == 0)
    return _("the domain is missing");
  if (len > OB_EMAIL_MAX_DOMAIN)
    return _("the domain is longer than 255 characters");

  for (gsize i = 0; i < len; i++)
    {
      char c = domain[i];

      if (c == '.')
        {
          if (label_len == 0 || domain[i - 1] == '-')
            return _("the domain is not a valid host name");
          n_labels++;
          label_len = 0;
          label_all_digits = TRUE;
          out[i] = '.';
          continue;
        }
      if (!g_ascii_isalnum (c) && c != '-')
        return _("the domain is not a valid host name");
      if (c == '-' && label_len == 0)
        return _("the domain is not a valid host name");
      if (++label_len > 63)
        return _("the domain is not a valid host name");
      if (!g_ascii_isdigit (c))
        label_all_digits = FALSE;
      out[i] = g_ascii_tolower (c);
    }

  if (label_len == 0 || domain[len - 1] == '-')
    return _("the domain is not a valid host name");
  if (n_labels < 2)
    return _("the domain needs at least one dot");
  if (label_all_digits)
    return _("the domain is not a valid host name");

  return NULL;
}

/* Checks the local part; returns NULL or the reason it is refused. */
static const char *
check_local_part (const char *local,
                  gsize       len)
{
  if (len == 0)
    return _("the name before the “@” is missing");
  if (len > OB_EMAIL_MAX_LOCAL_PART)
    return _("the name before the “@” is longer than 64 characters");

  if (local[0] == '"')
    {
      /* The caller found the closing quote at len - 1 */
      for (gsize i = 1; i + 1 < len; i++)
        {
          guchar c = (guchar) local[i];

          if (c == '\\')
            {
              i++;
              if (i + 1 >= len)
                return _("a quoted name is not closed");
              continue;
            }
          if (c == '"')
            return _("the name before the “@” holds a character that is not allowed");
        }
      return NULL;
    }

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) local[i];

      if (c == '.')
        {
          if (i == 0 || i + 1 == len || local[i + 1] == '.')
            return _("the name before the “@” starts or ends with a dot, or has two dots in a row");
          continue;
        }
      if (c >= 0x80)
        continue;
      if (!atext_ascii[c])
        return _("the name before the “@” holds a character that is not allowed");
    }

  return NULL;
}

/**
 * ob_email_parse_key:
 * @input: what was typed; need not be NUL-terminated
 * @len: its length in bytes
 * @key_out: (out caller-allocates): at least %OB_EMAIL_MAX_KEY bytes
 * @key_len: (out): the length of the key
 * @display_start: (out) (optional): where the address starts in @input,
 *   after white space
 * @display_len: (out) (optional): its length, without white space
 *
 * Returns: the offset of the domain in @key_out, or -1 with @error set
 */
gssize
ob_email_parse_key (const char  *input,
                    gsize        len,
                    char        *key_out,
                    gsize       *key_len,
                    gsize       *display_start,
                    gsize       *display_len,
                    GError     **error)
{
  const char *start = input;
  const char *end = input + len;
  const char *at;
  const char *domain;
  const char *reason;
  gsize local_len, domain_len, n;
  gboolean ascii_local = TRUE;
  gboolean ascii_domain = TRUE;

  g_return_val_if_fail (input != NULL || len == 0, -1);
  g_return_val_if_fail (key_out != NULL && key_len != NULL, -1);

  while (start < end && (n = space_at (start, end)) > 0)
    start += n;
  while (end > start && (n = space_before (start, end)) > 0)
    end -= n;
  len = end - start;

  if (display_start != NULL)
    *display_start = start - input;
  if (display_len != NULL)
    *display_len = len;

  if (len == 0)
    return fail (error, OB_EMAIL_ERROR_EMPTY, start, len, _("it is empty"));
  if (len > MAX_INPUT_LENGTH)
    return fail (error, OB_EMAIL_ERROR_TOO_LONG, start, len,
                 _("the address is longer than 254 characters"));
  if (!g_utf8_validate (start, len, NULL))
    return fail (error, OB_EMAIL_ERROR_CHARACTER, start, len,
                 _("it holds a character that is not allowed"));
  if (has_space_or_control (start, len))
    return fail (error, OB_EMAIL_ERROR_CHARACTER, start, len,
                 _("it contains a space or a control character"));

  /* The "@" that ends the local part: after the closing quote of a quoted
   * string, else the first one (a dot-atom cannot hold one). */
  if (start[0] == '"')
    {
      const char *p = start + 1;

      while (p < end && *p != '"')
        p += (*p == '\\' && p + 1 < end) ? 2 : 1;
      if (p >= end)
        return fail (error, OB_EMAIL_ERROR_LOCAL_PART, start, len,
                     _("a quoted name is not closed"));
      at = p + 1;
      if (at >= end || *at != '@')
        {
          /* "a"b@example.com: text between the quote and the "@" */
          if (at < end && memchr (at, '@', end - at) != NULL)
            return fail (error, OB_EMAIL_ERROR_LOCAL_PART, start, len,
                         _("the name before the “@” holds a character that is not allowed"));
          return fail (error, OB_EMAIL_ERROR_NO_AT, start, len, _("it has no “@”"));
        }
    }
  else
    {
      at = memchr (start, '@', len);
      if (at == NULL)
        return fail (error, OB_EMAIL_ERROR_NO_AT, start, len, _("it has no “@”"));
    }

  local_len = at - start;
  domain = at + 1;
  domain_len = end - domain;

  if (memchr (domain, '@', domain_len) != NULL)
    return fail (error, OB_EMAIL_ERROR_DOMAIN, start, len, _("it has more than one “@”"));

  reason = check_local_part (start, local_len);
  if (reason != NULL)
    return fail (error, OB_EMAIL_ERROR_LOCAL_PART, start, len, reason);

  for (gsize i = 0; i < local_len; i++)
    if ((guchar) start[i] >= 0x80)
      {
        ascii_local = FALSE;
        break;
      }
  for (gsize i = 0; i < domain_len; i++)
    if ((guchar) domain[i] >= 0x80)
      {
        ascii_domain = FALSE;
        break;
      }

  if (domain_len > 0 && domain[0] == '[')
    return fail (error, OB_EMAIL_ERROR_DOMAIN, start, len,
                 _("an IP address instead of a domain is not accepted"));

  /* The local part, lower-cased */
  if (ascii_local)
    {
      for (gsize i = 0; i < local_len; i++)
        key_out[i] = g_ascii_tolower (start[i]);
      *key_len = local_len;
    }
  else
    {
      g_autofree char *lower = g_utf8_strdown (start, local_len);
      gsize lower_len = strlen (lower);

      if (lower_len > OB_EMAIL_MAX_LOCAL_PART)
        return fail (error, OB_EMAIL_ERROR_LOCAL_PART, start, len,
                     _("the name before the “@” is longer than 64 characters"));
      memcpy (key_out, lower, lower_len);
      *key_len = lower_len;
    }
  key_out[(*key_len)++] = '@';

  if (ascii_domain)
    {
      reason = check_ascii_domain (domain, domain_len, key_out + *key_len);
    }
  else
    {
      g_autofree char *typed = g_strndup (domain, domain_len);
      g_autofree char *ascii = g_hostname_to_ascii (typed);

      if (ascii == NULL)
        reason = _("the domain is not a valid host name");
      else
        reason = check_ascii_domain (ascii, strlen (ascii), key_out + *key_len);
      domain_len = ascii != NULL ? strlen (ascii) : 0;
    }
  if (reason != NULL)
    return fail (error, OB_EMAIL_ERROR_DOMAIN, start, len, reason);

  if (*key_len + domain_len > OB_EMAIL_MAX_LENGTH)
    return fail (error, OB_EMAIL_ERROR_TOO_LONG, start, len,
                 _("the address is longer than 254 characters"));

  key_out[*key_len + domain_len] = '\0';
  n = *key_len;
  *key_len += domain_len;

  return (gssize) n;
}

/**
 * ob_email_parse:
 * @input: an address as typed or read from a file
 * @out: (out caller-allocates) (optional): filled on success; clear it with
 *   ob_email_clear()
 *
 * Returns: %TRUE if @input is an address Outbound can write to
 */
gboolean
ob_email_parse (const char  *input,
                ObEmail     *out,
                GError     **error)
{
  char key[OB_EMAIL_MAX_KEY];
  gsize key_len, start, len;
  gssize domain;

  g_return_val_if_fail (input != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  domain = ob_email_parse_key (input, strlen (input), key, &key_len, &start, &len, error);
  if (domain < 0)
    return FALSE;

  if (out != NULL)
    {
      out->display = g_strndup (input + start, len);
      out->key = g_strndup (key, key_len);
      out->domain = g_strndup (key + domain, key_len - domain);
    }
  return TRUE;
}

void
ob_email_clear (ObEmail *email)
{
  g_clear_pointer (&email->display, g_free);
  g_clear_pointer (&email->key, g_free);
  g_clear_pointer (&email->domain, g_free);
}

/**
 * ob_email_normalize_domain:
 * @domain: a domain as typed ("Bücher.example"), with or without a leading "@"
 *
 * Returns: (transfer full): the domain in ASCII lower case
 *   ("xn--bcher-kva.example"), or %NULL with %OB_EMAIL_ERROR_DOMAIN
 */
char *
ob_email_normalize_domain (const char  *domain,
                           GError     **error)
{
  g_autofree char *address = NULL;
  ObEmail email = { NULL, };
  char *result;

  g_return_val_if_fail (domain != NULL, NULL);

  while (g_ascii_isspace (*domain))
    domain++;
  if (*domain == '@')
    domain++;

  /* The same rules as the domain of an address */
  address = g_strconcat ("x@", domain, NULL);
  if (!ob_email_parse (address, &email, NULL))
    {
      g_autofree char *quoted = quote_input (domain, strlen (domain));

      g_set_error (error, OB_EMAIL_ERROR, OB_EMAIL_ERROR_DOMAIN,
                   _("“%s” is not a valid domain"), quoted);
      return NULL;
    }

  result = g_steal_pointer (&email.domain);
  ob_email_clear (&email);
  return result;
}

/* Mailbox providers anyone can sign up with: a reply from one colleague there
 * says nothing about the others. Sorted, for bsearch(). */
static const char * const free_mail_domains[] = {
  "126.com", "139.com", "163.com", "a1.net", "aim.com", "alice.it", "aol.com", "aon.at",
  "att.net", "autograf.pl", "bellsouth.net", "bigpond.com", "bk.ru", "bluewin.ch",
  "bol.com.br", "btinternet.com", "buziaczek.pl", "centrum.cz", "charter.net", "comcast.net",
  "cox.net", "daum.net", "earthlink.net", "email.cz", "fastmail.com", "fastmail.fm",
  "free.fr", "freenet.de", "gazeta.pl", "gmail.com", "go2.pl", "googlemail.com", "hanmail.net",
  "hey.com", "hushmail.com", "icloud.com", "inbox.lv", "inbox.ru", "interia.eu", "interia.pl",
  "laposte.net", "libero.it", "list.ru", "mac.com", "mail.com", "mail.ru", "me.com",
  "msn.com", "naver.com", "neuf.fr", "ntlworld.com", "o2.pl", "onet.eu", "onet.pl", "op.pl",
  "orange.fr", "pm.me", "poczta.fm", "poczta.onet.pl", "post.cz", "posteo.de", "proton.me",
  "protonmail.ch", "protonmail.com", "qq.com", "rambler.ru", "rediffmail.com",
  "rocketmail.com", "sbcglobal.net", "seznam.cz", "sfr.fr", "shaw.ca", "sky.com",
  "sympatico.ca", "t-online.de", "telenet.be", "tiscali.it", "tlen.pl", "tuta.io",
  "tutanota.com", "tutanota.de", "ukr.net", "verizon.net", "virgilio.it", "virginmedia.com",
  "vp.pl", "wanadoo.fr", "web.de", "windowslive.com", "wp.pl", "ya.ru", "ymail.com",
  "zoho.com", "zohomail.com",
};

/* Providers with one domain per country: hotmail.co.uk, yahoo.com.br, gmx.de... */
static const char * const free_mail_families[] = {
  "aol.", "gmx.", "hotmail.", "live.", "outlook.", "yahoo.", "yandex.",
};

static int
compare_domain (const void *key,
                const void *member)
{
  return strcmp (key, *(const char * const *) member);
}

/**
 * ob_email_domain_is_free_mail:
 * @domain: a domain in ASCII, any case
 *
 * Returns: %TRUE for the domain of a public mailbox provider (gmail.com,
 *   outlook.com, wp.pl...), where one address says nothing about another
 */
gboolean
ob_email_domain_is_free_mail (const char *domain)
{
  char lower[OB_EMAIL_MAX_DOMAIN + 1];
  gsize len;

  g_return_val_if_fail (domain != NULL, FALSE);

  if (*domain == '@')
    domain++;
  len = strlen (domain);
  if (len > 0 && domain[len - 1] == '.')
    len--;
  if (len == 0 || len > OB_EMAIL_MAX_DOMAIN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    lower[i] = g_ascii_tolower (domain[i]);
  lower[len] = '\0';

  if (bsearch (lower, free_mail_domains, G_N_ELEMENTS (free_mail_domains),
               sizeof free_mail_domains[0], compare_domain) != NULL)
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (free_mail_families); i++)
    {
      gsize n = strlen (free_mail_families[i]);
      const char *rest = lower + n;

      /* The family name then a country suffix of one or two labels (co.uk,
       * com.br, de): never a company's own sub-domain such as yahoo.acme.com */
      if (strncmp (lower, free_mail_families[i], n) == 0 && *rest != '\0' &&
          strlen (rest) <= 6 && strchr (rest, '.') == strrchr (rest, '.'))
        return TRUE;
    }

  return FALSE;
}
