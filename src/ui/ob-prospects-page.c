/* ob-prospects-page.c: the Prospects page: the list, search, filters, editor
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is an ObProspectModel (ids from sqlite, rows built on demand), so
 * a million prospects cost a few MB and no main-loop wait. Deleting hides the
 * rows at once and offers Undo; the rows are really deleted when the toast
 * goes away (or the window closes).
 */

#define G_LOG_DOMAIN "ob-prospects-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-dnc.h"
#include "ob-dnc-window.h"
#include "ob-export.h"
#include "ob-prospect-editor.h"
#include "ob-prospect-model.h"
#include "ob-prospects-page.h"

struct _ObProspectsPage
{
  ObPage              parent_instance;

  /* template widgets */
  AdwFlap            *flap;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *status_filter;
  GtkDropDown        *sort_order;
  GtkDropDown        *campaign_filter;
  GtkDropDown        *tag_filter;
  GtkStringList      *campaign_names;
  GtkStringList      *tag_names;
  GtkMenuButton      *filter_button;
  GtkMenuButton      *enroll_button;
  GtkLabel           *count_label;
  GtkLabel           *index_label;
  GtkSpinner         *spinner;
  GtkStack           *list_stack;
  GtkColumnView      *column_view;
  GtkActionBar       *selection_bar;
  GtkLabel           *selection_label;
  ObProspectEditor   *editor;

  /* owned */
  ObProspectModel    *model;
  GtkMultiSelection  *selection;
  /* ids deleted but still undoable: hidden from the list */
  GHashTable         *pending_delete;
  AdwToast           *delete_toast;
  /* ids of the campaigns and tags in the filter lists, after "any" */
  GArray             *campaign_ids;
  GArray             *tag_ids;
  gboolean            loading_filters;
  /* a column header's sort, which wins over the sort dropdown */
  gboolean            header_sort_active;
  ObProspectSort      header_sort;
  gboolean            header_sort_descending;
};

G_DEFINE_FINAL_TYPE (ObProspectsPage, ob_prospects_page, OB_TYPE_PAGE)

static const char *status_values[] = { NULL, "active", "replied", "bounced", "opted_out" };

static void
update_count (ObProspectsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  gboolean loading = ob_prospect_model_get_loading (self->model);
  g_autofree char *text = NULL;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u prospect", "%'u prospects", n), n);
  gtk_label_set_label (self->count_label, text);
  gtk_spinner_set_spinning (self->spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  if (!loading)
    gtk_stack_set_visible_child_name (self->list_stack, n > 0 ? "list" : "no-results");
}

static void
apply_query (ObProspectsPage *self)
{
  ObProspectQuery query = { 0 };
  guint status = gtk_drop_down_get_selected (self->status_filter);
  guint sort = gtk_drop_down_get_selected (self->sort_order);
  static const struct { ObProspectSort sort; gboolean descending; } sorts[] = {
    { OB_PROSPECT_SORT_ADDED, TRUE },
    { OB_PROSPECT_SORT_ADDED, FALSE },
    { OB_PROSPECT_SORT_NAME, FALSE },
    { OB_PROSPECT_SORT_EMAIL, FALSE },
    { OB_PROSPECT_SORT_COMPANY, FALSE },
    { OB_PROSPECT_SORT_STATUS, FALSE },
  };

  if (self->model == NULL)
    return;

  if (self->loading_filters)
    return;

  query.search = (char *) gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  {
    guint campaign = gtk_drop_down_get_selected (self->campaign_filter);
    guint tag = gtk_drop_down_get_selected (self->tag_filter);

    if (campaign > 0 && campaign <= self->campaign_ids->len)
      query.campaign_id = g_array_index (self->campaign_ids, gint64, campaign - 1);
    if (tag > 0 && tag <= self->tag_ids->len)
      query.tag_id = g_array_index (self->tag_ids, gint64, tag - 1);
    /* The button shows that a filter hides rows. */
    if (query.campaign_id != 0 || query.tag_id != 0)
      gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "accent");
    else
      gtk_widget_remove_css_class (GTK_WIDGET (self->filter_button), "accent");
  }
  query.status = status < G_N_ELEMENTS (status_values) ? (char *) status_values[status] : NULL;
  if (self->header_sort_active)
    {
      query.sort = self->header_sort;
      query.descending = self->header_sort_descending;
    }
  else if (sort < G_N_ELEMENTS (sorts))
    {
      query.sort = sorts[sort].sort;
      query.descending = sorts[sort].descending;
    }
  ob_prospect_model_set_query (self->model, &query);
}

