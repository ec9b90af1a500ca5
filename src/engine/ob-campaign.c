/* ob-campaign.c: campaigns: the campaign file, the store, lifecycle, messages
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ObCampaign values are plain data owned by one thread at a time.
 * Every function that takes an ObStore runs on the thread that opened that
 * store (one connection per thread); pre-flight over a big campaign belongs
 * on a worker thread.
 *
 * The same function builds a message for the preview, for "Send test to me"
 * and for the sender, so what the rep sees is what goes out.
 */

#define G_LOG_DOMAIN "ob-campaign"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-campaign.h"
#include "ob-email.h"
#include "ob-json.h"
#include "ob-mime.h"
#include "ob-template.h"

G_DEFINE_QUARK (ob-campaign-error-quark, ob_campaign_error)

/* g_set_str() arrived in GLib 2.76. */
static void
replace_str (char       **slot,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

static gboolean
blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

#define MAX_STEPS           50
#define MAX_DAILY_LIMIT     100000
#define MAX_PAUSE           86400
#define MAX_LINE_OCTETS     998
#define DEFAULT_WINDOW_START (9 * 60)
#define DEFAULT_WINDOW_END   (17 * 60)

static const char * const state_names[] = {
  [OB_CAMPAIGN_DRAFT] = "draft",
  [OB_CAMPAIGN_RUNNING] = "running",
  [OB_CAMPAIGN_PAUSED] = "paused",
  [OB_CAMPAIGN_FINISHED] = "finished",
};

static const char * const kind_names[] = {
  [OB_PREFLIGHT_NO_ACCOUNT] = "no-account",
  [OB_PREFLIGHT_NO_STEPS] = "no-steps",
  [OB_PREFLIGHT_NO_PROSPECTS] = "no-prospects",
  [OB_PREFLIGHT_TEMPLATE] = "template",
  [OB_PREFLIGHT_EMPTY_SUBJECT] = "empty-subject",
  [OB_PREFLIGHT_EMPTY_BODY] = "empty-body",
  [OB_PREFLIGHT_LONG_LINE] = "long-line",
  [OB_PREFLIGHT_SUBJECT_IGNORED] = "subject-ignored",
  [OB_PREFLIGHT_MISSING_FIELD] = "missing-field",
  [OB_PREFLIGHT_PLACEHOLDER] = "placeholder",
  [OB_PREFLIGHT_DO_NOT_CONTACT] = "do-not-contact",
  [OB_PREFLIGHT_NOT_ACTIVE] = "not-active",
  [OB_PREFLIGHT_ACTIVE_ELSEWHERE] = "active-elsewhere",
};

G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == OB_PREFLIGHT_N_KINDS);

const char *
ob_campaign_state_to_string (ObCampaignState state)
{
  g_return_val_if_fail (state <= OB_CAMPAIGN_FINISHED, "draft");
  return state_names[state];
}

gboolean
ob_campaign_state_from_string (const char      *text,
                               ObCampaignState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

/* ---- Values ---------------------------------------------------------------- */

ObCampaignStep *
ob_campaign_step_new (void)
{
  ObCampaignStep *step = g_new0 (ObCampaignStep, 1);

  step->subject = g_strdup ("");
  step->body = g_strdup ("");
  step->delay.amount = 3;
  step->delay.unit = OB_DELAY_DAYS;
  step->same_thread = TRUE;
  return step;
}

ObCampaignStep *
ob_campaign_step_copy (const ObCampaignStep *step)
{
  ObCampaignStep *copy = g_memdup2 (step, sizeof *step);

  copy->subject = g_strdup (step->subject);
  copy->body = g_strdup (step->body);
  return copy;
}

void
ob_campaign_step_free (ObCampaignStep *step)
{
  if (step == NULL)
    return;
  g_free (step->subject);
  g_free (step->body);
  g_free (step);
}

ObCampaign *
ob_campaign_new (void)
{
  ObCampaign *self = g_new0 (ObCampaign, 1);

  self->name = g_strdup ("");
  self->state = OB_CAMPAIGN_DRAFT;
  self->state_reason = g_strdup ("");
  self->timezone = g_strdup ("");
  self->window_start = DEFAULT_WINDOW_START;
  self->window_end = DEFAULT_WINDOW_END;
  self->days = OB_SCHEDULE_WEEKDAYS;
  self->daily_limit = 50;
  self->pause_min = 60;
  self->pause_max = 180;
  self->bounce_threshold_permille = 20;
  self->holidays = g_strdup ("");
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_campaign_step_free);
  return self;
}

ObCampaign *
ob_campaign_copy (const ObCampaign *self)
{
  ObCampaign *copy = g_memdup2 (self, sizeof *self);

  copy->name = g_strdup (self->name);
  copy->account = g_strdup (self->account);
  copy->state_reason = g_strdup (self->state_reason);
  copy->timezone = g_strdup (self->timezone);
  copy->holidays = g_strdup (self->holidays);
  copy->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_campaign_step_free);
  for (guint i = 0; i < self->steps->len; i++)
    g_ptr_array_add (copy->steps, ob_campaign_step_copy (g_ptr_array_index (self->steps, i)));
  return copy;
}

void
ob_campaign_free (ObCampaign *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->account);
  g_free (self->state_reason);
  g_free (self->timezone);
  g_free (self->holidays);
  g_ptr_array_unref (self->steps);
  g_free (self);
}

guint
ob_campaign_get_n_steps (const ObCampaign *self)
{
  return self->steps->len;
}

ObCampaignStep *
ob_campaign_get_step (const ObCampaign *self,
                      guint             position)
{
  if (position < 1 || position > self->steps->len)
    return NULL;
  return g_ptr_array_index (self->steps, position - 1);
}

void
ob_campaign_next_delay (const ObCampaign *self,
                        ObScheduleDelay  *delay)
{
  ObCampaignStep *last = self->steps->len > 1
                         ? g_ptr_array_index (self->steps, self->steps->len - 1) : NULL;

  delay->unit = OB_DELAY_DAYS;
  delay->amount = 3;
  if (last != NULL)
    {
      delay->unit = last->delay.unit;
      delay->amount = MAX (1, MIN (last->delay.amount * 2, 365u));
    }
}

void
ob_campaign_add_default_steps (ObCampaign *self)
{
  /* Follow-ups on day 3, 6 and 12: each delay counts from the step before. */
  static const guint delays[] = { 0, 3, 3, 6 };

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      ObCampaignStep *step = ob_campaign_step_new ();

      step->delay.amount = delays[i];
      step->same_thread = i > 0;
      g_ptr_array_add (self->steps, step);
    }
}

/* A follow-up in the same thread takes its subject from the step that
 * started the thread. */
static gboolean
step_starts_thread (const ObCampaign *self,
                    guint             position)
{
  ObCampaignStep *step = ob_campaign_get_step (self, position);

  return position == 1 || step == NULL || !step->same_thread;
}

static guint
thread_start (const ObCampaign *self,
              guint             position)
{
  while (position > 1 && !step_starts_thread (self, position))
    position--;
  return position;
}

/* ---- Validation ------------------------------------------------------------ */

static gboolean
compile_part (const char   *text,
              guint         position,
              gboolean      subject,
              ObTemplate  **out,
              GError      **error)
{
  ObTemplateSpan span = { 0 };
  g_autoptr(GError) local_error = NULL;

  *out = ob_template_compile (text, &span, &local_error);
  if (*out != NULL)
    return TRUE;

  g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
               subject ? _("Step %u, subject, line %u, column %u: %s")
                       : _("Step %u, body, line %u, column %u: %s"),
               position, span.line, span.column, local_error->message);
  return FALSE;
}

gboolean
ob_campaign_validate (const ObCampaign  *self,
                      GError           **error)
{
  g_autofree char *name = g_strstrip (g_strdup (self->name != NULL ? self->name : ""));

  if (name[0] == '\0')
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("A campaign needs a name"));
      return FALSE;
    }
  if (!g_utf8_validate (self->name, -1, NULL) || strpbrk (self->name, "\r\n") != NULL)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("A campaign name is one line of text"));
      return FALSE;
    }
  if (self->window_start >= OB_SCHEDULE_WHOLE_DAY_END || self->window_end > OB_SCHEDULE_WHOLE_DAY_END
      || self->window_start == self->window_end)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("The sending window must be at least a minute long"));
      return FALSE;
    }
  if ((self->days & OB_SCHEDULE_EVERY_DAY) == 0 || self->days > OB_SCHEDULE_EVERY_DAY)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("Choose at least one sending day"));
      return FALSE;
    }
  if (self->daily_limit > MAX_DAILY_LIMIT)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("The daily limit is at most %u"), MAX_DAILY_LIMIT);
      return FALSE;
    }
  if (self->pause_min > self->pause_max || self->pause_max > MAX_PAUSE)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("The pause between sends goes from a minimum to a maximum of at most %u seconds"),
                   MAX_PAUSE);
      return FALSE;
    }
  if (self->bounce_threshold_permille > 1000)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("The bounce threshold is a rate between 0 %% and 100 %%"));
      return FALSE;
    }
  if (self->timezone != NULL && self->timezone[0] != '\0')
    {
      g_autoptr(GTimeZone) zone = g_time_zone_new_identifier (self->timezone);

      if (zone == NULL)
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                       _("“%s” is not a time zone this system knows"), self->timezone);
          return FALSE;
        }
    }
  if (self->holidays != NULL && self->holidays[0] != '\0')
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(ObScheduleSettings) settings =
        ob_schedule_settings_new ("UTC", 0, OB_SCHEDULE_WHOLE_DAY_END, OB_SCHEDULE_EVERY_DAY,
                                  self->holidays, &local_error);

      if (settings == NULL)
        {
          g_set_error_literal (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                               local_error->message);
          return FALSE;
        }
    }
  if (self->steps->len > MAX_STEPS)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("A campaign has at most %u steps"), MAX_STEPS);
      return FALSE;
    }

  for (guint i = 0; i < self->steps->len; i++)
    {
      ObCampaignStep *step = g_ptr_array_index (self->steps, i);
      g_autoptr(ObTemplate) subject = NULL;
      g_autoptr(ObTemplate) body = NULL;

      if (!compile_part (step->subject, i + 1, TRUE, &subject, error)
          || !compile_part (step->body, i + 1, FALSE, &body, error))
        return FALSE;
    }

  return TRUE;
}

