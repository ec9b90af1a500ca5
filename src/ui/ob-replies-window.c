/* ob-replies-window.c: the replies and auto-replies, with the rep's labels
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The latest OB_REPLIES_DEFAULT_LIMIT replies and auto-replies, newest
 * first, read on a worker thread (ob_replies_list_async: ~0.4 s for 500
 * rows over a million events) and read again, debounced, when the store
 * changes (but not for each send). Each reply has three toggle buttons
 * for the rep's label (interested, not interested, not now: a short write
 * on the main connection) and a button that opens the thread in the rep's
 * mail client. A reload keeps the focus on the row it was on.
 */

#define G_LOG_DOMAIN "ob-replies-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-replies.h"
#include "ob-replies-window.h"

#define RELOAD_DELAY_MS 300
#define FIRST_LINES_CHARS 160

struct _ObRepliesWindow
{
  AdwWindow        parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkLabel        *summary_label;
  GtkListBox      *list;

  /* owned */
  ObEngine        *engine;
  GCancellable    *cancellable;
  GPtrArray       *replies;          /* ObReply, as shown */
  guint            reload_source;
  guint            n_rows;
  guint            n_loads;
  gboolean         updating;         /* setting toggles from the store */
};

G_DEFINE_FINAL_TYPE (ObRepliesWindow, ob_replies_window, ADW_TYPE_WINDOW)

static void reload (ObRepliesWindow *self);

static void
show_error (ObRepliesWindow *self,
            const char      *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static const ObReply *
reply_of (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "reply");
}

static void
on_label_toggled (GtkToggleButton *button,
                  ObRepliesWindow *self)
{
  const ObReply *reply = reply_of (GTK_WIDGET (button));
  ObReplyLabel label = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "label"));
  g_autoptr(GError) error = NULL;

  if (self->updating || !gtk_toggle_button_get_active (button) || reply == NULL)
    return;
  if (!ob_replies_set_label (ob_engine_get_store (self->engine), reply->event_id, label, &error))
    {
      show_error (self, error->message);
      reload (self);
      return;
    }
  ob_engine_notify_store_changed (self->engine, "events");
}

static void
on_open_clicked (GtkButton       *button,
                 ObRepliesWindow *self)
{
  const ObReply *reply = reply_of (GTK_WIDGET (button));
  g_autofree char *uri = reply != NULL ? ob_reply_mail_uri (reply) : NULL;

  if (uri == NULL)
    {
      show_error (self, _("This reply has no address to open"));
      return;
    }
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static char *
format_time (gint64 at)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (at);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    /* Translators: a time today, strftime format */
    return g_date_time_format (time, _("Today %H:%M"));
  /* Translators: a date and time, strftime format */
  return g_date_time_format (time, _("%e %b %Y %H:%M"));
}

static char *
describe_origin (const ObReply *r)
{
  g_autofree char *when = format_time (r->at);
  const char *campaign = r->campaign[0] != '\0' ? r->campaign : _("No campaign");

  if (r->step > 0)
    /* Translators: campaign name, step number, date and time */
    return g_strdup_printf (_("%s · step %u · %s"), campaign, r->step, when);
  /* Translators: campaign name, date and time */
  return g_strdup_printf (_("%s · %s"), campaign, when);
}

static GtkWidget *
make_label_buttons (ObRepliesWindow *self,
                    const ObReply   *reply)
{
  static const struct { ObReplyLabel label; const char *text; } labels[] = {
    { OB_REPLY_LABEL_INTERESTED, N_("Interested") },
    { OB_REPLY_LABEL_NOT_INTERESTED, N_("Not Interested") },
    { OB_REPLY_LABEL_NOT_NOW, N_("Not Now") },
  };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkToggleButton *first = NULL;

  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("How the reply went"), -1);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (_(labels[i].text));

      g_object_set_data (G_OBJECT (button), "reply", (gpointer) reply);
      g_object_set_data (G_OBJECT (button), "label", GUINT_TO_POINTER (labels[i].label));
      if (first == NULL)
        first = GTK_TOGGLE_BUTTON (button);
      else
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), first);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), reply->label == labels[i].label);
      g_signal_connect_object (button, "toggled", G_CALLBACK (on_label_toggled), self, 0);
      gtk_box_append (GTK_BOX (box), button);
    }
  return box;
}

