/* ob-step-editor.c: one step of a campaign's sequence, edited in place
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Merge fields are highlighted as the rep types, and a template error (an
 * unbalanced "{{") is underlined where it is, with the reason below the
 * text. The editor only shows and collects values: the campaign window
 * owns the step list and saves it.
 */

#define G_LOG_DOMAIN "ob-step-editor"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-step-editor.h"
#include "ob-template.h"

struct _ObStepEditor
{
  AdwPreferencesGroup  parent_instance;

  /* template widgets */
  GtkMenuButton       *menu_button;
  AdwActionRow        *delay_row;
  GtkSpinButton       *delay_spin;
  GtkDropDown         *unit_dropdown;
  AdwActionRow        *thread_row;
  GtkSwitch           *thread_switch;
  AdwEntryRow         *subject_row;
  GtkTextView         *body_view;
  GtkMenuButton       *field_button;
  GtkLabel            *error_label;

  /* owned */
  GtkTextTag          *field_tag;
  GtkTextTag          *error_tag;
  guint                position;
  gboolean             loading;
  gboolean             insert_into_subject;
};

G_DEFINE_FINAL_TYPE (ObStepEditor, ob_step_editor, ADW_TYPE_PREFERENCES_GROUP)

enum {
  CHANGED,
  STEP_ACTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Built-in fields, in the order a rep reaches for them. */
static const struct { const char *name; const char *label; } prospect_fields[] = {
  { "first_name", N_("First name") },
  { "last_name", N_("Last name") },
  { "full_name", N_("Full name") },
  { "company", N_("Company") },
  { "title", N_("Job title") },
  { "email", N_("Email") },
  { "domain", N_("Company domain") },
}, sender_fields[] = {
  { "my_first_name", N_("Your first name") },
  { "my_name", N_("Your name") },
  { "my_email", N_("Your email") },
  { "my_signature", N_("Your signature") },
};

static void
emit_changed (ObStepEditor *self)
{
  if (!self->loading)
    g_signal_emit (self, signals[CHANGED], 0);
}

static char *
body_text (ObStepEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Highlights {{fields}} on each line; an error's span gets underlined. */
static void
highlight (ObStepEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *text = body_text (self);
  g_autoptr(ObTemplate) template = NULL;
  g_autoptr(GError) error = NULL;
  const char *subject = gtk_editable_get_text (GTK_EDITABLE (self->subject_row));
  g_autoptr(ObTemplate) subject_template = NULL;
  g_autoptr(GError) subject_error = NULL;
  ObTemplateSpan span = { 0 };
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->field_tag, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->error_tag, &start, &end);

  for (const char *open = strstr (text, "{{"); open != NULL; open = strstr (open + 2, "{{"))
    {
      const char *close = strstr (open + 2, "}}");
      const char *newline = strpbrk (open + 2, "\r\n");

      if (close == NULL || (newline != NULL && newline < close))
        continue;
      gtk_text_buffer_get_iter_at_offset (buffer, &start, (int) g_utf8_pointer_to_offset (text, open));
      gtk_text_buffer_get_iter_at_offset (buffer, &end, (int) g_utf8_pointer_to_offset (text, close + 2));
      gtk_text_buffer_apply_tag (buffer, self->field_tag, &start, &end);
    }

  template = ob_template_compile (text, &span, &error);
  subject_template = ob_template_compile (subject, NULL, &subject_error);
  if (template == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Text, line %u: %s"), span.line, error->message);

      gtk_text_buffer_get_iter_at_offset (buffer, &start,
                                          (int) g_utf8_pointer_to_offset (text, text + span.offset));
      gtk_text_buffer_get_iter_at_offset (buffer, &end,
                                          (int) g_utf8_pointer_to_offset (text, text + span.offset
                                                                          + MAX (span.length, 1)));
      gtk_text_buffer_apply_tag (buffer, self->error_tag, &start, &end);
      gtk_label_set_label (self->error_label, message);
    }
  else if (subject_template == NULL && gtk_widget_get_visible (GTK_WIDGET (self->subject_row)))
    {
      g_autofree char *message = g_strdup_printf (_("Subject: %s"), subject_error->message);

      gtk_label_set_label (self->error_label, message);
    }
  else
    gtk_label_set_label (self->error_label, "");

  if (subject_template == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->subject_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->subject_row), "error");
}

