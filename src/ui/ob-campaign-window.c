/* ob-campaign-window.c: one campaign: its sequence, settings, pre-flight
 * check and preview
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Edits save by themselves a moment after the rep stops typing (one short
 * transaction on the main connection, as the do-not-contact window does).
 * Pre-flight renders every step for every enrolled prospect, so it runs on a
 * worker thread after each save and whenever the store changes; starting,
 * which runs pre-flight once more, does too.
 */

#define G_LOG_DOMAIN "ob-campaign-window"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ob-campaign-results.h"
#include "ob-campaign-window.h"
#include "ob-outbox.h"
#include "ob-sender.h"
#include "ob-step-editor.h"

#define SAVE_DELAY_MS       400
#define MAX_ROWS_PER_KIND   50
#define MAX_PREVIEW_PEOPLE  500

struct _ObCampaignWindow
{
  AdwWindow             parent_instance;

  /* template widgets */
  AdwToastOverlay      *toast_overlay;
  ObCampaignResults    *results;
  AdwViewSwitcherTitle *switcher_title;
  GtkButton            *state_button;
  AdwViewStack         *stack;
  GtkScrolledWindow    *sequence_scroller;
  GtkBox               *steps_box;
  GtkLabel             *signature_label;
  AdwEntryRow          *name_row;
  AdwComboRow          *account_row;
  GtkStringList        *account_list;
  AdwEntryRow          *timezone_row;
  GtkSpinButton        *window_start_spin;
  GtkSpinButton        *window_end_spin;
  GtkBox               *days_box;
  AdwEntryRow          *holidays_row;
  GtkSpinButton        *limit_spin;
  AdwActionRow         *pause_row;
  GtkSpinButton        *pause_min_spin;
  GtkSpinButton        *pause_max_spin;
  GtkSwitch            *company_switch;
  GtkSpinButton        *bounce_spin;
  AdwViewStackPage     *check_page;
  AdwStatusPage        *check_status;
  GtkBox               *issues_box;
  AdwComboRow          *preview_prospect_row;
  AdwComboRow          *preview_step_row;
  GtkStringList        *preview_prospects;
  GtkStringList        *preview_steps;
  GtkStack             *preview_stack;
  AdwStatusPage        *preview_empty;
  GtkLabel             *preview_subject;
  GtkLabel             *preview_from;
  GtkLabel             *preview_to;
  GtkLabel             *preview_body;
  GtkLabel             *preview_warning;
  GtkTextView          *source_view;

  /* owned */
  ObEngine             *engine;
  ObCampaign           *campaign;
  GArray               *accounts;       /* ObCampaignChoice */
  GArray               *enrolled;       /* ObCampaignChoice */
  GPtrArray            *editors;        /* ObStepEditor, in step order */
  GtkToggleButton      *day_buttons[7];
  GCancellable         *checking;
  ObPreflightReport    *report;
  char                 *last_error;
  guint                 save_source;
  gboolean              loading;
  gboolean              saving;
  gboolean              check_again;
};

G_DEFINE_FINAL_TYPE (ObCampaignWindow, ob_campaign_window, ADW_TYPE_WINDOW)

static void run_preflight (ObCampaignWindow *self);
static void update_preview (ObCampaignWindow *self);

static ObStore *
store (ObCampaignWindow *self)
{
  return ob_engine_get_store (self->engine);
}

static void
toast (ObCampaignWindow *self,
       const char       *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* An error said once, not on every keystroke that keeps it. */
static void
show_error (ObCampaignWindow *self,
            const GError     *error)
{
  if (g_strcmp0 (self->last_error, error->message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  toast (self, error->message);
}

static void
clear_error (ObCampaignWindow *self)
{
  g_clear_pointer (&self->last_error, g_free);
}

static const char *
state_label (ObCampaignState state)
{
  switch (state)
    {
    case OB_CAMPAIGN_RUNNING:
      return _("Running");
    case OB_CAMPAIGN_PAUSED:
      return _("Paused");
    case OB_CAMPAIGN_FINISHED:
      return _("Finished");
    case OB_CAMPAIGN_DRAFT:
    default:
      return _("Draft");
    }
}

static void
update_header (ObCampaignWindow *self)
{
  ObCampaignState state = self->campaign->state;
  const char *label;

  gtk_window_set_title (GTK_WINDOW (self), self->campaign->name);
  adw_view_switcher_title_set_title (self->switcher_title, self->campaign->name);
  adw_view_switcher_title_set_subtitle (self->switcher_title, state_label (state));

  label = state == OB_CAMPAIGN_RUNNING ? _("_Pause")
          : state == OB_CAMPAIGN_PAUSED ? _("_Resume")
          : state == OB_CAMPAIGN_FINISHED ? _("_Restart") : _("_Start");
  gtk_button_set_label (self->state_button, label);
  if (state == OB_CAMPAIGN_RUNNING)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_button), "suggested-action");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->state_button), "suggested-action");
}

/* ---- Steps ----------------------------------------------------------------- */

static void on_editor_changed (ObCampaignWindow *self);
static void on_step_action (ObStepEditor *editor, const char *action, ObCampaignWindow *self);

