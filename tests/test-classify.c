/* test-classify.c: the reply classifier over a corpus, its order of rules,
 * return dates, hostile input, and `outbound-cli classify`
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The corpus is every .eml in tests/data/mail, with its verdicts in expected.tsv.
 * The lookup here stands for a store described at the top of that file.
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "ob-classify.h"
#include "ob-imap.h"
#include "ob-classify-store.h"
#include "ob-mime.h"
#include "ob-store.h"
#include "testlib.h"

#define ID1 "5d8c1f0e9a7b4c2d8e6f1a3b5c7d9e0f@acme-sales.example"
#define ID2 "a41b77c0d2e94f1b9c3e5a7d8f0b2c46@acme-sales.example"

static const char * const prospects[] = {
  "john.smith@example.com", "jan.kowalski@example.org", "m.schmidt@beispiel.de",
  "claire.martin@exemple.fr", "lucia.garcia@ejemplo.es", "tom.baker@contoso.example",
  "nobody@example.org", "anna.test@gmail.com", "lukasz.zolc@przyklad.pl", NULL
};

typedef struct
{
  guint n_find_sent;
  guint n_find_company;
  char *last_company_domain;
} Calls;

static gboolean
fake_find_sent (const char       *message_id,
                ObClassifyTarget *out,
                gpointer          user_data)
{
  Calls *calls = user_data;

  if (calls != NULL)
    calls->n_find_sent++;
  if (g_str_equal (message_id, ID1))
    *out = (ObClassifyTarget) { 1, 10, 100 };
  else if (g_str_equal (message_id, ID2))
    *out = (ObClassifyTarget) { 2, 20, 200 };
  else
    return FALSE;
  return TRUE;
}

static gboolean
fake_find_prospect (const char       *email_key,
                    ObClassifyTarget *out,
                    gpointer          user_data)
{
  for (guint i = 0; prospects[i] != NULL; i++)
    if (g_str_equal (email_key, prospects[i]))
      {
        *out = (ObClassifyTarget) { 0, 1000 + i, 500 + i };
        return TRUE;
      }
  return FALSE;
}

static gboolean
fake_find_company (const char       *domain,
                   ObClassifyTarget *out,
                   gpointer          user_data)
{
  Calls *calls = user_data;

  if (calls != NULL)
    {
      calls->n_find_company++;
      g_free (calls->last_company_domain);
      calls->last_company_domain = g_strdup (domain);
    }
  for (guint i = 0; prospects[i] != NULL; i++)
    if (g_str_equal (strchr (prospects[i], '@') + 1, domain))
      {
        *out = (ObClassifyTarget) { 0, 1000 + i, 500 + i };
        return TRUE;
      }
  return FALSE;
}

static gboolean
fake_is_unsubscribe_address (const char *email_key,
                             gpointer    user_data)
{
  return g_str_equal (email_key, "unsubscribe@acme-sales.example");
}

static gboolean
fake_is_own_address (const char *email_key,
                     gpointer    user_data)
{
  return g_str_equal (email_key, "ola@acme-sales.example");
}

static const ObClassifyLookup fake_lookup = {
  .find_sent = fake_find_sent,
  .find_prospect = fake_find_prospect,
  .find_company_prospect = fake_find_company,
  .is_unsubscribe_address = fake_is_unsubscribe_address,
  .is_own_address = fake_is_own_address,
};

static ObClassifyVerdict *
classify_text (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  ObClassifyVerdict *v = ob_classify_message (bytes, NULL, &fake_lookup, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

static char *
date_string (const GDate *date)
{
  if (!g_date_valid (date))
    return g_strdup ("-");
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

/* No string of a verdict may hold a control character: they end up in
 * logs, events and one-line CLI output. */
