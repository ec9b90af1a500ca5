/* test-replies.c: the replies list, the rep's labels, the mail client's URI
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-replies.h"
#include "ob-stats.h"
#include "testlib.h"

typedef struct
{
  char    *dir;
  char    *path;
  ObStore *store;
} Fixture;

static void
exec_sql (Fixture    *f,
          const char *sql)
{
  g_autoptr(GError) error = NULL;

  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
}

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ob-replies-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (f->path, &error);
  g_assert_no_error (error);
  exec_sql (f, "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security)"
               " VALUES (1, 'rep', 'rep@example.test', 'localhost', 587, 'starttls')");
  exec_sql (f, "INSERT INTO campaigns (id, name, account_id) VALUES (7, 'Q1 founders', 1)");
  exec_sql (f, "INSERT INTO prospects (id, email, email_key, domain, first_name, last_name)"
               " VALUES (1, 'ann@acme.test', 'ann@acme.test', 'acme.test', 'Ann', 'Lee'),"
               "        (2, 'bob@bolt.test', 'bob@bolt.test', 'bolt.test', '', '')");
  exec_sql (f, "INSERT INTO enrollments (id, campaign_id, prospect_id, state)"
               " VALUES (11, 7, 1, 'replied'), (12, 7, 2, 'active')");
  /* As the watcher writes them; one detail is damaged. */
  exec_sql (f, "INSERT INTO events (id, at, kind, account_id, campaign_id, prospect_id, enrollment_id,"
               " step_position, detail) VALUES"
               " (100, 1000, 'sent', 1, 7, 1, 11, 1, '{}'),"
               " (101, 2000, 'auto_replied', 1, 7, 2, 12, 1,"
               "  '{\"incoming\":\"ooo.1@bolt.test\",\"subject\":\"Out of office\",\"return_date\":\"2026-12-01\"}'),"
               " (102, 3000, 'replied', 1, 7, 1, 11, 2,"
               "  '{\"incoming\":\"a/b+1@mail.acme.test\",\"subject\":\"Re: Hello\","
               "\"snippet\":\"\\n  Sounds good, call me Tuesday.\\nAnn\\n> quoted\"}'),"
               " (103, 4000, 'replied', 1, NULL, 2, NULL, NULL, 'not json')");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = ob_replies_list (f->store, 0, &error);
  g_autoptr(GPtrArray) two = NULL;
  g_autoptr(ObReply) latest = NULL;
  g_autofree char *first = NULL;
  const ObReply *r;

  g_assert_no_error (error);
  /* Replies and auto-replies only, newest first. */
  g_assert_cmpuint (list->len, ==, 3);
  r = g_ptr_array_index (list, 0);
  g_assert_cmpint (r->event_id, ==, 103);
  g_assert_cmpstr (r->email, ==, "bob@bolt.test");
  g_assert_cmpstr (r->subject, ==, "");
  g_assert_cmpint (r->campaign_id, ==, 0);
  r = g_ptr_array_index (list, 1);
  g_assert_cmpint (r->event_id, ==, 102);
  g_assert_cmpstr (r->name, ==, "Ann Lee");
  g_assert_cmpstr (r->campaign, ==, "Q1 founders");
  g_assert_cmpuint (r->step, ==, 2);
  g_assert_cmpstr (r->incoming, ==, "a/b+1@mail.acme.test");
  first = ob_reply_first_line (r->snippet, 0);
  g_assert_cmpstr (first, ==, "Sounds good, call me Tuesday.");
  g_clear_pointer (&first, g_free);
  first = ob_reply_first_line (r->snippet, 12);
  g_assert_cmpstr (first, ==, "Sounds good…");
  g_assert_null (ob_reply_first_line ("  \n\r\n ", 0));
  r = g_ptr_array_index (list, 2);
  g_assert_cmpstr (r->kind, ==, "auto_replied");
  g_assert_cmpstr (r->return_date, ==, "2026-12-01");

  two = ob_replies_list (f->store, 2, &error);
  g_assert_cmpuint (two->len, ==, 2);

  latest = ob_replies_latest_for_prospect (f->store, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (latest->event_id, ==, 102);
  g_assert_null (ob_replies_get (f->store, 100, &error));
  g_assert_no_error (error);
}

static ObReplyLabel
label_of (Fixture *f,
          gint64   event_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObReply) r = ob_replies_get (f->store, event_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r->label;
}

static void
test_labels (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStatsSnapshot) snap = NULL;

  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_NONE);
  g_assert_true (ob_replies_set_label (f->store, 102, OB_REPLY_LABEL_NOT_NOW, &error));
  g_assert_no_error (error);
  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_NOT_NOW);
  /* The other prospect's reply keeps its own. */
  g_assert_cmpint (label_of (f, 103), ==, OB_REPLY_LABEL_NONE);

  g_assert_true (ob_replies_set_label (f->store, 102, OB_REPLY_LABEL_INTERESTED, &error));
  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_INTERESTED);
  /* The dashboard's "interested" is the same event as its own mark. */
  g_assert_true (ob_stats_mark_positive (f->store, 102, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'reply_positive'"), ==, 1);

  g_assert_true (ob_replies_set_label (f->store, 102, OB_REPLY_LABEL_NOT_INTERESTED, &error));
  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_NOT_INTERESTED);
  /* Interested again: the latest wins, and it counts once. */
  g_assert_true (ob_replies_set_label (f->store, 102, OB_REPLY_LABEL_INTERESTED, &error));
  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_INTERESTED);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'reply_positive'"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind = 'reply_negative'"
                              " AND enrollment_id = 11 AND campaign_id = 7 AND account_id = 1"), ==, 1);
  /* The same label twice writes nothing. */
  g_assert_true (ob_replies_set_label (f->store, 102, OB_REPLY_LABEL_INTERESTED, &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM events WHERE kind LIKE 'reply\\_%' ESCAPE '\\'"), ==, 4);

  /* A reply without a sequence is labelled by its prospect. */
  g_assert_true (ob_replies_set_label (f->store, 103, OB_REPLY_LABEL_NOT_NOW, &error));
  g_assert_cmpint (label_of (f, 103), ==, OB_REPLY_LABEL_NOT_NOW);
  g_assert_cmpint (label_of (f, 102), ==, OB_REPLY_LABEL_INTERESTED);

  /* Only replies can be labelled. */
  g_assert_false (ob_replies_set_label (f->store, 100, OB_REPLY_LABEL_NOT_NOW, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_mail_uri (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObReply) with_id = ob_replies_get (f->store, 102, &error);
  g_autoptr(ObReply) without = ob_replies_get (f->store, 103, &error);
  g_autofree char *mid = ob_reply_mail_uri (with_id);
  g_autofree char *mailto = ob_reply_mail_uri (without);

  /* RFC 2392: the Message-ID without brackets, "/" escaped. */
  g_assert_cmpstr (mid, ==, "mid:a%2Fb+1@mail.acme.test");
  g_assert_cmpstr (mailto, ==, "mailto:bob@bolt.test");
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GPtrArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = ob_replies_list_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_list_async (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;

  ob_replies_list_async (f->path, 500, NULL, list_done_cb, &list);
  while (list == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (list->len, ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/engine/replies/list", test_list);
  ADD ("/engine/replies/labels", test_labels);
  ADD ("/engine/replies/mail-uri", test_mail_uri);
  ADD ("/engine/replies/list-async", test_list_async);
#undef ADD

  return g_test_run ();
}
