/* ob-import.c: importing prospects from a CSV file
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObImport is set up on one thread (normally the main thread)
 * and run once, blocking, on a worker thread: ob_import_run() there, or
 * ob_import_run_async() which starts one. The run opens its own ObStore on
 * that thread and starts one more thread, the parser, which reads the file,
 * maps, checks and dedupes rows and hands them over in batches; the running
 * thread only writes to sqlite. The two share nothing but the batch queues
 * and an atomic stop flag. The progress function is called on the running
 * thread (ob_import_run_async() forwards it to the caller's main context).
 *
 * The whole import is one transaction (BEGIN IMMEDIATE ... COMMIT, in WAL
 * mode): a failure, a cancel, a crash or a power cut at any point leaves the
 * store as it was; a dry run does the same work and rolls back.
 *
 * Why it is fast (measured in tests/bench/import.py):
 *  - new rows are written by one INSERT ... SELECT per batch of 4096 from a
 *    virtual table over the batch in memory (ob_import_rows), instead of one
 *    statement per row: far less VDBE and cursor set-up per row;
 *  - every value is bound straight from the parser's buffers (no copies),
 *    custom fields are serialised to JSON in C, dedupe inside the file is a
 *    hash of 64-bit key hashes on the parser thread, the do-not-contact list
 *    is a hash in memory; the store is only asked about rows it may hold
 *    (all of them when it already has prospects, else only repeated keys);
 *  - when the file is large compared to the prospects already stored, the
 *    secondary indexes of prospects (not the UNIQUE email_key one, which is
 *    what makes dedupe exact) are dropped inside the transaction and built
 *    again at its end, sorted, on two threads (PRAGMA threads);
 *  - parsing runs on its own thread, in parallel with sqlite.
 */

#define G_LOG_DOMAIN "ob-import"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ob-csv.h"
#include "ob-dnc.h"
#include "ob-email.h"
#include "ob-import.h"
#include "ob-json.h"
#include "ob-prospects.h"
#include "ob-store.h"

#define BATCH_ROWS          4096
#define BATCHES_IN_FLIGHT   4
/* The import connection's page cache, in KiB (a negative cache_size),
 * while rows are written and while indexes are built (see restore_indexes()) */
#define IMPORT_CACHE_KIB    32768
#define INDEX_CACHE_KIB     4096
/* Rebuilding secondary indexes pays off above this many new rows... */
#define REBUILD_MIN_ROWS    10000
/* ... when the store holds less than a quarter of that */
#define REBUILD_RATIO       4
#define MAX_TAG_LENGTH      100
#define TIMEZONE_CACHE_MAX  10000

G_DEFINE_QUARK (ob-import-error-quark, ob_import_error)

/* ---------------------------------------------------------------------------
 * Mapping
 */

static const char * const field_names[] = {
  [OB_IMPORT_FIELD_IGNORE] = "ignore",
  [OB_IMPORT_FIELD_EMAIL] = "email",
  [OB_IMPORT_FIELD_FIRST_NAME] = "first_name",
  [OB_IMPORT_FIELD_LAST_NAME] = "last_name",
  [OB_IMPORT_FIELD_FULL_NAME] = "full_name",
  [OB_IMPORT_FIELD_COMPANY] = "company",
  [OB_IMPORT_FIELD_TITLE] = "title",
  [OB_IMPORT_FIELD_TIMEZONE] = "timezone",
  [OB_IMPORT_FIELD_TAGS] = "tags",
  [OB_IMPORT_FIELD_CUSTOM] = "custom",
};

/* Merge fields templates fill from the prospect or the account, not from
 * prospects.fields */
static const char * const reserved_field_names[] = {
  "email", "first_name", "last_name", "full_name", "company", "title", "timezone", "domain",
  "my_first_name", "my_last_name", "my_name", "my_email", "my_company", "my_signature",
};

/* Header names people and tools use, compared after squash_header():
 * lower case, no accents, letters and digits only. English and Polish, plus
 * what common CRMs and lead databases export. */
static const struct
{
  const char    *name;
  ObImportField  field;
} header_aliases[] = {
  { "email", OB_IMPORT_FIELD_EMAIL },
  { "emailaddress", OB_IMPORT_FIELD_EMAIL },
  { "mail", OB_IMPORT_FIELD_EMAIL },
  { "mailaddress", OB_IMPORT_FIELD_EMAIL },
  { "adresemail", OB_IMPORT_FIELD_EMAIL },
  { "adresmailowy", OB_IMPORT_FIELD_EMAIL },
  { "adresemailowy", OB_IMPORT_FIELD_EMAIL },
  { "poczta", OB_IMPORT_FIELD_EMAIL },
  { "workemail", OB_IMPORT_FIELD_EMAIL },
  { "businessemail", OB_IMPORT_FIELD_EMAIL },
  { "primaryemail", OB_IMPORT_FIELD_EMAIL },
  { "emailaddress1", OB_IMPORT_FIELD_EMAIL },
  { "email1", OB_IMPORT_FIELD_EMAIL },
  { "firstname", OB_IMPORT_FIELD_FIRST_NAME },
  { "givenname", OB_IMPORT_FIELD_FIRST_NAME },
  { "forename", OB_IMPORT_FIELD_FIRST_NAME },
  { "first", OB_IMPORT_FIELD_FIRST_NAME },
  { "imie", OB_IMPORT_FIELD_FIRST_NAME },
  { "lastname", OB_IMPORT_FIELD_LAST_NAME },
  { "surname", OB_IMPORT_FIELD_LAST_NAME },
  { "familyname", OB_IMPORT_FIELD_LAST_NAME },
  { "last", OB_IMPORT_FIELD_LAST_NAME },
  { "nazwisko", OB_IMPORT_FIELD_LAST_NAME },
  { "fullname", OB_IMPORT_FIELD_FULL_NAME },
  { "name", OB_IMPORT_FIELD_FULL_NAME },
  { "contactname", OB_IMPORT_FIELD_FULL_NAME },
  { "contact", OB_IMPORT_FIELD_FULL_NAME },
  { "imieinazwisko", OB_IMPORT_FIELD_FULL_NAME },
  { "nazwa", OB_IMPORT_FIELD_FULL_NAME },
  { "company", OB_IMPORT_FIELD_COMPANY },
  { "companyname", OB_IMPORT_FIELD_COMPANY },
  { "organization", OB_IMPORT_FIELD_COMPANY },
  { "organisation", OB_IMPORT_FIELD_COMPANY },
  { "organizationname", OB_IMPORT_FIELD_COMPANY },
  { "accountname", OB_IMPORT_FIELD_COMPANY },
  { "account", OB_IMPORT_FIELD_COMPANY },
  { "employer", OB_IMPORT_FIELD_COMPANY },
  { "firma", OB_IMPORT_FIELD_COMPANY },
  { "nazwafirmy", OB_IMPORT_FIELD_COMPANY },
  { "przedsiebiorstwo", OB_IMPORT_FIELD_COMPANY },
  { "organizacja", OB_IMPORT_FIELD_COMPANY },
  { "jobtitle", OB_IMPORT_FIELD_TITLE },
  { "title", OB_IMPORT_FIELD_TITLE },
  { "position", OB_IMPORT_FIELD_TITLE },
  { "role", OB_IMPORT_FIELD_TITLE },
  { "jobrole", OB_IMPORT_FIELD_TITLE },
  { "stanowisko", OB_IMPORT_FIELD_TITLE },
  { "tytul", OB_IMPORT_FIELD_TITLE },
  { "timezone", OB_IMPORT_FIELD_TIMEZONE },
  { "tz", OB_IMPORT_FIELD_TIMEZONE },
  { "strefaczasowa", OB_IMPORT_FIELD_TIMEZONE },
  { "tags", OB_IMPORT_FIELD_TAGS },
  { "tag", OB_IMPORT_FIELD_TAGS },
  { "labels", OB_IMPORT_FIELD_TAGS },
  { "tagi", OB_IMPORT_FIELD_TAGS },
  { "etykiety", OB_IMPORT_FIELD_TAGS },
};

const char *
ob_import_field_to_string (ObImportField field)
{
  g_return_val_if_fail (field <= OB_IMPORT_FIELD_CUSTOM, NULL);

  return field_names[field];
}

/* Letters without their accents: NFKD drops the marks; a few letters have
 * no decomposition. */
static void
append_folded (GString  *out,
               gunichar  c)
{
  switch (c)
    {
    case 0x0141: case 0x0142: g_string_append_c (out, 'l'); return;   /* Ł ł */
    case 0x00D8: case 0x00F8: g_string_append_c (out, 'o'); return;   /* Ø ø */
    case 0x0110: case 0x0111: g_string_append_c (out, 'd'); return;   /* Đ đ */
    case 0x00DF: g_string_append (out, "ss"); return;                 /* ß */
    case 0x00C6: case 0x00E6: g_string_append (out, "ae"); return;    /* Æ æ */
    default:
      break;
    }

  if (c < 0x80)
    {
      if (g_ascii_isalnum (c))
        g_string_append_c (out, g_ascii_tolower (c));
      return;
    }

  {
    gunichar decomposed[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    gsize n = g_unichar_fully_decompose (c, TRUE, decomposed, G_N_ELEMENTS (decomposed));

    for (gsize i = 0; i < n; i++)
      if (decomposed[i] < 0x80 && g_ascii_isalnum (decomposed[i]))
        g_string_append_c (out, g_ascii_tolower (decomposed[i]));
      else if (decomposed[i] >= 0x80 && g_unichar_isalnum (decomposed[i]))
        g_string_append_unichar (out, g_unichar_tolower (decomposed[i]));
  }
}

/* "E-mail Address" → "emailaddress", "Imię" → "imie": for matching aliases. */
static char *
squash_header (const char *header)
{
  GString *out = g_string_new (NULL);
  g_autofree char *valid = g_utf8_make_valid (header, -1);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    append_folded (out, g_utf8_get_char (p));

  return g_string_free (out, FALSE);
}

/**
 * ob_import_guess_field:
 * @header: a column name as in a file ("E-mail Address", "Imię")
 *
 * Returns: the field a column of that name holds, or
 *   %OB_IMPORT_FIELD_CUSTOM if the name is not a known one
 */
ObImportField
ob_import_guess_field (const char *header)
{
  g_autofree char *squashed = NULL;

  g_return_val_if_fail (header != NULL, OB_IMPORT_FIELD_CUSTOM);

  squashed = squash_header (header);
  for (gsize i = 0; i < G_N_ELEMENTS (header_aliases); i++)
    if (strcmp (squashed, header_aliases[i].name) == 0)
      return header_aliases[i].field;

  return OB_IMPORT_FIELD_CUSTOM;
}

/**
 * ob_import_header_to_field_name:
 * @header: a column name as in a file
 *
 * The name of the custom field a column becomes, usable as a merge field:
 * NFKC, case-folded, each run of characters other than letters, digits and
 * marks turned into one "_", none at either end ("LinkedIn URL" gives
 * "linkedin_url", "Imię i nazwisko" "imię_i_nazwisko"). The same rules as
 * the merge-field names of templates, so {{linkedin_url}} finds it.
 *
 * Returns: (transfer full): the name; "" when nothing is left
 */
char *
ob_import_header_to_field_name (const char *header)
{
  g_autofree char *valid = NULL;
  g_autofree char *composed = NULL;
  g_autofree char *folded = NULL;
  gboolean pending_separator = FALSE;
  GString *out;

  g_return_val_if_fail (header != NULL, NULL);

  valid = g_utf8_make_valid (header, -1);
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

/**
 * ob_import_field_parse:
 * @text: a field as the user names it: "email", "first_name", "last_name",
 *   "full_name", "company", "title", "timezone", "tags", "ignore" (or a
 *   header name that means one of them: "E-mail", "Time Zone", "Imię"), or
 *   any other name for a custom field of that name
 * @out_custom_key: (out) (transfer full): for a custom field, its key
 *
 * Returns: %FALSE with %OB_IMPORT_ERROR_MAPPING if @text is empty
 */
gboolean
ob_import_field_parse (const char     *text,
                       ObImportField  *out_field,
                       char          **out_custom_key,
                       GError        **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (text != NULL && out_field != NULL && out_custom_key != NULL, FALSE);

  *out_custom_key = NULL;
  key = ob_import_header_to_field_name (text);
  if (key[0] == '\0')
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING,
                   _("“%s” is not a field name"), text);
      return FALSE;
    }

  for (ObImportField f = OB_IMPORT_FIELD_IGNORE; f < OB_IMPORT_FIELD_CUSTOM; f++)
    if (strcmp (key, field_names[f]) == 0)
      {
        *out_field = f;
        return TRUE;
      }
  if (strcmp (key, "skip") == 0)
    {
      *out_field = OB_IMPORT_FIELD_IGNORE;
      return TRUE;
    }
  /* "Time Zone", "E-mail", "Imię": what a header with that name would be */
  *out_field = ob_import_guess_field (text);
  if (*out_field != OB_IMPORT_FIELD_CUSTOM)
    return TRUE;

  *out_field = OB_IMPORT_FIELD_CUSTOM;
  *out_custom_key = g_steal_pointer (&key);
  return TRUE;
}

ObImportColumn *
ob_import_column_copy (const ObImportColumn *column)
{
  ObImportColumn *copy = g_new0 (ObImportColumn, 1);

  copy->header = g_strdup (column->header);
  copy->field = column->field;
  copy->custom_key = g_strdup (column->custom_key);
  return copy;
}

