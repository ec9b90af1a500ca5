/* ob-dnc-window.c: the do-not-contact list manager
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list, with how many prospects each entry stops, is read on a worker
 * thread (a domain entry counts over the whole prospect list); adding and
 * removing one entry are short writes on the main connection. Removing shows
 * a toast with Undo, which adds the entry back.
 */

#define G_LOG_DOMAIN "ob-dnc-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-dnc.h"
#include "ob-dnc-window.h"

struct _ObDncWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  AdwEntryRow          *add_row;
  GtkLabel             *error_label;
  GtkStack             *list_stack;
  GtkListBox           *list;

  /* owned */
  ObEngine             *engine;
  GCancellable         *cancellable;
  char                 *last_removed;
  guint                 n_entries;
};

G_DEFINE_FINAL_TYPE (ObDncWindow, ob_dnc_window, ADW_TYPE_PREFERENCES_WINDOW)

static void reload (ObDncWindow *self);

static void
show_error (ObDncWindow  *self,
            const GError *error)
{
  gtk_label_set_label (self->error_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
}

static void
changed (ObDncWindow *self)
{
  ob_engine_notify_store_changed (self->engine, "do_not_contact");
  reload (self);
}

static void
undo_remove_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ObDncWindow *self = OB_DNC_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (self->last_removed == NULL)
    return;
  if (!ob_dnc_add (ob_engine_get_store (self->engine), self->last_removed, NULL, NULL, &error))
    show_error (self, error);
  g_clear_pointer (&self->last_removed, g_free);
  changed (self);
}

static void
on_remove_clicked (GtkButton   *button,
                   ObDncWindow *self)
{
  const char *value = g_object_get_data (G_OBJECT (button), "entry");
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (!ob_dnc_remove (ob_engine_get_store (self->engine), value, NULL, &error))
    {
      show_error (self, error);
      return;
    }

  g_free (self->last_removed);
  self->last_removed = g_strdup (value);
  title = g_strdup_printf (_("“%s” can be contacted again"), value);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "dnc.undo-remove");
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
  changed (self);
}

static GtkWidget *
entry_row (ObDncWindow      *self,
           const ObDncEntry *entry)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *stops = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *escaped = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->display);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  stops = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Stops %'u prospect",
                                        "Stops %'u prospects", (gulong) entry->n_prospects),
                           (guint) entry->n_prospects);
  subtitle = entry->reason != NULL && entry->reason[0] != '\0'
             ? g_strdup_printf ("%s · %s", stops, entry->reason)
             : g_strdup (stops);
  escaped = g_markup_escape_text (subtitle, -1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);

  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove from the List"));
  g_object_set_data_full (G_OBJECT (remove), "entry", g_strdup (entry->display), g_free);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);

  return row;
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;
  GPtrArray *entries;

  store = ob_store_open_for_thread (task_data, &error);
  entries = store != NULL ? ob_dnc_list (store, &error) : NULL;
  if (entries == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ObDncWindow *self = OB_DNC_WINDOW (source);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  entries = g_task_propagate_pointer (G_TASK (result), &error);
  if (entries == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < entries->len; i++)
    gtk_list_box_append (self->list, entry_row (self, g_ptr_array_index (entries, i)));

  self->n_entries = entries->len;
  gtk_stack_set_visible_child_name (self->list_stack, entries->len > 0 ? "list" : "empty");
}

static void
reload (ObDncWindow *self)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  task = g_task_new (self, self->cancellable, list_done_cb, NULL);
  g_task_set_task_data (task, g_strdup (ob_engine_get_db_path (self->engine)), g_free);
  g_task_run_in_thread (task, list_thread);
}

gboolean
ob_dnc_window_add (ObDncWindow  *self,
                   const char   *text,
                   GError      **error)
{
  g_return_val_if_fail (OB_IS_DNC_WINDOW (self), FALSE);

  if (!ob_dnc_add (ob_engine_get_store (self->engine), text, _("Added by you"), NULL, error))
    return FALSE;

  changed (self);
  return TRUE;
}

static void
on_add_applied (ObDncWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->add_row))));

  if (text[0] == '\0')
    return;

  if (!ob_dnc_window_add (self, text, &error))
    {
      show_error (self, error);
      return;
    }
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->add_row), "");
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  g_autoptr(ObStore) store = NULL;
  g_auto(ObDncImportResult) result = { 0 };
  GError *error = NULL;

  store = ob_store_open_for_thread (g_object_get_data (G_OBJECT (task), "db-path"), &error);
  if (store == NULL ||
      !ob_dnc_import_csv (store, task_data, _("Imported list"), cancellable, &result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Translators: after importing a do-not-contact list. */
  g_task_return_pointer (task,
                         g_strdup_printf (_("%'u added, %'u already listed, %'u not valid"),
                                          (guint) result.added, (guint) result.already_listed,
                                          (guint) result.invalid),
                         g_free);
}

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ObDncWindow *self = OB_DNC_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = g_task_propagate_pointer (G_TASK (result), &error);

  if (summary == NULL)
    {
      show_error (self, error);
      return;
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (summary));
  changed (self);
}

static void
import_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  ObDncWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GTask) task = g_task_new (self, NULL, import_done_cb, NULL);

      g_object_set_data_full (G_OBJECT (task), "db-path",
                              g_strdup (ob_engine_get_db_path (self->engine)), g_free);
      g_task_set_task_data (task, g_file_get_path (file), g_free);
      g_task_run_in_thread (task, import_thread);
    }
  g_object_unref (chooser);
}

static void
on_import_clicked (ObDncWindow *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Import a Do-Not-Contact List"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  g_signal_connect (chooser, "response", G_CALLBACK (import_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
ob_dnc_window_dispose (GObject *object)
{
  ObDncWindow *self = OB_DNC_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->last_removed, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DNC_WINDOW);

  G_OBJECT_CLASS (ob_dnc_window_parent_class)->dispose (object);
}

static void
ob_dnc_window_class_init (ObDncWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_dnc_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-dnc-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDncWindow, add_row);
  gtk_widget_class_bind_template_child (widget_class, ObDncWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, ObDncWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, ObDncWindow, list);
  gtk_widget_class_bind_template_callback (widget_class, on_add_applied);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);

  gtk_widget_class_install_action (widget_class, "dnc.undo-remove", NULL, undo_remove_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_dnc_window_init (ObDncWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

ObDncWindow *
ob_dnc_window_new (ObEngine *engine)
{
  ObDncWindow *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);

  self = g_object_new (OB_TYPE_DNC_WINDOW, NULL);
  self->engine = g_object_ref (engine);
  reload (self);

  return self;
}

guint
ob_dnc_window_get_n_entries (ObDncWindow *self)
{
  g_return_val_if_fail (OB_IS_DNC_WINDOW (self), 0);

  return self->n_entries;
}
