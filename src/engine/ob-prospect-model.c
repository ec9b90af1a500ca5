/* ob-prospect-model.c: a GListModel of prospects that pages from the store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Holds only the ids of the rows the query selects (8 bytes each: 8 MB for a
 * million) and builds a row object when a view asks for it, with one indexed
 * SELECT on the engine's main-thread connection, keeping a small cache.
 * The ids are queried on a worker thread with its own connection, so typing
 * in a search box never waits for sqlite; a newer query cancels an older one.
 *
 * Threads: main thread only (the engine's context).
 *
 * A new model is empty until ob_prospect_model_set_query() or _reload().
 */

#define G_LOG_DOMAIN "ob-prospect-model"

#include "config.h"

#include "ob-prospect-model.h"

/* Enough for every row a view keeps alive (GTK 4.8 keeps ~200) plus scrolling. */
#define CACHE_LIMIT 1024

struct _ObProspectModel
{
  GObject          parent_instance;

  ObEngine        *engine;
  ObProspectQuery *query;
  GArray          *ids;
  GHashTable      *cache;
  GCancellable    *loading;
  gboolean         first_batch_shown;
};

enum {
  PROP_0,
  PROP_N_ITEMS,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObProspectModel, ob_prospect_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
ob_prospect_model_get_item_type (GListModel *model)
{
  return OB_TYPE_PROSPECT;
}

static guint
ob_prospect_model_get_n_items (GListModel *model)
{
  return OB_PROSPECT_MODEL (model)->ids->len;
}

static gpointer
ob_prospect_model_get_item (GListModel *model,
                            guint       position)
{
  ObProspectModel *self = OB_PROSPECT_MODEL (model);
  g_autoptr(GError) error = NULL;
  ObProspect *prospect;
  gint64 id;

  if (position >= self->ids->len)
    return NULL;

  id = g_array_index (self->ids, gint64, position);
  prospect = g_hash_table_lookup (self->cache, &id);
  if (prospect != NULL)
    return g_object_ref (prospect);

  prospect = ob_prospect_load (ob_engine_get_store (self->engine), id, &error);
  if (prospect == NULL)
    {
      /* Deleted since the ids were read: an empty row until the reload the
       * deletion triggers arrives. */
      prospect = ob_prospect_new ();
      g_debug ("Row %u: %s", position, error->message);
      return prospect;
    }

  if (g_hash_table_size (self->cache) >= CACHE_LIMIT)
    g_hash_table_remove_all (self->cache);
  g_hash_table_insert (self->cache, g_memdup2 (&id, sizeof id), g_object_ref (prospect));

  return prospect;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = ob_prospect_model_get_item_type;
  iface->get_n_items = ob_prospect_model_get_n_items;
  iface->get_item = ob_prospect_model_get_item;
}

/* A view shows its first screen from this many rows while the rest load. */
#define FIRST_BATCH 256

typedef struct
{
  char            *db_path;
  ObProspectQuery *query;
  GMainContext    *context;
  ObProspectModel *model;   /* touched on the model's thread only */
  GCancellable    *cancellable;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->db_path);
  ob_prospect_query_free (data->query);
  g_main_context_unref (data->context);
  g_object_unref (data->model);
  g_object_unref (data->cancellable);
  g_free (data);
}

typedef struct
{
  ObProspectModel *model;
  GCancellable    *cancellable;
  GArray          *ids;
} FirstBatch;

static void
first_batch_free (FirstBatch *batch)
{
  g_object_unref (batch->model);
  g_object_unref (batch->cancellable);
  g_array_unref (batch->ids);
  g_free (batch);
}

static void replace_ids (ObProspectModel *self,
                         GArray          *ids,
                         gboolean         extends_shown);

/* On the model's thread: show the first rows unless a newer query started. */
static gboolean
show_first_batch (gpointer user_data)
{
  FirstBatch *batch = user_data;

  if (batch->model->loading == batch->cancellable &&
      !g_cancellable_is_cancelled (batch->cancellable))
    {
      replace_ids (batch->model, g_array_ref (batch->ids), FALSE);
      batch->model->first_batch_shown = TRUE;
    }

  return G_SOURCE_REMOVE;
}

/* On the worker thread. */
static void
post_first_batch (const gint64 *ids,
                  guint         n_ids,
                  gpointer      user_data)
{
  QueryData *data = user_data;
  FirstBatch *batch = g_new0 (FirstBatch, 1);
  GSource *source;

  batch->model = g_object_ref (data->model);
  batch->cancellable = g_object_ref (data->cancellable);
  batch->ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_ids);
  g_array_append_vals (batch->ids, ids, n_ids);

  /* An idle source, not g_main_context_invoke(): that would run the callback
   * right here, on this thread, whenever the main context is not busy. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, show_first_batch, batch, (GDestroyNotify) first_batch_free);
  g_source_set_static_name (source, "[outbound] first rows");
  g_source_attach (source, data->context);
  g_source_unref (source);
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueryData *data = task_data;
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;
  GArray *ids;

  store = ob_store_open_for_thread (data->db_path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  ids = ob_prospects_query_ids_full (store, data->query, FIRST_BATCH, post_first_batch, data,
                                     cancellable, &error);
  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

static void
query_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ObProspectModel *self = OB_PROSPECT_MODEL (source);
  g_autoptr(GError) error = NULL;
  GArray *ids;

  ids = g_task_propagate_pointer (G_TASK (result), &error);
  if (ids == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Could not list prospects: %s", error->message);
          g_clear_object (&self->loading);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
        }
      return;
    }

  g_clear_object (&self->loading);
  replace_ids (self, ids, self->first_batch_shown);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Every row is announced as changed, since any of them may have been
 * edited, except when the full result extends the first batch of the same
 * query: then only the new rows are, and the view keeps scroll and selection. */