/* ---- The campaign file ----------------------------------------------------- */

/* GKeyFile has no comments after a value; the documented examples have them
 * ("daily-limit=50   # new first emails"). A name keeps a single " #" (so
 * "Launch #2" stays whole); settings lose everything from a blank + "#". */
static char *
strip_inline_comment (const char *value,
                      gboolean    keep_single_blank)
{
  char *copy = g_strdup (value);

  for (char *p = copy; *p != '\0'; p++)
    {
      guint blanks = 0;

      if (*p != '#' || p == copy)
        continue;
      for (char *q = p - 1; q >= copy && (*q == ' ' || *q == '\t'); q--)
        blanks++;
      if (blanks >= (keep_single_blank ? 2u : 1u))
        {
          *p = '\0';
          break;
        }
    }

  return g_strstrip (copy);
}

static gboolean
parse_uint (const char *text,
            guint       max,
            guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  static const char * const yes[] = { "true", "yes", "on", "1", NULL };
  static const char * const no[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; yes[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      return (*out = TRUE), TRUE;
  for (guint i = 0; no[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      return (*out = FALSE), TRUE;
  return FALSE;
}

/* "60-180" or "90" (seconds). */
static gboolean
parse_pause (const char *text,
             guint      *min,
             guint      *max)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", 3);

  if (g_strv_length (parts) == 1)
    {
      g_strstrip (parts[0]);
      if (!parse_uint (parts[0], MAX_PAUSE, min))
        return FALSE;
      *max = *min;
      return TRUE;
    }
  if (g_strv_length (parts) != 2)
    return FALSE;
  g_strstrip (parts[0]);
  g_strstrip (parts[1]);
  return parse_uint (parts[0], MAX_PAUSE, min) && parse_uint (parts[1], MAX_PAUSE, max)
         && *min <= *max;
}

/* "2%", "2", "2.5 %" → per mille. */
static gboolean
parse_rate (const char *text,
            guint      *permille)
{
  g_autofree char *copy = g_strdup (text);
  char *end = NULL;
  double value;

  g_strstrip (copy);
  if (g_str_has_suffix (copy, "%"))
    copy[strlen (copy) - 1] = '\0';
  g_strstrip (copy);
  value = g_ascii_strtod (copy, &end);
  if (copy[0] == '\0' || end == NULL || *end != '\0' || !(value >= 0 && value <= 100))
    return FALSE;
  *permille = (guint) (value * 10 + 0.5);
  return TRUE;
}

static gboolean
key_in (const char         *key,
        const char * const *allowed)
{
  return g_strv_contains (allowed, key);
}

static void
set_file_error (GError     **error,
                const char  *group,
                const char  *key,
                const char  *value,
                const char  *expected)
{
  g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
               _("[%s] %s=%s: %s"), group, key, value, expected);
}

static gboolean
parse_campaign_group (GKeyFile    *file,
                      ObCampaign  *self,
                      GError     **error)
{
  static const char * const allowed[] = {
    "name", "account", "timezone", "window", "days", "daily-limit", "pause",
    "stop-company-on-reply", "holidays", "bounce-threshold", NULL
  };
  g_auto(GStrv) keys = g_key_file_get_keys (file, "campaign", NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autofree char *raw = NULL;
      g_autofree char *value = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!key_in (key, allowed))
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       _("[campaign]: unknown key “%s”"), key);
          return FALSE;
        }

      raw = g_key_file_get_string (file, "campaign", key, &local_error);
      if (raw == NULL)
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       "[campaign] %s: %s", key, local_error->message);
          return FALSE;
        }
      value = strip_inline_comment (raw, strcmp (key, "name") == 0);

      if (strcmp (key, "name") == 0)
        replace_str (&self->name, value);
      else if (strcmp (key, "account") == 0)
        replace_str (&self->account, value);
      else if (strcmp (key, "timezone") == 0)
        {
          if (g_ascii_strcasecmp (value, "system") == 0 || g_ascii_strcasecmp (value, "local") == 0)
            value[0] = '\0';
          replace_str (&self->timezone, value);
        }
      else if (strcmp (key, "window") == 0)
        {
          if (!ob_schedule_parse_window (value, &self->window_start, &self->window_end, &local_error))
            return set_file_error (error, "campaign", key, value, local_error->message), FALSE;
        }
      else if (strcmp (key, "days") == 0)
        {
          g_auto(GStrv) parts = g_strsplit_set (value, ";, ", -1);
          g_autoptr(GPtrArray) names = g_ptr_array_new ();

          for (guint j = 0; parts[j] != NULL; j++)
            if (parts[j][0] != '\0')
              g_ptr_array_add (names, parts[j]);
          g_ptr_array_add (names, NULL);
          if (!ob_schedule_parse_days ((const char * const *) names->pdata, &self->days, &local_error))
            return set_file_error (error, "campaign", key, value, local_error->message), FALSE;
        }
      else if (strcmp (key, "daily-limit") == 0)
        {
          if (!parse_uint (value, MAX_DAILY_LIMIT, &self->daily_limit))
            return set_file_error (error, "campaign", key, value,
                                   _("expected a number of emails per day")), FALSE;
        }
      else if (strcmp (key, "pause") == 0)
        {
          if (!parse_pause (value, &self->pause_min, &self->pause_max))
            return set_file_error (error, "campaign", key, value,
                                   _("expected seconds as MIN-MAX, e.g. 60-180")), FALSE;
        }
      else if (strcmp (key, "stop-company-on-reply") == 0)
        {
          if (!parse_bool (value, &self->stop_company_on_reply))
            return set_file_error (error, "campaign", key, value,
                                   _("expected true or false")), FALSE;
        }
      else if (strcmp (key, "holidays") == 0)
        replace_str (&self->holidays, value);
      else if (strcmp (key, "bounce-threshold") == 0)
        {
          if (!parse_rate (value, &self->bounce_threshold_permille))
            return set_file_error (error, "campaign", key, value,
                                   _("expected a rate such as 2%")), FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_step_group (GKeyFile        *file,
                  const char      *group,
                  gboolean         first,
                  ObCampaignStep  *step,
                  GError         **error)
{
  static const char * const allowed[] = { "subject", "body", "delay", "thread", NULL };
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);
  gboolean has_delay = FALSE;
  gboolean has_thread = FALSE;

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autofree char *value = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!key_in (key, allowed))
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       _("[%s]: unknown key “%s”"), group, key);
          return FALSE;
        }
      value = g_key_file_get_string (file, group, key, &local_error);
      if (value == NULL)
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       "[%s] %s: %s", group, key, local_error->message);
          return FALSE;
        }

      if (strcmp (key, "subject") == 0)
        replace_str (&step->subject, value);
      else if (strcmp (key, "body") == 0)
        replace_str (&step->body, value);
      else if (strcmp (key, "delay") == 0)
        {
          g_autofree char *text = strip_inline_comment (value, FALSE);

          if (!ob_schedule_parse_delay (text, &step->delay, &local_error))
            return set_file_error (error, group, key, text, local_error->message), FALSE;
          has_delay = TRUE;
        }
      else if (strcmp (key, "thread") == 0)
        {
          g_autofree char *text = strip_inline_comment (value, FALSE);

          if (!parse_bool (text, &step->same_thread))
            return set_file_error (error, group, key, text, _("expected true or false")), FALSE;
          has_thread = TRUE;
        }
    }

  if (blank (step->body))
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("[%s]: the step has no body"), group);
      return FALSE;
    }

  if (first)
    {
      if (has_delay && step->delay.amount != 0)
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       _("[%s]: the first step goes as soon as the campaign runs: it has no delay"),
                       group);
          return FALSE;
        }
      step->delay.amount = 0;
      step->delay.unit = OB_DELAY_DAYS;
      step->same_thread = FALSE;
      if (blank (step->subject))
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       _("[%s]: the first email needs a subject"), group);
          return FALSE;
        }
      return TRUE;
    }

  if (!has_delay)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("[%s]: a follow-up needs a delay after the step before, e.g. delay=3d"), group);
      return FALSE;
    }
  if (!has_thread)
    step->same_thread = TRUE;
  if (!step->same_thread && blank (step->subject))
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("[%s]: a step that starts a new thread (thread=false) needs a subject"), group);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  guint64     number;
  const char *group;
} StepGroup;

static int
compare_step_groups (gconstpointer a,
                     gconstpointer b)
{
  const StepGroup *x = a, *y = b;

  return x->number < y->number ? -1 : x->number > y->number;
}

