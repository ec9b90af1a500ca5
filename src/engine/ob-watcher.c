/* ob-watcher.c: one thread per account that watches its mailbox for replies, bounces, opt-outs
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_watcher_new/start/wake/stop on the thread that owns @context
 * (the main thread in the app and the CLI). Everything else runs on the
 * watcher's own thread with its own store connection and its own IMAP
 * connection; it reports through events posted to @context.
 * ob_watcher_record_message() runs on the caller's thread with the
 * caller's store (the same effects, without IMAP).
 *
 * The loop: connect and log in (the password read from the keyring just
 * before); for each watched folder (imap_folders.watched, INBOX when none
 * is listed) EXAMINE it and fetch exactly the UIDs above the last one
 * seen, so mail that came while Outbound was closed is found; a changed
 * UIDVALIDITY (or a folder seen for the first time) rescans a bounded
 * window instead. Then wait: IDLE on the first folder when the server has
 * IDLE (re-IDLE every 9 minutes, and every minute when more folders are
 * watched), else NOOP and a UID search every minute. A dropped connection
 * is made again with backoff; wake and stop end an IDLE or a wait at once.
 *
 * New messages are fetched in two steps, PEEK only (nothing is marked
 * read, moved or deleted): the header fields of up to HEADER_BATCH, then a
 * bounded first part of the text of those whose header fields may tie them
 * to Outbound (ob_classify_needs_text); the rest are unrelated whatever
 * they say. Each of those is classified (ob-classify) and its effect is
 * written with its event and the folder's last UID, one transaction per
 * fetched batch: reply → enrollment 'replied', prospect
 * 'replied', optional company stop; auto-reply → event, and the enrollment
 * waits until the day after a written return date; hard bounce →
 * 'bounced' then Bounce Shield; soft bounce → the step goes again 6 hours
 * later, 'bounced' after 3 (ob_outbox_soft_bounce); unsubscribe or
 * complaint → 'opted_out' and do-not-contact. The runner wakes the senders
 * on the event; the sender's claim re-checks the enrollment, and its last
 * look before MAIL FROM takes back a step claimed meanwhile, so no
 * follow-up goes after a reply (a reply's event names a step that was
 * 'sending' when it was recorded: in_flight_step).
 *
 * The watcher also retries the Sent copies that failed (ob-imap.h).
 */

#define G_LOG_DOMAIN "ob-watcher"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-accounts.h"
#include "ob-classify.h"
#include "ob-classify-store.h"
#include "ob-dnc.h"
#include "ob-email.h"
#include "ob-imap.h"
#include "ob-oauth.h"
#include "ob-outbox.h"
#include "ob-watcher.h"

#define IMAP_TIMEOUT_SECONDS     60
/* Well inside the 29 minutes of RFC 2177 and most NAT boxes' timeouts. */
#define IDLE_SECONDS             (9 * 60)
#define POLL_SECONDS             60
#define BACKOFF_FIRST_SECONDS    2
#define BACKOFF_MAX_SECONDS      300
/* Authentication and certificates need the rep; look again this late. */
#define NEEDS_REP_SECONDS        1800
/* A folder seen for the first time, or whose UIDVALIDITY changed. */
#define RESCAN_MAX_MESSAGES      500
#define RESCAN_DAYS              14
/* Header fields of this many messages per UID FETCH, then their texts
 * when needed this many at a time. */
#define HEADER_BATCH             2000
#define FETCH_BATCH              100
/* Of the body, this much is fetched: a DSN's status part, an ARF report
 * and the opening lines of a reply fit. */
#define TEXT_BYTES               (16 * 1024)
#define SENT_COPY_RETRY_LIMIT    20
#define SENT_COPY_RETRY_AFTER_SECONDS 300
/* A soft bounce puts the step back this long (ob_outbox_soft_bounce). */
#define SOFT_BOUNCE_RETRY_SECONDS (6 * 3600)

struct _ObWatcher
{
  GObject             parent_instance;

  char               *db_path;
  gint64              account_id;
  GMainContext       *context;
  ObWatcherEventFunc  func;
  gpointer            user_data;
  GDestroyNotify      destroy;

  GMutex              lock;
  GCond               cond;
  gboolean            wake;
  gboolean            quit;
  GThread            *thread;
  GCancellable       *cancellable;
  ObImapConnection   *imap;
  gint64              started_at;  /* Unix seconds, set by the thread */
  guint               fetched;     /* the thread's: messages fetched, since connecting */
  guint               read_whole;  /* of them, with their text */
};

G_DEFINE_FINAL_TYPE (ObWatcher, ob_watcher, G_TYPE_OBJECT)

const char *
ob_watcher_event_kind_to_string (ObWatcherEventKind kind)
{
  static const char * const names[] = {
    [OB_WATCHER_REPLIED] = "replied",
    [OB_WATCHER_COLLEAGUE_REPLIED] = "colleague_replied",
    [OB_WATCHER_AUTO_REPLIED] = "auto_replied",
    [OB_WATCHER_BOUNCED] = "bounced",
    [OB_WATCHER_SOFT_BOUNCED] = "soft_bounced",
    [OB_WATCHER_OPTED_OUT] = "opted_out",
    [OB_WATCHER_COMPLAINT] = "complaint",
    [OB_WATCHER_CAMPAIGN_PAUSED] = "campaign-paused",
    [OB_WATCHER_WATCHING] = "watching",
    [OB_WATCHER_ERROR] = "watch-error",
  };

  return kind < G_N_ELEMENTS (names) ? names[kind] : "unknown";
}

/* ---- Events ---------------------------------------------------------------- */

typedef struct
{
  ObWatcher      *watcher;
  ObWatcherEvent  event;
} Posted;

static void
posted_free (Posted *posted)
{
  g_free (posted->event.email);
  g_free (posted->event.message_id);
  g_free (posted->event.detail);
  g_object_unref (posted->watcher);
  g_free (posted);
}

