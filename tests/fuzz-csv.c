/* fuzz-csv.c: libFuzzer target for the streaming CSV reader
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 picks the reader's settings (so tiny chunks, small limits and
 * forced encodings get explored too), the rest is the file. Every row is read
 * until the end or a fatal error, and what the API promises is checked:
 * fields are NUL-terminated valid UTF-8 of the length given, line numbers
 * never go back, each call makes progress, errors carry their line, and a
 * clean end has consumed every byte.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I src/engine \
 *     $(pkg-config --cflags gio-2.0) src/engine/ob-csv.c tests/fuzz-csv.c \
 *     $(pkg-config --libs gio-2.0) -o fuzz-csv
 *   ./fuzz-csv -max_total_time=60 NEW_CORPUS_DIR tests/data/csv
 */

#include <stdint.h>
#include <string.h>

#include "ob-csv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const gsize chunk_sizes[] = { OB_CSV_DEFAULT_CHUNK_SIZE, 1, 7, 4096 };
  static const char *encodings[] = { NULL, NULL, "windows-1250", "UTF-16BE" };
  static const char delimiters[] = { 0, 0, ';', '\t' };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ObCsvReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  guint64 last_line = 0;
  gsize calls = 0;
  guint8 options;

  /* Anything the reader logs is a bug: make it crash */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (size == 0)
    return 0;
  options = data[0];
  data++;
  size--;

  bytes = g_bytes_new_static (data, size);
  reader = ob_csv_reader_new_for_bytes (bytes);
  ob_csv_reader_set_chunk_size (reader, chunk_sizes[options & 3]);
  if (options & 4)
    ob_csv_reader_set_max_field_size (reader, 64);
  if (options & 8)
    ob_csv_reader_set_max_row_size (reader, 256);
  if (encodings[(options >> 4) & 3] != NULL)
    g_assert_true (ob_csv_reader_set_encoding (reader, encodings[(options >> 4) & 3], NULL));
  ob_csv_reader_set_delimiter (reader, delimiters[(options >> 6) & 3]);

  for (;;)
    {
      const ObCsvRow *row = NULL;

      /* Each row or error uses up at least one byte */
      g_assert_cmpuint (calls++, <=, size + 1);

      if (ob_csv_reader_next_row (reader, &row, NULL, &error))
        {
          guint64 line = ob_csv_row_get_line_number (row);

          g_assert_cmpuint (line, >, last_line);
          last_line = line;
          g_assert_cmpuint (ob_csv_row_get_n_fields (row), >=, 1);

          for (guint i = 0; i < ob_csv_row_get_n_fields (row); i++)
            {
              gsize len;
              const char *field = ob_csv_row_get_field (row, i, &len);

              g_assert_cmpuint (strlen (field), ==, len);
              g_assert_true (g_utf8_validate (field, len, NULL));
            }
          continue;
        }

      g_assert_null (row);
      if (error == NULL)
        {
          /* A clean end: every byte was read and parsed */
          g_assert_cmpuint (ob_csv_reader_get_bytes_consumed (reader), ==, size);
          break;
        }

      g_assert_true (error->domain == OB_CSV_ERROR);
      g_assert_true (g_str_has_prefix (error->message, "Line "));
      g_assert_cmpuint (ob_csv_reader_get_error_line (reader), >=, 1);
      if (!ob_csv_error_is_recoverable (error))
        break;
      g_clear_error (&error);
    }

  return 0;
}