static void
show_steps (ObCampaignWindow *self)
{
  guint n = ob_campaign_get_n_steps (self->campaign);

  while (self->editors->len > n)
    {
      GtkWidget *editor = g_ptr_array_index (self->editors, self->editors->len - 1);

      gtk_box_remove (self->steps_box, editor);
      g_ptr_array_remove_index (self->editors, self->editors->len - 1);
    }
  while (self->editors->len < n)
    {
      ObStepEditor *editor = ob_step_editor_new ();

      g_signal_connect_object (editor, "changed", G_CALLBACK (on_editor_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (editor, "step-action", G_CALLBACK (on_step_action), self, 0);
      gtk_box_append (self->steps_box, GTK_WIDGET (editor));
      g_ptr_array_add (self->editors, editor);
    }

  for (guint i = 0; i < n; i++)
    {
      guint start = i + 1;

      while (start > 1 && ob_campaign_get_step (self->campaign, start)->same_thread)
        start--;
      ob_step_editor_show_step (g_ptr_array_index (self->editors, i),
                                ob_campaign_get_step (self->campaign, i + 1), i + 1, n,
                                ob_campaign_get_step (self->campaign, start)->subject);
    }

  gtk_string_list_splice (self->preview_steps, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->preview_steps)), NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = i == 0 ? g_strdup (_("Step 1 · First email"))
                                      : g_strdup_printf (_("Step %u · Follow-up"), i + 1);

      gtk_string_list_append (self->preview_steps, label);
    }
}

/* ---- Settings -------------------------------------------------------------- */

static gboolean
on_time_output (GtkSpinButton *spin)
{
  int minutes = gtk_spin_button_get_value_as_int (spin);
  g_autofree char *text = g_strdup_printf ("%02d:%02d", minutes / 60, minutes % 60);

  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_time_input (GtkSpinButton *spin,
               double        *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  guint hours = 0, minutes = 0;

  if (sscanf (text, "%u:%u", &hours, &minutes) < 1 || hours > 24 || minutes > 59)
    return GTK_INPUT_ERROR;
  *value = hours * 60 + minutes;
  return TRUE;
}

static void
show_settings (ObCampaignWindow *self)
{
  ObCampaign *c = self->campaign;
  guint selected = 0;
  g_autofree char *holidays = g_strdup (c->holidays);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), c->name);
  for (guint i = 0; i < self->accounts->len; i++)
    if (g_array_index (self->accounts, ObCampaignChoice, i).id == c->account_id)
      selected = i + 1;
  adw_combo_row_set_selected (self->account_row, selected);
  gtk_editable_set_text (GTK_EDITABLE (self->timezone_row), c->timezone);
  gtk_spin_button_set_value (self->window_start_spin, c->window_start);
  gtk_spin_button_set_value (self->window_end_spin, c->window_end);
  for (guint i = 0; i < 7; i++)
    gtk_toggle_button_set_active (self->day_buttons[i], (c->days & (1u << i)) != 0);
  g_strdelimit (holidays, ";", ',');
  gtk_editable_set_text (GTK_EDITABLE (self->holidays_row), holidays);
  gtk_spin_button_set_value (self->limit_spin, c->daily_limit);
  gtk_spin_button_set_value (self->pause_min_spin, c->pause_min);
  gtk_spin_button_set_value (self->pause_max_spin, c->pause_max);
  gtk_switch_set_active (self->company_switch, c->stop_company_on_reply);
  gtk_spin_button_set_value (self->bounce_spin, c->bounce_threshold_permille / 10.0);
}

static void
update_pause_warning (ObCampaignWindow *self)
{
  gboolean fast = gtk_spin_button_get_value_as_int (self->pause_min_spin) < 30;

  adw_action_row_set_subtitle (self->pause_row,
                               fast ? _("Under 30 seconds looks automated to mail providers: use it for tests only")
                                    : _("A random pause in this range; the account’s own pause also applies"));
  if (fast)
    gtk_widget_add_css_class (GTK_WIDGET (self->pause_row), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->pause_row), "warning");
}

static void
collect (ObCampaignWindow *self)
{
  ObCampaign *c = self->campaign;
  guint account = adw_combo_row_get_selected (self->account_row);
  g_autofree char *holidays = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->holidays_row)));

  g_free (c->name);
  c->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  c->account_id = account > 0 && account <= self->accounts->len
                  ? g_array_index (self->accounts, ObCampaignChoice, account - 1).id : 0;
  g_clear_pointer (&c->account, g_free);
  g_free (c->timezone);
  c->timezone = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->timezone_row))));
  c->window_start = (guint) gtk_spin_button_get_value_as_int (self->window_start_spin);
  c->window_end = (guint) gtk_spin_button_get_value_as_int (self->window_end_spin);
  c->days = 0;
  for (guint i = 0; i < 7; i++)
    if (gtk_toggle_button_get_active (self->day_buttons[i]))
      c->days |= 1u << i;
  g_free (c->holidays);
  c->holidays = g_strstrip (g_strdelimit (g_steal_pointer (&holidays), ",", ';'));
  c->daily_limit = (guint) gtk_spin_button_get_value_as_int (self->limit_spin);
  c->pause_min = (guint) gtk_spin_button_get_value_as_int (self->pause_min_spin);
  c->pause_max = (guint) MAX (gtk_spin_button_get_value_as_int (self->pause_max_spin), (int) c->pause_min);
  c->stop_company_on_reply = gtk_switch_get_active (self->company_switch);
  c->bounce_threshold_permille = (guint) (gtk_spin_button_get_value (self->bounce_spin) * 10 + 0.5);

  for (guint i = 0; i < self->editors->len; i++)
    ob_step_editor_apply (g_ptr_array_index (self->editors, i),
                          ob_campaign_get_step (c, i + 1));
}

/* ---- Saving ---------------------------------------------------------------- */

