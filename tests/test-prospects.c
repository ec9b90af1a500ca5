/* test-prospects.c: prospects: save, load, search index, list queries, delete
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-prospects.h"

typedef struct
{
  char    *dir;
  ObStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("ob-prospects-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = g_strdup (ob_store_get_path (f->store));
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_clear_object (&f->store);
  g_remove (wal);
  g_remove (shm);
  g_remove (path);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static gint64
add (Fixture    *f,
     const char *email,
     const char *first,
     const char *last,
     const char *company)
{
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(GError) error = NULL;

  ob_prospect_set_field (p, "email", email);
  ob_prospect_set_field (p, "first_name", first);
  ob_prospect_set_field (p, "last_name", last);
  ob_prospect_set_field (p, "company", company);
  g_assert_true (ob_prospect_save (p, f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_prospect_get_id (p), >, 0);
  return ob_prospect_get_id (p);
}

/* Bulk rows as an import writes them: straight into the table, not indexed. */
static void
add_raw (Fixture    *f,
         const char *email,
         const char *company)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("INSERT INTO prospects (email, email_key, domain, company)"
                                          " VALUES ('%s', lower ('%s'), 'x.test', '%s')",
                                          email, email, company);

  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
}

static GArray *
search (Fixture    *f,
        const char *needle)
{
  ObProspectQuery query = { .search = (char *) needle };
  g_autoptr(GError) error = NULL;
  GArray *ids = ob_prospects_query_ids (f->store, &query, NULL, &error);

  g_assert_no_error (error);
  return ids;
}

static void
assert_ids (GArray *ids,
            guint   n,
            ...)
{
  va_list args;

  g_assert_cmpuint (ids->len, ==, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (ids, gint64, i), ==, va_arg (args, gint64));
  va_end (args);
  g_array_unref (ids);
}

static void
test_save_load (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(ObProspect) loaded = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *full = NULL;

  ob_prospect_set_field (p, "email", "  Łucja@Bücher.Example ");
  ob_prospect_set_field (p, "first_name", "Łucja");
  ob_prospect_set_field (p, "last_name", "Żółć");
  ob_prospect_set_field (p, "linkedin_url", "https://example.test/in/l \"q\"");
  ob_prospect_set_field (p, "notes", "line one\nline two");
  g_assert_true (ob_prospect_save (p, f->store, &error));
  g_assert_no_error (error);

  loaded = ob_prospect_load (f->store, ob_prospect_get_id (p), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_prospect_get_email (loaded), ==, "Łucja@Bücher.Example");
  g_assert_cmpstr (ob_prospect_get_field (loaded, "linkedin_url"), ==,
                   "https://example.test/in/l \"q\"");
  g_assert_cmpstr (ob_prospect_get_field (loaded, "notes"), ==, "line one\nline two");
  g_assert_cmpstr (ob_prospect_get_status (loaded), ==, "active");
  names = ob_prospect_dup_field_names (loaded);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  full = ob_prospect_dup_full_name (loaded);
  g_assert_cmpstr (full, ==, "Łucja Żółć");

  /* The dedupe key folds case and holds the domain in punycode. */
  {
    g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store,
                                                     "SELECT email_key, domain FROM prospects",
                                                     &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==,
                     "łucja@xn--bcher-kva.example");
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, "xn--bcher-kva.example");
  }
}