ObCampaign *
ob_campaign_parse_file (const char  *data,
                        gsize        length,
                        GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ObCampaign) self = ob_campaign_new ();
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (StepGroup));
  g_auto(GStrv) groups = NULL;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("A campaign file is UTF-8 text"));
      return NULL;
    }
  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("Not a campaign file: %s"), local_error->message);
      return NULL;
    }

  if (!g_key_file_has_group (file, "campaign"))
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("Not a campaign file: there is no [campaign] group"));
      return NULL;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      StepGroup step = { 0, groups[i] };

      if (strcmp (groups[i], "campaign") == 0)
        continue;
      if (!g_str_has_prefix (groups[i], "step ")
          || !g_ascii_string_to_unsigned (groups[i] + 5, 10, 1, 999, &step.number, NULL))
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                       _("Unknown group [%s]: a campaign file has [campaign] and [step 1], [step 2]…"),
                       groups[i]);
          return NULL;
        }
      for (guint j = 0; j < steps->len; j++)
        if (g_array_index (steps, StepGroup, j).number == step.number)
          {
            g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                         _("Step %u appears twice"), (guint) step.number);
            return NULL;
          }
      g_array_append_val (steps, step);
    }

  if (!parse_campaign_group (file, self, error))
    return NULL;

  if (steps->len == 0)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_PARSE,
                   _("The campaign has no steps: add a [step 1] group with a subject and a body"));
      return NULL;
    }

  /* Steps go in the order of their numbers; gaps are allowed ("step 10"
   * after "step 5" leaves room to insert one). */
  g_array_sort (steps, compare_step_groups);
  for (guint i = 0; i < steps->len; i++)
    {
      g_autoptr(ObCampaignStep) step = ob_campaign_step_new ();

      if (!parse_step_group (file, g_array_index (steps, StepGroup, i).group, i == 0, step, error))
        return NULL;
      g_ptr_array_add (self->steps, g_steal_pointer (&step));
    }

  if (!ob_campaign_validate (self, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

static char *
format_minutes (guint minutes)
{
  return g_strdup_printf ("%02u:%02u", minutes / 60, minutes % 60);
}

char *
ob_campaign_to_file (const ObCampaign *self)
{
  static const char * const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) days = g_ptr_array_new ();
  g_autofree char *start = format_minutes (self->window_start);
  g_autofree char *end = format_minutes (self->window_end);
  g_autofree char *window = g_strdup_printf ("%s-%s", start, end);
  g_autofree char *pause = g_strdup_printf ("%u-%u", self->pause_min, self->pause_max);
  g_autofree char *rate = g_strdup_printf ("%u.%u%%", self->bounce_threshold_permille / 10,
                                           self->bounce_threshold_permille % 10);

  for (guint i = 0; i < 7; i++)
    if (self->days & (1u << i))
      g_ptr_array_add (days, (gpointer) day_names[i]);
  g_ptr_array_add (days, NULL);

  g_key_file_set_string (file, "campaign", "name", self->name);
  if (self->account != NULL && self->account[0] != '\0')
    g_key_file_set_string (file, "campaign", "account", self->account);
  if (self->timezone[0] != '\0')
    g_key_file_set_string (file, "campaign", "timezone", self->timezone);
  g_key_file_set_string (file, "campaign", "window", window);
  g_key_file_set_string_list (file, "campaign", "days",
                              (const char * const *) days->pdata, days->len - 1);
  g_key_file_set_integer (file, "campaign", "daily-limit", (int) self->daily_limit);
  g_key_file_set_string (file, "campaign", "pause", pause);
  g_key_file_set_boolean (file, "campaign", "stop-company-on-reply", self->stop_company_on_reply);
  if (self->holidays[0] != '\0')
    g_key_file_set_string (file, "campaign", "holidays", self->holidays);
  g_key_file_set_string (file, "campaign", "bounce-threshold", rate);

  for (guint i = 0; i < self->steps->len; i++)
    {
      ObCampaignStep *step = g_ptr_array_index (self->steps, i);
      g_autofree char *group = g_strdup_printf ("step %u", i + 1);

      if (step->subject[0] != '\0' || i == 0)
        g_key_file_set_string (file, group, "subject", step->subject);
      g_key_file_set_string (file, group, "body", step->body);
      if (i > 0)
        {
          g_autofree char *delay = ob_schedule_format_delay (&step->delay);

          g_key_file_set_string (file, group, "delay", delay);
          g_key_file_set_boolean (file, group, "thread", step->same_thread);
        }
    }

  return g_key_file_to_data (file, NULL, NULL);
}

/* ---- The store ------------------------------------------------------------- */

static char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

static void
set_not_found (GError     **error,
               const char  *name)
{
  g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
               _("There is no campaign named “%s”"), name);
}

#define CAMPAIGN_COLUMNS \
  "c.id, c.name, c.account_id, a.name, c.state, c.state_reason, c.timezone," \
  " c.window_start, c.window_end, c.days, c.daily_limit, c.pause_min, c.pause_max," \
  " c.stop_company_on_reply, c.bounce_threshold_permille, c.holidays"

static gboolean
load_steps (ObStore     *store,
            ObCampaign  *self,
            gboolean     with_send_counts,
            GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(ObStoreStmt) counts = NULL;
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT id, subject, body, delay_amount, delay_unit, same_thread"
                           " FROM steps WHERE campaign_id = ?1 ORDER BY position",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObCampaignStep *step = g_new0 (ObCampaignStep, 1);

      step->id = sqlite3_column_int64 (stmt, 0);
      step->subject = column_text (stmt, 1);
      step->body = column_text (stmt, 2);
      step->delay.amount = (guint) sqlite3_column_int64 (stmt, 3);
      if (!ob_schedule_delay_unit_from_string ((const char *) sqlite3_column_text (stmt, 4),
                                               &step->delay.unit))
        step->delay.unit = OB_DELAY_DAYS;
      step->same_thread = sqlite3_column_int (stmt, 5) != 0;
      g_ptr_array_add (self->steps, step);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "steps");
      return FALSE;
    }

  if (!with_send_counts)
    return TRUE;

  /* A message "went" once it was handed to the server, or may have been. */
  counts = ob_store_prepare_cached (store,
                             "SELECT s.step_position, count(*) FROM enrollments AS e"
                             " JOIN sends AS s ON s.enrollment_id = e.id"
                             " WHERE e.campaign_id = ?1"
                             "   AND s.state IN ('sending', 'sent', 'uncertain', 'failed')"
                             " GROUP BY s.step_position",
                             error);
  if (counts == NULL)
    return FALSE;
  sqlite3_bind_int64 (counts, 1, self->id);
  while ((rc = sqlite3_step (counts)) == SQLITE_ROW)
    {
      ObCampaignStep *step = ob_campaign_get_step (self, (guint) sqlite3_column_int64 (counts, 0));

      if (step != NULL)
        step->n_sent = (guint64) sqlite3_column_int64 (counts, 1);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "sends");
      return FALSE;
    }
  return TRUE;
}

static ObCampaign *
load_where_full (ObStore     *store,
                 const char  *where,
                 gint64       id,
                 const char  *name,
                 gboolean     with_send_counts,
                 GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " CAMPAIGN_COLUMNS " FROM campaigns AS c"
                                          " LEFT JOIN accounts AS a ON a.id = c.account_id"
                                          " WHERE %s", where);
  g_autoptr(ObStoreStmt) stmt = ob_store_prepare_cached (store, sql, error);
  g_autoptr(ObCampaign) self = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (name != NULL)
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64 (stmt, 1, id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "campaign");
      return NULL;
    }

  self = ob_campaign_new ();
  self->id = sqlite3_column_int64 (stmt, 0);
  replace_str (&self->name, (const char *) sqlite3_column_text (stmt, 1));
  self->account_id = sqlite3_column_int64 (stmt, 2);
  if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
    self->account = column_text (stmt, 3);
  ob_campaign_state_from_string ((const char *) sqlite3_column_text (stmt, 4), &self->state);
  g_free (self->state_reason);
  self->state_reason = column_text (stmt, 5);
  g_free (self->timezone);
  self->timezone = column_text (stmt, 6);
  self->window_start = (guint) sqlite3_column_int (stmt, 7);
  self->window_end = (guint) sqlite3_column_int (stmt, 8);
  self->days = (guint) sqlite3_column_int (stmt, 9);
  self->daily_limit = (guint) sqlite3_column_int (stmt, 10);
  self->pause_min = (guint) sqlite3_column_int (stmt, 11);
  self->pause_max = (guint) sqlite3_column_int (stmt, 12);
  self->stop_company_on_reply = sqlite3_column_int (stmt, 13) != 0;
  self->bounce_threshold_permille = (guint) sqlite3_column_int (stmt, 14);
  g_free (self->holidays);
  self->holidays = column_text (stmt, 15);

  if (!load_steps (store, self, with_send_counts, error))
    return NULL;
  return g_steal_pointer (&self);
}

static ObCampaign *
load_where (ObStore     *store,
            const char  *where,
            gint64       id,
            const char  *name,
            GError     **error)
{
  return load_where_full (store, where, id, name, TRUE, error);
}

/**
 * ob_campaign_load_for_sending:
 *
 * ob_campaign_load() without the per-step counts of sends (which group
 * every send of the campaign): what the sender needs for each message.
 */
ObCampaign *
ob_campaign_load_for_sending (ObStore  *store,
                              gint64    id,
                              GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  ObCampaign *self = load_where_full (store, "c.id = ?1", id, NULL, FALSE, &local_error);

  if (self == NULL && local_error == NULL)
    g_set_error (&local_error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("The campaign was deleted"));
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return self;
}

ObCampaign *
ob_campaign_load (ObStore  *store,
                  gint64    id,
                  GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  ObCampaign *self = load_where (store, "c.id = ?1", id, NULL, &local_error);

  if (self == NULL && local_error == NULL)
    g_set_error (&local_error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("The campaign was deleted"));
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return self;
}

ObCampaign *
ob_campaign_find (ObStore     *store,
                  const char  *name,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  ObCampaign *self;
  guint64 id;

  if (name[0] == '#' && g_ascii_string_to_unsigned (name + 1, 10, 1, G_MAXINT64, &id, NULL))
    self = load_where (store, "c.id = ?1", (gint64) id, NULL, &local_error);
  else
    {
      self = load_where (store, "c.name = ?1", 0, name, &local_error);
      if (self == NULL && local_error == NULL)
        self = load_where (store, "c.name = ?1 COLLATE NOCASE ORDER BY c.id LIMIT 1", 0, name,
                           &local_error);
    }

  if (self == NULL && local_error == NULL)
    set_not_found (&local_error, name);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return self;
}