static gboolean
deliver_event (gpointer data)
{
  Posted *posted = data;

  if (posted->watcher->func != NULL)
    posted->watcher->func (&posted->event, posted->watcher->user_data);
  return G_SOURCE_REMOVE;
}

static void
post_event (ObWatcher            *self,
            const ObWatcherEvent *event)
{
  Posted *posted = g_new0 (Posted, 1);
  GSource *source = g_idle_source_new ();

  posted->watcher = g_object_ref (self);
  posted->event = *event;
  posted->event.account_id = self->account_id;
  posted->event.email = g_strdup (event->email);
  posted->event.message_id = g_strdup (event->message_id);
  posted->event.detail = g_strdup (event->detail);
  g_source_set_callback (source, deliver_event, posted, (GDestroyNotify) posted_free);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
post (ObWatcher          *self,
      ObWatcherEventKind  kind,
      gint64              wake_at,
      const char         *detail)
{
  ObWatcherEvent event = { .kind = kind, .wake_at = wake_at, .detail = (char *) detail };

  post_event (self, &event);
}

static void
event_clear (ObWatcherEvent *event)
{
  g_free (event->email);
  g_free (event->message_id);
  g_free (event->detail);
  g_free (event);
}

/* ---- Waiting --------------------------------------------------------------- */

static gboolean
quitting (ObWatcher *self)
{
  gboolean quit;

  g_mutex_lock (&self->lock);
  quit = self->quit;
  g_mutex_unlock (&self->lock);
  return quit;
}

/* Sleeps @seconds (0: until woken), or until a wake or quit. Returns FALSE
 * when the watcher must quit. */
static gboolean
wait_for (ObWatcher *self,
          guint      seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gboolean quit;

  g_mutex_lock (&self->lock);
  while (!self->wake && !self->quit)
    {
      if (seconds == 0)
        g_cond_wait (&self->cond, &self->lock);
      else if (!g_cond_wait_until (&self->cond, &self->lock, until))
        break;
    }
  self->wake = FALSE;
  quit = self->quit;
  g_mutex_unlock (&self->lock);
  return !quit;
}

static gboolean
take_wake (ObWatcher *self)
{
  gboolean wake;

  g_mutex_lock (&self->lock);
  wake = self->wake;
  self->wake = FALSE;
  g_mutex_unlock (&self->lock);
  return wake;
}

static void
set_connection (ObWatcher        *self,
                ObImapConnection *imap)
{
  g_mutex_lock (&self->lock);
  g_set_object (&self->imap, imap);
  if (imap != NULL && self->quit)
    ob_imap_connection_cancel (imap);
  g_mutex_unlock (&self->lock);
}

/* ---- The store ------------------------------------------------------------- */

typedef struct
{
  char    *name;
  guint32  uidvalidity;
  guint32  last_uid;
  gboolean known;
} Folder;

static void
folder_free (Folder *folder)
{
  g_free (folder->name);
  g_free (folder);
}

/* The watched folders, INBOX when none is listed yet. */
static GPtrArray *
load_folders (ObWatcher *self,
              ObStore   *store,
              GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "SELECT name, uidvalidity, last_uid FROM imap_folders WHERE account_id = ?1 AND watched"
    " ORDER BY name <> 'INBOX', name", error);
  GPtrArray *folders;

  if (stmt == NULL)
    return NULL;
  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_free);
  sqlite3_bind_int64 (stmt, 1, self->account_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Folder *folder = g_new0 (Folder, 1);

      folder->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      folder->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 1);
      folder->last_uid = (guint32) sqlite3_column_int64 (stmt, 2);
      folder->known = folder->uidvalidity != 0;
      g_ptr_array_add (folders, folder);
    }
  if (folders->len == 0)
    {
      Folder *folder = g_new0 (Folder, 1);

      folder->name = g_strdup ("INBOX");
      g_ptr_array_add (folders, folder);
    }
  return folders;
}

static gboolean
save_folder (gint64        account_id,
             ObStore      *store,
             const Folder *folder,
             GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "INSERT INTO imap_folders (account_id, name, uidvalidity, last_uid) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (account_id, name) DO UPDATE SET uidvalidity = ?3, last_uid = ?4", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, folder->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, folder->uidvalidity);
  sqlite3_bind_int64 (stmt, 4, folder->last_uid);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "imap_folders");
      return FALSE;
    }
  return TRUE;
}

/* When this account first sent anything (0: never). */
static gint64
first_sent_at (ObWatcher *self,
               ObStore   *store)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "SELECT min (sent_at) FROM sends WHERE account_id = ?1 AND sent_at IS NOT NULL", NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, self->account_id);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

/* ---- Effects --------------------------------------------------------------- */

/* One header's value, unfolded, from a header block ("" when absent). */
static char *
header_value (GBytes     *headers,
              const char *name)
{
  gsize length, n = strlen (name);
  const char *data = headers != NULL ? g_bytes_get_data (headers, &length) : NULL;
  GString *value = NULL;

  if (data == NULL)
    return g_strdup ("");
  for (gsize i = 0; i < length; )
    {
      const char *line = data + i;
      const char *end = memchr (line, '\n', length - i);
      gsize line_length = end != NULL ? (gsize) (end - line) : length - i;

      /* The end of the header block. */
      if (value == NULL && (line_length == 0 || (line_length == 1 && line[0] == '\r')))
        break;
      if (value != NULL)
        {
          if (line_length > 0 && (line[0] == ' ' || line[0] == '\t'))
            g_string_append_len (value, line, (gssize) line_length);
          else
            break;
        }
      else if (line_length > n && g_ascii_strncasecmp (line, name, n) == 0 && line[n] == ':')
        value = g_string_new_len (line + n + 1, (gssize) (line_length - n - 1));
      i += line_length + 1;
    }
  if (value == NULL)
    return g_strdup ("");
  g_strdelimit (value->str, "\r\n\t", ' ');
  return g_strstrip (g_string_free (value, FALSE));
}