static void
replace_ids (ObProspectModel *self,
             GArray          *ids,
             gboolean         extends_shown)
{
  guint old_len = self->ids->len;
  guint same = extends_shown ? MIN (old_len, ids->len) : 0;

  g_array_unref (self->ids);
  self->ids = ids;
  if (same == 0)
    g_hash_table_remove_all (self->cache);

  g_list_model_items_changed (G_LIST_MODEL (self), same, old_len - same, ids->len - same);
  if (old_len != ids->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
ob_prospect_model_reload (ObProspectModel *self)
{
  g_autoptr(GTask) task = NULL;
  QueryData *data;
  gboolean was_loading;

  g_return_if_fail (OB_IS_PROSPECT_MODEL (self));

  was_loading = self->loading != NULL;
  if (was_loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  self->first_batch_shown = FALSE;

  data = g_new0 (QueryData, 1);
  data->db_path = g_strdup (ob_engine_get_db_path (self->engine));
  data->query = ob_prospect_query_copy (self->query);
  data->context = g_main_context_ref_thread_default ();
  data->model = g_object_ref (self);
  data->cancellable = g_object_ref (self->loading);

  task = g_task_new (self, self->loading, query_done_cb, NULL);
  g_task_set_source_tag (task, ob_prospect_model_reload);
  g_task_set_task_data (task, data, (GDestroyNotify) query_data_free);
  g_task_run_in_thread (task, query_thread);

  if (!was_loading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
on_store_changed (ObProspectModel *self,
                  const char      *table,
                  ObEngine        *engine)
{
  ob_prospect_model_reload (self);
}

static void
ob_prospect_model_dispose (GObject *object)
{
  ObProspectModel *self = OB_PROSPECT_MODEL (object);

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (ob_prospect_model_parent_class)->dispose (object);
}

static void
ob_prospect_model_finalize (GObject *object)
{
  ObProspectModel *self = OB_PROSPECT_MODEL (object);

  g_array_unref (self->ids);
  g_hash_table_unref (self->cache);
  ob_prospect_query_free (self->query);

  G_OBJECT_CLASS (ob_prospect_model_parent_class)->finalize (object);
}

static void
ob_prospect_model_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ObProspectModel *self = OB_PROSPECT_MODEL (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->ids->len);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, self->loading != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_prospect_model_class_init (ObProspectModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_prospect_model_dispose;
  object_class->finalize = ob_prospect_model_finalize;
  object_class->get_property = ob_prospect_model_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_prospect_model_init (ObProspectModel *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->query = g_new0 (ObProspectQuery, 1);
}

ObProspectModel *
ob_prospect_model_new (ObEngine *engine)
{
  ObProspectModel *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);

  self = g_object_new (OB_TYPE_PROSPECT_MODEL, NULL);
  self->engine = g_object_ref (engine);
  g_signal_connect_object (engine, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);

  return self;
}

const ObProspectQuery *
ob_prospect_model_get_query (ObProspectModel *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT_MODEL (self), NULL);

  return self->query;
}

void
ob_prospect_model_set_query (ObProspectModel       *self,
                             const ObProspectQuery *query)
{
  g_return_if_fail (OB_IS_PROSPECT_MODEL (self));
  g_return_if_fail (query != NULL);

  ob_prospect_query_free (self->query);
  self->query = ob_prospect_query_copy (query);
  ob_prospect_model_reload (self);
}

gboolean
ob_prospect_model_get_loading (ObProspectModel *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT_MODEL (self), FALSE);

  return self->loading != NULL;
}

gint64
ob_prospect_model_get_id (ObProspectModel *self,
                          guint            position)
{
  g_return_val_if_fail (OB_IS_PROSPECT_MODEL (self), 0);
  g_return_val_if_fail (position < self->ids->len, 0);

  return g_array_index (self->ids, gint64, position);
}

/* Drops a cached row so that the next get_item() reads it again (after an edit). */
void
ob_prospect_model_forget (ObProspectModel *self,
                          gint64           id)
{
  g_return_if_fail (OB_IS_PROSPECT_MODEL (self));

  g_hash_table_remove (self->cache, &id);
}

/**
 * ob_prospect_model_hide:
 * @ids: (element-type gint64): rows to take out of the list
 *
 * Takes rows out of the list without touching the store (a delete waiting
 * for its Undo toast). They come back with the next reload, unless deleted.
 * Costs one pass over the ids, never a row load.
 */
void
ob_prospect_model_hide (ObProspectModel *self,
                        GHashTable      *ids)
{
  g_autoptr(GArray) removed_at = g_array_new (FALSE, FALSE, sizeof (guint));
  guint old_len, out = 0;

  g_return_if_fail (OB_IS_PROSPECT_MODEL (self));

  /* One pass, compacting in place; remember where rows went. */
  old_len = self->ids->len;
  for (guint i = 0; i < old_len; i++)
    {
      gint64 id = g_array_index (self->ids, gint64, i);

      if (g_hash_table_contains (ids, &id))
        {
          g_array_append_val (removed_at, out);
          g_hash_table_remove (self->cache, &id);
        }
      else
        g_array_index (self->ids, gint64, out++) = id;
    }
  if (removed_at->len == 0)
    return;
  g_array_set_size (self->ids, out);

  /* A few rows: announce each at the position it has by then, so the view
   * keeps its place; many: one change for the whole list. */
  if (removed_at->len <= 64)
    for (guint i = 0; i < removed_at->len; i++)
      g_list_model_items_changed (G_LIST_MODEL (self), g_array_index (removed_at, guint, i), 1, 0);
  else
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, out);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}