void
ob_import_column_free (ObImportColumn *column)
{
  if (column == NULL)
    return;

  g_free (column->header);
  g_free (column->custom_key);
  g_free (column);
}

static gboolean
is_single_field (ObImportField field)
{
  return field != OB_IMPORT_FIELD_IGNORE && field != OB_IMPORT_FIELD_TAGS &&
         field != OB_IMPORT_FIELD_CUSTOM;
}

static gboolean
custom_key_taken (GPtrArray      *mapping,
                  ObImportColumn *except,
                  const char     *key)
{
  for (guint i = 0; i < mapping->len; i++)
    {
      ObImportColumn *column = g_ptr_array_index (mapping, i);

      if (column != except && column->field == OB_IMPORT_FIELD_CUSTOM &&
          g_strcmp0 (column->custom_key, key) == 0)
        return TRUE;
    }

  /* A custom field must not hide a built-in merge field */
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_field_names); i++)
    if (strcmp (key, reserved_field_names[i]) == 0)
      return TRUE;

  return FALSE;
}

/* Makes column a custom field named after wanted (or its header), with a
 * suffix if that name is taken: "notes", "notes_2"... */
static void
make_custom (GPtrArray      *mapping,
             ObImportColumn *column,
             const char     *wanted,
             guint           index)
{
  g_autofree char *base = NULL;
  g_autofree char *key = NULL;

  base = wanted != NULL ? g_strdup (wanted) : ob_import_header_to_field_name (column->header);
  if (base[0] == '\0')
    {
      g_free (base);
      base = g_strdup_printf ("column_%u", index + 1);
    }

  column->field = OB_IMPORT_FIELD_CUSTOM;
  g_clear_pointer (&column->custom_key, g_free);

  key = g_strdup (base);
  for (guint n = 2; custom_key_taken (mapping, column, key); n++)
    {
      g_free (key);
      key = g_strdup_printf ("%s_%u", base, n);
    }
  column->custom_key = g_steal_pointer (&key);
}

static gboolean
field_in_mapping (GPtrArray     *mapping,
                  ObImportField  field)
{
  for (guint i = 0; i < mapping->len; i++)
    if (((ObImportColumn *) g_ptr_array_index (mapping, i))->field == field)
      return TRUE;
  return FALSE;
}

/**
 * ob_import_guess_mapping:
 * @header: the header row
 *
 * The automatic mapping: each known column name (in English and Polish, any
 * case, accents and punctuation) gives its field, the first column of a
 * field wins, a full name column is used only when there are no separate
 * first and last name columns, and every other column is kept as a custom
 * field.
 *
 * Returns: (transfer full) (element-type ObImportColumn): one per column
 */
GPtrArray *
ob_import_guess_mapping (const char * const *header)
{
  GPtrArray *mapping = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_import_column_free);
  gboolean has_first, has_last;

  g_return_val_if_fail (header != NULL, mapping);

  for (guint i = 0; header[i] != NULL; i++)
    {
      ObImportColumn *column = g_new0 (ObImportColumn, 1);
      ObImportField field = ob_import_guess_field (header[i]);

      column->header = g_strdup (header[i]);
      if (is_single_field (field) && field_in_mapping (mapping, field))
        field = OB_IMPORT_FIELD_CUSTOM;
      column->field = field;
      g_ptr_array_add (mapping, column);
    }

  has_first = field_in_mapping (mapping, OB_IMPORT_FIELD_FIRST_NAME);
  has_last = field_in_mapping (mapping, OB_IMPORT_FIELD_LAST_NAME);

  for (guint i = 0; i < mapping->len; i++)
    {
      ObImportColumn *column = g_ptr_array_index (mapping, i);

      if (column->field == OB_IMPORT_FIELD_FULL_NAME && (has_first || has_last))
        column->field = OB_IMPORT_FIELD_CUSTOM;
      if (column->field == OB_IMPORT_FIELD_CUSTOM)
        make_custom (mapping, column, NULL, i);
    }

  return mapping;
}

/* The column of mapping named column: the exact header first, else the same
 * name in another case, accents or punctuation. */
static int
find_column (GPtrArray  *mapping,
             const char *name)
{
  g_autofree char *squashed = squash_header (name);

  for (guint i = 0; i < mapping->len; i++)
    if (g_strcmp0 (((ObImportColumn *) g_ptr_array_index (mapping, i))->header, name) == 0)
      return (int) i;

  for (guint i = 0; i < mapping->len; i++)
    {
      g_autofree char *other = squash_header (((ObImportColumn *) g_ptr_array_index (mapping, i))->header);

      if (squashed[0] != '\0' && strcmp (squashed, other) == 0)
        return (int) i;
    }

  return -1;
}

/**
 * ob_import_mapping_set:
 * @mapping: (element-type ObImportColumn): a mapping to change
 * @column: a column's header
 * @field: see ob_import_field_parse()
 *
 * Maps @column to @field. A column that had that field before (only one
 * column can be the email, the first name...) becomes a custom field.
 *
 * Returns: %FALSE with %OB_IMPORT_ERROR_MAPPING if there is no such column
 *   or @field is empty
 */
gboolean
ob_import_mapping_set (GPtrArray   *mapping,
                       const char  *column,
                       const char  *field,
                       GError     **error)
{
  g_autofree char *custom_key = NULL;
  ObImportColumn *target;
  ObImportField parsed;
  int index;

  g_return_val_if_fail (mapping != NULL && column != NULL && field != NULL, FALSE);

  if (!ob_import_field_parse (field, &parsed, &custom_key, error))
    return FALSE;

  index = find_column (mapping, column);
  if (index < 0)
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING,
                   _("The file has no column “%s”"), column);
      return FALSE;
    }
  target = g_ptr_array_index (mapping, index);

  if (is_single_field (parsed))
    for (guint i = 0; i < mapping->len; i++)
      {
        ObImportColumn *other = g_ptr_array_index (mapping, i);

        if (other != target && other->field == parsed)
          make_custom (mapping, other, NULL, i);
      }

  if (parsed == OB_IMPORT_FIELD_CUSTOM)
    {
      make_custom (mapping, target, custom_key, index);
    }
  else
    {
      target->field = parsed;
      g_clear_pointer (&target->custom_key, g_free);
    }

  return TRUE;
}

/* A deep copy that owns its columns, whatever the source's free function */
static GPtrArray *
copy_mapping (GPtrArray *mapping)
{
  GPtrArray *copy = g_ptr_array_new_full (mapping->len, (GDestroyNotify) ob_import_column_free);

  for (guint i = 0; i < mapping->len; i++)
    g_ptr_array_add (copy, ob_import_column_copy (g_ptr_array_index (mapping, i)));
  return copy;
}

/* ---------------------------------------------------------------------------
 * Report
 */

static const char * const skip_names[] = {
  [OB_IMPORT_SKIP_MISSING_EMAIL] = "missing_email",
  [OB_IMPORT_SKIP_INVALID_EMAIL] = "invalid_email",
  [OB_IMPORT_SKIP_DUPLICATE_IN_FILE] = "duplicate_in_file",
  [OB_IMPORT_SKIP_DO_NOT_CONTACT] = "do_not_contact",
  [OB_IMPORT_SKIP_ALREADY_REPLIED] = "already_replied",
  [OB_IMPORT_SKIP_ALREADY_BOUNCED] = "already_bounced",
  [OB_IMPORT_SKIP_ALREADY_OPTED_OUT] = "already_opted_out",
  [OB_IMPORT_SKIP_ACTIVE_IN_OTHER_CAMPAIGN] = "active_in_other_campaign",
  [OB_IMPORT_SKIP_BAD_ROW] = "bad_row",
};

const char *
ob_import_skip_to_string (ObImportSkip reason)
{
  g_return_val_if_fail (reason < OB_IMPORT_N_SKIPS, NULL);

  return skip_names[reason];
}

