/* test-dnc.c: the do-not-contact list
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-csv.h"
#include "ob-dnc.h"
#include "testlib.h"

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

  f->dir = g_dir_make_tmp ("ob-dnc-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);

  ob_store_exec (f->store,
                 "INSERT INTO prospects (email, email_key, domain, status) VALUES"
                 " ('Ann@Acme.com', 'ann@acme.com', 'acme.com', 'active'),"
                 " ('bob@acme.com', 'bob@acme.com', 'acme.com', 'active'),"
                 " ('cid@acme.com', 'cid@acme.com', 'acme.com', 'replied'),"
                 " ('dan@eu.acme.com', 'dan@eu.acme.com', 'eu.acme.com', 'active'),"
                 " ('user@bücher.example', 'user@xn--bcher-kva.example', 'xn--bcher-kva.example',"
                 "  'active')",
                 &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static gint64
count_entries (ObStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = ob_dnc_list (store, &error);

  g_assert_no_error (error);
  return entries->len;
}

static void
test_parse (void)
{
  const struct
  {
    const char *text;
    ObDncKind   kind;
    const char *value;
  } valid[] = {
    { "Ann@Acme.COM", OB_DNC_KIND_EMAIL, "ann@acme.com" },
    { "  bob@acme.com ", OB_DNC_KIND_EMAIL, "bob@acme.com" },
    { "@Acme.com", OB_DNC_KIND_DOMAIN, "acme.com" },
    { " @bücher.example", OB_DNC_KIND_DOMAIN, "xn--bcher-kva.example" },
    { "user@Bücher.example", OB_DNC_KIND_EMAIL, "user@xn--bcher-kva.example" },
  };
  const char *invalid[] = { "", "acme.com", "@", "@acme", "ann@", "not an address", "@a b.com" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autofree char *value = NULL;
      ObDncKind kind;

      g_assert_true (ob_dnc_parse (valid[i].text, &kind, &value, NULL));
      g_assert_cmpint (kind, ==, valid[i].kind);
      g_assert_cmpstr (value, ==, valid[i].value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (ob_dnc_parse (invalid[i], NULL, NULL, &error));
      g_assert_error (error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID);
    }
}

static void
test_add_remove_list (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gboolean changed = FALSE;
  ObDncEntry *entry;

  g_assert_true (ob_dnc_add (f->store, "@ACME.com", "competitor", &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_true (ob_dnc_add (f->store, "@acme.com", NULL, &changed, &error));
  g_assert_false (changed);
  g_assert_true (ob_dnc_add (f->store, "ANN@acme.com", NULL, &changed, &error));
  g_assert_true (changed);
  g_assert_true (ob_dnc_add (f->store, "user@bücher.example", "asked", &changed, &error));
  g_assert_true (changed);
  g_assert_false (ob_dnc_add (f->store, "nonsense", NULL, &changed, &error));
  g_assert_error (error, OB_DNC_ERROR, OB_DNC_ERROR_INVALID);
  g_clear_error (&error);

  /* Domains first; each with the active prospects it stops */
  entries = ob_dnc_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 3);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpint (entry->kind, ==, OB_DNC_KIND_DOMAIN);
  g_assert_cmpstr (entry->value, ==, "acme.com");
  g_assert_cmpstr (entry->display, ==, "@acme.com");
  g_assert_cmpstr (entry->reason, ==, "competitor");
  /* ann and bob; cid replied already; eu.acme.com is another domain */
  g_assert_cmpint (entry->n_prospects, ==, 2);
  entry = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (entry->value, ==, "ann@acme.com");
  g_assert_cmpint (entry->n_prospects, ==, 1);
  entry = g_ptr_array_index (entries, 2);
  g_assert_cmpstr (entry->value, ==, "user@xn--bcher-kva.example");
  g_assert_cmpstr (entry->display, ==, "user@bücher.example");
  g_assert_cmpint (entry->n_prospects, ==, 1);

  g_assert_cmpint (ob_dnc_count_stopped (f->store, OB_DNC_KIND_DOMAIN, "eu.acme.com", NULL), ==, 1);
  g_assert_cmpint (ob_dnc_count_stopped (f->store, OB_DNC_KIND_EMAIL, "zed@acme.com", NULL), ==, 0);

  /* Prospects are never deleted by the list */
  {
    g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (f->store, "SELECT count(*) FROM prospects", NULL);

    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 5);
  }

  g_assert_true (ob_dnc_remove (f->store, "@Acme.COM", &changed, &error));
  g_assert_true (changed);
  g_assert_true (ob_dnc_remove (f->store, "@acme.com", &changed, &error));
  g_assert_false (changed);
  g_assert_no_error (error);
  g_assert_cmpint (count_entries (f->store), ==, 2);
}

