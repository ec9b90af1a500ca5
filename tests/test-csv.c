/* test-csv.c: tests for the streaming CSV reader
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Most tests read a file of tests/data/csv (made by make-fixtures.py there)
 * and compare a dump of every row, error and line number with the exact
 * expected text: "L<line>[field][field]" per record, "E<error>@<line>" per
 * error, CR and LF inside fields written as \r and \n.
 */

#include <string.h>

#include "ob-csv.h"

static const char *
error_name (const GError *error)
{
  static const char *names[] = {
    [OB_CSV_ERROR_IO] = "io",
    [OB_CSV_ERROR_UNSUPPORTED_ENCODING] = "unsupported-encoding",
    [OB_CSV_ERROR_ENCODING] = "encoding",
    [OB_CSV_ERROR_UNTERMINATED_QUOTE] = "unterminated-quote",
    [OB_CSV_ERROR_FIELD_TOO_LONG] = "field-too-long",
    [OB_CSV_ERROR_ROW_TOO_LONG] = "row-too-long",
    [OB_CSV_ERROR_NUL_BYTE] = "nul",
  };

  g_assert_true (error->domain == OB_CSV_ERROR);
  g_assert_cmpint (error->code, >=, 0);
  g_assert_cmpint (error->code, <, (int) G_N_ELEMENTS (names));

  return names[error->code];
}

static void
append_row (GString        *out,
            const ObCsvRow *row)
{
  g_string_append_printf (out, "L%" G_GUINT64_FORMAT, ob_csv_row_get_line_number (row));

  for (guint i = 0; i < ob_csv_row_get_n_fields (row); i++)
    {
      gsize len;
      const char *field = ob_csv_row_get_field (row, i, &len);

      /* The contract: NUL-terminated, no NUL inside, valid UTF-8 */
      g_assert_cmpuint (strlen (field), ==, len);
      g_assert_true (g_utf8_validate (field, len, NULL));

      g_string_append_c (out, '[');
      for (const char *c = field; *c != '\0'; c++)
        {
          if (*c == '\r')
            g_string_append (out, "\\r");
          else if (*c == '\n')
            g_string_append (out, "\\n");
          else
            g_string_append_c (out, *c);
        }
      g_string_append_c (out, ']');
    }

  g_string_append_c (out, '\n');
}

/* Reads every record, going on after recoverable errors, stopping at the
 * end or at a fatal error (checking that it is then sticky). */
static char *
dump_reader (ObCsvReader *reader)
{
  GString *out = g_string_new (NULL);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const ObCsvRow *row = NULL;
      guint64 line;
      g_autofree char *prefix = NULL;

      if (ob_csv_reader_next_row (reader, &row, NULL, &error))
        {
          g_assert_no_error (error);
          g_assert_nonnull (row);
          append_row (out, row);
          continue;
        }

      g_assert_null (row);
      if (error == NULL)
        {
          /* The end stays the end */
          g_assert_false (ob_csv_reader_next_row (reader, &row, NULL, &error));
          g_assert_no_error (error);
          break;
        }

      line = ob_csv_reader_get_error_line (reader);
      prefix = g_strdup_printf ("Line %" G_GUINT64_FORMAT ": ", line);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_string_append_printf (out, "E%s@%" G_GUINT64_FORMAT "\n", error_name (error), line);

      if (!ob_csv_error_is_recoverable (error))
        {
          g_autoptr(GError) again = NULL;

          g_assert_false (ob_csv_reader_next_row (reader, &row, NULL, &again));
          g_assert_error (again, OB_CSV_ERROR, error->code);
          g_assert_cmpstr (again->message, ==, error->message);
          break;
        }
    }

  return g_string_free (out, FALSE);
}

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "csv", name, NULL);
}

static ObCsvReader *
open_fixture (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path (name);
  ObCsvReader *reader = ob_csv_reader_new_for_path (path, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (reader);

  return reader;
}

static ObCsvReader *
reader_for_data (const char *data,
                 gsize       len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  return ob_csv_reader_new_for_bytes (bytes);
}

static void
check_reader (ObCsvReader *reader,
              const char  *encoding,
              char         delimiter,
              const char  *expected)
{
  g_autofree char *dump = dump_reader (reader);

  g_assert_cmpstr (dump, ==, expected);
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, encoding);
  g_assert_cmpint (ob_csv_reader_get_delimiter (reader), ==, delimiter);
}