static gboolean
save_now (ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->save_source, g_source_remove);
  collect (self);

  if (!ob_campaign_validate (self->campaign, &error))
    {
      show_error (self, error);
      return FALSE;
    }

  self->saving = TRUE;
  if (!ob_campaign_save (store (self), self->campaign, &error))
    {
      self->saving = FALSE;
      show_error (self, error);
      /* A refused structural change (a sent step moved): back to the truth. */
      if (g_error_matches (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_STEP_SENT))
        {
          g_autoptr(ObCampaign) stored = ob_campaign_load (store (self), self->campaign->id, NULL);

          if (stored != NULL)
            {
              ob_campaign_free (self->campaign);
              self->campaign = g_steal_pointer (&stored);
              self->loading = TRUE;
              show_steps (self);
              self->loading = FALSE;
            }
        }
      return FALSE;
    }

  clear_error (self);
  update_header (self);
  /* Descriptions quote the thread's subject; new steps have ids now. */
  self->loading = TRUE;
  show_steps (self);
  self->loading = FALSE;
  ob_engine_notify_store_changed (self->engine, "campaigns");
  self->saving = FALSE;
  run_preflight (self);
  update_preview (self);
  return TRUE;
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  ObCampaignWindow *self = user_data;

  self->save_source = 0;
  save_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (ObCampaignWindow *self)
{
  if (self->loading)
    return;
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

static void
on_setting_changed (ObCampaignWindow *self)
{
  if (self->loading)
    return;
  update_pause_warning (self);
  schedule_save (self);
}

static void
on_editor_changed (ObCampaignWindow *self)
{
  schedule_save (self);
}

/* Changes of the step list save at once: they are deliberate. */
static void
on_step_action (ObStepEditor     *editor,
                const char       *action,
                ObCampaignWindow *self)
{
  guint index;
  GPtrArray *steps = self->campaign->steps;

  if (!g_ptr_array_find (self->editors, editor, &index))
    return;
  collect (self);

  if (g_strcmp0 (action, "move-up") == 0 && index > 0)
    g_ptr_array_insert (steps, index - 1, g_ptr_array_steal_index (steps, index));
  else if (g_strcmp0 (action, "move-down") == 0 && index + 1 < steps->len)
    g_ptr_array_insert (steps, index + 1, g_ptr_array_steal_index (steps, index));
  else if (g_strcmp0 (action, "duplicate") == 0)
    {
      ObCampaignStep *copy = ob_campaign_step_copy (g_ptr_array_index (steps, index));

      copy->id = 0;
      copy->n_sent = 0;
      if (index == 0)
        {
          /* A copy of the first email becomes a follow-up in its thread. */
          copy->same_thread = TRUE;
          copy->delay.amount = 3;
          copy->delay.unit = OB_DELAY_DAYS;
        }
      g_ptr_array_insert (steps, index + 1, copy);
    }
  else if (g_strcmp0 (action, "delete") == 0 && steps->len > 1)
    g_ptr_array_remove_index (steps, index);
  else
    return;

  /* Whatever is now first starts the thread. */
  ob_campaign_get_step (self->campaign, 1)->same_thread = FALSE;
  self->loading = TRUE;
  show_steps (self);
  self->loading = FALSE;
  save_now (self);
}

static void
add_step_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (widget);
  ObCampaignStep *step = ob_campaign_step_new ();
  ObStepEditor *editor;

  collect (self);
  ob_campaign_next_delay (self->campaign, &step->delay);
  g_ptr_array_add (self->campaign->steps, step);
  self->loading = TRUE;
  show_steps (self);
  self->loading = FALSE;
  save_now (self);

  editor = g_ptr_array_index (self->editors, self->editors->len - 1);
  gtk_widget_grab_focus (GTK_WIDGET (ob_step_editor_get_body_view (editor)));
}

/* ---- Pre-flight ------------------------------------------------------------ */

typedef struct
{
  char              *db_path;
  gint64             id;
  ObPreflightReport *report;
  GStrv              fields;
} CheckJob;

static void
check_job_free (CheckJob *job)
{
  g_free (job->db_path);
  g_clear_pointer (&job->report, ob_preflight_report_free);
  g_strfreev (job->fields);
  g_free (job);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckJob *job = task_data;
  g_autoptr(GError) error = NULL;
  ObStore *thread_store = ob_store_open_for_thread (job->db_path, &error);

  if (thread_store != NULL)
    job->report = ob_campaign_preflight (thread_store, job->id, cancellable, &error);
  if (job->report != NULL)
    job->fields = ob_campaign_dup_custom_fields (thread_store, job->id, &error);
  if (job->fields == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void on_issue_button_clicked (GtkButton *button, ObCampaignWindow *self);

static const char *
kind_title (ObPreflightKind kind)
{
  switch (kind)
    {
    case OB_PREFLIGHT_NO_ACCOUNT: return _("Sending Account");
    case OB_PREFLIGHT_NO_STEPS: return _("Sequence");
    case OB_PREFLIGHT_NO_PROSPECTS: return _("Prospects");
    case OB_PREFLIGHT_TEMPLATE: return _("Merge Fields");
    case OB_PREFLIGHT_EMPTY_SUBJECT: return _("Subjects");
    case OB_PREFLIGHT_EMPTY_BODY: return _("Empty Steps");
    case OB_PREFLIGHT_LONG_LINE: return _("Long Lines");
    case OB_PREFLIGHT_SUBJECT_IGNORED: return _("Subjects Not Used");
    case OB_PREFLIGHT_MISSING_FIELD: return _("Missing Values");
    case OB_PREFLIGHT_PLACEHOLDER: return _("Looks Unfinished");
    case OB_PREFLIGHT_DO_NOT_CONTACT: return _("On the Do-Not-Contact List");
    case OB_PREFLIGHT_NOT_ACTIVE: return _("Replied, Bounced or Opted Out");
    case OB_PREFLIGHT_ACTIVE_ELSEWHERE: return _("In Another Running Campaign");
    case OB_PREFLIGHT_N_KINDS:
    default: return "";
    }
}

static GtkWidget *
issue_button (ObCampaignWindow *self,
              const char       *label,
              const char       *what,
              int               kind,
              guint             index)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "what", g_strdup (what), g_free);
  g_object_set_data (G_OBJECT (button), "kind", GINT_TO_POINTER (kind + 1));
  g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (index + 1));
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_issue_button_clicked), self, 0);
  return button;
}