static void
assert_clean (const char *text)
{
  if (text == NULL)
    return;
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
assert_verdict_clean (const ObClassifyVerdict *v)
{
  assert_clean (v->message_id);
  assert_clean (v->address);
  assert_clean (v->reason);
  assert_clean (v->from_addr);
  assert_clean (v->subject);
  assert_clean (v->status);
  assert_clean (v->diagnostic);
  assert_clean (v->snippet);
}

typedef struct
{
  char *file, *verdict, *match, *message_id, *address, *status, *return_date, *cli;
} Row;

static void
row_free (Row *row)
{
  g_free (row->file);
  g_free (row->verdict);
  g_free (row->match);
  g_free (row->message_id);
  g_free (row->address);
  g_free (row->status);
  g_free (row->return_date);
  g_free (row->cli);
  g_free (row);
}

static GPtrArray *
load_expected (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "mail", "expected.tsv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cols = NULL;
      Row *row;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      cols = g_strsplit (lines[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (cols), ==, 8);
      row = g_new0 (Row, 1);
      row->file = g_strdup (cols[0]);
      row->verdict = g_strdup (cols[1]);
      row->match = g_strdup (cols[2]);
      row->message_id = g_strdup (cols[3]);
      row->address = g_strdup (cols[4]);
      row->status = g_strdup (cols[5]);
      row->return_date = g_strdup (cols[6]);
      row->cli = g_strdup (cols[7]);
      g_ptr_array_add (rows, row);
    }

  return rows;
}

static GBytes *
load_mail (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "mail", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
test_corpus (void)
{
  g_autoptr(GPtrArray) rows = load_expected ();
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "mail", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  const char *name;
  guint n_eml = 0;

  g_assert_cmpuint (rows->len, >=, 40);
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autoptr(GBytes) bytes = load_mail (row->file);
      g_autoptr(GError) error = NULL;
      g_autoptr(ObClassifyVerdict) v = NULL;
      g_autofree char *date = NULL;

      g_test_message ("%s", row->file);
      g_hash_table_add (listed, row->file);
      v = ob_classify_message (bytes, NULL, &fake_lookup, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (v);
      date = date_string (&v->return_date);

      g_assert_cmpstr (ob_classify_kind_to_string (v->kind), ==, row->verdict);
      g_assert_cmpstr (ob_classify_match_to_string (v->match), ==, row->match);
      g_assert_cmpstr (v->message_id != NULL ? v->message_id : "-", ==, row->message_id);
      g_assert_cmpstr (v->address != NULL ? v->address : "-", ==, row->address);
      g_assert_cmpstr (v->status != NULL ? v->status : "-", ==, row->status);
      g_assert_cmpstr (date, ==, row->return_date);
      assert_verdict_clean (v);

      /* The lookup's rows come with the match */
      if (v->match == OB_CLASSIFY_MATCH_MESSAGE_ID)
        g_assert_cmpint (v->target.send_id, ==, g_str_equal (v->message_id, ID1) ? 1 : 2);
      else if (v->match == OB_CLASSIFY_MATCH_NONE)
        g_assert_cmpint (v->target.prospect_id, ==, 0);
      else
        g_assert_cmpint (v->target.prospect_id, >=, 500);
    }

  /* No sample without its expected verdict */
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      {
        n_eml++;
        if (!g_hash_table_contains (listed, name))
          g_error ("%s is not in expected.tsv", name);
      }
  g_assert_cmpuint (n_eml, ==, rows->len);
}

/* What a UID FETCH of the watcher's header fields returns of @message. */
static GBytes *
watched_fields (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  g_autofree char *copy = g_strndup (data, len);
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);
  gboolean keep = FALSE;
  char *start = copy;

  /* An mbox "From " line is no header field */
  if (g_str_has_prefix (start, "From "))
    start = strchr (start, '\n') != NULL ? strchr (start, '\n') + 1 : start + strlen (start);
  lines = g_strsplit (start, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize n = strlen (line);

      if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
      if (n == 0)
        break;
      if (line[0] != ' ' && line[0] != '\t')
        {
          const char *colon = strchr (line, ':');

          keep = FALSE;
          for (guint f = 0; colon != NULL && ob_imap_watch_headers[f] != NULL; f++)
            if (strlen (ob_imap_watch_headers[f]) == (gsize) (colon - line) &&
                g_ascii_strncasecmp (line, ob_imap_watch_headers[f], colon - line) == 0)
              keep = TRUE;
        }
      if (keep)
        g_string_append_printf (out, "%s\r\n", line);
    }
  g_string_append (out, "\r\n");
  return g_string_free_to_bytes (out);
}

/* The watcher reads the text only of messages whose header fields say it
 * may matter: every sample whose verdict could change something (tied to
 * a send or a prospect, or a report naming a recipient) says so from its
 * header fields alone, and ordinary mail does not. */
static void
test_needs_text (void)
{
  g_autoptr(GPtrArray) rows = load_expected ();
  guint skipped = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autoptr(GBytes) bytes = load_mail (row->file);
      g_autoptr(GBytes) fields = watched_fields (bytes);
      g_autoptr(ObClassifyVerdict) v = ob_classify_message (bytes, NULL, &fake_lookup, NULL, NULL);
      ObClassifyTarget target;
      gboolean matters, needs;

      g_assert_nonnull (v);
      matters = v->match != OB_CLASSIFY_MATCH_NONE || v->kind == OB_CLASSIFY_BOUNCE_HARD ||
                v->kind == OB_CLASSIFY_BOUNCE_SOFT || v->kind == OB_CLASSIFY_COMPLAINT ||
                (v->address != NULL && fake_find_prospect (v->address, &target, NULL));
      needs = ob_classify_needs_text (fields, &fake_lookup, NULL);
      g_test_message ("%s: %s, text %s", row->file, row->verdict, needs ? "read" : "skipped");
      if (matters)
        g_assert_true (needs);
      if (!needs)
        skipped++;
      /* The whole message gives the same answer as its fields. */
      g_assert_cmpint (ob_classify_needs_text (bytes, &fake_lookup, NULL), ==, needs);
    }
  /* The newsletter, the personal mail, the free-mail "colleague"... */
  g_assert_cmpuint (skipped, >=, 3);
}

/* ---- Order of the rules ------------------------------------------------- */

static void
test_order_bounce_with_references (void)
{
  /* A DSN that carries our Message-ID in In-Reply-To and References, as
   * Exchange and Gmail write them: a bounce, never a reply. */
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: postmaster@example.org\n"
    "To: ola@acme-sales.example\n"
    "Subject: Undeliverable: Quick question\n"
    "In-Reply-To: <" ID1 ">\n"
    "References: <" ID1 ">\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "Please remove me... no: delivery failed.\n"
    "--b\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; john.smith@example.com\n"
    "Action: failed\n"
    "Status: 5.2.1\n"
    "--b--\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_BOUNCE_HARD);
  g_assert_cmpint (v->match, ==, OB_CLASSIFY_MATCH_MESSAGE_ID);
  g_assert_cmpstr (v->message_id, ==, ID1);
  g_assert_cmpstr (v->address, ==, "john.smith@example.com");
  g_assert_cmpstr (v->status, ==, "5.2.1");
}

static void
test_order_auto_reply_with_references (void)
{
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: John Smith <john.smith@example.com>\n"
    "Subject: Re: Quick question\n"
    "In-Reply-To: <" ID1 ">\n"
    "References: <" ID1 ">\n"
    "Auto-Submitted: auto-replied\n"
    "\n"
    "Please remove me from your list. I am away until 2026-12-03.\n");

  /* Auto-reply wins over both the reply and the words in it */
  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_AUTO_REPLY);
  g_assert_cmpstr (v->message_id, ==, ID1);
  g_assert_cmpstr (v->reason, ==, "auto-submitted");
}

