/* ob-import-dialog.c: the assistant that imports prospects from a CSV file
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Steps: the file is read for a preview (encoding, separator, first rows and
 * the automatic column mapping, all changeable), then imported on a worker
 * thread with a progress bar and Cancel (the store is left as it was), then
 * the report: what was imported, updated or skipped and why, line by line.
 * Search indexing of the new rows then goes on in the background.
 */

#define G_LOG_DOMAIN "ob-import-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-campaign.h"
#include "ob-import.h"
#include "ob-import-dialog.h"

#define PREVIEW_ROWS 5
#define REPORT_ROWS_SHOWN 200

struct _ObImportDialog
{
  AdwWindow            parent_instance;

  /* template widgets */
  GtkWidget           *cancel_button;
  GtkWidget           *import_button;
  GtkWidget           *done_button;
  GtkStack            *stack;
  AdwStatusPage       *error_page;
  AdwPreferencesGroup *file_group;
  AdwComboRow         *encoding_row;
  AdwComboRow         *delimiter_row;
  GtkGrid             *preview_grid;
  AdwPreferencesGroup *mapping_group;
  AdwEntryRow         *tags_row;
  AdwComboRow         *campaign_row;
  GtkStringList       *campaign_list;
  AdwStatusPage       *progress_page;
  GtkProgressBar      *progress_bar;
  AdwPreferencesGroup *report_group;
  AdwPreferencesGroup *skipped_group;

  /* owned */
  ObEngine            *engine;
  GFile               *file;
  GtkStringList       *encodings;
  ObImportPreview     *preview;
  GPtrArray           *mapping_rows;
  GPtrArray           *report_rows;
  ObImportReport      *report;
  GCancellable        *cancellable;
  gboolean             updating;
};

G_DEFINE_FINAL_TYPE (ObImportDialog, ob_import_dialog, ADW_TYPE_WINDOW)

/* The encodings offered besides the detected one: what spreadsheets and CRMs
 * in Europe and America write. */
static const struct { const char *name; const char *label; } encodings[] = {
  { "UTF-8", N_("Unicode (UTF-8)") },
  { "UTF-16", N_("Unicode (UTF-16)") },
  { "WINDOWS-1252", N_("Western (Windows-1252)") },
  { "WINDOWS-1250", N_("Central European (Windows-1250)") },
  { "ISO-8859-1", N_("Western (ISO-8859-1)") },
  { "ISO-8859-2", N_("Central European (ISO-8859-2)") },
};
static const char delimiters[] = { ',', ';', '\t', '|' };

/* In the order of the field rows' model. */
static const ObImportField fields[] = {
  OB_IMPORT_FIELD_IGNORE, OB_IMPORT_FIELD_EMAIL, OB_IMPORT_FIELD_FIRST_NAME,
  OB_IMPORT_FIELD_LAST_NAME, OB_IMPORT_FIELD_FULL_NAME, OB_IMPORT_FIELD_COMPANY,
  OB_IMPORT_FIELD_TITLE, OB_IMPORT_FIELD_TIMEZONE, OB_IMPORT_FIELD_TAGS,
  OB_IMPORT_FIELD_CUSTOM,
};

static GtkStringList *
field_labels (void)
{
  const char *labels[] = {
    _("Do Not Import"), _("Email"), _("First Name"), _("Last Name"), _("Full Name"),
    _("Company"), _("Job Title"), _("Time Zone"), _("Tags"), _("Custom Field"), NULL,
  };

  return gtk_string_list_new (labels);
}

static void
show_error (ObImportDialog *self,
            const char     *title,
            const GError   *error)
{
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_widget_set_sensitive (self->import_button, FALSE);
}

static gboolean
mapping_has_email (ObImportDialog *self)
{
  for (guint i = 0; i < self->mapping_rows->len; i++)
    if (fields[adw_combo_row_get_selected (g_ptr_array_index (self->mapping_rows, i))] ==
        OB_IMPORT_FIELD_EMAIL)
      return TRUE;
  return FALSE;
}

static void
on_mapping_changed (ObImportDialog *self)
{
  gtk_widget_set_sensitive (self->import_button, mapping_has_email (self));
}