gint64
ob_campaign_resolve_account (ObStore     *store,
                             const char  *name_or_email,
                             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT id FROM accounts WHERE name = ?1 OR email = ?1 COLLATE NOCASE"
                           " ORDER BY name = ?1 DESC, id LIMIT 1",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, name_or_email, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    ob_store_set_error_from_db (store, rc, error, "accounts");
  else
    g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("There is no account named “%s”; add it first (outbound-cli account add)"),
                 name_or_email);
  return 0;
}

static gboolean
write_campaign_row (ObStore     *store,
                    ObCampaign  *self,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (self->id == 0)
    stmt = ob_store_prepare (store,
                             "INSERT INTO campaigns (name, account_id, timezone, window_start,"
                             " window_end, days, daily_limit, pause_min, pause_max,"
                             " stop_company_on_reply, bounce_threshold_permille, holidays)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                             error);
  else
    stmt = ob_store_prepare (store,
                             "UPDATE campaigns SET name = ?1, account_id = ?2, timezone = ?3,"
                             " window_start = ?4, window_end = ?5, days = ?6, daily_limit = ?7,"
                             " pause_min = ?8, pause_max = ?9, stop_company_on_reply = ?10,"
                             " bounce_threshold_permille = ?11, holidays = ?12,"
                             " updated_at = unixepoch () WHERE id = ?13",
                             error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, g_strstrip (self->name), -1, SQLITE_TRANSIENT);
  if (self->account_id != 0)
    sqlite3_bind_int64 (stmt, 2, self->account_id);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_text (stmt, 3, self->timezone, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 4, (int) self->window_start);
  sqlite3_bind_int (stmt, 5, (int) self->window_end);
  sqlite3_bind_int (stmt, 6, (int) self->days);
  sqlite3_bind_int (stmt, 7, (int) self->daily_limit);
  sqlite3_bind_int (stmt, 8, (int) self->pause_min);
  sqlite3_bind_int (stmt, 9, (int) self->pause_max);
  sqlite3_bind_int (stmt, 10, self->stop_company_on_reply);
  sqlite3_bind_int (stmt, 11, (int) self->bounce_threshold_permille);
  sqlite3_bind_text (stmt, 12, self->holidays, -1, SQLITE_TRANSIENT);
  if (self->id != 0)
    sqlite3_bind_int64 (stmt, 13, self->id);

  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT
      && sqlite3_extended_errcode (ob_store_get_db (store)) == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_EXISTS,
                   _("There is already a campaign named “%s”"), self->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "campaign");
      return FALSE;
    }
  if (self->id == 0)
    self->id = sqlite3_last_insert_rowid (ob_store_get_db (store));
  else if (sqlite3_changes (ob_store_get_db (store)) == 0)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                   _("The campaign was deleted"));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gint64  id;
  guint   position;
  guint64 n_sent;
} StoredStep;

/* Steps already sent keep their place: a follow-up's "previous step" and
 * every enrollment's next_step count on it. */
static gboolean
write_steps (ObStore     *store,
             ObCampaign  *self,
             GError     **error)
{
  g_autoptr(ObCampaign) stored = NULL;
  g_autoptr(sqlite3_stmt) shift = NULL;
  g_autoptr(sqlite3_stmt) remove = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) finish = NULL;

  stored = load_where (store, "c.id = ?1", self->id, NULL, error);
  if (stored == NULL)
    return FALSE;

  for (guint i = 0; i < stored->steps->len; i++)
    {
      ObCampaignStep *old = g_ptr_array_index (stored->steps, i);
      ObCampaignStep *now = ob_campaign_get_step (self, i + 1);

      if (old->n_sent == 0)
        continue;
      if (now == NULL || now->id != old->id)
        {
          g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STEP_SENT,
                       _("Step %u was already sent to %llu prospects: it can be "
                         "edited, but not removed or moved"),
                       i + 1, (unsigned long long) old->n_sent);
          return FALSE;
        }
    }

  for (guint i = 0; i < self->steps->len; i++)
    {
      ObCampaignStep *step = g_ptr_array_index (self->steps, i);
      gboolean known = step->id == 0;

      for (guint j = 0; j < stored->steps->len && !known; j++)
        known = ((ObCampaignStep *) g_ptr_array_index (stored->steps, j))->id == step->id;
      if (!known)
        step->id = 0;   /* a step copied from another campaign */
    }

  /* Out of the way of UNIQUE (campaign_id, position) while moving. */
  shift = ob_store_prepare (store,
                            "UPDATE steps SET position = position + 100000 WHERE campaign_id = ?1",
                            error);
  remove = shift == NULL ? NULL
           : ob_store_prepare (store, "DELETE FROM steps WHERE id = ?1", error);
  update = remove == NULL ? NULL
           : ob_store_prepare (store,
                               "UPDATE steps SET position = ?2, subject = ?3, body = ?4,"
                               " delay_amount = ?5, delay_unit = ?6, same_thread = ?7"
                               " WHERE id = ?1 AND campaign_id = ?8",
                               error);
  insert = update == NULL ? NULL
           : ob_store_prepare (store,
                               "INSERT INTO steps (campaign_id, position, subject, body,"
                               " delay_amount, delay_unit, same_thread)"
                               " VALUES (?8, ?2, ?3, ?4, ?5, ?6, ?7)",
                               error);
  finish = insert == NULL ? NULL
           : ob_store_prepare (store,
                               "UPDATE enrollments SET state = 'finished', next_step = NULL,"
                               " due_at = NULL, updated_at = unixepoch ()"
                               " WHERE campaign_id = ?1 AND state = 'active' AND next_step > ?2",
                               error);
  if (finish == NULL)
    return FALSE;

  sqlite3_bind_int64 (shift, 1, self->id);
  if (!ob_store_step (store, shift, "steps", error))
    return FALSE;

  for (guint i = 0; i < stored->steps->len; i++)
    {
      ObCampaignStep *old = g_ptr_array_index (stored->steps, i);
      gboolean kept = FALSE;

      for (guint j = 0; j < self->steps->len && !kept; j++)
        kept = ((ObCampaignStep *) g_ptr_array_index (self->steps, j))->id == old->id;
      if (kept)
        continue;
      sqlite3_reset (remove);
      sqlite3_bind_int64 (remove, 1, old->id);
      if (!ob_store_step (store, remove, "steps", error))
        return FALSE;
    }

  for (guint i = 0; i < self->steps->len; i++)
    {
      ObCampaignStep *step = g_ptr_array_index (self->steps, i);
      sqlite3_stmt *stmt = step->id != 0 ? update : insert;

      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (step->id != 0)
        sqlite3_bind_int64 (stmt, 1, step->id);
      sqlite3_bind_int (stmt, 2, (int) i + 1);
      sqlite3_bind_text (stmt, 3, step->subject, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, step->body, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 5, i == 0 ? 0 : (int) step->delay.amount);
      sqlite3_bind_text (stmt, 6, ob_schedule_delay_unit_to_string (step->delay.unit), -1,
                         SQLITE_STATIC);
      sqlite3_bind_int (stmt, 7, i == 0 ? 0 : step->same_thread);
      sqlite3_bind_int64 (stmt, 8, self->id);
      if (!ob_store_step (store, stmt, "steps", error))
        return FALSE;
      if (step->id == 0)
        step->id = sqlite3_last_insert_rowid (ob_store_get_db (store));
    }

  /* Prospects past the new last step have nothing left to get. */
  sqlite3_bind_int64 (finish, 1, self->id);
  sqlite3_bind_int (finish, 2, (int) self->steps->len);
  return ob_store_step (store, finish, "enrollments", error);
}

gboolean
ob_campaign_save (ObStore     *store,
                  ObCampaign  *self,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 account_id = self->account_id;

  if (!ob_campaign_validate (self, error))
    return FALSE;

  if (account_id == 0 && self->account != NULL && self->account[0] != '\0')
    {
      account_id = ob_campaign_resolve_account (store, self->account, error);
      if (account_id == 0)
        return FALSE;
    }

  if (!ob_store_begin (store, error))
    return FALSE;

  {
    gint64 id_before = self->id;
    gint64 account_before = self->account_id;

    self->account_id = account_id;
    if (!write_campaign_row (store, self, &local_error)
        || !write_steps (store, self, &local_error)
        || !ob_store_commit (store, &local_error))
      {
        ob_store_rollback (store);
        self->id = id_before;
        self->account_id = account_before;
        if (id_before == 0)
          for (guint i = 0; i < self->steps->len; i++)
            ((ObCampaignStep *) g_ptr_array_index (self->steps, i))->id = 0;
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
  }

  return TRUE;
}

gboolean
ob_campaign_delete (ObStore  *store,
                    gint64    id,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, "DELETE FROM campaigns WHERE id = ?1",
                                                   error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return ob_store_step (store, stmt, "campaign", error);
}

void
ob_campaign_summary_free (ObCampaignSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->name);
  g_free (summary->state_reason);
  g_free (summary->account);
  g_free (summary);
}

