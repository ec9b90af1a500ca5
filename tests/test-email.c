/* test-email.c: address syntax, normalisation, free-mail domains
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-email.h"

static void
assert_valid (const char *input,
              const char *display,
              const char *key,
              const char *domain)
{
  g_autoptr(GError) error = NULL;
  g_auto(ObEmail) email = { NULL, };

  g_test_message ("valid: %s", input);
  g_assert_true (ob_email_parse (input, &email, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (email.display, ==, display);
  g_assert_cmpstr (email.key, ==, key);
  g_assert_cmpstr (email.domain, ==, domain);
}

static void
assert_invalid (const char *input,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_auto(ObEmail) email = { NULL, };
  /* One TAP line, whatever the input holds (new lines, bad UTF-8, 1000s of characters) */
  g_autofree char *shown = g_strescape (input, NULL);

  g_test_message ("invalid: %.100s%s", shown, strlen (shown) > 100 ? "…" : "");
  g_assert_false (ob_email_parse (input, &email, &error));
  g_assert_error (error, OB_EMAIL_ERROR, code);
  g_assert_null (email.key);
  /* One line, whatever was typed */
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\r'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_valid (void)
{
  assert_valid ("ann@example.com", "ann@example.com", "ann@example.com", "example.com");
  assert_valid ("Ann.Smith@Example.COM", "Ann.Smith@Example.COM", "ann.smith@example.com",
                "example.com");
  assert_valid ("  ann+tag@mail.example.co.uk\t", "ann+tag@mail.example.co.uk",
                "ann+tag@mail.example.co.uk", "mail.example.co.uk");
  /* What spreadsheets leave around a cell: no-break space, BOM, CR/LF */
  assert_valid ("\xC2\xA0" "ann@example.com\xC2\xA0", "ann@example.com", "ann@example.com",
                "example.com");
  assert_valid ("\xEF\xBB\xBF" "ann@example.com\r\n", "ann@example.com", "ann@example.com",
                "example.com");
  assert_valid ("o'brien@example.ie", "o'brien@example.ie", "o'brien@example.ie", "example.ie");
  assert_valid ("x!#$%&'*+-/=?^_`{|}~@example.com", "x!#$%&'*+-/=?^_`{|}~@example.com",
                "x!#$%&'*+-/=?^_`{|}~@example.com", "example.com");
  assert_valid ("\"a@b\"@example.com", "\"a@b\"@example.com", "\"a@b\"@example.com",
                "example.com");
  assert_valid ("\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com",
                "example.com");
  assert_valid ("a@a-b.c-d.example", "a@a-b.c-d.example", "a@a-b.c-d.example", "a-b.c-d.example");
  assert_valid ("a@123.example", "a@123.example", "a@123.example", "123.example");
  /* RFC 6531: UTF-8 local parts, lower-cased for the key */
  assert_valid ("Łukasz@example.pl", "Łukasz@example.pl", "łukasz@example.pl", "example.pl");
}

static void
test_idn (void)
{
  g_auto(ObEmail) typed = { NULL, };
  g_auto(ObEmail) ascii = { NULL, };

  /* Kept as typed, matched by the punycode form */
  assert_valid ("user@bücher.example", "user@bücher.example", "user@xn--bcher-kva.example",
                "xn--bcher-kva.example");
  assert_valid ("User@BÜCHER.example", "User@BÜCHER.example", "user@xn--bcher-kva.example",
                "xn--bcher-kva.example");
  assert_valid ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example",
                "user@xn--bcher-kva.example", "xn--bcher-kva.example");

  g_assert_true (ob_email_parse ("user@bücher.example", &typed, NULL));
  g_assert_true (ob_email_parse ("USER@XN--BCHER-KVA.EXAMPLE", &ascii, NULL));
  g_assert_cmpstr (typed.key, ==, ascii.key);
  g_assert_cmpstr (typed.domain, ==, ascii.domain);

  assert_valid ("jan@żółw.pl", "jan@żółw.pl", "jan@xn--w-uga1v8h.pl", "xn--w-uga1v8h.pl");
}