static void
clear_container (GtkWidget *container,
                 GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      if (ADW_IS_PREFERENCES_GROUP (container))
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (container), row);
      else
        gtk_grid_remove (GTK_GRID (container), row);
    }
  g_ptr_array_set_size (rows, 0);
}

static void
fill_preview (ObImportDialog *self)
{
  ObImportPreview *preview = self->preview;
  GtkWidget *child;
  guint n_columns = g_strv_length (preview->header);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->preview_grid))) != NULL)
    gtk_grid_remove (self->preview_grid, child);

  for (guint c = 0; c < n_columns; c++)
    {
      GtkWidget *label = gtk_label_new (preview->header[c]);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_grid_attach (self->preview_grid, label, (int) c, 0, 1, 1);

      for (guint r = 0; r < preview->rows->len; r++)
        {
          GStrv row = g_ptr_array_index (preview->rows, r);
          GtkWidget *cell = gtk_label_new (c < g_strv_length (row) ? row[c] : "");

          gtk_label_set_xalign (GTK_LABEL (cell), 0);
          gtk_label_set_ellipsize (GTK_LABEL (cell), PANGO_ELLIPSIZE_END);
          gtk_label_set_max_width_chars (GTK_LABEL (cell), 24);
          gtk_label_set_single_line_mode (GTK_LABEL (cell), TRUE);
          gtk_grid_attach (self->preview_grid, cell, (int) c, (int) r + 1, 1, 1);
        }
    }

  /* One row per column, with what it becomes. */
  clear_container (GTK_WIDGET (self->mapping_group), self->mapping_rows);
  for (guint c = 0; c < preview->mapping->len; c++)
    {
      ObImportColumn *column = g_ptr_array_index (preview->mapping, c);
      GtkWidget *row = adw_combo_row_new ();
      g_autoptr(GtkStringList) labels = field_labels ();
      guint selected = 0;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), column->header);
      if (preview->rows->len > 0)
        {
          GStrv first = g_ptr_array_index (preview->rows, 0);

          if (c < g_strv_length (first))
            adw_action_row_set_subtitle (ADW_ACTION_ROW (row), first[c]);
        }
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        if (fields[f] == column->field)
          selected = f;
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);
      g_object_set_data_full (G_OBJECT (row), "header", g_strdup (column->header), g_free);
      g_signal_connect_object (row, "notify::selected", G_CALLBACK (on_mapping_changed), self,
                               G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->mapping_group, row);
      g_ptr_array_add (self->mapping_rows, row);
    }

  /* What was detected, changeable; without re-reading on our own change. */
  self->updating = TRUE;
  {
    g_autofree char *detected = g_strdup_printf (_("Detected: %s"), preview->encoding);

    gtk_string_list_splice (self->encodings, 0, 1, (const char *[]) { detected, NULL });
  }
  for (guint d = 0; d < G_N_ELEMENTS (delimiters); d++)
    if (delimiters[d] == preview->delimiter)
      adw_combo_row_set_selected (self->delimiter_row, d);
  self->updating = FALSE;

  {
    g_autofree char *name = g_file_get_basename (self->file);
    g_autofree char *escaped = g_markup_escape_text (name, -1);

    adw_preferences_group_set_title (self->file_group, escaped);
  }
  gtk_stack_set_visible_child_name (self->stack, "setup");
  on_mapping_changed (self);
}

typedef struct
{
  char *path;
  char *encoding;
  char  delimiter;
} PreviewRequest;

static void
preview_request_free (PreviewRequest *request)
{
  g_free (request->path);
  g_free (request->encoding);
  g_free (request);
}

static void
preview_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PreviewRequest *request = task_data;
  GError *error = NULL;
  ObImportPreview *preview;

  preview = ob_import_preview (request->path, request->encoding, request->delimiter,
                               PREVIEW_ROWS, cancellable, &error);
  if (preview == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, preview, (GDestroyNotify) ob_import_preview_free);
}

static void
preview_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ObImportDialog *self = OB_IMPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;
  ObImportPreview *preview;

  preview = g_task_propagate_pointer (G_TASK (result), &error);
  if (preview == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Could Not Read the File"), error);
      return;
    }

  g_clear_pointer (&self->preview, ob_import_preview_free);
  self->preview = preview;
  fill_preview (self);
}