static void
on_uncertain_clicked (GtkButton        *button,
                      ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;
  gint64 *send_id = g_object_get_data (G_OBJECT (button), "send-id");
  gboolean went = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "went"));

  if (!ob_outbox_resolve_uncertain (store (self), *send_id, went, &error))
    {
      toast (self, error->message);
      return;
    }
  toast (self, went ? _("Marked as sent: the sequence goes on")
                    : _("It will be sent again at its next turn"));
  ob_engine_notify_store_changed (self->engine, "sends");
  run_preflight (self);
}

/* Messages the connection lost at the very end: only the rep can say
 * whether they arrived (look in the Sent folder or ask). */
static void
show_uncertain (ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = ob_outbox_list_uncertain (store (self), self->campaign->id, &error);
  AdwPreferencesGroup *group;

  if (list == NULL || list->len == 0)
    return;
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Did These Go Out?"));
  adw_preferences_group_set_description (group,
                                         _("The connection was lost just as these were handed over. "
                                           "Outbound never sends them again by itself: check your Sent "
                                           "folder, then say what happened."));
  for (guint i = 0; i < list->len; i++)
    {
      ObOutboxUncertain *u = &g_array_index (list, ObOutboxUncertain, i);
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (u->at);
      g_autofree char *when = g_date_time_format (at, "%x %X");
      g_autofree char *subtitle = g_strdup_printf (_("Step %u, %s"), u->step, when);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *went = gtk_button_new_with_mnemonic (_("It _Went"));
      GtkWidget *again = gtk_button_new_with_mnemonic (_("Send _Again"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), u->email);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      for (guint b = 0; b < 2; b++)
        {
          GtkWidget *button = b == 0 ? went : again;

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          g_object_set_data_full (G_OBJECT (button), "send-id", g_memdup2 (&u->send_id, sizeof u->send_id),
                                  g_free);
          g_object_set_data (G_OBJECT (button), "went", GINT_TO_POINTER (b == 0));
          g_signal_connect_object (button, "clicked", G_CALLBACK (on_uncertain_clicked), self, 0);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
      adw_preferences_group_add (group, row);
    }
  gtk_box_append (self->issues_box, GTK_WIDGET (group));
}

static void
show_report (ObCampaignWindow *self)
{
  ObPreflightReport *report = self->report;
  GtkWidget *child;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->issues_box))) != NULL)
    gtk_box_remove (self->issues_box, child);
  show_uncertain (self);

  adw_view_stack_page_set_badge_number (self->check_page, report->n_blockers);
  adw_view_stack_page_set_needs_attention (self->check_page, report->n_blockers > 0);

  if (report->n_blockers == 0)
    {
      adw_status_page_set_icon_name (self->check_status, "emblem-ok-symbolic");
      title = g_strdup (self->campaign->state == OB_CAMPAIGN_RUNNING ? _("All Clear")
                                                                      : _("Ready to Start"));
      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "Every message to %llu prospect renders in full.",
                                                  "Every message to %llu prospects renders in full.",
                                                  (gulong) report->n_prospects),
                                     (unsigned long long) report->n_prospects);
    }
  else
    {
      adw_status_page_set_icon_name (self->check_status, "dialog-warning-symbolic");
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Problem Before Starting",
                                            "%u Problems Before Starting", report->n_blockers),
                               report->n_blockers);
      description = g_strdup (_("Fix each one, leave the prospect out, or send anyway where that is safe."));
    }
  adw_status_page_set_title (self->check_status, title);
  adw_status_page_set_description (self->check_status, description);

  for (int kind = 0; kind < OB_PREFLIGHT_N_KINDS; kind++)
    {
      AdwPreferencesGroup *group;
      GtkWidget *suffix;
      guint shown = 0, blockers = 0;
      g_autofree char *group_title = NULL;

      if (report->counts[kind] == 0)
        continue;

      for (guint i = 0; i < report->issues->len; i++)
        {
          ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);

          if ((int) issue->kind == kind && issue->blocker)
            blockers++;
        }

      group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
      group_title = g_strdup_printf ("%s (%u)", kind_title (kind), report->counts[kind]);
      adw_preferences_group_set_title (group, group_title);
      if (blockers == 0)
        adw_preferences_group_set_description (group, _("Warnings or overridden: they do not stop the campaign."));

      suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      if (blockers > 0 && ob_preflight_kind_can_exclude (kind))
        gtk_box_append (GTK_BOX (suffix), issue_button (self, _("_Leave All Out"), "exclude-all", kind, 0));
      if (blockers > 0 && ob_preflight_kind_can_override (kind))
        gtk_box_append (GTK_BOX (suffix), issue_button (self, _("Send _Anyway"), "override-all", kind, 0));
      adw_preferences_group_set_header_suffix (group, suffix);

      for (guint i = 0; i < report->issues->len && shown < MAX_ROWS_PER_KIND; i++)
        {
          ObPreflightIssue *issue = g_ptr_array_index (report->issues, i);
          g_autofree char *text = NULL;
          GtkWidget *row;

          if ((int) issue->kind != kind)
            continue;
          shown++;
          text = ob_preflight_issue_describe (issue);
          row = adw_action_row_new ();
          if (issue->email != NULL)
            {
              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), issue->email);
              adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
            }
          else
            adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

          if (issue->overridden)
            {
              GtkWidget *label = gtk_label_new (_("Sending anyway"));

              gtk_widget_add_css_class (label, "dim-label");
              adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
            }
          else if (issue->prospect_id != 0)
            {
              if (ob_preflight_kind_can_override (issue->kind))
                adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                           issue_button (self, _("Send Anyway"), "override", kind, i));
              if (ob_preflight_kind_can_exclude (issue->kind))
                adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                           issue_button (self, _("Leave Out"), "exclude", kind, i));
            }
          else
            adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                       issue_button (self, _("Fix"), "fix", kind, i));
          adw_preferences_group_add (group, row);
        }

      if (report->counts[kind] > shown)
        {
          g_autofree char *more = g_strdup_printf (_("And %u more"), report->counts[kind] - shown);
          GtkWidget *label = gtk_label_new (more);

          gtk_widget_add_css_class (label, "dim-label");
          gtk_widget_set_margin_top (label, 6);
          adw_preferences_group_add (group, label);
        }
      gtk_box_append (self->issues_box, GTK_WIDGET (group));
    }
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  CheckJob *job = g_task_get_task_data (G_TASK (result));
  ObCampaignWindow *self;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Pre-flight failed: %s", error->message);
      return;
    }

  self = OB_CAMPAIGN_WINDOW (source);
  g_clear_object (&self->checking);
  g_clear_pointer (&self->report, ob_preflight_report_free);
  self->report = g_steal_pointer (&job->report);
  show_report (self);
  for (guint i = 0; i < self->editors->len; i++)
    ob_step_editor_set_fields (g_ptr_array_index (self->editors, i), (const char * const *) job->fields);

  if (self->check_again)
    {
      self->check_again = FALSE;
      run_preflight (self);
    }
}