static void
on_search_changed (ObProspectsPage *self)
{
  apply_query (self);
}

static void
on_filter_changed (ObProspectsPage *self)
{
  apply_query (self);
}

static void
on_sort_order_changed (ObProspectsPage *self)
{
  /* The dropdown takes over from a header: clearing the header sort applies. */
  if (self->header_sort_active)
    gtk_column_view_sort_by_column (self->column_view, NULL, GTK_SORT_ASCENDING);
  else
    apply_query (self);
}

static void
open_editor (ObProspectsPage *self,
             ObProspect      *prospect)
{
  ob_prospect_editor_edit (self->editor, prospect);
  adw_flap_set_reveal_flap (self->flap, TRUE);
}

static void
on_row_activated (ObProspectsPage *self,
                  guint            position)
{
  g_autoptr(ObProspect) prospect = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (prospect != NULL)
    open_editor (self, prospect);
}

static void
on_selection_changed (ObProspectsPage *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (selected);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prospects.delete", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prospects.block", n > 0);

  if (n == 1)
    {
      g_autoptr(ObProspect) prospect =
        g_list_model_get_item (G_LIST_MODEL (self->model), gtk_bitset_get_nth (selected, 0));

      if (prospect != NULL)
        open_editor (self, prospect);
    }
  else if (n > 1)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u selected", "%'u selected", (gulong) n),
                         (guint) n);

      gtk_label_set_label (self->selection_label, text);
      adw_flap_set_reveal_flap (self->flap, FALSE);
    }
  if (n == 1)
    gtk_label_set_label (self->selection_label, "");
  gtk_action_bar_set_revealed (self->selection_bar, n > 0);
}

static void
on_editor_saved (ObProspectsPage *self,
                 ObProspect      *prospect)
{
  ob_prospect_model_forget (self->model, ob_prospect_get_id (prospect));
}

static void
on_editor_closed (ObProspectsPage *self)
{
  adw_flap_set_reveal_flap (self->flap, FALSE);
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  GtkStack *stack = GTK_STACK (adw_bin_get_child (ADW_BIN (self)));

  /* From the empty state too: the editor lives beside the list. */
  gtk_stack_set_visible_child_name (stack, "content");
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  open_editor (self, NULL);
}

static void
commit_pending_delete (ObProspectsPage *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  GHashTableIter iter;
  gint64 *id;

  if (g_hash_table_size (self->pending_delete) == 0 || engine == NULL)
    return;

  g_hash_table_iter_init (&iter, self->pending_delete);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_array_append_val (ids, *id);

  if (!ob_prospects_delete (ob_engine_get_store (engine), (gint64 *) ids->data, ids->len, &error))
    g_warning ("Could not delete prospects: %s", error->message);

  g_hash_table_remove_all (self->pending_delete);
  ob_engine_notify_store_changed (engine, "prospects");
}

