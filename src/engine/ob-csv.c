/* ob-csv.c: a streaming CSV reader for prospect lists (Excel, Sheets, CRMs)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObCsvReader has no locking and no global state besides the
 * read-only encoding tables (built once, under g_once). It may be created on
 * one thread and handed to another, but only one thread may use it at a time;
 * debug builds (G_ENABLE_DEBUG) assert that no two calls overlap. Reading
 * blocks on I/O: call it from an import worker, not from the GTK main loop.
 *
 * What the reader accepts (RFC 4180, made lenient the way Excel is):
 *  - fields separated by one ASCII delimiter, sniffed among , ; TAB | unless
 *    set (see sniff_delimiter());
 *  - quoted fields with "" for a quote, keeping CR and LF inside them as is;
 *  - CRLF, LF and lone CR line ends, mixed in one file;
 *  - a quote inside an unquoted field is kept (5" screen), text after a
 *    closing quote is appended ("abc"def gives abcdef);
 *  - an empty line is not a record (it has no field, not even an empty one)
 *    and is skipped, but it still counts for line numbers;
 *  - nothing is trimmed; a leading byte order mark is dropped.
 * Records come back with however many fields they have: a ragged record is
 * not an error here, the importer compares it with the header and decides.
 *
 * Line numbers are 1-based physical lines of the text (CRLF, LF and CR each
 * end one), so a record with a quoted newline spans several; a record reports
 * the line it starts on.
 *
 * Errors: FIELD_TOO_LONG, ROW_TOO_LONG and NUL_BYTE are recoverable: the
 * reader skips to the end of that record (following quotes, in bounded
 * memory) and reports the error once; the next call returns the next record.
 * IO, ENCODING and UNTERMINATED_QUOTE are fatal: the error is returned again
 * by every later call. Cancellation is neither: the call can be repeated.
 *
 * Memory is bounded whatever the input: one chunk of raw bytes (64 KiB by
 * default), up to three times that of converted text, and the row storage,
 * which is reused and limited by the row size limit (16 MiB by default).
 *
 * Encodings (see detect_encoding()): a BOM wins; else UTF-16 without BOM is
 * recognised by its zero bytes; else UTF-8 if the first 64 KiB are valid
 * UTF-8; else a legacy single-byte code page chosen by guess_legacy_encoding().
 * UTF-8 is parsed in place after validation; anything else goes through
 * iconv into UTF-8 chunk by chunk. A file whose first 64 KiB are plain ASCII
 * is provisionally UTF-8 until the first non-ASCII byte, where detection runs
 * again on the 64 KiB from there: everything before was ASCII, valid in every
 * candidate, so the choice is still free (the reported encoding may change).
 */

#define G_LOG_DOMAIN "ob-csv"

#include "config.h"

#include "ob-csv.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>

/* How much of the start of the input detection looks at. */
#define SNIFF_SIZE          (64 * 1024)
#define SNIFF_MAX_RECORDS   50
#define MAX_CHUNK_SIZE      (16 * 1024 * 1024)
/* Field offsets are stored as guint32, and sizes are added to offsets. */
#define MAX_SIZE_LIMIT      ((gsize) (G_MAXUINT32 / 2))
/* Room behind a chunk in the raw buffer for a character cut by the last read */
#define RAW_SLACK           16

#define UTF8_BOM            "\xEF\xBB\xBF"

struct _ObCsvRow
{
  char    *data;         /* the fields, each followed by a NUL */
  gsize    len;
  gsize    alloc;
  guint32 *ends;         /* ends[i]: offset of the NUL after field i */
  guint    n_fields;
  guint    ends_alloc;
  guint64  line_number;
};

typedef enum
{
  DECODE_UTF8,           /* validated, parsed in place */
  DECODE_ASCII_SO_FAR,   /* auto-detected, nothing but ASCII seen yet */
  DECODE_ICONV,
} ObCsvDecode;

typedef enum
{
  STATE_RECORD_START,
  STATE_FIELD_START,
  STATE_UNQUOTED,
  STATE_QUOTED,
  STATE_QUOTED_QUOTE,    /* a quote inside a quoted field: "" or the end */
} ObCsvState;

struct _ObCsvReader
{
  GObject       parent_instance;

  /* Settings, frozen once detection ran */
  char         *forced_encoding;
  char          forced_delimiter;
  gsize         max_field_size;
  gsize         max_row_size;
  gsize         chunk_size;

  /* Input: raw[raw_start, raw_len) has been read but not decoded */
  GInputStream *stream;
  guint64       stream_offset;
  guchar       *raw;
  gsize         raw_alloc;
  gsize         raw_start;
  gsize         raw_len;
  gsize         raw_checked;   /* UTF-8: raw[raw_start, raw_checked) is valid */
  guint         eof : 1;

  /* Decoding: the parser reads text_pos..text_end, in raw or in text_buf */
  guint         prepared : 1;
  guint         strip_bom : 1;
  ObCsvDecode   decode;
  GIConv        iconv;
  char         *encoding;
  guchar       *text_buf;
  gsize         text_alloc;
  const guchar *text_pos;
  const guchar *text_end;

  /* Parser */
  ObCsvState    state;
  char          delimiter;
  guint         prev_cr : 1;   /* the last line end was a CR: an LF joins it */
  guint         discard : 1;   /* skipping the rest of a bad record */
  guint64       line;
  guint64       field_line;
  gsize         field_start;
  guint8        unquoted_stop[256];
  guint8        quoted_stop[256];
  ObCsvRow      row;

  GError       *skip_error;    /* recoverable, returned at the record's end */
  guint64       skip_line;
  GError       *fatal_error;   /* returned by every call once set */
  guint64       fatal_line;
  guint64       error_line;

#ifdef G_ENABLE_DEBUG
  int           busy;
#endif
};

G_DEFINE_FINAL_TYPE (ObCsvReader, ob_csv_reader, G_TYPE_OBJECT)

G_DEFINE_QUARK (ob-csv-error-quark, ob_csv_error)

gboolean
ob_csv_error_is_recoverable (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  return g_error_matches (error, OB_CSV_ERROR, OB_CSV_ERROR_FIELD_TOO_LONG) ||
         g_error_matches (error, OB_CSV_ERROR, OB_CSV_ERROR_ROW_TOO_LONG) ||
         g_error_matches (error, OB_CSV_ERROR, OB_CSV_ERROR_NUL_BYTE);
}

/* ---------------------------------------------------------------------------
 * Rows
 */

guint
ob_csv_row_get_n_fields (const ObCsvRow *row)
{
  g_return_val_if_fail (row != NULL, 0);

  return row->n_fields;
}

