/* ob-sender.c: one worker thread per account that sends one message at a time
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_sender_new/start/wake/stop on the thread that owns @context
 * (the main thread in the app and the CLI). Everything else runs on the
 * sender's own thread with its own store connection; it reports through
 * events posted to @context, never by touching the caller's objects. Two
 * helpers of the sender's thread, started with its first overlapped
 * message and ended with it: the SMTP thread (one exchange at a time,
 * handed over and taken back through queues) and the sync thread (waits
 * for the disk, touches no store).
 * "before-send" is emitted on the sender's thread (tests only).
 *
 * The loop: ask the scheduler what is due for this account; wait (on a
 * condition another thread can signal at once) until it may go; make sure
 * the SMTP connection is open and authenticated (the password is read from
 * the keyring just before connecting, and wiped after); claim the step
 * durably ('sending'); look once more (a reply recorded since the claim
 * takes it back: ob_outbox_withdraw_if_stopped); hand it to the server;
 * record the outcome at once.
 * One connection serves consecutive messages (the SMTP layer resets
 * between them) and is closed when the next message is far off.
 *
 * When the next message is due at once (no pause between sends), it is
 * decided and claimed while the one before is still with the server: that
 * exchange runs on the sender's SMTP thread (the only one touching the
 * connection then; it keeps the server's reply for this thread), so
 * the claim's disk sync overlaps the server's work: the claim is committed
 * lazily and the sync thread waits for the disk (ob_store_sync_wal()),
 * while the SMTP thread waits for it in turn before MAIL FROM, so nothing
 * reaches the server before its claim is durable. The next one goes only
 * once the one before was accepted; if it was not, the next claim is
 * released (ob_outbox_release_claim(): it never reached the server) and
 * decided again, after the failure was recorded. A pause, a wait or any
 * error first waits for the message on the wire.
 */

#define G_LOG_DOMAIN "ob-sender"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-accounts.h"
#include "ob-campaign.h"
#include "ob-credentials.h"
#include "ob-goa.h"
#include "ob-imap.h"
#include "ob-oauth.h"
#include "ob-outbox.h"
#include "ob-schedule.h"
#include "ob-secrets.h"
#include "ob-sender.h"
#include "ob-smtp.h"

/* Close an idle connection when the next message is further off than this. */
#define IDLE_CLOSE_SECONDS   30
/* After a store error or an unexpected failure, look again after this. */
#define ERROR_BACKOFF_SECONDS 30
/* Retries of a 4xx: 1, 2, 4 ... minutes, at most 6 hours apart. */
#define RETRY_FIRST_SECONDS  60
#define RETRY_MAX_SECONDS    (6 * 3600)
/* The sender's sqlite page cache, in KiB. */
#define SENDER_CACHE_KIB     16384
/* A provider's rate limit holds the account this long when it says no more. */
#define RATE_LIMIT_SECONDS   3600
/* An account its GNOME Online Account held is checked again this often
 * (and at once when GOA says an account changed). */
#define GOA_RECHECK_SECONDS  60

struct _ObSender
{
  GObject            parent_instance;

  /* set at creation, read-only after */
  char              *db_path;
  gint64             account_id;
  GMainContext      *context;
  ObSenderEventFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;

  /* shared, under lock */
  GMutex             lock;
  GCond              cond;
  gboolean           wake;
  gboolean           quit;
  gboolean           goa_poke;    /* an Online Account changed */
  GCancellable      *cancellable;
  GThread           *thread;

  /* the worker's own */
  ObSmtpConnection  *smtp;
  ObImapSentCopy    *sent_copy;   /* its IMAP connection for Sent copies */
  gboolean           goa_held;    /* the account waits for its Online Account */
  gint64             goa_recheck_at;
  struct _InFlight  *in_flight;   /* the message on the wire, if any */
  GThread           *smtp_thread; /* started with the first message */
  GAsyncQueue       *smtp_jobs;   /* InFlight to send, or &stop_job */
  GAsyncQueue       *smtp_done;   /* InFlight answered */
  GThread           *sync_thread; /* started with the first lazy claim */
  GAsyncQueue       *sync_jobs;   /* WalSync to do, or &stop_sync */
};

G_DEFINE_FINAL_TYPE (ObSender, ob_sender, G_TYPE_OBJECT)

