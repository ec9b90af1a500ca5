/* ob-dashboard-page.c: the Dashboard page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-dashboard-page"

#include "config.h"

#include "ob-dashboard-page.h"

struct _ObDashboardPage
{
  ObPage    parent_instance;

  /* template widgets */
  GtkLabel *accounts_label;
  GtkLabel *prospects_label;
  GtkLabel *running_label;
  GtkLabel *sent_label;
  GtkLabel *queued_label;
  GtkLabel *replied_label;
};

G_DEFINE_FINAL_TYPE (ObDashboardPage, ob_dashboard_page, OB_TYPE_PAGE)

static void
ob_dashboard_page_refresh (ObPage              *page,
                           const ObStoreCounts *counts)
{
  ObDashboardPage *self = OB_DASHBOARD_PAGE (page);

  ob_page_show_count (self->accounts_label, counts->accounts);
  ob_page_show_count (self->prospects_label, counts->prospects);
  ob_page_show_count (self->running_label, counts->campaigns_running);
  ob_page_show_count (self->sent_label, counts->sends_sent);
  ob_page_show_count (self->queued_label, counts->sends_queued);
  ob_page_show_count (self->replied_label, counts->prospects_replied);
}

static gboolean
ob_dashboard_page_has_content (ObPage                *page,
                               const ObStorePresence *presence)
{
  return presence->accounts || presence->prospects || presence->campaigns;
}

static void
ob_dashboard_page_class_init (ObDashboardPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  page_class->refresh = ob_dashboard_page_refresh;
  page_class->has_content = ob_dashboard_page_has_content;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-dashboard-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, accounts_label);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, prospects_label);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, running_label);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, ObDashboardPage, replied_label);
}

static void
ob_dashboard_page_init (ObDashboardPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