static void
on_body_changed (ObStepEditor *self)
{
  highlight (self);
  emit_changed (self);
}

static void
on_subject_changed (ObStepEditor *self)
{
  highlight (self);
  emit_changed (self);
}

static void
update_thread_rows (ObStepEditor *self)
{
  gboolean follow_up = self->position > 1;
  gboolean same_thread = follow_up && gtk_switch_get_active (self->thread_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->delay_row), follow_up);
  gtk_widget_set_visible (GTK_WIDGET (self->thread_row), follow_up);
  gtk_widget_set_visible (GTK_WIDGET (self->subject_row), !same_thread);
}

static void
on_thread_toggled (ObStepEditor *self)
{
  update_thread_rows (self);
  emit_changed (self);
}

static void
on_focus_enter_subject (ObStepEditor *self)
{
  self->insert_into_subject = TRUE;
}

static void
on_focus_enter_body (ObStepEditor *self)
{
  self->insert_into_subject = FALSE;
}

static void
insert_field_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ObStepEditor *self = OB_STEP_EDITOR (widget);
  g_autofree char *text = g_strdup_printf ("{{%s}}", g_variant_get_string (parameter, NULL));

  if (self->insert_into_subject && gtk_widget_get_visible (GTK_WIDGET (self->subject_row)))
    {
      GtkEditable *editable = GTK_EDITABLE (self->subject_row);
      int position = gtk_editable_get_position (editable);

      gtk_editable_insert_text (editable, text, -1, &position);
      gtk_editable_set_position (editable, position);
      gtk_widget_grab_focus (GTK_WIDGET (self->subject_row));
    }
  else
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

      gtk_text_buffer_insert_at_cursor (buffer, text, -1);
      gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
    }
}

static void
step_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  /* "step.move-up" → "move-up" */
  g_signal_emit (widget, signals[STEP_ACTION], 0, strchr (action_name, '.') + 1);
}

static void
add_field_items (GMenu      *section,
                 const char *name,
                 const char *label)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, "step.insert-field", g_variant_new_string (name));
  g_menu_append_item (section, item);
}

void
ob_step_editor_set_fields (ObStepEditor       *self,
                           const char * const *custom_fields)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) prospect = g_menu_new ();
  g_autoptr(GMenu) custom = g_menu_new ();
  g_autoptr(GMenu) sender = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (prospect_fields); i++)
    add_field_items (prospect, prospect_fields[i].name, _(prospect_fields[i].label));
  for (guint i = 0; custom_fields != NULL && custom_fields[i] != NULL; i++)
    if (!ob_template_is_builtin_field (custom_fields[i]))
      add_field_items (custom, custom_fields[i], custom_fields[i]);
  for (guint i = 0; i < G_N_ELEMENTS (sender_fields); i++)
    add_field_items (sender, sender_fields[i].name, _(sender_fields[i].label));

  g_menu_append_section (menu, _("Prospect"), G_MENU_MODEL (prospect));
  if (g_menu_model_get_n_items (G_MENU_MODEL (custom)) > 0)
    g_menu_append_section (menu, _("From the Imported Files"), G_MENU_MODEL (custom));
  g_menu_append_section (menu, _("You"), G_MENU_MODEL (sender));
  gtk_menu_button_set_menu_model (self->field_button, G_MENU_MODEL (menu));
}