enum {
  BEFORE_SEND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
ob_sender_event_kind_to_string (ObSenderEventKind kind)
{
  static const char * const names[] = {
    [OB_SENDER_SENT] = "sent",
    [OB_SENDER_RETRY] = "retry",
    [OB_SENDER_BOUNCED] = "bounced",
    [OB_SENDER_FAILED] = "failed",
    [OB_SENDER_UNCERTAIN] = "uncertain",
    [OB_SENDER_HELD] = "held",
    [OB_SENDER_ACCOUNT_HELD] = "account-held",
    [OB_SENDER_CAMPAIGN_PAUSED] = "campaign-paused",
    [OB_SENDER_WAITING] = "waiting",
    [OB_SENDER_ERROR] = "error",
    [OB_SENDER_ACCOUNT_RESUMED] = "account-resumed",
    [OB_SENDER_WITHDRAWN] = "withdrawn",
  };

  return kind < G_N_ELEMENTS (names) ? names[kind] : "unknown";
}

/* ---- Events ---------------------------------------------------------------- */

typedef struct
{
  ObSender      *sender;
  ObSenderEvent  event;
} Posted;

static void
posted_free (Posted *posted)
{
  g_free (posted->event.email);
  g_free (posted->event.message_id);
  g_free (posted->event.detail);
  g_object_unref (posted->sender);
  g_free (posted);
}

static gboolean
deliver_event (gpointer data)
{
  Posted *posted = data;

  if (posted->sender->func != NULL)
    posted->sender->func (&posted->event, posted->sender->user_data);
  return G_SOURCE_REMOVE;
}

/* An idle source on the owner's context: g_main_context_invoke() would run
 * it right here when that context happens to be free. */
static void
post (ObSender          *self,
      ObSenderEventKind  kind,
      const ObOutboxSend *send,
      gint64             wake_at,
      const char        *detail)
{
  Posted *posted = g_new0 (Posted, 1);
  GSource *source = g_idle_source_new ();

  posted->sender = g_object_ref (self);
  posted->event.kind = kind;
  posted->event.account_id = self->account_id;
  posted->event.wake_at = wake_at;
  posted->event.detail = g_strdup (detail);
  if (send != NULL)
    {
      posted->event.campaign_id = send->campaign_id;
      posted->event.prospect_id = send->prospect_id;
      posted->event.send_id = send->send_id;
      posted->event.step = send->step;
      posted->event.email = g_strdup (send->to);
      posted->event.message_id = g_strdup (send->message_id);
    }
  g_source_set_callback (source, deliver_event, posted, (GDestroyNotify) posted_free);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- Waiting --------------------------------------------------------------- */

/* Sleeps until @until (Unix seconds; 0: until woken), a wake or quit.
 * Returns FALSE when the sender must quit. */
static gboolean
wait_until (ObSender *self,
            gint64    until)
{
  gboolean quit;

  g_mutex_lock (&self->lock);
  while (!self->wake && !self->quit)
    {
      gint64 now = g_get_real_time ();

      if (until > 0 && now >= until * G_USEC_PER_SEC)
        break;
      if (until > 0)
        /* Wall-clock target, monotonic wait: re-checked after each wake-up,
         * so a clock change costs at most one round. */
        g_cond_wait_until (&self->cond, &self->lock,
                           g_get_monotonic_time () + MIN (until * G_USEC_PER_SEC - now,
                                                          (gint64) 60 * G_USEC_PER_SEC));
      else
        g_cond_wait (&self->cond, &self->lock);
    }
  self->wake = FALSE;
  quit = self->quit;
  g_mutex_unlock (&self->lock);
  return !quit;
}

static gboolean
quitting (ObSender *self)
{
  gboolean quit;

  g_mutex_lock (&self->lock);
  quit = self->quit;
  g_mutex_unlock (&self->lock);
  return quit;
}

/* ---- The connection -------------------------------------------------------- */

static void
close_connection (ObSender *self)
{
  if (self->smtp != NULL)
    ob_smtp_connection_close (self->smtp);
  g_clear_object (&self->smtp);
}

/**
 * ob_sender_open_smtp:
 * @store: the calling thread's store
 * @account_id: the account
 * @cancellable: (nullable): ends a blocked connect
 * @error: an OB_TLS_ERROR, OB_SMTP_ERROR, OB_SECRETS_ERROR or OB_ACCOUNT_ERROR
 *
 * Connects and authenticates the way every message of the account goes:
 * its TLS settings, CA file and pins; the password read from the keyring
 * just now and wiped right after. Blocks.
 *
 * Returns: (transfer full) (nullable): the open connection
 */
ObSmtpConnection *
ob_sender_open_smtp (ObStore       *store,
                     gint64         account_id,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObSmtpConnection) smtp = NULL;
  ObTlsEndpoint endpoint = { 0 };
  ObTlsSecurity security = OB_TLS_SECURITY_TLS;

  account = ob_accounts_get (store, account_id, error);
  if (account == NULL)
    return NULL;
  if (account->goa_id != NULL && !ob_goa_follow (store, account, cancellable, error))
    return NULL;

  ob_tls_security_from_string (ob_security_to_string (account->smtp_security), &security);
  endpoint.host = account->smtp_host;
  endpoint.port = (guint16) account->smtp_port;
  endpoint.security = security;
  endpoint.ca_file = account->ca_file;
  endpoint.pins = (const char * const *) account->smtp_pins;
  endpoint.timeout_seconds = OB_TLS_DEFAULT_TIMEOUT;

  smtp = ob_smtp_connection_new ();
  if (!ob_smtp_connection_open (smtp, &endpoint, cancellable, error))
    return NULL;

  if (!ob_credentials_authenticate_smtp (smtp, account, cancellable, error))
    return NULL;
  return g_steal_pointer (&smtp);
}

static void record (ObSender *self,
                    gboolean  ok,
                    GError   *error);

/* TRUE for an account that is no GNOME Online Account, or whose Online
 * Account can serve mail now. */
static gboolean
goa_usable (ObSender  *self,
            ObStore   *store,
            GError   **error)
{
  g_autoptr(ObAccount) account = ob_accounts_get (store, self->account_id, error);

  if (account == NULL)
    return FALSE;
  return account->goa_id == NULL || ob_goa_follow (store, account, self->cancellable, error);
}

/* An account held for its Online Account: usable again, it sends again
 * (TRUE); still not, its reason is kept up to date and *@recheck_at says
 * when to look next. Only 'error' is lifted: a pause is the rep's. */
static gboolean
goa_resume (ObSender *self,
            ObStore  *store,
            gint64   *recheck_at)
{
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean poked;

  *recheck_at = 0;
  g_mutex_lock (&self->lock);
  poked = self->goa_poke;
  self->goa_poke = FALSE;
  g_mutex_unlock (&self->lock);
  if (!self->goa_held && !poked)
    return FALSE;

  account = ob_accounts_get (store, self->account_id, NULL);
  if (account == NULL || account->goa_id == NULL || account->state != OB_ACCOUNT_STATE_ERROR)
    {
      self->goa_held = FALSE;
      return FALSE;
    }
  if (!poked && now < self->goa_recheck_at)
    {
      *recheck_at = self->goa_recheck_at;
      return FALSE;
    }

  if (!ob_goa_follow (store, account, self->cancellable, &error))
    {
      self->goa_held = TRUE;
      self->goa_recheck_at = now + GOA_RECHECK_SECONDS;
      *recheck_at = self->goa_recheck_at;
      if (g_strcmp0 (account->state_reason, error->message) != 0 && !quitting (self))
        {
          g_autoptr(GError) hold_error = NULL;

          record (self, ob_outbox_hold_account (store, self->account_id, "error", error->message, 0,
                                                &hold_error), hold_error);
          post (self, OB_SENDER_ACCOUNT_HELD, NULL, 0, error->message);
        }
      return FALSE;
    }

  self->goa_held = FALSE;
  if (!ob_accounts_set_state (store, self->account_id, OB_ACCOUNT_STATE_OK, "", 0, &error))
    {
      record (self, FALSE, error);
      return FALSE;
    }
  post (self, OB_SENDER_ACCOUNT_RESUMED, NULL, 0, NULL);
  return TRUE;
}

/* Opens and authenticates when needed. On failure the account is held (the
 * rep must act) or, for a passing network problem, FALSE with a retry time. */
static gboolean
ensure_connection (ObSender  *self,
                   ObStore   *store,
                   gint64    *retry_at)
{
  g_autoptr(GError) error = NULL;
  const char *state = "error";
  gint64 until = 0;

  *retry_at = 0;
  if (self->smtp != NULL && ob_smtp_connection_is_open (self->smtp))
    {
      /* An Online Account removed, turned off or signed out meanwhile
       * stops the next message, not only the next connection. */
      if (goa_usable (self, store, &error))
        return TRUE;
      close_connection (self);
    }
  else
    {
      close_connection (self);
      self->smtp = ob_sender_open_smtp (store, self->account_id, self->cancellable, &error);
      if (self->smtp != NULL)
        return TRUE;
    }

  if (quitting (self))
    return FALSE;
  /* Only a passing network problem retries by itself; certificates,
   * passwords and a missing keyring wait for the rep (Geary does the same). */
  if ((error->domain == OB_TLS_ERROR && ob_tls_error_is_transient (error))
      || g_error_matches (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT)
      || g_error_matches (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK))
    {
      *retry_at = g_get_real_time () / G_USEC_PER_SEC + ERROR_BACKOFF_SECONDS;
      post (self, OB_SENDER_ERROR, NULL, *retry_at, error->message);
      return FALSE;
    }
  if (g_error_matches (error, OB_SMTP_ERROR, OB_SMTP_ERROR_RATE_LIMITED))
    {
      state = "throttled";
      until = g_get_real_time () / G_USEC_PER_SEC + RATE_LIMIT_SECONDS;
    }
  if (error->domain == OB_GOA_ERROR)
    {
      /* Fixed in Settings → Online Accounts: checked again by itself. */
      self->goa_held = TRUE;
      self->goa_recheck_at = g_get_real_time () / G_USEC_PER_SEC + GOA_RECHECK_SECONDS;
    }
  {
    g_autoptr(GError) hold_error = NULL;

    if (!ob_outbox_hold_account (store, self->account_id, state, error->message, until, &hold_error))
      g_warning ("Cannot hold account %" G_GINT64_FORMAT ": %s", self->account_id, hold_error->message);
  }
  post (self, OB_SENDER_ACCOUNT_HELD, NULL, until, error->message);
  return FALSE;
}

/**
 * ob_sender_send_test:
 * @db_path: the store
 * @campaign_id: the campaign
 * @step: the step, 1 for the first email
 * @prospect_id: whose values fill the merge fields
 * @cancellable: (nullable): ends it
 * @error: why it did not go
 *
 * "Send test to me": the step as @prospect_id would get it, to the
 * account's own address, through the same connection path as every
 * message, and recorded nowhere. Blocks: a worker thread.
 *
 * Returns: the account's address it went to, or %NULL
 */
char *
ob_sender_send_test (const char    *db_path,
                     gint64         campaign_id,
                     guint          step,
                     gint64         prospect_id,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObCampaignMessage) message = NULL;
  g_autoptr(ObSmtpConnection) smtp = NULL;
  ObStore *store = ob_store_open_for_thread (db_path, error);
  gsize length;
  const char *data;

