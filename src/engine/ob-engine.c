/* ob-engine.c: the facade the UI and the CLI use
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: an ObEngine lives on the thread that created it (the main thread
 * in the app) and emits its signals there. Worker threads own their own
 * ObStore connections and reach the engine only through sources attached to
 * the engine's context (never g_main_context_invoke(), which runs the
 * callback on the calling thread when the context is idle).
 */

#define G_LOG_DOMAIN "ob-engine"

#include "config.h"

#include "ob-engine.h"
#include "ob-prospects.h"

struct _ObEngine
{
  GObject       parent_instance;

  GMainContext *context;
  ObStore      *store;
  GCancellable *indexing;
  gboolean      index_again;
};

enum {
  PROP_0,
  PROP_DB_PATH,
  PROP_STORE,
  PROP_INDEXING,
  N_PROPS
};

enum {
  STORE_CHANGED,
  SEARCH_INDEX_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ObEngine, ob_engine, G_TYPE_OBJECT)

static void
ob_engine_dispose (GObject *object)
{
  ObEngine *self = OB_ENGINE (object);

  if (self->indexing != NULL)
    g_cancellable_cancel (self->indexing);
  g_clear_object (&self->indexing);
  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (ob_engine_parent_class)->dispose (object);
}

static void
ob_engine_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObEngine *self = OB_ENGINE (object);

  switch (prop_id)
    {
    case PROP_DB_PATH:
      g_value_set_string (value, ob_engine_get_db_path (self));
      break;

    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_INDEXING:
      g_value_set_boolean (value, self->indexing != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_engine_class_init (ObEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_engine_dispose;
  object_class->get_property = ob_engine_get_property;

  properties[PROP_DB_PATH] =
    g_param_spec_string ("db-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OB_TYPE_STORE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INDEXING] =
    g_param_spec_boolean ("indexing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObEngine::search-index-progress:
   * @done: rows indexed so far in this pass
   * @total: rows this pass indexes
   *
   * Emitted on the engine's context while new prospects are being added to
   * the search index (after an import); search works meanwhile, slower.
   */
  signals[SEARCH_INDEX_PROGRESS] =
    g_signal_new ("search-index-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_UINT64);

  /**
   * ObEngine::store-changed:
   * @table: the table whose rows changed
   *
   * Emitted on the engine's main context after the store changed, whoever
   * changed it, so that views refresh without polling.
   */
  signals[STORE_CHANGED] =
    g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ob_engine_init (ObEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/**
 * ob_engine_new:
 * @db_path: (nullable): the store to open; %NULL for the default one in the
 *   user's data folder
 *
 * Opens (and if needed creates or migrates) the store. Fails without touching
 * the file when it is damaged, someone else's, or from a newer Outbound.
 */
ObEngine *
ob_engine_new (const char  *db_path,
               GError     **error)
{
  g_autoptr(ObEngine) self = g_object_new (OB_TYPE_ENGINE, NULL);
  g_autofree char *default_path = NULL;

  if (db_path == NULL)
    db_path = default_path = ob_store_default_path ();

  self->store = ob_store_open (db_path, error);
  if (self->store == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

static void
prepare_store_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;

  /* Migrations can take a while on a big store: run them on this thread with
   * its own connection, then let the caller's thread open it again. */
  store = ob_store_open (task_data, &error);
  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * ob_engine_new_async:
 *
 * Like ob_engine_new(), but opens and migrates the store on a worker thread so
 * the caller's main loop keeps running. Finish on the calling thread.
 */
void
ob_engine_new_async (const char          *db_path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, ob_engine_new_async);
  g_task_set_task_data (task,
                        db_path != NULL ? g_strdup (db_path) : ob_store_default_path (),
                        g_free);
  g_task_run_in_thread (task, prepare_store_thread);
}

ObEngine *
ob_engine_new_finish (GAsyncResult  *result,
                      GError       **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (task) == ob_engine_new_async, NULL);

  if (!g_task_propagate_boolean (task, error))
    return NULL;

  /* Already at the latest version: this is only an open. */
  return ob_engine_new (g_task_get_task_data (task), error);
}

const char *
ob_engine_get_db_path (ObEngine *self)
{
  g_return_val_if_fail (OB_IS_ENGINE (self), NULL);

  return self->store != NULL ? ob_store_get_path (self->store) : NULL;
}

/**
 * ob_engine_get_store:
 *
 * Returns: (transfer none): the main thread's connection, for short indexed reads
 */
ObStore *
ob_engine_get_store (ObEngine *self)
{
  g_return_val_if_fail (OB_IS_ENGINE (self), NULL);

  return self->store;
}

static void
get_counts_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(ObStore) store = NULL;
  g_autofree ObStoreCounts *counts = g_new0 (ObStoreCounts, 1);
  GError *error = NULL;

  /* A connection of this thread's own: sqlite connections are per thread. */
  store = ob_store_open_for_thread (task_data, &error);
  if (store == NULL || !ob_store_get_counts (store, counts, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&counts), g_free);
}

/**
 * ob_engine_get_counts_async:
 *
 * Counts what the store holds on a worker thread: over a million rows this
 * takes a noticeable fraction of a second, which the main loop must not wait.
 */
void
ob_engine_get_counts_async (ObEngine            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_engine_get_counts_async);
  g_task_set_task_data (task, g_strdup (ob_engine_get_db_path (self)), g_free);
  g_task_run_in_thread (task, get_counts_thread);
}

gboolean
ob_engine_get_counts_finish (ObEngine       *self,
                             GAsyncResult   *result,
                             ObStoreCounts  *counts,
                             GError        **error)
{
  g_autofree ObStoreCounts *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;

  *counts = *found;
  return TRUE;
}

typedef struct
{
  ObEngine *engine;
  guint64   done;
  guint64   total;
} IndexProgress;

static gboolean
emit_index_progress (gpointer user_data)
{
  IndexProgress *progress = user_data;

  if (progress->engine->indexing != NULL)
    g_signal_emit (progress->engine, signals[SEARCH_INDEX_PROGRESS], 0,
                   progress->done, progress->total);
  return G_SOURCE_REMOVE;
}

static void
index_progress_free (IndexProgress *progress)
{
  g_object_unref (progress->engine);
  g_free (progress);
}

/* On the indexing thread: hand the figures to the engine's context. */
static void
report_index_progress (guint64  done,
                       guint64  total,
                       gpointer user_data)
{
  GTask *task = user_data;
  IndexProgress *progress = g_new0 (IndexProgress, 1);
  GSource *source = g_idle_source_new ();

  progress->engine = g_object_ref (g_task_get_source_object (task));
  progress->done = done;
  progress->total = total;
  g_source_set_callback (source, emit_index_progress, progress,
                         (GDestroyNotify) index_progress_free);
  g_source_set_static_name (source, "[outbound] search index progress");
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static void
index_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;
  gint64 pending;

  store = ob_store_open (task_data, &error);
  if (store == NULL ||
      (pending = ob_prospects_count_unindexed (store, &error)) < 0 ||
      (pending > 0 &&
       !ob_prospects_index_pending (store, cancellable, report_index_progress, task, &error)))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, pending);
}

static void
index_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ObEngine *self = OB_ENGINE (source);
  g_autoptr(GError) error = NULL;
  gssize indexed;

  indexed = g_task_propagate_int (G_TASK (result), &error);
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not index prospects for search: %s", error->message);
    }

  g_clear_object (&self->indexing);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXING]);
  /* Searches that scanned the unindexed rows now use the index. */
  if (indexed > 0)
    ob_engine_notify_store_changed (self, "prospects");

  if (self->index_again)
    ob_engine_update_search_index (self);
}