/* A sentence for people, translated. */
const char *
ob_import_skip_describe (ObImportSkip reason)
{
  switch (reason)
    {
    case OB_IMPORT_SKIP_MISSING_EMAIL:
      return _("No email address");
    case OB_IMPORT_SKIP_INVALID_EMAIL:
      return _("Not a valid email address");
    case OB_IMPORT_SKIP_DUPLICATE_IN_FILE:
      return _("Same address as an earlier row (merged into it)");
    case OB_IMPORT_SKIP_DO_NOT_CONTACT:
      return _("On the do-not-contact list");
    case OB_IMPORT_SKIP_ALREADY_REPLIED:
      return _("Already replied");
    case OB_IMPORT_SKIP_ALREADY_BOUNCED:
      return _("Already bounced");
    case OB_IMPORT_SKIP_ALREADY_OPTED_OUT:
      return _("Already opted out");
    case OB_IMPORT_SKIP_ACTIVE_IN_OTHER_CAMPAIGN:
      return _("Active in another campaign");
    case OB_IMPORT_SKIP_BAD_ROW:
      return _("Unreadable row");
    case OB_IMPORT_N_SKIPS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
clear_skipped_row (gpointer data)
{
  ObImportSkippedRow *row = data;

  g_free (row->detail);
}

static ObImportReport *
report_new (void)
{
  ObImportReport *report = g_new0 (ObImportReport, 1);

  report->skipped_rows = g_array_new (FALSE, FALSE, sizeof (ObImportSkippedRow));
  g_array_set_clear_func (report->skipped_rows, clear_skipped_row);
  return report;
}

void
ob_import_report_free (ObImportReport *report)
{
  if (report == NULL)
    return;

  g_free (report->path);
  g_free (report->encoding);
  g_clear_pointer (&report->mapping, g_ptr_array_unref);
  g_free (report->campaign);
  g_strfreev (report->tags);
  g_array_unref (report->skipped_rows);
  g_free (report);
}

static void
report_skip (ObImportReport *report,
             guint64         line,
             ObImportSkip    reason,
             const char     *detail,
             gsize           detail_len)
{
  report->skipped++;
  report->skipped_by_reason[reason]++;

  if (report->skipped_rows->len >= OB_IMPORT_MAX_SKIPPED_ROWS)
    {
      report->skipped_rows_truncated = TRUE;
      return;
    }

  g_array_append_val (report->skipped_rows, ((ObImportSkippedRow) {
    .line = line,
    .reason = reason,
    .detail = g_strndup (detail != NULL ? detail : "", detail_len),
  }));
}

static void
append_csv_field (GString    *out,
                  const char *value)
{
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * ob_import_report_to_csv:
 *
 * The skipped rows as CSV (RFC 4180, UTF-8, CRLF): line, reason (the stable
 * name), description (translated), detail.
 *
 * Returns: (transfer full): the text
 */
char *
ob_import_report_to_csv (const ObImportReport *report)
{
  GString *out = g_string_new ("line,reason,description,detail\r\n");

  g_return_val_if_fail (report != NULL, NULL);

  for (guint i = 0; i < report->skipped_rows->len; i++)
    {
      const ObImportSkippedRow *row = &g_array_index (report->skipped_rows, ObImportSkippedRow, i);

      g_string_append_printf (out, "%" G_GUINT64_FORMAT ",%s,", row->line,
                              ob_import_skip_to_string (row->reason));
      append_csv_field (out, ob_import_skip_describe (row->reason));
      g_string_append_c (out, ',');
      append_csv_field (out, row->detail);
      g_string_append (out, "\r\n");
    }

  return g_string_free (out, FALSE);
}

static const char *
delimiter_name (char delimiter)
{
  switch (delimiter)
    {
    case ',': return ",";
    case ';': return ";";
    case '\t': return "\t";
    case '|': return "|";
    default: return NULL;
    }
}

/**
 * ob_import_report_to_json:
 *
 * The report as one JSON object; its keys are documented in README.md
 * (outbound-cli import --json) and stable.
 *
 * Returns: (transfer full): the text, ending with a newline
 */
char *
ob_import_report_to_json (const ObImportReport *report)
{
  g_autoptr(ObJsonWriter) json = NULL;
  char delimiter[2] = { 0, };

  g_return_val_if_fail (report != NULL, NULL);

  json = ob_json_writer_new (TRUE);
  delimiter[0] = report->delimiter;

  ob_json_writer_begin_object (json, NULL);
  ob_json_writer_string (json, "file", report->path);
  ob_json_writer_boolean (json, "dry_run", report->dry_run);
  ob_json_writer_string (json, "encoding", report->encoding);
  ob_json_writer_string (json, "delimiter", delimiter_name (report->delimiter) != NULL
                                            ? delimiter_name (report->delimiter) : delimiter);

  ob_json_writer_begin_array (json, "mapping");
  for (guint i = 0; report->mapping != NULL && i < report->mapping->len; i++)
    {
      const ObImportColumn *column = g_ptr_array_index (report->mapping, i);

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_string (json, "column", column->header);
      ob_json_writer_string (json, "field", ob_import_field_to_string (column->field));
      if (column->field == OB_IMPORT_FIELD_CUSTOM)
        ob_json_writer_string (json, "custom_field", column->custom_key);
      ob_json_writer_end_object (json);
    }
  ob_json_writer_end_array (json);

  ob_json_writer_string (json, "campaign", report->campaign);
  ob_json_writer_begin_array (json, "tags");
  for (guint i = 0; report->tags != NULL && report->tags[i] != NULL; i++)
    ob_json_writer_string (json, NULL, report->tags[i]);
  ob_json_writer_end_array (json);

  ob_json_writer_int (json, "rows", report->rows);
  ob_json_writer_int (json, "imported", report->imported);
  ob_json_writer_int (json, "updated", report->updated);
  ob_json_writer_int (json, "unchanged", report->unchanged);

  ob_json_writer_begin_object (json, "skipped");
  ob_json_writer_int (json, "total", report->skipped);
  for (ObImportSkip r = 0; r < OB_IMPORT_N_SKIPS; r++)
    ob_json_writer_int (json, skip_names[r], report->skipped_by_reason[r]);
  ob_json_writer_end_object (json);

  ob_json_writer_int (json, "timezones_ignored", report->timezones_ignored);

  ob_json_writer_begin_array (json, "skipped_rows");
  for (guint i = 0; i < report->skipped_rows->len; i++)
    {
      const ObImportSkippedRow *row = &g_array_index (report->skipped_rows, ObImportSkippedRow, i);

      ob_json_writer_begin_object (json, NULL);
      ob_json_writer_int (json, "line", row->line);
      ob_json_writer_string (json, "reason", skip_names[row->reason]);
      ob_json_writer_string (json, "detail", row->detail);
      ob_json_writer_end_object (json);
    }
  ob_json_writer_end_array (json);
  ob_json_writer_boolean (json, "skipped_rows_truncated", report->skipped_rows_truncated);

  ob_json_writer_boolean (json, "search_indexed", report->search_indexed);
  ob_json_writer_begin_object (json, "timing_ms");
  ob_json_writer_int (json, "import", report->import_usec / 1000);
  ob_json_writer_int (json, "search_index", report->index_usec / 1000);
  ob_json_writer_end_object (json);
  ob_json_writer_end_object (json);

  return ob_json_writer_finish (g_steal_pointer (&json));
}

/* ---------------------------------------------------------------------------
 * Batches: what the parser thread hands to the writing thread
 */

/* The columns of a prepared row, in the order of the ob_import_rows table */
enum
{
  COL_EMAIL,
  COL_EMAIL_KEY,
  COL_DOMAIN,
  COL_FIRST_NAME,
  COL_LAST_NAME,
  COL_COMPANY,
  COL_TITLE,
  COL_TIMEZONE,
  COL_FIELDS,
  COL_TAGS,
  N_COLS,
  COL_DETAIL = 0,        /* of a skipped row */
};

typedef enum
{
  ROW_NEW,               /* not seen before in the file: insert if the store lacks it */
  ROW_CHECK,             /* its key (hash) was seen before in the file */
  ROW_SKIPPED,           /* refused by the parser: reason set, detail in COL_DETAIL */
  ROW_EXISTING,          /* found in the store by the writer */
} RowState;

typedef struct
{
  guint32  off[N_COLS];
  guint32  len[N_COLS];
  guint64  line;
  guint8   state;
  guint8   reason;
} PreparedRow;

typedef struct
{
  char        *arena;
  gsize        arena_len;
  gsize        arena_alloc;
  PreparedRow  rows[BATCH_ROWS];
  guint        n_rows;
  guint64      bytes_read;
  guint64      timezones_ignored;
  GError      *error;              /* fatal: the import fails */
  gboolean     last;               /* nothing follows */
} Batch;

static void
batch_reset (Batch *b)
{
  b->arena_len = 0;
  b->n_rows = 0;
  b->timezones_ignored = 0;
  b->last = FALSE;
  g_clear_error (&b->error);
}

static void
batch_free (Batch *b)
{
  g_clear_error (&b->error);
  g_free (b->arena);
  g_free (b);
}

/* Room for n more bytes; returns where they go. */
static inline char *
arena_reserve (Batch *b,
               gsize  n)
{
  if (G_UNLIKELY (b->arena_len + n > b->arena_alloc))
    {
      b->arena_alloc = MAX (b->arena_alloc * 2, b->arena_len + n + 4096);
      b->arena = g_realloc (b->arena, b->arena_alloc);
    }
  return b->arena + b->arena_len;
}

/* Appends text and a NUL as column col of row. */
static inline void
arena_put (Batch       *b,
           PreparedRow *row,
           guint        col,
           const char  *text,
           gsize        len)
{
  char *dest = arena_reserve (b, len + 1);

  memcpy (dest, text, len);
  dest[len] = '\0';
  row->off[col] = (guint32) b->arena_len;
  row->len[col] = (guint32) len;
  b->arena_len += len + 1;
}

static inline const char *
row_text (const Batch       *b,
          const PreparedRow *row,
          guint              col)
{
  return b->arena + row->off[col];
}

/* ---------------------------------------------------------------------------
 * Key hashes for dedupe inside the file: 64-bit, open addressing. A repeated
 * hash marks the row ROW_CHECK; the writer then compares the real keys in the
 * store, so a collision costs a lookup, never a wrong merge.
 */

typedef struct
{
  guint64 *slots;
  gsize    mask;
  gsize    used;
} KeySet;

static guint64
hash_key (const char *key,
          gsize       len)
{
  /* FNV-1a, then a murmur finaliser to spread the bits */
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (gsize i = 0; i < len; i++)
    {
      h ^= (guchar) key[i];
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  return h != 0 ? h : 1;
}

static void
key_set_init (KeySet *set)
{
  set->mask = (1 << 16) - 1;
  set->slots = g_new0 (guint64, set->mask + 1);
  set->used = 0;
}

static void
key_set_clear (KeySet *set)
{
  g_clear_pointer (&set->slots, g_free);
}

/* Adds h; returns TRUE if it was there already. */
static gboolean
key_set_add (KeySet  *set,
             guint64  h)
{
  gsize i;

  if (G_UNLIKELY ((set->used + 1) * 2 > set->mask + 1))
    {
      guint64 *old = set->slots;
      gsize old_size = set->mask + 1;

      set->mask = old_size * 2 - 1;
      set->slots = g_new0 (guint64, set->mask + 1);
      for (gsize k = 0; k < old_size; k++)
        if (old[k] != 0)
          {
            for (i = old[k] & set->mask; set->slots[i] != 0; i = (i + 1) & set->mask)
              ;
            set->slots[i] = old[k];
          }
      g_free (old);
    }

  for (i = h & set->mask; set->slots[i] != 0; i = (i + 1) & set->mask)
    if (set->slots[i] == h)
      return TRUE;

  set->slots[i] = h;
  set->used++;
  return FALSE;
}

/* ---------------------------------------------------------------------------
 * The import object
 */

struct _ObImport
{
  GObject               parent_instance;

  char                 *db_path;
  char                 *csv_path;
  char                 *encoding;
  char                  delimiter;
  GPtrArray            *mapping;        /* set in full, or NULL: guessed */
  GPtrArray            *overrides;      /* pairs column, field */
  GPtrArray            *tags;
  char                 *campaign;
  gboolean              dry_run;
  gboolean              index_for_search;
  gboolean              started;

  ObImportProgressFunc  progress_func;
  gpointer              progress_data;
  GDestroyNotify        progress_destroy;
};

G_DEFINE_FINAL_TYPE (ObImport, ob_import, G_TYPE_OBJECT)

static void
ob_import_finalize (GObject *object)
{
  ObImport *self = OB_IMPORT (object);

  g_free (self->db_path);
  g_free (self->csv_path);
  g_free (self->encoding);
  g_clear_pointer (&self->mapping, g_ptr_array_unref);
  g_ptr_array_unref (self->overrides);
  g_ptr_array_unref (self->tags);
  g_free (self->campaign);
  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);

  G_OBJECT_CLASS (ob_import_parent_class)->finalize (object);
}

static void
ob_import_class_init (ObImportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_import_finalize;
}

static void
ob_import_init (ObImport *self)
{
  self->overrides = g_ptr_array_new_with_free_func (g_free);
  self->tags = g_ptr_array_new_with_free_func (g_free);
  self->index_for_search = TRUE;
}

/**
 * ob_import_new:
 * @db_path: the store to import into (the run opens its own connection)
 * @csv_path: the file
 */
ObImport *
ob_import_new (const char *db_path,
               const char *csv_path)
{
  ObImport *self;

  g_return_val_if_fail (db_path != NULL && csv_path != NULL, NULL);

  self = g_object_new (OB_TYPE_IMPORT, NULL);
  self->db_path = g_strdup (db_path);
  self->csv_path = g_strdup (csv_path);
  return self;
}

/**
 * ob_import_set_encoding:
 * @encoding: (nullable): an iconv name, or %NULL to detect it
 *
 * Returns: %FALSE with %OB_IMPORT_ERROR_FILE if iconv does not know it
 */
gboolean
ob_import_set_encoding (ObImport    *self,
                        const char  *encoding,
                        GError     **error)
{
  g_return_val_if_fail (OB_IS_IMPORT (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (encoding != NULL)
    {
      GIConv cd = encoding[0] != '\0' ? g_iconv_open ("UTF-8", encoding) : (GIConv) -1;

      if (cd == (GIConv) -1)
        {
          g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE,
                       _("The encoding “%s” is not supported"), encoding);
          return FALSE;
        }
      g_iconv_close (cd);
    }

  g_free (self->encoding);
  self->encoding = g_strdup (encoding);
  return TRUE;
}

/**
 * ob_import_set_delimiter:
 * @delimiter: an ASCII character other than a quote, CR or LF, or 0 to
 *   detect it
 */
void
ob_import_set_delimiter (ObImport *self,
                         char      delimiter)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);
  g_return_if_fail ((guchar) delimiter < 0x80 && delimiter != '"' &&
                    delimiter != '\r' && delimiter != '\n');

  self->delimiter = delimiter;
}

/**
 * ob_import_set_mapping:
 * @mapping: (element-type ObImportColumn) (nullable): one entry per column
 *   of the file, e.g. a preview's mapping as the user changed it; %NULL for
 *   the automatic one. Copied.
 */
void
ob_import_set_mapping (ObImport  *self,
                       GPtrArray *mapping)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  g_clear_pointer (&self->mapping, g_ptr_array_unref);
  if (mapping != NULL)
    self->mapping = copy_mapping (mapping);
}

/**
 * ob_import_map_column:
 * @column: a column's header
 * @field: see ob_import_field_parse()
 *
 * Changes the mapping of one column, applied over the automatic (or set)
 * mapping when the run reads the header; a column the file lacks then fails
 * the run with %OB_IMPORT_ERROR_MAPPING.
 *
 * Returns: %FALSE if @field is not a field name
 */
gboolean
ob_import_map_column (ObImport    *self,
                      const char  *column,
                      const char  *field,
                      GError     **error)
{
  ObImportField parsed;
  g_autofree char *key = NULL;

  g_return_val_if_fail (OB_IS_IMPORT (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  g_return_val_if_fail (column != NULL && field != NULL, FALSE);

  if (!ob_import_field_parse (field, &parsed, &key, error))
    return FALSE;

  g_ptr_array_add (self->overrides, g_strdup (column));
  g_ptr_array_add (self->overrides, g_strdup (field));
  return TRUE;
}

/* Tags are plain labels: one line, no comma (the separator in files). */
static char *
clean_tag (const char *text,
           gsize       len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) text[i];

      if (c < 0x20 || c == 0x7f)
        c = ' ';
      if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
        continue;
      g_string_append_c (out, (char) c);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  if (out->len > MAX_TAG_LENGTH)
    {
      const char *end = out->str + MAX_TAG_LENGTH;

      /* Not in the middle of a character */
      while (end > out->str && ((guchar) *end & 0xC0) == 0x80)
        end--;
      g_string_truncate (out, end - out->str);
    }

  return g_string_free (out, FALSE);
}

/**
 * ob_import_add_tag:
 * @tag: a tag for every imported (and updated) prospect; a comma-separated
 *   list gives several
 */
void
ob_import_add_tag (ObImport   *self,
                   const char *tag)
{
  g_auto(GStrv) parts = NULL;

  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (tag != NULL);

  parts = g_strsplit (tag, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *clean = clean_tag (parts[i], strlen (parts[i]));

      if (clean[0] != '\0')
        g_ptr_array_add (self->tags, g_steal_pointer (&clean));
    }
}

/**
 * ob_import_set_campaign:
 * @campaign: (nullable): the name of a campaign to enroll every imported
 *   prospect in
 */
void
ob_import_set_campaign (ObImport   *self,
                        const char *campaign)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  g_free (self->campaign);
  self->campaign = g_strdup (campaign);
}

/**
 * ob_import_set_dry_run:
 *
 * A dry run does all the work and reports it, then rolls back.
 */
void
ob_import_set_dry_run (ObImport *self,
                       gboolean  dry_run)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  self->dry_run = !!dry_run;
}

/**
 * ob_import_set_index_for_search:
 * @index: whether the run adds the new prospects to the search index after
 *   committing (the default); else ob_prospects_index_pending() does later
 */
void
ob_import_set_index_for_search (ObImport *self,
                                gboolean  index)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  self->index_for_search = !!index;
}

/**
 * ob_import_set_progress_func:
 *
 * @func is called on the thread that runs the import, after each batch of
 * rows and between phases.
 */
void
ob_import_set_progress_func (ObImport             *self,
                             ObImportProgressFunc  func,
                             gpointer              user_data,
                             GDestroyNotify        destroy)
{
  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  if (self->progress_destroy != NULL)
    self->progress_destroy (self->progress_data);
  self->progress_func = func;
  self->progress_data = user_data;
  self->progress_destroy = destroy;
}