  if (store == NULL)
    return NULL;
  campaign = ob_campaign_load (store, campaign_id, error);
  if (campaign == NULL)
    return NULL;
  account = campaign->account_id != 0 ? ob_accounts_get (store, campaign->account_id, error) : NULL;
  if (account == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                     _("The campaign has no sending account: choose one in its settings"));
      return NULL;
    }
  message = ob_campaign_build_message (store, campaign, step, prospect_id, account->email, NULL, NULL,
                                       error);
  if (message == NULL)
    return NULL;
  smtp = ob_sender_open_smtp (store, account->id, cancellable, error);
  if (smtp == NULL)
    return NULL;
  data = g_bytes_get_data (message->raw, &length);
  if (!ob_smtp_connection_send (smtp, account->email, account->email, data, length, cancellable, error))
    return NULL;
  ob_smtp_connection_close (smtp);
  return g_strdup (account->email);
}

/* ---- One message ----------------------------------------------------------- */

static gint64
retry_time (const ObOutboxSend *send,
            gint64              now)
{
  gint64 delay = RETRY_FIRST_SECONDS;

  for (guint i = 1; i < send->attempts && delay < RETRY_MAX_SECONDS; i++)
    delay *= 2;
  return now + MIN (delay, RETRY_MAX_SECONDS);
}