GPtrArray *
ob_campaign_list (ObStore  *store,
                  GError  **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_campaign_summary_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) states = NULL;
  g_autoptr(sqlite3_stmt) sent = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT c.id, c.name, c.state, c.state_reason, a.email,"
                           " (SELECT count(*) FROM steps WHERE campaign_id = c.id)"
                           " FROM campaigns AS c LEFT JOIN accounts AS a ON a.id = c.account_id"
                           " ORDER BY c.name COLLATE NOCASE, c.id",
                           error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObCampaignSummary *summary = g_new0 (ObCampaignSummary, 1);

      summary->id = sqlite3_column_int64 (stmt, 0);
      summary->name = column_text (stmt, 1);
      ob_campaign_state_from_string ((const char *) sqlite3_column_text (stmt, 2), &summary->state);
      summary->state_reason = column_text (stmt, 3);
      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        summary->account = column_text (stmt, 4);
      summary->n_steps = (guint) sqlite3_column_int (stmt, 5);
      g_ptr_array_add (list, summary);
      g_hash_table_insert (by_id, &summary->id, summary);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "campaigns");
      return NULL;
    }

  /* Both answered from indexes: (campaign_id, state) and the sends of
   * each enrollment. */
  states = ob_store_prepare (store,
                             "SELECT campaign_id, state, next_step IS NOT NULL, count(*)"
                             " FROM enrollments GROUP BY campaign_id, state, next_step IS NOT NULL",
                             error);
  if (states == NULL)
    return NULL;
  while ((rc = sqlite3_step (states)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (states, 0);
      const char *state = (const char *) sqlite3_column_text (states, 1);
      gint64 n = sqlite3_column_int64 (states, 3);
      ObCampaignSummary *summary = g_hash_table_lookup (by_id, &id);

      if (summary == NULL)
        continue;
      summary->enrolled += n;
      if (g_strcmp0 (state, "active") == 0)
        {
          summary->active += n;
          if (sqlite3_column_int (states, 2))
            summary->queued += n;
        }
      else if (g_strcmp0 (state, "finished") == 0)
        summary->finished += n;
      else if (g_strcmp0 (state, "replied") == 0)
        summary->replied += n;
      else if (g_strcmp0 (state, "bounced") == 0)
        summary->bounced += n;
      else if (g_strcmp0 (state, "opted_out") == 0)
        summary->opted_out += n;
      else
        summary->stopped += n;
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "enrollments");
      return NULL;
    }

  sent = ob_store_prepare (store,
                           "SELECT e.campaign_id, count(*) FROM sends AS s"
                           " JOIN enrollments AS e ON e.id = s.enrollment_id"
                           " WHERE s.state = 'sent' GROUP BY e.campaign_id",
                           error);
  if (sent == NULL)
    return NULL;
  while ((rc = sqlite3_step (sent)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (sent, 0);
      ObCampaignSummary *summary = g_hash_table_lookup (by_id, &id);

      if (summary != NULL)
        summary->sent = sqlite3_column_int64 (sent, 1);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "sends");
      return NULL;
    }

  return g_steal_pointer (&list);
}

GStrv
ob_campaign_dup_custom_fields (ObStore  *store,
                               gint64    campaign_id,
                               GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT DISTINCT j.key FROM enrollments AS e"
                           " JOIN prospects AS p ON p.id = e.prospect_id,"
                           " json_each (p.fields) AS j"
                           " WHERE e.campaign_id = ?1 AND json_valid (p.fields)"
                           " ORDER BY 1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "fields");
      return NULL;
    }
  return g_strv_builder_end (builder);
}

/* ---- Lifecycle ------------------------------------------------------------- */

static gboolean
add_event (ObStore     *store,
           gint64       campaign_id,
           const char  *kind,
           const char  *reason,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) detail = g_string_new ("{\"reason\":");

  ob_json_append_escaped (detail, reason != NULL ? reason : "");
  g_string_append_c (detail, '}');
  stmt = ob_store_prepare (store,
                           "INSERT INTO events (kind, account_id, campaign_id, detail)"
                           " SELECT ?2, account_id, id, ?3 FROM campaigns WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, detail->str, -1, SQLITE_TRANSIENT);
  return ob_store_step (store, stmt, "events", error);
}

static gboolean
set_state (ObStore          *store,
           gint64            id,
           ObCampaignState   state,
           const char       *reason,
           const char       *event,
           GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!ob_store_begin (store, error))
    return FALSE;
  stmt = ob_store_prepare (store,
                           "UPDATE campaigns SET state = ?2, state_reason = ?3,"
                           " updated_at = unixepoch () WHERE id = ?1",
                           &local_error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_text (stmt, 2, ob_campaign_state_to_string (state), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, reason != NULL ? reason : "", -1, SQLITE_TRANSIENT);
      ob_store_step (store, stmt, "campaign", &local_error);
      g_clear_pointer (&stmt, sqlite3_finalize);   /* before COMMIT */
    }
  if (local_error == NULL)
    add_event (store, id, event, reason, &local_error);
  if (local_error != NULL || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
ob_campaign_start (ObStore             *store,
                   gint64               id,
                   ObPreflightReport  **out_report,
                   GError             **error)
{
  g_autoptr(ObCampaign) campaign = ob_campaign_load (store, id, error);
  g_autoptr(ObPreflightReport) report = NULL;

  if (out_report != NULL)
    *out_report = NULL;
  if (campaign == NULL)
    return FALSE;
  if (campaign->state == OB_CAMPAIGN_RUNNING)
    return TRUE;

  report = ob_campaign_preflight (store, id, NULL, error);
  if (report == NULL)
    return FALSE;
  if (report->n_blockers > 0)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_BLOCKED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "“%s” cannot start: pre-flight found %u problem to fix, exclude or override",
                                "“%s” cannot start: pre-flight found %u problems to fix, exclude or override",
                                report->n_blockers),
                   campaign->name, report->n_blockers);
      if (out_report != NULL)
        *out_report = g_steal_pointer (&report);
      return FALSE;
    }

  if (!set_state (store, id, OB_CAMPAIGN_RUNNING, "", "campaign_started", error))
    return FALSE;
  if (out_report != NULL)
    *out_report = g_steal_pointer (&report);
  return TRUE;
}

gboolean
ob_campaign_pause (ObStore     *store,
                   gint64       id,
                   const char  *reason,
                   GError     **error)
{
  g_autoptr(ObCampaign) campaign = ob_campaign_load (store, id, error);

  if (campaign == NULL)
    return FALSE;
  if (campaign->state == OB_CAMPAIGN_PAUSED)
    return TRUE;
  if (campaign->state != OB_CAMPAIGN_RUNNING)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STATE,
                   campaign->state == OB_CAMPAIGN_DRAFT
                   ? _("“%s” is a draft: it has not started")
                   : _("“%s” has finished: there is nothing to pause"),
                   campaign->name);
      return FALSE;
    }
  return set_state (store, id, OB_CAMPAIGN_PAUSED, reason, "campaign_paused", error);
}

gboolean
ob_campaign_finish_if_done (ObStore  *store,
                            gint64    id,
                            GError  **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT c.state = 'running'"
                           " AND NOT EXISTS (SELECT 1 FROM enrollments AS e"
                           "   WHERE e.campaign_id = c.id AND e.state IN ('active', 'paused')"
                           "     AND e.next_step IS NOT NULL)"
                           /* From the few sends in flight (sends_state), not
                            * from every enrollment of the campaign. */
                           " AND NOT EXISTS (SELECT 1 FROM sends AS s"
                           "   CROSS JOIN enrollments AS e ON e.id = s.enrollment_id"
                           "   WHERE s.state IN ('sending', 'retry') AND e.campaign_id = c.id)"
                           " FROM campaigns AS c WHERE c.id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "campaign");
      return FALSE;
    }
  if (rc == SQLITE_DONE || !sqlite3_column_int (stmt, 0))
    return FALSE;
  g_clear_pointer (&stmt, ob_store_stmt_release);
  return set_state (store, id, OB_CAMPAIGN_FINISHED, "", "campaign_finished", error);
}

gboolean
ob_campaign_unenroll (ObStore       *store,
                      gint64         campaign_id,
                      const gint64  *prospect_ids,
                      guint          n_ids,
                      guint         *out_removed,
                      GError       **error)
{
  g_autoptr(sqlite3_stmt) remove = NULL;
  g_autoptr(sqlite3_stmt) stop = NULL;
  g_autoptr(GError) local_error = NULL;
  guint removed = 0;

  if (out_removed != NULL)
    *out_removed = 0;
  if (!ob_store_begin (store, error))
    return FALSE;

  remove = ob_store_prepare (store,
                             "DELETE FROM enrollments WHERE campaign_id = ?1 AND prospect_id = ?2"
                             " AND NOT EXISTS (SELECT 1 FROM sends WHERE enrollment_id = enrollments.id)",
                             &local_error);
  stop = remove == NULL ? NULL
         : ob_store_prepare (store,
                             "UPDATE enrollments SET state = 'stopped', state_reason = 'removed',"
                             " next_step = NULL, due_at = NULL, updated_at = unixepoch ()"
                             " WHERE campaign_id = ?1 AND prospect_id = ?2 AND state IN ('active', 'paused')",
                             &local_error);

  for (guint i = 0; i < n_ids && local_error == NULL; i++)
    {
      sqlite3_reset (remove);
      sqlite3_bind_int64 (remove, 1, campaign_id);
      sqlite3_bind_int64 (remove, 2, prospect_ids[i]);
      if (!ob_store_step (store, remove, "enrollments", &local_error))
        break;
      if (sqlite3_changes (ob_store_get_db (store)) > 0)
        {
          removed++;
          continue;
        }
      sqlite3_reset (stop);
      sqlite3_bind_int64 (stop, 1, campaign_id);
      sqlite3_bind_int64 (stop, 2, prospect_ids[i]);
      if (ob_store_step (store, stop, "enrollments", &local_error)
          && sqlite3_changes (ob_store_get_db (store)) > 0)
        removed++;
    }

  g_clear_pointer (&remove, sqlite3_finalize);
  g_clear_pointer (&stop, sqlite3_finalize);
  if (local_error != NULL || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (out_removed != NULL)
    *out_removed = removed;
  return TRUE;
}

gint64
ob_campaign_lookup_prospect (ObStore     *store,
                             const char  *email,
                             GError     **error)
{
  g_auto(ObEmail) parsed = { 0 };
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!ob_email_parse (email, &parsed, error))
    return 0;
  stmt = ob_store_prepare (store, "SELECT id FROM prospects WHERE email_key = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, parsed.key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    ob_store_set_error_from_db (store, rc, error, "prospects");
  else
    g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("There is no prospect with the address %s"), email);
  return 0;
}

