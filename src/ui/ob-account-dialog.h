/* ob-account-dialog.h: the assistant that adds an account, and its editor
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ob-accounts.h"
#include "ob-engine.h"

G_BEGIN_DECLS

#define OB_TYPE_ACCOUNT_DIALOG (ob_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ObAccountDialog, ob_account_dialog, OB, ACCOUNT_DIALOG, AdwWindow)

ObAccountDialog *ob_account_dialog_new           (ObEngine        *engine,
                                                  const ObAccount *account);
void             ob_account_dialog_choose_preset (ObAccountDialog *self,
                                                  const char      *preset_id);
void             ob_account_dialog_choose_goa    (ObAccountDialog *self,
                                                  const char      *goa_id);
guint            ob_account_dialog_get_n_goa     (ObAccountDialog *self);
void             ob_account_dialog_choose_oauth  (ObAccountDialog *self,
                                                  const char      *provider);
void             ob_account_dialog_sign_in_again (ObAccountDialog *self);
void             ob_account_dialog_save          (ObAccountDialog *self);
void             ob_account_dialog_remove        (ObAccountDialog *self);
void             ob_account_dialog_test          (ObAccountDialog *self);
const char      *ob_account_dialog_get_state     (ObAccountDialog *self);
const char      *ob_account_dialog_get_error     (ObAccountDialog *self);

/* Settings → Online Accounts (gnome-control-center online-accounts); says
 * so in a dialog over @parent when it cannot be started. */
void             ob_open_online_accounts         (GtkWindow       *parent);
/* Who opens the provider's sign-in page, on the main thread: the system
 * browser (gtk_show_uri) unless a test follows it itself. */
typedef void (*ObAccountDialogUriFunc) (const char *uri,
                                        gpointer    user_data);
void             ob_account_dialog_set_uri_opener (ObAccountDialog        *self,
                                                   ObAccountDialogUriFunc  func,
                                                   gpointer                user_data);

G_END_DECLS