static void
record (ObSender   *self,
        gboolean    ok,
        GError     *error)
{
  if (!ok)
    {
      g_warning ("Cannot record a send: %s", error->message);
      post (self, OB_SENDER_ERROR, NULL, 0, error->message);
    }
}

/* A lazily committed claim on its way to the disk: the sync thread does
 * it, the SMTP thread waits for it before MAIL FROM. */
typedef struct
{
  gatomicrefcount  ref;
  GMutex           lock;
  GCond            cond;
  gboolean         done;
  GError          *error;
} WalSync;

static WalSync *
wal_sync_ref (WalSync *sync)
{
  g_atomic_ref_count_inc (&sync->ref);
  return sync;
}

static void
wal_sync_unref (WalSync *sync)
{
  if (!g_atomic_ref_count_dec (&sync->ref))
    return;
  g_mutex_clear (&sync->lock);
  g_cond_clear (&sync->cond);
  g_clear_error (&sync->error);
  g_free (sync);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WalSync, wal_sync_unref)

/* Waits for the disk; FALSE with the reason when the claim may not be
 * durable, so the message must not go. */
static gboolean
wal_sync_wait (WalSync  *sync,
               GError  **error)
{
  gboolean ok;

  g_mutex_lock (&sync->lock);
  while (!sync->done)
    g_cond_wait (&sync->cond, &sync->lock);
  ok = sync->error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (sync->error));
  g_mutex_unlock (&sync->lock);
  return ok;
}