gint64
ob_campaign_lookup_tag (ObStore     *store,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store, "SELECT id FROM tags WHERE name = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    ob_store_set_error_from_db (store, rc, error, "tags");
  else
    g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("There is no tag named “%s”"), name);
  return 0;
}

static void
choice_clear (ObCampaignChoice *choice)
{
  g_free (choice->label);
}

static GArray *
list_choices (ObStore      *store,
              const char   *sql,
              gint64        bind1,
              gint64        bind2,
              GError      **error)
{
  g_autoptr(GArray) choices = g_array_new (FALSE, FALSE, sizeof (ObCampaignChoice));
  g_autoptr(sqlite3_stmt) stmt = ob_store_prepare (store, sql, error);
  int rc;

  g_array_set_clear_func (choices, (GDestroyNotify) choice_clear);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, bind1);
  sqlite3_bind_int64 (stmt, 2, bind2);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ObCampaignChoice choice = { sqlite3_column_int64 (stmt, 0), column_text (stmt, 1) };

      g_array_append_val (choices, choice);
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "list");
      return NULL;
    }
  return g_steal_pointer (&choices);
}

GArray *
ob_campaign_list_accounts (ObStore  *store,
                           GError  **error)
{
  return list_choices (store,
                       "SELECT id, CASE WHEN display_name = '' THEN email"
                       " ELSE display_name || ' <' || email || '>' END"
                       " FROM accounts ORDER BY name COLLATE NOCASE, id",
                       0, 0, error);
}

GArray *
ob_campaign_list_open (ObStore  *store,
                       GError  **error)
{
  return list_choices (store,
                       "SELECT id, name FROM campaigns WHERE state != 'finished'"
                       " ORDER BY name COLLATE NOCASE, id",
                       0, 0, error);
}

GArray *
ob_campaign_list_enrolled (ObStore  *store,
                           gint64    campaign_id,
                           guint     limit,
                           GError  **error)
{
  return list_choices (store,
                       "SELECT p.id, p.email FROM enrollments AS e"
                       " JOIN prospects AS p ON p.id = e.prospect_id"
                       " WHERE e.campaign_id = ?1 ORDER BY e.id LIMIT ?2",
                       campaign_id, limit, error);
}

/* ---- Merge values ---------------------------------------------------------- */

typedef struct
{
  char *email;
  char *display_name;
  char *signature;
} Sender;

static void
sender_clear (Sender *sender)
{
  g_clear_pointer (&sender->email, g_free);
  g_clear_pointer (&sender->display_name, g_free);
  g_clear_pointer (&sender->signature, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sender, sender_clear)

static gboolean
load_sender (ObStore     *store,
             gint64       account_id,
             Sender      *sender,
             GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT email, display_name, signature FROM accounts WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      sender->email = column_text (stmt, 0);
      sender->display_name = column_text (stmt, 1);
      sender->signature = column_text (stmt, 2);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    ob_store_set_error_from_db (store, rc, error, "account");
  else
    g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                 _("The campaign has no sending account: choose one in its settings"));
  return FALSE;
}

static void
add_sender_values (GHashTable   *values,
                   const Sender *sender)
{
  g_autofree char *name = g_strstrip (g_strdup (sender->display_name));
  const char *space = strchr (name, ' ');

  g_hash_table_insert (values, g_strdup ("my_email"), g_strdup (sender->email));
  g_hash_table_insert (values, g_strdup ("my_signature"), g_strdup (sender->signature));
  if (space != NULL)
    {
      g_hash_table_insert (values, g_strdup ("my_first_name"), g_strndup (name, space - name));
      g_hash_table_insert (values, g_strdup ("my_last_name"), g_strstrip (g_strdup (space + 1)));
    }
  else
    g_hash_table_insert (values, g_strdup ("my_first_name"), g_strdup (name));
}

#define PROSPECT_COLUMNS \
  "p.id, p.email, p.email_key, p.domain, p.first_name, p.last_name, p.company," \
  " p.title, p.timezone, p.fields, p.status"

enum { P_ID, P_EMAIL, P_EMAIL_KEY, P_DOMAIN, P_FIRST, P_LAST, P_COMPANY, P_TITLE, P_TZ, P_FIELDS,
       P_STATUS, P_N_COLUMNS };

/* Values are keyed by canonical field name; empty values count as missing. */
static gboolean
add_prospect_values (ObStore       *store,
                     GHashTable    *values,
                     sqlite3_stmt  *row,
                     sqlite3_stmt  *json_each,
                     GError       **error)
{
  static const struct { const char *name; int column; } builtins[] = {
    { "email", P_EMAIL }, { "first_name", P_FIRST }, { "last_name", P_LAST },
    { "company", P_COMPANY }, { "title", P_TITLE }, { "timezone", P_TZ },
  };
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    {
      const char *value = (const char *) sqlite3_column_text (row, builtins[i].column);

      if (value != NULL && value[0] != '\0')
        g_hash_table_insert (values, g_strdup (builtins[i].name), g_strdup (value));
    }

  sqlite3_reset (json_each);
  sqlite3_bind_text (json_each, 1, (const char *) sqlite3_column_text (row, P_FIELDS), -1,
                     SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (json_each)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (json_each, 0);
      const char *value = (const char *) sqlite3_column_text (json_each, 1);
      g_autofree char *name = NULL;

      if (key == NULL || value == NULL || value[0] == '\0')
        continue;
      name = ob_template_normalize_field_name (key);
      if (name != NULL && !g_hash_table_contains (values, name))
        g_hash_table_insert (values, g_steal_pointer (&name), g_strdup (value));
    }
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "fields");
      return FALSE;
    }
  return TRUE;
}

#define JSON_EACH_SQL \
  "SELECT key, value FROM json_each (?1) WHERE json_valid (?1) AND type = 'text'"

static sqlite3_stmt *
prepare_json_each (ObStore  *store,
                   GError  **error)
{
  return ob_store_prepare (store, JSON_EACH_SQL, error);
}

/* ---- Pre-flight ------------------------------------------------------------ */

static void
preflight_issue_free (ObPreflightIssue *issue)
{
  g_free (issue->email);
  g_free (issue->detail);
  g_free (issue);
}

void
ob_preflight_report_free (ObPreflightReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->issues);
  g_free (report);
}

const char *
ob_preflight_kind_to_string (ObPreflightKind kind)
{
  g_return_val_if_fail (kind < OB_PREFLIGHT_N_KINDS, "unknown");
  return kind_names[kind];
}

static gboolean
kind_is_warning (ObPreflightKind kind)
{
  return kind == OB_PREFLIGHT_LONG_LINE || kind == OB_PREFLIGHT_SUBJECT_IGNORED;
}

gboolean
ob_preflight_kind_can_override (ObPreflightKind kind)
{
  /* Never the do-not-contact list, nor a prospect who replied, bounced
   * or opted out. */
  return kind == OB_PREFLIGHT_MISSING_FIELD || kind == OB_PREFLIGHT_PLACEHOLDER
         || kind == OB_PREFLIGHT_ACTIVE_ELSEWHERE;
}

gboolean
ob_preflight_kind_can_exclude (ObPreflightKind kind)
{
  return kind == OB_PREFLIGHT_MISSING_FIELD || kind == OB_PREFLIGHT_PLACEHOLDER
         || kind == OB_PREFLIGHT_DO_NOT_CONTACT || kind == OB_PREFLIGHT_NOT_ACTIVE
         || kind == OB_PREFLIGHT_ACTIVE_ELSEWHERE;
}

char *
ob_preflight_issue_describe (const ObPreflightIssue *issue)
{
  const char *detail = issue->detail != NULL ? issue->detail : "";

  switch (issue->kind)
    {
    case OB_PREFLIGHT_NO_ACCOUNT:
      return g_strdup (_("No sending account is chosen"));
    case OB_PREFLIGHT_NO_STEPS:
      return g_strdup (_("The sequence has no steps"));
    case OB_PREFLIGHT_NO_PROSPECTS:
      return g_strdup (_("Nobody is enrolled: add prospects to the campaign"));
    case OB_PREFLIGHT_TEMPLATE:
      return g_strdup_printf (_("Step %u: %s"), issue->step, detail);
    case OB_PREFLIGHT_EMPTY_SUBJECT:
      return g_strdup_printf (_("Step %u has no subject"), issue->step);
    case OB_PREFLIGHT_EMPTY_BODY:
      return g_strdup_printf (_("Step %u has no text"), issue->step);
    case OB_PREFLIGHT_LONG_LINE:
      return g_strdup_printf (_("Step %u has a line over 998 characters for %s prospects; some "
                                "mail programs cut such lines"), issue->step, detail);
    case OB_PREFLIGHT_SUBJECT_IGNORED:
      return g_strdup_printf (_("Step %u replies in the same thread: its own subject is not used"),
                              issue->step);
    case OB_PREFLIGHT_MISSING_FIELD:
      return g_strdup_printf (_("Step %u: no value for %s and no fallback"), issue->step, detail);
    case OB_PREFLIGHT_PLACEHOLDER:
      return g_strdup_printf (_("Step %u looks unfinished: “%s”"), issue->step, detail);
    case OB_PREFLIGHT_DO_NOT_CONTACT:
      return g_strdup (_("On the do-not-contact list"));
    case OB_PREFLIGHT_NOT_ACTIVE:
      return g_strdup_printf (_("Already %s: never written to again"),
                              g_strcmp0 (detail, "replied") == 0 ? _("replied")
                              : g_strcmp0 (detail, "bounced") == 0 ? _("bounced")
                              : _("opted out"));
    case OB_PREFLIGHT_ACTIVE_ELSEWHERE:
      return g_strdup_printf (_("Also in the running campaign “%s”"), detail);
    case OB_PREFLIGHT_N_KINDS:
    default:
      break;
    }
  return g_strdup (detail);
}

