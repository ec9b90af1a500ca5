/* test-template.c: tests for merge fields
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Values come from a GHashTable of canonical name → value through
 * ob_template_lookup_hash_table(), the way the sender will call it.
 */

#include <string.h>

#include "ob-template.h"

/* A table from name/value pairs, NULL-terminated; names are normalised. */
static GHashTable *
values_new (const char *first_name,
            ...)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *name = first_name;
  va_list args;

  va_start (args, first_name);
  while (name != NULL)
    {
      const char *value = va_arg (args, const char *);

      g_hash_table_insert (values, ob_template_normalize_field_name (name), g_strdup (value));
      name = va_arg (args, const char *);
    }
  va_end (args);

  return values;
}

static char *
render (const char     *source,
        ObTemplateMode  mode,
        GHashTable     *values,
        char         ***out_missing)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObTemplate) template = ob_template_compile (source, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (template);

  return ob_template_render (template, mode, ob_template_lookup_hash_table, values, out_missing);
}

static void
assert_render (const char     *source,
               ObTemplateMode  mode,
               GHashTable     *values,
               const char     *expected)
{
  g_autofree char *result = render (source, mode, values, NULL);

  g_assert_cmpstr (result, ==, expected);
}

static void
test_plain_text (void)
{
  g_autoptr(GHashTable) values = values_new (NULL);

  assert_render ("", OB_TEMPLATE_MODE_BODY, values, "");
  assert_render ("Hello there.", OB_TEMPLATE_MODE_BODY, values, "Hello there.");
  assert_render ("Single { and } braces, {x} and a}b", OB_TEMPLATE_MODE_BODY, values,
                 "Single { and } braces, {x} and a}b");
  assert_render ("Zażółć gęślą jaźń 🚀", OB_TEMPLATE_MODE_HEADER, values, "Zażółć gęślą jaźń 🚀");
}

static void
test_fields (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", "company", "Acme",
                                             "Deal Size", "big", NULL);

  assert_render ("Hi {{first_name}}!", OB_TEMPLATE_MODE_BODY, values, "Hi Anna!");
  assert_render ("{{first_name}}{{company}}", OB_TEMPLATE_MODE_BODY, values, "AnnaAcme");
  assert_render ("Hi {{ first_name }} at {{\tcompany\t}}", OB_TEMPLATE_MODE_BODY, values,
                 "Hi Anna at Acme");
  /* Names are case-insensitive; "-", "." and "_" are alike */
  assert_render ("{{First_Name}} {{FIRST_NAME}} {{first-name}} {{first.name}}",
                 OB_TEMPLATE_MODE_BODY, values, "Anna Anna Anna Anna");
  assert_render ("{{deal_size}} {{Deal-Size}}", OB_TEMPLATE_MODE_BODY, values, "big big");
  /* A value is text: never parsed for fields */
  g_hash_table_insert (values, g_strdup ("title"), g_strdup ("{{company}} \\{{ }}"));
  assert_render ("{{title}}", OB_TEMPLATE_MODE_BODY, values, "{{company}} \\{{ }}");
  assert_render ("{{first_name}}}", OB_TEMPLATE_MODE_BODY, values, "Anna}");
}

static void
test_fallbacks (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", "company", "", "title", " \t ",
                                             NULL);
  g_auto(GStrv) missing = NULL;
  g_autofree char *result = NULL;

  assert_render ("Hi {{first_name|there}}", OB_TEMPLATE_MODE_BODY, values, "Hi Anna");
  assert_render ("Hi {{last_name|there}}", OB_TEMPLATE_MODE_BODY, values, "Hi there");
  assert_render ("Hi {{ last_name | dear friend }}!", OB_TEMPLATE_MODE_BODY, values,
                 "Hi dear friend!");
  /* Empty and all-blank values count as missing */
  assert_render ("{{company|your team}}", OB_TEMPLATE_MODE_BODY, values, "your team");
  assert_render ("{{title|x}}", OB_TEMPLATE_MODE_BODY, values, "x");
  /* "|" inside the fallback, non-ASCII */
  assert_render ("{{last_name|a|b}}", OB_TEMPLATE_MODE_BODY, values, "a|b");
  assert_render ("{{last_name|cześć}}", OB_TEMPLATE_MODE_BODY, values, "cześć");

  /* An empty fallback is empty on purpose: not missing */
  result = render ("Hi{{last_name|}}!", OB_TEMPLATE_MODE_BODY, values, &missing);
  g_assert_cmpstr (result, ==, "Hi!");
  g_assert_null (missing);
}

