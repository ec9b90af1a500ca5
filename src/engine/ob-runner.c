/* ob-runner.c: the worker threads that send (and watch): one set per engine
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: main thread only (the engine's). Watchers (one per account with
 * an IMAP side) report through "watch-event"; what they record wakes the
 * senders like any other change. Senders report here through
 * their events; this object re-emits them as the "event" signal and tells
 * the engine's listeners that sends changed. Changes to the store made
 * elsewhere (a campaign started, prospects enrolled, a reply recorded) wake
 * every sender, so they act on them at once instead of at their next
 * planned time. Accounts added or removed start or stop their sender.
 * When an account uses a GNOME Online Account, GOA's own changes (an
 * account removed, restored, signed in again) wake the senders too, so an
 * account held for its Online Account sends again as soon as it is fixed.
 */

#define G_LOG_DOMAIN "ob-runner"

#include "config.h"

#include "ob-accounts.h"
#include "ob-goa.h"
#include "ob-outbox.h"
#include "ob-runner.h"
#include "ob-watcher.h"

struct _ObRunner
{
  GObject     parent_instance;

  ObEngine   *engine;
  GPtrArray  *senders;    /* ObSender */
  GHashTable *idle;       /* account id → TRUE when nothing is scheduled */
  GPtrArray  *watchers;   /* ObWatcher: one per account with an IMAP side */
  gulong      changed_id;
  ObGoaMonitor *goa_monitor; /* while an account uses GNOME Online Accounts */
  gboolean    running;
};

enum {
  EVENT,
  WATCH_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ObRunner, ob_runner, G_TYPE_OBJECT)

static void
on_sender_event (const ObSenderEvent *event,
                 gpointer             user_data)
{
  ObRunner *self = user_data;
  gint64 *key = g_new (gint64, 1);

  *key = event->account_id;
  g_hash_table_replace (self->idle, key,
                        GINT_TO_POINTER ((event->kind == OB_SENDER_WAITING && event->wake_at == 0)
                                         || event->kind == OB_SENDER_ACCOUNT_HELD));
  g_signal_emit (self, signals[EVENT], 0, event);
  if (event->kind != OB_SENDER_WAITING)
    ob_engine_notify_store_changed (self->engine, "sends");
}

/* ---- Watchers (ob-watcher.c) ---- */

static void
on_watcher_event (const ObWatcherEvent *event,
                  gpointer              user_data)
{
  ObRunner *self = user_data;

  g_signal_emit (self, signals[WATCH_EVENT], 0, event);
  /* A reply, bounce or opt-out was recorded: the senders look again now
   * (their claim re-checks the enrollment, so nothing goes after it). */
  if (event->kind <= OB_WATCHER_CAMPAIGN_PAUSED)
    ob_engine_notify_store_changed (self->engine, "enrollments");
}

static void
sync_watchers (ObRunner  *self,
               GPtrArray *accounts)
{
  for (guint i = self->watchers->len; i > 0; i--)
    {
      ObWatcher *watcher = g_ptr_array_index (self->watchers, i - 1);
      gboolean kept = FALSE;

      for (guint j = 0; j < accounts->len && !kept; j++)
        {
          ObAccount *account = g_ptr_array_index (accounts, j);

          kept = account->id == ob_watcher_get_account_id (watcher) && ob_account_has_imap (account);
        }
      if (!kept)
        {
          ob_watcher_stop (watcher);
          g_ptr_array_remove_index (self->watchers, i - 1);
        }
      else
        /* Settings may have changed: connect again with them. */
        ob_watcher_wake (watcher);
    }
  for (guint j = 0; j < accounts->len; j++)
    {
      ObAccount *account = g_ptr_array_index (accounts, j);
      ObWatcher *watcher;
      gboolean found = FALSE;

      for (guint i = 0; i < self->watchers->len && !found; i++)
        found = ob_watcher_get_account_id (g_ptr_array_index (self->watchers, i)) == account->id;
      if (found || !ob_account_has_imap (account))
        continue;
      watcher = ob_watcher_new (ob_engine_get_db_path (self->engine), account->id, NULL,
                                on_watcher_event, self, NULL);
      g_ptr_array_add (self->watchers, watcher);
      ob_watcher_start (watcher);
    }
}

static ObSender *
find_sender (ObRunner *self,
             gint64    account_id)
{
  for (guint i = 0; i < self->senders->len; i++)
    if (ob_sender_get_account_id (g_ptr_array_index (self->senders, i)) == account_id)
      return g_ptr_array_index (self->senders, i);
  return NULL;
}

static void
on_goa_changed (gpointer user_data)
{
  ObRunner *self = user_data;

  g_hash_table_remove_all (self->idle);
  for (guint i = 0; i < self->senders->len; i++)
    ob_sender_recheck_goa (g_ptr_array_index (self->senders, i));
  for (guint i = 0; i < self->watchers->len; i++)
    ob_watcher_wake (g_ptr_array_index (self->watchers, i));
}

static void
sync_goa_monitor (ObRunner  *self,
                  GPtrArray *accounts)
{
  gboolean wanted = FALSE;

  for (guint j = 0; j < accounts->len && !wanted; j++)
    wanted = ((ObAccount *) g_ptr_array_index (accounts, j))->goa_id != NULL;
  if (wanted && self->goa_monitor == NULL && ob_goa_is_supported ())
    self->goa_monitor = ob_goa_monitor_new (on_goa_changed, self);
  else if (!wanted)
    g_clear_pointer (&self->goa_monitor, ob_goa_monitor_free);
}