/* One check at a time; a change meanwhile asks for one more. */
static void
run_preflight (ObCampaignWindow *self)
{
  g_autoptr(GTask) task = NULL;
  CheckJob *job;

  if (self->checking != NULL)
    {
      self->check_again = TRUE;
      return;
    }

  job = g_new0 (CheckJob, 1);
  job->db_path = g_strdup (ob_engine_get_db_path (self->engine));
  job->id = self->campaign->id;
  self->checking = g_cancellable_new ();
  task = g_task_new (self, self->checking, check_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) check_job_free);
  g_task_set_source_tag (task, run_preflight);
  g_task_run_in_thread (task, check_thread);
}

static void
resolve (ObCampaignWindow  *self,
         ObPreflightAction  action,
         int                kind,
         int                index)
{
  g_autoptr(GPtrArray) issues = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (self->report == NULL)
    return;
  for (guint i = 0; i < self->report->issues->len; i++)
    {
      ObPreflightIssue *issue = g_ptr_array_index (self->report->issues, i);

      if ((index < 0 && (int) issue->kind == kind && issue->blocker) || (int) i == index)
        g_ptr_array_add (issues, issue);
    }

  if (!ob_campaign_resolve_issues (store (self), self->campaign->id, action,
                                   (ObPreflightIssue * const *) issues->pdata, issues->len, &error))
    {
      toast (self, error->message);
      return;
    }
  ob_engine_notify_store_changed (self->engine, "enrollments");
  run_preflight (self);
  update_preview (self);
}

static void
fix_issue (ObCampaignWindow *self,
           ObPreflightKind   kind,
           guint             step)
{
  ObStepEditor *editor = step >= 1 && step <= self->editors->len
                         ? g_ptr_array_index (self->editors, step - 1) : NULL;

  switch (kind)
    {
    case OB_PREFLIGHT_NO_ACCOUNT:
      adw_view_stack_set_visible_child_name (self->stack, "settings");
      gtk_widget_grab_focus (GTK_WIDGET (self->account_row));
      break;
    case OB_PREFLIGHT_NO_PROSPECTS:
      toast (self, _("Select prospects on the Prospects page and add them to this campaign"));
      break;
    case OB_PREFLIGHT_EMPTY_SUBJECT:
    case OB_PREFLIGHT_SUBJECT_IGNORED:
      adw_view_stack_set_visible_child_name (self->stack, "sequence");
      if (editor != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (ob_step_editor_get_subject (editor)));
      break;
    default:
      adw_view_stack_set_visible_child_name (self->stack, "sequence");
      if (editor != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (ob_step_editor_get_body_view (editor)));
      break;
    }
}

static void
on_issue_button_clicked (GtkButton        *button,
                         ObCampaignWindow *self)
{
  const char *what = g_object_get_data (G_OBJECT (button), "what");
  int kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "kind")) - 1;
  int index = (int) GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index")) - 1;

  if (g_strcmp0 (what, "exclude-all") == 0)
    resolve (self, OB_PREFLIGHT_EXCLUDE, kind, -1);
  else if (g_strcmp0 (what, "override-all") == 0)
    resolve (self, OB_PREFLIGHT_OVERRIDE, kind, -1);
  else if (g_strcmp0 (what, "exclude") == 0)
    resolve (self, OB_PREFLIGHT_EXCLUDE, kind, index);
  else if (g_strcmp0 (what, "override") == 0)
    resolve (self, OB_PREFLIGHT_OVERRIDE, kind, index);
  else if (self->report != NULL && index >= 0 && (guint) index < self->report->issues->len)
    fix_issue (self, kind, ((ObPreflightIssue *) g_ptr_array_index (self->report->issues, index))->step);
}

/* ---- Preview --------------------------------------------------------------- */

static void
load_enrolled (ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) enrolled = ob_campaign_list_enrolled (store (self), self->campaign->id,
                                                          MAX_PREVIEW_PEOPLE, &error);
  guint selected = adw_combo_row_get_selected (self->preview_prospect_row);
  gint64 selected_id = self->enrolled != NULL && selected < self->enrolled->len
                       ? g_array_index (self->enrolled, ObCampaignChoice, selected).id : 0;

  if (enrolled == NULL)
    {
      g_warning ("Cannot list enrolled prospects: %s", error->message);
      return;
    }

  g_clear_pointer (&self->enrolled, g_array_unref);
  self->enrolled = g_steal_pointer (&enrolled);
  self->loading = TRUE;
  gtk_string_list_splice (self->preview_prospects, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->preview_prospects)), NULL);
  selected = 0;
  for (guint i = 0; i < self->enrolled->len; i++)
    {
      ObCampaignChoice *choice = &g_array_index (self->enrolled, ObCampaignChoice, i);

      gtk_string_list_append (self->preview_prospects, choice->label);
      if (choice->id == selected_id)
        selected = i;
    }
  adw_combo_row_set_selected (self->preview_prospect_row, selected);
  self->loading = FALSE;
}