static const char *
chosen_encoding (ObImportDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->encoding_row);

  return selected > 0 && selected <= G_N_ELEMENTS (encodings) ? encodings[selected - 1].name
                                                                : NULL;
}

static char
chosen_delimiter (ObImportDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->delimiter_row);

  return selected < G_N_ELEMENTS (delimiters) ? delimiters[selected] : 0;
}

static void
load_preview (ObImportDialog *self,
              gboolean        detect)
{
  g_autoptr(GTask) task = NULL;
  PreviewRequest *request = g_new0 (PreviewRequest, 1);

  request->path = g_file_get_path (self->file);
  request->encoding = detect ? NULL : g_strdup (chosen_encoding (self));
  request->delimiter = detect ? 0 : chosen_delimiter (self);

  gtk_stack_set_visible_child_name (self->stack, "loading");
  task = g_task_new (self, self->cancellable, preview_done_cb, NULL);
  g_task_set_task_data (task, request, (GDestroyNotify) preview_request_free);
  g_task_run_in_thread (task, preview_thread);
}

static void
on_format_changed (ObImportDialog *self)
{
  if (!self->updating && self->preview != NULL)
    load_preview (self, FALSE);
}

static void
add_count_row (ObImportDialog *self,
               const char     *title,
               guint64         count)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *text = g_strdup_printf ("%'llu", (unsigned long long) count);
  GtkWidget *label = gtk_label_new (text);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (self->report_group, row);
  g_ptr_array_add (self->report_rows, row);
}

static void
show_report (ObImportDialog *self)
{
  ObImportReport *report = self->report;
  g_autofree char *title = NULL;
  guint shown;

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u New Prospect",
                                        "%'u New Prospects", (gulong) report->imported),
                           (guint) report->imported);
  adw_preferences_group_set_title (self->report_group, title);

  add_count_row (self, _("Rows read"), report->rows);
  add_count_row (self, _("Imported"), report->imported);
  add_count_row (self, _("Updated (empty fields filled, tags added)"), report->updated);
  add_count_row (self, _("Already up to date"), report->unchanged);
  for (guint r = 0; r < OB_IMPORT_N_SKIPS; r++)
    if (report->skipped_by_reason[r] > 0)
      add_count_row (self, ob_import_skip_describe (r), report->skipped_by_reason[r]);

  shown = MIN (report->skipped_rows->len, REPORT_ROWS_SHOWN);
  for (guint i = 0; i < shown; i++)
    {
      ObImportSkippedRow *skipped = &g_array_index (report->skipped_rows, ObImportSkippedRow, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *line = g_strdup_printf (_("Line %'llu"), (unsigned long long) skipped->line);
      g_autofree char *subtitle = g_strdup_printf ("%s — %s",
                                                   ob_import_skip_describe (skipped->reason),
                                                   skipped->detail != NULL ? skipped->detail : "");
      g_autofree char *escaped = g_markup_escape_text (subtitle, -1);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line);
      /* Row subtitles are markup: the file's text must not be. */
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      adw_preferences_group_add (self->skipped_group, row);
      g_ptr_array_add (self->report_rows, row);
    }
  if (report->skipped_rows->len > shown)
    {
      g_autofree char *more =
        g_strdup_printf (_("%'u more in the saved report"), report->skipped_rows->len - shown);

      adw_preferences_group_set_description (self->skipped_group, more);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->skipped_group), report->skipped_rows->len > 0);

  gtk_stack_set_visible_child_name (self->stack, "report");
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->import_button, FALSE);
  gtk_widget_set_visible (self->done_button, TRUE);
  gtk_widget_grab_focus (self->done_button);
}

typedef struct
{
  ObImportDialog   *dialog;
  ObImportProgress  progress;
} ProgressUpdate;