static void
check_fixture (const char *name,
               const char *encoding,
               char        delimiter,
               const char *expected)
{
  g_autoptr(ObCsvReader) reader = open_fixture (name);

  check_reader (reader, encoding, delimiter, expected);
}

/* ---------------------------------------------------------------------------
 * Shapes
 */

static void
test_simple (void)
{
  check_fixture ("simple.csv", "UTF-8", ',',
                 "L1[name][email][company]\n"
                 "L2[Alice][alice@example.com][Acme]\n"
                 "L3[Bob][bob@example.com][Initech]\n");
}

static void
test_quoted (void)
{
  check_fixture ("quoted.csv", "UTF-8", ',',
                 "L1[name][title][note]\n"
                 "L2[Smith, John][CEO \"Chief\"][plain]\n"
                 "L3[][\"][x]\n");
}

static void
test_quoted_newline (void)
{
  /* CRLF and LF inside quotes are kept; the lines still count */
  check_fixture ("quoted-newline.csv", "UTF-8", ',',
                 "L1[name][address]\n"
                 "L2[Ann][12 Main St\\r\\nSpringfield]\n"
                 "L4[Bob][line1\\nline2\\nline3]\n"
                 "L7[Cid][x]\n");
}

static void
test_line_ends_cr (void)
{
  check_fixture ("cr-only.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[c][d]\n"
                 "L3[e\\re][f]\n");
}

static void
test_line_ends_mixed (void)
{
  /* CR, LF, CRLF; "g,h\r\r\n" is a record then an empty line */
  check_fixture ("mixed-line-ends.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[c][d]\n"
                 "L3[e][f]\n"
                 "L4[g][h]\n"
                 "L6[i][j]\n");
}

static void
test_empty_file (void)
{
  check_fixture ("empty.csv", "UTF-8", ',', "");
}

static void
test_header_only (void)
{
  check_fixture ("header-only.csv", "UTF-8", ',', "L1[name][email]\n");
  check_fixture ("header-only-no-newline.csv", "UTF-8", ',', "L1[name][email]\n");
}

static void
test_no_trailing_newline (void)
{
  check_fixture ("no-trailing-newline.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[1][2]\n");
}

static void
test_empty_last_field (void)
{
  check_fixture ("empty-last-field.csv", "UTF-8", ',',
                 "L1[a][b][c]\n"
                 "L2[1][2][]\n"
                 "L3[3][4][]\n");
}

static void
test_blank_lines (void)
{
  /* Empty lines are not records, but they count */
  check_fixture ("blank-lines.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L3[1][2]\n"
                 "L5[3][4]\n");
}