static void
update_preview (ObCampaignWindow *self)
{
  g_autoptr(ObCampaignMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  guint person = adw_combo_row_get_selected (self->preview_prospect_row);
  guint step = adw_combo_row_get_selected (self->preview_step_row);
  gsize length;
  const char *raw;

  if (self->loading)
    return;
  if (self->enrolled == NULL || person >= self->enrolled->len)
    {
      adw_status_page_set_title (self->preview_empty, _("Nothing to Preview Yet"));
      adw_status_page_set_description (self->preview_empty,
                                       _("Add prospects to the campaign from the Prospects page to see "
                                         "each message as they will receive it."));
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.send-test", FALSE);
      return;
    }

  message = ob_campaign_build_message (store (self), self->campaign,
                                       MIN (step, ob_campaign_get_n_steps (self->campaign) - 1) + 1,
                                       g_array_index (self->enrolled, ObCampaignChoice, person).id,
                                       NULL, NULL, NULL, &error);
  if (message == NULL)
    {
      adw_status_page_set_title (self->preview_empty, _("Cannot Show This Message"));
      adw_status_page_set_description (self->preview_empty, error->message);
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
      return;
    }

  from = g_strdup_printf (_("From: %s"), message->from);
  to = g_strdup_printf (_("To: %s"), message->to);
  gtk_label_set_label (self->preview_subject, message->subject);
  gtk_label_set_label (self->preview_from, from);
  gtk_label_set_label (self->preview_to, to);
  gtk_label_set_label (self->preview_body, message->body);
  if (message->missing != NULL)
    {
      g_autofree char *names = g_strjoinv (", ", message->missing);
      g_autofree char *warning = g_strdup_printf (_("No value and no fallback for: %s"), names);

      gtk_label_set_label (self->preview_warning, warning);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->preview_warning), message->missing != NULL);

  raw = g_bytes_get_data (message->raw, &length);
  source = g_strndup (raw, length);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->source_view), source, -1);
  gtk_stack_set_visible_child_name (self->preview_stack, "message");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.send-test", self->campaign->account_id != 0);
}

typedef struct
{
  char   *db_path;
  gint64  campaign_id;
  guint   step;
  gint64  prospect_id;
} TestJob;

static void
test_job_free (TestJob *job)
{
  g_free (job->db_path);
  g_free (job);
}

static void
send_test_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TestJob *job = task_data;
  g_autoptr(GError) error = NULL;
  char *to = ob_sender_send_test (job->db_path, job->campaign_id, job->step, job->prospect_id,
                                  cancellable, &error);

  if (to == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, to, g_free);
}

static void
send_test_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *to = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *text = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.send-test", TRUE);
  if (to == NULL)
    {
      text = g_strdup_printf (_("The test did not go: %s"), error->message);
      toast (self, text);
      return;
    }
  text = g_strdup_printf (_("Test sent to %s"), to);
  toast (self, text);
}

/* The previewed step, as the previewed prospect would get it, to the rep. */
static void
send_test_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (widget);
  guint person = adw_combo_row_get_selected (self->preview_prospect_row);
  guint step = adw_combo_row_get_selected (self->preview_step_row);
  g_autoptr(GTask) task = NULL;
  TestJob *job;

  if (self->enrolled == NULL || person >= self->enrolled->len)
    return;
  if (self->save_source != 0 && !save_now (self))
    return;

  job = g_new0 (TestJob, 1);
  job->db_path = g_strdup (ob_engine_get_db_path (self->engine));
  job->campaign_id = self->campaign->id;
  job->step = MIN (step, ob_campaign_get_n_steps (self->campaign) - 1) + 1;
  job->prospect_id = g_array_index (self->enrolled, ObCampaignChoice, person).id;
  gtk_widget_action_set_enabled (widget, "campaign.send-test", FALSE);
  task = g_task_new (self, NULL, send_test_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) test_job_free);
  g_task_run_in_thread (task, send_test_thread);
}

/* ---- State ----------------------------------------------------------------- */

static void
start_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckJob *job = task_data;
  g_autoptr(GError) error = NULL;
  ObStore *thread_store = ob_store_open_for_thread (job->db_path, &error);

  if (thread_store == NULL || !ob_campaign_start (thread_store, job->id, &job->report, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (source);
  CheckJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCampaign) stored = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.toggle-state", TRUE);
  if (job->report != NULL)
    {
      g_clear_pointer (&self->report, ob_preflight_report_free);
      self->report = g_steal_pointer (&job->report);
      show_report (self);
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Not started: %s", error->message);
      if (g_error_matches (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_BLOCKED))
        adw_view_stack_set_visible_child_name (self->stack, "check");
      toast (self, error->message);
      return;
    }

  stored = ob_campaign_load (store (self), self->campaign->id, NULL);
  if (stored != NULL)
    self->campaign->state = stored->state;
  update_header (self);
  toast (self, _("Started: messages go out inside the sending window"));
  ob_engine_notify_store_changed (self->engine, "campaigns");
}

static void
toggle_state_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  CheckJob *job;

  if (self->save_source != 0 && !save_now (self))
    return;

  if (self->campaign->state == OB_CAMPAIGN_RUNNING)
    {
      if (!ob_campaign_pause (store (self), self->campaign->id, "", &error))
        {
          toast (self, error->message);
          return;
        }
      self->campaign->state = OB_CAMPAIGN_PAUSED;
      update_header (self);
      toast (self, _("Paused: nothing more goes out until you resume"));
      ob_engine_notify_store_changed (self->engine, "campaigns");
      return;
    }

  g_debug ("Starting “%s”", self->campaign->name);
  job = g_new0 (CheckJob, 1);
  job->db_path = g_strdup (ob_engine_get_db_path (self->engine));
  job->id = self->campaign->id;
  gtk_widget_action_set_enabled (widget, "campaign.toggle-state", FALSE);
  task = g_task_new (self, NULL, start_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) check_job_free);
  g_task_run_in_thread (task, start_thread);
}

