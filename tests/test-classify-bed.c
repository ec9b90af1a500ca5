/* test-classify-bed.c: the classifier on what the real mail bed delivers
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outbound's own message (ob_mime_build) goes to the bed's Postfix; the
 * DSN Postfix writes for an unknown user, and a prospect's answer sent
 * through the same Postfix, are read from the rep's Maildir as Dovecot
 * delivered them (Return-Path, Delivered-To, Received added) and classified
 * with the store's lookup. The IMAP side is the watcher's own suite.
 */

#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "ob-classify.h"
#include "ob-classify-store.h"
#include "ob-mime.h"
#include "ob-store.h"
#include "bedlib.h"
#include "testlib.h"

/* One message over the bed's plain SMTP port (no TLS, no AUTH: the SMTP
 * layer has its own suite). */
static void
smtp_send (const char *from,
           const char *to,
           GBytes     *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  GOutputStream *out;
  const char *commands[] = { "EHLO test.local", NULL, NULL, "DATA" };
  g_autofree char *mail_from = g_strdup_printf ("MAIL FROM:<%s>", from);
  g_autofree char *rcpt_to = g_strdup_printf ("RCPT TO:<%s>", to);
  g_autofree char *line = NULL;

  commands[1] = mail_from;
  commands[2] = rcpt_to;
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                bed_port ("MAILBED_SMTP_PORT"), NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "220"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *command = g_strconcat (commands[i], "\r\n", NULL);

      g_output_stream_write_all (out, command, strlen (command), NULL, NULL, &error);
      g_assert_no_error (error);
      /* Multi-line replies: "250-..." until "250 ..." */
      do
        {
          g_free (line);
          line = g_data_input_stream_read_line (in, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_nonnull (line);
        }
      while (strlen (line) > 3 && line[3] == '-');
      g_assert_true (line[0] == (i == 3 ? '3' : '2'));
    }

  /* ob_mime_build() ends with CRLF and never starts a line with "." */
  g_output_stream_write_all (out, g_bytes_get_data (message, NULL), g_bytes_get_size (message),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, ".\r\nQUIT\r\n", 9, NULL, NULL, &error);
  g_assert_no_error (error);
  g_free (line);
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "250"));
}

/* The message in USER@DOMAIN's INBOX that holds @needle and, when given,
 * @subject_prefix on a Subject line, waiting up to 10 s for it. */
static GBytes *
wait_for_message (const char *address,
                  const char *needle,
                  const char *subject)
{
  g_auto(GStrv) parts = g_strsplit (address, "@", 2);
  g_autofree char *dir = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), parts[1], parts[0],
                                           "Maildir", "new", NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  do
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          char *text = NULL;
          gsize len = 0;

          if (g_file_get_contents (path, &text, &len, NULL) && strstr (text, needle) != NULL &&
              strstr (text, subject) != NULL)
            return g_bytes_new_take (text, len);
          g_free (text);
        }
      g_usleep (20 * 1000);
    }
  while (g_get_monotonic_time () < deadline);

  g_error ("No message with %s reached %s", needle, address);
  return NULL;
}

