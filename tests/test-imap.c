/* test-imap.c: the IMAP layer against the mail bed's real Dovecot: TLS and
 * STARTTLS verified before LOGIN, special-use Sent, EXAMINE, UID SEARCH,
 * UID FETCH of header fields and a bounded part of the text without ever
 * setting \Seen, APPEND, IDLE woken by a delivery and by another thread
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "mail". Works in rep's mailbox, never in Sent (test-watch kicks rep2's connections).
 */
#include "config.h"

#include <string.h>

#include "ob-imap.h"
#include "ob-smtp.h"
#include "bedlib.h"

static ObImapConnection *
open_bed (ObTlsSecurity security,
          const char   *host,
          gboolean      trust_ca,
          GError      **error)
{
  ObTlsEndpoint endpoint = {
    .host = host,
    .port = bed_port (security == OB_TLS_SECURITY_TLS ? "MAILBED_IMAPS_PORT" : "MAILBED_IMAP_PORT"),
    .security = security,
    .ca_file = trust_ca ? bed_get ("MAILBED_CA_FILE") : NULL,
    .timeout_seconds = 10,
  };
  g_autoptr(ObImapConnection) imap = ob_imap_connection_new ();

  if (!ob_imap_connection_open (imap, &endpoint, NULL, error))
    return NULL;
  return g_steal_pointer (&imap);
}

static ObImapConnection *
login_bed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = open_bed (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), TRUE, &error);

  g_assert_no_error (error);
  ob_imap_connection_login (imap, bed_get ("MAILBED_REP"), bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);
  return g_steal_pointer (&imap);
}

static char *
make_message (const char *message_id,
              const char *subject,
              gsize       body_lines)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "From: Someone <someone@outbound.test>\r\nTo: %s\r\n"
                          "Subject: %s\r\nMessage-ID: <%s>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "X-Not-Fetched: secret\r\n\r\n",
                          bed_get ("MAILBED_REP"), subject, message_id);
  for (gsize i = 0; i < body_lines; i++)
    g_string_append_printf (text, "Line %" G_GSIZE_FORMAT " of the body, long enough to count.\r\n", i);
  return g_string_free (text, FALSE);
}

/* UIDs of messages in the examined folder whose Message-ID is @id. */
static guint32
find_uid (ObImapConnection *imap,
          guint32           from_uid,
          const char       *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uids = ob_imap_connection_search_uids (imap, from_uid, &error);
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *needle = g_strdup_printf ("<%s>", id);
  const char *fields[] = { "Message-ID", NULL };

  g_assert_no_error (error);
  if (uids->len == 0)
    return 0;
  messages = ob_imap_connection_fetch (imap, (guint32 *) uids->data, uids->len, fields, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < messages->len; i++)
    {
      ObImapMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *headers = g_strndup (g_bytes_get_data (m->headers, NULL), g_bytes_get_size (m->headers));

      if (strstr (headers, needle) != NULL)
        return m->uid;
    }
  return 0;
}

static void
test_open_and_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) tls = NULL;
  g_autoptr(ObImapConnection) starttls = NULL;
  g_autoptr(ObImapConnection) untrusted = NULL;
  g_autoptr(ObImapConnection) wrong_host = NULL;
  g_autoptr(ObImapConnection) bad = NULL;

  tls = open_bed (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ob_imap_connection_get_peer_certificate (tls));
  ob_imap_connection_login (tls, bed_get ("MAILBED_REP"), bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);
  g_assert_true (ob_imap_connection_has_capability (tls, "IDLE"));
  g_assert_true (ob_imap_connection_noop (tls, &error));
  ob_imap_connection_logout (tls);
  g_assert_false (ob_imap_connection_is_open (tls));

  /* 127.0.0.2: Dovecot would let 127.0.0.1 log in without TLS. */
  starttls = open_bed (OB_TLS_SECURITY_STARTTLS, bed_get ("MAILBED_ADDRESS_IN_CERT"), TRUE, &error);
  g_assert_no_error (error);
  ob_imap_connection_login (starttls, bed_get ("MAILBED_REP"), bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);

  untrusted = open_bed (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), FALSE, &error);
  g_assert_null (untrusted);
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TLS);
  g_clear_error (&error);
  wrong_host = open_bed (OB_TLS_SECURITY_STARTTLS, bed_get ("MAILBED_ADDRESS_NOT_IN_CERT"), TRUE, &error);
  g_assert_null (wrong_host);
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_TLS);
  g_clear_error (&error);

  bad = open_bed (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (ob_imap_connection_login (bad, bed_get ("MAILBED_REP"), "not-the-password", &error));
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_AUTH);
  g_test_message ("wrong password: %s", error->message);
}