static char *
strip_brackets (const char *id)
{
  g_autofree char *copy = g_strstrip (g_strdup (id));
  gsize n = strlen (copy);

  if (n >= 2 && copy[0] == '<' && copy[n - 1] == '>')
    return g_strndup (copy + 1, n - 2);
  return g_steal_pointer (&copy);
}

static gboolean
already_seen (ObStore    *store,
              gint64      prospect_id,
              const char *incoming)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (incoming == NULL || incoming[0] == '\0')
    return FALSE;
  stmt = ob_store_prepare (store,
    "SELECT 1 FROM events WHERE prospect_id = ?1 AND json_extract (detail, '$.incoming') = ?2 LIMIT 1",
    NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, prospect_id);
  sqlite3_bind_text (stmt, 2, incoming, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

static gint64
lookup_id (ObStore    *store,
           const char *sql,
           gint64      number,
           const char *text)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, NULL);

  if (stmt == NULL)
    return 0;
  if (text != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, number);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

typedef struct
{
  gint64  id;
  gint64  campaign_id;
  char   *state;
  guint   step;          /* the last step sent */
  gboolean stop_company;
} Enrollment;

static void
enrollment_free (Enrollment *e)
{
  g_free (e->state);
  g_free (e);
}

/* The prospect's enrollments the message is about: the one named, or all
 * of this account's campaigns (@everywhere: of every campaign). */
static GPtrArray *
load_enrollments (gint64     account_id,
                  ObStore   *store,
                  gint64     prospect_id,
                  gint64     enrollment_id,
                  gboolean   everywhere,
                  GError   **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
    "SELECT e.id, e.campaign_id, e.state, c.stop_company_on_reply,"
    " (SELECT max (step_position) FROM sends AS s WHERE s.enrollment_id = e.id AND s.state = 'sent')"
    " FROM enrollments AS e JOIN campaigns AS c ON c.id = e.campaign_id"
    " WHERE e.prospect_id = ?1 AND (?2 = 0 OR e.id = ?2) AND (?3 OR c.account_id = ?4)"
    " ORDER BY e.id", error);
  GPtrArray *list;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, prospect_id);
  sqlite3_bind_int64 (stmt, 2, enrollment_id);
  sqlite3_bind_int (stmt, 3, everywhere);
  sqlite3_bind_int64 (stmt, 4, account_id);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) enrollment_free);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Enrollment *e = g_new0 (Enrollment, 1);

      e->id = sqlite3_column_int64 (stmt, 0);
      e->campaign_id = sqlite3_column_int64 (stmt, 1);
      e->state = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      e->stop_company = sqlite3_column_int (stmt, 3) != 0;
      e->step = (guint) sqlite3_column_int (stmt, 4);
      g_ptr_array_add (list, e);
    }
  return list;
}

static gboolean
run_sql (ObStore    *store,
         const char *sql,
         gint64      a,
         gint64      b,
         const char *text,
         gint64     *changes,
         GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  if (text != NULL)
    sqlite3_bind_text (stmt, 3, text, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, sql);
      return FALSE;
    }
  if (changes != NULL)
    *changes = sqlite3_changes (ob_store_get_db (store));
  return TRUE;
}

/* A state an effect may still change: the sequence is going or just over. */
static gboolean
is_live (const Enrollment *e)
{
  return g_str_equal (e->state, "active") || g_str_equal (e->state, "paused") ||
         g_str_equal (e->state, "finished");
}

typedef struct
{
  gint64                   account_id;
  ObStore                 *store;
  const ObClassifyVerdict *verdict;
  const char              *incoming;
  char                    *email;
  char                    *domain;
  gint64                   prospect_id;
  GPtrArray               *posted;    /* ObWatcherEvent */
} Effect;

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

/* Records the event and keeps one to post after the commit. */
static gboolean
add_event (Effect             *fx,
           ObWatcherEventKind  kind,
           const Enrollment   *e,
           const char         *extra_key,
           const char         *extra_value,
           GError            **error)
{
  const ObClassifyVerdict *v = fx->verdict;
  g_autofree char *detail = NULL;
  ObWatcherEvent *event;

  detail = ob_outbox_event_detail ("incoming", or_empty (fx->incoming),
                                   "from", or_empty (v->from_addr),
                                   "subject", or_empty (v->subject),
                                   "reason", or_empty (v->reason),
                                   "match", ob_classify_match_to_string (v->match),
                                   "status", or_empty (v->status),
                                   "diagnostic", or_empty (v->diagnostic),
                                   "snippet", or_empty (v->snippet),
                                   extra_key, extra_value,
                                   NULL);
  if (!ob_outbox_add_event (fx->store, ob_watcher_event_kind_to_string (kind), fx->account_id,
                            e != NULL ? e->campaign_id : 0, fx->prospect_id, e != NULL ? e->id : 0,
                            v->target.send_id, e != NULL ? e->step : 0, detail, error))
    return FALSE;

  event = g_new0 (ObWatcherEvent, 1);
  event->kind = kind;
  event->campaign_id = e != NULL ? e->campaign_id : 0;
  event->prospect_id = fx->prospect_id;
  event->enrollment_id = e != NULL ? e->id : 0;
  event->step = e != NULL ? e->step : 0;
  event->email = g_strdup (fx->email);
  event->message_id = g_strdup (v->message_id);
  if (v->status != NULL && v->status[0] != '\0')
    event->detail = g_strdup_printf ("%s %s", v->status, or_empty (v->diagnostic));
  else if (extra_value != NULL && extra_key != NULL && g_str_equal (extra_key, "return_date"))
    event->detail = g_strdup_printf ("until %s", extra_value);
  else
    event->detail = g_strdup (or_empty (v->subject));
  g_ptr_array_add (fx->posted, event);
  return TRUE;
}