static void
test_duplicate_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(GError) error = NULL;

  add (f, "ann@acme.test", "Ann", "Lee", "Acme");
  ob_prospect_set_field (p, "email", "ANN@ACME.TEST");
  g_assert_false (ob_prospect_save (p, f->store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  ob_prospect_set_field (p, "email", "no-at-sign");
  g_assert_false (ob_prospect_save (p, f->store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_search_indexed (Fixture       *f,
                     gconstpointer  data)
{
  gint64 ann = add (f, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  gint64 bob = add (f, "bob@bolt.test", "Bob", "Żółkiewski", "Bolt");
  gint64 cid = add (f, "cid@acme.test", "Cid", "Moe", "Other");

  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 0);
  assert_ids (search (f, "acme"), 2, ann, cid);
  assert_ids (search (f, "ACME CORP"), 1, ann);
  /* across first and last name; Unicode case folding */
  assert_ids (search (f, "bob żÓŁ"), 1, bob);
  assert_ids (search (f, "nobody"), 0);
  /* FTS syntax in the needle is text, not an operator */
  assert_ids (search (f, "\"acme\" OR"), 0);
  /* short needles: start of the address or of the domain */
  assert_ids (search (f, "bo"), 1, bob);
  assert_ids (search (f, "ac"), 2, ann, cid);
  assert_ids (search (f, "%"), 0);
  assert_ids (search (f, "   "), 3, ann, bob, cid);
}

static void
count_first_batch (const gint64 *ids,
                   guint         n_ids,
                   gpointer      user_data)
{
  guint *calls = user_data;

  g_assert_cmpuint (n_ids, ==, 10);
  (*calls)++;
}

/* Short needles over ids spread across many 64-bit words of the bitmap the
 * fast path uses, in both orders, against the same question asked in SQL. */
static void
test_search_short_needle (Fixture       *f,
                          gconstpointer  data)
{
  const char * const needles[] = { "a", "ab", "b", "bo", "q", "zz" };
  g_autoptr(GError) error = NULL;

  ob_store_exec (f->store, "BEGIN", &error);
  g_assert_no_error (error);
  for (int i = 1; i <= 700; i++)
    {
      /* addresses starting with a or b; domains starting with b or q;
       * some rows match a needle twice (address and domain) */
      g_autofree char *sql = g_strdup_printf (
        "INSERT INTO prospects (email, email_key, domain) VALUES"
        " ('%s%d@%s.test', lower ('%s%d@%s.test'), '%s.test')",
        i % 3 ? "Ab" : "bo", i, i % 5 ? "qa" : "bolt", i % 3 ? "Ab" : "bo", i,
        i % 5 ? "qa" : "bolt", i % 5 ? "qa" : "bolt");

      ob_store_exec (f->store, sql, &error);
      g_assert_no_error (error);
    }
  /* gaps in the ids */
  ob_store_exec (f->store, "DELETE FROM prospects WHERE id % 7 = 0; COMMIT", &error);
  g_assert_no_error (error);

  for (guint n = 0; n < G_N_ELEMENTS (needles); n++)
    for (int descending = 0; descending <= 1; descending++)
      {
        ObProspectQuery query = { .search = (char *) needles[n], .descending = descending };
        g_autofree char *sql = g_strdup_printf (
          "SELECT id FROM prospects WHERE substr (email_key, 1, %d) = '%s'"
          " OR substr (domain, 1, %d) = '%s' ORDER BY id %s",
          (int) strlen (needles[n]), needles[n], (int) strlen (needles[n]), needles[n],
          descending ? "DESC" : "ASC");
        g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);
        g_autoptr(GArray) ids = NULL;
        guint calls = 0, i = 0;
        int rc;

        g_assert_no_error (error);
        ids = ob_prospects_query_ids_full (f->store, &query, 10, count_first_batch, &calls,
                                           NULL, &error);
        g_assert_no_error (error);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            g_assert_cmpuint (i, <, ids->len);
            g_assert_cmpint (g_array_index (ids, gint64, i), ==, sqlite3_column_int64 (stmt, 0));
            i++;
          }
        g_assert_cmpint (rc, ==, SQLITE_DONE);
        g_assert_cmpuint (i, ==, ids->len);
        g_assert_cmpuint (calls, ==, ids->len >= 10 ? 1 : 0);
        if (g_str_equal (needles[n], "zz"))
          g_assert_cmpuint (ids->len, ==, 0);
        else
          g_assert_cmpuint (ids->len, >, 10);
      }
}

/* A search over the whole list comes from the trigram index and from a scan
 * of the rows not indexed yet, in id order both ways; the first batch is
 * the first ids of that order. */
static void
test_search_in_id_order (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 60; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%d@x.test", i);

      add (f, email, "Ann", "Lee", i % 3 ? "Zeta Works" : "Other");
    }
  for (int i = 61; i <= 100; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%d@x.test", i);

      add_raw (f, email, i % 4 ? "zeta works" : "other");
    }
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 40);

  for (int descending = 0; descending <= 1; descending++)
    {
      ObProspectQuery query = { .search = (char *) "ZETA wor", .descending = descending };
      g_autofree char *sql = g_strdup_printf ("SELECT id FROM prospects WHERE company LIKE 'zeta wor%%'"
                                              " ORDER BY id %s", descending ? "DESC" : "ASC");
      g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, sql, &error);
      g_autoptr(GArray) ids = NULL;
      guint calls = 0, i = 0;
      int rc;

      g_assert_no_error (error);
      ids = ob_prospects_query_ids_full (f->store, &query, 10, count_first_batch, &calls, NULL, &error);
      g_assert_no_error (error);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_assert_cmpuint (i, <, ids->len);
          g_assert_cmpint (g_array_index (ids, gint64, i), ==, sqlite3_column_int64 (stmt, 0));
          i++;
        }
      g_assert_cmpint (rc, ==, SQLITE_DONE);
      g_assert_cmpuint (i, ==, ids->len);
      g_assert_cmpuint (ids->len, ==, 40 + 30);
      g_assert_cmpuint (calls, ==, 1);
    }
}

