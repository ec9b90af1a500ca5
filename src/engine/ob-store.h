/* ob-store.h: the sqlite store, its schema and migrations
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define OB_STORE_ERROR (ob_store_error_quark ())

typedef enum
{
  OB_STORE_ERROR_OPEN,         /* cannot open or create the file (permissions, missing folder) */
  OB_STORE_ERROR_CORRUPT,      /* the file is damaged or not a database at all */
  OB_STORE_ERROR_NOT_OUTBOUND, /* a valid sqlite database, but someone else's */
  OB_STORE_ERROR_TOO_NEW,      /* written by a newer Outbound: refused, left untouched */
  OB_STORE_ERROR_MIGRATION,    /* a migration failed; the file stays at its old version */
  OB_STORE_ERROR_BUSY,         /* another process holds a lock longer than the busy timeout */
  OB_STORE_ERROR_QUERY,        /* any other sqlite failure */
} ObStoreError;

/* Figures of the whole store, for `outbound-cli status` and the UI's first look. */
typedef struct
{
  gint64 accounts;
  gint64 prospects;
  gint64 prospects_active;
  gint64 prospects_replied;
  gint64 prospects_bounced;
  gint64 prospects_opted_out;
  gint64 do_not_contact;
  gint64 campaigns;
  gint64 campaigns_draft;
  gint64 campaigns_running;
  gint64 campaigns_paused;
  gint64 campaigns_finished;
  gint64 enrollments;
  gint64 enrollments_active;
  gint64 sends_sent;
  gint64 sends_queued;    /* 'sending' or 'retry' */
  gint64 sends_uncertain;
  gint64 sends_failed;
  gint64 events;
} ObStoreCounts;

/* Whether each kind of thing exists at all: decides empty states, in
 * microseconds, before the counts (which take a while over a million rows). */
typedef struct
{
  gboolean accounts;
  gboolean prospects;
  gboolean campaigns;
} ObStorePresence;

#define OB_TYPE_STORE (ob_store_get_type ())
G_DECLARE_FINAL_TYPE (ObStore, ob_store, OB, STORE, GObject)

GQuark      ob_store_error_quark          (void);

char       *ob_store_default_path         (void);
int         ob_store_latest_version       (void);

ObStore    *ob_store_open                 (const char     *path,
                                           GError        **error);
ObStore    *ob_store_open_for_thread     (const char     *path,
                                           GError        **error);
ObStore    *ob_store_open_at_version      (const char     *path,
                                           int             version,
                                           GError        **error);

const char *ob_store_get_path             (ObStore        *self);
int         ob_store_get_version          (ObStore        *self);
sqlite3    *ob_store_get_db               (ObStore        *self);

gboolean    ob_store_exec                 (ObStore        *self,
                                           const char     *sql,
                                           GError        **error);
sqlite3_stmt *ob_store_prepare            (ObStore        *self,
                                           const char     *sql,
                                           GError        **error);

/* A statement kept prepared on its store: released (reset), never finalized. */
typedef sqlite3_stmt ObStoreStmt;

ObStoreStmt *ob_store_prepare_cached      (ObStore        *self,
                                           const char     *sql,
                                           GError        **error);
void        ob_store_stmt_release         (ObStoreStmt    *stmt);
gboolean    ob_store_begin                (ObStore        *self,
                                           GError        **error);
gboolean    ob_store_commit               (ObStore        *self,
                                           GError        **error);
void        ob_store_rollback             (ObStore        *self);
gboolean    ob_store_set_lazy_durability  (ObStore        *self,
                                           gboolean        lazy,
                                           GError        **error);
gboolean    ob_store_sync_wal             (const char     *path,
                                           GError        **error);

gboolean    ob_store_get_counts           (ObStore        *self,
                                           ObStoreCounts  *counts,
                                           GError        **error);

gboolean    ob_store_get_presence         (ObStore         *self,
                                           ObStorePresence *presence,
                                           GError         **error);
void        ob_store_presence_from_counts (const ObStoreCounts *counts,
                                           ObStorePresence     *presence);

/* sqlite3_step() of a write (or a read of one row): TRUE on DONE or ROW,
 * else FALSE with an OB_STORE_ERROR naming @what. */
gboolean    ob_store_step                 (ObStore        *self,
                                           sqlite3_stmt   *stmt,
                                           const char     *what,
                                           GError        **error);
void        ob_store_set_error_from_db    (ObStore        *self,
                                           int             rc,
                                           GError        **error,
                                           const char     *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStoreStmt, ob_store_stmt_release)

G_END_DECLS