const char *
ob_csv_row_get_field (const ObCsvRow *row,
                      guint           index,
                      gsize          *out_len)
{
  gsize start;

  g_return_val_if_fail (row != NULL, NULL);
  g_return_val_if_fail (index < row->n_fields, NULL);

  start = index == 0 ? 0 : (gsize) row->ends[index - 1] + 1;
  if (out_len != NULL)
    *out_len = row->ends[index] - start;

  return row->data + start;
}

guint64
ob_csv_row_get_line_number (const ObCsvRow *row)
{
  g_return_val_if_fail (row != NULL, 0);

  return row->line_number;
}

char **
ob_csv_row_dup_fields (const ObCsvRow *row)
{
  char **fields;

  g_return_val_if_fail (row != NULL, NULL);

  fields = g_new (char *, row->n_fields + 1);
  for (guint i = 0; i < row->n_fields; i++)
    {
      gsize len;
      const char *field = ob_csv_row_get_field (row, i, &len);

      fields[i] = g_strndup (field, len);
    }
  fields[row->n_fields] = NULL;

  return fields;
}

/* ---------------------------------------------------------------------------
 * Encoding detection
 */

static gboolean
is_utf8_name (const char *encoding)
{
  return g_ascii_strcasecmp (encoding, "UTF-8") == 0 ||
         g_ascii_strcasecmp (encoding, "UTF8") == 0;
}

/* Length of the ASCII prefix of s (NUL included: that is the parser's job). */
static gsize
ascii_prefix_len (const guchar *s,
                  gsize         len)
{
  gsize i = 0;

  while (i + 8 <= len)
    {
      guint64 word;

      memcpy (&word, s + i, sizeof word);
      if (word & G_GUINT64_CONSTANT (0x8080808080808080))
        break;
      i += 8;
    }
  while (i < len && s[i] < 0x80)
    i++;

  return i;
}

/* Length of the valid UTF-8 prefix of s (Unicode table 3-7: no overlongs,
 * no surrogates). Sets out_truncated when what stops it is a sequence cut
 * by the end of s rather than an invalid byte. Unlike g_utf8_validate_len(),
 * NUL is valid here: it must reach the parser to be reported as a NUL byte,
 * with its line, not as an encoding problem. */
static gsize
utf8_valid_prefix (const guchar *s,
                   gsize         len,
                   gboolean     *out_truncated)
{
  gsize i = 0;

  *out_truncated = FALSE;

  while (i < len)
    {
      guchar c = s[i];
      guchar lo = 0x80;
      guchar hi = 0xBF;
      gsize need;

      if (c < 0x80)
        {
          i += ascii_prefix_len (s + i, len - i);
          continue;
        }

      if (c >= 0xC2 && c <= 0xDF)
        need = 1;
      else if (c == 0xE0)
        need = 2, lo = 0xA0;
      else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        need = 2;
      else if (c == 0xED)
        need = 2, hi = 0x9F;
      else if (c == 0xF0)
        need = 3, lo = 0x90;
      else if (c >= 0xF1 && c <= 0xF3)
        need = 3;
      else if (c == 0xF4)
        need = 3, hi = 0x8F;
      else
        return i;

      for (gsize k = 1; k <= need; k++)
        {
          guchar b;

          if (i + k >= len)
            {
              *out_truncated = TRUE;
              return i;
            }
          b = s[i + k];
          if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            return i;
        }
      i += need + 1;
    }

  return len;
}

/* Text in UTF-16 without a BOM: mostly ASCII, so one byte of each pair is 0. */
static const char *
guess_utf16_without_bom (const guchar *s,
                         gsize         len)
{
  gsize pairs = len / 2;
  gsize zero_even = 0;
  gsize zero_odd = 0;

  if (pairs < 2)
    return NULL;

  for (gsize i = 0; i + 1 < len; i += 2)
    {
      zero_even += s[i] == 0;
      zero_odd += s[i + 1] == 0;
    }

  if (zero_odd * 10 >= pairs * 4 && zero_even * 20 <= pairs)
    return "UTF-16LE";
  if (zero_even * 10 >= pairs * 4 && zero_odd * 20 <= pairs)
    return "UTF-16BE";

  return NULL;
}

/* The legacy code pages we choose between, in order of preference on a tie:
 * windows-1252 is what most Western Excel installs write. */
typedef struct
{
  const char *charset;
  gboolean    central_european;
} LegacyCandidate;

static const LegacyCandidate legacy_candidates[] = {
  { "windows-1252", FALSE },
  { "windows-1250", TRUE },
  { "ISO-8859-2", TRUE },
};

#define LEGACY_IMPOSSIBLE G_MININT8

/* Letters common in names in each region. Letters of both (é, ü, ó...) score
 * the same for every candidate and so cancel out. Š/š/Ž/ž are Central: in
 * windows-1252 they exist but are rare, and they are what tells Czech text
 * (č ř ě ů, which look like è ø ì ù there) from Western. Rare letters such as
 * Slovak ŕ ĺ or French œ Ÿ are in neither list. */
static const char western_letters[] =
  "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßðþ"
  "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝÐÞ";
static const char central_letters[] =
  "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"           /* Polish */
  "áčďéěíňřšťúůýžÁČĎÉĚÍŇŘŠŤÚŮÝŽ" /* Czech */
  "äľôÄĽÔ"                       /* Slovak */
  "őöüűŐÖÜŰ"                     /* Hungarian */
  "ăâîşţĂÂÎŞŢđĐ";                /* Romanian, Croatian */
/* Punctuation that shows up in any text; other symbols (¹ ³ ¿ ¥ ¯ ¶ ¦...)
 * are what Central European letters look like in the wrong code page. */
static const char common_symbols[] =
  "€‚„…†‡‘’“”•–—™\u00A0©®°«»·±§£";

static gint8 legacy_weights[G_N_ELEMENTS (legacy_candidates)][128];

static gint8
legacy_weight (gunichar ch,
               gboolean central_european)
{
  /* Undefined byte, or a C1 control that no real text contains */
  if (ch == 0 || (ch >= 0x80 && ch <= 0x9F))
    return LEGACY_IMPOSSIBLE;
  if (g_utf8_strchr (central_european ? central_letters : western_letters, -1, ch) != NULL)
    return 2;
  if (g_unichar_isalpha (ch) || g_utf8_strchr (common_symbols, -1, ch) != NULL)
    return 0;
  return -1;
}