static void
test_order_unsubscribe_beats_reply (void)
{
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: John Smith <john.smith@example.com>\n"
    "Subject: Re: Quick question\n"
    "In-Reply-To: <" ID1 ">\n"
    "\n"
    "Thanks but no thanks. Take me off your list please.\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_UNSUBSCRIBE);
  g_assert_cmpint (v->match, ==, OB_CLASSIFY_MATCH_MESSAGE_ID);
  g_assert_cmpint (v->target.enrollment_id, ==, 10);
}

static void
test_order_complaint_beats_bounce (void)
{
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: MAILER-DAEMON@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=x\n"
    "\n"
    "--x\n"
    "Content-Type: message/feedback-report\n"
    "\n"
    "Feedback-Type: abuse\n"
    "Original-Rcpt-To: <Claire.Martin@EXEMPLE.fr>\n"
    "--x--\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_COMPLAINT);
  g_assert_cmpint (v->match, ==, OB_CLASSIFY_MATCH_RECIPIENT);
  g_assert_cmpstr (v->address, ==, "claire.martin@exemple.fr");
  g_assert_cmpstr (v->diagnostic, ==, "abuse");
}

static void
test_auto_submitted_no (void)
{
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: john.smith@example.com\n"
    "Subject: Re: Quick question\n"
    "Auto-Submitted: no (a person wrote this)\n"
    "In-Reply-To: <" ID1 ">\n"
    "\n"
    "Yes, call me.\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_REPLY);
  g_assert_cmpstr (v->reason, ==, "in-reply-to");
}

static void
test_list_notification (void)
{
  /* Machine mail from a list, about nothing of ours: not an auto-reply */
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: notifications@tracker.example\nSubject: [proj] Issue #12 closed\n"
    "Auto-Submitted: auto-generated\nList-Id: <proj.tracker.example>\n"
    "List-Unsubscribe: <https://tracker.example/unsubscribe>\n\nClosed.\n");
  /* The same in our thread is still one */
  g_autoptr(ObClassifyVerdict) ours = classify_text (
    "From: notifications@tracker.example\nSubject: Re: Quick question\n"
    "Auto-Submitted: auto-generated\nList-Id: <proj.tracker.example>\n"
    "In-Reply-To: <" ID1 ">\n\nYour message awaits moderation.\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_UNRELATED);
  g_assert_cmpstr (v->reason, ==, "list-mail");
  g_assert_cmpint (ours->kind, ==, OB_CLASSIFY_AUTO_REPLY);
}

static void
test_reply_sources (void)
{
  struct {
    const char    *headers;
    ObClassifyKind kind;
    ObClassifyMatch match;
  } cases[] = {
    /* Not ours, and not a prospect: nothing */
    { "From: someone@else.example\nIn-Reply-To: <other@else.example>\n", OB_CLASSIFY_UNRELATED, OB_CLASSIFY_MATCH_NONE },
    /* A References chain with ours somewhere in the middle */
    { "From: someone@else.example\nReferences: <a@x.example> <" ID2 "> <b@y.example>\n", OB_CLASSIFY_REPLY, OB_CLASSIFY_MATCH_MESSAGE_ID },
    /* From is a prospect, address in another case, display name */
    { "From: \"Smith, John\" <John.Smith@Example.COM>\n", OB_CLASSIFY_REPLY, OB_CLASSIFY_MATCH_FROM },
    /* A colleague at a prospect's company domain */
    { "From: ceo@example.com\n", OB_CLASSIFY_COLLEAGUE_REPLY, OB_CLASSIFY_MATCH_COMPANY_DOMAIN },
    /* Someone else at gmail.com, where a prospect also is: no colleague */
    { "From: someone.else@gmail.com\n", OB_CLASSIFY_UNRELATED, OB_CLASSIFY_MATCH_NONE },
    /* Sub-domains are another company */
    { "From: x@mail.example.com\n", OB_CLASSIFY_UNRELATED, OB_CLASSIFY_MATCH_NONE },
    /* Our own message come back, in our own thread */
    { "From: Ola Nowak <Ola@acme-sales.example>\nIn-Reply-To: <" ID1 ">\n", OB_CLASSIFY_UNRELATED, OB_CLASSIFY_MATCH_NONE },
    /* Our List-Unsubscribe address */
    { "From: whoever@else.example\nTo: unsubscribe@acme-sales.example\n", OB_CLASSIFY_UNSUBSCRIBE, OB_CLASSIFY_MATCH_UNSUBSCRIBE_ADDRESS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat (cases[i].headers, "Subject: hello\n\nHello there.\n", NULL);
      g_autoptr(ObClassifyVerdict) v = classify_text (text);

      g_test_message ("case %u", i);
      g_assert_cmpstr (ob_classify_kind_to_string (v->kind), ==,
                       ob_classify_kind_to_string (cases[i].kind));
      g_assert_cmpstr (ob_classify_match_to_string (v->match), ==,
                       ob_classify_match_to_string (cases[i].match));
    }
}

static void
test_free_mail_never_asked (void)
{
  Calls calls = { 0 };
  const char *text = "From: someone.else@googlemail.com\nSubject: hi\n\nhi\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(ObClassifyVerdict) v = ob_classify_message (bytes, NULL, &fake_lookup, &calls, NULL);

  /* The store is not even asked about a free-mail domain */
  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_UNRELATED);
  g_assert_cmpuint (calls.n_find_company, ==, 0);

  {
    const char *text2 = "From: someone@Contoso.Example\nSubject: hi\n\nhi\n";
    g_autoptr(GBytes) bytes2 = g_bytes_new_static (text2, strlen (text2));
    g_autoptr(ObClassifyVerdict) v2 = ob_classify_message (bytes2, NULL, &fake_lookup, &calls, NULL);

    g_assert_cmpint (v2->kind, ==, OB_CLASSIFY_COLLEAGUE_REPLY);
    g_assert_cmpuint (calls.n_find_company, ==, 1);
    g_assert_cmpstr (calls.last_company_domain, ==, "contoso.example");
  }
  g_free (calls.last_company_domain);
}