static void
test_ragged (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("ragged.csv");
  g_autoptr(GError) error = NULL;
  const ObCsvRow *row;
  static const guint n_fields[] = { 3, 2, 4, 3 };
  static const guint64 lines[] = { 1, 2, 3, 5 };

  for (guint i = 0; i < G_N_ELEMENTS (n_fields); i++)
    {
      g_assert_true (ob_csv_reader_next_row (reader, &row, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ob_csv_row_get_n_fields (row), ==, n_fields[i]);
      g_assert_cmpuint (ob_csv_row_get_line_number (row), ==, lines[i]);
    }
  g_assert_cmpstr (ob_csv_row_get_field (row, 2, NULL), ==, "5");
  g_assert_false (ob_csv_reader_next_row (reader, &row, NULL, &error));
  g_assert_no_error (error);

  check_fixture ("ragged.csv", "UTF-8", ',',
                 "L1[a][b][c]\n"
                 "L2[1][2]\n"
                 "L3[multi\\nline][x][y][z]\n"
                 "L5[3][4][5]\n");
}

static void
test_lenient_quotes (void)
{
  check_fixture ("lenient-quotes.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[5\" screen][x]\n"
                 "L3[abcdef][y]\n");
}

static void
test_whitespace_kept (void)
{
  check_fixture ("whitespace.csv", "UTF-8", ',',
                 "L1[ a ][ b ]\n"
                 "L2[ c ][ d]\n");
}

static void
test_read_header (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("simple.csv");
  g_autoptr(ObCsvReader) empty = open_fixture ("empty.csv");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) header = NULL;
  const ObCsvRow *row;

  g_assert_true (ob_csv_reader_read_header (reader, &header, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (header), ==, 3);
  g_assert_cmpstr (header[0], ==, "name");
  g_assert_cmpstr (header[2], ==, "company");

  /* The header outlives the next row */
  g_assert_true (ob_csv_reader_next_row (reader, &row, NULL, &error));
  g_assert_cmpstr (ob_csv_row_get_field (row, 0, NULL), ==, "Alice");
  g_assert_cmpstr (header[1], ==, "email");

  g_clear_pointer (&header, g_strfreev);
  g_assert_false (ob_csv_reader_read_header (empty, &header, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (header);
}

/* ---------------------------------------------------------------------------
 * Encodings
 */

static void
test_bom_utf8 (void)
{
  check_fixture ("bom-utf8.csv", "UTF-8", ',',
                 "L1[name][city]\n"
                 "L2[Zoë][Kraków]\n");
}

#define UTF16_EXPECTED \
  "L1[name][city]\n" \
  "L2[Łukasz][Łódź]\n" \
  "L3[Zoë][Zürich]\n" \
  "L4[Emoji 😀][x]\n"

static void
test_bom_utf16le (void)
{
  check_fixture ("utf16le-bom.csv", "UTF-16LE", ',', UTF16_EXPECTED);
}

static void
test_bom_utf16be (void)
{
  check_fixture ("utf16be-bom.csv", "UTF-16BE", ',', UTF16_EXPECTED);
}

static void
test_utf16_without_bom (void)
{
  g_autoptr(GError) error = NULL;
  const char *text = "name,city\r\nZoë,Zürich\r\n";
  gsize len;
  g_autofree char *utf16 = g_convert (text, -1, "UTF-16LE", "UTF-8", NULL, &len, &error);
  g_autoptr(ObCsvReader) reader = NULL;

  g_assert_no_error (error);
  reader = reader_for_data (utf16, len);
  check_reader (reader, "UTF-16LE", ',',
                "L1[name][city]\n"
                "L2[Zoë][Zürich]\n");
}

static void
test_windows_1250_polish (void)
{
  check_fixture ("windows-1250-polish.csv", "windows-1250", ';',
                 "L1[imię][nazwisko][miasto]\n"
                 "L2[Łukasz][Żółć][Łódź]\n"
                 "L3[Grzegorz][Brzęczyszczykiewicz][Chrząszczyżewoszyce]\n"
                 "L4[Jadwiga][Ślązak][Gdańsk]\n");
}

static void
test_windows_1250_czech (void)
{
  check_fixture ("windows-1250-czech.csv", "windows-1250", ';',
                 "L1[jméno][příjmení][město]\n"
                 "L2[Antonín][Dvořák][Praha]\n"
                 "L3[Božena][Němcová][Brno]\n"
                 "L4[Tomáš][Růžička][Plzeň]\n");
}

static void
test_windows_1252 (void)
{
  check_fixture ("windows-1252-western.csv", "windows-1252", ',',
                 "L1[first][last][city]\n"
                 "L2[Zoë][Müller][Zürich]\n"
                 "L3[François][Lefèvre][Besançon]\n"
                 "L4[Søren][Ångström][Malmö]\n");
  /* "£3" must not read as the Polish "Ł3" */
  check_fixture ("windows-1252-pounds.csv", "windows-1252", ',',
                 "L1[item][price]\n"
                 "L2[Tea][£3.50]\n"
                 "L3[Cake][£12]\n");
  check_fixture ("utf8-invalid.csv", "windows-1252", ',',
                 "L1[name][city]\n"
                 "L2[Ann][Paris]\n"
                 "L3[Zoë][Berlin]\n");
}

static void
test_iso_8859_2 (void)
{
  check_fixture ("iso-8859-2-polish.csv", "ISO-8859-2", ',',
                 "L1[imię][nazwisko]\n"
                 "L2[Agnieszka][Wąsik]\n"
                 "L3[Świętosław][Kaczmarek]\n");
}

static void
test_encoding_override (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("windows-1250-polish.csv");
  g_autoptr(ObCsvReader) utf8 = open_fixture ("utf8-invalid.csv");
  g_autoptr(GError) error = NULL;

  /* Wrong on purpose: what the user gets after choosing windows-1252 */
  g_assert_true (ob_csv_reader_set_encoding (reader, "windows-1252", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "windows-1252");
  check_reader (reader, "windows-1252", ';',
                "L1[imiê][nazwisko][miasto]\n"
                "L2[£ukasz][¯ó³æ][£ódŸ]\n"
                "L3[Grzegorz][Brzêczyszczykiewicz][Chrz¹szczy¿ewoszyce]\n"
                "L4[Jadwiga][Œl¹zak][Gdañsk]\n");

  /* Invalid UTF-8 is fatal, at the line of the bad byte */
  g_assert_true (ob_csv_reader_set_encoding (utf8, "utf8", &error));
  check_reader (utf8, "utf8", ',',
                "L1[name][city]\n"
                "L2[Ann][Paris]\n"
                "Eencoding@3\n");
}

static void
test_encoding_unsupported (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("simple.csv");
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_csv_reader_set_encoding (reader, "no-such-charset-42", &error));
  g_assert_error (error, OB_CSV_ERROR, OB_CSV_ERROR_UNSUPPORTED_ENCODING);
  g_clear_error (&error);
  g_assert_false (ob_csv_reader_set_encoding (reader, "", &error));
  g_assert_error (error, OB_CSV_ERROR, OB_CSV_ERROR_UNSUPPORTED_ENCODING);
  g_clear_error (&error);

  /* Unchanged: still detected */
  check_reader (reader, "UTF-8", ',',
                "L1[name][email][company]\n"
                "L2[Alice][alice@example.com][Acme]\n"
                "L3[Bob][bob@example.com][Initech]\n");
}

/* 70 KB of ASCII, past what detection looks at first, then @tail. */
static GString *
ascii_then (const char *tail,
            guint      *out_tail_line)
{
  GString *text = g_string_new ("name,city\n");
  guint line = 2;

  while (text->len < 70 * 1024)
    g_string_append_printf (text, "person%u,Paris\n", line++);
  g_string_append (text, tail);
  *out_tail_line = line;

  return text;
}

static const ObCsvRow *
read_last_row (ObCsvReader *reader,
               guint       *out_n_rows)
{
  const ObCsvRow *row;
  const ObCsvRow *last = NULL;
  g_autoptr(GError) error = NULL;

  *out_n_rows = 0;
  while (ob_csv_reader_next_row (reader, &row, NULL, &error))
    {
      last = row;
      (*out_n_rows)++;
    }
  g_assert_no_error (error);

  return last;
}

static void
test_ascii_then_legacy (void)
{
  guint tail_line;
  g_autoptr(GString) text = ascii_then ("Zo\xEB,M\xFCnchen\n", &tail_line);
  g_autoptr(ObCsvReader) reader = reader_for_data (text->str, text->len);
  g_autoptr(GError) error = NULL;
  const ObCsvRow *row;
  guint n_rows;

  g_assert_true (ob_csv_reader_next_row (reader, &row, NULL, &error));
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "UTF-8");

  row = read_last_row (reader, &n_rows);
  g_assert_cmpuint (n_rows + 1, ==, tail_line);
  g_assert_cmpuint (ob_csv_row_get_line_number (row), ==, tail_line);
  g_assert_cmpstr (ob_csv_row_get_field (row, 0, NULL), ==, "Zoë");
  g_assert_cmpstr (ob_csv_row_get_field (row, 1, NULL), ==, "München");
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "windows-1252");
}

static void
test_ascii_then_utf8 (void)
{
  guint tail_line;
  g_autoptr(GString) text = ascii_then ("Łukasz,Kraków\n", &tail_line);
  g_autoptr(ObCsvReader) reader = reader_for_data (text->str, text->len);
  const ObCsvRow *row;
  guint n_rows;

  row = read_last_row (reader, &n_rows);
  g_assert_cmpuint (n_rows, ==, tail_line);
  g_assert_cmpstr (ob_csv_row_get_field (row, 0, NULL), ==, "Łukasz");
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "UTF-8");
}