static GtkWidget *
make_row (ObRepliesWindow *self,
          const ObReply   *r)
{
  gboolean automatic = g_str_equal (r->kind, "auto_replied");
  gboolean colleague = g_str_equal (r->kind, "colleague_replied");
  const char *who = r->name[0] != '\0' ? r->name : r->email;
  g_autofree char *title = NULL;
  g_autofree char *origin = describe_origin (r);
  g_autofree char *first = ob_reply_first_line (r->snippet, FIRST_LINES_CHARS);
  g_autofree char *text = NULL;
  g_autofree char *accessible = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon, *label, *buttons, *open;

  if (automatic && r->return_date[0] != '\0')
    /* Translators: %s is a prospect's name, then a date */
    title = g_strdup_printf (_("Automatic reply from %s, back on %s"), who, r->return_date);
  else if (automatic)
    /* Translators: %s is a prospect's name or address */
    title = g_strdup_printf (_("Automatic reply from %s"), who);
  else if (colleague && r->from[0] != '\0')
    /* Translators: a colleague's address, then the prospect's name */
    title = g_strdup_printf (_("%s, a colleague of %s"), r->from, who);
  else
    title = g_strdup (who);
  if (first == NULL)
    first = g_strdup (r->subject);

  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  icon = gtk_image_new_from_icon_name (automatic ? "mail-replied-symbolic" : "mail-reply-sender-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  automatic ? _("Automatic reply") : _("Reply"), -1);
  gtk_box_append (GTK_BOX (top), icon);
  label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (top), label);
  gtk_box_append (GTK_BOX (box), top);

  label = gtk_label_new (origin);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), label);

  if (first != NULL && first[0] != '\0')
    {
      label = gtk_label_new (first);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (label), 2);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_selectable (GTK_LABEL (label), FALSE);
      gtk_box_append (GTK_BOX (box), label);
    }

  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  if (!automatic)
    {
      buttons = make_label_buttons (self, r);
      gtk_box_append (GTK_BOX (top), buttons);
    }
  open = gtk_button_new_with_mnemonic (_("_Open in Mail"));
  gtk_widget_set_tooltip_text (open, _("Open the conversation in your mail app"));
  gtk_widget_set_halign (open, GTK_ALIGN_END);
  gtk_widget_set_hexpand (open, TRUE);
  g_object_set_data (G_OBJECT (open), "reply", (gpointer) r);
  g_signal_connect_object (open, "clicked", G_CALLBACK (on_open_clicked), self, 0);
  gtk_box_append (GTK_BOX (top), open);
  gtk_box_append (GTK_BOX (box), top);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  accessible = g_strdup_printf ("%s, %s", title, origin);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_object_set_data_full (G_OBJECT (row), "event", g_memdup2 (&r->event_id, sizeof r->event_id), g_free);
  return row;
}

static gint64
focused_event (ObRepliesWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  for (; focus != NULL; focus = gtk_widget_get_parent (focus))
    if (GTK_IS_LIST_BOX_ROW (focus) && g_object_get_data (G_OBJECT (focus), "event") != NULL)
      return *(gint64 *) g_object_get_data (G_OBJECT (focus), "event");
  return 0;
}