static void
ensure_legacy_weights (void)
{
  static gsize initialized = 0;

  if (!g_once_init_enter (&initialized))
    return;

  for (gsize c = 0; c < G_N_ELEMENTS (legacy_candidates); c++)
    for (guint b = 0x80; b <= 0xFF; b++)
      {
        char byte = (char) b;
        g_autofree char *utf8 = NULL;
        gunichar ch = 0;

        utf8 = g_convert (&byte, 1, "UTF-8", legacy_candidates[c].charset, NULL, NULL, NULL);
        if (utf8 != NULL)
          ch = g_utf8_get_char (utf8);
        legacy_weights[c][b - 0x80] = legacy_weight (ch, legacy_candidates[c].central_european);
      }

  g_once_init_leave (&initialized, 1);
}

/* Text that is not UTF-8. Each byte >= 0x80 is decoded with each candidate
 * code page and scored by what it becomes there: +2 for a letter common in
 * that region's names (see the lists above), 0 for another letter or common
 * punctuation, -1 for an odd symbol; a byte the code page does not define
 * (or maps to a C1 control) rules the candidate out. Polish "ł ą ż" are
 * letters in windows-1250 but "³ ¹ ¿" in windows-1252; ISO-8859-2 wins only
 * with its own positions (ą 0xB1, ś 0xB6) and no byte in 0x80-0x9F. A byte
 * followed by a digit is not scored: "£5" is a price, not a Polish "Ł5".
 * Highest total wins; a tie goes to windows-1252. The caller can override. */
static const char *
guess_legacy_encoding (const guchar *s,
                       gsize         len)
{
  gint64 scores[G_N_ELEMENTS (legacy_candidates)] = { 0, };
  gboolean possible[G_N_ELEMENTS (legacy_candidates)];
  gssize best = -1;

  ensure_legacy_weights ();

  for (gsize c = 0; c < G_N_ELEMENTS (legacy_candidates); c++)
    possible[c] = TRUE;

  for (gsize i = 0; i < len; i++)
    {
      gboolean before_digit;

      if (s[i] < 0x80)
        continue;

      before_digit = i + 1 < len && g_ascii_isdigit (s[i + 1]);
      for (gsize c = 0; c < G_N_ELEMENTS (legacy_candidates); c++)
        {
          gint8 weight = legacy_weights[c][s[i] - 0x80];

          if (weight == LEGACY_IMPOSSIBLE)
            possible[c] = FALSE;
          else if (!before_digit)
            scores[c] += weight;
        }
    }

  for (gsize c = 0; c < G_N_ELEMENTS (legacy_candidates); c++)
    if (possible[c] && (best < 0 || scores[c] > scores[best]))
      best = c;

  /* No code page fits (binary data?): windows-1252 will then report the
   * first undefined byte as an encoding error, with its line. */
  return best < 0 ? "windows-1252" : legacy_candidates[best].charset;
}

/* Chooses the encoding of s, the start of the input (up to SNIFF_SIZE bytes;
 * complete when that is the whole input). */
static const char *
detect_encoding (const guchar *s,
                 gsize         len,
                 gboolean      complete,
                 gsize        *out_bom_len,
                 gboolean     *out_ascii_only)
{
  const char *utf16;
  gboolean truncated;
  gsize valid;

  *out_bom_len = 0;
  *out_ascii_only = FALSE;

  if (len >= 3 && memcmp (s, UTF8_BOM, 3) == 0)
    {
      *out_bom_len = 3;
      return "UTF-8";
    }
  /* UTF-16 BOMs are kept: they decode to U+FEFF, dropped from the text. */
  if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
    return "UTF-16LE";
  if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
    return "UTF-16BE";

  utf16 = guess_utf16_without_bom (s, len);
  if (utf16 != NULL)
    return utf16;

  valid = utf8_valid_prefix (s, len, &truncated);
  if (valid == len || (truncated && !complete))
    {
      *out_ascii_only = ascii_prefix_len (s, len) == len;
      return "UTF-8";
    }

  return guess_legacy_encoding (s, len);
}

/* ---------------------------------------------------------------------------
 * Delimiter sniffing
 */

/* Counts the delimiters of each record of text, parsed with delim the way
 * the reader would (quotes only open a field), up to SNIFF_MAX_RECORDS. */
static guint
sniff_count_records (const guchar *text,
                     gsize         len,
                     guchar        delim,
                     gboolean      complete,
                     guint        *counts)
{
  ObCsvState state = STATE_FIELD_START;
  gboolean in_record = FALSE;
  guint n_records = 0;
  guint count = 0;

  for (gsize i = 0; i < len && n_records < SNIFF_MAX_RECORDS; i++)
    {
      guchar c = text[i];

      if (state == STATE_QUOTED)
        {
          if (c == '"')
            state = STATE_QUOTED_QUOTE;
          continue;
        }
      if (state == STATE_QUOTED_QUOTE)
        {
          if (c == '"')
            {
              state = STATE_QUOTED;
              continue;
            }
          state = STATE_UNQUOTED;
        }

      if (c == '\r' || c == '\n')
        {
          if (in_record)
            counts[n_records++] = count;
          in_record = FALSE;
          count = 0;
          state = STATE_FIELD_START;
        }
      else if (c == delim)
        {
          in_record = TRUE;
          count++;
          state = STATE_FIELD_START;
        }
      else
        {
          in_record = TRUE;
          state = (state == STATE_FIELD_START && c == '"') ? STATE_QUOTED : STATE_UNQUOTED;
        }
    }

  /* A record cut by the end of the sample only counts if it is all we have. */
  if (in_record && n_records < SNIFF_MAX_RECORDS && (complete || n_records == 0))
    counts[n_records++] = count;

  return n_records;
}

/* Picks the delimiter among , ; TAB | that splits the first records most
 * consistently: for each candidate, the most common non-zero count per record
 * (its mode) and how many records have exactly that count. Most such records
 * wins, then the higher count, then the order above. The header counts like
 * any record, which is what rejects the decimal commas of "Widget;1,50;3"
 * under a "Name;Price;Qty" header. No candidate at all: a one-column file. */
static char
sniff_delimiter (const guchar *text,
                 gsize         len,
                 gboolean      complete)
{
  static const char candidates[] = { ',', ';', '\t', '|' };
  char best = ',';
  guint best_matches = 0;
  guint best_mode = 0;

  for (gsize c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      guint counts[SNIFF_MAX_RECORDS];
      guint n_records = sniff_count_records (text, len, candidates[c], complete, counts);
      guint mode = 0;
      guint matches = 0;

      for (guint i = 0; i < n_records; i++)
        {
          guint same = 0;

          if (counts[i] == 0)
            continue;
          for (guint j = 0; j < n_records; j++)
            same += counts[j] == counts[i];
          if (same > matches || (same == matches && counts[i] > mode))
            {
              matches = same;
              mode = counts[i];
            }
        }

      if (mode == 0)
        continue;
      if (matches > best_matches || (matches == best_matches && mode > best_mode))
        {
          best = candidates[c];
          best_matches = matches;
          best_mode = mode;
        }
    }

  return best;
}

