/* test-campaign.c: the campaign file, store, lifecycle, pre-flight, messages
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-campaign.h"
#include "ob-dnc.h"
#include "ob-mime.h"
#include "ob-prospects.h"
#include "testlib.h"

/* The example of DESIGN.md, comments after values included. */
static const char design_example[] =
  "[campaign]\n"
  "name=Q1 founders\n"
  "account=rep@example.test\n"
  "timezone=Europe/Warsaw          # default: the system's\n"
  "window=09:00-17:00              # 00:00-24:00 = always\n"
  "days=mon;tue;wed;thu;fri\n"
  "daily-limit=50                  # new first emails per day for this campaign\n"
  "pause=60-180                    # seconds between two sends\n"
  "stop-company-on-reply=true\n"
  "\n"
  "[step 1]\n"
  "subject=Quick question, {{first_name|there}}\n"
  "body=Hi {{first_name|there}},\\n\\nI noticed {{company}} ...\n"
  "\n"
  "[step 2]\n"
  "delay=3d                        # units: s, m, h, d, bd (business days)\n"
  "body=Just bringing this up in case it got buried.\n";

typedef struct
{
  char    *dir;
  ObStore *store;
  gint64   account_id;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("ob-campaign-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "outbound.db", NULL);
  f->store = ob_store_open (path, &error);
  g_assert_no_error (error);
  ob_store_exec (f->store,
                 "INSERT INTO accounts (name, email, display_name, signature, smtp_host, smtp_port,"
                 " smtp_security) VALUES ('rep', 'rep@example.test', 'Rita Rep',"
                 " 'Rita Rep' || char (10) || 'Example Ltd', 'localhost', 587, 'starttls')",
                 &error);
  g_assert_no_error (error);
  f->account_id = sqlite3_last_insert_rowid (ob_store_get_db (f->store));
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
add_prospect (Fixture    *f,
              const char *email,
              const char *first,
              const char *company,
              const char *city)
{
  g_autoptr(ObProspect) p = ob_prospect_new ();
  g_autoptr(GError) error = NULL;

  ob_prospect_set_field (p, "email", email);
  ob_prospect_set_field (p, "first_name", first);
  ob_prospect_set_field (p, "company", company);
  if (city != NULL)
    ob_prospect_set_field (p, "city", city);
  g_assert_true (ob_prospect_save (p, f->store, &error));
  g_assert_no_error (error);
  return ob_prospect_get_id (p);
}

static ObCampaign *
create (Fixture    *f,
        const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_parse_file (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_true (ob_campaign_save (f->store, c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c->id, >, 0);
  return g_steal_pointer (&c);
}

static void
enroll (Fixture *f,
        gint64   campaign_id,
        gint64   prospect_id)
{
  g_autoptr(GError) error = NULL;
  ObEnrollResult result;

  g_assert_true (ob_prospects_enroll (f->store, campaign_id, &prospect_id, 1, FALSE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.enrolled, ==, 1);
}

static guint
count_kind (const ObPreflightReport *report,
            ObPreflightKind          kind,
            gboolean                 blockers_only)
{
  guint n = 0;

  for (guint i = 0; i < report->issues->len; i++)
    {
      const ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);

      if (issue->kind == kind && (!blockers_only || issue->blocker))
        n++;
    }
  return n;
}

/* ---- The file -------------------------------------------------------------- */

static void
test_file_design_example (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_parse_file (design_example, strlen (design_example), &error);
  ObCampaignStep *step;

  g_assert_no_error (error);
  g_assert_cmpstr (c->name, ==, "Q1 founders");
  g_assert_cmpstr (c->account, ==, "rep@example.test");
  g_assert_cmpstr (c->timezone, ==, "Europe/Warsaw");
  g_assert_cmpuint (c->window_start, ==, 9 * 60);
  g_assert_cmpuint (c->window_end, ==, 17 * 60);
  g_assert_cmpuint (c->days, ==, OB_SCHEDULE_WEEKDAYS);
  g_assert_cmpuint (c->daily_limit, ==, 50);
  g_assert_cmpuint (c->pause_min, ==, 60);
  g_assert_cmpuint (c->pause_max, ==, 180);
  g_assert_true (c->stop_company_on_reply);
  g_assert_cmpuint (ob_campaign_get_n_steps (c), ==, 2);

  step = ob_campaign_get_step (c, 1);
  g_assert_cmpstr (step->subject, ==, "Quick question, {{first_name|there}}");
  g_assert_cmpstr (step->body, ==, "Hi {{first_name|there}},\n\nI noticed {{company}} ...");
  g_assert_false (step->same_thread);

  step = ob_campaign_get_step (c, 2);
  g_assert_cmpstr (step->subject, ==, "");
  g_assert_cmpuint (step->delay.amount, ==, 3);
  g_assert_cmpint (step->delay.unit, ==, OB_DELAY_DAYS);
  g_assert_true (step->same_thread);
}

static void
test_file_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_parse_file (design_example, strlen (design_example), &error);
  g_autoptr(ObCampaign) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;

  g_assert_no_error (error);
  c->holidays = (g_free (c->holidays), g_strdup ("2026-12-24;2026-12-25"));
  ob_campaign_get_step (c, 2)->same_thread = FALSE;
  ob_campaign_get_step (c, 2)->subject = (g_free (ob_campaign_get_step (c, 2)->subject),
                                          g_strdup ("New thread = new subject # not a comment"));
  text = ob_campaign_to_file (c);
  again = ob_campaign_parse_file (text, strlen (text), &error);
  g_assert_no_error (error);
  text_again = ob_campaign_to_file (again);
  g_assert_cmpstr (text, ==, text_again);
  g_assert_cmpstr (ob_campaign_get_step (again, 2)->subject, ==,
                   "New thread = new subject # not a comment");
  g_assert_false (ob_campaign_get_step (again, 2)->same_thread);
  g_assert_cmpstr (again->holidays, ==, "2026-12-24;2026-12-25");
}

static void
test_file_errors (void)
{
  static const struct { const char *text; const char *says; } cases[] = {
    { "", "[campaign]" },
    { "not a key file", "Not a campaign file" },
    { "[campaign]\nname=x\n", "no steps" },
    { "[campaign]\nname=x\ncolour=red\n[step 1]\nsubject=s\nbody=b\n", "colour" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=b\ndealy=3d\n", "dealy" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\n", "no body" },
    { "[campaign]\nname=x\n[step 1]\nbody=b\n", "subject" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=b\n[step 2]\nbody=b\n", "delay" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=b\n[step 2]\nbody=b\ndelay=3 weeks\n", "3 weeks" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=b\n[step 2]\nbody=b\ndelay=3d\nthread=false\n", "subject" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=b\n[extra]\nk=v\n", "extra" },
    { "[campaign]\nname=x\nwindow=25:00-26:00\n[step 1]\nsubject=s\nbody=b\n", "window" },
    { "[campaign]\nname=x\ndays=funday\n[step 1]\nsubject=s\nbody=b\n", "funday" },
    { "[campaign]\nname=x\ntimezone=Mars/Olympus\n[step 1]\nsubject=s\nbody=b\n", "Mars/Olympus" },
    { "[campaign]\nname=x\npause=180-60\n[step 1]\nsubject=s\nbody=b\n", "pause" },
    { "[campaign]\nname=x\n[step 1]\nsubject=Hi {{first_name\nbody=b\n", "Step 1, subject" },
    { "[campaign]\nname=x\n[step 1]\nsubject=s\nbody=line\\n{{company|x}\n", "Step 1, body, line 2" },
    { "[campaign]\nname=\n[step 1]\nsubject=s\nbody=b\n", "name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObCampaign) c = ob_campaign_parse_file (cases[i].text, strlen (cases[i].text), &error);

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_null (c);
      g_assert_nonnull (error);
      g_assert_true (error->domain == OB_CAMPAIGN_ERROR);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_file_step_numbers (void)
{
  static const char text[] =
    "[step 10]\nbody=third\ndelay=1h\n"
    "[campaign]\nname=Gaps\nname=Gaps again\n"
    "[step 1]\nsubject=First\nbody=first\n"
    "[step 5]\nbody=second\ndelay=2bd\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_parse_file (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (c->name, ==, "Gaps again");
  g_assert_cmpuint (ob_campaign_get_n_steps (c), ==, 3);
  g_assert_cmpstr (ob_campaign_get_step (c, 2)->body, ==, "second");
  g_assert_cmpint (ob_campaign_get_step (c, 2)->delay.unit, ==, OB_DELAY_BUSINESS_DAYS);
  g_assert_cmpstr (ob_campaign_get_step (c, 3)->body, ==, "third");
}

/* ---- The store ------------------------------------------------------------- */

static void
test_store_save_load (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  g_autoptr(ObCampaign) loaded = NULL;
  g_autoptr(ObCampaign) twin = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_cmpint (c->account_id, ==, f->account_id);
  loaded = ob_campaign_find (f->store, "q1 FOUNDERS", &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->id, ==, c->id);
  g_assert_cmpint (loaded->state, ==, OB_CAMPAIGN_DRAFT);
  g_assert_cmpstr (loaded->account, ==, "rep");
  g_assert_cmpuint (ob_campaign_get_n_steps (loaded), ==, 2);
  g_assert_cmpstr (ob_campaign_get_step (loaded, 1)->body, ==,
                   ob_campaign_get_step (c, 1)->body);

  /* Names are unique. */
  twin = ob_campaign_parse_file (design_example, strlen (design_example), &error);
  g_assert_false (ob_campaign_save (f->store, twin, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_EXISTS);
  g_clear_error (&error);

  /* An account that does not exist is an error, not a silent draft. */
  g_free (twin->name);
  twin->name = g_strdup ("Other");
  g_free (twin->account);
  twin->account = g_strdup ("nobody@example.test");
  g_assert_false (ob_campaign_save (f->store, twin, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = ob_campaign_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((ObCampaignSummary *) g_ptr_array_index (list, 0))->account, ==,
                   "rep@example.test");

  g_assert_null (ob_campaign_find (f->store, "nope", &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND);
}

static void
test_store_reorder_and_sent_steps (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  g_autoptr(ObCampaign) loaded = NULL;
  g_autofree char *sql = NULL;
  gint64 p = add_prospect (f, "ann@acme.test", "Ann", "Acme", NULL);
  ObCampaignStep *step;

  /* Add two steps, swap them: a draft may do anything. */
  g_ptr_array_add (c->steps, ob_campaign_step_new ());
  step = ob_campaign_step_new ();
  g_free (step->body);
  step->body = g_strdup ("fourth");
  g_ptr_array_add (c->steps, step);
  g_free (ob_campaign_get_step (c, 3)->body);
  ob_campaign_get_step (c, 3)->body = g_strdup ("third");
  g_ptr_array_insert (c->steps, 2, g_ptr_array_steal_index (c->steps, 3));
  g_assert_true (ob_campaign_save (f->store, c, &error));
  g_assert_no_error (error);
  loaded = ob_campaign_load (f->store, c->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_campaign_get_step (loaded, 3)->body, ==, "fourth");
  g_assert_cmpstr (ob_campaign_get_step (loaded, 4)->body, ==, "third");
  g_clear_pointer (&loaded, ob_campaign_free);

  /* Step 1 was sent to one prospect: it can change, not move or go. */
  enroll (f, c->id, p);
  sql = g_strdup_printf ("INSERT INTO sends (enrollment_id, step_position, state, message_id, sent_at)"
                         " SELECT id, 1, 'sent', 'first@example.test', unixepoch () FROM enrollments"
                         " WHERE campaign_id = %" G_GINT64_FORMAT, c->id);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);

  loaded = ob_campaign_load (f->store, c->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_campaign_get_step (loaded, 1)->n_sent, ==, 1);
  g_assert_cmpuint (ob_campaign_get_step (loaded, 2)->n_sent, ==, 0);

  g_free (ob_campaign_get_step (loaded, 1)->body);
  ob_campaign_get_step (loaded, 1)->body = g_strdup ("Edited for those not written to yet");
  g_assert_true (ob_campaign_save (f->store, loaded, &error));
  g_assert_no_error (error);

  g_ptr_array_remove_index (loaded->steps, 0);
  g_assert_false (ob_campaign_save (f->store, loaded, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STEP_SENT);
  g_clear_error (&error);
  g_clear_pointer (&loaded, ob_campaign_free);

  /* Nothing of the refused save landed. */
  loaded = ob_campaign_load (f->store, c->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_campaign_get_n_steps (loaded), ==, 4);
  g_assert_cmpstr (ob_campaign_get_step (loaded, 1)->body, ==, "Edited for those not written to yet");

  /* Unsent steps can still go; prospects past the end have nothing left. */
  g_ptr_array_set_size (loaded->steps, 1);
  g_assert_true (ob_campaign_save (f->store, loaded, &error));
  g_assert_no_error (error);
}

/* ---- Pre-flight and lifecycle ---------------------------------------------- */

static const char preflight_campaign[] =
  "[campaign]\nname=Checks\naccount=rep\n"
  "[step 1]\nsubject=Hello {{first_name|there}}\nbody=About {{company}} in {{city}}.\n"
  "[step 2]\ndelay=2d\nbody=Following up on {{company|your team}}.\n";

static void
test_preflight_kinds (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, preflight_campaign);
  g_autoptr(ObCampaign) other = NULL;
  g_autoptr(ObPreflightReport) report = NULL;
  gint64 ok = add_prospect (f, "ok@acme.test", "Ok", "Acme", "Oslo");
  gint64 no_city = add_prospect (f, "nocity@beta.test", "Nina", "Beta", NULL);
  gint64 tbd = add_prospect (f, "tbd@gamma.test", "Tim", "TBD", "Rome");
  gint64 blocked = add_prospect (f, "blocked@delta.test", "Bo", "Delta", "Lima");
  gint64 busy = add_prospect (f, "busy@eps.test", "Bea", "Eps", "Kyiv");
  gint64 ids[] = { ok, no_city, tbd, blocked, busy };
  g_autofree char *sql = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    enroll (f, c->id, ids[i]);

  /* busy is active in another running campaign; blocked is on the list now. */
  other = create (f, "[campaign]\nname=Other\naccount=rep\n[step 1]\nsubject=s\nbody=b\n");
  sql = g_strdup_printf ("INSERT INTO enrollments (campaign_id, prospect_id) VALUES (%" G_GINT64_FORMAT
                         ", %" G_GINT64_FORMAT "); UPDATE campaigns SET state = 'running' WHERE id = %"
                         G_GINT64_FORMAT, other->id, busy, other->id);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
  g_assert_true (ob_dnc_add (f->store, "@delta.test", NULL, NULL, &error));
  g_assert_no_error (error);

  report = ob_campaign_preflight (f->store, c->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_prospects, ==, 5);
  /* Step 1 lacks {{city}} for one; step 2 has a fallback. */
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_MISSING_FIELD, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_PLACEHOLDER, TRUE), ==, 2);   /* both steps */
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_DO_NOT_CONTACT, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_ACTIVE_ELSEWHERE, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_NO_ACCOUNT, FALSE), ==, 0);
  g_assert_cmpuint (report->n_blockers, ==, 5);

  /* A campaign with blockers does not start. */
  g_clear_pointer (&report, ob_preflight_report_free);
  g_assert_false (ob_campaign_start (f->store, c->id, &report, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_BLOCKED);
  g_clear_error (&error);
  g_assert_nonnull (report);

  /* Override the placeholders and the other campaign; exclude the rest. */
  {
    g_autoptr(GPtrArray) overrides = g_ptr_array_new ();
    g_autoptr(GPtrArray) excludes = g_ptr_array_new ();

    for (guint i = 0; i < report->issues->len; i++)
      {
        ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);

        if (issue->kind == OB_PREFLIGHT_PLACEHOLDER || issue->kind == OB_PREFLIGHT_ACTIVE_ELSEWHERE
            || issue->kind == OB_PREFLIGHT_DO_NOT_CONTACT)   /* not overridable: ignored */
          g_ptr_array_add (overrides, issue);
        else if (issue->blocker)
          g_ptr_array_add (excludes, issue);
      }
    g_assert_true (ob_campaign_resolve_issues (f->store, c->id, OB_PREFLIGHT_OVERRIDE,
                                               (ObPreflightIssue * const *) overrides->pdata,
                                               overrides->len, &error));
    g_assert_no_error (error);
    g_assert_true (ob_campaign_resolve_issues (f->store, c->id, OB_PREFLIGHT_EXCLUDE,
                                               (ObPreflightIssue * const *) excludes->pdata,
                                               excludes->len, &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&report, ob_preflight_report_free);

  /* The do-not-contact prospect is still a blocker: only excluding helps. */
  report = ob_campaign_preflight (f->store, c->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_prospects, ==, 4);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_DO_NOT_CONTACT, TRUE), ==, 1);
  g_assert_cmpuint (report->n_overridden, ==, 3);
  g_assert_cmpuint (report->n_blockers, ==, 1);
  {
    ObPreflightIssue *issue = NULL;

    for (guint i = 0; i < report->issues->len; i++)
      if (((ObPreflightIssue *) g_ptr_array_index (report->issues, i))->blocker)
        issue = g_ptr_array_index (report->issues, i);
    g_assert_nonnull (issue);
    g_assert_true (ob_campaign_resolve_issues (f->store, c->id, OB_PREFLIGHT_EXCLUDE, &issue, 1, &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&report, ob_preflight_report_free);

  g_assert_true (ob_campaign_start (f->store, c->id, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_blockers, ==, 0);
  g_assert_cmpuint (report->n_prospects, ==, 3);
}

static void
test_preflight_campaign_level (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = ob_campaign_new ();
  g_autoptr(ObPreflightReport) report = NULL;
  g_autofree char *long_line = g_strnfill (1200, 'x');

  g_free (c->name);
  c->name = g_strdup ("Drafty");
  ob_campaign_add_default_steps (c);
  g_assert_cmpuint (ob_campaign_get_n_steps (c), ==, 4);
  g_assert_cmpuint (ob_campaign_get_step (c, 4)->delay.amount, ==, 6);
  g_free (ob_campaign_get_step (c, 2)->subject);
  ob_campaign_get_step (c, 2)->subject = g_strdup ("Ignored");
  g_free (ob_campaign_get_step (c, 3)->body);
  ob_campaign_get_step (c, 3)->body = g_strdup ("Hi {{favourite_colour}}");
  g_free (ob_campaign_get_step (c, 4)->body);
  ob_campaign_get_step (c, 4)->body = g_strdup (long_line);
  g_assert_true (ob_campaign_save (f->store, c, &error));
  g_assert_no_error (error);

  report = ob_campaign_preflight (f->store, c->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_NO_ACCOUNT, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_NO_PROSPECTS, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_EMPTY_SUBJECT, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_EMPTY_BODY, TRUE), ==, 2);   /* steps 1, 2 */
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_TEMPLATE, TRUE), ==, 1);     /* unknown field */
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_SUBJECT_IGNORED, FALSE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_SUBJECT_IGNORED, TRUE), ==, 0);

  /* The long line is a warning once a prospect renders it. */
  c->account_id = f->account_id;
  g_assert_true (ob_campaign_save (f->store, c, &error));
  enroll (f, c->id, add_prospect (f, "lee@acme.test", "Lee", "Acme", NULL));
  g_clear_pointer (&report, ob_preflight_report_free);
  report = ob_campaign_preflight (f->store, c->id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_LONG_LINE, FALSE), ==, 1);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_NO_ACCOUNT, FALSE), ==, 0);
  g_assert_cmpuint (count_kind (report, OB_PREFLIGHT_NO_PROSPECTS, FALSE), ==, 0);
}