static void
show_replies (ObRepliesWindow *self,
              GPtrArray       *replies)
{
  gint64 focus = focused_event (self);
  GtkWidget *child;
  guint n_replies = 0, n_auto = 0;
  g_autofree char *replies_text = NULL;
  g_autofree char *auto_text = NULL;
  g_autofree char *summary = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->replies, g_ptr_array_unref);
  self->replies = g_ptr_array_ref (replies);

  self->updating = TRUE;
  for (guint i = 0; i < replies->len; i++)
    {
      const ObReply *r = g_ptr_array_index (replies, i);
      GtkWidget *row = make_row (self, r);

      if (g_str_equal (r->kind, "auto_replied"))
        n_auto++;
      else
        n_replies++;
      gtk_list_box_append (self->list, row);
      if (focus != 0 && r->event_id == focus)
        gtk_widget_grab_focus (row);
    }
  self->updating = FALSE;
  self->n_rows = replies->len;

  replies_text = g_strdup_printf (ngettext ("%u reply", "%u replies", n_replies), n_replies);
  auto_text = g_strdup_printf (ngettext ("%u automatic reply", "%u automatic replies", n_auto), n_auto);
  if (replies->len >= OB_REPLIES_DEFAULT_LIMIT)
    /* Translators: "12 replies and 3 automatic replies", the latest ones only */
    summary = g_strdup_printf (_("The latest %s and %s"), replies_text, auto_text);
  else
    /* Translators: "12 replies and 3 automatic replies" */
    summary = g_strdup_printf (_("%s and %s"), replies_text, auto_text);
  gtk_label_set_label (self->summary_label, summary);
  gtk_stack_set_visible_child_name (self->stack, replies->len > 0 ? "list" : "empty");
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ObRepliesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) replies = ob_replies_list_finish (result, &error);

  if (replies == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  self->n_loads++;
  show_replies (self, replies);
}

static void
reload (ObRepliesWindow *self)
{
  if (self->engine == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_replies_list_async (ob_engine_get_db_path (self->engine), OB_REPLIES_DEFAULT_LIMIT,
                         self->cancellable, loaded_cb, g_object_ref (self));
}

static gboolean
reload_timeout (gpointer data)
{
  ObRepliesWindow *self = data;

  self->reload_source = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

static void
on_store_changed (ObRepliesWindow *self,
                  const char      *table)
{
  /* A send changes no reply; the watcher's events come with "enrollments". */
  if (g_strcmp0 (table, "sends") == 0 || g_strcmp0 (table, "accounts") == 0)
    return;
  if (self->reload_source == 0)
    self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_timeout, self);
}

static void
ob_replies_window_dispose (GObject *object)
{
  ObRepliesWindow *self = OB_REPLIES_WINDOW (object);

  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_REPLIES_WINDOW);
  G_OBJECT_CLASS (ob_replies_window_parent_class)->dispose (object);
}

static void
ob_replies_window_finalize (GObject *object)
{
  ObRepliesWindow *self = OB_REPLIES_WINDOW (object);

  g_clear_pointer (&self->replies, g_ptr_array_unref);
  G_OBJECT_CLASS (ob_replies_window_parent_class)->finalize (object);
}

static void
ob_replies_window_class_init (ObRepliesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_replies_window_dispose;
  object_class->finalize = ob_replies_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/ob-replies-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObRepliesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObRepliesWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ObRepliesWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ObRepliesWindow, list);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_replies_window_init (ObRepliesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

ObRepliesWindow *
ob_replies_window_new (ObEngine *engine)
{
  ObRepliesWindow *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);

  self = g_object_new (OB_TYPE_REPLIES_WINDOW, NULL);
  self->engine = g_object_ref (engine);
  g_signal_connect_object (engine, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  reload (self);
  return self;
}

guint
ob_replies_window_get_n_rows (ObRepliesWindow *self)
{
  g_return_val_if_fail (OB_IS_REPLIES_WINDOW (self), 0);
  return self->n_rows;
}

guint
ob_replies_window_get_n_loads (ObRepliesWindow *self)
{
  g_return_val_if_fail (OB_IS_REPLIES_WINDOW (self), 0);
  return self->n_loads;
}