static void
test_missing (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", "company", "  ", NULL);
  g_auto(GStrv) missing = NULL;
  g_autofree char *result = NULL;
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(GString) out = g_string_new ("kept:");

  result = render ("{{first_name}} {{Last_Name}} {{company}} {{last_name}} {{title|x}}",
                   OB_TEMPLATE_MODE_BODY, values, &missing);
  g_assert_cmpstr (result, ==, "Anna    x");
  g_assert_nonnull (missing);
  g_assert_cmpuint (g_strv_length (missing), ==, 2);
  g_assert_cmpstr (missing[0], ==, "last_name");
  g_assert_cmpstr (missing[1], ==, "company");

  /* The append form counts each use and cleans only what it appended */
  template = ob_template_compile ("{{last_name}}\r\n{{last_name}}{{first_name}}", NULL, NULL);
  g_assert_cmpuint (ob_template_render_append (template, OB_TEMPLATE_MODE_BODY,
                                               ob_template_lookup_hash_table, values, out),
                    ==, 2);
  g_assert_cmpstr (out->str, ==, "kept:\nAnna");
  g_string_assign (out, "\r");
  g_assert_cmpuint (ob_template_render_append (template, OB_TEMPLATE_MODE_HEADER,
                                               ob_template_lookup_hash_table, values, out),
                    ==, 2);
  g_assert_cmpstr (out->str, ==, "\rAnna");
}

static void
test_builtins (void)
{
  g_autoptr(GHashTable) values = values_new ("email", "anna@Acme.example", "first_name", "Anna",
                                             "last_name", "Nowak", "my_first_name", "Paweł",
                                             "my_last_name", "", NULL);
  const char * const *builtins = ob_template_get_builtin_fields ();

  g_assert_cmpuint (g_strv_length ((char **) builtins), ==, 14);
  for (guint i = 0; builtins[i] != NULL; i++)
    {
      g_autofree char *canonical = ob_template_normalize_field_name (builtins[i]);

      g_assert_cmpstr (canonical, ==, builtins[i]);
      g_assert_true (ob_template_is_builtin_field (builtins[i]));
    }
  g_assert_false (ob_template_is_builtin_field ("fist_name"));

  /* Derived when the caller gives none */
  assert_render ("{{full_name}} / {{domain}} / {{my_name}}", OB_TEMPLATE_MODE_BODY, values,
                 "Anna Nowak / Acme.example / Paweł");
  g_hash_table_insert (values, g_strdup ("first_name"), g_strdup (""));
  assert_render ("[{{full_name}}]", OB_TEMPLATE_MODE_BODY, values, "[Nowak]");
  g_hash_table_insert (values, g_strdup ("last_name"), g_strdup (" "));
  assert_render ("[{{full_name|there}}]", OB_TEMPLATE_MODE_BODY, values, "[there]");
  g_hash_table_insert (values, g_strdup ("first_name"), g_strdup ("Anna"));
  assert_render ("[{{full_name}}]", OB_TEMPLATE_MODE_BODY, values, "[Anna]");
  /* What the caller gives wins */
  g_hash_table_insert (values, g_strdup ("full_name"), g_strdup ("Dr Anna N."));
  g_hash_table_insert (values, g_strdup ("domain"), g_strdup ("acme.example"));
  assert_render ("{{full_name}} {{domain}}", OB_TEMPLATE_MODE_BODY, values,
                 "Dr Anna N. acme.example");
  g_hash_table_remove (values, "domain");
  g_hash_table_insert (values, g_strdup ("email"), g_strdup ("no-at-sign"));
  assert_render ("[{{domain|?}}]", OB_TEMPLATE_MODE_BODY, values, "[?]");
}