static void
test_utf8_then_invalid (void)
{
  guint tail_line;
  g_autoptr(GString) text = ascii_then ("ok,x\nZo\xEB,Berlin\nlast,y\n", &tail_line);
  g_autoptr(ObCsvReader) reader = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *expected_tail = NULL;

  /* UTF-8 from the start: a later bad byte is an error, not a switch */
  g_string_prepend (text, "Zoë,Kraków\n");
  reader = reader_for_data (text->str, text->len);
  dump = dump_reader (reader);
  expected_tail = g_strdup_printf ("L%u[ok][x]\nEencoding@%u\n", tail_line + 1, tail_line + 2);
  g_assert_true (g_str_has_prefix (dump, "L1[Zoë][Kraków]\nL2[name][city]\n"));
  g_assert_true (g_str_has_suffix (dump, expected_tail));
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "UTF-8");
}

/* ---------------------------------------------------------------------------
 * Delimiters
 */

static void
test_sniff_semicolon (void)
{
  /* Decimal commas in the rows, none in the header */
  check_fixture ("semicolon.csv", "UTF-8", ';',
                 "L1[Name][Price][Qty]\n"
                 "L2[Widget][1,50][3]\n"
                 "L3[Gadget][2,25][10]\n");
}

static void
test_sniff_tab (void)
{
  check_fixture ("tab.tsv", "UTF-8", '\t',
                 "L1[name][email][note]\n"
                 "L2[Ann][ann@example.org][a, b; c]\n"
                 "L3[Bob][bob@example.org][]\n");
}