static void
test_no_lookup (void)
{
  g_autoptr(GBytes) reply = load_mail ("reply-plain.eml");
  g_autoptr(GBytes) bounce = load_mail ("postfix-dsn-user-unknown.eml");
  g_autoptr(ObClassifyVerdict) v1 = ob_classify_message (reply, NULL, NULL, NULL, NULL);
  g_autoptr(ObClassifyVerdict) v2 = ob_classify_message (bounce, NULL, NULL, NULL, NULL);

  /* Knowing nothing, a reply cannot be told from any other message... */
  g_assert_cmpint (v1->kind, ==, OB_CLASSIFY_UNRELATED);
  /* ...but a bounce still is one */
  g_assert_cmpint (v2->kind, ==, OB_CLASSIFY_BOUNCE_HARD);
  g_assert_cmpint (v2->match, ==, OB_CLASSIFY_MATCH_NONE);
  g_assert_cmpstr (v2->address, ==, "nobody@example.org");
}

static void
test_human_vacation_mention (void)
{
  /* Out-of-office words in a person's answer above the quote: a reply */
  g_autoptr(ObClassifyVerdict) quoted = classify_text (
    "From: john.smith@example.com\nSubject: Re: Quick question\nIn-Reply-To: <" ID1 ">\n\n"
    "I'm out of the office until Monday, but sure, call me then.\n\n"
    "On Tue, 24 Nov 2026, Ola wrote:\n> Hi John\n");
  /* The same words with nothing quoted: an autoresponder's text */
  g_autoptr(ObClassifyVerdict) bare = classify_text (
    "From: john.smith@example.com\nSubject: Re: Quick question\nIn-Reply-To: <" ID1 ">\n\n"
    "I'm out of the office until 2026-12-01 with limited access to email.\n");

  g_assert_cmpint (quoted->kind, ==, OB_CLASSIFY_REPLY);
  g_assert_cmpint (bare->kind, ==, OB_CLASSIFY_AUTO_REPLY);
  g_assert_cmpstr (bare->reason, ==, "text");
}

/* Words of a campaign's own topic in a person's answer are not requests */
static void
test_false_positives (void)
{
  struct { const char *subject; const char *body; ObClassifyKind kind; } cases[] = {
    { "Re: Quick question about your unsubscribe flow",
      "Your unsubscribe feature looks interesting. Call me on Monday.", OB_CLASSIFY_REPLY },
    { "Re: Delivery failure rates",
      "Our parcels were not delivered on time last year: a permanent error in our process.",
      OB_CLASSIFY_REPLY },
    { "Re: Automatic replies for your support team",
      "We already use an autoresponder, but tell me more.", OB_CLASSIFY_REPLY },
    { "Re: Your auto-reply settings", "Sounds useful, send me a demo link.", OB_CLASSIFY_REPLY },
    { "RE: Una pregunta", "Hola, quiero dar de baja un pedido antiguo, ¿me ayudas?", OB_CLASSIFY_REPLY },
    { "Re: Quick question", "Unsubscribe.", OB_CLASSIFY_UNSUBSCRIBE },
    { "Re: Quick question", "STOP", OB_CLASSIFY_UNSUBSCRIBE },
    { "Unsubscribe me", "", OB_CLASSIFY_UNSUBSCRIBE },
    { "Re: Kurze Frage", "Bitte abmelden.\n\nGruß", OB_CLASSIFY_UNSUBSCRIBE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("From: john.smith@example.com\n"
                                               "Subject: %s\nIn-Reply-To: <" ID1 ">\n"
                                               "Content-Type: text/plain; charset=utf-8\n\n%s\n",
                                               cases[i].subject, cases[i].body);
      g_autoptr(ObClassifyVerdict) v = classify_text (text);

      g_test_message ("%s / %s", cases[i].subject, cases[i].body);
      g_assert_cmpstr (ob_classify_kind_to_string (v->kind), ==,
                       ob_classify_kind_to_string (cases[i].kind));
    }
}

/* ---- Return dates -------------------------------------------------------- */

static void
test_return_dates (void)
{
  struct { const char *text; const char *expected; } cases[] = {
    { "I am out of the office and back on 12 March.", "2027-03-12" },
    { "Back on Monday, March 1st, 2027", "2027-03-01" },
    { "I'm away until December 3rd", "2026-12-03" },
    { "Out until 2026-12-03, then back", "2026-12-03" },
    { "on leave till 03/12/2026", "2026-12-03" },
    { "on leave until 3/12", "2026-12-03" },
    { "away until 12/31", "2026-12-31" },
    { "jestem na urlopie do 5 grudnia", "2026-12-05" },
    { "Wracam 7.12.2026 r.", "2026-12-07" },
    { "Jestem nieobecna do poniedziałku, 14 grudnia 2026.", "2026-12-14" },
    { "Ich bin bis zum 3. Dezember nicht im Büro.", "2026-12-03" },
    { "Ab dem 4.12. bin ich wieder erreichbar.", "2026-12-04" },
    { "Ich bin bis 03.12. im Urlaub", "2026-12-03" },
    { "Je suis absent jusqu'au 3 décembre inclus.", "2026-12-03" },
    { "De retour le 1er décembre.", "2026-12-01" },
    { "Estoy fuera hasta el 3 de diciembre.", "2026-12-03" },
    { "Volveré el 3 de diciembre de 2026.", "2026-12-03" },
    { "Regreso el lunes 14 de diciembre", "2026-12-14" },
    /* From the 1st to the 5th, back on the 6th: the latest */
    { "Away from 1 December until 5 December, back in the office on 6 December.", "2026-12-06" },
    /* A date alone, without a trigger word, with a month name */
    { "Holiday: 2 - 9 January 2027", "2027-01-09" },
    /* Numbers that are not dates */
    { "Call +48 22 123 45 67 or see ticket 1/2 and version 2.3.4", "-" },
    { "I'm out of office.", "-" },
    /* An impossible date */
    { "until 31 February", "-" },
    { "until 2026-13-45", "-" },
  };
  GDate reference;

  g_date_clear (&reference, 1);
  g_date_set_dmy (&reference, 24, G_DATE_NOVEMBER, 2026);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GDate out;
      g_autofree char *got = NULL;

      ob_classify_find_return_date (cases[i].text, &reference, &out);
      got = date_string (&out);
      g_test_message ("“%s”", cases[i].text);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }
}