/* Migration 004 makes the search index again with other options: what was
 * indexed under version 3 is indexed again, and found the same. */
static void
test_search_index_remade (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = g_strdup (ob_store_get_path (f->store));
  g_autoptr(ObStore) old = NULL;
  g_autoptr(GError) error = NULL;
  gint64 ann, bob;

  /* The fixture's store is at the latest version: start from an older one */
  g_clear_object (&f->store);
  g_remove (path);
  old = ob_store_open_at_version (path, 3, &error);
  g_assert_no_error (error);
  f->store = g_object_ref (old);
  ann = add (f, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  bob = add (f, "bob@bolt.test", "Bob", "Żółkiewski", "Bolt");
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 0);
  g_clear_object (&f->store);
  g_clear_object (&old);

  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ob_store_get_version (f->store), >=, 4);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 2);
  /* found meanwhile by scanning the rows not indexed yet */
  assert_ids (search (f, "acme corp"), 1, ann);

  g_assert_true (ob_prospects_index_pending (f->store, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 0);
  assert_ids (search (f, "acme corp"), 1, ann);
  assert_ids (search (f, "bob żÓŁ"), 1, bob);
  ob_store_exec (f->store, "INSERT INTO prospects_search (prospects_search) VALUES ('integrity-check')",
                 &error);
  g_assert_no_error (error);
}

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, *last);
  *last = done;
}

static void
test_search_unindexed_then_indexed (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 last = 0;

  add_raw (f, "zed@zeta.test", "Zeta Works");
  add_raw (f, "yan@zeta.test", "Yotta");
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 2);

  /* Searchable at once, by a scan of what the index does not hold yet. */
  assert_ids (search (f, "zeta works"), 1, (gint64) 1);

  /* A row added by hand meanwhile waits for the pass too. */
  add (f, "new@zeta.test", "New", "One", "Zeta Works");
  assert_ids (search (f, "zeta works"), 2, (gint64) 1, (gint64) 3);

  g_assert_true (ob_prospects_index_pending (f->store, NULL, progress_cb, &last, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (last, ==, 3);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 0);
  assert_ids (search (f, "zeta works"), 2, (gint64) 1, (gint64) 3);
  assert_ids (search (f, "yotta"), 1, (gint64) 2);

  /* Nothing left: a second pass is a no-op. */
  last = 0;
  g_assert_true (ob_prospects_index_pending (f->store, NULL, progress_cb, &last, &error));
  g_assert_cmpuint (last, ==, 0);
}

