/* ob-prospects-page.c: the Prospects page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-prospects-page"

#include "config.h"

#include "ob-prospects-page.h"

struct _ObProspectsPage
{
  ObPage    parent_instance;

  /* template widgets */
  GtkLabel *total_label;
  GtkLabel *active_label;
  GtkLabel *replied_label;
  GtkLabel *bounced_label;
  GtkLabel *opted_out_label;
  GtkLabel *blocked_label;
};

G_DEFINE_FINAL_TYPE (ObProspectsPage, ob_prospects_page, OB_TYPE_PAGE)

static gboolean
ob_prospects_page_refresh (ObPage              *page,
                       const ObStoreCounts *counts)
{
  ObProspectsPage *self = OB_PROSPECTS_PAGE (page);

  ob_page_show_count (self->total_label, counts->prospects);
  ob_page_show_count (self->active_label, counts->prospects_active);
  ob_page_show_count (self->replied_label, counts->prospects_replied);
  ob_page_show_count (self->bounced_label, counts->prospects_bounced);
  ob_page_show_count (self->opted_out_label, counts->prospects_opted_out);
  ob_page_show_count (self->blocked_label, counts->do_not_contact);

  return counts->prospects > 0;
}

static void
ob_prospects_page_class_init (ObProspectsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  page_class->refresh = ob_prospects_page_refresh;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-prospects-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, total_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, active_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, replied_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, bounced_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, opted_out_label);
  gtk_widget_class_bind_template_child (widget_class, ObProspectsPage, blocked_label);
}

static void
ob_prospects_page_init (ObProspectsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
