/* ob-accounts-page.c: the Accounts page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ob-accounts-page"

#include "config.h"

#include "ob-accounts-page.h"

struct _ObAccountsPage
{
  ObPage    parent_instance;

  /* template widgets */
  GtkLabel *total_label;
  GtkLabel *sent_label;
  GtkLabel *queued_label;
  GtkLabel *uncertain_label;
};

G_DEFINE_FINAL_TYPE (ObAccountsPage, ob_accounts_page, OB_TYPE_PAGE)

static void
ob_accounts_page_refresh (ObPage              *page,
                          const ObStoreCounts *counts)
{
  ObAccountsPage *self = OB_ACCOUNTS_PAGE (page);

  ob_page_show_count (self->total_label, counts->accounts);
  ob_page_show_count (self->sent_label, counts->sends_sent);
  ob_page_show_count (self->queued_label, counts->sends_queued);
  ob_page_show_count (self->uncertain_label, counts->sends_uncertain);
}

static gboolean
ob_accounts_page_has_content (ObPage                *page,
                              const ObStorePresence *presence)
{
  return presence->accounts;
}

static void
ob_accounts_page_class_init (ObAccountsPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ObPageClass *page_class = OB_PAGE_CLASS (klass);

  page_class->refresh = ob_accounts_page_refresh;
  page_class->has_content = ob_accounts_page_has_content;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-accounts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, total_label);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, uncertain_label);
}

static void
ob_accounts_page_init (ObAccountsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