static void
on_delete_toast_dismissed (ObProspectsPage *self)
{
  g_clear_object (&self->delete_toast);
  commit_pending_delete (self);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);

  g_hash_table_remove_all (self->pending_delete);
  ob_prospect_model_reload (self->model);
  if (self->delete_toast != NULL)
    adw_toast_dismiss (self->delete_toast);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  g_autoptr(GtkBitset) selected = NULL;
  g_autofree char *title = NULL;
  GtkBitsetIter iter;
  guint position;
  guint n = 0;
  GtkWidget *window;

  /* A delete still waiting for its toast to go is done first. */
  if (self->delete_toast != NULL)
    adw_toast_dismiss (self->delete_toast);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (gtk_bitset_is_empty (selected) && adw_flap_get_reveal_flap (self->flap))
    {
      ObProspect *shown = ob_prospect_editor_get_prospect (self->editor);
      gint64 id = ob_prospect_get_id (shown);

      if (id != 0)
        {
          g_hash_table_add (self->pending_delete, g_memdup2 (&id, sizeof id));
          n = 1;
        }
    }

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(ObProspect) prospect = g_list_model_get_item (G_LIST_MODEL (self->model), position);
      gint64 id = ob_prospect_get_id (prospect);

      g_hash_table_add (self->pending_delete, g_memdup2 (&id, sizeof id));
      n++;
    }
  if (n == 0)
    return;

  adw_flap_set_reveal_flap (self->flap, FALSE);
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  ob_prospect_model_hide (self->model, self->pending_delete);

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u prospect deleted",
                                        "%'u prospects deleted", n), n);
  self->delete_toast = g_object_ref (adw_toast_new (title));
  adw_toast_set_button_label (self->delete_toast, _("_Undo"));
  adw_toast_set_action_name (self->delete_toast, "prospects.undo-delete");
  adw_toast_set_priority (self->delete_toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (self->delete_toast, "dismissed",
                           G_CALLBACK (on_delete_toast_dismissed), self, G_CONNECT_SWAPPED);

  window = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (window != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (window), g_object_ref (self->delete_toast));
  else
    commit_pending_delete (self);
}

static void
dnc_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  ObDncWindow *window;

  if (engine == NULL)
    return;

  window = ob_dnc_window_new (engine);
  gtk_window_set_transient_for (GTK_WINDOW (window),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_present (GTK_WINDOW (window));
}

/* Adds the selected prospects' addresses to the do-not-contact list. */
static void
block_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  GtkBitsetIter iter;
  guint position, n = 0;
  GtkWidget *overlay;

  if (engine == NULL)
    return;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok && error == NULL;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(ObProspect) prospect = g_list_model_get_item (G_LIST_MODEL (self->model), position);

      if (ob_dnc_add (ob_engine_get_store (engine), ob_prospect_get_email (prospect),
                      _("Blocked by you"), NULL, &error))
        n++;
    }

  if (error != NULL)
    title = g_strdup (error->message);
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u address will never be written to",
                                          "%'u addresses will never be written to", n), n);
  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
  ob_engine_notify_store_changed (engine, "do_not_contact");
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (OB_PROSPECTS_PAGE (widget)->search_entry));
}

static void
on_index_progress (ObProspectsPage *self,
                   guint64          done,
                   guint64          total)
{
  g_autofree char *text = NULL;

  /* Translators: search keeps working meanwhile, only slower. */
  text = g_strdup_printf (_("Preparing fast search… %u %%"),
                          total > 0 ? (guint) (done * 100 / total) : 0);
  gtk_label_set_label (self->index_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->index_label), TRUE);
}

static void
on_indexing_changed (ObProspectsPage *self)
{
  if (!ob_engine_get_indexing (ob_page_get_engine (OB_PAGE (self))))
    gtk_widget_set_visible (GTK_WIDGET (self->index_label), FALSE);
}