static void
test_return_date_year_rollover (void)
{
  GDate reference;
  GDate out;
  g_autofree char *got = NULL;

  /* Written on 28 December: "until 4 January" is next year's */
  g_date_clear (&reference, 1);
  g_date_set_dmy (&reference, 28, G_DATE_DECEMBER, 2026);
  g_assert_true (ob_classify_find_return_date ("Away until 4 January", &reference, &out));
  got = date_string (&out);
  g_assert_cmpstr (got, ==, "2027-01-04");
}

static void
test_return_date_in_subject (void)
{
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: john.smith@example.com\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n"
    "Subject: Out of office until 3 December\nAuto-Submitted: auto-replied\n\nThanks.\n");
  g_autofree char *got = date_string (&v->return_date);

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_AUTO_REPLY);
  g_assert_cmpstr (got, ==, "2026-12-03");
}

static void
test_return_date_from_message_date (void)
{
  /* No year: taken from the message's own Date, not the clock */
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: john.smith@example.com\nDate: Mon, 20 Jan 2031 10:00:00 +0000\n"
    "Subject: Automatic reply: hello\n\nI am out of the office until 3 February.\n");
  g_autofree char *got = date_string (&v->return_date);

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_AUTO_REPLY);
  g_assert_cmpstr (got, ==, "2031-02-03");
}

/* ---- Hostile and broken input -------------------------------------------- */

static void
test_header_injection (void)
{
  /* Encoded CR LF in the subject and the display name cannot add fields */
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: =?utf-8?Q?Eve=0D=0AAuto-Submitted:_auto-replied?= <eve@evil.example>\n"
    "Subject: =?utf-8?Q?Hi=0D=0AIn-Reply-To:_<" ID1 ">=0D=0A?=\n"
    "\n"
    "Hello.\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_UNRELATED);
  g_assert_null (v->message_id);
  assert_verdict_clean (v);
  g_assert_nonnull (strstr (v->subject, "In-Reply-To"));

  /* A raw CR inside a header value is not a line break either */
  {
    g_autoptr(ObClassifyVerdict) v2 = classify_text (
      "From: eve@evil.example\n"
      "Subject: Hi\rIn-Reply-To: <" ID1 ">\n"
      "\n"
      "Hello.\n");

    g_assert_cmpint (v2->kind, ==, OB_CLASSIFY_UNRELATED);
    assert_verdict_clean (v2);
  }
}

static void
test_not_a_message (void)
{
  const char *inputs[] = { "", "\n\nbody only", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "no colon here\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (inputs[i], i == 2 ? 16 : strlen (inputs[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(ObClassifyVerdict) v = ob_classify_message (bytes, NULL, &fake_lookup, NULL, &error);

      g_assert_null (v);
      g_assert_error (error, OB_MIME_ERROR, OB_MIME_ERROR_PARSE);
    }
}

static void
test_headers_only (void)
{
  /* What the watcher fetches first: header fields, no body */
  g_autoptr(ObClassifyVerdict) v = classify_text (
    "From: John Smith <john.smith@example.com>\r\n"
    "Subject: Automatic reply: Quick question\r\n"
    "In-Reply-To: <" ID1 ">\r\n");

  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_AUTO_REPLY);
  g_assert_cmpstr (v->message_id, ==, ID1);
}

/* Every prefix of every sample: a message cut anywhere (a truncated
 * fetch, a full disk) gives a verdict or a parse error, never a crash. */
static void
test_truncated (void)
{
  g_autoptr(GPtrArray) rows = load_expected ();
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autoptr(GBytes) whole = load_mail (row->file);
      gsize len = g_bytes_get_size (whole);
      /* Some 30 cuts per file at random places (the seed is printed by
       * --verbose; -m slow tries them all) */
      guint step = g_test_slow () ? 1 : MAX (1, (guint) (len / 30));

      for (gsize cut = 0; cut <= len + step - 1; cut += step)
        {
          gsize jitter = step > 1 ? (gsize) g_test_rand_int_range (0, step) : 0;
          gsize at = MIN (cut + jitter, len);
          g_autoptr(GBytes) part = g_bytes_new_from_bytes (whole, 0, at);
          g_autoptr(GError) error = NULL;
          g_autoptr(ObClassifyVerdict) v = ob_classify_message (part, NULL, &fake_lookup, NULL, &error);

          g_assert_true ((v != NULL) != (error != NULL));
          if (v != NULL)
            assert_verdict_clean (v);
          n++;
        }
    }
  g_test_message ("%u prefixes classified", n);
}

static void
test_huge (void)
{
  GString *msg = g_string_new ("From: john.smith@example.com\nSubject: Re: hi\nIn-Reply-To: <" ID1 ">\n");
  gint64 start;
  g_autoptr(ObClassifyVerdict) v = NULL;

  /* 20,000 header fields, a 10 MB body of one line, then more parts */
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (msg, "X-Filler-%u: %u\n", i, i);
  g_string_append (msg, "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\n");
  for (guint i = 0; i < 10 * 1024 * 1024 / 16; i++)
    g_string_append (msg, "0123456789abcdef");
  g_string_append (msg, "\n--zz\nContent-Type: message/delivery-status\n\n"
                        "Final-Recipient: rfc822; x@example.com\nAction: failed\n--zz--\n");

  start = g_get_monotonic_time ();
  v = classify_text (msg->str);
  /* The DSN part lies beyond what is read: not a bounce */
  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_REPLY);
  /* Linear, not quadratic: well under a second unsanitised, a few
   * seconds under AddressSanitizer */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  g_test_message ("%.2f s", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_string_free (msg, TRUE);
}