static void
test_escapes (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", NULL);

  assert_render ("\\{{first_name}}", OB_TEMPLATE_MODE_BODY, values, "{{first_name}}");
  assert_render ("\\{{ literal \\}} and {{first_name}}", OB_TEMPLATE_MODE_BODY, values,
                 "{{ literal }} and Anna");
  /* A backslash anywhere else is text */
  assert_render ("a\\b \\{ \\} \\", OB_TEMPLATE_MODE_BODY, values, "a\\b \\{ \\} \\");
  assert_render ("\\\\{{first_name}}", OB_TEMPLATE_MODE_BODY, values, "\\{{first_name}}");
}

typedef struct
{
  const char     *source;
  ObTemplateError code;
  guint           line;
  guint           column;
  gsize           length;
  const char     *message;
} ErrorCase;

static void
test_syntax_errors (void)
{
  static const ErrorCase cases[] = {
    { "Hi {{first_name", OB_TEMPLATE_ERROR_UNBALANCED, 1, 4, 2,
      "Line 1, column 4: “{{” has no matching “}}” on the same line" },
    { "Hi {{first_name\n}}", OB_TEMPLATE_ERROR_UNBALANCED, 1, 4, 2, NULL },
    { "Hi {{first_name\r\n, bye}}", OB_TEMPLATE_ERROR_UNBALANCED, 1, 4, 2, NULL },
    { "Hi {{", OB_TEMPLATE_ERROR_UNBALANCED, 1, 4, 2, NULL },
    { "Hi first_name}}", OB_TEMPLATE_ERROR_STRAY_CLOSE, 1, 14, 2,
      "Line 1, column 14: “}}” does not close any merge field (write \\}} for literal braces)" },
    { "ok {{a}}\n\nżółw }}", OB_TEMPLATE_ERROR_STRAY_CLOSE, 3, 6, 2, NULL },
    { "a\r\nb\rc }}", OB_TEMPLATE_ERROR_STRAY_CLOSE, 3, 3, 2, NULL },
    { "{{}}", OB_TEMPLATE_ERROR_EMPTY_NAME, 1, 1, 4,
      "Line 1, column 1: The merge field “{{}}” has no name" },
    { "x {{  }}", OB_TEMPLATE_ERROR_EMPTY_NAME, 1, 3, 6, NULL },
    { "x {{|there}}", OB_TEMPLATE_ERROR_EMPTY_NAME, 1, 3, 10, NULL },
    { "Hi {{first name}}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 6, 10,
      "Line 1, column 6: Invalid merge field name “first name”: use letters, digits and “_”" },
    { "{{first_name!}}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 3, 11, NULL },
    { "{{$name}}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 3, 5, NULL },
    { "{{a\\b}}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 3, 3, NULL },
    { "{{ _ }}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 4, 1, NULL },
    { "{{a}b}}", OB_TEMPLATE_ERROR_INVALID_NAME, 1, 3, 3, NULL },
    { "{{a {{b}} }}", OB_TEMPLATE_ERROR_NESTED, 1, 5, 2,
      "Line 1, column 5: A merge field cannot hold “{”: merge fields cannot be nested, "
      "and each “{{” needs its “}}” first" },
    { "Hi {{first_name, how is {{company}}?", OB_TEMPLATE_ERROR_NESTED, 1, 25, 2, NULL },
    { "{{{first_name}}}", OB_TEMPLATE_ERROR_NESTED, 1, 3, 1, NULL },
    { "{{a|b{c}}", OB_TEMPLATE_ERROR_NESTED, 1, 6, 1, NULL },
    { "ok\xff", OB_TEMPLATE_ERROR_INVALID_UTF8, 1, 3, 1,
      "Line 1, column 3: The text is not valid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObTemplate) template = NULL;
      ObTemplateSpan span = { 0 };
      g_autofree char *shown = g_strescape (cases[i].source, NULL);

      g_test_message ("%s", shown);
      template = ob_template_compile (cases[i].source, &span, &error);
      g_assert_null (template);
      g_assert_error (error, OB_TEMPLATE_ERROR, (int) cases[i].code);
      g_assert_cmpuint (span.line, ==, cases[i].line);
      g_assert_cmpuint (span.column, ==, cases[i].column);
      g_assert_cmpuint (span.length, ==, cases[i].length);
      g_assert_cmpuint (span.offset + span.length, <=, strlen (cases[i].source) + 1);
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      else
        g_assert_true (g_str_has_prefix (error->message, "Line "));
    }

  /* No span wanted is fine too */
  g_assert_null (ob_template_compile ("}}", NULL, NULL));
}

static void
assert_unknown (const char         *source,
                const char * const *custom,
                const char         *message,
                guint               column)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObTemplate) template = ob_template_compile (source, NULL, &error);
  ObTemplateSpan span = { 0 };

  g_assert_no_error (error);
  g_assert_false (ob_template_check_fields (template, custom, &span, &error));
  g_assert_error (error, OB_TEMPLATE_ERROR, OB_TEMPLATE_ERROR_UNKNOWN_FIELD);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpuint (span.column, ==, column);
}

static void
test_unknown_fields (void)
{
  const char * const custom[] = { "LinkedIn URL", "Deal Size", "Pain-Point", NULL };
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(GError) error = NULL;

  assert_unknown ("Hi {{fist_name}}", NULL,
                  "Line 1, column 4: Unknown merge field “{{fist_name}}”; did you mean first_name?",
                  4);
  assert_unknown ("Hi {{First_Nmae|there}}", NULL,
                  "Line 1, column 4: Unknown merge field “{{First_Nmae}}”; "
                  "did you mean first_name?",
                  4);
  assert_unknown ("{{firstname}}", NULL,
                  "Line 1, column 1: Unknown merge field “{{firstname}}”; did you mean first_name?",
                  1);
  assert_unknown ("ok\n  {{compnay}}", NULL,
                  "Line 2, column 3: Unknown merge field “{{compnay}}”; did you mean company?", 3);
  assert_unknown ("{{my_signatur}}", NULL,
                  "Line 1, column 1: Unknown merge field “{{my_signatur}}”; "
                  "did you mean my_signature?",
                  1);
  assert_unknown ("{{linkedin_ur}}", custom,
                  "Line 1, column 1: Unknown merge field “{{linkedin_ur}}”; "
                  "did you mean linkedin_url?",
                  1);
  assert_unknown ("{{industry}}", custom,
                  "Line 1, column 1: Unknown merge field “{{industry}}”", 1);
  assert_unknown ("{{x}}", NULL, "Line 1, column 1: Unknown merge field “{{x}}”", 1);
  /* The first unknown one is reported */
  assert_unknown ("{{first_name}} {{aaa}} {{bbb}}", NULL,
                  "Line 1, column 16: Unknown merge field “{{aaa}}”", 16);

  template = ob_template_compile ("{{linkedin_url}} {{DEAL_SIZE}} {{pain_point|}} {{my_email}}",
                                  NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ob_template_check_fields (template, custom, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ob_template_check_fields (template, NULL, NULL, NULL));
}

static void
test_field_list (void)
{
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(ObTemplate) empty = NULL;
  const char * const *fields;

  template = ob_template_compile ("{{Company}} {{first_name|x}} {{company}} \\{{not_a_field}} "
                                  "{{FIRST-NAME}} {{my_name}}", NULL, NULL);
  fields = ob_template_get_fields (template);
  g_assert_cmpuint (g_strv_length ((char **) fields), ==, 3);
  g_assert_cmpstr (fields[0], ==, "company");
  g_assert_cmpstr (fields[1], ==, "first_name");
  g_assert_cmpstr (fields[2], ==, "my_name");
  g_assert_true (ob_template_uses_field (template, "First Name"));
  g_assert_false (ob_template_uses_field (template, "not_a_field"));
  g_assert_cmpstr (ob_template_get_source (template), ==,
                   "{{Company}} {{first_name|x}} {{company}} \\{{not_a_field}} "
                   "{{FIRST-NAME}} {{my_name}}");

  empty = ob_template_compile ("", NULL, NULL);
  g_assert_nonnull (empty);
  g_assert_null (ob_template_get_fields (empty)[0]);
}

static void
test_normalize_name (void)
{
  static const char * const cases[][2] = {
    { "first_name", "first_name" },
    { "First Name", "first_name" },
    { "  FIRST--NAME  ", "first_name" },
    { "LinkedIn URL (profile)", "linkedin_url_profile" },
    { "Imię", "imię" },
    { "STRASSE", "strasse" },
    { "Straße", "strasse" },
    { "ＡＢＣ", "abc" },
    { "___", "" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *result = ob_template_normalize_field_name (cases[i][0]);

      g_assert_cmpstr (result, ==, cases[i][1]);
    }
}

/* Every way a value could try to become a second header line. */
static void
test_header_mode (void)
{
  static const char * const cases[][2] = {
    { "Anna\r\nBcc: evil@example.com", "Hi Anna Bcc: evil@example.com!" },
    { "Anna\nBcc: evil@example.com", "Hi Anna Bcc: evil@example.com!" },
    { "Anna\rBcc: evil@example.com", "Hi Anna Bcc: evil@example.com!" },
    { "Anna \r\n\r\n  Bcc: x", "Hi Anna Bcc: x!" },
    { "Anna\tNowak", "Hi Anna Nowak!" },
    { "Anna\xe2\x80\xa8Nowak\xe2\x80\xa9X", "Hi Anna Nowak X!" },
    { "Anna\xc2\x85Nowak", "Hi Anna Nowak!" },
    { "Anna\x01\x1b\x7fNowak", "Hi Anna Nowak!" },
    { "\r\n  Anna  \r\n", "Hi Anna!" },
    { "Anna  Nowak", "Hi Anna  Nowak!" },
    { "\r\n", "Hi there!" },
    { "Ann\xff", "Hi Ann\xef\xbf\xbd!" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GHashTable) values = values_new ("first_name", cases[i][0], NULL);

      assert_render ("Hi {{first_name|there}}!", OB_TEMPLATE_MODE_HEADER, values, cases[i][1]);
    }

  {
    g_autoptr(GHashTable) values = values_new ("company", "\r\nAcme\r\n", NULL);

    /* The template's own text, too; the whole result is trimmed */
    assert_render ("  Quick\r\nquestion\tfor {{company}}\n", OB_TEMPLATE_MODE_HEADER, values,
                   "Quick question for Acme");
    assert_render ("{{company}}", OB_TEMPLATE_MODE_HEADER, values, "Acme");
    assert_render ("{{title}} {{company}} {{title}}", OB_TEMPLATE_MODE_HEADER, values, "Acme");
  }

  /* 10 KB of lines stays one line */
  {
    g_autoptr(GString) big = g_string_new (NULL);
    g_autoptr(GHashTable) values = NULL;
    g_autofree char *result = NULL;

    for (guint i = 0; i < 1000; i++)
      g_string_append (big, "x\r\nBcc: e");
    values = values_new ("company", big->str, NULL);
    result = render ("{{company}}", OB_TEMPLATE_MODE_HEADER, values, NULL);
    g_assert_null (strpbrk (result, "\r\n\t"));
    g_assert_cmpuint (strlen (result), ==, 8000);
  }
}

static void
test_body_mode (void)
{
  g_autoptr(GHashTable) values = values_new ("company", "Acme\r\nInc.\rLtd\x01\x7f",
                                             "title", "Head\xe2\x80\xa8of\xe2\x80\xa9Sales\xc2\x85",
                                             "my_signature", "-- \r\nPaweł\r\n", NULL);

  assert_render ("Hi\r\n{{company}}\r\r\n\tx", OB_TEMPLATE_MODE_BODY, values,
                 "Hi\nAcme\nInc.\nLtd\n\n\tx");
  assert_render ("{{title}}", OB_TEMPLATE_MODE_BODY, values, "Head\nof\nSales");
  /* Trimming keeps the "-- " signature separator (its space is inside) */
  assert_render ("Bye\n\n{{my_signature}}\n", OB_TEMPLATE_MODE_BODY, values, "Bye\n\n-- \nPaweł\n");
  assert_render ("a\x02\x1f" "b\x0c", OB_TEMPLATE_MODE_BODY, values, "ab");
}

typedef struct
{
  const char *text;
  const char *found; /* the matches joined by "|" */
} PlaceholderCase;

static void
test_placeholders (void)
{
  static const PlaceholderCase cases[] = {
    { "Hi Anna, how is Acme?", "" },
    { "Hi [Name], how is [Company]?", "[Name]|[Company]" },
    { "Hi [first name]!", "[first name]" },
    { "See [docs](https://x.example) and [1] and [x]", "" },
    { "Hi <first name>, <br> is fine, <b>bold</b>, <a@b.example> too", "<first name>" },
    { "Hi %FIRST_NAME%, we offer 50% off, 20% more", "%FIRST_NAME%" },
    { "Hi {first_name}, {{ and }} left", "{first_name}|{{|}}" },
    { "Date TBD; TODO: fix; XXX; FIXME", "TBD|TODO|XXX|FIXME" },
    { "XXXL size, TBDs, STODO, tbd, Xbox", "" },
    { "ŻTBD TBDż", "" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) found = ob_template_find_placeholders (cases[i].text);
      g_autoptr(GString) joined = g_string_new (NULL);

      for (guint j = 0; j < found->len; j++)
        {
          const ObTemplateSpan *span = &g_array_index (found, ObTemplateSpan, j);

          if (j > 0)
            g_string_append_c (joined, '|');
          g_string_append_len (joined, cases[i].text + span->offset, span->length);
          g_assert_cmpuint (span->line, ==, 1);
        }
      g_assert_cmpstr (joined->str, ==, cases[i].found);
    }

  {
    g_autoptr(GArray) found = ob_template_find_placeholders ("Hi,\n\nżółw [Name]");
    const ObTemplateSpan *span = &g_array_index (found, ObTemplateSpan, 0);

    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpuint (span->line, ==, 3);
    g_assert_cmpuint (span->column, ==, 6);
  }
}

typedef struct
{
  ObTemplate *template;
  GHashTable *values;
} ThreadData;

static gpointer
render_in_thread (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *result = ob_template_render (td->template, OB_TEMPLATE_MODE_BODY,
                                                    ob_template_lookup_hash_table, td->values,
                                                    NULL);

      g_assert_cmpstr (result, ==, "Hi Anna from Acme");
    }

  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", "company", "Acme", NULL);
  ThreadData td = {
    ob_template_compile ("Hi {{first_name}} from {{company}}", NULL, NULL),
    values,
  };
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("render", render_in_thread, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      ObTemplate *extra = ob_template_ref (td.template);

      g_thread_join (threads[i]);
      ob_template_unref (extra);
    }
  ob_template_unref (td.template);
}

/* The sender renders every message of every prospect: compile once, then
 * a render is appends and one pass. A million must take seconds at most
 * even under sanitizers; the time is printed for the record. */
static void
test_speed (void)
{
  g_autoptr(GHashTable) values = values_new ("first_name", "Anna", "company", "Acme Sp. z o.o.",
                                             "my_signature", "-- \nPaweł Nowak\nAcme", NULL);
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_test_perf () ? 1000000 : 200000;
  gint64 start;
  double seconds;

  template = ob_template_compile ("Hi {{first_name|there}},\n\nI noticed {{company}} is hiring. "
                                  "Would a short call next week make sense?\n\n{{my_signature}}\n",
                                  NULL, NULL);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_string_truncate (out, 0);
      ob_template_render_append (template, OB_TEMPLATE_MODE_BODY, ob_template_lookup_hash_table,
                                 values, out);
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%u renders in %.3f s (%.0f ns each)", n, seconds, seconds * 1e9 / n);
  g_assert_true (g_str_has_prefix (out->str, "Hi Anna,\n\nI noticed Acme Sp. z o.o. is"));
  g_assert_cmpfloat (seconds, <, 30.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/template/plain-text", test_plain_text);
  g_test_add_func ("/engine/template/fields", test_fields);
  g_test_add_func ("/engine/template/fallbacks", test_fallbacks);
  g_test_add_func ("/engine/template/missing", test_missing);
  g_test_add_func ("/engine/template/builtins", test_builtins);
  g_test_add_func ("/engine/template/escapes", test_escapes);
  g_test_add_func ("/engine/template/syntax-errors", test_syntax_errors);
  g_test_add_func ("/engine/template/unknown-fields", test_unknown_fields);
  g_test_add_func ("/engine/template/field-list", test_field_list);
  g_test_add_func ("/engine/template/normalize-name", test_normalize_name);
  g_test_add_func ("/engine/template/header-mode", test_header_mode);
  g_test_add_func ("/engine/template/body-mode", test_body_mode);
  g_test_add_func ("/engine/template/placeholders", test_placeholders);
  g_test_add_func ("/engine/template/threads", test_threads);
  g_test_add_func ("/engine/template/speed", test_speed);

  return g_test_run ();
}
