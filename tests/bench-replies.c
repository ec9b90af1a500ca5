/* bench-replies.c: how fast the watcher acts on replies, and catches up
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run by tests/bench/replies.py, inside a D-Bus session whose keyring holds
 * the account's password (the watcher reads it like the app does).
 *
 *   bench-replies headers
 *       the header fields the watcher fetches, one a line
 *   bench-replies latency DB ACCOUNT_ID ENV_FILE COUNT
 *       starts a watcher on DB; for the first COUNT sends in DB, one after
 *       the other, the prospect's reply (In-Reply-To: the send) goes to the
 *       bed's plain SMTP port as another server would deliver it; prints one
 *       JSON line per reply: {"ms": from Postfix's 250 to the 'replied'
 *       event, posted after the enrollment is committed 'replied'}
 *   bench-replies catchup DB ACCOUNT_ID
 *       starts a watcher on DB, whose folder state says what was seen
 *       already; prints {"seconds": from start to caught up (the
 *       "watching" event, posted once every new message is handled),
 *       "replied": replies recorded meanwhile, "fetched": messages whose
 *       header fields were fetched, "read": of them, read with their text}
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ob-imap.h"
#include "ob-smtp.h"
#include "ob-store.h"
#include "ob-watcher.h"

typedef struct
{
  guint     replied;
  gboolean  watching;
  gint64    watching_at;
  guint     n_fetched;
  guint     n_read;
  char     *last_replied;   /* the address */
  gint64    last_replied_at;
  char     *error;
} State;

static void
on_event (const ObWatcherEvent *event,
          gpointer              data)
{
  State *state = data;
  gint64 now = g_get_monotonic_time ();

  switch (event->kind)
    {
    case OB_WATCHER_REPLIED:
      state->replied++;
      g_free (state->last_replied);
      state->last_replied = g_strdup (event->email);
      state->last_replied_at = now;
      break;
    case OB_WATCHER_WATCHING:
      if (!state->watching)
        {
          state->watching_at = now;
          state->n_fetched = event->n_fetched;
          state->n_read = event->n_read;
        }
      state->watching = TRUE;
      break;
    case OB_WATCHER_ERROR:
      g_free (state->error);
      state->error = g_strdup (event->detail);
      fprintf (stderr, "watcher: %s\n", event->detail);
      break;
    default:
      break;
    }
}