static void
test_lifecycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  g_autoptr(ObCampaign) loaded = NULL;
  g_autofree char *sql = NULL;
  gint64 p = add_prospect (f, "ann@acme.test", "Ann", "Acme", NULL);

  g_assert_false (ob_campaign_pause (f->store, c->id, NULL, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STATE);
  g_clear_error (&error);

  enroll (f, c->id, p);
  g_assert_true (ob_campaign_start (f->store, c->id, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ob_campaign_finish_if_done (f->store, c->id, &error));
  g_assert_no_error (error);
  g_assert_true (ob_campaign_pause (f->store, c->id, "lunch", &error));
  loaded = ob_campaign_load (f->store, c->id, &error);
  g_assert_cmpint (loaded->state, ==, OB_CAMPAIGN_PAUSED);
  g_assert_cmpstr (loaded->state_reason, ==, "lunch");
  g_assert_true (ob_campaign_start (f->store, c->id, NULL, &error));

  /* The last step went out: the campaign finishes by itself. */
  sql = g_strdup_printf ("UPDATE enrollments SET state = 'finished', next_step = NULL"
                         " WHERE campaign_id = %" G_GINT64_FORMAT, c->id);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
  g_assert_true (ob_campaign_finish_if_done (f->store, c->id, &error));
  g_clear_pointer (&loaded, ob_campaign_free);
  loaded = ob_campaign_load (f->store, c->id, &error);
  g_assert_cmpint (loaded->state, ==, OB_CAMPAIGN_FINISHED);

  {
    g_autoptr(sqlite3_stmt) stmt =
      ob_store_prepare (f->store, "SELECT group_concat (kind, ' ') FROM events ORDER BY id", &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==,
                     "campaign_started campaign_paused campaign_started campaign_finished");
  }
}

static void
test_unenroll (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  gint64 a = add_prospect (f, "a@acme.test", "A", "Acme", NULL);
  gint64 b = add_prospect (f, "b@acme.test", "B", "Acme", NULL);
  gint64 both[] = { a, b };
  g_autofree char *sql = NULL;
  guint removed = 0;

  enroll (f, c->id, a);
  enroll (f, c->id, b);
  sql = g_strdup_printf ("INSERT INTO sends (enrollment_id, step_position, state, message_id)"
                         " SELECT id, 1, 'sent', 'x@example.test' FROM enrollments WHERE prospect_id = %"
                         G_GINT64_FORMAT, a);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);

  g_assert_true (ob_campaign_unenroll (f->store, c->id, both, 2, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 2);
  {
    g_autoptr(sqlite3_stmt) stmt =
      ob_store_prepare (f->store, "SELECT group_concat (state || ':' || state_reason) FROM enrollments",
                        &error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    /* a keeps its history, stopped; b had nothing and is gone. */
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "stopped:removed");
  }
}

/* ---- Messages -------------------------------------------------------------- */

static void
test_message_thread (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  g_autoptr(ObCampaignMessage) first = NULL;
  g_autoptr(ObCampaignMessage) second = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 3, 2, 9, 30, 0);
  g_autofree char *sql = NULL;
  gint64 p = add_prospect (f, "ann@acme.test", "Ann", "Acme", NULL);

  enroll (f, c->id, p);
  first = ob_campaign_build_message (f->store, c, 1, p, NULL, NULL, date, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first->subject, ==, "Quick question, Ann");
  g_assert_cmpstr (first->from, ==, "Rita Rep <rep@example.test>");
  g_assert_cmpstr (first->to, ==, "Ann <ann@acme.test>");
  g_assert_null (first->in_reply_to);
  g_assert_null (first->missing);
  g_assert_true (g_str_has_suffix (first->body, "...\n\nRita Rep\nExample Ltd"));
  g_assert_true (g_str_has_suffix (first->message_id, "@example.test"));

  /* Once step 1 went, step 2 answers it. */
  sql = g_strdup_printf ("INSERT INTO sends (enrollment_id, step_position, state, message_id)"
                         " SELECT id, 1, 'sent', '%s' FROM enrollments", first->message_id);
  ob_store_exec (f->store, sql, &error);
  g_assert_no_error (error);
  second = ob_campaign_build_message (f->store, c, 2, p, NULL, "fixed@example.test", date, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->subject, ==, "Re: Quick question, Ann");
  g_assert_cmpstr (second->in_reply_to, ==, first->message_id);
  g_assert_cmpstr (second->message_id, ==, "fixed@example.test");

  headers = ob_mime_parse_headers (second->raw, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (headers->message_id, ==, "fixed@example.test");
  g_assert_cmpstr (headers->in_reply_to[0], ==, first->message_id);
  g_assert_cmpstr (headers->references[0], ==, first->message_id);
  g_assert_cmpstr (headers->subject, ==, "Re: Quick question, Ann");
  g_assert_nonnull (strstr (headers->list_unsubscribe, "mailto:rep@example.test"));

  /* Send test to me: same message, to the rep. */
  g_clear_pointer (&second, ob_campaign_message_free);
  second = ob_campaign_build_message (f->store, c, 1, p, "rep@example.test", NULL, date, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->to, ==, "Rita Rep <rep@example.test>");
  g_assert_cmpstr (second->subject, ==, "Quick question, Ann");

  g_assert_null (ob_campaign_build_message (f->store, c, 3, p, NULL, NULL, date, &error));
  g_assert_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND);
}