static void
test_sniff_pipe (void)
{
  check_fixture ("pipe.csv", "UTF-8", '|',
                 "L1[id][name][tags]\n"
                 "L2[1][Ann][a,b]\n"
                 "L3[2][Bob][c;d]\n");
}

static void
test_sniff_quoted_semicolons (void)
{
  check_fixture ("comma-semicolons-quoted.csv", "UTF-8", ',',
                 "L1[name][note]\n"
                 "L2[Ann][x;y;z]\n"
                 "L3[Bob][a;b]\n");
}

static void
test_delimiter_override (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("semicolon.csv");

  ob_csv_reader_set_delimiter (reader, ',');
  check_reader (reader, "UTF-8", ',',
                "L1[Name;Price;Qty]\n"
                "L2[Widget;1][50;3]\n"
                "L3[Gadget;2][25;10]\n");
}

static void
test_detect_before_rows (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("windows-1250-polish.csv");
  g_autoptr(GError) error = NULL;
  const ObCsvRow *row;

  g_assert_null (ob_csv_reader_get_encoding (reader));
  g_assert_cmpint (ob_csv_reader_get_delimiter (reader), ==, 0);

  g_assert_true (ob_csv_reader_detect (reader, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, "windows-1250");
  g_assert_cmpint (ob_csv_reader_get_delimiter (reader), ==, ';');
  g_assert_true (ob_csv_reader_detect (reader, NULL, &error));

  g_assert_true (ob_csv_reader_next_row (reader, &row, NULL, &error));
  g_assert_cmpstr (ob_csv_row_get_field (row, 0, NULL), ==, "imię");
}

/* ---------------------------------------------------------------------------
 * Errors
 */

static void
test_error_unterminated_quote (void)
{
  static const char text[] = "a,b\n\"x\ny\",\"oops\nmore\n";
  g_autoptr(ObCsvReader) reader = reader_for_data (text, sizeof text - 1);

  check_fixture ("unterminated-quote.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[1][2]\n"
                 "Eunterminated-quote@3\n");

  /* The line where the quote opens, not where its record starts */
  check_reader (reader, "UTF-8", ',',
                "L1[a][b]\n"
                "Eunterminated-quote@3\n");
}

static void
test_error_nul_byte (void)
{
  /* Recoverable: the record is skipped; the line is the NUL's own */
  check_fixture ("nul-byte.csv", "UTF-8", ',',
                 "L1[a][b]\n"
                 "L2[1][2]\n"
                 "Enul@3\n"
                 "L4[4][5]\n"
                 "Enul@6\n"
                 "L7[6][7]\n");
}

static void
test_error_field_too_long (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("long-field.csv");
  g_autoptr(ObCsvReader) unclosed = NULL;
  g_autoptr(GString) text = g_string_new ("a,b\n1,\"");

  /* Recoverable: the whole record (quoted newline included) is skipped */
  ob_csv_reader_set_max_field_size (reader, 16);
  check_reader (reader, "UTF-8", ',',
                "L1[a][b]\n"
                "L2[1][short]\n"
                "Efield-too-long@3\n"
                "L5[3][ok]\n");

  /* The line where the field starts, not where its record starts */
  {
    static const char later[] = "a,b\n\"x\ny\",\"0123456789012345678901234\"\nc,d\n";
    g_autoptr(ObCsvReader) second = reader_for_data (later, sizeof later - 1);

    ob_csv_reader_set_max_field_size (second, 16);
    check_reader (second, "UTF-8", ',',
                  "L1[a][b]\n"
                  "Efield-too-long@3\n"
                  "L4[c][d]\n");
  }

  /* An unclosed quote: over the limit first, then fatal at the end, both
   * naming the line where the quote opened, in bounded memory */
  for (guint i = 0; i < 20000; i++)
    g_string_append (text, "0123456789\n");
  unclosed = reader_for_data (text->str, text->len);
  ob_csv_reader_set_max_field_size (unclosed, 1000);
  check_reader (unclosed, "UTF-8", ',',
                "L1[a][b]\n"
                "Efield-too-long@2\n"
                "Eunterminated-quote@2\n");
}

static void
test_error_row_too_long (void)
{
  static const char text[] = "a,b\n1234567890,1234567890\nc,d\n,,,,,,,,,,,,,,,,,,,,,,,,\ne,f";
  g_autoptr(ObCsvReader) reader = reader_for_data (text, sizeof text - 1);

  /* A record costs its bytes plus one per field: 22 and 25 here */
  ob_csv_reader_set_max_row_size (reader, 16);
  check_reader (reader, "UTF-8", ',',
                "L1[a][b]\n"
                "Erow-too-long@2\n"
                "L3[c][d]\n"
                "Erow-too-long@4\n"
                "L5[e][f]\n");
}

static void
test_error_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = fixture_path ("no-such-file.csv");
  g_autoptr(ObCsvReader) reader = ob_csv_reader_new_for_path (path, NULL, &error);

  g_assert_null (reader);
  g_assert_error (error, OB_CSV_ERROR, OB_CSV_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-file.csv"));
}

static void
test_cancel (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("simple.csv");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const ObCsvRow *row;

  g_cancellable_cancel (cancellable);
  g_assert_false (ob_csv_reader_next_row (reader, &row, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Not fatal: going on without the cancellable works */
  g_assert_true (ob_csv_reader_next_row (reader, &row, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ob_csv_row_get_field (row, 0, NULL), ==, "name");
}

/* ---------------------------------------------------------------------------
 * Chunks and progress
 */

static const char *chunk_fixtures[] = {
  "chunk-boundaries.csv", "quoted.csv", "quoted-newline.csv", "cr-only.csv",
  "mixed-line-ends.csv", "bom-utf8.csv", "utf16le-bom.csv", "utf16be-bom.csv",
  "windows-1250-polish.csv", "windows-1252-western.csv", "iso-8859-2-polish.csv",
  "blank-lines.csv", "ragged.csv", "nul-byte.csv", "unterminated-quote.csv",
  "empty-last-field.csv", "no-trailing-newline.csv", "lenient-quotes.csv",
  "utf8-invalid.csv", "long-field.csv", "empty.csv",
};

static void
test_chunk_boundaries (void)
{
  g_autoptr(ObCsvReader) reader = open_fixture ("chunk-boundaries.csv");

  /* "" at every position against the chunk edge, CR|LF split, UTF-8 split */
  check_reader (reader, "UTF-8", ',',
                "L1[h1][h2]\n"
                "L2[a\"b][c\\r\\nd]\n"
                "L4[\"][]\n"
                "L5[ż][😀]\n"
                "L6[x\"][y]\n");

  for (guint f = 0; f < G_N_ELEMENTS (chunk_fixtures); f++)
    {
      g_autoptr(ObCsvReader) whole = open_fixture (chunk_fixtures[f]);
      g_autofree char *expected = NULL;

      ob_csv_reader_set_max_field_size (whole, 16);
      expected = dump_reader (whole);

      for (gsize chunk = 1; chunk <= 9; chunk++)
        {
          g_autoptr(ObCsvReader) chunked = open_fixture (chunk_fixtures[f]);
          g_autofree char *dump = NULL;

          ob_csv_reader_set_chunk_size (chunked, chunk);
          ob_csv_reader_set_max_field_size (chunked, 16);
          dump = dump_reader (chunked);
          g_assert_cmpstr (dump, ==, expected);
          g_assert_cmpstr (ob_csv_reader_get_encoding (chunked), ==,
                           ob_csv_reader_get_encoding (whole));
        }
    }
}

/* Deterministic nasty records: quotes, "" escapes, quoted CR/LF/CRLF,
 * Polish and non-BMP characters, empty fields. */
static GPtrArray *
make_records (guint n_records)
{
  static const char *pieces[] = {
    "plain", "with, comma", "say \"hi\"", "two\r\nlines", "lf\nonly", "cr\ronly",
    "Łukasz Żółć", "Zoë", "😀", "", " spaced ", "a;b|c\td", "\"", "\"\"",
  };
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint32 seed = 42;

  for (guint r = 0; r < n_records; r++)
    {
      guint n_fields = 1 + r % 5;
      char **fields = g_new0 (char *, n_fields + 1);

      for (guint f = 0; f < n_fields; f++)
        {
          seed = seed * 1103515245 + 12345;
          fields[f] = g_strdup_printf ("%s%u", pieces[(seed >> 16) % G_N_ELEMENTS (pieces)], r);
        }
      g_ptr_array_add (records, fields);
    }

  return records;
}

static void
test_chunks_large (void)
{
  g_autoptr(GPtrArray) records = make_records (6000);
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  static const char *line_ends[] = { "\r\n", "\n", "\r" };
  static const char *encodings[] = { "UTF-8", "UTF-16LE" };
  guint64 line = 1;

  /* Write the records, and what reading them must give */
  for (guint r = 0; r < records->len; r++)
    {
      char **fields = g_ptr_array_index (records, r);

      g_string_append_printf (expected, "L%" G_GUINT64_FORMAT, line);
      for (guint f = 0; fields[f] != NULL; f++)
        {
          g_string_append_c (expected, '[');
          g_string_append_c (csv, '"');
          for (const char *c = fields[f]; *c != '\0'; c++)
            {
              if (*c == '"')
                g_string_append (csv, "\"\"");
              else
                g_string_append_c (csv, *c);

              if (*c == '\r')
                g_string_append (expected, "\\r");
              else if (*c == '\n')
                g_string_append (expected, "\\n");
              else
                g_string_append_c (expected, *c);

              if (*c == '\r' || (*c == '\n' && (c == fields[f] || c[-1] != '\r')))
                line++;
            }
          g_string_append_c (csv, '"');
          g_string_append_c (expected, ']');
          if (fields[f + 1] != NULL)
            g_string_append_c (csv, ',');
        }
      g_string_append (csv, line_ends[r % G_N_ELEMENTS (line_ends)]);
      g_string_append_c (expected, '\n');
      line++;
    }
  g_assert_cmpuint (csv->len, >, 200 * 1024);

  for (guint e = 0; e < G_N_ELEMENTS (encodings); e++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      gsize len = csv->len;
      static const gsize chunk_sizes[] = { 1, 3, 7, 4096, 65537, OB_CSV_DEFAULT_CHUNK_SIZE };

      if (e == 0)
        {
          data = g_memdup2 (csv->str, csv->len);
        }
      else
        {
          g_autofree char *utf16 = g_convert (csv->str, csv->len, encodings[e], "UTF-8", NULL, &len, &error);

          g_assert_no_error (error);
          data = g_malloc (len + 2);
          memcpy (data, "\xFF\xFE", 2);
          memcpy (data + 2, utf16, len);
          len += 2;
        }

      for (guint c = 0; c < G_N_ELEMENTS (chunk_sizes); c++)
        {
          g_autoptr(ObCsvReader) reader = reader_for_data (data, len);
          g_autofree char *dump = NULL;

          ob_csv_reader_set_chunk_size (reader, chunk_sizes[c]);
          dump = dump_reader (reader);
          g_assert_cmpstr (dump, ==, expected->str);
          g_assert_cmpstr (ob_csv_reader_get_encoding (reader), ==, encodings[e]);
          g_assert_cmpuint (ob_csv_reader_get_bytes_consumed (reader), ==, len);
        }
    }
}

static void
test_progress (void)
{
  g_autoptr(GString) csv = g_string_new ("id,name\n");
  g_autoptr(ObCsvReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  const ObCsvRow *row;
  guint64 last = 0;
  guint n_rows = 0;

  for (guint i = 0; i < 30000; i++)
    g_string_append_printf (csv, "%u,name %u\n", i, i);

  reader = reader_for_data (csv->str, csv->len);
  g_assert_cmpuint (ob_csv_reader_get_bytes_consumed (reader), ==, 0);
  while (ob_csv_reader_next_row (reader, &row, NULL, &error))
    {
      guint64 consumed = ob_csv_reader_get_bytes_consumed (reader);

      /* Exact for UTF-8: the end of the record just read */
      g_assert_cmpuint (consumed, >, last);
      if (n_rows == 0)
        g_assert_cmpuint (consumed, ==, strlen ("id,name\n"));
      last = consumed;
      n_rows++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 30001);
  g_assert_cmpuint (last, ==, csv->len);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/csv/simple", test_simple);
  g_test_add_func ("/engine/csv/quoted", test_quoted);
  g_test_add_func ("/engine/csv/quoted-newline", test_quoted_newline);
  g_test_add_func ("/engine/csv/line-ends/cr", test_line_ends_cr);
  g_test_add_func ("/engine/csv/line-ends/mixed", test_line_ends_mixed);
  g_test_add_func ("/engine/csv/empty-file", test_empty_file);
  g_test_add_func ("/engine/csv/header-only", test_header_only);
  g_test_add_func ("/engine/csv/no-trailing-newline", test_no_trailing_newline);
  g_test_add_func ("/engine/csv/empty-last-field", test_empty_last_field);
  g_test_add_func ("/engine/csv/blank-lines", test_blank_lines);
  g_test_add_func ("/engine/csv/ragged", test_ragged);
  g_test_add_func ("/engine/csv/lenient-quotes", test_lenient_quotes);
  g_test_add_func ("/engine/csv/whitespace-kept", test_whitespace_kept);
  g_test_add_func ("/engine/csv/read-header", test_read_header);

  g_test_add_func ("/engine/csv/encoding/bom-utf8", test_bom_utf8);
  g_test_add_func ("/engine/csv/encoding/bom-utf16le", test_bom_utf16le);
  g_test_add_func ("/engine/csv/encoding/bom-utf16be", test_bom_utf16be);
  g_test_add_func ("/engine/csv/encoding/utf16-without-bom", test_utf16_without_bom);
  g_test_add_func ("/engine/csv/encoding/windows-1250-polish", test_windows_1250_polish);
  g_test_add_func ("/engine/csv/encoding/windows-1250-czech", test_windows_1250_czech);
  g_test_add_func ("/engine/csv/encoding/windows-1252", test_windows_1252);
  g_test_add_func ("/engine/csv/encoding/iso-8859-2", test_iso_8859_2);
  g_test_add_func ("/engine/csv/encoding/override", test_encoding_override);
  g_test_add_func ("/engine/csv/encoding/unsupported", test_encoding_unsupported);
  g_test_add_func ("/engine/csv/encoding/ascii-then-legacy", test_ascii_then_legacy);
  g_test_add_func ("/engine/csv/encoding/ascii-then-utf8", test_ascii_then_utf8);
  g_test_add_func ("/engine/csv/encoding/utf8-then-invalid", test_utf8_then_invalid);

  g_test_add_func ("/engine/csv/delimiter/semicolon", test_sniff_semicolon);
  g_test_add_func ("/engine/csv/delimiter/tab", test_sniff_tab);
  g_test_add_func ("/engine/csv/delimiter/pipe", test_sniff_pipe);
  g_test_add_func ("/engine/csv/delimiter/quoted-semicolons", test_sniff_quoted_semicolons);
  g_test_add_func ("/engine/csv/delimiter/override", test_delimiter_override);
  g_test_add_func ("/engine/csv/detect-before-rows", test_detect_before_rows);

  g_test_add_func ("/engine/csv/error/unterminated-quote", test_error_unterminated_quote);
  g_test_add_func ("/engine/csv/error/nul-byte", test_error_nul_byte);
  g_test_add_func ("/engine/csv/error/field-too-long", test_error_field_too_long);
  g_test_add_func ("/engine/csv/error/row-too-long", test_error_row_too_long);
  g_test_add_func ("/engine/csv/error/missing-file", test_error_missing_file);
  g_test_add_func ("/engine/csv/error/cancel", test_cancel);

  g_test_add_func ("/engine/csv/chunks/boundaries", test_chunk_boundaries);
  g_test_add_func ("/engine/csv/chunks/large", test_chunks_large);
  g_test_add_func ("/engine/csv/progress", test_progress);

  return g_test_run ();
}