/* Fills a filter list ("any" first) from a small table, keeping the choice. */
static void
load_names (ObStore       *store,
            const char    *sql,
            const char    *any,
            GtkStringList *names,
            GArray        *ids,
            GtkDropDown   *dropdown)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  guint selected = gtk_drop_down_get_selected (dropdown);
  gint64 selected_id = selected > 0 && selected <= ids->len
                       ? g_array_index (ids, gint64, selected - 1) : 0;
  guint new_selected = 0;

  stmt = ob_store_prepare (store, sql, &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }

  g_array_set_size (ids, 0);
  g_ptr_array_add (labels, g_strdup (any));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
      g_ptr_array_add (labels, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
      if (id == selected_id)
        new_selected = ids->len;
    }
  g_ptr_array_add (labels, NULL);

  gtk_string_list_splice (names, 0, g_list_model_get_n_items (G_LIST_MODEL (names)),
                          (const char * const *) labels->pdata);
  gtk_drop_down_set_selected (dropdown, new_selected);
}

static void
reload_filters (ObProspectsPage *self)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  ObStore *store;
  g_autoptr(GMenu) menu = g_menu_new ();

  if (engine == NULL)
    return;
  store = ob_engine_get_store (engine);

  /* Two small tables, by their unique name index: fine on the main thread. */
  self->loading_filters = TRUE;
  load_names (store, "SELECT id, name FROM campaigns ORDER BY name", _("All Campaigns"),
              self->campaign_names, self->campaign_ids, self->campaign_filter);
  load_names (store, "SELECT id, name FROM tags ORDER BY name", _("All Tags"),
              self->tag_names, self->tag_ids, self->tag_filter);
  self->loading_filters = FALSE;

  for (guint i = 0; i < self->campaign_ids->len; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      const char *name = gtk_string_list_get_string (self->campaign_names, i + 1);

      item = g_menu_item_new (name, NULL);
      g_menu_item_set_action_and_target_value (item, "prospects.enroll",
                                               g_variant_new_int64 (g_array_index (self->campaign_ids,
                                                                                   gint64, i)));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->enroll_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->enroll_button), self->campaign_ids->len > 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->enroll_button),
                               self->campaign_ids->len > 0 ? NULL
                                                           : _("Create a campaign first"));
}

static void
on_store_changed (ObProspectsPage *self,
                  const char      *table)
{
  if (g_strcmp0 (table, "campaigns") == 0 || g_strcmp0 (table, "prospects") == 0 ||
      g_strcmp0 (table, "tags") == 0)
    reload_filters (self);
}

static void
toast (ObProspectsPage *self,
       const char      *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

static void
enroll_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(GtkBitset) selected = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  ObEnrollResult result;
  GtkBitsetIter iter;
  guint position;

  if (engine == NULL)
    return;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      gint64 id = ob_prospect_model_get_id (self->model, position);

      g_array_append_val (ids, id);
    }

  if (!ob_prospects_enroll (ob_engine_get_store (engine), g_variant_get_int64 (parameter),
                            (gint64 *) ids->data, ids->len, FALSE, &result, &error))
    {
      toast (self, error->message);
      return;
    }

  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u added to the campaign",
                                             "%u added to the campaign", result.enrolled),
                          result.enrolled);
  if (result.active_elsewhere > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                               "; %u is active in another campaign",
                                               "; %u are active in another campaign",
                                               result.active_elsewhere),
                            result.active_elsewhere);
  if (result.not_active + result.do_not_contact > 0)
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                               "; %u may not be written to",
                                               "; %u may not be written to",
                                               result.not_active + result.do_not_contact),
                            result.not_active + result.do_not_contact);
  toast (self, text->str);
  ob_engine_notify_store_changed (engine, "enrollments");
}

typedef struct
{
  char            *db_path;
  GFile           *file;
  ObExportOptions  options;
  char            *campaign;
  char            *status;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->db_path);
  g_object_unref (job->file);
  g_free (job->campaign);
  g_free (job->status);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(GFileOutputStream) output = NULL;
  GError *error = NULL;
  guint64 rows = 0;

  store = ob_store_open_for_thread (job->db_path, &error);
  if (store != NULL)
    output = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                             cancellable, &error);
  if (output == NULL ||
      !ob_export_write (store, &job->options, G_OUTPUT_STREAM (output), cancellable, &rows, &error) ||
      !g_output_stream_close (G_OUTPUT_STREAM (output), cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, (gssize) rows);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  gssize rows = g_task_propagate_int (G_TASK (result), &error);

  if (error != NULL)
    title = g_strdup_printf (_("Could not export: %s"), error->message);
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u prospect exported",
                                          "%'u prospects exported", (gulong) rows),
                             (guint) rows);
  toast (self, title);
}