static void
test_bed_bounce_and_reply (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-classify-bed-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "outbound.db", NULL);
  g_autoptr(ObStore) store = NULL;
  g_autoptr(ObClassifyStore) lookup = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* A prospect's mailbox stands in for the rep's: the reps' inboxes are
   * watched by test-send and test-watch, whose watchers would take p7's
   * answer for a reply from their own prospects' company. */
  g_autofree char *rep = g_strdup_printf ("p8@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *prospect = g_strdup_printf ("p7@%s", bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *unknown = g_strdup_printf ("nobody-%" G_GINT64_FORMAT "@%s", g_get_real_time (),
                                              bed_get ("MAILBED_PROSPECT_DOMAIN"));
  g_autofree char *id_bounced = NULL;
  g_autofree char *id_answered = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GBytes) to_unknown = NULL;
  g_autoptr(GBytes) to_prospect = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GBytes) dsn = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(ObClassifyVerdict) v_dsn = NULL;
  g_autoptr(ObClassifyVerdict) v_reply = NULL;
  ObMimeParams params = {
    .from_name = "Rep", .from_addr = rep, .subject = "Quick question",
    .body_text = "Hi,\n\nWould a short call next week help?\n", .date = now,
    .list_unsubscribe = rep,
  };

  g_assert_no_error (error);

  /* Two messages of ours: one to an address the bed does not know */
  params.to_addr = unknown;
  to_unknown = ob_mime_build (&params, &id_bounced, &error);
  g_assert_no_error (error);
  params.to_addr = prospect;
  to_prospect = ob_mime_build (&params, &id_answered, &error);
  g_assert_no_error (error);

  store = ob_store_open (db, &error);
  g_assert_no_error (error);
  sql = g_strdup_printf (
    "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security) VALUES "
    "  (1, 'rep', '%s', 'localhost', 25, 'tls');"
    "INSERT INTO campaigns (id, name, account_id) VALUES (1, 'bed', 1);"
    "INSERT INTO prospects (id, email, email_key, domain) VALUES "
    "  (1, '%s', '%s', '%s'), (2, '%s', '%s', '%s');"
    "INSERT INTO enrollments (id, campaign_id, prospect_id) VALUES (11, 1, 1), (12, 1, 2);"
    "INSERT INTO sends (id, enrollment_id, step_position, account_id, state, message_id) VALUES "
    "  (21, 11, 1, 1, 'sent', '%s'), (22, 12, 1, 1, 'sent', '%s');",
    rep, unknown, unknown, bed_get ("MAILBED_PROSPECT_DOMAIN"),
    prospect, prospect, bed_get ("MAILBED_PROSPECT_DOMAIN"), id_bounced, id_answered);
  g_assert_true (ob_store_exec (store, sql, &error));
  g_assert_no_error (error);
  lookup = ob_classify_store_new (store, 1);

  smtp_send (rep, unknown, to_unknown);
  smtp_send (rep, prospect, to_prospect);

  /* The prospect answers in the thread, from their own mailbox */
  {
    g_autofree char *subject = ob_mime_reply_subject ("Quick question");
    ObMimeParams answer_params = {
      .from_name = "P Seven", .from_addr = prospect, .to_addr = rep, .subject = subject,
      .body_text = "Sounds good, call me on Thursday.\n\n> Would a short call next week help?\n",
      .date = now, .in_reply_to = id_answered,
      .references = (const char * const[]) { id_answered, NULL },
    };

    answer = ob_mime_build (&answer_params, NULL, &error);
    g_assert_no_error (error);
    smtp_send (prospect, rep, answer);
  }

  dsn = wait_for_message (rep, id_bounced, "Undelivered Mail Returned to Sender");
  v_dsn = ob_classify_message (dsn, NULL, ob_classify_store_get_lookup (), lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_classify_kind_to_string (v_dsn->kind), ==, "bounce-hard");
  g_assert_cmpstr (v_dsn->status, ==, "5.1.1");
  g_assert_cmpstr (v_dsn->address, ==, unknown);
  g_assert_cmpint (v_dsn->match, ==, OB_CLASSIFY_MATCH_MESSAGE_ID);
  g_assert_cmpstr (v_dsn->message_id, ==, id_bounced);
  g_assert_cmpint (v_dsn->target.send_id, ==, 21);
  g_assert_cmpint (v_dsn->target.enrollment_id, ==, 11);

  reply = wait_for_message (rep, id_answered, "Re: Quick question");
  v_reply = ob_classify_message (reply, NULL, ob_classify_store_get_lookup (), lookup, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_classify_kind_to_string (v_reply->kind), ==, "reply");
  g_assert_cmpint (v_reply->target.send_id, ==, 22);
  g_assert_cmpint (v_reply->target.prospect_id, ==, 2);
  g_assert_cmpstr (v_reply->address, ==, prospect);

  g_clear_pointer (&lookup, ob_classify_store_free);
  g_clear_object (&store);
  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

  g_test_add_func ("/engine/classify/bed/bounce-and-reply", test_bed_bounce_and_reply);

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