static gboolean
wait_for (State    *state,
          gboolean (*done) (State *, gpointer),
          gpointer  data,
          double    seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!done (state, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* Blocks until an event is posted, at most until the deadline. */
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
is_watching (State   *state,
             gpointer data)
{
  return state->watching;
}

static gboolean
replied_by (State   *state,
            gpointer data)
{
  return state->last_replied != NULL && g_ascii_strcasecmp (state->last_replied, data) == 0;
}

/* Wakes the main context now and then, so wait_for() sees its deadline. */
static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static GHashTable *
read_env (const char *path)
{
  GHashTable *env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_error ("cannot read %s", path);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      if (eq != NULL)
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return env;
}

static int
latency (const char *db,
         gint64      account_id,
         const char *env_file,
         guint       count)
{
  g_autoptr(GHashTable) env = read_env (env_file);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_open (db, &error);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(ObWatcher) watcher = NULL;
  g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  const char *rep = g_hash_table_lookup (env, "MAILBED_REP2");
  ObTlsEndpoint endpoint = {
    .host = g_hash_table_lookup (env, "MAILBED_HOST"),
    .port = (guint16) g_ascii_strtoull (g_hash_table_lookup (env, "MAILBED_SMTP_PORT"), NULL, 10),
    .security = OB_TLS_SECURITY_INSECURE,
    .timeout_seconds = 30,
  };
  State state = { 0 };

  if (store == NULL)
    g_error ("%s", error->message);
  stmt = ob_store_prepare (store,
                           "SELECT p.email, s.message_id FROM sends AS s JOIN enrollments AS e"
                           " ON e.id = s.enrollment_id JOIN prospects AS p ON p.id = e.prospect_id"
                           " WHERE s.state = 'sent' ORDER BY s.id LIMIT ?1", &error);
  g_assert_no_error (error);
  sqlite3_bind_int (stmt, 1, (int) count);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_ptr_array_add (emails, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_object (&store);
  if (emails->len < count)
    g_error ("the store has %u sends, not %u", emails->len, count);

  g_timeout_add (50, tick, NULL);
  watcher = ob_watcher_new (db, account_id, NULL, on_event, &state, NULL);
  ob_watcher_start (watcher);
  if (!wait_for (&state, is_watching, NULL, 30))
    g_error ("the watcher did not start watching: %s", state.error != NULL ? state.error : "");
  /* One connection for every reply, like a server that delivers to us. */
  if (!ob_smtp_connection_open (smtp, &endpoint, NULL, &error))
    g_error ("%s", error->message);

  for (guint i = 0; i < count; i++)
    {
      const char *email = g_ptr_array_index (emails, i);
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *text = g_strdup_printf (
        "From: Prospect %u <%s>\r\nTo: %s\r\nSubject: Re: A question\r\n"
        "Message-ID: <bench-reply-%u-%" G_GINT64_FORMAT "@prospects.test>\r\n"
        "In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Thanks for your note, let us talk next week.\r\n\r\n> the original text\r\n",
        i, email, rep, i, g_get_real_time (), id, id);
      gint64 accepted;

      if (!ob_smtp_connection_send (smtp, email, rep, text, strlen (text), NULL, &error))
        g_error ("reply %u: %s", i, error->message);
      accepted = g_get_monotonic_time ();
      if (!wait_for (&state, replied_by, (gpointer) email, 30))
        g_error ("reply %u from %s was not recorded within 30 s", i, email);
      printf ("{\"ms\": %.3f}\n", (state.last_replied_at - accepted) / 1000.0);
      fflush (stdout);
      /* Apart, so that each is measured alone. */
      g_usleep (100 * 1000);
    }
  ob_smtp_connection_close (smtp);
  ob_watcher_stop (watcher);
  return 0;
}

static int
catchup (const char *db,
         gint64      account_id)
{
  g_autoptr(ObWatcher) watcher = NULL;
  State state = { 0 };
  gint64 start;

  g_timeout_add (50, tick, NULL);
  watcher = ob_watcher_new (db, account_id, NULL, on_event, &state, NULL);
  start = g_get_monotonic_time ();
  ob_watcher_start (watcher);
  if (!wait_for (&state, is_watching, NULL, 300))
    g_error ("the watcher did not catch up: %s", state.error != NULL ? state.error : "");
  /* The events of the last batch are posted before "watching". */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  printf ("{\"seconds\": %.3f, \"replied\": %u, \"fetched\": %u, \"read\": %u}\n",
          (state.watching_at - start) / (double) G_USEC_PER_SEC, state.replied, state.n_fetched, state.n_read);
  ob_watcher_stop (watcher);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && g_str_equal (argv[1], "headers"))
    {
      for (guint i = 0; ob_imap_watch_headers[i] != NULL; i++)
        printf ("%s\n", ob_imap_watch_headers[i]);
      return 0;
    }
  if (argc == 6 && g_str_equal (argv[1], "latency"))
    return latency (argv[2], g_ascii_strtoll (argv[3], NULL, 10), argv[4],
                    (guint) g_ascii_strtoull (argv[5], NULL, 10));
  if (argc == 4 && g_str_equal (argv[1], "catchup"))
    return catchup (argv[2], g_ascii_strtoll (argv[3], NULL, 10));
  fprintf (stderr, "usage: bench-replies headers | latency DB ACCOUNT_ID ENV_FILE COUNT | catchup DB ACCOUNT_ID\n");
  return 2;
}