/**
 * ob_prospects_page_export:
 *
 * Writes the prospects of the current campaign and status filter to @file
 * as CSV, on a worker thread; a toast says how many.
 */
void
ob_prospects_page_export (ObProspectsPage *self,
                          GFile           *file)
{
  const ObProspectQuery *query = ob_prospect_model_get_query (self->model);
  g_autoptr(GTask) task = g_task_new (self, NULL, export_done_cb, NULL);
  ExportJob *job = g_new0 (ExportJob, 1);
  guint campaign = gtk_drop_down_get_selected (self->campaign_filter);

  job->db_path = g_strdup (ob_engine_get_db_path (ob_page_get_engine (OB_PAGE (self))));
  job->file = g_object_ref (file);
  job->status = g_strdup (query->status);
  if (campaign > 0)
    job->campaign = g_strdup (gtk_string_list_get_string (self->campaign_names, campaign));
  job->options.campaign = job->campaign;
  job->options.status = job->status;
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

static void
export_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  ObProspectsPage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      ob_prospects_page_export (self, file);
    }
  g_object_unref (chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (widget);
  GtkFileChooserNative *chooser;

  if (self->model == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Export Prospects"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("prospects.csv"));
  g_signal_connect (chooser, "response", G_CALLBACK (export_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* The list starts loading as soon as there is an engine, in parallel with
 * the window's first count of the store. */
static void
on_engine_changed (ObProspectsPage *self)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));

  if (engine == NULL || self->model != NULL)
    return;

  self->model = ob_prospect_model_new (engine);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "items-changed",
                           G_CALLBACK (update_count), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::loading",
                           G_CALLBACK (update_count), self, G_CONNECT_SWAPPED);
  ob_prospect_editor_set_engine (self->editor, engine);
  g_signal_connect_object (engine, "search-index-progress",
                           G_CALLBACK (on_index_progress), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "notify::indexing",
                           G_CALLBACK (on_indexing_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "store-changed",
                           G_CALLBACK (on_store_changed), self, G_CONNECT_SWAPPED);
  reload_filters (self);
  apply_query (self);
}

static gboolean
ob_prospects_page_has_content (ObPage                *page,
                               const ObStorePresence *presence)
{
  return presence->prospects;
}

/* Columns: one label each, filled from the row's prospect on bind. */
typedef const char *(*TextGetter) (ObProspect *prospect);

static const char *
get_name (ObProspect *prospect)
{
  char *name = ob_prospect_dup_full_name (prospect);

  /* Kept with the object so the label may borrow it. */
  g_object_set_data_full (G_OBJECT (prospect), "ob-full-name", name, g_free);
  return name;
}

static const char *
get_status (ObProspect *prospect)
{
  return ob_prospect_status_to_string (ob_prospect_get_status (prospect));
}

static void
setup_label (GtkSignalListItemFactory *factory,
             GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_list_item_set_child (item, label);
}

static void
bind_label (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            TextGetter                getter)
{
  ObProspect *prospect = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       prospect != NULL ? getter (prospect) : "");
}

/* Sorting by a column header. The rows are sorted by sqlite, never by GTK,
 * so each column's sorter only tells which header was clicked: GTK 4.8 has
 * no getter for the column view's primary column (4.10 has), so the view's
 * sorter is asked to compare two objects and the first column sorter it
 * consults, and the sign it gives back, say which column and which way. */
static int probed_column;

static int
probe_compare (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  if (probed_column == 0)
    probed_column = GPOINTER_TO_INT (user_data);
  return GTK_ORDERING_SMALLER;
}

