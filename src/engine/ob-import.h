/* ob-import.h: importing prospects from a CSV file
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OB_IMPORT_ERROR (ob_import_error_quark ())

/**
 * ObImportError:
 * @OB_IMPORT_ERROR_FILE: the file cannot be read, or is not CSV the reader
 *   can finish (an unterminated quote, bytes invalid in its encoding); the
 *   message names the line
 * @OB_IMPORT_ERROR_EMPTY: the file has no header row
 * @OB_IMPORT_ERROR_MAPPING: no column holds email addresses, or a mapping
 *   names a column the file does not have
 * @OB_IMPORT_ERROR_CAMPAIGN: there is no campaign of that name
 * @OB_IMPORT_ERROR_STORE: the store failed (busy, full, damaged)
 *
 * Whatever the error, the store is left exactly as it was. Cancellation is
 * %G_IO_ERROR_CANCELLED, with the same guarantee.
 */
typedef enum
{
  OB_IMPORT_ERROR_FILE,
  OB_IMPORT_ERROR_EMPTY,
  OB_IMPORT_ERROR_MAPPING,
  OB_IMPORT_ERROR_CAMPAIGN,
  OB_IMPORT_ERROR_STORE,
} ObImportError;

/* What a column of the file becomes. */
typedef enum
{
  OB_IMPORT_FIELD_IGNORE,
  OB_IMPORT_FIELD_EMAIL,
  OB_IMPORT_FIELD_FIRST_NAME,
  OB_IMPORT_FIELD_LAST_NAME,
  OB_IMPORT_FIELD_FULL_NAME,   /* split into first and last when those are empty */
  OB_IMPORT_FIELD_COMPANY,
  OB_IMPORT_FIELD_TITLE,
  OB_IMPORT_FIELD_TIMEZONE,
  OB_IMPORT_FIELD_TAGS,        /* a comma-separated list of tags */
  OB_IMPORT_FIELD_CUSTOM,      /* a custom field, usable as a merge field */
} ObImportField;

/**
 * ObImportColumn:
 * @header: the column's name in the file's header row
 * @field: what it becomes
 * @custom_key: for %OB_IMPORT_FIELD_CUSTOM, the field's name in
 *   prospects.fields: the header as a merge-field name ("LinkedIn URL" gives
 *   "linkedin_url"), unique in the mapping; %NULL otherwise
 */
typedef struct
{
  char          *header;
  ObImportField  field;
  char          *custom_key;
} ObImportColumn;

/* Why a row of the file was not imported. The names of
 * ob_import_skip_to_string() are part of the CLI's JSON output. */
typedef enum
{
  OB_IMPORT_SKIP_MISSING_EMAIL,
  OB_IMPORT_SKIP_INVALID_EMAIL,
  OB_IMPORT_SKIP_DUPLICATE_IN_FILE,
  OB_IMPORT_SKIP_DO_NOT_CONTACT,
  OB_IMPORT_SKIP_ALREADY_REPLIED,
  OB_IMPORT_SKIP_ALREADY_BOUNCED,
  OB_IMPORT_SKIP_ALREADY_OPTED_OUT,
  OB_IMPORT_SKIP_ACTIVE_IN_OTHER_CAMPAIGN,
  OB_IMPORT_SKIP_BAD_ROW,
  OB_IMPORT_N_SKIPS,
} ObImportSkip;

/**
 * ObImportSkippedRow:
 * @line: the 1-based line of the file where the row starts
 * @detail: the address as written, or for a bad row the reader's message
 */
typedef struct
{
  guint64       line;
  ObImportSkip  reason;
  char         *detail;
} ObImportSkippedRow;

/* At most this many skipped rows are listed; the counts are always exact. */
#define OB_IMPORT_MAX_SKIPPED_ROWS 100000

/**
 * ObImportReport:
 * @rows: data rows read (the header is not one); each ends up in exactly one
 *   of imported, updated, unchanged and skipped
 * @imported: new prospects
 * @updated: prospects already in the store that got a field filled, a tag
 *   or an enrollment
 * @unchanged: prospects already in the store that the row added nothing to
 * @timezones_ignored: values of the time zone column that are not IANA zone
 *   names; those prospects were imported with no time zone
 * @search_indexed: the prospects the import added are searchable (%TRUE
 *   when it added none)
 * @import_usec, @index_usec: how long the import and the search indexing took
 */
