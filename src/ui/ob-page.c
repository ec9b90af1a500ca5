/* ob-page.c: base class of the main window's pages
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page shows either its empty state (an AdwStatusPage that says what to do
 * first) or its content. Subclasses put both in a GtkStack child with pages
 * "empty" and "content", and fill the content in refresh(). The window hands
 * every page the same figures, counted once on a worker thread.
 */

#define G_LOG_DOMAIN "ob-page"

#include "config.h"

#include "ob-page.h"

typedef struct
{
  /* owned */
  ObEngine *engine;
  gboolean  empty;
} ObPagePrivate;

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_EMPTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ObPage, ob_page, ADW_TYPE_BIN)

static void
ob_page_dispose (GObject *object)
{
  ob_page_set_engine (OB_PAGE (object), NULL);

  G_OBJECT_CLASS (ob_page_parent_class)->dispose (object);
}

static void
ob_page_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  ObPage *self = OB_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, ob_page_get_engine (self));
      break;

    case PROP_EMPTY:
      g_value_set_boolean (value, ob_page_is_empty (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_page_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  ObPage *self = OB_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      ob_page_set_engine (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_page_class_init (ObPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_page_dispose;
  object_class->get_property = ob_page_get_property;
  object_class->set_property = ob_page_set_property;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, OB_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_page_init (ObPage *self)
{
  ObPagePrivate *priv = ob_page_get_instance_private (self);

  priv->empty = TRUE;
}

static GtkStack *
find_stack (ObPage *self)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (self));

  g_return_val_if_fail (GTK_IS_STACK (child), NULL);
  return GTK_STACK (child);
}

static void
set_empty (ObPage   *self,
           gboolean  empty)
{
  ObPagePrivate *priv = ob_page_get_instance_private (self);

  gtk_stack_set_visible_child_name (find_stack (self), empty ? "empty" : "content");

  if (priv->empty != empty)
    {
      priv->empty = empty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
    }
}

void
ob_page_update_presence (ObPage                *self,
                         const ObStorePresence *presence)
{
  g_return_if_fail (OB_IS_PAGE (self));
  g_return_if_fail (presence != NULL);

  set_empty (self, !OB_PAGE_GET_CLASS (self)->has_content (self, presence));
}

void
ob_page_update (ObPage              *self,
                const ObStoreCounts *counts)
{
  ObStorePresence presence;

  g_return_if_fail (OB_IS_PAGE (self));
  g_return_if_fail (counts != NULL);

  if (OB_PAGE_GET_CLASS (self)->refresh != NULL)
    OB_PAGE_GET_CLASS (self)->refresh (self, counts);
  ob_store_presence_from_counts (counts, &presence);
  ob_page_update_presence (self, &presence);
}

ObEngine *
ob_page_get_engine (ObPage *self)
{
  ObPagePrivate *priv = ob_page_get_instance_private (self);

  g_return_val_if_fail (OB_IS_PAGE (self), NULL);

  return priv->engine;
}

void
ob_page_set_engine (ObPage   *self,
                    ObEngine *engine)
{
  ObPagePrivate *priv = ob_page_get_instance_private (self);

  g_return_if_fail (OB_IS_PAGE (self));
  g_return_if_fail (engine == NULL || OB_IS_ENGINE (engine));

  if (priv->engine == engine)
    return;

  g_set_object (&priv->engine, engine);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
}

gboolean
ob_page_is_empty (ObPage *self)
{
  ObPagePrivate *priv = ob_page_get_instance_private (self);

  g_return_val_if_fail (OB_IS_PAGE (self), TRUE);

  return priv->empty;
}

/* A count with the locale's digit grouping ("1 234 567" in Polish). */
void
ob_page_show_count (GtkLabel *label,
                    gint64    value)
{
  g_autofree char *text = g_strdup_printf ("%'lld", (long long) value);

  gtk_label_set_label (label, text);
}
