/* ui-helpers.c: what the UI tests and the UI benchmark share
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ui-helpers.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

/* Spin the main loop until the condition holds, never for a fixed time. */
void
wait_until (Condition condition,
            gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
count_paint (GdkFrameClock *clock,
             guint         *n_paints)
{
  (*n_paints)++;
}

static gboolean
painted_once (gpointer data)
{
  return *(guint *) data >= 1;
}

static gboolean
painted_twice (gpointer data)
{
  return *(guint *) data >= 2;
}

static gboolean
no_transition_running (gpointer data)
{
  GtkWidget *widget = data;

  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return FALSE;
  if (ADW_IS_FLAP (widget) &&
      adw_flap_get_reveal_progress (ADW_FLAP (widget)) !=
      (adw_flap_get_reveal_flap (ADW_FLAP (widget)) ? 1.0 : 0.0))
    return FALSE;
  if (ADW_IS_SQUEEZER (widget) && adw_squeezer_get_transition_running (ADW_SQUEEZER (widget)))
    return FALSE;
  if (GTK_IS_REVEALER (widget) &&
      gtk_revealer_get_child_revealed (GTK_REVEALER (widget)) !=
      gtk_revealer_get_reveal_child (GTK_REVEALER (widget)))
    return FALSE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!no_transition_running (child))
      return FALSE;
  return TRUE;
}

/* Waits until the window has drawn what the last change asked for, so a
 * screenshot shows the end state and not a crossfade halfway through. */
void
wait_for_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint n_paints = 0;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_paint), &n_paints);
  /* Two frames, each asked for: the first may still hold a layout the
   * second settles. Nothing else need be animating for them to come. */
  gtk_widget_queue_draw (widget);
  wait_until (painted_once, &n_paints);
  gtk_widget_queue_draw (widget);
  wait_until (painted_twice, &n_paints);
  g_signal_handler_disconnect (clock, id);
  wait_until (no_transition_running, widget);
}

void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("OUTBOUND_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  int width, height;

  /* A window that has not been drawn yet snapshots to nothing: draw again. */
  for (int attempt = 0; node == NULL; attempt++)
    {
      g_assert_cmpint (attempt, <, 50);
      wait_for_paint (widget);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_assert_cmpint (width, >, 0);

      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir != NULL ? dir : ".", file, NULL);
  g_mkdir_with_parents (dir != NULL ? dir : ".", 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

gpointer
find_descendant (GtkWidget *root,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GListModel *model;
  guint       n;
} ModelCount;

static gboolean
model_has_n (gpointer data)
{
  ModelCount *c = data;

  return g_list_model_get_n_items (c->model) == c->n;
}

void
wait_for_rows (GListModel *model,
               guint       n)
{
  ModelCount c = { model, n };

  wait_until (model_has_n, &c);
}

/* Not G_TEST_OPTION_ISOLATE_DIRS: it also hides XDG_DATA_DIRS, and with it
 * the MIME database GTK needs to recognise SVG icons. Private user folders
 * are enough to keep the real home untouched. */
void
isolate_user_dirs (void)
{
  g_autofree char *home = g_dir_make_tmp ("ob-ui-home-XXXXXX", NULL);

  g_assert_nonnull (home);
  g_setenv ("HOME", home, TRUE);
  for (guint i = 0; i < 4; i++)
    {
      static const char *vars[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                    "XDG_STATE_HOME" };
      g_autofree char *dir = g_build_filename (home, vars[i], NULL);

      g_setenv (vars[i], dir, TRUE);
    }
}