void
ob_step_editor_show_step (ObStepEditor         *self,
                          const ObCampaignStep *step,
                          guint                 position,
                          guint                 n_steps,
                          const char           *thread_subject)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  g_autofree char *body = body_text (self);
  g_autofree char *re = NULL;
  gboolean sent = step->n_sent > 0;

  self->loading = TRUE;
  self->position = position;

  title = position == 1 ? g_strdup (_("Step 1 · First Email"))
                        : g_strdup_printf (_("Step %u · Follow-Up"), position);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self), title);
  if (sent)
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "Sent to %u prospect. Changes apply to those not written to yet.",
                                                "Sent to %u prospects. Changes apply to those not written to yet.",
                                                (gulong) step->n_sent),
                                   (guint) step->n_sent);
  else if (position > 1 && step->same_thread && thread_subject != NULL && thread_subject[0] != '\0')
    description = g_strdup_printf (_("Goes as “Re: %s”, in the same thread"), thread_subject);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self), description);

  gtk_spin_button_set_value (self->delay_spin, step->delay.amount);
  gtk_drop_down_set_selected (self->unit_dropdown, step->delay.unit);
  gtk_switch_set_active (self->thread_switch, position > 1 && step->same_thread);
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->subject_row)), step->subject) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->subject_row), step->subject);
  if (g_strcmp0 (body, step->body) != 0)
    gtk_text_buffer_set_text (buffer, step->body, -1);
  update_thread_rows (self);
  highlight (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "step.move-up", position > 1 && !sent);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "step.move-down", position < n_steps && !sent);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "step.delete", n_steps > 1 && !sent);

  self->loading = FALSE;
}

void
ob_step_editor_apply (ObStepEditor   *self,
                      ObCampaignStep *step)
{
  g_free (step->subject);
  step->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_row)));
  g_free (step->body);
  step->body = body_text (self);
  step->delay.amount = (guint) gtk_spin_button_get_value_as_int (self->delay_spin);
  step->delay.unit = MIN (gtk_drop_down_get_selected (self->unit_dropdown), OB_DELAY_BUSINESS_DAYS);
  step->same_thread = self->position > 1 && gtk_switch_get_active (self->thread_switch);
}

GtkTextView *
ob_step_editor_get_body_view (ObStepEditor *self)
{
  return self->body_view;
}

GtkEditable *
ob_step_editor_get_subject (ObStepEditor *self)
{
  return GTK_EDITABLE (self->subject_row);
}

static void
ob_step_editor_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), OB_TYPE_STEP_EDITOR);
  G_OBJECT_CLASS (ob_step_editor_parent_class)->dispose (object);
}

static void
ob_step_editor_class_init (ObStepEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_step_editor_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* "move-up", "move-down", "duplicate" or "delete" */
  signals[STEP_ACTION] = g_signal_new ("step-action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-step-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, menu_button);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, delay_row);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, thread_row);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, thread_switch);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, subject_row);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, body_view);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, field_button);
  gtk_widget_class_bind_template_child (widget_class, ObStepEditor, error_label);

  gtk_widget_class_install_action (widget_class, "step.insert-field", "s", insert_field_action);
  gtk_widget_class_install_action (widget_class, "step.move-up", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "step.move-down", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "step.duplicate", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "step.delete", NULL, step_action);
}

static void
ob_step_editor_init (ObStepEditor *self)
{
  GtkTextBuffer *buffer;
  GtkEventController *focus;
  GdkRGBA field_background = { 0.21f, 0.52f, 0.89f, 0.18f };
  GdkRGBA error_colour = { 0.88f, 0.11f, 0.14f, 1.0f };

  gtk_widget_init_template (GTK_WIDGET (self));

  buffer = gtk_text_view_get_buffer (self->body_view);
  self->field_tag = gtk_text_buffer_create_tag (buffer, "field", "background-rgba", &field_background,
                                                "weight", 600, NULL);
  self->error_tag = gtk_text_buffer_create_tag (buffer, "error", "underline", PANGO_UNDERLINE_ERROR,
                                                "underline-rgba", &error_colour, NULL);
  gtk_text_buffer_set_enable_undo (buffer, TRUE);

  g_signal_connect_object (buffer, "changed", G_CALLBACK (on_body_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->subject_row, "changed", G_CALLBACK (on_subject_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->delay_spin, "value-changed", G_CALLBACK (emit_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->unit_dropdown, "notify::selected", G_CALLBACK (emit_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->thread_switch, "notify::active", G_CALLBACK (on_thread_toggled), self,
                           G_CONNECT_SWAPPED);

  focus = gtk_event_controller_focus_new ();
  g_signal_connect_object (focus, "enter", G_CALLBACK (on_focus_enter_subject), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->subject_row), focus);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_object (focus, "enter", G_CALLBACK (on_focus_enter_body), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->body_view), focus);

  ob_step_editor_set_fields (self, NULL);
}

ObStepEditor *
ob_step_editor_new (void)
{
  return g_object_new (OB_TYPE_STEP_EDITOR, NULL);
}
