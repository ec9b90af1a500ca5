/* ob-accounts-page.c: the Accounts page of the main window
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rep's mailboxes, one row each (name, address, servers, state); a row
 * opens the editor, "Add Account" the assistant (ObAccountDialog); an
 * account held for its GNOME Online Account has a button to Settings. The list
 * is read again whenever the store changed: a handful of rows, one indexed
 * query on the main connection.
 */

#define G_LOG_DOMAIN "ob-accounts-page"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-account-dialog.h"
#include "ob-accounts-page.h"
#include "ob-accounts.h"
#include "ob-oauth.h"

struct _ObAccountsPage
{
  ObPage      parent_instance;

  /* template widgets */
  GtkListBox *accounts_list;
  GtkLabel   *sent_label;
  GtkLabel   *queued_label;
  GtkLabel   *uncertain_label;
};

G_DEFINE_FINAL_TYPE (ObAccountsPage, ob_accounts_page, OB_TYPE_PAGE)

static const char *
state_label (const ObAccount *account)
{
  switch (account->state)
    {
    case OB_ACCOUNT_STATE_OK:
      return _("Ready");
    case OB_ACCOUNT_STATE_PAUSED:
      return _("Paused");
    case OB_ACCOUNT_STATE_THROTTLED:
      return _("Held Back by the Provider");
    case OB_ACCOUNT_STATE_ERROR:
    default:
      return _("Needs Attention");
    }
}

static GtkWidget *
account_row_new (const ObAccount *account)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *state = gtk_label_new (state_label (account));
  g_autofree char *subtitle = NULL;

  /* Names and addresses are the user's text, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
  if (ob_account_has_imap (account))
    /* Translators: an address, then the SMTP and IMAP servers */
    subtitle = g_strdup_printf (_("%s — sends via %s, reads %s"), account->email,
                                account->smtp_host, account->imap_host);
  else
    subtitle = g_strdup_printf (_("%s — sends via %s"), account->email, account->smtp_host);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (account->state_reason[0] != '\0')
    gtk_widget_set_tooltip_text (state, account->state_reason);
  gtk_widget_add_css_class (state, account->state == OB_ACCOUNT_STATE_OK ? "dim-label"
                                   : account->state == OB_ACCOUNT_STATE_ERROR ? "error"
                                   : "warning");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), state);
  /* Its Online Account was removed, turned off or signed out: fixed in
   * Settings, after which sending resumes by itself. */
  if (account->state == OB_ACCOUNT_STATE_ERROR && account->goa_id != NULL)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Open Online Accounts"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, account->state_reason);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "accounts.online-accounts");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  /* The provider stopped accepting its sign-in: one click to the browser. */
  if (account->state == OB_ACCOUNT_STATE_ERROR
      && g_strcmp0 (account->auth_method, OB_AUTH_METHOD_OAUTH2) == 0)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Sign In Again"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, account->state_reason);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "accounts.sign-in-again");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "x", account->id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "accounts.edit");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "x", account->id);
  return row;
}

static void
reload_accounts (ObAccountsPage *self)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  GtkWidget *child;

  if (engine == NULL)
    return;

  accounts = ob_accounts_list (ob_engine_get_store (engine), &error);
  if (accounts == NULL)
    {
      g_warning ("Could not list the accounts: %s", error->message);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->accounts_list))) != NULL)
    gtk_list_box_remove (self->accounts_list, child);
  for (guint i = 0; i < accounts->len; i++)
    gtk_list_box_append (self->accounts_list, account_row_new (g_ptr_array_index (accounts, i)));
}

static void
ob_accounts_page_refresh (ObPage              *page,
                          const ObStoreCounts *counts)
{
  ObAccountsPage *self = OB_ACCOUNTS_PAGE (page);

  reload_accounts (self);
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

static ObAccountDialog *
present_dialog (ObAccountsPage  *self,
                const ObAccount *account)
{
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  ObAccountDialog *dialog;

  if (engine == NULL)
    return NULL;

  dialog = ob_account_dialog_new (engine, account);
  gtk_window_set_transient_for (GTK_WINDOW (dialog),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  present_dialog (OB_ACCOUNTS_PAGE (widget), NULL);
}

/* The editor, already signing in again. */
static void
sign_in_again_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ObAccountsPage *self = OB_ACCOUNTS_PAGE (widget);
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(ObAccount) account = NULL;
  ObAccountDialog *dialog;

  if (engine == NULL)
    return;
  account = ob_accounts_get (ob_engine_get_store (engine), g_variant_get_int64 (parameter), NULL);
  if (account == NULL || g_strcmp0 (account->auth_method, OB_AUTH_METHOD_OAUTH2) != 0)
    {
      reload_accounts (self);
      return;
    }
  dialog = present_dialog (self, account);
  if (dialog != NULL)
    ob_account_dialog_sign_in_again (dialog);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ObAccountsPage *self = OB_ACCOUNTS_PAGE (widget);
  ObEngine *engine = ob_page_get_engine (OB_PAGE (self));
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  if (engine == NULL)
    return;

  /* As stored now, not as last listed: one indexed read. */
  account = ob_accounts_get (ob_engine_get_store (engine), g_variant_get_int64 (parameter),
                             &error);
  if (account == NULL)
    {
      g_debug ("Not editing: %s", error->message);
      reload_accounts (self);
      return;
    }
  present_dialog (self, account);
}

static void
online_accounts_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ob_open_online_accounts (GTK_WINDOW (gtk_widget_get_root (widget)));
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
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, accounts_list);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, queued_label);
  gtk_widget_class_bind_template_child (widget_class, ObAccountsPage, uncertain_label);

  gtk_widget_class_install_action (widget_class, "accounts.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "accounts.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "accounts.online-accounts", NULL, online_accounts_action);
  gtk_widget_class_install_action (widget_class, "accounts.sign-in-again", "x",
                                   sign_in_again_action);
}

static void
ob_accounts_page_init (ObAccountsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The first figures come from the window's count; the list as soon as
   * there is an engine. */
  g_signal_connect (self, "notify::engine", G_CALLBACK (reload_accounts), NULL);
}