/* ---------------------------------------------------------------------------
 * Input and decoding
 */

static void
compact_raw (ObCsvReader *self)
{
  if (self->raw_start == 0)
    return;

  /* Only done once the parser used up its text, which may point into raw. */
  g_assert (self->text_pos == self->text_end);

  memmove (self->raw, self->raw + self->raw_start, self->raw_len - self->raw_start);
  self->raw_len -= self->raw_start;
  self->raw_checked = self->raw_checked > self->raw_start ? self->raw_checked - self->raw_start : 0;
  self->raw_start = 0;
  if (self->decode != DECODE_ICONV)
    self->text_pos = self->text_end = self->raw;
}

static gboolean
read_more (ObCsvReader   *self,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n;

  compact_raw (self);

  n = g_input_stream_read (self->stream,
                           self->raw + self->raw_len,
                           MIN (self->chunk_size, self->raw_alloc - self->raw_len),
                           cancellable, &local_error);
  if (n < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_IO,
                     _("Line %llu: could not read the file: %s"),
                     (unsigned long long) self->line, local_error->message);
      return FALSE;
    }

  if (n == 0)
    self->eof = TRUE;
  self->raw_len += n;
  self->stream_offset += n;

  return TRUE;
}

static gboolean
setup_decoder (ObCsvReader  *self,
               const char   *encoding,
               GError      **error)
{
  if (is_utf8_name (encoding))
    {
      self->decode = DECODE_UTF8;
    }
  else
    {
      self->iconv = g_iconv_open ("UTF-8", encoding);
      if (self->iconv == (GIConv) -1)
        {
          g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_UNSUPPORTED_ENCODING,
                       _("The encoding “%s” is not supported"), encoding);
          return FALSE;
        }
      self->decode = DECODE_ICONV;
      if (self->text_buf == NULL)
        {
          self->text_alloc = 3 * MAX (self->chunk_size, 4) + RAW_SLACK;
          self->text_buf = g_malloc (self->text_alloc);
        }
    }

  g_free (self->encoding);
  self->encoding = g_strdup (encoding);

  return TRUE;
}

/* The bytes at raw_start are invalid, or (cut_at_eof) a character cut short
 * by the end of the file. */
static void
set_encoding_error (ObCsvReader  *self,
                    gboolean      cut_at_eof,
                    GError      **error)
{
  if (cut_at_eof)
    /* Translators: %s is an encoding name, e.g. UTF-16LE */
    g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_ENCODING,
                 _("Line %llu: the file ends in the middle of a %s character; "
                   "try another encoding"),
                 (unsigned long long) self->line, self->encoding);
  else
    /* Translators: %02X is a byte in hexadecimal, %s an encoding name */
    g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_ENCODING,
                 _("Line %llu: byte 0x%02X is not valid %s text; try another encoding"),
                 (unsigned long long) self->line, self->raw[self->raw_start], self->encoding);
}

/* The first non-ASCII byte of a file detected as ASCII so far: choose again
 * with the next SNIFF_SIZE bytes. */
static gboolean
redetect_encoding (ObCsvReader   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  const guchar *s;
  gsize len;
  gsize valid;
  gboolean truncated;

  while (!self->eof && self->raw_len - self->raw_start < SNIFF_SIZE)
    if (!read_more (self, cancellable, error))
      return FALSE;

  s = self->raw + self->raw_start;
  len = self->raw_len - self->raw_start;
  valid = utf8_valid_prefix (s, len, &truncated);
  if (valid == len || (truncated && !self->eof))
    {
      self->decode = DECODE_UTF8;
      self->raw_checked = self->raw_start + valid;
      return TRUE;
    }

  return setup_decoder (self, guess_legacy_encoding (s, len), error);
}

static inline void
deliver_raw (ObCsvReader *self,
             gsize        len)
{
  self->text_pos = self->raw + self->raw_start;
  self->text_end = self->text_pos + len;
  self->raw_start += len;
}

/* Makes the next piece of UTF-8 text (at most about one chunk) available in
 * text_pos..text_end. Returns 1, 0 at the end of the input, -1 on error. */
static int
fill_text (ObCsvReader   *self,
           GCancellable  *cancellable,
           GError       **error)
{
  for (;;)
    {
      gsize avail = self->raw_len - self->raw_start;

      if (self->decode == DECODE_ASCII_SO_FAR && avail > 0)
        {
          gsize n = ascii_prefix_len (self->raw + self->raw_start, MIN (avail, self->chunk_size));

          if (n > 0)
            {
              deliver_raw (self, n);
              return 1;
            }
          if (!redetect_encoding (self, cancellable, error))
            return -1;
          continue;
        }

      if (self->decode == DECODE_UTF8 && avail > 0)
        {
          if (self->raw_checked <= self->raw_start)
            {
              gboolean truncated;
              gsize valid = utf8_valid_prefix (self->raw + self->raw_start, avail, &truncated);

              self->raw_checked = self->raw_start + valid;
              if (valid == 0 && !truncated)
                {
                  set_encoding_error (self, FALSE, error);
                  return -1;
                }
            }
          if (self->raw_checked > self->raw_start)
            {
              deliver_raw (self, MIN (self->raw_checked - self->raw_start, self->chunk_size));
              return 1;
            }
          /* else: a character cut by the end of the read, read on */
        }

      if (self->decode == DECODE_ICONV && avail > 0)
        {
          /* Four bytes always hold a whole character of the encodings we
           * meet; less could not make progress with a tiny chunk size. */
          gsize in_len = MIN (avail, MAX (self->chunk_size, 4));
          char *in = (char *) self->raw + self->raw_start;
          gsize in_left = in_len;
          char *out = (char *) self->text_buf;
          gsize out_left = self->text_alloc;
          gsize converted;
          int saved_errno;

          converted = g_iconv (self->iconv, &in, &in_left, &out, &out_left);
          saved_errno = errno;
          self->raw_start += in_len - in_left;

          if (out != (char *) self->text_buf)
            {
              self->text_pos = self->text_buf;
              self->text_end = (const guchar *) out;
              if (self->strip_bom)
                {
                  self->strip_bom = FALSE;
                  if (self->text_end - self->text_pos >= 3 && memcmp (self->text_pos, UTF8_BOM, 3) == 0)
                    self->text_pos += 3;
                }
              if (self->text_pos < self->text_end)
                return 1;
              continue;
            }

          if (converted == (gsize) -1 && saved_errno == EILSEQ)
            {
              set_encoding_error (self, FALSE, error);
              return -1;
            }
          if (in_left < in_len)
            continue;   /* consumed input without output, e.g. a shift state */
          if (converted != (gsize) -1 || saved_errno != EINVAL)
            {
              /* Neither progress nor a cut character: never loop on that */
              set_encoding_error (self, FALSE, error);
              return -1;
            }
          /* else EINVAL: a character cut by the end of the read, read on */
        }

      if (self->eof)
        {
          if (self->raw_start < self->raw_len)
            {
              set_encoding_error (self, TRUE, error);
              return -1;
            }
          return 0;
        }

      if (!read_more (self, cancellable, error))
        return -1;
    }
}

