/* ob-prospects.h: prospects: search index, list queries, load, save, delete
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

typedef void (*ObProgressFunc) (guint64  done,
                                guint64  total,
                                gpointer user_data);

typedef enum
{
  OB_PROSPECT_SORT_ADDED,
  OB_PROSPECT_SORT_EMAIL,
  OB_PROSPECT_SORT_NAME,
  OB_PROSPECT_SORT_COMPANY,
  OB_PROSPECT_SORT_STATUS,
} ObProspectSort;

/* Which prospects a list shows, and in which order. */
typedef struct
{
  char           *search;       /* substring of email, name, company or title; NULL = all */
  char           *status;       /* 'active', 'replied', ...; NULL = any */
  gint64          campaign_id;  /* enrolled in this campaign; 0 = any */
  gint64          tag_id;       /* has this tag; 0 = any */
  ObProspectSort  sort;
  gboolean        descending;
} ObProspectQuery;

ObProspectQuery *ob_prospect_query_copy (const ObProspectQuery *query);
void             ob_prospect_query_free (ObProspectQuery       *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObProspectQuery, ob_prospect_query_free)

#define OB_TYPE_PROSPECT (ob_prospect_get_type ())
G_DECLARE_FINAL_TYPE (ObProspect, ob_prospect, OB, PROSPECT, GObject)

ObProspect *ob_prospect_new            (void);
ObProspect *ob_prospect_load           (ObStore     *store,
                                        gint64       id,
                                        GError     **error);
gint64      ob_prospect_get_id         (ObProspect  *self);
const char *ob_prospect_get_email      (ObProspect  *self);
const char *ob_prospect_get_first_name (ObProspect  *self);
const char *ob_prospect_get_last_name  (ObProspect  *self);
char       *ob_prospect_dup_full_name  (ObProspect  *self);
const char *ob_prospect_get_company    (ObProspect  *self);
const char *ob_prospect_get_title      (ObProspect  *self);
const char *ob_prospect_get_timezone   (ObProspect  *self);
const char *ob_prospect_get_status     (ObProspect  *self);
const char *ob_prospect_get_tags       (ObProspect  *self);
GStrv       ob_prospect_dup_field_names (ObProspect *self);
const char *ob_prospect_get_field      (ObProspect  *self,
                                        const char  *name);
void        ob_prospect_set_field      (ObProspect  *self,
                                        const char  *name,
                                        const char  *value);

gboolean    ob_prospect_save           (ObProspect  *self,
                                        ObStore     *store,
                                        GError     **error);

const char *ob_prospect_status_to_string (const char *status);

/* Search index. */
gboolean    ob_prospects_index_pending (ObStore        *store,
                                        GCancellable   *cancellable,
                                        ObProgressFunc  progress,
                                        gpointer        user_data,
                                        GError        **error);
gint64      ob_prospects_count_unindexed (ObStore      *store,
                                          GError      **error);

/* The search index is contentless: before a prospect's searchable columns
 * change, this statement takes the text it was indexed with out (?1 is its
 * id), and the second one puts the new text in after. Both leave rows the
 * index does not hold yet alone. For callers that keep them prepared. */
extern const char * const ob_prospects_unindex_sql;
extern const char * const ob_prospects_reindex_sql;

/* Lists. */
GArray     *ob_prospects_query_ids     (ObStore               *store,
                                        const ObProspectQuery *query,
                                        GCancellable          *cancellable,
                                        GError               **error);
/* Called once with the first ids found, before the query ends. */
typedef void (*ObIdsFunc) (const gint64 *ids,
                           guint         n_ids,
                           gpointer      user_data);

GArray     *ob_prospects_query_ids_full (ObStore               *store,
                                         const ObProspectQuery *query,
                                         guint                  first_batch,
                                         ObIdsFunc              first_batch_func,
                                         gpointer               user_data,
                                         GCancellable          *cancellable,
                                         GError               **error);
gboolean    ob_prospects_delete        (ObStore      *store,
                                        const gint64 *ids,
                                        guint         n_ids,
                                        GError      **error);

/* What ob_prospects_enroll() did with each prospect it was given. */
typedef struct
{
  guint enrolled;
  guint already_enrolled;
  guint active_elsewhere;    /* refused: in another campaign's running sequence */
  guint not_active;          /* refused: replied, bounced or opted out */
  guint do_not_contact;      /* refused: on the do-not-contact list */
} ObEnrollResult;

gboolean    ob_prospects_enroll        (ObStore        *store,
                                        gint64          campaign_id,
                                        const gint64   *ids,
                                        guint           n_ids,
                                        gboolean        override_other_campaigns,
                                        ObEnrollResult *result,
                                        GError        **error);

G_END_DECLS