/**
 * ob_engine_update_search_index:
 *
 * Adds prospects the search index does not hold yet (after an import, or a
 * store left half-indexed when the app closed), on a worker thread, in
 * batches; "search-index-progress" reports, "store-changed" follows.
 */
void
ob_engine_update_search_index (ObEngine *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_ENGINE (self));

  if (self->indexing != NULL)
    {
      self->index_again = TRUE;
      return;
    }

  self->index_again = FALSE;
  self->indexing = g_cancellable_new ();
  task = g_task_new (self, self->indexing, index_done_cb, NULL);
  g_task_set_source_tag (task, ob_engine_update_search_index);
  g_task_set_task_data (task, g_strdup (ob_engine_get_db_path (self)), g_free);
  g_task_run_in_thread (task, index_thread);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INDEXING]);
}

gboolean
ob_engine_get_indexing (ObEngine *self)
{
  g_return_val_if_fail (OB_IS_ENGINE (self), FALSE);

  return self->indexing != NULL;
}

void
ob_engine_notify_store_changed (ObEngine   *self,
                                const char *table)
{
  g_return_if_fail (OB_IS_ENGINE (self));
  g_return_if_fail (table != NULL);

  g_signal_emit (self, signals[STORE_CHANGED], g_quark_from_string (table), table);
}