/* Reads the start of the input, detects encoding and delimiter. */
static gboolean
prepare (ObCsvReader   *self,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autofree guchar *sample_text = NULL;
  const guchar *sniff_text;
  gsize sniff_len;
  const char *encoding;
  gsize bom_len = 0;
  gboolean ascii_only = FALSE;

  if (self->prepared)
    return TRUE;

  if (self->raw == NULL)
    {
      self->raw_alloc = MAX (self->chunk_size, SNIFF_SIZE) + RAW_SLACK;
      self->raw = g_malloc (self->raw_alloc);
      self->text_pos = self->text_end = self->raw;
    }

  while (!self->eof && self->raw_len < SNIFF_SIZE)
    if (!read_more (self, cancellable, error))
      return FALSE;

  if (self->forced_encoding != NULL)
    {
      encoding = self->forced_encoding;
      if (is_utf8_name (encoding) && self->raw_len >= 3 && memcmp (self->raw, UTF8_BOM, 3) == 0)
        bom_len = 3;
    }
  else
    {
      encoding = detect_encoding (self->raw, self->raw_len, self->eof, &bom_len, &ascii_only);
    }

  if (!setup_decoder (self, encoding, error))
    return FALSE;

  if (self->decode == DECODE_UTF8 && ascii_only)
    self->decode = DECODE_ASCII_SO_FAR;
  self->raw_start = self->raw_checked = bom_len;
  self->text_pos = self->text_end = self->raw + bom_len;

  if (self->decode == DECODE_ICONV)
    {
      GIConv cd = g_iconv_open ("UTF-8", encoding);
      char *in = (char *) self->raw;
      gsize in_left = self->raw_len;
      char *out;
      gsize out_left;

      self->strip_bom = TRUE;

      /* A separate conversion of the sample for the sniffer, which stops at
       * the first bad byte: that one is reported when the parser reaches it. */
      sample_text = g_malloc (3 * self->raw_len + RAW_SLACK);
      out = (char *) sample_text;
      out_left = 3 * self->raw_len + RAW_SLACK;
      g_iconv (cd, &in, &in_left, &out, &out_left);
      g_iconv_close (cd);
      sniff_text = sample_text;
      sniff_len = out - (char *) sample_text;
    }
  else
    {
      sniff_text = self->raw + bom_len;
      sniff_len = self->raw_len - bom_len;
    }

  if (self->forced_delimiter != 0)
    self->delimiter = self->forced_delimiter;
  else
    self->delimiter = sniff_delimiter (sniff_text, sniff_len, self->eof);

  memset (self->unquoted_stop, 0, sizeof self->unquoted_stop);
  self->unquoted_stop[(guchar) self->delimiter] = 1;
  self->unquoted_stop['\r'] = 1;
  self->unquoted_stop['\n'] = 1;
  self->unquoted_stop['\0'] = 1;

  memset (self->quoted_stop, 0, sizeof self->quoted_stop);
  self->quoted_stop['"'] = 1;
  self->quoted_stop['\r'] = 1;
  self->quoted_stop['\n'] = 1;
  self->quoted_stop['\0'] = 1;

  self->prepared = TRUE;

  return TRUE;
}

/* ---------------------------------------------------------------------------
 * Parser
 */

static void G_GNUC_PRINTF (4, 5)
start_skipping (ObCsvReader *self,
                ObCsvError   code,
                guint64      line,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  /* The first problem of a record is the one reported. */
  if (self->skip_error != NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Translators: a line number, then what is wrong with the row there */
  self->skip_error = g_error_new (OB_CSV_ERROR, code, _("Line %llu: %s"),
                                  (unsigned long long) line, message);
  self->skip_line = line;
  self->discard = TRUE;
}

static void
row_reserve (ObCsvRow *row,
             gsize     extra)
{
  gsize alloc = MAX (row->alloc, 256);

  while (alloc < row->len + extra)
    alloc *= 2;
  row->data = g_realloc (row->data, alloc);
  row->alloc = alloc;
}

static inline void
row_append (ObCsvReader  *self,
            const guchar *s,
            gsize         len)
{
  ObCsvRow *row = &self->row;

  if (G_UNLIKELY (self->discard))
    return;

  if (G_UNLIKELY (row->len - self->field_start + len > self->max_field_size))
    {
      start_skipping (self, OB_CSV_ERROR_FIELD_TOO_LONG, self->field_line,
                      _("a field is longer than the limit of %lu bytes "
                        "(is a closing quote missing?)"),
                      (unsigned long) self->max_field_size);
      return;
    }
  /* + 1: the field still needs its NUL */
  if (G_UNLIKELY (row->len + len + 1 > self->max_row_size))
    {
      start_skipping (self, OB_CSV_ERROR_ROW_TOO_LONG, row->line_number,
                      _("the row is longer than the limit of %lu bytes"),
                      (unsigned long) self->max_row_size);
      return;
    }
  if (G_UNLIKELY (row->len + len + 1 > row->alloc))
    row_reserve (row, len + 1);

  memcpy (row->data + row->len, s, len);
  row->len += len;
}

static inline void
row_end_field (ObCsvReader *self)
{
  ObCsvRow *row = &self->row;

  if (G_UNLIKELY (self->discard))
    return;

  if (G_UNLIKELY (row->len + 1 > self->max_row_size))
    {
      start_skipping (self, OB_CSV_ERROR_ROW_TOO_LONG, row->line_number,
                      _("the row is longer than the limit of %lu bytes"),
                      (unsigned long) self->max_row_size);
      return;
    }
  if (G_UNLIKELY (row->len + 1 > row->alloc))
    row_reserve (row, 1);
  if (G_UNLIKELY (row->n_fields == row->ends_alloc))
    {
      row->ends_alloc = MAX (row->ends_alloc * 2, 32);
      row->ends = g_renew (guint32, row->ends, row->ends_alloc);
    }

  row->data[row->len] = '\0';
  row->ends[row->n_fields++] = (guint32) row->len;
  row->len++;
  self->field_start = row->len;
}

static inline void
note_line_end (ObCsvReader *self,
               guchar       c)
{
  if (c == '\r')
    {
      self->line++;
      self->prev_cr = TRUE;
    }
  else
    {
      if (!self->prev_cr)
        self->line++;
      self->prev_cr = FALSE;
    }
}

static inline void
note_nul (ObCsvReader *self)
{
  start_skipping (self, OB_CSV_ERROR_NUL_BYTE, self->line, "%s",
                  _("the row contains a NUL byte (is this a binary file, or is the "
                    "encoding wrong?)"));
}

/* Takes fatal; reports the record being skipped first, if any: the fatal
 * error comes with the next call, and every one after. */
static int
fail_fatal (ObCsvReader  *self,
            GError       *fatal,
            guint64       line,
            GError      **error)
{
  g_clear_error (&self->fatal_error);
  self->fatal_error = fatal;
  self->fatal_line = line;
  self->discard = FALSE;

  if (self->skip_error != NULL)
    {
      self->error_line = self->skip_line;
      g_propagate_error (error, g_steal_pointer (&self->skip_error));
    }
  else
    {
      self->error_line = line;
      g_propagate_error (error, g_error_copy (fatal));
    }

  return -1;
}

static int
handle_failure (ObCsvReader  *self,
                GError       *local_error,
                guint64       line,
                GError      **error)
{
  /* Cancelling changes nothing in the state: the call can be repeated. */
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return -1;
    }

  return fail_fatal (self, local_error, line, error);
}