/* ---------------------------------------------------------------------------
 * The parser thread
 */

typedef struct
{
  /* Set up by the run before the thread starts, read-only after */
  ObCsvReader  *reader;
  guint         n_columns;
  int           col_email;
  int           col_first;
  int           col_last;
  int           col_full;
  int           col_company;
  int           col_title;
  int           col_timezone;
  GArray       *col_tags;         /* int */
  GArray       *col_custom;       /* int */
  GPtrArray    *custom_prefixes;  /* "\"key\":" per custom column */
  ObDncSet     *dnc;
  gboolean      check_dnc;        /* the list is not empty */
  GCancellable *cancellable;
  GAsyncQueue  *full;             /* batches for the writer */
  GAsyncQueue  *empty;            /* batches back from the writer */
  int           stop;             /* atomic: the writer gave up */

  /* The thread's own */
  KeySet        keys;
  GHashTable   *timezones;        /* name → valid */
} Parser;

static inline gboolean
is_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Drops white space (and no-break spaces) at both ends. */
static inline void
trim (const char **text,
      gsize       *len)
{
  const char *s = *text;
  gsize n = *len;

  for (;;)
    {
      if (n > 0 && is_space (s[0]))
        s++, n--;
      else if (n > 1 && (guchar) s[0] == 0xC2 && (guchar) s[1] == 0xA0)
        s += 2, n -= 2;
      else
        break;
    }
  for (;;)
    {
      if (n > 0 && is_space (s[n - 1]))
        n--;
      else if (n > 1 && (guchar) s[n - 2] == 0xC2 && (guchar) s[n - 1] == 0xA0)
        n -= 2;
      else
        break;
    }

  *text = s;
  *len = n;
}

/* A field of the row, trimmed; "" for a missing column. */
static inline const char *
get_field (const ObCsvRow *row,
           int             col,
           gsize          *len)
{
  const char *text;

  if (col < 0 || (guint) col >= ob_csv_row_get_n_fields (row))
    {
      *len = 0;
      return "";
    }
  text = ob_csv_row_get_field (row, col, len);
  trim (&text, len);
  return text;
}

/* A one-line value (names, company, title): control characters, CR and LF
 * become one space, so no value can break a header or a CSV line later. */
static void
put_single_line (Batch       *b,
                 PreparedRow *row,
                 guint        col,
                 const char  *text,
                 gsize        len)
{
  char *dest;
  gsize n = 0;
  gboolean clean = TRUE;

  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] < 0x20 || text[i] == 0x7f)
      {
        clean = FALSE;
        break;
      }
  if (clean)
    {
      arena_put (b, row, col, text, len);
      return;
    }

  dest = arena_reserve (b, len + 1);
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if ((guchar) c < 0x20 || c == 0x7f)
        {
          if (n > 0 && dest[n - 1] == ' ')
            continue;
          c = ' ';
        }
      dest[n++] = c;
    }
  while (n > 0 && dest[n - 1] == ' ')
    n--;
  dest[n] = '\0';
  row->off[col] = (guint32) b->arena_len;
  row->len[col] = (guint32) n;
  b->arena_len += n + 1;
}

/* Appends value as a JSON string (the input is valid UTF-8). */
static void
put_json_string (Batch      *b,
                 const char *value,
                 gsize       len)
{
  /* The worst case is \u00XX for every byte */
  char *dest = arena_reserve (b, len * 6 + 2);
  char *p = dest;

  *p++ = '"';
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];

      if (G_LIKELY (c >= 0x20 && c != '"' && c != '\\'))
        {
          *p++ = (char) c;
          continue;
        }
      *p++ = '\\';
      switch (c)
        {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
          p += g_snprintf (p, 6, "u%04x", c);
          break;
        }
    }
  *p++ = '"';
  b->arena_len += p - dest;
}

static gboolean
is_valid_timezone (Parser     *parser,
                   const char *name)
{
  gpointer cached;
  gboolean valid;

  if (g_hash_table_lookup_extended (parser->timezones, name, NULL, &cached))
    return GPOINTER_TO_INT (cached);

  /* IANA names only: GLib also takes offsets and POSIX TZ strings */
  valid = g_ascii_isalpha (name[0]) && strchr (name, ',') == NULL;
  if (valid)
    {
      GTimeZone *tz = g_time_zone_new_identifier (name);

      valid = tz != NULL;
      if (tz != NULL)
        g_time_zone_unref (tz);
    }

  if (g_hash_table_size (parser->timezones) >= TIMEZONE_CACHE_MAX)
    g_hash_table_remove_all (parser->timezones);
  g_hash_table_insert (parser->timezones, g_strdup (name), GINT_TO_POINTER (valid));
  return valid;
}

static void
skip_row (Batch        *b,
          PreparedRow  *row,
          ObImportSkip  reason,
          const char   *detail,
          gsize         detail_len)
{
  row->state = ROW_SKIPPED;
  row->reason = reason;
  arena_put (b, row, COL_DETAIL, detail, detail_len);
}

/* Splits "Jan Maria Kowalski" into "Jan" and "Maria Kowalski", and
 * "Kowalski, Jan" into "Jan" and "Kowalski". */
static void
put_full_name (Batch       *b,
               PreparedRow *row,
               const char  *full,
               gsize        len)
{
  const char *comma = memchr (full, ',', len);
  const char *first, *last;
  gsize first_len, last_len;

  if (comma != NULL)
    {
      last = full;
      last_len = comma - full;
      first = comma + 1;
      first_len = full + len - first;
    }
  else
    {
      const char *space = full;

      while (space < full + len && !is_space (*space))
        space++;
      first = full;
      first_len = space - full;
      last = space;
      last_len = full + len - space;
    }

  trim (&first, &first_len);
  trim (&last, &last_len);
  put_single_line (b, row, COL_FIRST_NAME, first, first_len);
  put_single_line (b, row, COL_LAST_NAME, last, last_len);
}

static void
prepare_row (Parser         *parser,
             Batch          *b,
             const ObCsvRow *csv)
{
  PreparedRow *row = &b->rows[b->n_rows++];
  guint n_fields = ob_csv_row_get_n_fields (csv);
  g_autoptr(GError) error = NULL;
  const char *text, *first, *last;
  gsize len, first_len, last_len, key_len, display_start, display_len;
  gssize domain;
  char *key;
  gboolean any_custom = FALSE;

  row->line = ob_csv_row_get_line_number (csv);
  row->state = ROW_NEW;

  /* Ragged: more fields are fine only when the extra ones are empty (a
   * trailing delimiter), fewer never */
  if (n_fields != parser->n_columns)
    {
      gboolean extra_empty = n_fields > parser->n_columns;

      for (guint i = parser->n_columns; extra_empty && i < n_fields; i++)
        {
          ob_csv_row_get_field (csv, i, &len);
          extra_empty = len == 0;
        }
      if (!extra_empty)
        {
          g_autofree char *message = NULL;

          /* Translators: %llu is a line number, then two numbers of fields */
          message = g_strdup_printf (_("Line %llu: %u fields where the header has %u"),
                                     (unsigned long long) row->line, n_fields,
                                     parser->n_columns);
          skip_row (b, row, OB_IMPORT_SKIP_BAD_ROW, message, strlen (message));
          return;
        }
    }

  /* The address: key and domain straight into the batch */
  text = get_field (csv, parser->col_email, &len);
  if (len == 0)
    {
      skip_row (b, row, OB_IMPORT_SKIP_MISSING_EMAIL, "", 0);
      return;
    }

  key = arena_reserve (b, OB_EMAIL_MAX_KEY);
  domain = ob_email_parse_key (text, len, key, &key_len, &display_start, &display_len, &error);
  if (domain < 0)
    {
      skip_row (b, row, OB_IMPORT_SKIP_INVALID_EMAIL, error->message, strlen (error->message));
      return;
    }
  row->off[COL_EMAIL_KEY] = (guint32) b->arena_len;
  row->len[COL_EMAIL_KEY] = (guint32) key_len;
  row->off[COL_DOMAIN] = (guint32) (b->arena_len + domain);
  row->len[COL_DOMAIN] = (guint32) (key_len - domain);
  b->arena_len += key_len + 1;

  if (parser->check_dnc &&
      ob_dnc_set_matches (parser->dnc, row_text (b, row, COL_EMAIL_KEY), row_text (b, row, COL_DOMAIN)))
    {
      skip_row (b, row, OB_IMPORT_SKIP_DO_NOT_CONTACT, text + display_start, display_len);
      return;
    }

  arena_put (b, row, COL_EMAIL, text + display_start, display_len);

  if (key_set_add (&parser->keys, hash_key (row_text (b, row, COL_EMAIL_KEY), key_len)))
    row->state = ROW_CHECK;

  first = get_field (csv, parser->col_first, &first_len);
  last = get_field (csv, parser->col_last, &last_len);
  text = get_field (csv, parser->col_full, &len);
  if (first_len == 0 && last_len == 0 && len > 0)
    {
      put_full_name (b, row, text, len);
    }
  else
    {
      put_single_line (b, row, COL_FIRST_NAME, first, first_len);
      put_single_line (b, row, COL_LAST_NAME, last, last_len);
    }

  text = get_field (csv, parser->col_company, &len);
  put_single_line (b, row, COL_COMPANY, text, len);
  text = get_field (csv, parser->col_title, &len);
  put_single_line (b, row, COL_TITLE, text, len);

  text = get_field (csv, parser->col_timezone, &len);
  arena_put (b, row, COL_TIMEZONE, text, len);
  if (len > 0 && !is_valid_timezone (parser, row_text (b, row, COL_TIMEZONE)))
    {
      row->len[COL_TIMEZONE] = 0;
      b->arena[row->off[COL_TIMEZONE]] = '\0';
      b->timezones_ignored++;
    }

  /* Custom fields as a JSON object, empty values left out */
  row->off[COL_FIELDS] = (guint32) b->arena_len;
  *arena_reserve (b, 1) = '{';
  b->arena_len++;
  for (guint i = 0; i < parser->col_custom->len; i++)
    {
      const char *prefix;
      gsize prefix_len;

      text = get_field (csv, g_array_index (parser->col_custom, int, i), &len);
      if (len == 0)
        continue;

      prefix = g_ptr_array_index (parser->custom_prefixes, i);
      prefix_len = strlen (prefix);
      if (any_custom)
        {
          *arena_reserve (b, 1) = ',';
          b->arena_len++;
        }
      memcpy (arena_reserve (b, prefix_len), prefix, prefix_len);
      b->arena_len += prefix_len;
      put_json_string (b, text, len);
      any_custom = TRUE;
    }
  memcpy (arena_reserve (b, 2), "}", 2);
  b->arena_len += 2;
  row->len[COL_FIELDS] = (guint32) (b->arena_len - 1 - row->off[COL_FIELDS]);

  /* Tags of the row, from every tags column, comma-separated */
  row->off[COL_TAGS] = (guint32) b->arena_len;
  row->len[COL_TAGS] = 0;
  for (guint i = 0; i < parser->col_tags->len; i++)
    {
      text = get_field (csv, g_array_index (parser->col_tags, int, i), &len);
      if (len == 0)
        continue;
      if (row->len[COL_TAGS] > 0)
        {
          *arena_reserve (b, 1) = ',';
          b->arena_len++;
          row->len[COL_TAGS]++;
        }
      memcpy (arena_reserve (b, len), text, len);
      b->arena_len += len;
      row->len[COL_TAGS] += len;
    }
  *arena_reserve (b, 1) = '\0';
  b->arena_len++;
}

static Batch *
next_empty_batch (Parser *parser)
{
  Batch *b = g_async_queue_pop (parser->empty);

  batch_reset (b);
  return b;
}

static gpointer
parser_thread (gpointer data)
{
  Parser *parser = data;
  Batch *b = next_empty_batch (parser);

  key_set_init (&parser->keys);
  parser->timezones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const ObCsvRow *csv = NULL;

      if (b->n_rows == BATCH_ROWS)
        {
          b->bytes_read = ob_csv_reader_get_bytes_consumed (parser->reader);
          g_async_queue_push (parser->full, b);
          b = next_empty_batch (parser);

          if (g_atomic_int_get (&parser->stop))
            break;
          if (g_cancellable_set_error_if_cancelled (parser->cancellable, &b->error))
            break;
        }

      if (ob_csv_reader_next_row (parser->reader, &csv, parser->cancellable, &error))
        {
          prepare_row (parser, b, csv);
          continue;
        }
      if (error == NULL)
        break;

      if (ob_csv_error_is_recoverable (error))
        {
          PreparedRow *row = &b->rows[b->n_rows++];

          row->line = ob_csv_reader_get_error_line (parser->reader);
          skip_row (b, row, OB_IMPORT_SKIP_BAD_ROW, error->message, strlen (error->message));
          continue;
        }

      b->error = g_steal_pointer (&error);
      break;
    }

  b->bytes_read = ob_csv_reader_get_bytes_consumed (parser->reader);
  b->last = TRUE;
  g_async_queue_push (parser->full, b);

  key_set_clear (&parser->keys);
  g_clear_pointer (&parser->timezones, g_hash_table_unref);
  return NULL;
}

/* ---------------------------------------------------------------------------
 * ob_import_rows: a virtual table over the new rows of the current batch, so
 * that one INSERT ... SELECT writes them all
 */

typedef struct
{
  sqlite3_vtab  base;
  Batch       **current;
} RowsTable;