static gboolean
set_enrollment (Effect           *fx,
                const Enrollment *e,
                const char       *state,
                const char       *reason,
                gboolean         *changed,
                GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (fx->store,
    "UPDATE enrollments SET state = ?2, state_reason = ?3, updated_at = unixepoch ()"
    " WHERE id = ?1 AND state IN ('active', 'paused', 'finished')", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, e->id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, reason != NULL ? reason : "", -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (fx->store, rc, error, "enrollments");
      return FALSE;
    }
  *changed = sqlite3_changes (ob_store_get_db (fx->store)) > 0;
  return TRUE;
}

static gboolean
set_prospect (Effect     *fx,
              const char *status,
              GError    **error)
{
  return run_sql (fx->store,
                  "UPDATE prospects SET status = ?3, updated_at = unixepoch ()"
                  " WHERE id = ?1 AND ?2 = ?2 AND status = 'active'",
                  fx->prospect_id, 0, status, NULL, error);
}

/* The other prospects at the same company stop in this campaign. */
static gboolean
stop_company (Effect           *fx,
              const Enrollment *e,
              const char       *reason,
              GError          **error)
{
  if (!e->stop_company || fx->domain == NULL || fx->domain[0] == '\0' ||
      ob_email_domain_is_free_mail (fx->domain))
    return TRUE;
  return run_sql (fx->store,
                  "UPDATE enrollments SET state = 'stopped', state_reason = ?3, updated_at = unixepoch ()"
                  " WHERE campaign_id = ?1 AND prospect_id <> ?2 AND state IN ('active', 'paused')"
                  " AND prospect_id IN (SELECT id FROM prospects WHERE domain ="
                  "   (SELECT domain FROM prospects WHERE id = ?2))",
                  e->campaign_id, fx->prospect_id, reason, NULL, error);
}

static gboolean
opt_out (Effect     *fx,
         GPtrArray  *enrollments,
         gboolean    complaint,
         GError    **error)
{
  gboolean added = FALSE;
  guint events = fx->posted->len;

  for (guint i = 0; i < enrollments->len; i++)
    {
      Enrollment *e = g_ptr_array_index (enrollments, i);
      gboolean changed = FALSE;

      if (!set_enrollment (fx, e, "opted_out", complaint ? "complaint" : "unsubscribe", &changed, error))
        return FALSE;
      if (changed &&
          (!add_event (fx, OB_WATCHER_OPTED_OUT, e, NULL, NULL, error) ||
           (complaint && !add_event (fx, OB_WATCHER_COMPLAINT, e, NULL, NULL, error))))
        return FALSE;
    }
  /* No sequence was going: the opt-out still counts once. */
  if (fx->posted->len == events &&
      (!add_event (fx, OB_WATCHER_OPTED_OUT, NULL, NULL, NULL, error) ||
       (complaint && !add_event (fx, OB_WATCHER_COMPLAINT, NULL, NULL, NULL, error))))
    return FALSE;
  if (!run_sql (fx->store,
                "UPDATE prospects SET status = 'opted_out', updated_at = unixepoch ()"
                " WHERE id = ?1 AND ?2 = ?2 AND status <> 'opted_out'",
                fx->prospect_id, 0, NULL, NULL, error))
    return FALSE;
  return ob_dnc_add (fx->store, fx->email, complaint ? "complaint" : "unsubscribe", &added, error);
}