static WalSync stop_sync;

static gpointer
sync_thread (gpointer data)
{
  ObSender *self = data;

  for (;;)
    {
      WalSync *sync = g_async_queue_pop (self->sync_jobs);
      GError *error = NULL;

      if (sync == &stop_sync)
        return NULL;
      ob_store_sync_wal (self->db_path, &error);
      g_mutex_lock (&sync->lock);
      sync->error = error;
      sync->done = TRUE;
      g_cond_broadcast (&sync->cond);
      g_mutex_unlock (&sync->lock);
      wal_sync_unref (sync);
    }
}

/* Asks the sync thread to make what was committed so far durable. */
static WalSync *
start_wal_sync (ObSender *self)
{
  WalSync *sync = g_new0 (WalSync, 1);

  g_atomic_ref_count_init (&sync->ref);
  g_mutex_init (&sync->lock);
  g_cond_init (&sync->cond);
  if (self->sync_thread == NULL)
    {
      self->sync_jobs = g_async_queue_new ();
      self->sync_thread = g_thread_new ("sender-sync", sync_thread, self);
    }
  g_async_queue_push (self->sync_jobs, wal_sync_ref (sync));
  return sync;
}

static void
stop_sync_thread (ObSender *self)
{
  if (self->sync_thread == NULL)
    return;
  g_async_queue_push (self->sync_jobs, &stop_sync);
  g_thread_join (g_steal_pointer (&self->sync_thread));
  g_clear_pointer (&self->sync_jobs, g_async_queue_unref);
}

/* A message handed to the server on the SMTP thread. Until it comes back,
 * that thread alone uses the connection; what the sender thread needs of
 * the exchange is copied here before it does. */
typedef struct _InFlight
{
  ObSender     *self;
  ObOutboxSend *send;
  WalSync      *sync;        /* its lazy claim on the way to the disk, or NULL */
  gboolean      ok;
  GError       *error;
  guint         code;
  char         *text;        /* the server's reply to the message, when ok */
  gboolean      uncertain;
} InFlight;

static void
in_flight_free (InFlight *f)
{
  ob_outbox_send_free (f->send);
  g_clear_pointer (&f->sync, wal_sync_unref);
  g_clear_error (&f->error);
  g_free (f->text);
  g_free (f);
}

static void
run_in_flight (InFlight *f)
{
  ObSmtpConnection *smtp = f->self->smtp;
  gsize length;
  const char *bytes = g_bytes_get_data (f->send->message, &length);

  /* Not a byte to the server before the claim is on the disk. */
  if (f->sync != NULL && !wal_sync_wait (f->sync, &f->error))
    {
      f->ok = FALSE;
      f->code = 0;
      return;
    }
  f->ok = ob_smtp_connection_send (smtp, f->send->from, f->send->to, bytes, length, f->self->cancellable,
                                   &f->error);
  f->code = ob_smtp_connection_get_last_code (smtp);
  f->text = g_strdup (f->ok ? ob_smtp_connection_get_last_text (smtp) : NULL);
  f->uncertain = !f->ok && ob_smtp_connection_get_outcome_uncertain (smtp);
}

/* Tells the SMTP thread to end. */
static InFlight stop_job;

/* One per sender, kept while it runs: a thread started per message cost
 * about a millisecond before it ran, on a busy machine. */
static gpointer
smtp_thread (gpointer data)
{
  ObSender *self = data;

  for (;;)
    {
      InFlight *f = g_async_queue_pop (self->smtp_jobs);

      if (f == &stop_job)
        return NULL;
      run_in_flight (f);
      g_async_queue_push (self->smtp_done, f);
    }
}

/* Hands @send (owned from now on) to the server on the SMTP thread, once
 * @sync (nullable, a reference taken) is done. */
static void
start_send (ObSender     *self,
            ObOutboxSend *send,
            WalSync      *sync)
{
  InFlight *f = g_new0 (InFlight, 1);

  g_assert (self->in_flight == NULL);
  if (self->smtp_thread == NULL)
    {
      self->smtp_jobs = g_async_queue_new ();
      self->smtp_done = g_async_queue_new ();
      self->smtp_thread = g_thread_new ("sender-smtp", smtp_thread, self);
    }
  f->self = self;
  f->send = send;
  f->sync = sync != NULL ? wal_sync_ref (sync) : NULL;
  self->in_flight = f;
  g_async_queue_push (self->smtp_jobs, f);
}