/* One sender per account in the store, no more, no less. */
static gboolean
sync_senders (ObRunner  *self,
              GError   **error)
{
  g_autoptr(GPtrArray) accounts = ob_accounts_list (ob_engine_get_store (self->engine), error);

  if (accounts == NULL)
    return FALSE;

  for (guint i = self->senders->len; i > 0; i--)
    {
      ObSender *sender = g_ptr_array_index (self->senders, i - 1);
      gboolean kept = FALSE;

      for (guint j = 0; j < accounts->len && !kept; j++)
        kept = ((ObAccount *) g_ptr_array_index (accounts, j))->id == ob_sender_get_account_id (sender);
      if (!kept)
        {
          gint64 id = ob_sender_get_account_id (sender);

          ob_sender_stop (sender);
          g_hash_table_remove (self->idle, &id);
          g_ptr_array_remove_index (self->senders, i - 1);
        }
    }

  for (guint j = 0; j < accounts->len; j++)
    {
      ObAccount *account = g_ptr_array_index (accounts, j);
      ObSender *sender;

      if (find_sender (self, account->id) != NULL)
        continue;
      sender = ob_sender_new (ob_engine_get_db_path (self->engine), account->id, NULL,
                              on_sender_event, self, NULL);
      g_ptr_array_add (self->senders, sender);
      ob_sender_start (sender);
    }
  sync_watchers (self, accounts);
  sync_goa_monitor (self, accounts);
  return TRUE;
}

static void
on_store_changed (ObRunner   *self,
                  const char *table)
{
  /* What the senders write themselves does not need to wake them. */
  if (g_strcmp0 (table, "sends") == 0 || g_strcmp0 (table, "events") == 0)
    return;
  if (g_strcmp0 (table, "accounts") == 0)
    {
      g_autoptr(GError) error = NULL;

      if (!sync_senders (self, &error))
        g_warning ("Cannot start the senders: %s", error->message);
    }
  g_hash_table_remove_all (self->idle);
  for (guint i = 0; i < self->senders->len; i++)
    ob_sender_wake (g_ptr_array_index (self->senders, i));
}

gboolean
ob_runner_start (ObRunner  *self,
                 GError   **error)
{
  gint64 uncertain;

  g_return_val_if_fail (OB_IS_RUNNER (self), FALSE);

  if (self->running)
    return TRUE;
  uncertain = ob_outbox_recover (ob_engine_get_store (self->engine), error);
  if (uncertain < 0)
    return FALSE;
  if (uncertain > 0)
    {
      g_message ("%" G_GINT64_FORMAT " message(s) were being sent when Outbound stopped: "
                 "marked uncertain for you to check", uncertain);
      ob_engine_notify_store_changed (self->engine, "sends");
    }
  if (!sync_senders (self, error))
    return FALSE;
  self->changed_id = g_signal_connect_object (self->engine, "store-changed",
                                              G_CALLBACK (on_store_changed), self, G_CONNECT_SWAPPED);
  self->running = TRUE;
  return TRUE;
}

void
ob_runner_stop (ObRunner *self)
{
  g_return_if_fail (OB_IS_RUNNER (self));

  for (guint i = 0; i < self->watchers->len; i++)
    ob_watcher_stop (g_ptr_array_index (self->watchers, i));
  g_ptr_array_set_size (self->watchers, 0);
  for (guint i = 0; i < self->senders->len; i++)
    ob_sender_stop (g_ptr_array_index (self->senders, i));
  g_ptr_array_set_size (self->senders, 0);
  g_hash_table_remove_all (self->idle);
  g_clear_pointer (&self->goa_monitor, ob_goa_monitor_free);
  g_clear_signal_handler (&self->changed_id, self->engine);
  self->running = FALSE;
}

gboolean
ob_runner_is_running (ObRunner *self)
{
  return self->running;
}

gboolean
ob_runner_is_idle (ObRunner *self)
{
  for (guint i = 0; i < self->senders->len; i++)
    {
      gint64 id = ob_sender_get_account_id (g_ptr_array_index (self->senders, i));

      if (!GPOINTER_TO_INT (g_hash_table_lookup (self->idle, &id)))
        return FALSE;
    }
  return TRUE;
}

guint
ob_runner_get_n_senders (ObRunner *self)
{
  return self->senders->len;
}

static void
ob_runner_dispose (GObject *object)
{
  ObRunner *self = OB_RUNNER (object);

  if (self->engine != NULL)
    ob_runner_stop (self);
  g_clear_object (&self->engine);
  G_OBJECT_CLASS (ob_runner_parent_class)->dispose (object);
}

static void
ob_runner_finalize (GObject *object)
{
  ObRunner *self = OB_RUNNER (object);

  g_ptr_array_unref (self->senders);
  g_ptr_array_unref (self->watchers);
  g_hash_table_unref (self->idle);
  G_OBJECT_CLASS (ob_runner_parent_class)->finalize (object);
}

static void
ob_runner_class_init (ObRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_runner_dispose;
  object_class->finalize = ob_runner_finalize;

  /**
   * ObRunner::event:
   * @event: (type gpointer): the ObSenderEvent, valid during the emission
   *
   * Something a sender did or is waiting for, on the main context.
   */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * ObRunner::watch-event:
   * @event: (type gpointer): the ObWatcherEvent, valid during the emission
   *
   * A reply, bounce, opt-out... a watcher recorded, or its connection's
   * state, on the main context.
   */
  signals[WATCH_EVENT] = g_signal_new ("watch-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
ob_runner_init (ObRunner *self)
{
  self->senders = g_ptr_array_new_with_free_func (g_object_unref);
  self->watchers = g_ptr_array_new_with_free_func (g_object_unref);
  self->idle = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

ObRunner *
ob_runner_new (ObEngine *engine)
{
  ObRunner *self = g_object_new (OB_TYPE_RUNNER, NULL);

  self->engine = g_object_ref (engine);
  return self;
}
