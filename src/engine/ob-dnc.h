/* ob-dnc.h: the do-not-contact list (addresses and whole domains)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

#define OB_DNC_ERROR (ob_dnc_error_quark ())

typedef enum
{
  OB_DNC_ERROR_INVALID,        /* neither an address nor "@domain" */
} ObDncError;

typedef enum
{
  OB_DNC_KIND_EMAIL,
  OB_DNC_KIND_DOMAIN,
} ObDncKind;

/**
 * ObDncEntry:
 * @value: the address key (lower case, ASCII domain) or the domain (ASCII)
 * @display: how to show it: the address, or "@domain" with an
 *   internationalised domain in Unicode
 * @n_prospects: active prospects this entry stops
 */
typedef struct
{
  gint64     id;
  ObDncKind  kind;
  char      *value;
  char      *display;
  char      *reason;
  gint64     created_at;
  gint64     n_prospects;
} ObDncEntry;

/* What ob_dnc_import_csv() did: lines are 1-based lines of the file. */
typedef struct
{
  guint64  added;
  guint64  already_listed;
  guint64  invalid;
  GArray  *invalid_lines;      /* guint64 */
} ObDncImportResult;

/* The whole list in memory, for checking many addresses (an import). */
typedef struct _ObDncSet ObDncSet;

GQuark      ob_dnc_error_quark        (void);
const char *ob_dnc_kind_to_string     (ObDncKind           kind);

gboolean    ob_dnc_parse              (const char         *text,
                                       ObDncKind          *out_kind,
                                       char              **out_value,
                                       GError            **error);

gboolean    ob_dnc_add                (ObStore            *store,
                                       const char         *text,
                                       const char         *reason,
                                       gboolean           *out_added,
                                       GError            **error);
gboolean    ob_dnc_remove             (ObStore            *store,
                                       const char         *text,
                                       gboolean           *out_removed,
                                       GError            **error);
GPtrArray  *ob_dnc_list               (ObStore            *store,
                                       GError            **error);
gint64      ob_dnc_count_stopped      (ObStore            *store,
                                       ObDncKind           kind,
                                       const char         *value,
                                       GError            **error);
gboolean    ob_dnc_matches            (ObStore            *store,
                                       const char         *email_key,
                                       const char         *domain,
                                       GError            **error);
gboolean    ob_dnc_import_csv         (ObStore            *store,
                                       const char         *path,
                                       const char         *reason,
                                       GCancellable       *cancellable,
                                       ObDncImportResult  *result,
                                       GError            **error);
void        ob_dnc_import_result_clear (ObDncImportResult *result);

ObDncSet   *ob_dnc_set_load           (ObStore            *store,
                                       GError            **error);
gboolean    ob_dnc_set_matches        (ObDncSet           *set,
                                       const char         *email_key,
                                       const char         *domain);
guint       ob_dnc_set_get_size       (ObDncSet           *set);
void        ob_dnc_set_free           (ObDncSet           *set);

void        ob_dnc_entry_free         (ObDncEntry         *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObDncEntry, ob_dnc_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObDncSet, ob_dnc_set_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ObDncImportResult, ob_dnc_import_result_clear)

G_END_DECLS