/* Waits for the message on the wire to be answered. */
static InFlight *
join_send (ObSender *self)
{
  InFlight *f = g_steal_pointer (&self->in_flight);
  InFlight *done = g_async_queue_pop (self->smtp_done);

  g_assert (done == f);
  return f;
}

static void
stop_smtp_thread (ObSender *self)
{
  if (self->smtp_thread == NULL)
    return;
  g_async_queue_push (self->smtp_jobs, &stop_job);
  g_thread_join (g_steal_pointer (&self->smtp_thread));
  g_clear_pointer (&self->smtp_jobs, g_async_queue_unref);
  g_clear_pointer (&self->smtp_done, g_async_queue_unref);
}

/* Records what the server said to @f's message; frees @f. */
static void
record_outcome (ObSender *self,
                ObStore  *store,
                InFlight *f)
{
  g_autoptr(GError) error = g_steal_pointer (&f->error);
  g_autoptr(GError) store_error = NULL;
  const ObOutboxSend *send = f->send;
  guint code = f->code;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *text;

  if (f->ok)
    {
      text = f->text;
      record (self, ob_outbox_mark_sent (store, send, (int) code, text, now, &store_error), store_error);
      post (self, OB_SENDER_SENT, send, 0, text);
      ob_campaign_finish_if_done (store, send->campaign_id, NULL);
      /* Sent copy (ob-imap.c), after the send is recorded: a failure is
       * recorded for a later try and never touches the send itself. */
      if (store_error == NULL &&
          !ob_imap_append_sent (self->sent_copy, store, send->send_id, self->cancellable, &error))
        g_message ("Sent copy of %s: %s", send->message_id, error->message);
      in_flight_free (f);
      return;
    }

  text = error->message;

  /* Everything went but the answer: it may be in the prospect's inbox. */
  if (f->uncertain)
    {
      close_connection (self);
      record (self, ob_outbox_mark_uncertain (store, send, text, &store_error), store_error);
      post (self, OB_SENDER_UNCERTAIN, send, 0, text);
      in_flight_free (f);
      return;
    }

  if (error->domain == OB_SMTP_ERROR)
    switch ((ObSmtpError) error->code)
      {
      case OB_SMTP_ERROR_PERMANENT_RECIPIENT:
      case OB_SMTP_ERROR_INVALID_ADDRESS:
        record (self, ob_outbox_mark_failed (store, send, (int) code, text, TRUE, &store_error), store_error);
        post (self, OB_SENDER_BOUNCED, send, 0, text);
        if (ob_outbox_bounce_shield (store, send->campaign_id, now, NULL))
          post (self, OB_SENDER_CAMPAIGN_PAUSED, send, 0, "bounce-shield");
        in_flight_free (f);
        return;

      case OB_SMTP_ERROR_PERMANENT:
        record (self, ob_outbox_mark_failed (store, send, (int) code, text, FALSE, &store_error), store_error);
        post (self, OB_SENDER_FAILED, send, 0, text);
        in_flight_free (f);
        return;

      case OB_SMTP_ERROR_RATE_LIMITED:
        /* The provider said no more for now: hold the account, and the
         * queue re-spreads from then on without a burst. */
        close_connection (self);
        record (self, ob_outbox_mark_retry (store, send, (int) code, text, now + RATE_LIMIT_SECONDS,
                                            &store_error), store_error);
        g_clear_error (&store_error);
        record (self, ob_outbox_hold_account (store, self->account_id, "throttled", text,
                                              now + RATE_LIMIT_SECONDS, &store_error), store_error);
        post (self, OB_SENDER_ACCOUNT_HELD, send, now + RATE_LIMIT_SECONDS, text);
        in_flight_free (f);
        return;

      case OB_SMTP_ERROR_AUTH:
      case OB_SMTP_ERROR_TLS:
        close_connection (self);
        record (self, ob_outbox_mark_retry (store, send, (int) code, text, now, &store_error), store_error);
        g_clear_error (&store_error);
        record (self, ob_outbox_hold_account (store, self->account_id, "error", text, 0, &store_error),
                store_error);
        post (self, OB_SENDER_ACCOUNT_HELD, send, 0, text);
        in_flight_free (f);
        return;

      case OB_SMTP_ERROR_TRANSIENT:
      case OB_SMTP_ERROR_PROTOCOL:
      case OB_SMTP_ERROR_CANCELLED:
      default:
        break;
      }

  /* 4xx, a drop before the message was complete, a timeout: the server did
   * not take it; try again later on a fresh connection. */
  close_connection (self);
  record (self, ob_outbox_mark_retry (store, send, (int) code, text, retry_time (send, now), &store_error),
          store_error);
  post (self, OB_SENDER_RETRY, send, retry_time (send, now), text);
  in_flight_free (f);
}