/* The enrollments wait until the day after the return date. */
static gboolean
hold_until_return (Effect     *fx,
                   GPtrArray  *enrollments,
                   GError    **error)
{
  const GDate *date = &fx->verdict->return_date;
  g_autoptr(GDateTime) until = NULL;
  char text[16];

  if (!g_date_valid (date))
    {
      for (guint i = 0; i < enrollments->len; i++)
        if (!add_event (fx, OB_WATCHER_AUTO_REPLIED, g_ptr_array_index (enrollments, i), NULL, NULL, error))
          return FALSE;
      return TRUE;
    }
  g_date_strftime (text, sizeof text, "%Y-%m-%d", date);
  until = g_date_time_new_utc (g_date_get_year (date), g_date_get_month (date), g_date_get_day (date),
                               0, 0, 0);
  for (guint i = 0; i < enrollments->len; i++)
    {
      Enrollment *e = g_ptr_array_index (enrollments, i);

      if (g_str_equal (e->state, "active") &&
          !run_sql (fx->store,
                    "UPDATE enrollments SET paused_until = max (coalesce (paused_until, 0), ?2),"
                    " updated_at = unixepoch () WHERE id = ?1",
                    e->id, g_date_time_to_unix (until) + 86400, NULL, NULL, error))
        return FALSE;
      if (!add_event (fx, OB_WATCHER_AUTO_REPLIED, e, "return_date", text, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply (Effect     *fx,
       GPtrArray  *enrollments,
       GError    **error)
{
  const ObClassifyVerdict *v = fx->verdict;
  gboolean changed;

  switch (v->kind)
    {
    case OB_CLASSIFY_REPLY:
    case OB_CLASSIFY_COLLEAGUE_REPLY:
      {
        gboolean colleague = v->kind == OB_CLASSIFY_COLLEAGUE_REPLY;

        for (guint i = 0; i < enrollments->len; i++)
          {
            Enrollment *e = g_ptr_array_index (enrollments, i);

            g_autofree char *in_flight = NULL;
            gint64 step;

            if (!set_enrollment (fx, e, "replied", colleague ? "colleague" : NULL, &changed, error))
              return FALSE;
            if (!changed)
              continue;
            /* A step the sender claimed and may be handing to the server
             * right now: its last look takes it back, or it is the one
             * message that goes after the reply (the event says which). */
            step = lookup_id (fx->store, "SELECT step_position FROM sends WHERE enrollment_id = ?1"
                              " AND state = 'sending'", e->id, NULL);
            if (step > 0)
              in_flight = g_strdup_printf ("%" G_GINT64_FORMAT, step);
            if (!add_event (fx, colleague ? OB_WATCHER_COLLEAGUE_REPLIED : OB_WATCHER_REPLIED, e,
                            in_flight != NULL ? "in_flight_step" : NULL, in_flight, error) ||
                !stop_company (fx, e, colleague ? "colleague" : "company", error))
              return FALSE;
          }
        return colleague || set_prospect (fx, "replied", error);
      }

    case OB_CLASSIFY_AUTO_REPLY:
      {
        g_autoptr(GPtrArray) live = g_ptr_array_new ();

        for (guint i = 0; i < enrollments->len; i++)
          if (is_live (g_ptr_array_index (enrollments, i)))
            g_ptr_array_add (live, g_ptr_array_index (enrollments, i));
        if (live->len == 0)
          return add_event (fx, OB_WATCHER_AUTO_REPLIED, NULL, NULL, NULL, error);
        return hold_until_return (fx, live, error);
      }

    case OB_CLASSIFY_BOUNCE_HARD:
      for (guint i = 0; i < enrollments->len; i++)
        {
          Enrollment *e = g_ptr_array_index (enrollments, i);

          if (!set_enrollment (fx, e, "bounced", NULL, &changed, error))
            return FALSE;
          if (changed && !add_event (fx, OB_WATCHER_BOUNCED, e, NULL, NULL, error))
            return FALSE;
        }
      return run_sql (fx->store,
                      "UPDATE prospects SET status = 'bounced', updated_at = unixepoch ()"
                      " WHERE id = ?1 AND ?2 = ?2 AND status = 'active'",
                      fx->prospect_id, 0, NULL, NULL, error);

    case OB_CLASSIFY_BOUNCE_SOFT:
      {
        Enrollment *e = enrollments->len > 0 ? g_ptr_array_index (enrollments, 0) : NULL;
        ObOutboxSoftBounce result = OB_OUTBOX_SOFT_NOTHING;

        if (!add_event (fx, OB_WATCHER_SOFT_BOUNCED, e, NULL, NULL, error))
          return FALSE;
        if (e == NULL ||
            !ob_outbox_soft_bounce (fx->store, e->id, v->target.send_id,
                                    g_get_real_time () / G_USEC_PER_SEC + SOFT_BOUNCE_RETRY_SECONDS,
                                    &result, error))
          return e == NULL;
        if (result == OB_OUTBOX_SOFT_BOUNCED)
          return add_event (fx, OB_WATCHER_BOUNCED, e, "soft_bounces", G_STRINGIFY (OB_OUTBOX_SOFT_BOUNCE_LIMIT), error);
        return TRUE;
      }

    case OB_CLASSIFY_COMPLAINT:
    case OB_CLASSIFY_UNSUBSCRIBE:
      return opt_out (fx, enrollments, v->kind == OB_CLASSIFY_COMPLAINT, error);

    case OB_CLASSIFY_UNRELATED:
    default:
      return TRUE;
    }
}

/* Classifies @bytes and writes its effect with its events, with @saved
 * (the folder's new last UID) when given: in one transaction of its own,
 * or (@own_transaction FALSE) in the caller's, which then commits or rolls
 * back. Adds to @posted the events to post after the commit. Returns FALSE
 * with @error when the store failed (then nothing of it stays written, and
 * the caller's transaction must be rolled back); *out_nothing says that the
 * message concerns no prospect (nothing written). */
static gboolean
record_message (gint64            account_id,
                ObStore          *store,
                ObClassifyStore  *lookup,
                GBytes           *bytes,
                const char       *incoming,
                const Folder     *saved,
                gboolean          own_transaction,
                GPtrArray        *posted,
                gboolean         *out_nothing,
                GError          **error)
{
  guint posted_before = posted->len;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(ObClassifyVerdict) verdict = NULL;
  g_autoptr(GPtrArray) enrollments = NULL;
  g_autoptr(GError) local = NULL;
  Effect fx = { 0 };
  gint64 prospect_id, enrollment_id;
  gboolean everywhere;

  *out_nothing = FALSE;
  verdict = ob_classify_message (bytes, now, ob_classify_store_get_lookup (), lookup, &local);
  if (verdict == NULL)
    {
      g_debug ("A message cannot be classified: %s", local->message);
      g_clear_error (&local);
    }

  prospect_id = verdict != NULL ? verdict->target.prospect_id : 0;
  enrollment_id = verdict != NULL ? verdict->target.enrollment_id : 0;
  if (verdict != NULL && verdict->kind != OB_CLASSIFY_UNRELATED)
    {
      if (enrollment_id == 0 && verdict->target.send_id != 0)
        enrollment_id = lookup_id (store, "SELECT enrollment_id FROM sends WHERE id = ?1",
                                   verdict->target.send_id, NULL);
      if (prospect_id == 0 && enrollment_id != 0)
        prospect_id = lookup_id (store, "SELECT prospect_id FROM enrollments WHERE id = ?1",
                                 enrollment_id, NULL);
      if (prospect_id == 0 && verdict->address != NULL)
        prospect_id = lookup_id (store, "SELECT id FROM prospects WHERE email_key = ?1", 0,
                                 verdict->address);
    }
  if (prospect_id == 0)
    {
      *out_nothing = TRUE;
      return TRUE;
    }

  if (own_transaction && !ob_store_begin (store, error))
    return FALSE;
  if (!already_seen (store, prospect_id, incoming))
    {
      g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store,
        "SELECT email, email_key, domain FROM prospects WHERE id = ?1", error);

      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, prospect_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          fx.email = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          fx.domain = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
      fx.account_id = account_id;
      fx.store = store;
      fx.verdict = verdict;
      fx.incoming = incoming;
      fx.prospect_id = prospect_id;
      fx.posted = posted;
      /* A bounced or opted-out address is so everywhere; a reply is about
       * this account's sequences. */
      everywhere = verdict->kind == OB_CLASSIFY_BOUNCE_HARD || verdict->kind == OB_CLASSIFY_COMPLAINT ||
                   verdict->kind == OB_CLASSIFY_UNSUBSCRIBE;
      enrollments = load_enrollments (account_id, store, prospect_id,
                                      everywhere ? 0 : enrollment_id, everywhere, error);
      if (enrollments == NULL || (fx.email != NULL && !apply (&fx, enrollments, error)))
        goto failed;
    }
  if ((saved != NULL && !save_folder (account_id, store, saved, error)) ||
      (own_transaction && !ob_store_commit (store, error)))
    goto failed;
  g_free (fx.email);
  g_free (fx.domain);

  /* Bounce Shield, after the bounce is recorded. */
  if (verdict->kind == OB_CLASSIFY_BOUNCE_HARD && enrollments != NULL)
    for (guint i = 0; i < enrollments->len; i++)
      {
        Enrollment *e = g_ptr_array_index (enrollments, i);

        if (ob_outbox_bounce_shield (store, e->campaign_id, g_get_real_time () / G_USEC_PER_SEC, NULL))
          {
            ObWatcherEvent *event = g_new0 (ObWatcherEvent, 1);

            event->kind = OB_WATCHER_CAMPAIGN_PAUSED;
            event->campaign_id = e->campaign_id;
            event->detail = g_strdup ("bounce-shield");
            g_ptr_array_add (posted, event);
          }
      }
  return TRUE;

failed:
  if (own_transaction)
    ob_store_rollback (store);
  g_ptr_array_set_size (posted, posted_before);
  g_free (fx.email);
  g_free (fx.domain);
  return FALSE;
}

/* Fetched messages (ascending UIDs): their effects, their events and the
 * folder's new last UID in one transaction, then the events posted. A
 * failure writes none of them and leaves @folder as it was. */
static gboolean
handle_messages (ObWatcher        *self,
                 ObStore          *store,
                 ObClassifyStore  *lookup,
                 Folder           *folder,
                 GPtrArray        *messages,
                 GError          **error)
{
  g_autoptr(GPtrArray) posted = g_ptr_array_new_with_free_func ((GDestroyNotify) event_clear);
  Folder saved = *folder;

  if (messages->len == 0)
    return TRUE;
  if (!ob_store_begin (store, error))
    return FALSE;
  for (guint i = 0; i < messages->len; i++)
    {
      const ObImapMessage *message = g_ptr_array_index (messages, i);
      g_autoptr(GBytes) bytes = ob_imap_message_dup_bytes (message);
      g_autofree char *raw_id = header_value (message->headers, "Message-ID");
      g_autofree char *incoming = strip_brackets (raw_id);
      gboolean nothing = FALSE;

      saved.last_uid = MAX (saved.last_uid, message->uid);
      if (!record_message (self->account_id, store, lookup, bytes, incoming, &saved, FALSE, posted, &nothing,
                           error))
        {
          ob_store_rollback (store);
          return FALSE;
        }
    }
  if (!ob_store_commit (store, error))
    {
      ob_store_rollback (store);
      return FALSE;
    }
  folder->last_uid = saved.last_uid;
  for (guint i = 0; i < posted->len; i++)
    post_event (self, g_ptr_array_index (posted, i));
  return TRUE;
}

/**
 * ob_watcher_record_message:
 * @store: the calling thread's store
 * @account_id: the account whose mailbox it came to
 * @message: the message (headers and the first part of the text)
 * @error: a store error
 *
 * What the watcher does with one new message, without IMAP: classify it
 * and write its effect with its events in one transaction. For tools and
 * tests (the claim against a reply from two threads).
 *
 * Returns: (transfer full) (element-type ObWatcherEvent): the events
 *   recorded (none when the message concerns no prospect), or %NULL
 */
GPtrArray *
ob_watcher_record_message (ObStore  *store,
                           gint64    account_id,
                           GBytes   *message,
                           GError  **error)
{
  g_autoptr(ObClassifyStore) lookup = ob_classify_store_new (store, account_id);
  g_autoptr(GPtrArray) posted = g_ptr_array_new_with_free_func ((GDestroyNotify) event_clear);
  g_autoptr(GBytes) headers = g_bytes_ref (message);
  g_autofree char *raw_id = header_value (headers, "Message-ID");
  g_autofree char *incoming = strip_brackets (raw_id);
  gboolean nothing;

  if (!record_message (account_id, store, lookup, message, incoming, NULL, TRUE, posted, &nothing, error))
    return NULL;
  for (guint i = 0; i < posted->len; i++)
    ((ObWatcherEvent *) g_ptr_array_index (posted, i))->account_id = account_id;
  return g_steal_pointer (&posted);
}

/* ---- Folders --------------------------------------------------------------- */

/* Fetches and handles @uids (ascending): the header fields of a batch
 * first; then, of the messages whose header fields may tie them to
 * Outbound (ob_classify_needs_text), the first part of the text too, and
 * each is classified and recorded. The others are unrelated whatever
 * their text says: a catch-up over thousands of messages reads the text of
 * the few that matter. */
static gboolean
handle_uids (ObWatcher        *self,
             ObStore          *store,
             ObClassifyStore  *lookup,
             ObImapConnection *imap,
             Folder           *folder,
             GArray           *uids,
             GError          **error)
{
  for (guint first = 0; first < uids->len && !quitting (self); first += HEADER_BATCH)
    {
      guint n = MIN (HEADER_BATCH, uids->len - first);
      g_autoptr(GPtrArray) heads = ob_imap_connection_fetch (imap, &g_array_index (uids, guint32, first),
                                                             n, NULL, 0, error);
      g_autoptr(GArray) wanted = g_array_new (FALSE, FALSE, sizeof (guint32));

      if (heads == NULL)
        return FALSE;
      for (guint i = 0; i < heads->len; i++)
        {
          const ObImapMessage *head = g_ptr_array_index (heads, i);

          if (head->headers == NULL ||
              ob_classify_needs_text (head->headers, ob_classify_store_get_gate_lookup (), lookup))
            g_array_append_val (wanted, head->uid);
        }
      self->fetched += heads->len;

      for (guint k = 0; k < wanted->len && !quitting (self); k += FETCH_BATCH)
        {
          guint m = MIN (FETCH_BATCH, wanted->len - k);
          g_autoptr(GPtrArray) messages = ob_imap_connection_fetch (imap, &g_array_index (wanted, guint32, k),
                                                                    m, NULL, TEXT_BYTES, error);

          if (messages == NULL || !handle_messages (self, store, lookup, folder, messages, error))
            return FALSE;
          self->read_whole += messages->len;
        }
      if (quitting (self))
        return TRUE;
      /* Unrelated messages, and UIDs the server no longer had, are passed
       * once per batch. */
      folder->last_uid = MAX (folder->last_uid, g_array_index (uids, guint32, first + n - 1));
      if (!save_folder (self->account_id, store, folder, error))
        return FALSE;
    }
  return TRUE;
}

/* EXAMINE @folder and handle what is new in it. */
static gboolean
check_folder (ObWatcher        *self,
              ObStore          *store,
              ObClassifyStore  *lookup,
              ObImapConnection *imap,
              Folder           *folder,
              GError          **error)
{
  ObImapFolderInfo info = { 0 };
  g_autoptr(GArray) uids = NULL;

  if (!ob_imap_connection_examine (imap, folder->name, &info, error))
    return FALSE;

  if (!folder->known || folder->uidvalidity != info.uidvalidity)
    {
      /* First sight or a renumbered folder: a bounded window, from the
       * first send at most RESCAN_DAYS back, the last messages only. What
       * was already handled is not handled twice (events name the
       * incoming Message-ID). */
      gint64 since_unix = g_get_real_time () / G_USEC_PER_SEC - RESCAN_DAYS * 86400;
      gint64 first = first_sent_at (self, store);
      g_autoptr(GDateTime) since = NULL;

      /* Nothing was sent before this watcher started: nothing older can
       * be an answer (the first sends race the first EXAMINE). */
      if (!folder->known && (first == 0 || first >= self->started_at - 5))
        uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      else
        {
          since = g_date_time_new_from_unix_utc (MAX (since_unix, first - 86400));
          uids = ob_imap_connection_search_since (imap, since, error);
          if (uids == NULL)
            return FALSE;
          if (uids->len > RESCAN_MAX_MESSAGES)
            g_array_remove_range (uids, 0, uids->len - RESCAN_MAX_MESSAGES);
        }
      folder->uidvalidity = info.uidvalidity;
      folder->last_uid = 0;
      folder->known = TRUE;
      if (!handle_uids (self, store, lookup, imap, folder, uids, error))
        return FALSE;
      /* Nothing below UIDNEXT is new any more. */
      folder->last_uid = MAX (folder->last_uid, info.uidnext > 0 ? info.uidnext - 1 : 0);
      return save_folder (self->account_id, store, folder, error);
    }

  uids = ob_imap_connection_search_uids (imap, folder->last_uid + 1, error);
  if (uids == NULL)
    return FALSE;
  return handle_uids (self, store, lookup, imap, folder, uids, error);
}

/* ---- The thread ------------------------------------------------------------ */

/* A key of the settings a connection was made with. */
static char *
connection_key (const ObAccount *account)
{
  g_autofree char *pins = account->imap_pins != NULL ? g_strjoinv (",", account->imap_pins) : g_strdup ("");

  return g_strdup_printf ("%s:%u:%d:%s:%s:%s", account->imap_host != NULL ? account->imap_host : "",
                          account->imap_port, (int) account->imap_security,
                          ob_account_get_imap_login (account), account->ca_file != NULL ? account->ca_file : "",
                          pins);
}

/* After a wake: were the account's IMAP settings changed (or its folders)? */
static gboolean
settings_changed (ObWatcher  *self,
                  ObStore    *store,
                  const char *key)
{
  g_autoptr(ObAccount) account = ob_accounts_get (store, self->account_id, NULL);
  g_autofree char *now = account != NULL ? connection_key (account) : NULL;

  return g_strcmp0 (now, key) != 0;
}

/* Watches until the connection fails, the settings change or the watcher
 * must quit. */
static void
watch (ObWatcher        *self,
       ObStore          *store,
       ObImapConnection *imap,
       ObImapSentCopy   *sent_copy,
       const char       *key,
       GError          **error)
{
  g_autoptr(ObClassifyStore) lookup = ob_classify_store_new (store, self->account_id);
  g_autoptr(GPtrArray) folders = load_folders (self, store, error);
  gboolean idle = ob_imap_connection_has_capability (imap, "IDLE");
  g_autofree char *detail = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  if (folders == NULL)
    return;
  self->fetched = self->read_whole = 0;
  for (guint i = 0; i < folders->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", ((Folder *) g_ptr_array_index (folders, i))->name);
  detail = g_strdup_printf ("%s %s", idle ? "IDLE" : "polling", names->str);

  while (!quitting (self))
    {
      /* The first folder last: IDLE waits in it. */
      for (guint i = folders->len; i > 0; i--)
        if (!check_folder (self, store, lookup, imap, g_ptr_array_index (folders, i - 1), error))
          return;
      /* Said once caught up: from now on nothing new is missed. */
      if (detail != NULL)
        {
          ObWatcherEvent event = { .kind = OB_WATCHER_WATCHING, .detail = detail,
                                   .n_fetched = self->fetched, .n_read = self->read_whole };

          post_event (self, &event);
        }
      g_clear_pointer (&detail, g_free);
      /* What failed before this run goes again now; what failed in it
       * (the sender's copy a moment ago), after a few minutes. */
      ob_imap_retry_sent_copies (sent_copy, store, SENT_COPY_RETRY_LIMIT,
                                 MAX (self->started_at,
                                      g_get_real_time () / G_USEC_PER_SEC - SENT_COPY_RETRY_AFTER_SECONDS),
                                 NULL);

      if (idle)
        {
          ObImapIdleResult result;

          result = ob_imap_connection_idle (imap, folders->len > 1 ? POLL_SECONDS : IDLE_SECONDS, error);
          if (error != NULL && *error != NULL)
            return;
          if (result == OB_IMAP_IDLE_INTERRUPTED && take_wake (self) && settings_changed (self, store, key))
            return;
        }
      else
        {
          if (!wait_for (self, POLL_SECONDS) || settings_changed (self, store, key))
            return;
          if (!ob_imap_connection_noop (imap, error))
            return;
        }
    }
}

static gpointer
watcher_thread (gpointer data)
{
  ObWatcher *self = data;
  g_autoptr(GError) error = NULL;
  ObStore *store = ob_store_open_for_thread (self->db_path, &error);
  ObImapSentCopy *sent_copy;
  guint backoff = BACKOFF_FIRST_SECONDS;

  if (store == NULL)
    {
      post (self, OB_WATCHER_ERROR, 0, error->message);
      return NULL;
    }
  sent_copy = ob_imap_sent_copy_new (self->account_id);
  self->started_at = g_get_real_time () / G_USEC_PER_SEC;

  while (!quitting (self))
    {
      g_autoptr(ObAccount) account = NULL;
      g_autoptr(ObImapConnection) imap = NULL;
      gint64 started;
      guint wait;

      g_clear_error (&error);
      account = ob_accounts_get (store, self->account_id, &error);
      if (account == NULL || !ob_account_has_imap (account))
        {
          if (account == NULL)
            post (self, OB_WATCHER_ERROR, 0, error->message);
          if (!wait_for (self, 0))
            break;
          continue;
        }

      imap = ob_imap_connect_account (account, IMAP_TIMEOUT_SECONDS, self->cancellable, &error);
      started = g_get_monotonic_time ();
      if (imap != NULL)
        {
          g_autofree char *key = connection_key (account);

          set_connection (self, imap);
          watch (self, store, imap, sent_copy, key, &error);
          ob_imap_connection_close (imap);
        }
      set_connection (self, NULL);
      if (quitting (self))
        break;
      /* The settings changed: connect again with them, now. */
      if (imap != NULL && error == NULL)
        continue;

      /* A connection that lived a while starts the backoff again. */
      if (g_get_monotonic_time () - started > (gint64) BACKOFF_MAX_SECONDS * G_USEC_PER_SEC)
        backoff = BACKOFF_FIRST_SECONDS;
      /* A sign-in the provider no longer accepts holds the account, as
       * the sender does: the rep must sign in again. */
      if (g_error_matches (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN)
          || g_error_matches (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_CLIENT))
        {
          g_autoptr(GError) hold_error = NULL;

          if (!ob_outbox_hold_account (store, account->id, "error", error->message, 0,
                                       &hold_error))
            g_warning ("Cannot hold account %" G_GINT64_FORMAT ": %s", account->id,
                       hold_error->message);
        }
      if (error != NULL && (g_error_matches (error, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH) ||
                            g_error_matches (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TLS) ||
                            error->domain == OB_SECRETS_ERROR ||
                            (error->domain == OB_OAUTH_ERROR &&
                             error->code != OB_OAUTH_ERROR_NETWORK)))
        wait = NEEDS_REP_SECONDS;
      else
        {
          wait = backoff;
          backoff = MIN (backoff * 2, BACKOFF_MAX_SECONDS);
        }
      post (self, OB_WATCHER_ERROR, g_get_real_time () / G_USEC_PER_SEC + wait,
            error != NULL ? error->message : _("The IMAP connection ended"));
      if (!wait_for (self, wait))
        break;
    }

  ob_imap_sent_copy_free (sent_copy);
  g_object_unref (store);
  return NULL;
}

/* ---- Public ---------------------------------------------------------------- */

static void
ob_watcher_finalize (GObject *object)
{
  ObWatcher *self = OB_WATCHER (object);

  g_assert (self->thread == NULL);
  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_free (self->db_path);
  g_main_context_unref (self->context);
  g_clear_object (&self->imap);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ob_watcher_parent_class)->finalize (object);
}

static void
ob_watcher_class_init (ObWatcherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_watcher_finalize;
}

static void
ob_watcher_init (ObWatcher *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->cancellable = g_cancellable_new ();
}

ObWatcher *
ob_watcher_new (const char         *db_path,
                gint64              account_id,
                GMainContext       *context,
                ObWatcherEventFunc  func,
                gpointer            user_data,
                GDestroyNotify      destroy)
{
  ObWatcher *self = g_object_new (OB_TYPE_WATCHER, NULL);

  self->db_path = g_strdup (db_path);
  self->account_id = account_id;
  self->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  return self;
}

gint64
ob_watcher_get_account_id (ObWatcher *self)
{
  return self->account_id;
}

void
ob_watcher_start (ObWatcher *self)
{
  g_autofree char *name = g_strdup_printf ("watcher-%" G_GINT64_FORMAT, self->account_id);

  g_return_if_fail (self->thread == NULL);
  self->quit = FALSE;
  self->thread = g_thread_new (name, watcher_thread, self);
}

void
ob_watcher_wake (ObWatcher *self)
{
  g_mutex_lock (&self->lock);
  self->wake = TRUE;
  g_cond_signal (&self->cond);
  if (self->imap != NULL)
    ob_imap_connection_interrupt (self->imap);
  g_mutex_unlock (&self->lock);
}

void
ob_watcher_stop (ObWatcher *self)
{
  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  if (self->imap != NULL)
    ob_imap_connection_cancel (self->imap);
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  self->thread = NULL;
  self->func = NULL;
}