/* ---- Export and delete ----------------------------------------------------- */

static void
export_response_cb (GtkNativeDialog  *dialog,
                    int               response,
                    ObCampaignWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      collect (self);
      text = ob_campaign_to_file (self->campaign);
      if (!g_file_replace_contents (file, text, strlen (text), NULL, FALSE, G_FILE_CREATE_NONE,
                                    NULL, NULL, &error))
        toast (self, error->message);
      else
        toast (self, _("Campaign file saved"));
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = g_strdup_printf ("%s.campaign", self->campaign->name);

  chooser = gtk_file_chooser_native_new (_("Export Campaign File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  g_strdelimit (name, "/\\", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "delete") != 0)
    return;
  g_clear_handle_id (&self->save_source, g_source_remove);
  if (!ob_campaign_delete (store (self), self->campaign->id, &error))
    {
      toast (self, error->message);
      return;
    }
  ob_engine_notify_store_changed (self->engine, "campaigns");
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (widget);
  GtkWidget *dialog;

  if (self->campaign->state == OB_CAMPAIGN_RUNNING)
    {
      toast (self, _("Pause the campaign before deleting it"));
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Delete Campaign?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s”, its steps and its history of sent messages will be "
                                    "deleted. The prospects stay."),
                                  self->campaign->name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Loading --------------------------------------------------------------- */

static void
load_accounts (ObCampaignWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) accounts = ob_campaign_list_accounts (store (self), &error);

  if (accounts == NULL)
    {
      g_warning ("Cannot list accounts: %s", error->message);
      accounts = g_array_new (FALSE, FALSE, sizeof (ObCampaignChoice));
    }
  g_clear_pointer (&self->accounts, g_array_unref);
  self->accounts = g_steal_pointer (&accounts);
  gtk_string_list_splice (self->account_list, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->account_list)), NULL);
  gtk_string_list_append (self->account_list, _("None yet"));
  for (guint i = 0; i < self->accounts->len; i++)
    gtk_string_list_append (self->account_list,
                            g_array_index (self->accounts, ObCampaignChoice, i).label);
}

static void
on_store_changed (ObCampaignWindow *self,
                  const char       *table)
{
  g_autoptr(ObCampaign) stored = NULL;

  if (self->saving || self->campaign == NULL)
    return;
  /* The sender, the watcher or another window: take state and counts. */
  stored = ob_campaign_load (store (self), self->campaign->id, NULL);
  if (stored == NULL)
    return;
  self->campaign->state = stored->state;
  for (guint i = 1; i <= ob_campaign_get_n_steps (stored) && i <= ob_campaign_get_n_steps (self->campaign); i++)
    ob_campaign_get_step (self->campaign, i)->n_sent = ob_campaign_get_step (stored, i)->n_sent;
  update_header (self);
  if (g_strcmp0 (table, "accounts") == 0)
    {
      self->loading = TRUE;
      load_accounts (self);
      show_settings (self);
      self->loading = FALSE;
    }
  load_enrolled (self);
  run_preflight (self);
  update_preview (self);
}

static void
load (ObCampaignWindow *self)
{
  self->loading = TRUE;
  load_accounts (self);
  show_settings (self);
  show_steps (self);
  self->loading = FALSE;
  update_pause_warning (self);
  update_header (self);
  load_enrolled (self);
  update_preview (self);
  run_preflight (self);
}

static gboolean
on_close_request (ObCampaignWindow *self)
{
  if (self->save_source != 0)
    save_now (self);
  g_cancellable_cancel (self->checking);
  return FALSE;
}

static void
ob_campaign_window_dispose (GObject *object)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (object);

  g_clear_handle_id (&self->save_source, g_source_remove);
  g_cancellable_cancel (self->checking);
  g_clear_object (&self->checking);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_CAMPAIGN_WINDOW);
  G_OBJECT_CLASS (ob_campaign_window_parent_class)->dispose (object);
}

static void
ob_campaign_window_finalize (GObject *object)
{
  ObCampaignWindow *self = OB_CAMPAIGN_WINDOW (object);

  g_clear_object (&self->engine);
  g_clear_pointer (&self->campaign, ob_campaign_free);
  g_clear_pointer (&self->accounts, g_array_unref);
  g_clear_pointer (&self->enrolled, g_array_unref);
  g_clear_pointer (&self->editors, g_ptr_array_unref);
  g_clear_pointer (&self->report, ob_preflight_report_free);
  g_free (self->last_error);
  G_OBJECT_CLASS (ob_campaign_window_parent_class)->finalize (object);
}

static void
ob_campaign_window_class_init (ObCampaignWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_campaign_window_dispose;
  object_class->finalize = ob_campaign_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-campaign-window.ui");
  g_type_ensure (OB_TYPE_CAMPAIGN_RESULTS);
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, ObCampaignWindow, name)
  BIND (toast_overlay);
  BIND (results);
  BIND (switcher_title);
  BIND (state_button);
  BIND (stack);
  BIND (sequence_scroller);
  BIND (steps_box);
  BIND (signature_label);
  BIND (name_row);
  BIND (account_row);
  BIND (account_list);
  BIND (timezone_row);
  BIND (window_start_spin);
  BIND (window_end_spin);
  BIND (days_box);
  BIND (holidays_row);
  BIND (limit_spin);
  BIND (pause_row);
  BIND (pause_min_spin);
  BIND (pause_max_spin);
  BIND (company_switch);
  BIND (bounce_spin);
  BIND (check_page);
  BIND (check_status);
  BIND (issues_box);
  BIND (preview_prospect_row);
  BIND (preview_step_row);
  BIND (preview_prospects);
  BIND (preview_steps);
  BIND (preview_stack);
  BIND (preview_empty);
  BIND (preview_subject);
  BIND (preview_from);
  BIND (preview_to);
  BIND (preview_body);
  BIND (preview_warning);
  BIND (source_view);