static void
test_invalid (void)
{
  g_autofree char *long_local = NULL;
  g_autofree char *long_label = NULL;
  g_autofree char *long_address = NULL;
  g_autofree char *max_local = NULL;
  g_autofree char *max_address = NULL;

  assert_invalid ("", OB_EMAIL_ERROR_EMPTY);
  assert_invalid ("   \t ", OB_EMAIL_ERROR_EMPTY);
  assert_invalid ("ann.example.com", OB_EMAIL_ERROR_NO_AT);
  assert_invalid ("@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("ann@", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@localhost", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@example..com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@.example.com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@example.com.", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@-example.com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@example-.com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@exa_mple.com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@192.168.1.1", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@[192.168.1.1]", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid ("ann@b@example.com", OB_EMAIL_ERROR_DOMAIN);
  assert_invalid (".ann@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("ann.@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("a..nn@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("ann(x)@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("ann,bob@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("<ann@example.com>", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("\"unclosed@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  assert_invalid ("\"a\"b@example.com", OB_EMAIL_ERROR_LOCAL_PART);
  /* Spaces and control characters, even inside quotes: header injection */
  assert_invalid ("ann smith@example.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("\"ann smith\"@example.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann@example.com\r\nBcc: evil@example.net", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann\n@example.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann@exam\tple.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann\xC2\xA0smith@example.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann\xC2\x85@example.com", OB_EMAIL_ERROR_CHARACTER);
  assert_invalid ("ann\xff@example.com", OB_EMAIL_ERROR_CHARACTER);

  /* Lengths: 64 for the local part, 63 a label, 254 in all */
  max_local = g_strnfill (64, 'a');
  long_local = g_strnfill (65, 'a');
  {
    g_autofree char *label = g_strnfill (64, 'b');

    long_label = g_strdup_printf ("a@%s.example", label);
  }
  {
    g_autofree char *address = g_strconcat (max_local, "@example.com", NULL);
    g_autofree char *too_long = g_strconcat (long_local, "@example.com", NULL);

    assert_valid (address, address, address, "example.com");
    assert_invalid (too_long, OB_EMAIL_ERROR_LOCAL_PART);
  }
  assert_invalid (long_label, OB_EMAIL_ERROR_DOMAIN);
  {
    /* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 */
    g_autofree char *l63 = g_strnfill (63, 'c');
    g_autofree char *l61 = g_strnfill (61, 'd');
    g_autofree char *l62 = g_strnfill (62, 'd');

    max_address = g_strdup_printf ("%s@%s.%s.%s", max_local, l63, l63, l61);
    long_address = g_strdup_printf ("%s@%s.%s.%s", max_local, l63, l63, l62);
    g_assert_cmpuint (strlen (max_address), ==, 254);
    g_assert_true (ob_email_parse (max_address, NULL, NULL));
    assert_invalid (long_address, OB_EMAIL_ERROR_TOO_LONG);
  }
  {
    g_autofree char *huge = g_strnfill (1024 * 1024, 'x');

    assert_invalid (huge, OB_EMAIL_ERROR_TOO_LONG);
  }
}

static void
test_message (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_email_parse ("ann.example.com", NULL, &error));
  g_assert_cmpstr (error->message, ==,
                   "“ann.example.com” is not a valid email address: it has no “@”");
  g_clear_error (&error);

  /* Control characters are shown escaped, never as they are */
  g_assert_false (ob_email_parse ("a@b.com\r\nBcc: x@y.com", NULL, &error));
  g_assert_nonnull (strstr (error->message, "\\x0D\\x0A"));
}

static void
test_parse_key (void)
{
  char key[OB_EMAIL_MAX_KEY];
  gsize key_len, start, len;
  gssize domain;
  const char input[] = "  Ann@Example.com, and more";

  /* Not NUL-terminated: only the length given counts */
  domain = ob_email_parse_key (input, strlen ("  Ann@Example.com"), key, &key_len, &start, &len,
                               NULL);
  g_assert_cmpint (domain, ==, 4);
  g_assert_cmpstr (key, ==, "ann@example.com");
  g_assert_cmpuint (key_len, ==, strlen ("ann@example.com"));
  g_assert_cmpuint (start, ==, 2);
  g_assert_cmpuint (len, ==, strlen ("Ann@Example.com"));
  g_assert_cmpstr (key + domain, ==, "example.com");
}

static void
test_normalize_domain (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = ob_email_normalize_domain ("Example.COM", NULL);
  g_autofree char *b = ob_email_normalize_domain ("@bücher.example", NULL);
  g_autofree char *c = ob_email_normalize_domain ("not a domain", &error);

  g_assert_cmpstr (a, ==, "example.com");
  g_assert_cmpstr (b, ==, "xn--bcher-kva.example");
  g_assert_null (c);
  g_assert_error (error, OB_EMAIL_ERROR, OB_EMAIL_ERROR_DOMAIN);
}

static void
test_free_mail (void)
{
  const char *free_mail[] = {
    "gmail.com", "GMAIL.COM", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
    "hotmail.fr", "live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.com.br", "icloud.com",
    "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "wp.pl",
    "o2.pl", "onet.pl", "interia.pl", "seznam.cz", "yandex.ru", "yandex.com", "mail.ru",
    "zoho.com", "@gmail.com", "gmail.com.",
  };
  const char *business[] = {
    "acme.com", "example.com", "gmail.acme.com", "yahoo.acme.com", "mygmail.com", "wp.pl.acme.com",
    "hotmail", "", "yahoo.example.corp.com",
  };

  for (guint i = 0; i < G_N_ELEMENTS (free_mail); i++)
    {
      g_test_message ("free: %s", free_mail[i]);
      g_assert_true (ob_email_domain_is_free_mail (free_mail[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (business); i++)
    {
      g_test_message ("business: %s", business[i]);
      g_assert_false (ob_email_domain_is_free_mail (business[i]));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/email/valid", test_valid);
  g_test_add_func ("/engine/email/idn", test_idn);
  g_test_add_func ("/engine/email/invalid", test_invalid);
  g_test_add_func ("/engine/email/message", test_message);
  g_test_add_func ("/engine/email/parse-key", test_parse_key);
  g_test_add_func ("/engine/email/normalize-domain", test_normalize_domain);
  g_test_add_func ("/engine/email/free-mail", test_free_mail);

  return g_test_run ();
}