typedef struct
{
  ObPreflightReport *report;
  GHashTable        *overrides;   /* "prospect:step:kind" */
} Preflight;

static void
preflight_add (Preflight       *pf,
               ObPreflightKind  kind,
               guint            step,
               gint64           prospect_id,
               const char      *email,
               const char      *detail)
{
  ObPreflightIssue *issue = g_new0 (ObPreflightIssue, 1);
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT ":%u:%s", prospect_id, step,
                                          kind_names[kind]);

  issue->kind = kind;
  issue->step = step;
  issue->prospect_id = prospect_id;
  issue->email = g_strdup (email);
  issue->detail = g_strdup (detail);
  issue->overridden = ob_preflight_kind_can_override (kind)
                      && g_hash_table_contains (pf->overrides, key);
  issue->blocker = !issue->overridden && !kind_is_warning (kind);

  pf->report->counts[kind]++;
  if (issue->blocker)
    pf->report->n_blockers++;
  else if (issue->overridden)
    pf->report->n_overridden++;
  else
    pf->report->n_warnings++;
  g_ptr_array_add (pf->report->issues, issue);
}

static gboolean
load_overrides (ObStore     *store,
                gint64       campaign_id,
                GHashTable  *overrides,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT prospect_id, step_position, kind FROM preflight_overrides"
                           " WHERE campaign_id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (overrides,
                      g_strdup_printf ("%" G_GINT64_FORMAT ":%d:%s",
                                       (gint64) sqlite3_column_int64 (stmt, 0), sqlite3_column_int (stmt, 1),
                                       (const char *) sqlite3_column_text (stmt, 2)));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "overrides");
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_long_line (const char *text)
{
  gsize run = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      run = (*p == '\n' || *p == '\r') ? 0 : run + 1;
      if (run > MAX_LINE_OCTETS)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  ObTemplate *subject;   /* NULL when the step follows in the same thread */
  ObTemplate *body;
  guint64     long_lines;
} CompiledStep;

static void
compiled_steps_free (CompiledStep *steps,
                     guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      g_clear_pointer (&steps[i].subject, ob_template_unref);
      g_clear_pointer (&steps[i].body, ob_template_unref);
    }
  g_free (steps);
}

/* Campaign- and step-level checks; compiles what can be rendered. */
static CompiledStep *
check_steps (Preflight          *pf,
             const ObCampaign   *campaign,
             const char * const *custom_fields)
{
  CompiledStep *compiled = g_new0 (CompiledStep, MAX (campaign->steps->len, 1));

  for (guint i = 0; i < campaign->steps->len; i++)
    {
      ObCampaignStep *step = g_ptr_array_index (campaign->steps, i);
      guint position = i + 1;
      gboolean starts = step_starts_thread (campaign, position);
      g_autoptr(ObTemplate) subject = NULL;
      g_autoptr(ObTemplate) body = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *subject_text = g_strstrip (g_strdup (step->subject));
      g_autofree char *body_text = g_strstrip (g_strdup (step->body));

      if (starts && subject_text[0] == '\0')
        preflight_add (pf, OB_PREFLIGHT_EMPTY_SUBJECT, position, 0, NULL, NULL);
      if (!starts && subject_text[0] != '\0')
        preflight_add (pf, OB_PREFLIGHT_SUBJECT_IGNORED, position, 0, NULL, NULL);
      if (body_text[0] == '\0')
        preflight_add (pf, OB_PREFLIGHT_EMPTY_BODY, position, 0, NULL, NULL);

      if (starts && !compile_part (step->subject, position, TRUE, &subject, &error))
        {
          preflight_add (pf, OB_PREFLIGHT_TEMPLATE, position, 0, NULL, error->message);
          continue;
        }
      if (!compile_part (step->body, position, FALSE, &body, &error))
        {
          preflight_add (pf, OB_PREFLIGHT_TEMPLATE, position, 0, NULL, error->message);
          continue;
        }
      if ((subject != NULL && !ob_template_check_fields (subject, custom_fields, NULL, &error))
          || !ob_template_check_fields (body, custom_fields, NULL, &error))
        {
          preflight_add (pf, OB_PREFLIGHT_TEMPLATE, position, 0, NULL, error->message);
          continue;
        }

      compiled[i].subject = g_steal_pointer (&subject);
      compiled[i].body = g_steal_pointer (&body);
    }

  return compiled;
}

static void
check_rendered (Preflight     *pf,
                CompiledStep  *compiled,
                guint          position,
                gint64         prospect_id,
                const char    *email,
                GHashTable    *values)
{
  g_auto(GStrv) missing_subject = NULL;
  g_auto(GStrv) missing_body = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GArray) found = NULL;
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();

  if (compiled->body == NULL)
    return;

  if (compiled->subject != NULL)
    subject = ob_template_render (compiled->subject, OB_TEMPLATE_MODE_HEADER,
                                  ob_template_lookup_hash_table, values, &missing_subject);
  body = ob_template_render (compiled->body, OB_TEMPLATE_MODE_BODY,
                             ob_template_lookup_hash_table, values, &missing_body);

  for (guint i = 0; missing_subject != NULL && missing_subject[i] != NULL; i++)
    g_ptr_array_add (missing, missing_subject[i]);
  for (guint i = 0; missing_body != NULL && missing_body[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (missing, missing_body[i], g_str_equal, NULL))
      g_ptr_array_add (missing, missing_body[i]);
  if (missing->len > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < missing->len; i++)
        g_string_append_printf (names, "%s{{%s}}", i > 0 ? ", " : "",
                                (const char *) g_ptr_array_index (missing, i));
      preflight_add (pf, OB_PREFLIGHT_MISSING_FIELD, position, prospect_id, email, names->str);
    }

  for (guint part = 0; part < 2; part++)
    {
      const char *text = part == 0 ? subject : body;

      if (text == NULL)
        continue;
      found = ob_template_find_placeholders (text);
      if (found->len > 0)
        {
          ObTemplateSpan *span = &g_array_index (found, ObTemplateSpan, 0);
          g_autofree char *what = g_strndup (text + span->offset, MIN (span->length, 60));

          preflight_add (pf, OB_PREFLIGHT_PLACEHOLDER, position, prospect_id, email, what);
          break;
        }
      g_clear_pointer (&found, g_array_unref);
    }

  if (has_long_line (body))
    compiled->long_lines++;
}

ObPreflightReport *
ob_campaign_preflight (ObStore       *store,
                       gint64         id,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(ObCampaign) campaign = NULL;
  g_autoptr(ObPreflightReport) report = g_new0 (ObPreflightReport, 1);
  g_autoptr(GHashTable) overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) custom_fields = NULL;
  g_auto(Sender) sender = { 0 };
  g_autoptr(sqlite3_stmt) rows = NULL;
  g_autoptr(sqlite3_stmt) json_each = NULL;
  g_autoptr(GError) local_error = NULL;
  Preflight pf = { report, overrides };
  CompiledStep *compiled = NULL;
  gboolean have_sender;
  guint n_steps;
  int rc;

  report->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) preflight_issue_free);

  campaign = ob_campaign_load (store, id, error);
  if (campaign == NULL)
    return NULL;
  n_steps = campaign->steps->len;
  if (!load_overrides (store, id, overrides, error))
    return NULL;
  custom_fields = ob_campaign_dup_custom_fields (store, id, error);
  if (custom_fields == NULL)
    return NULL;

  have_sender = campaign->account_id != 0
                && load_sender (store, campaign->account_id, &sender, NULL);
  if (!have_sender)
    preflight_add (&pf, OB_PREFLIGHT_NO_ACCOUNT, 0, 0, NULL, NULL);
  if (n_steps == 0)
    preflight_add (&pf, OB_PREFLIGHT_NO_STEPS, 0, 0, NULL, NULL);

  compiled = check_steps (&pf, campaign, (const char * const *) custom_fields);

  rows = ob_store_prepare (store,
                           "SELECT " PROSPECT_COLUMNS ", e.next_step,"
                           " EXISTS (SELECT 1 FROM do_not_contact AS d"
                           "         WHERE (d.kind = 'email' AND d.value = p.email_key)"
                           "            OR (d.kind = 'domain' AND d.value = p.domain)),"
                           " (SELECT c.name FROM enrollments AS o JOIN campaigns AS c ON c.id = o.campaign_id"
                           "  WHERE o.prospect_id = p.id AND o.campaign_id != e.campaign_id"
                           "    AND o.state = 'active' AND c.state IN ('running', 'paused') LIMIT 1)"
                           " FROM enrollments AS e JOIN prospects AS p ON p.id = e.prospect_id"
                           " WHERE e.campaign_id = ?1 AND e.state = 'active' AND e.next_step IS NOT NULL"
                           " ORDER BY e.id",
                           &local_error);
  json_each = rows == NULL ? NULL : prepare_json_each (store, &local_error);
  if (json_each != NULL)
    sqlite3_bind_int64 (rows, 1, id);

  while (local_error == NULL && (rc = sqlite3_step (rows)) == SQLITE_ROW)
    {
      gint64 prospect_id = sqlite3_column_int64 (rows, P_ID);
      const char *email = (const char *) sqlite3_column_text (rows, P_EMAIL);
      const char *status = (const char *) sqlite3_column_text (rows, P_STATUS);
      guint next_step = (guint) MAX (1, sqlite3_column_int (rows, P_N_COLUMNS));
      const char *elsewhere = (const char *) sqlite3_column_text (rows, P_N_COLUMNS + 2);
      g_autoptr(GHashTable) values = NULL;

      report->n_prospects++;
      if ((report->n_prospects & 1023) == 0
          && g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        break;

      if (g_strcmp0 (status, "active") != 0)
        preflight_add (&pf, OB_PREFLIGHT_NOT_ACTIVE, 0, prospect_id, email, status);
      if (sqlite3_column_int (rows, P_N_COLUMNS + 1))
        preflight_add (&pf, OB_PREFLIGHT_DO_NOT_CONTACT, 0, prospect_id, email, NULL);
      if (elsewhere != NULL)
        preflight_add (&pf, OB_PREFLIGHT_ACTIVE_ELSEWHERE, 0, prospect_id, email, elsewhere);

      values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      if (!add_prospect_values (store, values, rows, json_each, &local_error))
        break;
      if (have_sender)
        add_sender_values (values, &sender);
      for (guint position = next_step; position <= n_steps; position++)
        check_rendered (&pf, &compiled[position - 1], position, prospect_id, email, values);
    }
  if (local_error == NULL && rc != SQLITE_DONE)
    ob_store_set_error_from_db (store, rc, &local_error, "pre-flight");

  for (guint i = 0; i < n_steps && local_error == NULL; i++)
    if (compiled[i].long_lines > 0)
      {
        g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, compiled[i].long_lines);

        preflight_add (&pf, OB_PREFLIGHT_LONG_LINE, i + 1, 0, NULL, count);
      }
  compiled_steps_free (compiled, n_steps);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (report->n_prospects == 0)
    preflight_add (&pf, OB_PREFLIGHT_NO_PROSPECTS, 0, 0, NULL, NULL);

  return g_steal_pointer (&report);
}