static void
test_deep_nesting (void)
{
  GString *msg = g_string_new ("From: john.smith@example.com\nSubject: x\n");
  g_autoptr(ObClassifyVerdict) v = NULL;

  /* 5,000 nested multiparts and 5,000 siblings: bounded depth and count */
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (msg, "Content-Type: multipart/mixed; boundary=b%u\n\n--b%u\n", i, i);
  g_string_append (msg, "Content-Type: text/plain\n\nPlease unsubscribe me\n");
  for (guint i = 0; i < 5000; i++)
    g_string_append (msg, "--b4999\nContent-Type: text/plain\n\nx\n");

  v = classify_text (msg->str);
  g_assert_nonnull (v);
  g_string_free (msg, TRUE);
}

static void
test_binary_and_charsets (void)
{
  /* NUL bytes, invalid UTF-8, an unknown charset, broken base64 and QP */
  static const char msg[] =
    "From: john.smith@example.com\nSubject: \xff\xfe bad \x80\n"
    "Content-Type: multipart/mixed; boundary=\"q\"\n\n"
    "--q\nContent-Type: text/plain; charset=x-klingon\nContent-Transfer-Encoding: base64\n\n"
    "!!!!UGxlYXNlIHVuc3Vic2NyaWJlIG1l====@@@\n"
    "--q\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    "a=\n=ZZ=0\0\xc3\n--q--\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (msg, sizeof msg - 1);
  g_autoptr(ObClassifyVerdict) v = ob_classify_message (bytes, NULL, &fake_lookup, NULL, NULL);

  g_assert_nonnull (v);
  /* The base64 text said "Please unsubscribe me" */
  g_assert_cmpint (v->kind, ==, OB_CLASSIFY_UNSUBSCRIBE);
  assert_verdict_clean (v);
}

/* ---- The store's answers -------------------------------------------------- */

static void
test_store_lookup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-classify-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "outbound.db", NULL);
  g_autoptr(ObStore) store = NULL;
  struct {
    gint64      account;
    const char *headers;
    const char *kind;
    gint64      send, enrollment, prospect;
  } cases[] = {
    { 1, "From: a@alpha.example\nIn-Reply-To: <" ID1 ">\n", "reply", 31, 21, 11 },
    /* Another account's message */
    { 1, "From: b@beta.example\nIn-Reply-To: <" ID2 ">\n", "unrelated", 0, 0, 0 },
    { 0, "From: b@beta.example\nIn-Reply-To: <" ID2 ">\n", "reply", 32, 22, 12 },
    { 2, "From: b@beta.example\nIn-Reply-To: <" ID2 ">\n", "reply", 32, 22, 12 },
    /* A prospect without thread headers, in another case */
    { 1, "From: A@Alpha.example\n", "reply", 0, 21, 11 },
    /* Someone who already replied: still a reply, not a colleague's */
    { 1, "From: c@gamma.example\n", "reply", 0, 23, 13 },
    /* A colleague, of this account's prospect only */
    { 1, "From: boss@alpha.example\n", "colleague-reply", 0, 21, 11 },
    { 1, "From: boss@beta.example\n", "unrelated", 0, 0, 0 },
    /* Free mail is never a company */
    { 1, "From: someone@gmail.com\n", "unrelated", 0, 0, 0 },
    /* Our own address, any account's */
    { 1, "From: Rep2@Beta-Sales.example\nIn-Reply-To: <" ID1 ">\n", "unrelated", 0, 0, 0 },
  };

  g_assert_no_error (error);
  store = ob_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (ob_store_exec (store,
    "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security) VALUES "
    "  (1, 'one', 'rep1@alpha-sales.example', 'smtp.example', 465, 'tls'),"
    "  (2, 'two', 'rep2@beta-sales.example', 'smtp.example', 465, 'tls');"
    "INSERT INTO campaigns (id, name, account_id) VALUES (1, 'one', 1), (2, 'two', 2);"
    "INSERT INTO prospects (id, email, email_key, domain, status) VALUES "
    "  (11, 'a@alpha.example', 'a@alpha.example', 'alpha.example', 'active'),"
    "  (12, 'b@beta.example', 'b@beta.example', 'beta.example', 'active'),"
    "  (13, 'c@gamma.example', 'c@gamma.example', 'gamma.example', 'replied'),"
    "  (14, 'x@gmail.com', 'x@gmail.com', 'gmail.com', 'active');"
    "INSERT INTO enrollments (id, campaign_id, prospect_id, state) VALUES "
    "  (21, 1, 11, 'active'), (22, 2, 12, 'active'), (23, 1, 13, 'replied'), (24, 1, 14, 'active');"
    "INSERT INTO sends (id, enrollment_id, step_position, account_id, state, message_id) VALUES "
    "  (31, 21, 1, 1, 'sent', '" ID1 "'), (32, 22, 1, 2, 'sent', '" ID2 "');",
    &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ObClassifyStore) lookup = ob_classify_store_new (store, cases[i].account);
      g_autofree char *text = g_strconcat (cases[i].headers, "Subject: hi\n\nHello.\n", NULL);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
      g_autoptr(ObClassifyVerdict) v = ob_classify_message (bytes, NULL, ob_classify_store_get_lookup (),
                                                            lookup, &error);

      g_test_message ("case %u", i);
      g_assert_no_error (error);
      g_assert_cmpstr (ob_classify_kind_to_string (v->kind), ==, cases[i].kind);
      g_assert_cmpint (v->target.send_id, ==, cases[i].send);
      g_assert_cmpint (v->target.enrollment_id, ==, cases[i].enrollment);
      g_assert_cmpint (v->target.prospect_id, ==, cases[i].prospect);
    }

  g_clear_object (&store);
  remove_tree (dir);
}