typedef struct
{
  char        *path;
  char        *encoding;
  char         delimiter;
  GPtrArray   *mapping;                   /* of ObImportColumn */
  char        *campaign;
  GStrv        tags;
  gboolean     dry_run;

  guint64      rows;
  guint64      imported;
  guint64      updated;
  guint64      unchanged;
  guint64      skipped;
  guint64      skipped_by_reason[OB_IMPORT_N_SKIPS];
  guint64      timezones_ignored;
  GArray      *skipped_rows;              /* of ObImportSkippedRow, by line */
  gboolean     skipped_rows_truncated;

  gboolean     search_indexed;
  gint64       import_usec;
  gint64       index_usec;
} ObImportReport;

typedef enum
{
  OB_IMPORT_PHASE_READING,     /* reading and writing rows */
  OB_IMPORT_PHASE_FINISHING,   /* building indexes, committing */
  OB_IMPORT_PHASE_INDEXING,    /* adding the new prospects to the search index */
} ObImportPhase;

typedef struct
{
  ObImportPhase phase;
  guint64       bytes_read;
  guint64       bytes_total;
  guint64       rows;
  guint64       index_done;
  guint64       index_total;
} ObImportProgress;

typedef void (*ObImportProgressFunc) (const ObImportProgress *progress,
                                      gpointer                user_data);

/**
 * ObImportPreview:
 * @rows: (element-type GStrv): the first rows after the header, as read
 * @mapping: (element-type ObImportColumn): the automatic mapping
 */
typedef struct
{
  char       *encoding;
  char        delimiter;
  GStrv       header;
  GPtrArray  *rows;
  GPtrArray  *mapping;
  guint64     file_size;
} ObImportPreview;

GQuark           ob_import_error_quark          (void);

/* Mapping */
const char      *ob_import_field_to_string      (ObImportField           field);
gboolean         ob_import_field_parse          (const char             *text,
                                                 ObImportField          *out_field,
                                                 char                  **out_custom_key,
                                                 GError                **error);
ObImportField    ob_import_guess_field          (const char             *header);
char            *ob_import_header_to_field_name (const char             *header);
GPtrArray       *ob_import_guess_mapping        (const char * const     *header);
gboolean         ob_import_mapping_set          (GPtrArray              *mapping,
                                                 const char             *column,
                                                 const char             *field,
                                                 GError                **error);
ObImportColumn  *ob_import_column_copy          (const ObImportColumn   *column);
void             ob_import_column_free          (ObImportColumn         *column);

/* Preview, for the UI before importing */
ObImportPreview *ob_import_preview              (const char             *path,
                                                 const char             *encoding,
                                                 char                    delimiter,
                                                 guint                   max_rows,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
void             ob_import_preview_free         (ObImportPreview        *preview);

/* Report */
const char      *ob_import_skip_to_string       (ObImportSkip            reason);
const char      *ob_import_skip_describe        (ObImportSkip            reason);
char            *ob_import_report_to_csv        (const ObImportReport   *report);
char            *ob_import_report_to_json       (const ObImportReport   *report);
void             ob_import_report_free          (ObImportReport         *report);

/* The import */
#define OB_TYPE_IMPORT (ob_import_get_type ())
G_DECLARE_FINAL_TYPE (ObImport, ob_import, OB, IMPORT, GObject)

ObImport        *ob_import_new                  (const char             *db_path,
                                                 const char             *csv_path);
gboolean         ob_import_set_encoding         (ObImport               *self,
                                                 const char             *encoding,
                                                 GError                **error);
void             ob_import_set_delimiter        (ObImport               *self,
                                                 char                    delimiter);
void             ob_import_set_mapping          (ObImport               *self,
                                                 GPtrArray              *mapping);
gboolean         ob_import_map_column           (ObImport               *self,
                                                 const char             *column,
                                                 const char             *field,
                                                 GError                **error);
void             ob_import_add_tag              (ObImport               *self,
                                                 const char             *tag);
void             ob_import_set_campaign         (ObImport               *self,
                                                 const char             *campaign);
void             ob_import_set_dry_run          (ObImport               *self,
                                                 gboolean                dry_run);
void             ob_import_set_index_for_search (ObImport               *self,
                                                 gboolean                index);
void             ob_import_set_progress_func    (ObImport               *self,
                                                 ObImportProgressFunc    func,
                                                 gpointer                user_data,
                                                 GDestroyNotify          destroy);

ObImportReport  *ob_import_run                  (ObImport               *self,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
void             ob_import_run_async            (ObImport               *self,
                                                 GCancellable           *cancellable,
                                                 GAsyncReadyCallback     callback,
                                                 gpointer                user_data);
ObImportReport  *ob_import_run_finish           (ObImport               *self,
                                                 GAsyncResult           *result,
                                                 GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObImportColumn, ob_import_column_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObImportPreview, ob_import_preview_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObImportReport, ob_import_report_free)

G_END_DECLS