gboolean
ob_campaign_resolve_issues (ObStore                  *store,
                            gint64                    campaign_id,
                            ObPreflightAction         action,
                            ObPreflightIssue * const *issues,
                            guint                     n_issues,
                            GError                  **error)
{
  g_autoptr(GArray) prospects = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(GError) local_error = NULL;

  if (action == OB_PREFLIGHT_EXCLUDE)
    {
      for (guint i = 0; i < n_issues; i++)
        if (ob_preflight_kind_can_exclude (issues[i]->kind) && issues[i]->prospect_id != 0
            && !g_hash_table_contains (seen, &issues[i]->prospect_id))
          {
            g_hash_table_add (seen, (gpointer) &issues[i]->prospect_id);
            g_array_append_val (prospects, issues[i]->prospect_id);
          }
      return ob_campaign_unenroll (store, campaign_id, (const gint64 *) prospects->data,
                                   prospects->len, NULL, error);
    }

  if (!ob_store_begin (store, error))
    return FALSE;
  insert = ob_store_prepare (store,
                             "INSERT OR IGNORE INTO preflight_overrides"
                             " (campaign_id, prospect_id, step_position, kind) VALUES (?1, ?2, ?3, ?4)",
                             &local_error);
  for (guint i = 0; i < n_issues && insert != NULL && local_error == NULL; i++)
    {
      if (!ob_preflight_kind_can_override (issues[i]->kind))
        continue;
      sqlite3_reset (insert);
      sqlite3_bind_int64 (insert, 1, campaign_id);
      sqlite3_bind_int64 (insert, 2, issues[i]->prospect_id);
      sqlite3_bind_int (insert, 3, (int) issues[i]->step);
      sqlite3_bind_text (insert, 4, kind_names[issues[i]->kind], -1, SQLITE_STATIC);
      ob_store_step (store, insert, "overrides", &local_error);
    }
  g_clear_pointer (&insert, sqlite3_finalize);
  if (local_error != NULL || !ob_store_commit (store, &local_error))
    {
      ob_store_rollback (store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* ---- Messages -------------------------------------------------------------- */

void
ob_campaign_message_free (ObCampaignMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->from);
  g_free (message->to);
  g_free (message->subject);
  g_free (message->body);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_strfreev (message->missing);
  g_clear_pointer (&message->raw, g_bytes_unref);
  g_free (message);
}

static char *
render_part (const char   *source,
             guint         position,
             gboolean      subject,
             GHashTable   *values,
             GPtrArray    *missing,
             GError      **error)
{
  g_autoptr(ObTemplate) template = NULL;
  g_auto(GStrv) names = NULL;
  char *text;

  if (!compile_part (source, position, subject, &template, error))
    return NULL;
  text = ob_template_render (template, subject ? OB_TEMPLATE_MODE_HEADER : OB_TEMPLATE_MODE_BODY,
                             ob_template_lookup_hash_table, values, &names);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (missing, names[i], g_str_equal, NULL))
      g_ptr_array_add (missing, g_strdup (names[i]));
  return text;
}

/* The Message-IDs this enrollment's thread has so far, oldest first. */
static GPtrArray *
load_thread_ids (ObStore  *store,
                 gint64    campaign_id,
                 gint64    prospect_id,
                 guint     first,
                 guint     before,
                 GError  **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT s.message_id FROM enrollments AS e"
                           " JOIN sends AS s ON s.enrollment_id = e.id"
                           " WHERE e.campaign_id = ?1 AND e.prospect_id = ?2"
                           "   AND s.step_position BETWEEN ?3 AND ?4 AND s.state IN ('sent', 'uncertain')"
                           " ORDER BY s.step_position",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, campaign_id);
  sqlite3_bind_int64 (stmt, 2, prospect_id);
  sqlite3_bind_int (stmt, 3, (int) first);
  sqlite3_bind_int (stmt, 4, (int) before - 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "sends");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static char *
format_mailbox (const char *name,
                const char *address)
{
  if (name == NULL || name[0] == '\0')
    return g_strdup (address);
  return g_strdup_printf ("%s <%s>", name, address);
}

ObCampaignMessage *
ob_campaign_build_message (ObStore           *store,
                           const ObCampaign  *campaign,
                           guint              position,
                           gint64             prospect_id,
                           const char        *to_override,
                           const char        *message_id,
                           GDateTime         *date,
                           GError           **error)
{
  g_autoptr(ObCampaignMessage) message = g_new0 (ObCampaignMessage, 1);
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) thread = NULL;
  g_autoptr(ObStoreStmt) row = NULL;
  g_autoptr(ObStoreStmt) json_each = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_auto(Sender) sender = { 0 };
  g_autofree char *first_subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *to_name = NULL;
  g_autofree char *to_addr = NULL;
  ObCampaignStep *step = ob_campaign_get_step (campaign, position);
  ObMimeParams params = { 0 };
  guint start;
  int rc;

  if (step == NULL)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                   _("“%s” has no step %u"), campaign->name, position);
      return NULL;
    }
  if (campaign->account_id == 0)
    {
      g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_INVALID,
                   _("The campaign has no sending account: choose one in its settings"));
      return NULL;
    }
  if (!load_sender (store, campaign->account_id, &sender, error))
    return NULL;

  row = ob_store_prepare_cached (store, "SELECT " PROSPECT_COLUMNS " FROM prospects AS p WHERE p.id = ?1",
                          error);
  if (row == NULL)
    return NULL;
  json_each = ob_store_prepare_cached (store, JSON_EACH_SQL, error);
  if (json_each == NULL)
    return NULL;
  sqlite3_bind_int64 (row, 1, prospect_id);
  rc = sqlite3_step (row);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_NOT_FOUND,
                     _("The prospect was deleted"));
      else
        ob_store_set_error_from_db (store, rc, error, "prospect");
      return NULL;
    }
  if (!add_prospect_values (store, values, row, json_each, error))
    return NULL;
  add_sender_values (values, &sender);
  to_addr = g_strdup (to_override != NULL ? to_override : (const char *) sqlite3_column_text (row, P_EMAIL));
  to_name = to_override != NULL ? g_strdup (sender.display_name)
            : g_strstrip (g_strdup_printf ("%s %s",
                                           (const char *) sqlite3_column_text (row, P_FIRST),
                                           (const char *) sqlite3_column_text (row, P_LAST)));

  /* The thread's subject is the rendered subject of the step that started it. */
  start = thread_start (campaign, position);
  first_subject = render_part (ob_campaign_get_step (campaign, start)->subject, start, TRUE,
                               values, missing, error);
  if (first_subject == NULL)
    return NULL;
  if (start == position)
    message->subject = g_steal_pointer (&first_subject);
  else
    {
      message->subject = ob_mime_reply_subject (first_subject);
      thread = load_thread_ids (store, campaign->id, prospect_id, start, position, error);
      if (thread == NULL)
        return NULL;
      if (thread->len > 0)
        message->in_reply_to = g_strdup (g_ptr_array_index (thread, thread->len - 1));
    }

  body = render_part (step->body, position, FALSE, values, missing, error);
  if (body == NULL)
    return NULL;
  /* The account's signature closes every message unless the text places
   * it itself with {{my_signature}}. */
  if (sender.signature[0] != '\0' && strstr (step->body, "my_signature") == NULL)
    message->body = g_strdup_printf ("%s\n\n%s", g_strchomp (body), sender.signature);
  else
    message->body = g_steal_pointer (&body);

  if (date == NULL)
    date = now = g_date_time_new_now_local ();

  if (thread != NULL)
    g_ptr_array_add (thread, NULL);
  params.from_name = sender.display_name;
  params.from_addr = sender.email;
  params.to_name = to_name;
  params.to_addr = to_addr;
  params.subject = message->subject;
  params.body_text = message->body;
  params.date = date;
  params.message_id = message_id;
  params.in_reply_to = message->in_reply_to;
  params.references = thread != NULL ? (const char * const *) thread->pdata : NULL;
  params.list_unsubscribe = sender.email;

  message->raw = ob_mime_build (&params, &message->message_id, error);
  if (message->raw == NULL)
    return NULL;

  message->from = format_mailbox (sender.display_name, sender.email);
  message->to = format_mailbox (to_name, to_addr);
  if (missing->len > 0)
    {
      g_ptr_array_add (missing, NULL);
      message->missing = (GStrv) g_ptr_array_steal (missing, NULL);
    }
  return g_steal_pointer (&message);
}