static int
finish_record (ObCsvReader  *self,
               GError      **error)
{
  self->state = STATE_RECORD_START;

  if (self->skip_error != NULL)
    {
      self->discard = FALSE;
      self->error_line = self->skip_line;
      g_propagate_error (error, g_steal_pointer (&self->skip_error));
      return -1;
    }

  return 1;
}

static int
finish_at_eof (ObCsvReader  *self,
               GError      **error)
{
  switch (self->state)
    {
    case STATE_RECORD_START:
      return 0;

    case STATE_QUOTED:
      return fail_fatal (self,
                         g_error_new (OB_CSV_ERROR, OB_CSV_ERROR_UNTERMINATED_QUOTE,
                                      _("Line %llu: a quoted field starts here but its "
                                        "closing quote is missing"),
                                      (unsigned long long) self->field_line),
                         self->field_line, error);

    case STATE_FIELD_START:
    case STATE_UNQUOTED:
    case STATE_QUOTED_QUOTE:
    default:
      row_end_field (self);
      return finish_record (self, error);
    }
}

/* The first byte from p that stop[] flags, or end. Unrolled: this loop is
 * where nearly all the time of a big import goes. */
static inline const guchar *
scan_until (const guchar *p,
            const guchar *end,
            const guint8 *stop)
{
  while (end - p >= 4)
    {
      if (stop[p[0]])
        return p;
      if (stop[p[1]])
        return p + 1;
      if (stop[p[2]])
        return p + 2;
      if (stop[p[3]])
        return p + 3;
      p += 4;
    }
  while (p < end && !stop[*p])
    p++;

  return p;
}

/* Parses up to the end of the next record. Returns 1 with self->row filled,
 * 0 at the end of the input, -1 on error. */