static gboolean
show_progress (gpointer user_data)
{
  ProgressUpdate *update = user_data;
  ObImportDialog *self = update->dialog;
  g_autofree char *text = NULL;

  if (update->progress.bytes_total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   (double) update->progress.bytes_read /
                                   (double) update->progress.bytes_total);
  if (update->progress.phase == OB_IMPORT_PHASE_FINISHING)
    text = g_strdup (_("Saving…"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u row", "%'u rows",
                                         (gulong) update->progress.rows),
                            (guint) update->progress.rows);
  gtk_progress_bar_set_text (self->progress_bar, text);

  return G_SOURCE_REMOVE;
}

static void
progress_update_free (ProgressUpdate *update)
{
  g_object_unref (update->dialog);
  g_free (update);
}

/* On the import's thread: copy the figures over to the main context. */
static void
on_import_progress (const ObImportProgress *progress,
                    gpointer                user_data)
{
  ObImportDialog *self = user_data;
  ProgressUpdate *update = g_new0 (ProgressUpdate, 1);
  GSource *source = g_idle_source_new ();

  update->dialog = g_object_ref (self);
  update->progress = *progress;
  g_source_set_callback (source, show_progress, update, (GDestroyNotify) progress_update_free);
  g_source_attach (source, g_main_context_default ());
  g_source_unref (source);
}

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ObImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->report = ob_import_run_finish (OB_IMPORT (source), result, &error);
  if (self->report == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Nothing was written: back to the settings, to change or leave. */
          g_clear_object (&self->cancellable);
          self->cancellable = g_cancellable_new ();
          gtk_stack_set_visible_child_name (self->stack, "setup");
          gtk_widget_set_sensitive (self->import_button, TRUE);
          return;
        }
      show_error (self, _("Nothing Was Imported"), error);
      return;
    }

  ob_engine_notify_store_changed (self->engine, "prospects");
  ob_engine_update_search_index (self->engine);
  show_report (self);
}

static GPtrArray *
chosen_mapping (ObImportDialog *self)
{
  GPtrArray *mapping = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_import_column_free);

  for (guint i = 0; i < self->mapping_rows->len; i++)
    {
      AdwComboRow *row = g_ptr_array_index (self->mapping_rows, i);
      ObImportColumn *column = g_new0 (ObImportColumn, 1);

      column->header = g_strdup (g_object_get_data (G_OBJECT (row), "header"));
      column->field = fields[adw_combo_row_get_selected (row)];
      if (column->field == OB_IMPORT_FIELD_CUSTOM)
        column->custom_key = ob_import_header_to_field_name (column->header);
      g_ptr_array_add (mapping, column);
    }

  return mapping;
}

static void
on_import_clicked (ObImportDialog *self)
{
  g_autoptr(ObImport) import = NULL;
  g_autoptr(GPtrArray) mapping = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (self->file);
  g_auto(GStrv) tags = NULL;
  const char *encoding = chosen_encoding (self);

  import = ob_import_new (ob_engine_get_db_path (self->engine), path);
  if (encoding != NULL && !ob_import_set_encoding (import, encoding, &error))
    {
      show_error (self, _("Nothing Was Imported"), error);
      return;
    }
  ob_import_set_delimiter (import, chosen_delimiter (self));
  mapping = chosen_mapping (self);
  ob_import_set_mapping (import, mapping);

  tags = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)), ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_strstrip (tags[i]);
      if (tags[i][0] != '\0')
        ob_import_add_tag (import, tags[i]);
    }

  if (adw_combo_row_get_selected (self->campaign_row) > 0)
    ob_import_set_campaign (import, gtk_string_list_get_string (self->campaign_list,
                                                                adw_combo_row_get_selected (self->campaign_row)));

  /* The app indexes for search in the background, with its own progress. */
  ob_import_set_index_for_search (import, FALSE);
  ob_import_set_progress_func (import, on_import_progress, g_object_ref (self), g_object_unref);

  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_stack_set_visible_child_name (self->stack, "progress");
  gtk_widget_set_sensitive (self->import_button, FALSE);
  ob_import_run_async (import, self->cancellable, import_done_cb, g_object_ref (self));
}