typedef struct
{
  sqlite3_vtab_cursor  base;
  Batch               *batch;
  guint                i;
} RowsCursor;

static int
rows_connect (sqlite3             *db,
              void                *aux,
              int                  argc,
              const char * const  *argv,
              sqlite3_vtab       **out,
              char               **err)
{
  RowsTable *table;
  int rc;

  rc = sqlite3_declare_vtab (db, "CREATE TABLE x (email, email_key, domain, first_name,"
                                 " last_name, company, title, timezone, fields)");
  if (rc != SQLITE_OK)
    return rc;
  /* Never usable from the schema (a view or trigger of a hostile file) */
  sqlite3_vtab_config (db, SQLITE_VTAB_DIRECTONLY);

  table = sqlite3_malloc (sizeof *table);
  if (table == NULL)
    return SQLITE_NOMEM;
  memset (table, 0, sizeof *table);
  table->current = aux;
  *out = &table->base;
  return SQLITE_OK;
}

static int
rows_disconnect (sqlite3_vtab *vtab)
{
  sqlite3_free (vtab);
  return SQLITE_OK;
}

static int
rows_best_index (sqlite3_vtab        *vtab,
                 sqlite3_index_info  *info)
{
  info->estimatedCost = BATCH_ROWS;
  info->estimatedRows = BATCH_ROWS;
  return SQLITE_OK;
}

static int
rows_open (sqlite3_vtab         *vtab,
           sqlite3_vtab_cursor **out)
{
  RowsCursor *cursor = sqlite3_malloc (sizeof *cursor);

  if (cursor == NULL)
    return SQLITE_NOMEM;
  memset (cursor, 0, sizeof *cursor);
  cursor->batch = *((RowsTable *) vtab)->current;
  *out = &cursor->base;
  return SQLITE_OK;
}

static int
rows_close (sqlite3_vtab_cursor *cursor)
{
  sqlite3_free (cursor);
  return SQLITE_OK;
}

static void
rows_skip_to_new (RowsCursor *cursor)
{
  while (cursor->i < cursor->batch->n_rows && cursor->batch->rows[cursor->i].state != ROW_NEW)
    cursor->i++;
}

static int
rows_filter (sqlite3_vtab_cursor  *base,
             int                   index_num,
             const char           *index_str,
             int                   argc,
             sqlite3_value       **argv)
{
  RowsCursor *cursor = (RowsCursor *) base;

  cursor->i = 0;
  rows_skip_to_new (cursor);
  return SQLITE_OK;
}

static int
rows_next (sqlite3_vtab_cursor *base)
{
  RowsCursor *cursor = (RowsCursor *) base;

  cursor->i++;
  rows_skip_to_new (cursor);
  return SQLITE_OK;
}

static int
rows_eof (sqlite3_vtab_cursor *base)
{
  RowsCursor *cursor = (RowsCursor *) base;

  return cursor->i >= cursor->batch->n_rows;
}

static int
rows_column (sqlite3_vtab_cursor *base,
             sqlite3_context     *context,
             int                  col)
{
  RowsCursor *cursor = (RowsCursor *) base;
  const PreparedRow *row = &cursor->batch->rows[cursor->i];

  /* The batch outlives the statement: no copy */
  sqlite3_result_text (context, cursor->batch->arena + row->off[col], row->len[col], SQLITE_STATIC);
  return SQLITE_OK;
}

static int
rows_rowid (sqlite3_vtab_cursor *base,
            sqlite3_int64       *rowid)
{
  *rowid = ((RowsCursor *) base)->i;
  return SQLITE_OK;
}

static const sqlite3_module rows_module = {
  .iVersion = 0,
  .xCreate = NULL,              /* eponymous only */
  .xConnect = rows_connect,
  .xBestIndex = rows_best_index,
  .xDisconnect = rows_disconnect,
  .xDestroy = rows_disconnect,
  .xOpen = rows_open,
  .xClose = rows_close,
  .xFilter = rows_filter,
  .xNext = rows_next,
  .xEof = rows_eof,
  .xColumn = rows_column,
  .xRowid = rows_rowid,
};

/* ---------------------------------------------------------------------------
 * The run, on the writing thread
 */

/* What the run did with a prospect that was in the store before: 2 bits per
 * id (0 = not in the file yet) */
enum
{
  SEEN_NOT = 0,
  SEEN_SKIPPED = 1,
  SEEN_UNCHANGED = 2,
  SEEN_UPDATED = 3,
};

typedef struct
{
  ObImport        *import;
  ObStore         *store;
  sqlite3         *db;
  ObImportReport  *report;
  GCancellable    *cancellable;
  Parser           parser;
  GThread         *parser_thread;
  Batch           *current;           /* the batch ob_import_rows shows */

  gint64           max_id_before;
  gint64           count_before;
  gint64           campaign_id;
  gint64           indexed_upto;
  gboolean         has_search_index;
  GArray          *tag_ids;            /* gint64, of --tag */
  GHashTable      *tag_cache;          /* lower-case name → id */
  guint8          *seen;               /* 2 bits per id <= max_id_before */
  gboolean         indexes_decided;
  GPtrArray       *dropped_indexes;    /* CREATE INDEX statements to run again */
  guint64          bytes_total;

  sqlite3_stmt    *insert_rows;
  sqlite3_stmt    *insert_one;
  sqlite3_stmt    *exists;
  sqlite3_stmt    *lookup;
  sqlite3_stmt    *update;
  sqlite3_stmt    *fields_of;
  sqlite3_stmt    *tag_insert;
  sqlite3_stmt    *tag_select;
  sqlite3_stmt    *prospect_tag;
  sqlite3_stmt    *active_elsewhere;
  sqlite3_stmt    *enroll;
  sqlite3_stmt    *unindex;
  sqlite3_stmt    *reindex;
} Run;

static void
run_finalize_statements (Run *run)
{
  g_clear_pointer (&run->insert_rows, sqlite3_finalize);
  g_clear_pointer (&run->insert_one, sqlite3_finalize);
  g_clear_pointer (&run->exists, sqlite3_finalize);
  g_clear_pointer (&run->lookup, sqlite3_finalize);
  g_clear_pointer (&run->update, sqlite3_finalize);
  g_clear_pointer (&run->fields_of, sqlite3_finalize);
  g_clear_pointer (&run->tag_insert, sqlite3_finalize);
  g_clear_pointer (&run->tag_select, sqlite3_finalize);
  g_clear_pointer (&run->prospect_tag, sqlite3_finalize);
  g_clear_pointer (&run->active_elsewhere, sqlite3_finalize);
  g_clear_pointer (&run->enroll, sqlite3_finalize);
  g_clear_pointer (&run->unindex, sqlite3_finalize);
  g_clear_pointer (&run->reindex, sqlite3_finalize);
}

static gboolean
store_failed (Run        *run,
              int         rc,
              const char *what,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  ob_store_set_error_from_db (run->store, rc, &local_error, what);
  g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
               _("Could not write to the database: %s"), local_error->message);
  return FALSE;
}