static int
parse_record (ObCsvReader   *self,
              GCancellable  *cancellable,
              GError       **error)
{
  const guint8 *unquoted_stop = self->unquoted_stop;
  const guint8 *quoted_stop = self->quoted_stop;
  const guchar delim = (guchar) self->delimiter;
  const guchar *p = self->text_pos;
  const guchar *end = self->text_end;

  for (;;)
    {
      const guchar *run;
      guchar c;

      if (G_UNLIKELY (p == end))
        {
          GError *local_error = NULL;
          int r;

          self->text_pos = p;
          r = fill_text (self, cancellable, &local_error);
          if (r < 0)
            return handle_failure (self, local_error, self->line, error);
          if (r == 0)
            return finish_at_eof (self, error);
          p = self->text_pos;
          end = self->text_end;
        }

      switch (self->state)
        {
        case STATE_RECORD_START:
          c = *p;
          if (c == '\n' && self->prev_cr)
            {
              /* the LF of a CRLF that ended the last record */
              p++;
              self->prev_cr = FALSE;
              break;
            }
          self->prev_cr = FALSE;
          if (c == '\n' || c == '\r')
            {
              p++;
              note_line_end (self, c);
              break;
            }
          self->row.len = 0;
          self->row.n_fields = 0;
          self->row.line_number = self->line;
          self->field_start = 0;
          self->discard = FALSE;
          self->state = STATE_FIELD_START;
          break;

        case STATE_FIELD_START:
          c = *p;
          self->field_line = self->line;
          if (c == '"')
            {
              p++;
              self->state = STATE_QUOTED;
            }
          else if (c == delim)
            {
              p++;
              row_end_field (self);
            }
          else if (c == '\r' || c == '\n')
            {
              p++;
              row_end_field (self);
              note_line_end (self, c);
              goto record_done;
            }
          else
            {
              self->state = STATE_UNQUOTED;
            }
          break;

        case STATE_UNQUOTED:
          run = p;
          p = scan_until (p, end, unquoted_stop);
          if (p > run)
            row_append (self, run, p - run);
          if (p == end)
            break;
          c = *p++;
          if (c == delim)
            {
              row_end_field (self);
              self->state = STATE_FIELD_START;
            }
          else if (c == '\r' || c == '\n')
            {
              row_end_field (self);
              note_line_end (self, c);
              goto record_done;
            }
          else
            {
              note_nul (self);
            }
          break;

        case STATE_QUOTED:
          run = p;
          p = scan_until (p, end, quoted_stop);
          if (p > run)
            {
              row_append (self, run, p - run);
              self->prev_cr = FALSE;
            }
          if (p == end)
            break;
          c = *p++;
          if (c == '"')
            {
              self->prev_cr = FALSE;
              self->state = STATE_QUOTED_QUOTE;
            }
          else if (c == '\r' || c == '\n')
            {
              row_append (self, &c, 1);
              note_line_end (self, c);
            }
          else
            {
              self->prev_cr = FALSE;
              note_nul (self);
            }
          break;

        case STATE_QUOTED_QUOTE:
          c = *p;
          if (c == '"')
            {
              p++;
              row_append (self, &c, 1);
              self->state = STATE_QUOTED;
            }
          else if (c == delim)
            {
              p++;
              row_end_field (self);
              self->state = STATE_FIELD_START;
            }
          else if (c == '\r' || c == '\n')
            {
              p++;
              row_end_field (self);
              note_line_end (self, c);
              goto record_done;
            }
          else
            {
              /* "abc"def: keep going unquoted, as Excel does */
              self->state = STATE_UNQUOTED;
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }

record_done:
  self->text_pos = p;
  return finish_record (self, error);
}

/* ---------------------------------------------------------------------------
 * Public API
 */

static inline void
enter_call (ObCsvReader *self)
{
#ifdef G_ENABLE_DEBUG
  gboolean was_idle = g_atomic_int_compare_and_exchange (&self->busy, 0, 1);

  /* Two threads inside one reader: a caller bug, see the top of the file */
  g_assert (was_idle);
#else
  (void) self;
#endif
}

static inline void
leave_call (ObCsvReader *self)
{
#ifdef G_ENABLE_DEBUG
  g_atomic_int_set (&self->busy, 0);
#else
  (void) self;
#endif
}

static void
ob_csv_reader_finalize (GObject *object)
{
  ObCsvReader *self = (ObCsvReader *) object;

  g_clear_object (&self->stream);
  if (self->iconv != (GIConv) -1)
    g_iconv_close (self->iconv);
  g_clear_pointer (&self->raw, g_free);
  g_clear_pointer (&self->text_buf, g_free);
  g_clear_pointer (&self->row.data, g_free);
  g_clear_pointer (&self->row.ends, g_free);
  g_clear_pointer (&self->encoding, g_free);
  g_clear_pointer (&self->forced_encoding, g_free);
  g_clear_error (&self->skip_error);
  g_clear_error (&self->fatal_error);

  G_OBJECT_CLASS (ob_csv_reader_parent_class)->finalize (object);
}

static void
ob_csv_reader_class_init (ObCsvReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_csv_reader_finalize;
}

static void
ob_csv_reader_init (ObCsvReader *self)
{
  self->iconv = (GIConv) -1;
  self->max_field_size = OB_CSV_DEFAULT_MAX_FIELD_SIZE;
  self->max_row_size = OB_CSV_DEFAULT_MAX_ROW_SIZE;
  self->chunk_size = OB_CSV_DEFAULT_CHUNK_SIZE;
  self->state = STATE_RECORD_START;
  self->line = 1;
}

/**
 * ob_csv_reader_new_for_stream:
 * @stream: the input, read from its current position; never seeked
 *
 * Returns: (transfer full): a new reader, taking a reference on @stream
 */
ObCsvReader *
ob_csv_reader_new_for_stream (GInputStream *stream)
{
  ObCsvReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (OB_TYPE_CSV_READER, NULL);
  self->stream = g_object_ref (stream);

  return self;
}

/**
 * ob_csv_reader_new_for_bytes:
 * @bytes: the whole input, in memory
 *
 * Returns: (transfer full): a new reader, taking a reference on @bytes
 */
ObCsvReader *
ob_csv_reader_new_for_bytes (GBytes *bytes)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  stream = g_memory_input_stream_new_from_bytes (bytes);

  return ob_csv_reader_new_for_stream (stream);
}

/**
 * ob_csv_reader_new_for_file:
 *
 * Opens @file (blocking). Fails with %OB_CSV_ERROR_IO, its message naming
 * the file and the reason.
 *
 * Returns: (transfer full): a new reader, or %NULL with @error set
 */
ObCsvReader *
ob_csv_reader_new_for_file (GFile         *file,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stream = g_file_read (file, cancellable, &local_error);
  if (stream == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_IO,
                     _("Could not open “%s”: %s"), name, local_error->message);
      return NULL;
    }

  return ob_csv_reader_new_for_stream (G_INPUT_STREAM (stream));
}

ObCsvReader *
ob_csv_reader_new_for_path (const char    *path,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr(GFile) file = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);

  return ob_csv_reader_new_for_file (file, cancellable, error);
}

/**
 * ob_csv_reader_set_encoding:
 * @encoding: (nullable): an iconv name ("windows-1250", "ISO-8859-2",
 *   "UTF-16LE"...), or %NULL to detect it
 *
 * A UTF-8 byte order mark is still dropped when @encoding is UTF-8.
 *
 * Returns: %FALSE with %OB_CSV_ERROR_UNSUPPORTED_ENCODING if iconv does not
 *   know @encoding; the setting is then unchanged
 */