/* ---- outbound-cli classify ----------------------------------------------- */

static char *
mail_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "mail", name, NULL);
}

static void
test_cli_corpus (void)
{
  g_autoptr(GPtrArray) rows = load_expected ();

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autofree char *path = mail_path (row->file);
      g_autofree char *prefix = g_strconcat (row->cli, " ", NULL);
      g_auto(CliResult) r = { 0 };

      run_cli (&r, "classify", path, NULL);
      g_test_message ("%s: %s", row->file, r.out);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_true (g_str_has_prefix (r.out, prefix));
      g_assert_true (g_str_has_suffix (r.out, "\n"));
      /* One line */
      g_assert_true (strchr (r.out, '\n') == r.out + strlen (r.out) - 1);
    }
}

static void
test_cli_format (void)
{
  g_autofree char *dsn = mail_path ("postfix-dsn-user-unknown.eml");
  g_autofree char *ooo = mail_path ("outlook-ooo-de.eml");
  g_autofree char *reply = mail_path ("reply-plain.eml");
  g_autofree char *expected = NULL;
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "classify", dsn, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, "bounce-hard nobody@example.org status=5.1.1 message-id=<" ID1 ">\n");

  run_cli (&r, "classify", ooo, NULL);
  g_assert_cmpstr (r.out, ==, "auto-reply <" ID2 "> return=2026-12-03\n");

  run_cli (&r, "classify", reply, NULL);
  g_assert_cmpstr (r.out, ==, "reply <" ID1 ">\n");

  /* "-" is standard input */
  {
    g_autofree char *contents = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;
    const char *argv[] = { g_getenv ("OUTBOUND_CLI"), "classify", "-", NULL };
    g_autoptr(GSubprocess) proc = NULL;

    g_file_get_contents (dsn, &contents, NULL, &error);
    g_assert_no_error (error);
    proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (proc, contents, NULL, &out, NULL, &error);
    g_assert_no_error (error);
    status = g_subprocess_get_exit_status (proc);
    g_assert_cmpint (status, ==, 0);
    g_assert_cmpstr (out, ==, "bounce-hard nobody@example.org status=5.1.1 message-id=<" ID1 ">\n");
  }

  /* Several files: each line starts with its file name */
  run_cli (&r, "classify", reply, dsn, NULL);
  expected = g_strdup_printf ("%s: reply <" ID1 ">\n"
                              "%s: bounce-hard nobody@example.org status=5.1.1 message-id=<" ID1 ">\n",
                              reply, dsn);
  g_assert_cmpstr (r.out, ==, expected);
  g_assert_cmpstr (r.err, ==, "");
}

static void
test_cli_json (void)
{
  g_autofree char *dsn = mail_path ("gmail-dsn-delay.eml");
  g_autofree char *ooo = mail_path ("outlook-ooo-pl.eml");
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "classify", "--json", dsn, ooo, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "[\n"));
  g_assert_nonnull (strstr (r.out, "\"verdict\": \"bounce-soft\""));
  g_assert_nonnull (strstr (r.out, "\"status\": \"4.4.2\""));
  g_assert_nonnull (strstr (r.out, "\"address\": \"lucia.garcia@ejemplo.es\""));
  g_assert_nonnull (strstr (r.out, "\"diagnostic\": \"smtp; 421 4.4.2 mx.ejemplo.es Error: timeout exceeded\""));
  g_assert_nonnull (strstr (r.out, "\"verdict\": \"auto-reply\""));
  g_assert_nonnull (strstr (r.out, "\"return_date\": \"2026-12-05\""));
  g_assert_nonnull (strstr (r.out, "\"subject\": \"Odpowiedź automatyczna: Szybkie pytanie, Łukasz\""));
  g_assert_nonnull (strstr (r.out, "\"send_id\": 0"));
}

