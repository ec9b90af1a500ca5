/* ob-campaigns-page.c: the Campaigns page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-campaigns-page"

#include "config.h"

#include "ob-campaigns-page.h"

struct _ObCampaignsPage
{
  ObPage    parent_instance;

  /* template widgets */
  GtkLabel *total_label;
  GtkLabel *draft_label;
  GtkLabel *running_label;
  GtkLabel *paused_label;
  GtkLabel *finished_label;
};

G_DEFINE_FINAL_TYPE (ObCampaignsPage, ob_campaigns_page, OB_TYPE_PAGE)

static void
ob_campaigns_page_refresh (ObPage              *page,
                           const ObStoreCounts *counts)
{
  ObCampaignsPage *self = OB_CAMPAIGNS_PAGE (page);

  ob_page_show_count (self->total_label, counts->campaigns);
  ob_page_show_count (self->draft_label, counts->campaigns_draft);
  ob_page_show_count (self->running_label, counts->campaigns_running);
  ob_page_show_count (self->paused_label, counts->campaigns_paused);
  ob_page_show_count (self->finished_label, counts->campaigns_finished);
}

static gboolean
ob_campaigns_page_has_content (ObPage                *page,
                               const ObStorePresence *presence)
{
  return presence->campaigns;
}

static void
ob_campaigns_page_class_init (ObCampaignsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  page_class->refresh = ob_campaigns_page_refresh;
  page_class->has_content = ob_campaigns_page_has_content;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-campaigns-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, total_label);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, draft_label);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, running_label);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, paused_label);
  gtk_widget_class_bind_template_child (widget_class, ObCampaignsPage, finished_label);
}

static void
ob_campaigns_page_init (ObCampaignsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