gboolean
ob_csv_reader_set_encoding (ObCsvReader  *self,
                            const char   *encoding,
                            GError      **error)
{
  g_return_val_if_fail (OB_IS_CSV_READER (self), FALSE);
  g_return_val_if_fail (!self->prepared, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* "" would make iconv use the locale's charset: never what is meant */
  if (encoding != NULL && (*encoding == '\0' || !is_utf8_name (encoding)))
    {
      GIConv cd = *encoding == '\0' ? (GIConv) -1 : g_iconv_open ("UTF-8", encoding);

      if (cd == (GIConv) -1)
        {
          g_set_error (error, OB_CSV_ERROR, OB_CSV_ERROR_UNSUPPORTED_ENCODING,
                       _("The encoding “%s” is not supported"), encoding);
          return FALSE;
        }
      g_iconv_close (cd);
    }

  g_free (self->forced_encoding);
  self->forced_encoding = g_strdup (encoding);

  return TRUE;
}

/**
 * ob_csv_reader_set_delimiter:
 * @delimiter: an ASCII character other than a quote, CR or LF; or 0 to sniff it
 */
void
ob_csv_reader_set_delimiter (ObCsvReader *self,
                             char         delimiter)
{
  g_return_if_fail (OB_IS_CSV_READER (self));
  g_return_if_fail (!self->prepared);
  g_return_if_fail ((guchar) delimiter < 0x80);
  g_return_if_fail (delimiter != '"' && delimiter != '\r' && delimiter != '\n');

  self->forced_delimiter = delimiter;
}

/**
 * ob_csv_reader_set_max_field_size:
 * @max_field_size: the longest field accepted, in bytes of UTF-8 (default
 *   %OB_CSV_DEFAULT_MAX_FIELD_SIZE)
 */
void
ob_csv_reader_set_max_field_size (ObCsvReader *self,
                                  gsize        max_field_size)
{
  g_return_if_fail (OB_IS_CSV_READER (self));
  g_return_if_fail (max_field_size > 0);

  self->max_field_size = MIN (max_field_size, MAX_SIZE_LIMIT);
}

/**
 * ob_csv_reader_set_max_row_size:
 * @max_row_size: the largest record accepted: the bytes of its fields plus
 *   one per field (default %OB_CSV_DEFAULT_MAX_ROW_SIZE). This bounds the
 *   reader's memory.
 */
void
ob_csv_reader_set_max_row_size (ObCsvReader *self,
                                gsize        max_row_size)
{
  g_return_if_fail (OB_IS_CSV_READER (self));
  g_return_if_fail (max_row_size > 0);

  self->max_row_size = MIN (max_row_size, MAX_SIZE_LIMIT);
}

/**
 * ob_csv_reader_set_chunk_size:
 * @chunk_size: how many bytes to read from the stream at a time, and to parse
 *   at a time (default %OB_CSV_DEFAULT_CHUNK_SIZE). Detection still looks at
 *   the first 64 KiB. Tiny sizes are for tests of chunk boundaries.
 */
void
ob_csv_reader_set_chunk_size (ObCsvReader *self,
                              gsize        chunk_size)
{
  g_return_if_fail (OB_IS_CSV_READER (self));
  g_return_if_fail (!self->prepared && self->raw == NULL);
  g_return_if_fail (chunk_size > 0 && chunk_size <= MAX_CHUNK_SIZE);

  self->chunk_size = chunk_size;
}

/**
 * ob_csv_reader_detect:
 *
 * Reads the first 64 KiB and detects the encoding and the delimiter (those
 * not set), so that a UI can show them before reading rows. The first
 * ob_csv_reader_next_row() does it anyway; calling this again does nothing.
 *
 * Returns: %FALSE on an I/O error, or if cancelled
 */
gboolean
ob_csv_reader_detect (ObCsvReader   *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GError *local_error = NULL;
  gboolean ret = TRUE;

  g_return_val_if_fail (OB_IS_CSV_READER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  enter_call (self);

  if (self->fatal_error != NULL)
    {
      self->error_line = self->fatal_line;
      g_propagate_error (error, g_error_copy (self->fatal_error));
      ret = FALSE;
    }
  else if (!prepare (self, cancellable, &local_error))
    {
      handle_failure (self, local_error, self->line, error);
      ret = FALSE;
    }

  leave_call (self);

  return ret;
}

/**
 * ob_csv_reader_get_encoding:
 *
 * Returns: (nullable): the encoding set, or detected ("UTF-8", "UTF-16LE",
 *   "UTF-16BE", "windows-1250", "windows-1252", "ISO-8859-2"); %NULL before
 *   detection when none was set. A file whose first 64 KiB are ASCII reports
 *   "UTF-8" until its first other byte, where this may change.
 */
const char *
ob_csv_reader_get_encoding (ObCsvReader *self)
{
  g_return_val_if_fail (OB_IS_CSV_READER (self), NULL);

  return self->encoding != NULL ? self->encoding : self->forced_encoding;
}

/**
 * ob_csv_reader_get_delimiter:
 *
 * Returns: the delimiter set or detected; 0 before detection if none was set
 */
char
ob_csv_reader_get_delimiter (ObCsvReader *self)
{
  g_return_val_if_fail (OB_IS_CSV_READER (self), 0);

  return self->prepared ? self->delimiter : self->forced_delimiter;
}

/**
 * ob_csv_reader_next_row:
 * @out_row: (out) (transfer none): the record, valid until the next call
 *
 * Reads the next record. The first one is normally the header.
 *
 * Returns: %TRUE with a record; %FALSE at the end of the input with @error
 *   unset, or with @error set: see #ObCsvError for what may follow
 */
gboolean
ob_csv_reader_next_row (ObCsvReader     *self,
                        const ObCsvRow **out_row,
                        GCancellable    *cancellable,
                        GError         **error)
{
  GError *local_error = NULL;
  int r;

  g_return_val_if_fail (OB_IS_CSV_READER (self), FALSE);
  g_return_val_if_fail (out_row != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_row = NULL;

  enter_call (self);

  if (self->fatal_error != NULL)
    {
      self->error_line = self->fatal_line;
      g_propagate_error (error, g_error_copy (self->fatal_error));
      r = -1;
    }
  else if (!prepare (self, cancellable, &local_error))
    {
      r = handle_failure (self, local_error, self->line, error);
    }
  else
    {
      r = parse_record (self, cancellable, error);
    }

  leave_call (self);

  if (r <= 0)
    return FALSE;

  *out_row = &self->row;
  return TRUE;
}

/**
 * ob_csv_reader_read_header:
 * @out_fields: (out) (transfer full): the fields of the next record, normally
 *   the first: the header
 *
 * Returns: as ob_csv_reader_next_row(); %FALSE without error for an empty file
 */
gboolean
ob_csv_reader_read_header (ObCsvReader   *self,
                           char        ***out_fields,
                           GCancellable  *cancellable,
                           GError       **error)
{
  const ObCsvRow *row;

  g_return_val_if_fail (out_fields != NULL, FALSE);

  *out_fields = NULL;
  if (!ob_csv_reader_next_row (self, &row, cancellable, error))
    return FALSE;

  *out_fields = ob_csv_row_dup_fields (row);
  return TRUE;
}

/**
 * ob_csv_reader_get_bytes_consumed:
 *
 * For a progress bar: how many bytes of the input the records returned so
 * far come from. Exact for UTF-8; with a converted encoding it may run up to
 * one chunk ahead.
 */
guint64
ob_csv_reader_get_bytes_consumed (ObCsvReader *self)
{
  guint64 pending;

  g_return_val_if_fail (OB_IS_CSV_READER (self), 0);

  if (self->raw == NULL)
    return 0;

  if (self->decode == DECODE_ICONV)
    pending = self->raw_len - self->raw_start;
  else
    pending = self->raw_len - (gsize) (self->text_pos - self->raw);

  return self->stream_offset - pending;
}

/**
 * ob_csv_reader_get_error_line:
 *
 * Returns: the 1-based line of the problem the last failing call reported
 *   (as in its message), 0 if there was none
 */
guint64
ob_csv_reader_get_error_line (ObCsvReader *self)
{
  g_return_val_if_fail (OB_IS_CSV_READER (self), 0);

  return self->error_line;
}