static void
test_find_sent_and_folders (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = login_bed ();
  g_autofree char *sent = ob_imap_connection_find_sent (imap, &error);
  ObImapFolderInfo info = { 0 };

  g_assert_no_error (error);
  g_assert_cmpstr (sent, ==, "Sent");
  g_assert_true (ob_imap_connection_examine (imap, "INBOX", &info, &error));
  g_assert_cmpuint (info.uidvalidity, >, 0);
  g_assert_cmpuint (info.uidnext, >, 0);
  g_assert_false (ob_imap_connection_examine (imap, "No Such Folder", &info, &error));
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_NO_FOLDER);
  g_clear_error (&error);
  /* The connection is still usable after a NO. */
  g_assert_true (ob_imap_connection_examine (imap, "INBOX", &info, &error));
  g_assert_no_error (error);
}

static void
test_append_search_fetch_peek (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = login_bed ();
  g_autofree char *id = g_strdup_printf ("imap-fetch-%d-%" G_GINT64_FORMAT "@outbound.test", getpid (),
                                         g_get_real_time ());
  g_autofree char *seen_id = g_strconcat ("seen-", id, NULL);
  g_autofree char *text = make_message (id, "Fetch me", 400);
  g_autofree char *seen_text = make_message (seen_id, "Seen already", 2);
  g_autoptr(GBytes) message = g_bytes_new (text, strlen (text));
  g_autoptr(GBytes) seen_message = g_bytes_new (seen_text, strlen (seen_text));
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *headers = NULL;
  ObImapFolderInfo info = { 0 };
  ObImapMessage *m;
  guint32 uids[2];

  g_assert_true (ob_imap_connection_examine (imap, "INBOX", &info, &error));
  g_assert_true (ob_imap_connection_append (imap, "INBOX", message, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (ob_imap_connection_append (imap, "INBOX", seen_message, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (ob_imap_connection_append (imap, "No Such Folder", message, TRUE, &error));
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_NO_FOLDER);
  g_clear_error (&error);

  g_assert_true (ob_imap_connection_examine (imap, "INBOX", NULL, &error));
  uids[0] = find_uid (imap, info.uidnext, id);
  uids[1] = find_uid (imap, info.uidnext, seen_id);
  g_assert_cmpuint (uids[0], >=, info.uidnext);
  g_assert_cmpuint (uids[1], >, uids[0]);

  messages = ob_imap_connection_fetch (imap, uids, 1, NULL, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  m = g_ptr_array_index (messages, 0);
  g_assert_cmpuint (m->uid, ==, uids[0]);
  headers = g_strndup (g_bytes_get_data (m->headers, NULL), g_bytes_get_size (m->headers));
  g_assert_nonnull (strstr (headers, "Subject: Fetch me"));
  g_assert_null (strstr (headers, "X-Not-Fetched"));
  g_assert_nonnull (m->text);
  g_assert_cmpuint (g_bytes_get_size (m->text), ==, 100);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (m->text, NULL), "Line 0 of the body"));
  g_assert_false (m->seen);

  /* Fetched twice: still unseen; the other one was stored \Seen and says so. */
  again = ob_imap_connection_fetch (imap, uids, 2, NULL, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 2);
  g_assert_false (((ObImapMessage *) g_ptr_array_index (again, 0))->seen);
  g_assert_true (((ObImapMessage *) g_ptr_array_index (again, 1))->seen);

  /* n:* answers the highest message even when n is above it. */
  {
    g_autoptr(GArray) none = ob_imap_connection_search_uids (imap, uids[1] + 1000, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

typedef struct
{
  const char *message_id;
  guint       delay_ms;
  gint64      accepted_at;   /* monotonic, after the 250 */
} Delivery;

static void
deliver (const char *to,
         const char *message_id,
         gint64     *accepted_at)
{
  ObTlsEndpoint endpoint = {
    .host = bed_get ("MAILBED_HOST"),
    .port = bed_port ("MAILBED_SMTP_PORT"),
    .security = OB_TLS_SECURITY_INSECURE,
    .timeout_seconds = 10,
  };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = make_message (message_id, "Delivered while idling", 3);

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_send (smtp, "someone@outbound.test", to, text, strlen (text) - 2, NULL, &error);
  g_assert_no_error (error);
  *accepted_at = g_get_monotonic_time ();
  ob_smtp_connection_close (smtp);
}

static gpointer
deliver_later (gpointer data)
{
  Delivery *d = data;

  g_usleep (d->delay_ms * 1000);
  deliver (bed_get ("MAILBED_REP"), d->message_id, &d->accepted_at);
  return NULL;
}

static void
test_idle_sees_delivery (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = login_bed ();
  g_autofree char *id = g_strdup_printf ("imap-idle-%d-%" G_GINT64_FORMAT "@outbound.test", getpid (),
                                         g_get_real_time ());
  Delivery d = { id, 300, 0 };
  ObImapFolderInfo info = { 0 };
  g_autoptr(GArray) uids = NULL;
  GThread *thread;
  guint32 uid = 0;
  gint64 seen_at = 0;

  g_assert_true (ob_imap_connection_examine (imap, "INBOX", &info, &error));
  uids = ob_imap_connection_search_uids (imap, info.uidnext, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("deliver", deliver_later, &d);
  /* Other tests may deliver to this INBOX too: IDLE until ours is there. */
  for (int round = 0; round < 10 && uid == 0; round++)
    {
      ObImapIdleResult result = ob_imap_connection_idle (imap, 10, &error);

      g_assert_no_error (error);
      g_assert_cmpint (result, ==, OB_IMAP_IDLE_ACTIVITY);
      seen_at = g_get_monotonic_time ();
      uid = find_uid (imap, info.uidnext, id);
    }
  g_thread_join (thread);
  g_assert_cmpuint (uid, >=, info.uidnext);
  g_test_message ("IDLE saw the delivery %.0f ms after the 250", (seen_at - d.accepted_at) / 1000.0);
  /* Dovecot pushes EXISTS ~0.5 s after delivery. */
  g_assert_cmpint (seen_at - d.accepted_at, <, 3 * G_USEC_PER_SEC);
}

static gpointer
interrupt_later (gpointer data)
{
  g_usleep (200 * 1000);
  ob_imap_connection_interrupt (data);
  return NULL;
}

static void
test_idle_interrupt_and_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObImapConnection) imap = login_bed ();
  GThread *thread;
  gint64 started;
  ObImapIdleResult result;

  /* Nothing is delivered to Drafts: only the interrupt can end this. */
  g_assert_true (ob_imap_connection_examine (imap, "Drafts", NULL, &error));
  g_assert_no_error (error);
  started = g_get_monotonic_time ();
  thread = g_thread_new ("interrupt", interrupt_later, imap);
  result = ob_imap_connection_idle (imap, 30, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, OB_IMAP_IDLE_INTERRUPTED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_true (ob_imap_connection_is_open (imap));

  /* The connection goes on after DONE; a short IDLE ends by its time. */
  result = ob_imap_connection_idle (imap, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, OB_IMAP_IDLE_TIMEOUT);

  /* Cancel: the next call fails at once and the connection is closed. */
  ob_imap_connection_cancel (imap);
  g_assert_false (ob_imap_connection_noop (imap, &error));
  g_assert_error (error, OB_IMAP_ERROR, OB_IMAP_ERROR_CANCELLED);
  g_assert_false (ob_imap_connection_is_open (imap));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

  g_test_add_func ("/engine/imap/open-and-login", test_open_and_login);
  g_test_add_func ("/engine/imap/find-sent-and-folders", test_find_sent_and_folders);
  g_test_add_func ("/engine/imap/append-search-fetch-peek", test_append_search_fetch_peek);
  g_test_add_func ("/engine/imap/idle-sees-delivery", test_idle_sees_delivery);
  g_test_add_func ("/engine/imap/idle-interrupt-and-cancel", test_idle_interrupt_and_cancel);

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