#undef BIND

  gtk_widget_class_install_action (widget_class, "campaign.add-step", NULL, add_step_action);
  gtk_widget_class_install_action (widget_class, "campaign.toggle-state", NULL, toggle_state_action);
  gtk_widget_class_install_action (widget_class, "campaign.send-test", NULL, send_test_action);
  gtk_widget_class_install_action (widget_class, "campaign.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "campaign.delete", NULL, delete_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "campaign.toggle-state", NULL);
}

static void
ob_campaign_window_init (ObCampaignWindow *self)
{
  g_autoptr(GDateTime) monday = g_date_time_new_local (2024, 1, 1, 12, 0, 0);   /* a Monday */
  GObject *settings[3];

  gtk_widget_init_template (GTK_WIDGET (self));
  settings[0] = G_OBJECT (self->name_row);
  settings[1] = G_OBJECT (self->timezone_row);
  settings[2] = G_OBJECT (self->holidays_row);
  self->editors = g_ptr_array_new ();

  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (monday, (int) i);
      g_autofree char *name = g_date_time_format (day, "%a");
      g_autofree char *full = g_date_time_format (day, "%A");

      GtkWidget *label = gtk_label_new (name);

      /* On a phone the seven share a narrow row: the name shortens there */
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      self->day_buttons[i] = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
      gtk_button_set_child (GTK_BUTTON (self->day_buttons[i]), label);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->day_buttons[i]), full);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->day_buttons[i]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, full, -1);
      g_signal_connect_object (self->day_buttons[i], "toggled", G_CALLBACK (on_setting_changed), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->days_box, GTK_WIDGET (self->day_buttons[i]));
    }

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_signal_connect_object (settings[i], "changed", G_CALLBACK (on_setting_changed), self,
                             G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account_row, "notify::selected", G_CALLBACK (on_setting_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->company_switch, "notify::active", G_CALLBACK (on_setting_changed), self,
                           G_CONNECT_SWAPPED);
  {
    GtkSpinButton *spins[] = {
      self->window_start_spin, self->window_end_spin, self->limit_spin, self->pause_min_spin,
      self->pause_max_spin, self->bounce_spin,
    };

    for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
      g_signal_connect_object (spins[i], "value-changed", G_CALLBACK (on_setting_changed), self,
                               G_CONNECT_SWAPPED);
  }
  g_signal_connect (self->window_start_spin, "output", G_CALLBACK (on_time_output), NULL);
  g_signal_connect (self->window_end_spin, "output", G_CALLBACK (on_time_output), NULL);
  g_signal_connect (self->window_start_spin, "input", G_CALLBACK (on_time_input), NULL);
  g_signal_connect (self->window_end_spin, "input", G_CALLBACK (on_time_input), NULL);

  g_signal_connect_object (self->preview_prospect_row, "notify::selected", G_CALLBACK (update_preview),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preview_step_row, "notify::selected", G_CALLBACK (update_preview),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "campaign.send-test", FALSE);
  gtk_label_set_label (self->signature_label,
                       _("The sending account’s signature closes every email, unless the text "
                         "places {{my_signature}} itself."));
}

/* A name no other campaign has: "New Campaign", "New Campaign 2"... */
static ObCampaign *
create_draft (ObStore  *store,
              GError  **error)
{
  g_autoptr(ObCampaign) campaign = ob_campaign_new ();
  g_autoptr(GArray) accounts = ob_campaign_list_accounts (store, NULL);

  ob_campaign_add_default_steps (campaign);
  if (accounts != NULL && accounts->len > 0)
    campaign->account_id = g_array_index (accounts, ObCampaignChoice, 0).id;

  for (guint n = 1; n < 1000; n++)
    {
      g_autoptr(GError) local_error = NULL;

      g_free (campaign->name);
      campaign->name = n == 1 ? g_strdup (_("New Campaign"))
                              : g_strdup_printf (_("New Campaign %u"), n);
      if (ob_campaign_save (store, campaign, &local_error))
        return g_steal_pointer (&campaign);
      if (!g_error_matches (local_error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  g_set_error (error, OB_CAMPAIGN_ERROR, OB_CAMPAIGN_ERROR_EXISTS, _("Too many new campaigns"));
  return NULL;
}

/**
 * ob_campaign_window_new:
 * @engine: the engine
 * @campaign_id: the campaign to edit, or 0 to create a new draft
 * @error: why it cannot open
 *
 * Returns: (transfer floating) (nullable): the window
 */
ObCampaignWindow *
ob_campaign_window_new (ObEngine  *engine,
                        gint64     campaign_id,
                        GError   **error)
{
  g_autoptr(ObCampaign) campaign = NULL;
  ObCampaignWindow *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);

  campaign = campaign_id != 0 ? ob_campaign_load (ob_engine_get_store (engine), campaign_id, error)
                              : create_draft (ob_engine_get_store (engine), error);
  if (campaign == NULL)
    return NULL;
  if (campaign_id == 0)
    ob_engine_notify_store_changed (engine, "campaigns");

  self = g_object_new (OB_TYPE_CAMPAIGN_WINDOW, NULL);
  self->engine = g_object_ref (engine);
  self->campaign = g_steal_pointer (&campaign);
  g_signal_connect_object (engine, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  load (self);
  ob_campaign_results_set_campaign (self->results, engine, self->campaign->id);
  return self;
}

gint64
ob_campaign_window_get_campaign_id (ObCampaignWindow *self)
{
  return self->campaign->id;
}
