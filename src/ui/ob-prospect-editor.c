/* ob-prospect-editor.c: the pane that shows and edits one prospect
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Edits a copy in the widgets; Save writes it with ob_prospect_save() (one
 * short transaction on the main connection) and emits "saved".
 */

#define G_LOG_DOMAIN "ob-prospect-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-prospect-editor.h"

struct _ObProspectEditor
{
  GtkBox       parent_instance;

  /* template widgets */
  GtkLabel    *heading;
  AdwEntryRow *email_row;
  AdwEntryRow *first_name_row;
  AdwEntryRow *last_name_row;
  AdwEntryRow *company_row;
  AdwEntryRow *title_row;
  AdwEntryRow *timezone_row;
  GtkWidget   *fields_box;
  GtkListBox  *fields_list;
  AdwActionRow *status_row;
  AdwActionRow *tags_row;
  GtkWidget   *info_list;
  GtkLabel    *error_label;
  GtkWidget   *delete_button;
  GtkWidget   *save_button;

  /* owned */
  ObEngine    *engine;
  ObProspect  *prospect;
  GPtrArray   *field_rows;
  gboolean     loading;
};

enum {
  SAVED,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ObProspectEditor, ob_prospect_editor, GTK_TYPE_BOX)

static void
on_changed (ObProspectEditor *self)
{
  if (self->loading)
    return;

  gtk_widget_set_sensitive (self->save_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

static void
on_close_clicked (ObProspectEditor *self)
{
  g_signal_emit (self, signals[CLOSED], 0);
}

static void
on_save_clicked (ObProspectEditor *self)
{
  g_autoptr(GError) error = NULL;

  if (!ob_prospect_editor_save (self, &error))
    {
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
    }
}

static gboolean
save_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  on_save_clicked (OB_PROSPECT_EDITOR (widget));
  return TRUE;
}

static void
ob_prospect_editor_dispose (GObject *object)
{
  ObProspectEditor *self = OB_PROSPECT_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PROSPECT_EDITOR);
  g_clear_object (&self->engine);
  g_clear_object (&self->prospect);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_prospect_editor_parent_class)->dispose (object);
}

static void
ob_prospect_editor_class_init (ObProspectEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_prospect_editor_dispose;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, OB_TYPE_PROSPECT);
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-prospect-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, heading);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, email_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, company_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, timezone_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, fields_box);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, fields_list);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, status_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, tags_row);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, info_list);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, delete_button);
  gtk_widget_class_bind_template_child (widget_class, ObProspectEditor, save_button);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_close_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);

  /* Ctrl+S saves, Escape closes, as in any editor pane. */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, save_shortcut, NULL);
  gtk_widget_class_add_binding_signal (widget_class, GDK_KEY_Escape, 0, "closed", NULL);
}

static void
ob_prospect_editor_init (ObProspectEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->field_rows = g_ptr_array_new ();
}

void
ob_prospect_editor_set_engine (ObProspectEditor *self,
                               ObEngine         *engine)
{
  g_return_if_fail (OB_IS_PROSPECT_EDITOR (self));

  g_set_object (&self->engine, engine);
}

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

/**
 * ob_prospect_editor_edit:
 * @prospect: (nullable): the prospect to show, or %NULL for a new one
 */
