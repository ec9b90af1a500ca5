/* ob-csv.h: a streaming CSV reader for prospect lists (Excel, Sheets, CRMs)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: a reader has no locking. Create it anywhere, then use it from one
 * thread at a time (normally an import worker: reading blocks on I/O).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OB_CSV_ERROR (ob_csv_error_quark ())

/**
 * ObCsvError:
 * @OB_CSV_ERROR_IO: the input could not be opened or read. Fatal.
 * @OB_CSV_ERROR_UNSUPPORTED_ENCODING: the encoding name is unknown to iconv.
 * @OB_CSV_ERROR_ENCODING: bytes that are not valid in the file's encoding, or
 *   a character cut off by the end of the file. Fatal: offer another encoding.
 * @OB_CSV_ERROR_UNTERMINATED_QUOTE: a quoted field is still open at the end
 *   of the file; the line is the one where the quote opened. Fatal.
 * @OB_CSV_ERROR_FIELD_TOO_LONG: a field is over the field size limit; the line
 *   is where the field starts. Recoverable: that record was skipped.
 * @OB_CSV_ERROR_ROW_TOO_LONG: a record is over the row size limit.
 *   Recoverable: that record was skipped.
 * @OB_CSV_ERROR_NUL_BYTE: a NUL character in a record; the line is the one
 *   holding it. Recoverable: that record was skipped.
 *
 * Every message starts with the 1-based line number of the problem; the same
 * number is available from ob_csv_reader_get_error_line().
 * Cancellation is reported as %G_IO_ERROR_CANCELLED, as everywhere in GIO;
 * it is not fatal: calling again with a fresh cancellable continues.
 */
typedef enum
{
  OB_CSV_ERROR_IO,
  OB_CSV_ERROR_UNSUPPORTED_ENCODING,
  OB_CSV_ERROR_ENCODING,
  OB_CSV_ERROR_UNTERMINATED_QUOTE,
  OB_CSV_ERROR_FIELD_TOO_LONG,
  OB_CSV_ERROR_ROW_TOO_LONG,
  OB_CSV_ERROR_NUL_BYTE,
} ObCsvError;

#define OB_CSV_DEFAULT_MAX_FIELD_SIZE (1024 * 1024)
#define OB_CSV_DEFAULT_MAX_ROW_SIZE   (16 * 1024 * 1024)
#define OB_CSV_DEFAULT_CHUNK_SIZE     (64 * 1024)

GQuark       ob_csv_error_quark               (void);
gboolean     ob_csv_error_is_recoverable      (const GError  *error);

/* A record as returned by ob_csv_reader_next_row(): owned by the reader,
 * valid until the next call on it. Fields are NUL-terminated valid UTF-8,
 * never trimmed; a record may have any number of fields (>= 1): comparing it
 * with the header is the importer's job. */
typedef struct _ObCsvRow ObCsvRow;

guint        ob_csv_row_get_n_fields          (const ObCsvRow *row);
const char  *ob_csv_row_get_field             (const ObCsvRow *row,
                                               guint           index,
                                               gsize          *out_len);
guint64      ob_csv_row_get_line_number       (const ObCsvRow *row);
char       **ob_csv_row_dup_fields            (const ObCsvRow *row);

#define OB_TYPE_CSV_READER (ob_csv_reader_get_type ())

G_DECLARE_FINAL_TYPE (ObCsvReader, ob_csv_reader, OB, CSV_READER, GObject)

ObCsvReader *ob_csv_reader_new_for_stream     (GInputStream  *stream);
ObCsvReader *ob_csv_reader_new_for_bytes      (GBytes        *bytes);
ObCsvReader *ob_csv_reader_new_for_file       (GFile         *file,
                                               GCancellable  *cancellable,
                                               GError       **error);
ObCsvReader *ob_csv_reader_new_for_path       (const char    *path,
                                               GCancellable  *cancellable,
                                               GError       **error);

/* Settings: only before the first row is read (or detection ran). */
gboolean     ob_csv_reader_set_encoding       (ObCsvReader   *self,
                                               const char    *encoding,
                                               GError       **error);
void         ob_csv_reader_set_delimiter      (ObCsvReader   *self,
                                               char           delimiter);
void         ob_csv_reader_set_max_field_size (ObCsvReader   *self,
                                               gsize          max_field_size);
void         ob_csv_reader_set_max_row_size   (ObCsvReader   *self,
                                               gsize          max_row_size);
void         ob_csv_reader_set_chunk_size     (ObCsvReader   *self,
                                               gsize          chunk_size);

gboolean     ob_csv_reader_detect             (ObCsvReader   *self,
                                               GCancellable  *cancellable,
                                               GError       **error);
const char  *ob_csv_reader_get_encoding       (ObCsvReader   *self);
char         ob_csv_reader_get_delimiter      (ObCsvReader   *self);

gboolean     ob_csv_reader_next_row           (ObCsvReader   *self,
                                               const ObCsvRow **out_row,
                                               GCancellable  *cancellable,
                                               GError       **error);
gboolean     ob_csv_reader_read_header        (ObCsvReader   *self,
                                               char        ***out_fields,
                                               GCancellable  *cancellable,
                                               GError       **error);

guint64      ob_csv_reader_get_bytes_consumed (ObCsvReader   *self);
guint64      ob_csv_reader_get_error_line     (ObCsvReader   *self);

G_END_DECLS