/* Before any wait, and at the end: the message on the wire is answered
 * and recorded. */
static void
finish_in_flight (ObSender *self,
                  ObStore  *store)
{
  if (self->in_flight != NULL)
    record_outcome (self, store, join_send (self));
}

/* @send was claimed while the message before it was on the wire. It goes
 * if that one was accepted; otherwise the failure is recorded first and
 * @send, which never reached the server, is released to be decided again
 * (the account may be held now, the prospect bounced, the connection
 * closed). */
static void
send_next (ObSender     *self,
           ObStore      *store,
           ObOutboxSend *send,
           WalSync      *sync)
{
  InFlight *before;

  if (self->in_flight == NULL)
    {
      start_send (self, send, sync);
      return;
    }

  before = join_send (self);
  if (before->ok)
    {
      start_send (self, send, sync);
      record_outcome (self, store, before);
      return;
    }

  record_outcome (self, store, before);
  {
    g_autoptr(GError) error = NULL;

    if (!ob_outbox_release_claim (store, send, g_get_real_time () / G_USEC_PER_SEC, &error))
      {
        /* Left 'sending', it becomes 'uncertain' at the next start: never
         * sent twice, at worst asked about. */
        g_warning ("Cannot release a claim: %s", error->message);
        post (self, OB_SENDER_ERROR, NULL, 0, error->message);
      }
  }
  ob_outbox_send_free (send);
}

/* ---- The thread ------------------------------------------------------------ */

static gpointer
sender_thread (gpointer data)
{
  ObSender *self = data;
  g_autoptr(GError) error = NULL;
  ObStore *store = ob_store_open_for_thread (self->db_path, &error);
  gint64 last_wake_reported = -1;

  if (store == NULL)
    {
      post (self, OB_SENDER_ERROR, NULL, 0, error->message);
      return NULL;
    }
  self->sent_copy = ob_imap_sent_copy_new (self->account_id);
  /* Held for its Online Account before a restart: look once now. */
  self->goa_held = TRUE;
  /* Every decision reads today's sends again, and each send's row holds
   * its message: sqlite's default 2 MiB cache lets those pages go. */
  if (!ob_store_exec (store, "PRAGMA cache_size = -" G_STRINGIFY (SENDER_CACHE_KIB), &error))
    g_clear_error (&error);

  while (!quitting (self))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(ObOutboxSend) send = NULL;
      g_autoptr(WalSync) sync = NULL;
      ObScheduleDecision decision;
      ObOutboxClaim claim = OB_OUTBOX_SKIP_GONE;
      gint64 retry_at = 0;

      g_clear_error (&error);
      if (!ob_schedule_next_due (store, self->account_id, now, &decision, &error))
        {
          finish_in_flight (self, store);
          post (self, OB_SENDER_ERROR, NULL, 0, error->message);
          wait_until (self, g_date_time_to_unix (now) + ERROR_BACKOFF_SECONDS);
          continue;
        }

      if (decision.action == OB_SCHEDULE_WAIT || decision.send_at > g_date_time_to_unix (now))
        {
          gint64 until = decision.action == OB_SCHEDULE_WAIT ? decision.wake_at : decision.send_at;
          gint64 recheck_at = 0;

          if (decision.action == OB_SCHEDULE_WAIT && decision.reason == OB_SCHEDULE_REASON_ACCOUNT_PAUSED)
            {
              if (goa_resume (self, store, &recheck_at))
                continue;
            }

          /* Nothing goes at once: the message on the wire is answered and
           * recorded, then the schedule is asked again. */
          if (self->in_flight != NULL)
            {
              finish_in_flight (self, store);
              continue;
            }
          if (until == 0 || until - g_date_time_to_unix (now) > IDLE_CLOSE_SECONDS)
            close_connection (self);
          if (until != last_wake_reported)
            {
              post (self, OB_SENDER_WAITING, NULL, until, NULL);
              last_wake_reported = until;
            }
          /* A recheck of the Online Account is no send time: the event
           * says what the schedule says. */
          wait_until (self, recheck_at > 0 && (until == 0 || recheck_at < until) ? recheck_at : until);
          continue;
        }
      last_wake_reported = -1;

      /* Connect first: a failure here leaves no send row at all. (With a
       * message on the wire, the connection is open and busy.) */
      if (self->in_flight == NULL && !ensure_connection (self, store, &retry_at))
        {
          if (retry_at > 0)
            wait_until (self, retry_at);
          continue;
        }

      /* With a message on the wire, the claim's disk wait overlaps it. */
      if (self->in_flight != NULL)
        {
          send = ob_outbox_claim_lazily (store, self->account_id, &decision, now, &claim, &error);
          if (send != NULL)
            sync = start_wal_sync (self);
        }
      else
        send = ob_outbox_claim (store, self->account_id, &decision, now, &claim, &error);
      if (send == NULL)
        {
          if (error != NULL)
            {
              finish_in_flight (self, store);
              post (self, OB_SENDER_ERROR, NULL, 0, error->message);
              wait_until (self, g_date_time_to_unix (now) + ERROR_BACKOFF_SECONDS);
            }
          else if (claim == OB_OUTBOX_SKIP_HELD)
            {
              ObOutboxSend held = { 0 };

              held.campaign_id = decision.campaign_id;
              held.prospect_id = decision.prospect_id;
              held.step = (guint) decision.step;
              post (self, OB_SENDER_HELD, &held, 0, "missing-field");
            }
          continue;
        }

      /* The last look: a reply (or bounce, opt-out) recorded since the
       * claim takes the step back before anything reaches the server. */
      if (g_signal_has_handler_pending (self, signals[BEFORE_SEND], 0, FALSE))
        g_signal_emit (self, signals[BEFORE_SEND], 0, send);
      {
        gboolean withdrawn = FALSE;

        if (!ob_outbox_withdraw_if_stopped (store, send, &withdrawn, &error))
          {
            /* The claim stands: 'sending' becomes 'uncertain' at the next
             * start if this process dies, so nothing can go twice. */
            post (self, OB_SENDER_ERROR, NULL, 0, error->message);
            g_clear_error (&error);
          }
        else if (withdrawn)
          {
            post (self, OB_SENDER_WITHDRAWN, send, 0, NULL);
            continue;
          }
      }
      send_next (self, store, g_steal_pointer (&send), sync);
    }

  finish_in_flight (self, store);
  stop_smtp_thread (self);
  stop_sync_thread (self);
  close_connection (self);
  g_clear_pointer (&self->sent_copy, ob_imap_sent_copy_free);
  return NULL;
}