static void
on_cancel_clicked (ObImportDialog *self)
{
  /* During the import, Cancel stops it and keeps the dialog; else it closes. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "progress") == 0)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_done_clicked (ObImportDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
report_saved_cb (GtkNativeDialog *chooser,
                 int              response,
                 gpointer         user_data)
{
  ObImportDialog *self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      csv = ob_import_report_to_csv (self->report);
      if (!g_file_replace_contents (file, csv, strlen (csv), NULL, FALSE,
                                    G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, &error))
        g_warning ("Could not save the report: %s", error->message);
    }
  g_object_unref (chooser);
}

static void
on_save_report_clicked (ObImportDialog *self)
{
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;
  g_autofree char *base = g_file_get_basename (self->file);
  char *dot;

  chooser = gtk_file_chooser_native_new (_("Save Import Report"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  dot = strrchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  /* Translators: the file name of a saved report; %s is the imported file's name. */
  name = g_strdup_printf (_("%s import report.csv"), base);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (report_saved_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
ob_import_dialog_dispose (GObject *object)
{
  ObImportDialog *self = OB_IMPORT_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_IMPORT_DIALOG);
  g_clear_object (&self->engine);
  g_clear_object (&self->file);
  g_clear_object (&self->encodings);
  g_clear_pointer (&self->preview, ob_import_preview_free);
  g_clear_pointer (&self->report, ob_import_report_free);
  g_clear_pointer (&self->mapping_rows, g_ptr_array_unref);
  g_clear_pointer (&self->report_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_import_dialog_parent_class)->dispose (object);
}

static void
ob_import_dialog_class_init (ObImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_import_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-import-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, done_button);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, file_group);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, encoding_row);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, delimiter_row);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, preview_grid);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, mapping_group);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, tags_row);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, campaign_row);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, campaign_list);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, progress_page);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, report_group);
  gtk_widget_class_bind_template_child (widget_class, ObImportDialog, skipped_group);
  gtk_widget_class_bind_template_callback (widget_class, on_format_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_import_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_done_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_report_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_import_dialog_init (ObImportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->mapping_rows = g_ptr_array_new ();
  self->report_rows = g_ptr_array_new ();

  self->encodings = gtk_string_list_new (NULL);
  gtk_string_list_append (self->encodings, _("Detect"));
  for (guint i = 0; i < G_N_ELEMENTS (encodings); i++)
    gtk_string_list_append (self->encodings, _(encodings[i].label));
  self->updating = TRUE;
  adw_combo_row_set_model (self->encoding_row, G_LIST_MODEL (self->encodings));
  self->updating = FALSE;
}

ObImportDialog *
ob_import_dialog_new (ObEngine *engine,
                      GFile    *file)
{
  ObImportDialog *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (OB_TYPE_IMPORT_DIALOG, NULL);
  self->engine = g_object_ref (engine);
  self->file = g_object_ref (file);

  /* Campaigns that can take prospects: not the finished ones. */
  gtk_string_list_append (self->campaign_list, _("None"));
  {
    g_autoptr(GArray) campaigns = ob_campaign_list_open (ob_engine_get_store (engine), NULL);

    for (guint i = 0; campaigns != NULL && i < campaigns->len; i++)
      gtk_string_list_append (self->campaign_list, g_array_index (campaigns, ObCampaignChoice, i).label);
    gtk_widget_set_visible (GTK_WIDGET (self->campaign_row),
                            g_list_model_get_n_items (G_LIST_MODEL (self->campaign_list)) > 1);
  }

  return self;
}

/* Reads the file for the preview; the dialog shows a spinner meanwhile. */
void
ob_import_dialog_start (ObImportDialog *self)
{
  g_return_if_fail (OB_IS_IMPORT_DIALOG (self));

  load_preview (self, TRUE);
}

/* What the Import button does: import with the settings shown. */
void
ob_import_dialog_import (ObImportDialog *self)
{
  g_return_if_fail (OB_IS_IMPORT_DIALOG (self));
  g_return_if_fail (gtk_widget_get_sensitive (self->import_button));

  on_import_clicked (self);
}

/**
 * ob_import_dialog_get_state:
 *
 * Returns: the step shown: "loading", "error", "setup", "progress" or "report"
 */
const char *
ob_import_dialog_get_state (ObImportDialog *self)
{
  g_return_val_if_fail (OB_IS_IMPORT_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}