static gboolean
prepare (Run           *run,
         sqlite3_stmt **stmt,
         const char    *sql,
         GError       **error)
{
  int rc;

  if (*stmt != NULL)
    {
      sqlite3_reset (*stmt);
      sqlite3_clear_bindings (*stmt);
      return TRUE;
    }

  rc = sqlite3_prepare_v3 (run->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
  if (rc != SQLITE_OK)
    return store_failed (run, rc, "prepare", error);
  return TRUE;
}

static gboolean
step_done (Run           *run,
           sqlite3_stmt  *stmt,
           const char    *what,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return store_failed (run, rc, what, error);
  return TRUE;
}

static gboolean
query_int64 (Run         *run,
             const char  *sql,
             gint64      *out,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (run->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return store_failed (run, rc, "prepare", error);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_failed (run, rc, sql, error);
  *out = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

static gboolean
exec (Run         *run,
      const char  *sql,
      GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ob_store_exec (run->store, sql, &local_error))
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
                   _("Could not write to the database: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
report_progress (Run           *run,
                 ObImportPhase  phase,
                 guint64        bytes_read,
                 guint64        index_done,
                 guint64        index_total)
{
  ObImportProgress progress = {
    .phase = phase,
    .bytes_read = bytes_read,
    .bytes_total = run->bytes_total,
    .rows = run->report->rows,
    .index_done = index_done,
    .index_total = index_total,
  };

  if (run->import->progress_func != NULL)
    run->import->progress_func (&progress, run->import->progress_data);
}

/* The id of a tag, created if needed. */
static gboolean
tag_id (Run         *run,
        const char  *name,
        gint64      *out,
        GError     **error)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  gpointer cached;
  int rc;

  if (g_hash_table_lookup_extended (run->tag_cache, lower, NULL, &cached))
    {
      *out = *(gint64 *) cached;
      return TRUE;
    }

  if (!prepare (run, &run->tag_insert, "INSERT OR IGNORE INTO tags (name) VALUES (?1)", error))
    return FALSE;
  sqlite3_bind_text (run->tag_insert, 1, name, -1, SQLITE_STATIC);
  if (!step_done (run, run->tag_insert, "tags", error))
    return FALSE;

  if (!prepare (run, &run->tag_select, "SELECT id FROM tags WHERE name = ?1", error))
    return FALSE;
  sqlite3_bind_text (run->tag_select, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (run->tag_select);
  if (rc != SQLITE_ROW)
    return store_failed (run, rc, "tags", error);
  *out = sqlite3_column_int64 (run->tag_select, 0);
  sqlite3_reset (run->tag_select);

  g_hash_table_insert (run->tag_cache, g_steal_pointer (&lower), g_memdup2 (out, sizeof *out));
  return TRUE;
}

/* Tags a prospect with each tag of a comma-separated list; *changed tells
 * whether it got one it did not have. */
static gboolean
tag_prospect (Run         *run,
              gint64       id,
              const char  *list,
              gsize        len,
              gboolean    *changed,
              GError     **error)
{
  const char *end = list + len;

  while (list < end)
    {
      const char *comma = memchr (list, ',', end - list);
      const char *stop = comma != NULL ? comma : end;
      g_autofree char *name = clean_tag (list, stop - list);
      gint64 tag;

      list = stop + 1;
      g_strstrip (name);
      if (name[0] == '\0')
        continue;

      if (!tag_id (run, name, &tag, error) ||
          !prepare (run, &run->prospect_tag,
                    "INSERT OR IGNORE INTO prospect_tags (prospect_id, tag_id) VALUES (?1, ?2)",
                    error))
        return FALSE;
      sqlite3_bind_int64 (run->prospect_tag, 1, id);
      sqlite3_bind_int64 (run->prospect_tag, 2, tag);
      if (!step_done (run, run->prospect_tag, "tags", error))
        return FALSE;
      if (sqlite3_changes (run->db) > 0)
        *changed = TRUE;
    }

  return TRUE;
}

static gboolean
tag_prospect_with_run_tags (Run       *run,
                            gint64     id,
                            gboolean  *changed,
                            GError   **error)
{
  for (guint i = 0; i < run->tag_ids->len; i++)
    {
      if (!prepare (run, &run->prospect_tag,
                    "INSERT OR IGNORE INTO prospect_tags (prospect_id, tag_id) VALUES (?1, ?2)",
                    error))
        return FALSE;
      sqlite3_bind_int64 (run->prospect_tag, 1, id);
      sqlite3_bind_int64 (run->prospect_tag, 2, g_array_index (run->tag_ids, gint64, i));
      if (!step_done (run, run->prospect_tag, "tags", error))
        return FALSE;
      if (sqlite3_changes (run->db) > 0)
        *changed = TRUE;
    }
  return TRUE;
}

/* The search index is contentless: before a row changes, the text it was
 * indexed with must be removed, and the new text added after, by the
 * statements ob-prospects.c builds that text with. Only rows at or below
 * search_state.indexed_upto are in the index (which cannot move while this
 * transaction holds the write lock): the others are not even asked. */
static gboolean
unindex_for_update (Run     *run,
                    gint64   id,
                    GError **error)
{
  if (!run->has_search_index || id > run->indexed_upto)
    return TRUE;

  if (!prepare (run, &run->unindex, ob_prospects_unindex_sql, error))
    return FALSE;
  sqlite3_bind_int64 (run->unindex, 1, id);
  return step_done (run, run->unindex, "search index", error);
}

static gboolean
reindex_after_update (Run     *run,
                      gint64   id,
                      GError **error)
{
  if (!run->has_search_index || id > run->indexed_upto)
    return TRUE;

  if (!prepare (run, &run->reindex, ob_prospects_reindex_sql, error))
    return FALSE;
  sqlite3_bind_int64 (run->reindex, 1, id);
  return step_done (run, run->reindex, "search index", error);
}

static inline guint
seen_get (Run    *run,
          gint64  id)
{
  if (run->seen == NULL)
    return SEEN_NOT;
  return (run->seen[id / 4] >> ((id % 4) * 2)) & 3;
}

static inline void
seen_set (Run    *run,
          gint64  id,
          guint   state)
{
  if (run->seen == NULL)
    run->seen = g_malloc0 (run->max_id_before / 4 + 1);
  run->seen[id / 4] &= ~(3 << ((id % 4) * 2));
  run->seen[id / 4] |= state << ((id % 4) * 2);
}

typedef struct
{
  gint64      id;
  char       *status;
  char       *values[5];      /* first_name, last_name, company, title, timezone */
  char       *fields;
} StoredProspect;

static void
stored_prospect_clear (StoredProspect *p)
{
  g_free (p->status);
  for (guint i = 0; i < G_N_ELEMENTS (p->values); i++)
    g_free (p->values[i]);
  g_free (p->fields);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StoredProspect, stored_prospect_clear)

/* Whether a key is in the store: a lookup in the UNIQUE index alone. */
static gboolean
key_exists (Run         *run,
            const char  *key,
            gsize        key_len,
            gboolean    *found,
            GError     **error)
{
  int rc;

  if (!prepare (run, &run->exists, "SELECT 1 FROM prospects WHERE email_key = ?1", error))
    return FALSE;
  sqlite3_bind_text (run->exists, 1, key, key_len, SQLITE_STATIC);
  rc = sqlite3_step (run->exists);
  sqlite3_reset (run->exists);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_failed (run, rc, "lookup", error);
  *found = rc == SQLITE_ROW;
  return TRUE;
}

/* Looks a key up in the store; *found tells whether it is there. */
static gboolean
lookup_prospect (Run             *run,
                 const char      *key,
                 gsize            key_len,
                 StoredProspect  *out,
                 gboolean        *found,
                 GError         **error)
{
  int rc;

  if (!prepare (run, &run->lookup,
                "SELECT id, status, first_name, last_name, company, title, timezone, fields"
                " FROM prospects WHERE email_key = ?1",
                error))
    return FALSE;
  sqlite3_bind_text (run->lookup, 1, key, key_len, SQLITE_STATIC);

  rc = sqlite3_step (run->lookup);
  if (rc == SQLITE_DONE)
    {
      *found = FALSE;
      sqlite3_reset (run->lookup);
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (run->lookup);
      return store_failed (run, rc, "lookup", error);
    }

  *found = TRUE;
  if (out != NULL)
    {
      out->id = sqlite3_column_int64 (run->lookup, 0);
      out->status = g_strdup ((const char *) sqlite3_column_text (run->lookup, 1));
      for (guint i = 0; i < G_N_ELEMENTS (out->values); i++)
        out->values[i] = g_strdup ((const char *) sqlite3_column_text (run->lookup, 2 + i));
      out->fields = g_strdup ((const char *) sqlite3_column_text (run->lookup, 7));
    }
  sqlite3_reset (run->lookup);
  return TRUE;
}

/* The pairs of a JSON object of strings, in order, read by sqlite. Values
 * that are not strings are kept as their JSON text. */
static gboolean
json_pairs (Run         *run,
            const char  *json,
            GPtrArray   *out,
            GError     **error)
{
  int rc;

  if (!prepare (run, &run->fields_of,
                "SELECT key, value FROM json_each (?1) WHERE json_valid (?1)"
                " AND json_type (?1) = 'object'",
                error))
    return FALSE;
  sqlite3_bind_text (run->fields_of, 1, json, -1, SQLITE_STATIC);

  while ((rc = sqlite3_step (run->fields_of)) == SQLITE_ROW)
    {
      const char *value = (const char *) sqlite3_column_text (run->fields_of, 1);

      g_ptr_array_add (out, g_strdup ((const char *) sqlite3_column_text (run->fields_of, 0)));
      g_ptr_array_add (out, g_strdup (value != NULL ? value : ""));
    }
  sqlite3_reset (run->fields_of);
  if (rc != SQLITE_DONE)
    return store_failed (run, rc, "fields", error);
  return TRUE;
}

/* Fills the empty fields of a stored prospect from a row; never overwrites a
 * value, never writes a blank. *changed tells whether anything was filled. */
static gboolean
fill_empty_fields (Run                  *run,
                   const StoredProspect *stored,
                   const Batch          *b,
                   const PreparedRow    *row,
                   gboolean             *changed,
                   GError              **error)
{
  static const guint cols[] = { COL_FIRST_NAME, COL_LAST_NAME, COL_COMPANY, COL_TITLE, COL_TIMEZONE };
  const char *values[G_N_ELEMENTS (cols)];
  g_autoptr(GPtrArray) old_pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) new_pairs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *fields = NULL;
  gboolean fill = FALSE;
  gboolean fields_changed = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (cols); i++)
    {
      values[i] = stored->values[i] != NULL ? stored->values[i] : "";
      if (values[i][0] == '\0' && row->len[cols[i]] > 0)
        {
          values[i] = row_text (b, row, cols[i]);
          fill = TRUE;
        }
    }

  /* "{}" adds nothing; the same text (a file imported again) neither */
  if (row->len[COL_FIELDS] > 2 &&
      g_strcmp0 (stored->fields, row_text (b, row, COL_FIELDS)) != 0)
    {
      if (!json_pairs (run, stored->fields != NULL ? stored->fields : "{}", old_pairs, error) ||
          !json_pairs (run, row_text (b, row, COL_FIELDS), new_pairs, error))
        return FALSE;

      for (guint n = 0; n < new_pairs->len; n += 2)
        {
          const char *key = g_ptr_array_index (new_pairs, n);
          gboolean present = FALSE;

          for (guint o = 0; o < old_pairs->len; o += 2)
            if (strcmp (g_ptr_array_index (old_pairs, o), key) == 0)
              {
                present = TRUE;
                if (((char *) g_ptr_array_index (old_pairs, o + 1))[0] == '\0')
                  {
                    g_free (g_ptr_array_index (old_pairs, o + 1));
                    old_pairs->pdata[o + 1] = g_strdup (g_ptr_array_index (new_pairs, n + 1));
                    fields_changed = TRUE;
                  }
                break;
              }
          if (!present)
            {
              g_ptr_array_add (old_pairs, g_strdup (key));
              g_ptr_array_add (old_pairs, g_strdup (g_ptr_array_index (new_pairs, n + 1)));
              fields_changed = TRUE;
            }
        }

      if (fields_changed)
        {
          GString *json = g_string_new ("{");

          for (guint o = 0; o < old_pairs->len; o += 2)
            {
              if (o > 0)
                g_string_append_c (json, ',');
              ob_json_append_escaped (json, g_ptr_array_index (old_pairs, o));
              g_string_append_c (json, ':');
              ob_json_append_escaped (json, g_ptr_array_index (old_pairs, o + 1));
            }
          g_string_append_c (json, '}');
          fields = g_string_free (json, FALSE);
        }
    }

  if (!fill && !fields_changed)
    return TRUE;

  if (!unindex_for_update (run, stored->id, error) ||
      !prepare (run, &run->update,
                "UPDATE prospects SET first_name = ?2, last_name = ?3, company = ?4, title = ?5,"
                " timezone = ?6, fields = coalesce (?7, fields), updated_at = unixepoch ()"
                " WHERE id = ?1",
                error))
    return FALSE;
  sqlite3_bind_int64 (run->update, 1, stored->id);
  for (guint i = 0; i < G_N_ELEMENTS (cols); i++)
    sqlite3_bind_text (run->update, 2 + i, values[i], -1, SQLITE_STATIC);
  if (fields != NULL)
    sqlite3_bind_text (run->update, 7, fields, -1, SQLITE_STATIC);
  if (!step_done (run, run->update, "update", error) ||
      !reindex_after_update (run, stored->id, error))
    return FALSE;

  *changed = TRUE;
  return TRUE;
}

static gboolean
active_in_other_campaign (Run       *run,
                          gint64     id,
                          gboolean  *out,
                          GError   **error)
{
  int rc;

  if (!prepare (run, &run->active_elsewhere,
                "SELECT 1 FROM enrollments WHERE prospect_id = ?1 AND state = 'active'"
                " AND campaign_id <> ?2 LIMIT 1",
                error))
    return FALSE;
  sqlite3_bind_int64 (run->active_elsewhere, 1, id);
  sqlite3_bind_int64 (run->active_elsewhere, 2, run->campaign_id);
  rc = sqlite3_step (run->active_elsewhere);
  sqlite3_reset (run->active_elsewhere);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_failed (run, rc, "enrollments", error);
  *out = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
enroll (Run       *run,
        gint64     id,
        gboolean  *changed,
        GError   **error)
{
  if (!prepare (run, &run->enroll,
                "INSERT OR IGNORE INTO enrollments (campaign_id, prospect_id, state, next_step)"
                " VALUES (?1, ?2, 'active', 1)",
                error))
    return FALSE;
  sqlite3_bind_int64 (run->enroll, 1, run->campaign_id);
  sqlite3_bind_int64 (run->enroll, 2, id);
  if (!step_done (run, run->enroll, "enrollments", error))
    return FALSE;
  if (sqlite3_changes (run->db) > 0)
    *changed = TRUE;
  return TRUE;
}

/* A row whose key is in the store: a prospect from before the import, or a
 * row imported earlier in this file (an id above max_id_before). */
static gboolean
handle_stored (Run                  *run,
               const Batch          *b,
               const PreparedRow    *row,
               const StoredProspect *stored,
               GError              **error)
{
  const char *email = row_text (b, row, COL_EMAIL);
  gsize email_len = row->len[COL_EMAIL];
  gboolean changed = FALSE;
  guint seen;

  if (stored->id > run->max_id_before)
    {
      report_skip (run->report, row->line, OB_IMPORT_SKIP_DUPLICATE_IN_FILE, email, email_len);
      return fill_empty_fields (run, stored, b, row, &changed, error) &&
             tag_prospect (run, stored->id, row_text (b, row, COL_TAGS), row->len[COL_TAGS],
                           &changed, error);
    }

  seen = seen_get (run, stored->id);
  if (seen != SEEN_NOT)
    {
      report_skip (run->report, row->line, OB_IMPORT_SKIP_DUPLICATE_IN_FILE, email, email_len);
      if (seen == SEEN_SKIPPED)
        return TRUE;
      if (!fill_empty_fields (run, stored, b, row, &changed, error) ||
          !tag_prospect (run, stored->id, row_text (b, row, COL_TAGS), row->len[COL_TAGS],
                         &changed, error))
        return FALSE;
      if (changed && seen == SEEN_UNCHANGED)
        {
          run->report->unchanged--;
          run->report->updated++;
          seen_set (run, stored->id, SEEN_UPDATED);
        }
      return TRUE;
    }

  if (g_strcmp0 (stored->status, "active") != 0)
    {
      ObImportSkip reason = g_strcmp0 (stored->status, "replied") == 0
                            ? OB_IMPORT_SKIP_ALREADY_REPLIED
                            : g_strcmp0 (stored->status, "bounced") == 0
                            ? OB_IMPORT_SKIP_ALREADY_BOUNCED
                            : OB_IMPORT_SKIP_ALREADY_OPTED_OUT;

      report_skip (run->report, row->line, reason, email, email_len);
      seen_set (run, stored->id, SEEN_SKIPPED);
      return TRUE;
    }

  if (run->campaign_id != 0)
    {
      gboolean elsewhere = FALSE;

      if (!active_in_other_campaign (run, stored->id, &elsewhere, error))
        return FALSE;
      if (elsewhere)
        {
          report_skip (run->report, row->line, OB_IMPORT_SKIP_ACTIVE_IN_OTHER_CAMPAIGN,
                       email, email_len);
          seen_set (run, stored->id, SEEN_SKIPPED);
          return TRUE;
        }
    }

  if (!fill_empty_fields (run, stored, b, row, &changed, error) ||
      !tag_prospect (run, stored->id, row_text (b, row, COL_TAGS), row->len[COL_TAGS],
                     &changed, error) ||
      !tag_prospect_with_run_tags (run, stored->id, &changed, error) ||
      (run->campaign_id != 0 && !enroll (run, stored->id, &changed, error)))
    return FALSE;

  if (changed)
    run->report->updated++;
  else
    run->report->unchanged++;
  seen_set (run, stored->id, changed ? SEEN_UPDATED : SEEN_UNCHANGED);
  return TRUE;
}

/* A ROW_CHECK row the store does not hold after all (two keys with the same
 * hash): inserted on its own. */
static gboolean
insert_one (Run          *run,
            Batch        *b,
            PreparedRow  *row,
            gint64       *out_id,
            GError      **error)
{
  if (!prepare (run, &run->insert_one,
                "INSERT INTO prospects (email, email_key, domain, first_name, last_name,"
                " company, title, timezone, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                error))
    return FALSE;
  for (guint col = 0; col <= COL_FIELDS; col++)
    sqlite3_bind_text (run->insert_one, col + 1, row_text (b, row, col), row->len[col],
                       SQLITE_STATIC);
  if (!step_done (run, run->insert_one, "insert", error))
    return FALSE;
  *out_id = sqlite3_last_insert_rowid (run->db);
  return TRUE;
}

/* Drops the secondary indexes of prospects when the file is large compared
 * to what the store holds: building them once, sorted, at the end costs a
 * fraction of updating them row by row. The UNIQUE index on email_key stays:
 * it is what makes dedupe against the store exact. */
static gboolean
maybe_drop_indexes (Run          *run,
                    const Batch  *first,
                    GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint64 estimated_rows;
  int rc;

  run->indexes_decided = TRUE;
  if (first->bytes_read == 0 || first->n_rows == 0)
    return TRUE;

  estimated_rows = run->bytes_total / MAX (first->bytes_read / first->n_rows, 1);
  if (first->last || estimated_rows < REBUILD_MIN_ROWS ||
      (guint64) run->count_before * REBUILD_RATIO > estimated_rows)
    return TRUE;

  /* Partial indexes stay: they hold few rows, so keeping them up to date
   * costs less than the full scan that building one takes. So do indexes
   * that start with status: every new row is 'active' with a higher id than
   * the rest, so its entry goes right after the previous one, on a page
   * already in the cache. */
  rc = sqlite3_prepare_v2 (run->db,
                           "SELECT l.name, s.sql FROM pragma_index_list ('prospects') AS l"
                           " JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = l.name"
                           " WHERE l.origin = 'c' AND NOT l.\"unique\" AND NOT l.partial"
                           " AND s.sql IS NOT NULL"
                           " AND NOT EXISTS (SELECT 1 FROM pragma_index_info (l.name) AS i"
                           "                 WHERE i.seqno = 0 AND i.name = 'status')",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return store_failed (run, rc, "indexes", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (run->dropped_indexes, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  if (rc != SQLITE_DONE)
    return store_failed (run, rc, "indexes", error);

  for (guint i = 0; i < names->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (names, i), "\"", -1);
      g_autofree char *quoted = g_strjoinv ("\"\"", parts);
      g_autofree char *sql = g_strdup_printf ("DROP INDEX \"%s\"", quoted);

      if (!exec (run, sql, error))
        return FALSE;
    }

  g_debug ("Dropped %u indexes of prospects for an import of about %" G_GUINT64_FORMAT " rows",
           names->len, estimated_rows);
  return TRUE;
}

static gboolean
process_batch (Run      *run,
               Batch    *b,
               GError  **error)
{
  guint n_new = 0;
  gint64 next_id = 0;
  int rc;

  if (!run->indexes_decided && !maybe_drop_indexes (run, b, error))
    return FALSE;

  /* With prospects in the store, every row may be one of them */
  if (run->count_before > 0)
    for (guint i = 0; i < b->n_rows; i++)
      {
        PreparedRow *row = &b->rows[i];
        gboolean found = FALSE;

        if (row->state != ROW_NEW)
          continue;
        if (!key_exists (run, row_text (b, row, COL_EMAIL_KEY), row->len[COL_EMAIL_KEY],
                         &found, error))
          return FALSE;
        if (found)
          row->state = ROW_EXISTING;
      }

  for (guint i = 0; i < b->n_rows; i++)
    n_new += b->rows[i].state == ROW_NEW;

  if (n_new > 0)
    {
      run->current = b;
      if (!prepare (run, &run->insert_rows,
                    "INSERT OR IGNORE INTO prospects (email, email_key, domain, first_name,"
                    " last_name, company, title, timezone, fields)"
                    " SELECT email, email_key, domain, first_name, last_name, company, title,"
                    " timezone, fields FROM ob_import_rows",
                    error))
        return FALSE;
      rc = sqlite3_step (run->insert_rows);
      sqlite3_reset (run->insert_rows);
      if (rc != SQLITE_DONE)
        return store_failed (run, rc, "insert", error);

      /* Every key was checked: a row left out would be a bug here, and
       * would shift the ids the rows below get */
      if (sqlite3_changes (run->db) != (int) n_new)
        {
          g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
                       _("Could not write to the database: %s"),
                       "a new prospect was already there");
          return FALSE;
        }
      next_id = sqlite3_last_insert_rowid (run->db) - n_new + 1;
    }

  for (guint i = 0; i < b->n_rows; i++)
    {
      PreparedRow *row = &b->rows[i];
      g_auto(StoredProspect) stored = { 0, };
      gboolean found = FALSE;
      gboolean changed = FALSE;
      gint64 id;

      run->report->rows++;

      switch ((RowState) row->state)
        {
        case ROW_SKIPPED:
          report_skip (run->report, row->line, row->reason, row_text (b, row, COL_DETAIL),
                       row->len[COL_DETAIL]);
          break;

        case ROW_NEW:
          run->report->imported++;
          id = next_id++;
          if (row->len[COL_TAGS] > 0 &&
              !tag_prospect (run, id, row_text (b, row, COL_TAGS), row->len[COL_TAGS],
                             &changed, error))
            return FALSE;
          break;

        case ROW_CHECK:
        case ROW_EXISTING:
          if (!lookup_prospect (run, row_text (b, row, COL_EMAIL_KEY), row->len[COL_EMAIL_KEY],
                                &stored, &found, error))
            return FALSE;
          if (found)
            {
              if (!handle_stored (run, b, row, &stored, error))
                return FALSE;
              break;
            }
          /* A hash collision: a new row after all */
          run->report->imported++;
          if (!insert_one (run, b, row, &id, error) ||
              (row->len[COL_TAGS] > 0 &&
               !tag_prospect (run, id, row_text (b, row, COL_TAGS), row->len[COL_TAGS],
                              &changed, error)))
            return FALSE;
          break;

        default:
          g_assert_not_reached ();
        }
    }

  run->report->timezones_ignored += b->timezones_ignored;
  return TRUE;
}

/* Tags and enrollments of every new prospect (ids above max_id_before), one
 * statement each. */
static gboolean
finish_new_prospects (Run     *run,
                      GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  for (guint i = 0; i < run->tag_ids->len; i++)
    {
      g_clear_pointer (&stmt, sqlite3_finalize);
      rc = sqlite3_prepare_v2 (run->db,
                               "INSERT OR IGNORE INTO prospect_tags (prospect_id, tag_id)"
                               " SELECT id, ?2 FROM prospects WHERE id > ?1",
                               -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        return store_failed (run, rc, "tags", error);
      sqlite3_bind_int64 (stmt, 1, run->max_id_before);
      sqlite3_bind_int64 (stmt, 2, g_array_index (run->tag_ids, gint64, i));
      if (!step_done (run, stmt, "tags", error))
        return FALSE;
    }

  if (run->campaign_id != 0)
    {
      g_clear_pointer (&stmt, sqlite3_finalize);
      rc = sqlite3_prepare_v2 (run->db,
                               "INSERT OR IGNORE INTO enrollments (campaign_id, prospect_id, state,"
                               " next_step) SELECT ?2, id, 'active', 1 FROM prospects WHERE id > ?1",
                               -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        return store_failed (run, rc, "enrollments", error);
      sqlite3_bind_int64 (stmt, 1, run->max_id_before);
      sqlite3_bind_int64 (stmt, 2, run->campaign_id);
      if (!step_done (run, stmt, "enrollments", error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
restore_indexes (Run     *run,
                 GError **error)
{
  g_autofree char *pragma = NULL;

  if (run->dropped_indexes->len == 0)
    return TRUE;

  /* CREATE INDEX sorts in runs as large as the page cache. Small runs are
   * sorted by the worker threads (PRAGMA threads) while the table is still
   * being scanned; one big run is sorted at the end, on this thread alone.
   * Measured on a million rows: 7.7 s with 32 MiB, 4.6-5.4 s with 4 MiB. */
  pragma = g_strdup_printf ("PRAGMA cache_size = -%d", INDEX_CACHE_KIB);
  if (!exec (run, pragma, error))
    return FALSE;

  for (guint i = 0; i < run->dropped_indexes->len; i++)
    if (!exec (run, g_ptr_array_index (run->dropped_indexes, i), error))
      return FALSE;
  g_ptr_array_set_size (run->dropped_indexes, 0);
  return TRUE;
}

/* Resolves the mapping against the header and sets up the parser. */
static gboolean
setup_parser (Run     *run,
              char   **header,
              GError **error)
{
  ObImport *self = run->import;
  Parser *parser = &run->parser;
  g_autoptr(GPtrArray) mapping = NULL;

  if (self->mapping != NULL)
    {
      if (self->mapping->len != g_strv_length (header))
        {
          g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING,
                       _("The file has %u columns but the mapping has %u: was it changed?"),
                       g_strv_length (header), self->mapping->len);
          return FALSE;
        }
      mapping = copy_mapping (self->mapping);
    }
  else
    {
      mapping = ob_import_guess_mapping ((const char * const *) header);
    }

  for (guint i = 0; i + 1 < self->overrides->len; i += 2)
    if (!ob_import_mapping_set (mapping, g_ptr_array_index (self->overrides, i),
                                g_ptr_array_index (self->overrides, i + 1), error))
      return FALSE;

  parser->n_columns = mapping->len;
  parser->col_email = parser->col_first = parser->col_last = parser->col_full = -1;
  parser->col_company = parser->col_title = parser->col_timezone = -1;
  parser->col_tags = g_array_new (FALSE, FALSE, sizeof (int));
  parser->col_custom = g_array_new (FALSE, FALSE, sizeof (int));
  parser->custom_prefixes = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < mapping->len; i++)
    {
      const ObImportColumn *column = g_ptr_array_index (mapping, i);
      int col = (int) i;

      switch (column->field)
        {
        case OB_IMPORT_FIELD_EMAIL: parser->col_email = col; break;
        case OB_IMPORT_FIELD_FIRST_NAME: parser->col_first = col; break;
        case OB_IMPORT_FIELD_LAST_NAME: parser->col_last = col; break;
        case OB_IMPORT_FIELD_FULL_NAME: parser->col_full = col; break;
        case OB_IMPORT_FIELD_COMPANY: parser->col_company = col; break;
        case OB_IMPORT_FIELD_TITLE: parser->col_title = col; break;
        case OB_IMPORT_FIELD_TIMEZONE: parser->col_timezone = col; break;
        case OB_IMPORT_FIELD_TAGS: g_array_append_val (parser->col_tags, col); break;
        case OB_IMPORT_FIELD_IGNORE: break;
        case OB_IMPORT_FIELD_CUSTOM:
          {
            GString *prefix = g_string_new (NULL);

            ob_json_append_escaped (prefix, column->custom_key);
            g_string_append_c (prefix, ':');
            g_ptr_array_add (parser->custom_prefixes, g_string_free (prefix, FALSE));
            g_array_append_val (parser->col_custom, col);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (parser->col_email < 0)
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_MAPPING,
                   _("No column of the file holds email addresses; name one with a mapping "
                     "(outbound-cli: --map COLUMN=email)"));
      return FALSE;
    }

  run->report->mapping = g_steal_pointer (&mapping);
  return TRUE;
}

static void
parser_clear (Parser *parser)
{
  g_clear_object (&parser->reader);
  g_clear_pointer (&parser->col_tags, g_array_unref);
  g_clear_pointer (&parser->col_custom, g_array_unref);
  g_clear_pointer (&parser->custom_prefixes, g_ptr_array_unref);
  g_clear_pointer (&parser->dnc, ob_dnc_set_free);
  g_clear_pointer (&parser->full, g_async_queue_unref);
  g_clear_pointer (&parser->empty, g_async_queue_unref);
}

/* Everything before the first row: the store, the campaign, the tags, the
 * do-not-contact list, connection settings. */
static gboolean
setup_store (Run     *run,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *pragmas = NULL;
  gint64 exists = 0;
  int rc;

  run->store = ob_store_open (run->import->db_path, &local_error);
  if (run->store == NULL)
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE, "%s", local_error->message);
      return FALSE;
    }
  run->db = ob_store_get_db (run->store);

  /* This connection only: a bigger cache for one long transaction, sorter
   * threads for building indexes, temporary sorts in files rather than RAM.
   * synchronous stays as the store sets it; in WAL mode the whole import is
   * still one atomic commit. */
  pragmas = g_strdup_printf ("PRAGMA cache_size = -%d; PRAGMA threads = 2;"
                             " PRAGMA temp_store = FILE;", IMPORT_CACHE_KIB);
  if (!exec (run, pragmas, error))
    return FALSE;

  rc = sqlite3_create_module_v2 (run->db, "ob_import_rows", &rows_module, &run->current, NULL);
  if (rc != SQLITE_OK)
    return store_failed (run, rc, "module", error);

  if (!ob_store_begin (run->store, &local_error))
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
                   _("Could not write to the database: %s"), local_error->message);
      return FALSE;
    }

  if (!query_int64 (run, "SELECT coalesce (max (id), 0) FROM prospects", &run->max_id_before, error) ||
      !query_int64 (run, "SELECT count(*) FROM prospects", &run->count_before, error) ||
      !query_int64 (run, "SELECT count(*) FROM sqlite_schema WHERE name = 'search_state'",
                    &exists, error))
    return FALSE;
  run->has_search_index = exists > 0;
  if (run->has_search_index &&
      !query_int64 (run, "SELECT indexed_upto FROM search_state", &run->indexed_upto, error))
    return FALSE;

  if (run->import->campaign != NULL)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      rc = sqlite3_prepare_v2 (run->db, "SELECT id FROM campaigns WHERE name = ?1", -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        return store_failed (run, rc, "campaigns", error);
      sqlite3_bind_text (stmt, 1, run->import->campaign, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_CAMPAIGN,
                       _("There is no campaign called “%s”"), run->import->campaign);
          return FALSE;
        }
      if (rc != SQLITE_ROW)
        return store_failed (run, rc, "campaigns", error);
      run->campaign_id = sqlite3_column_int64 (stmt, 0);
    }

  for (guint i = 0; i < run->import->tags->len; i++)
    {
      gint64 id;

      if (!tag_id (run, g_ptr_array_index (run->import->tags, i), &id, error))
        return FALSE;
      g_array_append_val (run->tag_ids, id);
    }

  run->parser.dnc = ob_dnc_set_load (run->store, &local_error);
  if (run->parser.dnc == NULL)
    {
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
                   _("Could not read the do-not-contact list: %s"), local_error->message);
      return FALSE;
    }
  run->parser.check_dnc = ob_dnc_set_get_size (run->parser.dnc) > 0;

  return TRUE;
}

static gboolean
open_file (Run     *run,
           char  ***out_header,
           GError **error)
{
  ObImport *self = run->import;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (self->csv_path);

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            run->cancellable, NULL);
  run->bytes_total = info != NULL ? (guint64) g_file_info_get_size (info) : 0;

  run->parser.reader = ob_csv_reader_new_for_path (self->csv_path, run->cancellable, &local_error);
  if (run->parser.reader == NULL ||
      (self->encoding != NULL &&
       !ob_csv_reader_set_encoding (run->parser.reader, self->encoding, &local_error)))
    goto failed;
  ob_csv_reader_set_delimiter (run->parser.reader, self->delimiter);

  if (!ob_csv_reader_read_header (run->parser.reader, out_header, run->cancellable, &local_error))
    {
      if (local_error == NULL)
        {
          g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_EMPTY,
                       _("“%s” is empty: there is no header row"), self->csv_path);
          return FALSE;
        }
      goto failed;
    }
  return TRUE;

failed:
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    /* Translators: a file name, then why it cannot be read (with a line number) */
    g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE,
                 _("Could not import “%s”: %s"), self->csv_path, local_error->message);
  return FALSE;
}

/* Reads batches until the parser's last one; after a failure, keeps taking
 * them (and giving them back) so that the parser can finish. */
static gboolean
write_rows (Run     *run,
            GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean failed = FALSE;

  for (;;)
    {
      Batch *b = g_async_queue_pop (run->parser.full);
      gboolean last = b->last;

      if (!failed && b->error != NULL)
        {
          if (g_error_matches (b->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            local_error = g_error_copy (b->error);
          else
            /* Translators: a file name, then why it cannot be read (with a line number) */
            local_error = g_error_new (OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE,
                                       _("Could not import “%s”: %s"),
                                       run->import->csv_path, b->error->message);
          failed = TRUE;
        }

      if (!failed &&
          (g_cancellable_set_error_if_cancelled (run->cancellable, &local_error) ||
           !process_batch (run, b, &local_error)))
        {
          failed = TRUE;
          g_atomic_int_set (&run->parser.stop, 1);
        }

      if (!failed)
        report_progress (run, OB_IMPORT_PHASE_READING, b->bytes_read, 0, 0);

      run->current = NULL;
      g_async_queue_push (run->parser.empty, b);
      if (last)
        break;
    }

  if (failed)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
index_progress (guint64  done,
                guint64  total,
                gpointer user_data)
{
  Run *run = user_data;

  report_progress (run, OB_IMPORT_PHASE_INDEXING, run->bytes_total, done, total);
}

static void
run_clear (Run *run)
{
  /* The parser thread has ended (write_rows() saw its last batch) or never
   * started; its batches are all back in the empty queue */
  if (run->parser.empty != NULL)
    {
      Batch *b;

      while ((b = g_async_queue_try_pop (run->parser.empty)) != NULL)
        batch_free (b);
    }
  parser_clear (&run->parser);
  run_finalize_statements (run);
  if (run->store != NULL)
    ob_store_rollback (run->store);
  g_clear_object (&run->store);
  g_clear_pointer (&run->tag_ids, g_array_unref);
  g_clear_pointer (&run->tag_cache, g_hash_table_unref);
  g_clear_pointer (&run->seen, g_free);
  g_clear_pointer (&run->dropped_indexes, g_ptr_array_unref);
  g_clear_pointer (&run->report, ob_import_report_free);
}

/**
 * ob_import_run:
 *
 * Imports the file, blocking, on the calling thread (never the main one).
 * Can be called once.
 *
 * Returns: (transfer full): what was done, or %NULL with @error set (and the
 *   store as it was)
 */
ObImportReport *
ob_import_run (ObImport      *self,
               GCancellable  *cancellable,
               GError       **error)
{
  Run run = { 0, };
  g_auto(GStrv) header = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();
  ObImportReport *report;

  g_return_val_if_fail (OB_IS_IMPORT (self), NULL);
  g_return_val_if_fail (!self->started, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->started = TRUE;
  run.import = self;
  run.cancellable = cancellable;
  run.report = report_new ();
  run.report->path = g_strdup (self->csv_path);
  run.report->campaign = g_strdup (self->campaign);
  run.report->dry_run = self->dry_run;
  run.report->tags = g_new0 (char *, self->tags->len + 1);
  for (guint i = 0; i < self->tags->len; i++)
    run.report->tags[i] = g_strdup (g_ptr_array_index (self->tags, i));
  run.tag_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  run.tag_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.dropped_indexes = g_ptr_array_new_with_free_func (g_free);
  run.parser.cancellable = cancellable;

  if (!open_file (&run, &header, &local_error) ||
      !setup_parser (&run, header, &local_error) ||
      !setup_store (&run, &local_error))
    goto failed;

  run.parser.full = g_async_queue_new ();
  run.parser.empty = g_async_queue_new_full ((GDestroyNotify) batch_free);
  for (guint i = 0; i < BATCHES_IN_FLIGHT; i++)
    g_async_queue_push (run.parser.empty, g_new0 (Batch, 1));

  report_progress (&run, OB_IMPORT_PHASE_READING, 0, 0, 0);
  run.parser_thread = g_thread_new ("ob-import-parser", parser_thread, &run.parser);
  if (!write_rows (&run, &local_error))
    {
      g_thread_join (g_steal_pointer (&run.parser_thread));
      goto failed;
    }
  g_thread_join (g_steal_pointer (&run.parser_thread));

  g_debug ("Rows written in %.2f s", (g_get_monotonic_time () - start) / 1e6);

  report_progress (&run, OB_IMPORT_PHASE_FINISHING, run.bytes_total, 0, 0);
  if (g_cancellable_set_error_if_cancelled (cancellable, &local_error) ||
      !finish_new_prospects (&run, &local_error))
    goto failed;

  /* Reported after the rows: a file in ASCII only at first may turn out to
   * be windows-1250 further down */
  run.report->encoding = g_strdup (ob_csv_reader_get_encoding (run.parser.reader));
  run.report->delimiter = ob_csv_reader_get_delimiter (run.parser.reader);

  if (self->dry_run)
    {
      /* Nothing to build: the rollback brings the dropped indexes back */
      ob_store_rollback (run.store);
    }
  else
    {
      g_autoptr(GError) commit_error = NULL;

      if (!restore_indexes (&run, &local_error) ||
          g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        goto failed;
      g_debug ("Indexes built at %.2f s", (g_get_monotonic_time () - start) / 1e6);
      run_finalize_statements (&run);
      if (!ob_store_commit (run.store, &commit_error))
        {
          g_set_error (&local_error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_STORE,
                       _("Could not write to the database: %s"), commit_error->message);
          goto failed;
        }
      g_debug ("Committed at %.2f s", (g_get_monotonic_time () - start) / 1e6);
    }
  run.report->import_usec = g_get_monotonic_time () - start;

  /* Nothing added is nothing to index */
  run.report->search_indexed = run.report->imported == 0;
  if (!self->dry_run && self->index_for_search && run.report->imported > 0)
    {
      g_autoptr(GError) index_error = NULL;
      gint64 index_start = g_get_monotonic_time ();

      /* The import is committed whatever happens here: a failed or cancelled
       * indexing is finished later by ob_prospects_index_pending() */
      report_progress (&run, OB_IMPORT_PHASE_INDEXING, run.bytes_total, 0, 0);
      run.report->search_indexed = ob_prospects_index_pending (run.store, cancellable,
                                                               index_progress, &run,
                                                               &index_error);
      if (!run.report->search_indexed)
        g_debug ("Search indexing after the import stopped: %s", index_error->message);
      run.report->index_usec = g_get_monotonic_time () - index_start;
    }

  report = g_steal_pointer (&run.report);
  run_clear (&run);
  return report;

failed:
  run_clear (&run);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* ---------------------------------------------------------------------------
 * Async
 */

typedef struct
{
  GMainContext         *context;
  GMutex                lock;
  ObImportProgress      latest;
  gboolean              pending;
  ObImportProgressFunc  func;
  gpointer              data;
  GDestroyNotify        destroy;
  gint                  ref_count;
} ProgressRelay;

static ProgressRelay *
progress_relay_ref (ProgressRelay *relay)
{
  g_atomic_int_inc (&relay->ref_count);
  return relay;
}

static void
progress_relay_unref (ProgressRelay *relay)
{
  if (!g_atomic_int_dec_and_test (&relay->ref_count))
    return;

  if (relay->destroy != NULL)
    relay->destroy (relay->data);
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->lock);
  g_free (relay);
}

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressRelay *relay = user_data;
  ObImportProgress progress;

  g_mutex_lock (&relay->lock);
  progress = relay->latest;
  relay->pending = FALSE;
  g_mutex_unlock (&relay->lock);

  relay->func (&progress, relay->data);
  return G_SOURCE_REMOVE;
}

/* On the import thread: keeps the latest figures, and posts one delivery to
 * the caller's context unless one is on its way (so a slow main loop is not
 * flooded). */
static void
relay_progress (const ObImportProgress *progress,
                gpointer                user_data)
{
  ProgressRelay *relay = user_data;
  gboolean post;

  g_mutex_lock (&relay->lock);
  relay->latest = *progress;
  post = !relay->pending;
  relay->pending = TRUE;
  g_mutex_unlock (&relay->lock);

  if (post)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, deliver_progress, progress_relay_ref (relay),
                             (GDestroyNotify) progress_relay_unref);
      g_source_set_static_name (source, "[outbound] import progress");
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ObImport *self = source_object;
  GError *error = NULL;
  ObImportReport *report = ob_import_run (self, cancellable, &error);

  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) ob_import_report_free);
  else
    g_task_return_error (task, error);
}

/**
 * ob_import_run_async:
 *
 * Runs the import on a worker thread; the progress function (if set) is then
 * called on the thread-default main context of the caller.
 */
void
ob_import_run_async (ObImport            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_IMPORT (self));
  g_return_if_fail (!self->started);

  if (self->progress_func != NULL)
    {
      ProgressRelay *relay = g_new0 (ProgressRelay, 1);

      relay->context = g_main_context_ref_thread_default ();
      g_mutex_init (&relay->lock);
      relay->func = self->progress_func;
      relay->data = self->progress_data;
      relay->destroy = self->progress_destroy;
      relay->ref_count = 1;

      self->progress_func = relay_progress;
      self->progress_data = relay;
      self->progress_destroy = (GDestroyNotify) progress_relay_unref;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_import_run_async);
  g_task_set_name (task, "[outbound] import");
  g_task_run_in_thread (task, run_in_thread);
}

ObImportReport *
ob_import_run_finish (ObImport      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------------
 * Preview
 */

void
ob_import_preview_free (ObImportPreview *preview)
{
  if (preview == NULL)
    return;

  g_free (preview->encoding);
  g_strfreev (preview->header);
  g_clear_pointer (&preview->rows, g_ptr_array_unref);
  g_clear_pointer (&preview->mapping, g_ptr_array_unref);
  g_free (preview);
}

/**
 * ob_import_preview:
 * @encoding: (nullable): as ob_import_set_encoding(), %NULL to detect
 * @delimiter: as ob_import_set_delimiter(), 0 to detect
 * @max_rows: how many rows after the header to return
 *
 * What an import of @path would see, without touching any store: the
 * encoding and delimiter (detected or given), the header, the first rows
 * (rows the reader skips are left out) and the automatic mapping. Reads
 * only the start of the file; blocking.
 */
ObImportPreview *
ob_import_preview (const char    *path,
                   const char    *encoding,
                   char           delimiter,
                   guint          max_rows,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(ObImportPreview) preview = g_new0 (ObImportPreview, 1);
  g_autoptr(ObCsvReader) reader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFile) file = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            cancellable, NULL);
  preview->file_size = info != NULL ? (guint64) g_file_info_get_size (info) : 0;
  preview->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  reader = ob_csv_reader_new_for_path (path, cancellable, &local_error);
  if (reader == NULL ||
      (encoding != NULL && !ob_csv_reader_set_encoding (reader, encoding, &local_error)))
    goto failed;
  ob_csv_reader_set_delimiter (reader, delimiter);

  if (!ob_csv_reader_read_header (reader, &preview->header, cancellable, &local_error))
    {
      if (local_error != NULL)
        goto failed;
      g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_EMPTY,
                   _("“%s” is empty: there is no header row"), path);
      return NULL;
    }

  while (preview->rows->len < max_rows)
    {
      const ObCsvRow *row;

      if (ob_csv_reader_next_row (reader, &row, cancellable, &local_error))
        {
          g_ptr_array_add (preview->rows, ob_csv_row_dup_fields (row));
          continue;
        }
      if (local_error == NULL)
        break;
      if (!ob_csv_error_is_recoverable (local_error))
        {
          /* What was read so far is still worth showing; the import will
           * report the problem */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            goto failed;
          g_clear_error (&local_error);
          break;
        }
      g_clear_error (&local_error);
    }

  preview->encoding = g_strdup (ob_csv_reader_get_encoding (reader));
  preview->delimiter = ob_csv_reader_get_delimiter (reader);
  preview->mapping = ob_import_guess_mapping ((const char * const *) preview->header);

  return g_steal_pointer (&preview);

failed:
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, OB_IMPORT_ERROR, OB_IMPORT_ERROR_FILE,
                 _("Could not import “%s”: %s"), path, local_error->message);
  return NULL;
}