/* ---- Public ---------------------------------------------------------------- */

static void
ob_sender_finalize (GObject *object)
{
  ObSender *self = OB_SENDER (object);

  g_assert (self->thread == NULL);
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_free (self->db_path);
  g_main_context_unref (self->context);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ob_sender_parent_class)->finalize (object);
}

static void
ob_sender_class_init (ObSenderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_sender_finalize;

  /**
   * ObSender::before-send:
   * @send: (type gpointer): the ObOutboxSend just claimed
   *
   * Emitted on the sender's thread between the claim and the last look at
   * the enrollment (ob_outbox_withdraw_if_stopped()); the send waits for
   * the handlers. For tests.
   */
  signals[BEFORE_SEND] = g_signal_new ("before-send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
ob_sender_init (ObSender *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->cancellable = g_cancellable_new ();
}

ObSender *
ob_sender_new (const char        *db_path,
               gint64             account_id,
               GMainContext      *context,
               ObSenderEventFunc  func,
               gpointer           user_data,
               GDestroyNotify     destroy)
{
  ObSender *self = g_object_new (OB_TYPE_SENDER, NULL);

  self->db_path = g_strdup (db_path);
  self->account_id = account_id;
  self->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  return self;
}

gint64
ob_sender_get_account_id (ObSender *self)
{
  return self->account_id;
}

void
ob_sender_start (ObSender *self)
{
  g_autofree char *name = g_strdup_printf ("sender-%" G_GINT64_FORMAT, self->account_id);

  g_return_if_fail (self->thread == NULL);
  self->quit = FALSE;
  /* The thread holds a reference until it ends. */
  self->thread = g_thread_new (name, sender_thread, self);
}

void
ob_sender_wake (ObSender *self)
{
  g_mutex_lock (&self->lock);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
ob_sender_recheck_goa (ObSender *self)
{
  g_mutex_lock (&self->lock);
  self->goa_poke = TRUE;
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
ob_sender_stop (ObSender *self)
{
  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  self->thread = NULL;
  /* Events still queued on the context reach nobody now. */
  self->func = NULL;
}