void
ob_prospect_editor_edit (ObProspectEditor *self,
                         ObProspect       *prospect)
{
  g_auto(GStrv) names = NULL;
  gboolean is_new;

  g_return_if_fail (OB_IS_PROSPECT_EDITOR (self));

  g_clear_object (&self->prospect);
  self->prospect = prospect != NULL ? g_object_ref (prospect) : ob_prospect_new ();
  is_new = ob_prospect_get_id (self->prospect) == 0;

  self->loading = TRUE;
  if (is_new)
    gtk_label_set_label (self->heading, _("New Prospect"));
  else
    {
      g_autofree char *name = ob_prospect_dup_full_name (self->prospect);

      gtk_label_set_label (self->heading, name[0] != '\0' ? name
                                                          : ob_prospect_get_email (self->prospect));
    }

  set_row_text (self->email_row, ob_prospect_get_email (self->prospect));
  set_row_text (self->first_name_row, ob_prospect_get_first_name (self->prospect));
  set_row_text (self->last_name_row, ob_prospect_get_last_name (self->prospect));
  set_row_text (self->company_row, ob_prospect_get_company (self->prospect));
  set_row_text (self->title_row, ob_prospect_get_title (self->prospect));
  set_row_text (self->timezone_row, ob_prospect_get_timezone (self->prospect));

  for (guint i = 0; i < self->field_rows->len; i++)
    gtk_list_box_remove (self->fields_list, g_ptr_array_index (self->field_rows, i));
  g_ptr_array_set_size (self->field_rows, 0);

  names = ob_prospect_dup_field_names (self->prospect);
  for (guint i = 0; names[i] != NULL; i++)
    {
      GtkWidget *row = adw_entry_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), names[i]);
      set_row_text (ADW_ENTRY_ROW (row), ob_prospect_get_field (self->prospect, names[i]));
      g_object_set_data_full (G_OBJECT (row), "field-name", g_strdup (names[i]), g_free);
      g_signal_connect_object (row, "changed", G_CALLBACK (on_changed), self, G_CONNECT_SWAPPED);
      gtk_list_box_append (self->fields_list, row);
      g_ptr_array_add (self->field_rows, row);
    }
  gtk_widget_set_visible (self->fields_box, names[0] != NULL);

  adw_action_row_set_subtitle (self->status_row,
                               ob_prospect_status_to_string (ob_prospect_get_status (self->prospect)));
  adw_action_row_set_subtitle (self->tags_row, ob_prospect_get_tags (self->prospect)[0] != '\0'
                                               ? ob_prospect_get_tags (self->prospect)
                                               : _("None"));
  gtk_widget_set_visible (self->info_list, !is_new);
  gtk_widget_set_visible (self->delete_button, !is_new);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_button_set_label (GTK_BUTTON (self->save_button), is_new ? _("_Add") : _("_Save"));
  gtk_widget_set_sensitive (self->save_button, FALSE);
  self->loading = FALSE;

  if (is_new)
    gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
}

ObProspect *
ob_prospect_editor_get_prospect (ObProspectEditor *self)
{
  g_return_val_if_fail (OB_IS_PROSPECT_EDITOR (self), NULL);

  return self->prospect;
}

gboolean
ob_prospect_editor_save (ObProspectEditor  *self,
                         GError           **error)
{
  struct { AdwEntryRow *row; const char *name; } rows[] = {
    { self->email_row, "email" },
    { self->first_name_row, "first_name" },
    { self->last_name_row, "last_name" },
    { self->company_row, "company" },
    { self->title_row, "title" },
    { self->timezone_row, "timezone" },
  };
  g_autoptr(ObProspect) edited = NULL;
  const char *zone;

  g_return_val_if_fail (OB_IS_PROSPECT_EDITOR (self), FALSE);
  g_return_val_if_fail (self->engine != NULL, FALSE);

  zone = gtk_editable_get_text (GTK_EDITABLE (self->timezone_row));
  if (zone[0] != '\0')
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);

      if (tz == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a time zone; use a name such as Europe/Warsaw"), zone);
          return FALSE;
        }
    }

  /* Work on the object the list shows only once the store took the change. */
  edited = ob_prospect_get_id (self->prospect) != 0
           ? ob_prospect_load (ob_engine_get_store (self->engine),
                               ob_prospect_get_id (self->prospect), error)
           : ob_prospect_new ();
  if (edited == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    ob_prospect_set_field (edited, rows[i].name,
                           gtk_editable_get_text (GTK_EDITABLE (rows[i].row)));
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkEditable *row = g_ptr_array_index (self->field_rows, i);

      ob_prospect_set_field (edited, g_object_get_data (G_OBJECT (row), "field-name"),
                             gtk_editable_get_text (row));
    }

  if (!ob_prospect_save (edited, ob_engine_get_store (self->engine), error))
    return FALSE;

  g_set_object (&self->prospect, edited);
  gtk_widget_set_sensitive (self->save_button, FALSE);
  gtk_button_set_label (GTK_BUTTON (self->save_button), _("_Save"));
  gtk_widget_set_visible (self->delete_button, TRUE);
  g_signal_emit (self, signals[SAVED], 0, edited);
  ob_engine_notify_store_changed (self->engine, "prospects");

  return TRUE;
}