static void
test_cli_errors (void)
{
  g_autofree char *reply = mail_path ("reply-plain.eml");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-classify-XXXXXX", &error);
  g_autofree char *empty = g_build_filename (dir, "empty.eml", NULL);
  g_autofree char *binary = g_build_filename (dir, "image.png", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.eml", NULL);
  g_autofree char *no_db = g_build_filename (dir, "no.db", NULL);
  g_auto(CliResult) r = { 0 };

  g_assert_no_error (error);
  g_file_set_contents (empty, "", 0, &error);
  g_assert_no_error (error);
  g_file_set_contents (binary, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, &error);
  g_assert_no_error (error);

  /* The readable file is still classified; the others are named on stderr */
  run_cli (&r, "classify", missing, reply, empty, binary, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "reply <" ID1 ">"));
  g_assert_nonnull (strstr (r.err, missing));
  g_assert_nonnull (strstr (r.err, empty));
  g_assert_nonnull (strstr (r.err, binary));
  g_assert_null (strstr (r.out, "missing.eml"));

  run_cli (&r, "classify", "--json", missing, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "\"error\": "));

  run_cli (&r, "classify", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_cli (&r, "classify", "--yaml", reply, NULL);
  g_assert_cmpint (r.status, ==, 2);

  /* --db names a store that is not there: an error, and none is created */
  run_cli (&r, "--db", no_db, "classify", reply, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_false (g_file_test (no_db, G_FILE_TEST_EXISTS));

  remove_tree (dir);
}

static void
test_cli_with_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-classify-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "outbound.db", NULL);
  g_autoptr(ObStore) store = NULL;
  struct { const char *file; const char *expected; } cases[] = {
    { "reply-plain.eml", "reply <" ID1 ">\n" },
    /* No thread headers: From is an active enrolled prospect */
    { "reply-no-thread-headers.eml", "reply m.schmidt@beispiel.de\n" },
    /* Same company domain as a prospect */
    { "colleague-reply.eml", "colleague-reply anna.nowak@example.org\n" },
    /* In-Reply-To names a Message-ID that is not ours */
    { "unrelated-thread.eml", "unrelated -\n" },
    /* A bounce whose recipient is a prospect but whose Message-ID is not ours */
    { "exim-delayed.eml", "bounce-soft claire.martin@exemple.fr status=4.2.2\n" },
  };

  g_assert_no_error (error);
  store = ob_store_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (ob_store_exec (store,
    "INSERT INTO accounts (id, name, email, smtp_host, smtp_port, smtp_security) VALUES "
    "  (1, 'rep', 'Ola@acme-sales.example', 'smtp.acme-sales.example', 465, 'tls');"
    "INSERT INTO campaigns (id, name, account_id) VALUES (1, 'Q4', 1);"
    "INSERT INTO prospects (id, email, email_key, domain) VALUES "
    "  (1, 'john.smith@example.com', 'john.smith@example.com', 'example.com'),"
    "  (2, 'jan.kowalski@example.org', 'jan.kowalski@example.org', 'example.org'),"
    "  (3, 'M.Schmidt@beispiel.de', 'm.schmidt@beispiel.de', 'beispiel.de'),"
    "  (4, 'claire.martin@exemple.fr', 'claire.martin@exemple.fr', 'exemple.fr');"
    "INSERT INTO enrollments (id, campaign_id, prospect_id) VALUES (11, 1, 1), (12, 1, 2), (13, 1, 3), (14, 1, 4);"
    "INSERT INTO sends (id, enrollment_id, step_position, state, message_id) VALUES "
    "  (21, 11, 1, 'sent', '" ID1 "');",
    &error));
  g_assert_no_error (error);
  g_clear_object (&store);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = mail_path (cases[i].file);
      g_auto(CliResult) r = { 0 };

      run_cli (&r, "--db", db, "classify", path, NULL);
      g_test_message ("%s", cases[i].file);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_cmpstr (r.out, ==, cases[i].expected);
    }

  /* A copy of our own message in the thread is not a reply */
  {
    g_autofree char *own = g_build_filename (dir, "own.eml", NULL);
    g_auto(CliResult) r = { 0 };

    g_file_set_contents (own, "From: Ola Nowak <ola@acme-sales.example>\n"
                              "To: john.smith@example.com\nSubject: Re: Quick question\n"
                              "In-Reply-To: <" ID1 ">\n\nAdding my colleague.\n", -1, &error);
    g_assert_no_error (error);
    run_cli (&r, "--db", db, "classify", own, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (r.out, ==, "unrelated -\n");
    /* Without the store it cannot know */
    run_cli (&r, "classify", own, NULL);
    g_assert_cmpstr (r.out, ==, "reply <" ID1 ">\n");
  }

  /* The store's rows come out in --json */
  {
    g_autofree char *path = mail_path ("reply-plain.eml");
    g_auto(CliResult) r = { 0 };

    run_cli (&r, "classify", "--db", db, "--json", path, NULL);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_nonnull (strstr (r.out, "\"send_id\": 21"));
    g_assert_nonnull (strstr (r.out, "\"enrollment_id\": 11"));
    g_assert_nonnull (strstr (r.out, "\"prospect_id\": 1\n"));
  }

  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/classify/corpus", test_corpus);
  g_test_add_func ("/engine/classify/needs-text", test_needs_text);
  g_test_add_func ("/engine/classify/order/bounce-with-references", test_order_bounce_with_references);
  g_test_add_func ("/engine/classify/order/auto-reply-with-references", test_order_auto_reply_with_references);
  g_test_add_func ("/engine/classify/order/unsubscribe-beats-reply", test_order_unsubscribe_beats_reply);
  g_test_add_func ("/engine/classify/order/complaint-beats-bounce", test_order_complaint_beats_bounce);
  g_test_add_func ("/engine/classify/auto-submitted-no", test_auto_submitted_no);
  g_test_add_func ("/engine/classify/reply-sources", test_reply_sources);
  g_test_add_func ("/engine/classify/list-notification", test_list_notification);
  g_test_add_func ("/engine/classify/free-mail-never-asked", test_free_mail_never_asked);
  g_test_add_func ("/engine/classify/no-lookup", test_no_lookup);
  g_test_add_func ("/engine/classify/human-vacation-mention", test_human_vacation_mention);
  g_test_add_func ("/engine/classify/false-positives", test_false_positives);
  g_test_add_func ("/engine/classify/return-date/forms", test_return_dates);
  g_test_add_func ("/engine/classify/return-date/year-rollover", test_return_date_year_rollover);
  g_test_add_func ("/engine/classify/return-date/message-date", test_return_date_from_message_date);
  g_test_add_func ("/engine/classify/return-date/subject", test_return_date_in_subject);
  g_test_add_func ("/engine/classify/robust/header-injection", test_header_injection);
  g_test_add_func ("/engine/classify/robust/not-a-message", test_not_a_message);
  g_test_add_func ("/engine/classify/robust/headers-only", test_headers_only);
  g_test_add_func ("/engine/classify/robust/truncated", test_truncated);
  g_test_add_func ("/engine/classify/robust/huge", test_huge);
  g_test_add_func ("/engine/classify/robust/deep-nesting", test_deep_nesting);
  g_test_add_func ("/engine/classify/robust/binary-and-charsets", test_binary_and_charsets);
  g_test_add_func ("/engine/classify/store-lookup", test_store_lookup);
  g_test_add_func ("/cli/classify/corpus", test_cli_corpus);
  g_test_add_func ("/cli/classify/format", test_cli_format);
  g_test_add_func ("/cli/classify/json", test_cli_json);
  g_test_add_func ("/cli/classify/errors", test_cli_errors);
  g_test_add_func ("/cli/classify/with-store", test_cli_with_store);

  return g_test_run ();
}