static void
on_header_sort_changed (ObProspectsPage *self)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  g_autoptr(ObProspect) a = ob_prospect_new ();
  g_autoptr(ObProspect) b = ob_prospect_new ();
  GtkOrdering order;

  probed_column = 0;
  order = gtk_sorter_compare (sorter, a, b);
  self->header_sort_active = probed_column != 0;
  if (self->header_sort_active)
    {
      self->header_sort = (ObProspectSort) (probed_column - 1);
      self->header_sort_descending = order == GTK_ORDERING_LARGER;
    }
  apply_query (self);
}

static void
add_column (ObProspectsPage *self,
            const char      *title,
            TextGetter       getter,
            gboolean         expand,
            int              sort)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label), getter);
  column = gtk_column_view_column_new (title, factory);
  if (sort >= 0)
    {
      g_autoptr(GtkSorter) sorter =
        GTK_SORTER (gtk_custom_sorter_new (probe_compare, GINT_TO_POINTER (sort + 1), NULL));

      gtk_column_view_column_set_sorter (column, sorter);
    }
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);
}

static void
ob_prospects_page_dispose (GObject *object)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (object);

  /* Closing the window with a delete pending carries it out. */
  if (self->delete_toast != NULL)
    adw_toast_dismiss (self->delete_toast);
  commit_pending_delete (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PROSPECTS_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->delete_toast);

  G_OBJECT_CLASS (ob_prospects_page_parent_class)->dispose (object);
}

static void
ob_prospects_page_finalize (GObject *object)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (object);

  g_hash_table_unref (self->pending_delete);
  g_array_unref (self->campaign_ids);
  g_array_unref (self->tag_ids);

  G_OBJECT_CLASS (ob_prospects_page_parent_class)->finalize (object);
}

static void
ob_prospects_page_class_init (ObProspectsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  object_class->dispose = ob_prospects_page_dispose;
  object_class->finalize = ob_prospects_page_finalize;
  page_class->has_content = ob_prospects_page_has_content;

  g_type_ensure (OB_TYPE_PROSPECT_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-prospects-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, flap);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, status_filter);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, sort_order);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, campaign_filter);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, tag_filter);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, campaign_names);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, tag_names);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, filter_button);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, enroll_button);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, index_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, selection_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, editor);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_sort_order_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_saved);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_closed);

  gtk_widget_class_install_action (widget_class, "prospects.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "prospects.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "prospects.undo-delete", NULL, undo_delete_action);
  gtk_widget_class_install_action (widget_class, "prospects.focus-search", NULL, focus_search_action);
  gtk_widget_class_install_action (widget_class, "prospects.block", NULL, block_action);
  gtk_widget_class_install_action (widget_class, "prospects.enroll", "x", enroll_action);
  gtk_widget_class_install_action (widget_class, "prospects.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "prospects.do-not-contact", NULL, dnc_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "prospects.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "prospects.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "prospects.delete", NULL);
}

static void
ob_prospects_page_init (ObProspectsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->pending_delete = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->campaign_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->tag_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  add_column (self, _("Email"), ob_prospect_get_email, TRUE, OB_PROSPECT_SORT_EMAIL);
  add_column (self, _("Name"), get_name, TRUE, OB_PROSPECT_SORT_NAME);
  add_column (self, _("Company"), ob_prospect_get_company, TRUE, OB_PROSPECT_SORT_COMPANY);
  add_column (self, _("Job Title"), ob_prospect_get_title, FALSE, -1);
  add_column (self, _("Status"), get_status, FALSE, OB_PROSPECT_SORT_STATUS);
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_header_sort_changed), self, G_CONNECT_SWAPPED);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self->column_view));
  g_signal_connect (self, "notify::engine", G_CALLBACK (on_engine_changed), NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prospects.delete", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prospects.block", FALSE);
}

void
ob_prospects_page_search (ObProspectsPage *self,
                          const char      *text)
{
  g_return_if_fail (OB_IS_PROSPECTS_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
}