static void
test_matches (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDncSet) set = NULL;

  g_assert_false (ob_dnc_matches (f->store, "ann@acme.com", "acme.com", &error));
  g_assert_no_error (error);

  ob_dnc_add (f->store, "@acme.com", NULL, NULL, &error);
  ob_dnc_add (f->store, "user@bücher.example", NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (ob_dnc_matches (f->store, "ann@acme.com", "acme.com", &error));
  g_assert_true (ob_dnc_matches (f->store, "user@xn--bcher-kva.example", "xn--bcher-kva.example",
                                 &error));
  g_assert_false (ob_dnc_matches (f->store, "other@xn--bcher-kva.example", "xn--bcher-kva.example",
                                  &error));
  /* A sub-domain is a domain of its own */
  g_assert_false (ob_dnc_matches (f->store, "dan@eu.acme.com", "eu.acme.com", &error));
  g_assert_no_error (error);

  set = ob_dnc_set_load (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_dnc_set_get_size (set), ==, 2);
  g_assert_true (ob_dnc_set_matches (set, "zed@acme.com", "acme.com"));
  g_assert_true (ob_dnc_set_matches (set, "user@xn--bcher-kva.example", "xn--bcher-kva.example"));
  g_assert_false (ob_dnc_set_matches (set, "dan@eu.acme.com", "eu.acme.com"));
}

static void
test_import_csv (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *with_header = write_test_file (f->dir, "a.csv",
                                             "Name;E-mail\n"
                                             "Ann;ann@acme.com\n"
                                             "Bob;not an address\n"
                                             "Cid;@competitor.example\n"
                                             "Dan;\n"
                                             "Eve;ANN@acme.com\n");
  g_autofree char *bare = write_test_file (f->dir, "b.csv", "zed@example.org\n@bücher.example\n");
  g_autofree char *domains = write_test_file (f->dir, "c.csv", "Company,Domain\nAcme,acme.com\nX,@x.example\n");
  g_auto(ObDncImportResult) result = { 0, };

  g_assert_true (ob_dnc_import_csv (f->store, with_header, "list", NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.added, ==, 2);
  g_assert_cmpuint (result.already_listed, ==, 1);
  g_assert_cmpuint (result.invalid, ==, 1);
  g_assert_cmpuint (result.invalid_lines->len, ==, 1);
  g_assert_cmpuint (g_array_index (result.invalid_lines, guint64, 0), ==, 3);
  ob_dnc_import_result_clear (&result);

  /* No header: the first row is an entry */
  g_assert_true (ob_dnc_import_csv (f->store, bare, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.added, ==, 2);
  ob_dnc_import_result_clear (&result);

  /* A domain column takes bare domains */
  g_assert_true (ob_dnc_import_csv (f->store, domains, NULL, NULL, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.added, ==, 2);
  g_assert_cmpuint (result.invalid, ==, 0);

  g_assert_true (ob_dnc_matches (f->store, "x@acme.com", "acme.com", NULL));
  g_assert_true (ob_dnc_matches (f->store, "y@x.example", "x.example", NULL));
  g_assert_true (ob_dnc_matches (f->store, "q@competitor.example", "competitor.example", NULL));
  g_assert_true (ob_dnc_matches (f->store, "u@xn--bcher-kva.example", "xn--bcher-kva.example", NULL));
  g_assert_cmpint (count_entries (f->store), ==, 6);
}

static void
test_import_csv_atomic (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *broken = write_test_file (f->dir, "broken.csv",
                                        "email\nann@acme.com\nbob@acme.com\n\"unterminated\n");
  g_autofree char *missing = g_build_filename (f->dir, "missing.csv", NULL);
  g_auto(ObDncImportResult) result = { 0, };

  /* A fatal CSV error adds nothing, not even the rows before it */
  g_assert_false (ob_dnc_import_csv (f->store, broken, NULL, NULL, &result, &error));
  g_assert_error (error, OB_CSV_ERROR, OB_CSV_ERROR_UNTERMINATED_QUOTE);
  g_assert_cmpint (count_entries (f->store), ==, 0);
  g_clear_error (&error);
  ob_dnc_import_result_clear (&result);

  g_assert_false (ob_dnc_import_csv (f->store, missing, NULL, NULL, &result, &error));
  g_assert_error (error, OB_CSV_ERROR, OB_CSV_ERROR_IO);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/engine/dnc/parse", test_parse);
#define ADD(name, func) \
  g_test_add ("/engine/dnc/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("add-remove-list", test_add_remove_list);
  ADD ("matches", test_matches);
  ADD ("import-csv", test_import_csv);
  ADD ("import-csv-atomic", test_import_csv_atomic);
#undef ADD

  return g_test_run ();
}