static void
test_index_many_batches (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  ob_store_exec (f->store,
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45000)"
                 " INSERT INTO prospects (email, email_key, domain, company)"
                 " SELECT 'p' || i || '@d.test', 'p' || i || '@d.test', 'd.test', 'Firm ' || i FROM n",
                 &error);
  g_assert_no_error (error);

  g_cancellable_cancel (cancellable);
  g_assert_false (ob_prospects_index_pending (f->store, cancellable, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 45000);

  g_assert_true (ob_prospects_index_pending (f->store, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_prospects_count_unindexed (f->store, NULL), ==, 0);
  assert_ids (search (f, "firm 44999"), 1, (gint64) 44999);
  assert_ids (search (f, "p45000@"), 1, (gint64) 45000);
}

static void
test_edit_reindexes (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add (f, "ann@acme.test", "Ann", "Lee", "Acme Corp");
  g_autoptr(ObProspect) p = ob_prospect_load (f->store, id, &error);

  g_assert_no_error (error);
  ob_prospect_set_field (p, "company", "Globex");
  g_assert_true (ob_prospect_save (p, f->store, &error));
  g_assert_no_error (error);

  assert_ids (search (f, "acme corp"), 0);
  assert_ids (search (f, "globex"), 1, id);

  g_assert_true (ob_prospects_delete (f->store, &id, 1, &error));
  g_assert_no_error (error);
  assert_ids (search (f, "globex"), 0);
  assert_ids (search (f, "ann"), 0);
  g_assert_null (ob_prospect_load (f->store, id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_filters_and_sort (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 a = add (f, "a@x.test", "Zoe", "Adams", "Zeta");
  gint64 b = add (f, "b@x.test", "Al", "Young", "Alpha");
  gint64 c = add (f, "c@x.test", "Bo", "adams", "Mid");
  ObProspectQuery query = { 0 };
  GArray *ids;

  ob_store_exec (f->store,
                 "UPDATE prospects SET status = 'replied' WHERE email = 'b@x.test';"
                 "INSERT INTO campaigns (id, name) VALUES (7, 'Q1');"
                 "INSERT INTO enrollments (campaign_id, prospect_id) VALUES (7, 1), (7, 3);"
                 "INSERT INTO tags (id, name) VALUES (5, 'vip');"
                 "INSERT INTO prospect_tags VALUES (2, 5);",
                 &error);
  g_assert_no_error (error);

  query.sort = OB_PROSPECT_SORT_NAME;
  ids = ob_prospects_query_ids (f->store, &query, NULL, &error);
  /* case-insensitive: Adams (Bo), Adams (Zoe), Young */
  assert_ids (ids, 3, c, a, b);

  query.sort = OB_PROSPECT_SORT_COMPANY;
  query.descending = TRUE;
  assert_ids (ob_prospects_query_ids (f->store, &query, NULL, &error), 3, a, c, b);

  query.sort = OB_PROSPECT_SORT_ADDED;
  query.descending = FALSE;
  query.status = (char *) "active";
  assert_ids (ob_prospects_query_ids (f->store, &query, NULL, &error), 2, a, c);

  query.status = NULL;
  query.campaign_id = 7;
  assert_ids (ob_prospects_query_ids (f->store, &query, NULL, &error), 2, a, c);

  query.campaign_id = 0;
  query.tag_id = 5;
  assert_ids (ob_prospects_query_ids (f->store, &query, NULL, &error), 1, b);
  g_assert_no_error (error);

  /* Tags come with the row. */
  {
    g_autoptr(ObProspect) p = ob_prospect_load (f->store, b, &error);

    g_assert_cmpstr (ob_prospect_get_tags (p), ==, "vip");
  }
}

/* Deleting really deletes: enrollments and sends go with the prospect. */
static void
test_delete_cascades (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add (f, "a@x.test", "A", "B", "C");
  g_autoptr(sqlite3_stmt) stmt = NULL;

  ob_store_exec (f->store,
                 "INSERT INTO campaigns (id, name) VALUES (1, 'Q1');"
                 "INSERT INTO enrollments (id, campaign_id, prospect_id) VALUES (1, 1, 1);"
                 "INSERT INTO sends (enrollment_id, step_position, state, message_id)"
                 " VALUES (1, 1, 'sent', '<m@x>');"
                 "INSERT INTO events (kind, prospect_id) VALUES ('sent', 1);",
                 &error);
  g_assert_no_error (error);

  g_assert_true (ob_prospects_delete (f->store, &id, 1, &error));
  stmt = ob_store_prepare (f->store,
                           "SELECT (SELECT count(*) FROM enrollments), (SELECT count(*) FROM sends),"
                           " (SELECT count(*) FROM events WHERE prospect_id IS NOT NULL)",
                           &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 0);
  g_assert_cmpint (sqlite3_column_int (stmt, 2), ==, 0);
}

static void
test_enroll_rules (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 ids[5];
  ObEnrollResult result;

  ids[0] = add (f, "a@ok.test", "A", "", "");
  ids[1] = add (f, "b@ok.test", "B", "", "");
  ids[2] = add (f, "c@blocked.test", "C", "", "");
  ids[3] = add (f, "d@ok.test", "D", "", "");
  ids[4] = add (f, "e@ok.test", "E", "", "");
  ob_store_exec (f->store,
                 "INSERT INTO campaigns (id, name, state) VALUES (1, 'Q1', 'running'), (2, 'Q2', 'draft');"
                 "UPDATE prospects SET status = 'replied' WHERE email = 'b@ok.test';"
                 "INSERT INTO do_not_contact (kind, value) VALUES ('domain', 'blocked.test');"
                 "INSERT INTO enrollments (campaign_id, prospect_id, state) VALUES (1, 4, 'active');",
                 &error);
  g_assert_no_error (error);

  g_assert_true (ob_prospects_enroll (f->store, 2, ids, 5, FALSE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.enrolled, ==, 2);          /* a, e */
  g_assert_cmpuint (result.not_active, ==, 1);        /* b replied */
  g_assert_cmpuint (result.do_not_contact, ==, 1);    /* c's domain */
  g_assert_cmpuint (result.active_elsewhere, ==, 1);  /* d in Q1 */

  /* Again: nobody twice; d only when the rep overrides. */
  g_assert_true (ob_prospects_enroll (f->store, 2, ids, 5, TRUE, &result, &error));
  g_assert_cmpuint (result.enrolled, ==, 1);
  g_assert_cmpuint (result.already_enrolled, ==, 2);
  g_assert_cmpuint (result.not_active, ==, 1);
  g_assert_cmpuint (result.do_not_contact, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(name, func) \
  g_test_add ("/engine/prospects/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("save-load", test_save_load);
  ADD ("duplicate-refused", test_duplicate_refused);
  ADD ("search-indexed", test_search_indexed);
  ADD ("search-short-needle", test_search_short_needle);
  ADD ("search-unindexed-then-indexed", test_search_unindexed_then_indexed);
  ADD ("search-in-id-order", test_search_in_id_order);
  ADD ("search-index-remade", test_search_index_remade);
  ADD ("index-many-batches", test_index_many_batches);
  ADD ("edit-reindexes", test_edit_reindexes);
  ADD ("filters-and-sort", test_filters_and_sort);
  ADD ("delete-cascades", test_delete_cascades);
  ADD ("enroll-rules", test_enroll_rules);
#undef ADD

  return g_test_run ();
}