static void
test_message_hostile_values (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) c = create (f, design_example);
  g_autoptr(ObCampaignMessage) message = NULL;
  g_autoptr(ObMimeHeaders) headers = NULL;
  g_autoptr(ObMimeHeaders) clean_headers = NULL;
  g_autoptr(ObCampaignMessage) clean = NULL;
  gint64 evil = add_prospect (f, "evil@acme.test", "Eve\r\nBcc: all@victims.test\r\n\r\nbody",
                              "Acme\nX-Injected: yes", NULL);
  gint64 plain = add_prospect (f, "plain@acme.test", "Pat", "Acme", NULL);

  message = ob_campaign_build_message (f->store, c, 1, evil, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  clean = ob_campaign_build_message (f->store, c, 1, plain, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  headers = ob_mime_parse_headers (message->raw, &error);
  g_assert_no_error (error);
  clean_headers = ob_mime_parse_headers (clean->raw, &error);
  g_assert_no_error (error);

  /* The same header fields as for a harmless prospect, none added. */
  g_assert_cmpuint (g_strv_length (headers->field_names), ==, g_strv_length (clean_headers->field_names));
  for (guint i = 0; headers->field_names[i] != NULL; i++)
    g_assert_cmpstr (headers->field_names[i], ==, clean_headers->field_names[i]);
  g_assert_null (ob_mime_headers_get (headers, "Bcc"));
  g_assert_null (strchr (message->subject, '\n'));
  g_assert_null (strchr (message->subject, '\r'));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/campaign/file/design-example", test_file_design_example);
  g_test_add_func ("/engine/campaign/file/round-trip", test_file_round_trip);
  g_test_add_func ("/engine/campaign/file/errors", test_file_errors);
  g_test_add_func ("/engine/campaign/file/step-numbers", test_file_step_numbers);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/engine/campaign/store/save-load", test_store_save_load);
  ADD ("/engine/campaign/store/reorder-and-sent-steps", test_store_reorder_and_sent_steps);
  ADD ("/engine/campaign/preflight/prospect-kinds", test_preflight_kinds);
  ADD ("/engine/campaign/preflight/campaign-level", test_preflight_campaign_level);
  ADD ("/engine/campaign/lifecycle", test_lifecycle);
  ADD ("/engine/campaign/unenroll", test_unenroll);
  ADD ("/engine/campaign/message/thread", test_message_thread);
  ADD ("/engine/campaign/message/hostile-values", test_message_hostile_values);
#undef ADD

  return g_test_run ();
}
