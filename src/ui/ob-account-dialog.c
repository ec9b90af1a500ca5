/* ob-account-dialog.c: the assistant that adds an account, and its editor
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adding: the provider first (its servers and habits filled in, what it
 * needs said), then one form; or one click on a mailbox of GNOME Online
 * Accounts, listed on a worker thread (ob-goa.h), which adds it at once.
 * A GOA account's servers, logins and passwords are GOA's: the form shows
 * them read-only, with a button to Settings → Online Accounts. Editing: the same form, filled in, with
 * Remove. Save and Remove run on a GTask thread with the thread's own store
 * connection and the blocking keyring calls (a keyring prompt may wait for
 * the user), so the main loop never waits; the window then hears of it
 * through the engine's "store-changed". "Sign in with Google/Microsoft"
 * fills the provider's servers and, on Add (or Sign In Again), runs the
 * OAuth sign-in on that thread too: the page it gives is opened in the
 * browser from the main thread, the tokens go to the keyring only.
 */

#define G_LOG_DOMAIN "ob-account-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "ob-account-dialog.h"
#include "ob-goa.h"
#include "ob-oauth.h"
#include "ob-secrets.h"
#include "ob-window.h"

struct _ObAccountDialog
{
  AdwWindow            parent_instance;

  /* template widgets */
  GtkWidget           *cancel_button;
  GtkWidget           *back_button;
  GtkWidget           *save_button;
  GtkSpinner          *spinner;
  GtkStack            *stack;
  AdwPreferencesGroup *goa_group;
  AdwPreferencesGroup *oauth_group;
  AdwPreferencesGroup *provider_group;
  AdwPreferencesPage  *form_page;
  AdwPreferencesGroup *mailbox_group;
  AdwEntryRow         *email_row;
  AdwEntryRow         *display_name_row;
  AdwEntryRow         *password_row;
  AdwEntryRow         *name_row;
  AdwExpanderRow      *smtp_expander;
  AdwEntryRow         *smtp_host_row;
  GtkSpinButton       *smtp_port_spin;
  AdwComboRow         *smtp_security_row;
  AdwEntryRow         *smtp_user_row;
  AdwExpanderRow      *imap_expander;
  AdwEntryRow         *imap_host_row;
  GtkSpinButton       *imap_port_spin;
  AdwComboRow         *imap_security_row;
  AdwEntryRow         *imap_user_row;
  AdwEntryRow         *imap_password_row;
  GtkSpinButton       *daily_limit_spin;
  AdwActionRow        *pause_row;
  GtkWidget           *pause_warning;
  GtkSpinButton       *pause_min_spin;
  GtkSpinButton       *pause_max_spin;
  GtkTextView         *signature_view;
  GtkWidget           *remove_group;
  GtkWidget           *test_button;
  GtkWidget           *sign_in_again_button;
  GtkRevealer         *result_revealer;
  GtkLabel            *result_label;
  GtkRevealer         *error_revealer;
  GtkLabel            *error_label;

  /* owned */
  GPtrArray           *goa_accounts; /* ObGoaMailAccount, as listed */
  GtkWidget           *goa_settings_row; /* in the form of a GOA account */
  ObEngine            *engine;
  ObAccount           *account;     /* what is edited: a copy, or a new one */
  GCancellable        *cancellable;
  char                *error;
  const char          *state;
  ObAccountDialogUriFunc open_uri;
  gpointer             open_uri_data;
};

G_DEFINE_FINAL_TYPE (ObAccountDialog, ob_account_dialog, ADW_TYPE_WINDOW)

static void
set_state (ObAccountDialog *self,
           const char      *state)
{
  gboolean busy = g_strcmp0 (state, "saving") == 0;
  gboolean form = g_strcmp0 (state, "form") == 0 || busy;

  self->state = state;
  gtk_widget_set_visible (self->save_button, form);
  gtk_widget_set_sensitive (self->save_button, !busy);
  /* The form stays sensitive while saving (what is saved is a copy): GTK
   * 4.8 warns when a focused entry is made insensitive. */
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (self->back_button, form && self->account->id == 0);
  gtk_widget_set_visible (self->cancel_button, !(form && self->account->id == 0));
}

static void
show_result (ObAccountDialog *self,
             const char      *message)
{
  if (message != NULL)
    gtk_label_set_label (self->result_label, message);
  gtk_revealer_set_reveal_child (self->result_revealer, message != NULL);
}

static void
show_error (ObAccountDialog *self,
            const char      *message)
{
  if (message != NULL)
    show_result (self, NULL);
  g_free (self->error);
  self->error = g_strdup (message);
  if (message != NULL)
    gtk_label_set_label (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
set_text (AdwEntryRow *row,
          const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static char *
dup_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
update_server_subtitles (ObAccountDialog *self)
{
  struct {
    AdwExpanderRow *expander;
    AdwEntryRow    *host;
    GtkSpinButton  *port;
    AdwComboRow    *security;
  } sides[] = {
    { self->smtp_expander, self->smtp_host_row, self->smtp_port_spin, self->smtp_security_row },
    { self->imap_expander, self->imap_host_row, self->imap_port_spin, self->imap_security_row },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
    {
      const char *host = gtk_editable_get_text (GTK_EDITABLE (sides[i].host));
      const char *modes[] = { _("TLS"), _("STARTTLS"), _("not encrypted") };
      guint mode = MIN (adw_combo_row_get_selected (sides[i].security), 2);
      g_autofree char *subtitle = NULL;

      if (host[0] == '\0')
        subtitle = g_strdup (_("Not set"));
      else
        /* Translators: a server, its port and how the connection is secured */
        subtitle = g_strdup_printf (_("%s, port %d, %s"), host,
                                    gtk_spin_button_get_value_as_int (sides[i].port),
                                    modes[mode]);
      adw_expander_row_set_subtitle (sides[i].expander, subtitle);
    }
}

static void
on_server_changed (ObAccountDialog *self)
{
  update_server_subtitles (self);
  show_error (self, NULL);
}

static void
on_email_changed (ObAccountDialog *self)
{
  show_error (self, NULL);
}

/* Providers take a person's pace for granted: warn below it. */
static void
on_pause_changed (ObAccountDialog *self)
{
  int min = gtk_spin_button_get_value_as_int (self->pause_min_spin);
  gboolean fast = min < OB_ACCOUNT_PAUSE_WARNING;

  gtk_widget_set_visible (self->pause_warning, fast);
  adw_action_row_set_subtitle (self->pause_row,
                               fast ? _("Under 30 seconds, sending looks automated and "
                                        "providers may block the mailbox")
                                    : NULL);
  show_error (self, NULL);
}

static gboolean
is_oauth (const ObAccount *account)
{
  return g_strcmp0 (account->auth_method, OB_AUTH_METHOD_OAUTH2) == 0;
}

/* An OAuth account has no password to type; a saved one can sign in again. */
static void
update_oauth_mode (ObAccountDialog *self)
{
  gboolean oauth = is_oauth (self->account);
  /* An Online Account's password is GOA's, not typed here either. */
  gboolean typed = !oauth && self->account->goa_id == NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->password_row), typed);
  gtk_widget_set_visible (GTK_WIDGET (self->imap_password_row), typed);
  gtk_widget_set_visible (self->sign_in_again_button, oauth && self->account->id != 0);
  if (oauth && self->account->id != 0)
    {
      g_autofree char *text =
        /* Translators: %s is Google or Microsoft */
        g_strdup_printf (_("Signs in with %s; no password is kept."),
                         ob_oauth_provider_name (self->account->oauth_provider));
      g_autofree char *markup = g_markup_escape_text (text, -1);

      adw_preferences_group_set_description (self->mailbox_group, markup);
    }
}

static void
fill_form (ObAccountDialog *self)
{
  ObAccount *a = self->account;
  gboolean custom = a->smtp_host == NULL || a->smtp_host[0] == '\0';

  set_text (self->email_row, a->email);
  set_text (self->display_name_row, a->display_name);
  set_text (self->name_row, a->id != 0 ? a->name : "");
  set_text (self->password_row, "");
  set_text (self->imap_password_row, "");
  set_text (self->smtp_host_row, a->smtp_host);
  gtk_spin_button_set_value (self->smtp_port_spin, a->smtp_port);
  adw_combo_row_set_selected (self->smtp_security_row, a->smtp_security);
  set_text (self->smtp_user_row, a->smtp_user);
  set_text (self->imap_host_row, a->imap_host);
  gtk_spin_button_set_value (self->imap_port_spin, a->imap_port != 0 ? a->imap_port : 993);
  adw_combo_row_set_selected (self->imap_security_row, a->imap_security);
  set_text (self->imap_user_row, a->imap_user);
  adw_expander_row_set_enable_expansion (self->imap_expander,
                                         a->id == 0 || ob_account_has_imap (a));
  gtk_spin_button_set_value (self->daily_limit_spin, (double) a->daily_limit);
  gtk_spin_button_set_value (self->pause_min_spin, (double) a->pause_min);
  gtk_spin_button_set_value (self->pause_max_spin, (double) a->pause_max);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->signature_view), a->signature, -1);

  /* A provider's servers are known: folded away. Others are to be typed. */
  adw_expander_row_set_expanded (self->smtp_expander, custom);
  adw_expander_row_set_expanded (self->imap_expander, custom);
  /* GNOME Online Accounts keeps these: shown, changed in Settings. */
  {
    gboolean own = a->goa_id == NULL;

    gtk_editable_set_editable (GTK_EDITABLE (self->email_row), own);
    gtk_widget_set_visible (GTK_WIDGET (self->password_row), own);
    gtk_widget_set_visible (GTK_WIDGET (self->imap_password_row), own);
    gtk_widget_set_sensitive (GTK_WIDGET (self->smtp_expander), own);
    gtk_widget_set_sensitive (GTK_WIDGET (self->imap_expander), own);
    gtk_widget_set_visible (self->goa_settings_row, !own);
  }
  if (a->goa_id != NULL)
    adw_preferences_group_set_description (self->mailbox_group,
                                           _("An Online Account: its servers, logins and password "
                                             "are changed in Settings → Online Accounts."));
  else if (a->id != 0)
    adw_preferences_group_set_description (self->mailbox_group,
                                           _("Leave the password empty to keep the one in "
                                             "the keyring."));
  update_server_subtitles (self);
  on_pause_changed (self);
  update_oauth_mode (self);
  show_error (self, NULL);
}

/**
 * ob_account_dialog_choose_preset:
 * @preset_id: an #ObAccountPreset id ("gmail", ..., "custom")
 *
 * What clicking a provider does: its servers in the form, its advice above.
 */
void
ob_account_dialog_choose_preset (ObAccountDialog *self,
                                 const char      *preset_id)
{
  const ObAccountPreset *preset = ob_account_preset_find (preset_id);

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));
  g_return_if_fail (preset != NULL);

  g_clear_pointer (&self->account, ob_account_free);
  self->account = ob_account_new ();
  ob_account_apply_preset (self->account, preset);
  fill_form (self);
  {
    /* Group titles and descriptions are markup. */
    g_autofree char *title = g_markup_escape_text (_(preset->name), -1);
    g_autofree char *note = preset->note != NULL ? g_markup_escape_text (_(preset->note), -1)
                                                 : NULL;

    adw_preferences_group_set_title (self->mailbox_group, title);
    adw_preferences_group_set_description (self->mailbox_group, note);
  }
  gtk_stack_set_visible_child_name (self->stack, "form");
  set_state (self, "form");
  gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
}

/**
 * ob_account_dialog_choose_oauth:
 * @provider: "google" or "microsoft"
 *
 * What "Sign in with Google/Microsoft" does: the provider's servers in the
 * form, no password; Add opens the browser to sign in.
 */
void
ob_account_dialog_choose_oauth (ObAccountDialog *self,
                                const char      *provider)
{
  g_autofree char *title = NULL;
  g_autofree char *note = NULL;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));
  g_return_if_fail (ob_oauth_provider_is_known (provider));

  ob_account_dialog_choose_preset (self, ob_oauth_provider_preset (provider));
  g_free (self->account->auth_method);
  self->account->auth_method = g_strdup (OB_AUTH_METHOD_OAUTH2);
  g_free (self->account->oauth_provider);
  self->account->oauth_provider = g_strdup (provider);
  update_oauth_mode (self);
  /* Translators: %s is Google or Microsoft */
  title = g_markup_printf_escaped (_("Sign in with %s"), ob_oauth_provider_name (provider));
  note = g_markup_printf_escaped (_("Add opens %s in your browser: sign in there and allow "
                                    "Outbound to send and read mail. No password is kept."),
                                  ob_oauth_provider_name (provider));
  adw_preferences_group_set_title (self->mailbox_group, title);
  adw_preferences_group_set_description (self->mailbox_group, note);
}

static void
on_oauth_activated (AdwActionRow    *row,
                    ObAccountDialog *self)
{
  ob_account_dialog_choose_oauth (self, g_object_get_data (G_OBJECT (row), "provider"));
}

static void
on_back_clicked (ObAccountDialog *self)
{
  gtk_stack_set_visible_child_name (self->stack, "provider");
  set_state (self, "provider");
}

static void
on_preset_activated (AdwActionRow    *row,
                     ObAccountDialog *self)
{
  ob_account_dialog_choose_preset (self, g_object_get_data (G_OBJECT (row), "preset-id"));
}

/**
 * ob_account_dialog_choose_goa:
 * @goa_id: the id of a mailbox the dialog listed from GNOME Online Accounts
 *
 * What clicking an Online Account does: the account, named after its
 * address, is added at once (the form shows only if that fails).
 */
void
ob_account_dialog_choose_goa (ObAccountDialog *self,
                              const char      *goa_id)
{
  const ObGoaMailAccount *mail = NULL;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));

  for (guint i = 0; self->goa_accounts != NULL && i < self->goa_accounts->len && mail == NULL; i++)
    if (g_strcmp0 (((ObGoaMailAccount *) g_ptr_array_index (self->goa_accounts, i))->id, goa_id) == 0)
      mail = g_ptr_array_index (self->goa_accounts, i);
  g_return_if_fail (mail != NULL);

  g_clear_pointer (&self->account, ob_account_free);
  self->account = ob_account_new ();
  ob_goa_apply (self->account, mail);
  fill_form (self);
  set_text (self->name_row, self->account->name);
  {
    g_autofree char *title = g_markup_escape_text (mail->provider_name, -1);

    adw_preferences_group_set_title (self->mailbox_group, title);
  }
  gtk_stack_set_visible_child_name (self->stack, "form");
  set_state (self, "form");
  ob_account_dialog_save (self);
}

guint
ob_account_dialog_get_n_goa (ObAccountDialog *self)
{
  g_return_val_if_fail (OB_IS_ACCOUNT_DIALOG (self), 0);

  return self->goa_accounts != NULL ? self->goa_accounts->len : 0;
}

static void
on_goa_activated (AdwActionRow    *row,
                  ObAccountDialog *self)
{
  ob_account_dialog_choose_goa (self, g_object_get_data (G_OBJECT (row), "goa-id"));
}

static void
list_goa_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *list = ob_goa_list_mail_accounts (cancellable, &error);

  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
goa_listed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (source);
  g_autoptr(GError) error = NULL;
  GPtrArray *list = g_task_propagate_pointer (G_TASK (result), &error);

  if (list == NULL)
    {
      /* No GOA on this desktop: the providers below are all there is. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No Online Accounts: %s", error->message);
      return;
    }
  g_clear_pointer (&self->goa_accounts, g_ptr_array_unref);
  self->goa_accounts = list;
  for (guint i = 0; i < list->len; i++)
    {
      const ObGoaMailAccount *mail = g_ptr_array_index (list, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *subtitle = NULL;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     mail->email != NULL && mail->email[0] != '\0' ? mail->email
                                                                                   : mail->identity);
      /* Translators: a GNOME Online Accounts provider, e.g. "Google" */
      subtitle = mail->attention_needed
                 ? g_strdup_printf (_("%s — needs you to sign in again in Settings"), mail->provider_name)
                 : g_strdup (mail->provider_name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "goa-id", g_strdup (mail->id), g_free);
      g_signal_connect_object (row, "activated", G_CALLBACK (on_goa_activated), self, 0);
      adw_preferences_group_add (self->goa_group, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->goa_group), list->len > 0);
}

static void
on_online_accounts_clicked (ObAccountDialog *self)
{
  ob_open_online_accounts (GTK_WINDOW (self));
}

void
ob_open_online_accounts (GtkWindow *parent)
{
  const char *argv[] = { "gnome-control-center", "online-accounts", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  if (process == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (parent, _("Settings Could Not Be Opened"), NULL);

      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      _("Open Settings → Online Accounts yourself. (%s)"), error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

/* The form as an account; validated by the caller. */
static ObAccount *
account_from_form (ObAccountDialog *self)
{
  ObAccount *a = ob_account_copy (self->account);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->signature_view);
  GtkTextIter start, end;
  g_autofree char *name = dup_text (self->name_row);

  g_free (a->email);
  a->email = dup_text (self->email_row);
  g_free (a->name);
  a->name = name[0] != '\0' ? g_steal_pointer (&name) : g_strdup (a->email);
  g_free (a->display_name);
  a->display_name = dup_text (self->display_name_row);
  g_free (a->smtp_host);
  a->smtp_host = dup_text (self->smtp_host_row);
  a->smtp_port = (guint) gtk_spin_button_get_value_as_int (self->smtp_port_spin);
  a->smtp_security = (ObSecurity) adw_combo_row_get_selected (self->smtp_security_row);
  g_free (a->smtp_user);
  a->smtp_user = dup_text (self->smtp_user_row);
  g_clear_pointer (&a->imap_host, g_free);
  if (adw_expander_row_get_enable_expansion (self->imap_expander))
    {
      a->imap_host = dup_text (self->imap_host_row);
      a->imap_port = (guint) gtk_spin_button_get_value_as_int (self->imap_port_spin);
      a->imap_security = (ObSecurity) adw_combo_row_get_selected (self->imap_security_row);
    }
  g_free (a->imap_user);
  a->imap_user = dup_text (self->imap_user_row);
  a->daily_limit = gtk_spin_button_get_value_as_int (self->daily_limit_spin);
  a->pause_min = gtk_spin_button_get_value_as_int (self->pause_min_spin);
  a->pause_max = gtk_spin_button_get_value_as_int (self->pause_max_spin);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_free (a->signature);
  a->signature = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return a;
}

typedef struct
{
  ObEngine        *engine;
  char            *db_path;
  ObAccount       *account;
  char            *smtp_password;
  char            *imap_password;
  gboolean         sign_in;        /* OAuth: sign in before keeping anything */
  ObAccountDialog *dialog;         /* for the browser; alive while the task runs */
} SaveJob;

static SaveJob *
save_job_new (ObAccountDialog *self,
              ObAccount       *account)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->engine = g_object_ref (self->engine);
  job->db_path = g_strdup (ob_engine_get_db_path (self->engine));
  job->account = account;
  job->dialog = self;
  return job;
}

static void
save_job_free (SaveJob *job)
{
  g_clear_object (&job->engine);
  g_free (job->db_path);
  ob_account_free (job->account);
  ob_secrets_free (job->smtp_password);
  ob_secrets_free (job->imap_password);
  g_free (job);
}

typedef struct
{
  ObAccountDialog *dialog;
  char            *uri;
} OpenUri;

static void
open_uri_free (OpenUri *open)
{
  g_object_unref (open->dialog);
  g_free (open->uri);
  g_free (open);
}

static void
uri_shown_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the browser: %s"),
                                                  error->message);

      show_error (self, message);
    }
}

static gboolean
open_uri_on_main (gpointer data)
{
  OpenUri *open = data;
  ObAccountDialog *self = open->dialog;

  show_result (self, _("Finish signing in in your browser…"));
  if (self->open_uri != NULL)
    self->open_uri (open->uri, self->open_uri_data);
  else
    gtk_show_uri_full (GTK_WINDOW (self), open->uri, GDK_CURRENT_TIME, self->cancellable,
                       uri_shown_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* On the task's thread: the page goes to the main thread to be opened. */
static void
open_sign_in_page (const char *uri,
                   gpointer    user_data)
{
  SaveJob *job = user_data;
  OpenUri *open = g_new0 (OpenUri, 1);

  open->dialog = g_object_ref (job->dialog);
  open->uri = g_strdup (uri);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, open_uri_on_main, open,
                              (GDestroyNotify) open_uri_free);
}

/* OAuth on a GTask thread: sign in first, so that nothing is kept when
 * the rep gives up in the browser; then the account, then its tokens. */
static void
save_oauth_thread (GTask        *task,
                   SaveJob      *job,
                   ObStore      *store,
                   GCancellable *cancellable)
{
  g_autoptr(ObOAuthConfig) config = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  GError *error = NULL;
  gboolean is_new = job->account->id == 0;

  config = ob_oauth_config_load (job->account->oauth_provider, &error);
  if (config == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  tokens = ob_oauth_sign_in_sync (config, job->account->email, OB_OAUTH_DEFAULT_TIMEOUT_SECONDS,
                                  open_sign_in_page, job, cancellable, &error);
  if (tokens == NULL
      || !(is_new ? ob_accounts_add (store, job->account, &error)
                  : ob_accounts_update (store, job->account, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!ob_oauth_store_tokens (job->account, tokens, cancellable, &error))
    {
      if (is_new)
        {
          ob_secrets_delete_sync (job->account->keyring_id, NULL, NULL);
          ob_accounts_remove (store, job->account->id, NULL);
          job->account->id = 0;
        }
      g_task_return_error (task, error);
      return;
    }
  /* Held because the old sign-in stopped working: it works again. */
  if (!is_new && job->account->state == OB_ACCOUNT_STATE_ERROR
      && !ob_accounts_set_state (store, job->account->id, OB_ACCOUNT_STATE_OK, "", 0, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* On a GTask thread: the store, then the keyring. A new account whose
 * password could not be kept is taken out again: nothing half-made stays. */
static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;
  gboolean is_new = job->account->id == 0;

  store = ob_store_open_for_thread (job->db_path, &error);
  if (store != NULL && job->sign_in)
    {
      save_oauth_thread (task, job, store, cancellable);
      return;
    }
  if (store == NULL ||
      !(is_new ? ob_accounts_add (store, job->account, &error)
               : ob_accounts_update (store, job->account, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!ob_account_store_passwords (job->account, job->smtp_password, job->imap_password,
                                   cancellable, &error))
    {
      if (is_new)
        {
          ob_secrets_delete_sync (job->account->keyring_id, NULL, NULL);
          ob_accounts_remove (store, job->account->id, NULL);
          job->account->id = 0;
        }
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (source);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean saved = g_task_propagate_boolean (G_TASK (result), &error);

  /* Whatever became of the dialog meanwhile, the list hears of it. */
  ob_engine_notify_store_changed (job->engine, "accounts");
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  if (!saved)
    {
      set_state (self, "form");
      show_result (self, NULL);
      if (error->domain == OB_SECRETS_ERROR)
        {
          g_autofree char *message =
            job->account->id != 0
            ? g_strdup_printf (_("The settings were saved, but the password could not be: %s"),
                               error->message)
            : g_strdup_printf (_("The account was not added: %s"), error->message);
          show_error (self, message);
        }
      else
        show_error (self, error->message);
      return;
    }

  if (job->sign_in
      && g_task_get_source_tag (G_TASK (result)) == (gpointer) ob_account_dialog_sign_in_again)
    {
      /* Signed in again: the editor stays, now with a working sign-in. */
      ob_account_free (self->account);
      self->account = ob_account_copy (job->account);
      self->account->state = OB_ACCOUNT_STATE_OK;
      set_state (self, "form");
      show_result (self, _("Signed in again. Sending resumes."));
      return;
    }
  set_state (self, "done");
  gtk_window_close (GTK_WINDOW (self));
}

/**
 * ob_account_dialog_save:
 *
 * What Add or Save does: checks the form, then writes on a worker thread;
 * the dialog closes when the account and its password are kept, or shows
 * why not.
 */
void
ob_account_dialog_save (ObAccountDialog *self)
{
  g_autoptr(ObAccount) edited = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  SaveJob *job;
  const char *password;
  const char *imap_password;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));

  if (g_strcmp0 (self->state, "form") != 0)
    return;

  edited = account_from_form (self);
  if (!ob_account_validate (edited, &error))
    {
      show_error (self, error->message);
      return;
    }

  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  imap_password = gtk_editable_get_text (GTK_EDITABLE (self->imap_password_row));
  job = save_job_new (self, g_steal_pointer (&edited));
  if (!is_oauth (job->account))
    {
      job->smtp_password = password[0] != '\0' ? g_strdup (password) : NULL;
      job->imap_password = imap_password[0] != '\0' ? g_strdup (imap_password) : NULL;
    }
  /* A new OAuth account signs in first; an edited one keeps its sign-in. */
  job->sign_in = is_oauth (job->account) && job->account->id == 0;

  show_error (self, NULL);
  set_state (self, "saving");
  task = g_task_new (self, self->cancellable, saved_cb, NULL);
  g_task_set_source_tag (task, ob_account_dialog_save);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

/**
 * ob_account_dialog_sign_in_again:
 *
 * What Sign In Again does for a saved OAuth account (the one whose sign-in
 * the provider revoked, held with a reason): the browser, new tokens in
 * the keyring, the account released.
 */
void
ob_account_dialog_sign_in_again (ObAccountDialog *self)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));
  g_return_if_fail (self->account->id != 0 && is_oauth (self->account));

  if (g_strcmp0 (self->state, "form") != 0)
    return;

  job = save_job_new (self, ob_account_copy (self->account));
  job->sign_in = TRUE;
  show_error (self, NULL);
  show_result (self, NULL);
  set_state (self, "saving");
  task = g_task_new (self, self->cancellable, saved_cb, NULL);
  g_task_set_source_tag (task, ob_account_dialog_sign_in_again);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, save_thread);
}

static void
on_sign_in_again_clicked (ObAccountDialog *self)
{
  ob_account_dialog_sign_in_again (self);
}

void
ob_account_dialog_set_uri_opener (ObAccountDialog        *self,
                                  ObAccountDialogUriFunc  func,
                                  gpointer                user_data)
{
  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));

  self->open_uri = func;
  self->open_uri_data = user_data;
}

static void
on_save_clicked (ObAccountDialog *self)
{
  ob_account_dialog_save (self);
}

static gboolean
save_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  ob_account_dialog_save (OB_ACCOUNT_DIALOG (widget));
  return TRUE;
}

typedef struct
{
  ObAccount        *account;
  ObTlsCertificate *untrusted;
} TestJob;

static void
test_job_free (TestJob *job)
{
  ob_account_free (job->account);
  g_clear_pointer (&job->untrusted, ob_tls_certificate_free);
  g_free (job);
}

static void
test_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TestJob *job = task_data;
  GError *error = NULL;

  /* Reads the passwords from the keyring itself, just before connecting. */
  if (ob_account_test_full (job->account, cancellable, &job->untrusted, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void pin_and_test (ObAccountDialog *self, const char *sha256);

static void
on_trust_response (AdwMessageDialog *dialog,
                   const char       *response,
                   ObAccountDialog  *self)
{
  if (g_strcmp0 (response, "trust") == 0)
    pin_and_test (self, g_object_get_data (G_OBJECT (dialog), "sha256"));
}

/* The certificate's details, then the rep decides: never silently. */
static void
offer_trust (ObAccountDialog        *self,
             const ObTlsCertificate *certificate)
{
  g_autoptr(GDateTime) from = g_date_time_new_from_unix_local (certificate->not_before);
  g_autoptr(GDateTime) until = g_date_time_new_from_unix_local (certificate->not_after);
  g_autofree char *from_text = g_date_time_format (from, "%x");
  g_autofree char *until_text = g_date_time_format (until, "%x");
  g_autofree char *problems = ob_tls_describe_problems (certificate->problems);
  g_autofree char *fingerprint = ob_tls_format_fingerprint (certificate->sha256);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Trust This Certificate?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The server’s certificate cannot be verified: %s.\n\n"
                                    "Issued to: %s\nIssued by: %s\nValid from %s until %s\n"
                                    "SHA-256 fingerprint:\n%s\n\nTrust it only if your mail "
                                    "provider or administrator confirms this fingerprint. Outbound "
                                    "will accept exactly this certificate for this account, and no "
                                    "other."),
                                  problems, certificate->subject, certificate->issuer, from_text,
                                  until_text, fingerprint);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "trust", _("_Trust This Certificate"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "sha256", g_strdup (certificate->sha256), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_trust_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
tested_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (source);
  TestJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  set_state (self, "form");
  gtk_widget_set_sensitive (self->test_button, TRUE);
  if (error != NULL)
    {
      show_error (self, error->message);
      if (job->untrusted != NULL)
        offer_trust (self, job->untrusted);
    }
  else
    show_result (self, ob_account_has_imap (self->account)
                       ? _("Both servers answered and accepted the login.")
                       : _("The SMTP server answered and accepted the login."));
}

/**
 * ob_account_dialog_test:
 *
 * What Test Connection does: connects both sides with the saved settings
 * and passwords, on a worker thread, and shows what worked or what failed.
 */
void
ob_account_dialog_test (ObAccountDialog *self)
{
  g_autoptr(GTask) task = NULL;
  TestJob *job;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));
  g_return_if_fail (self->account->id != 0);

  if (g_strcmp0 (self->state, "form") != 0)
    return;

  show_error (self, NULL);
  show_result (self, NULL);
  set_state (self, "saving");
  gtk_widget_set_sensitive (self->test_button, FALSE);
  job = g_new0 (TestJob, 1);
  job->account = ob_account_copy (self->account);
  task = g_task_new (self, self->cancellable, tested_cb, NULL);
  g_task_set_source_tag (task, ob_account_dialog_test);
  g_task_set_task_data (task, job, (GDestroyNotify) test_job_free);
  g_task_run_in_thread (task, test_thread);
}

/* Stores the pin (both sides when IMAP is on the same host), then tests
 * again with it. */
static void
pin_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SaveJob *job = task_data;
  GError *error = NULL;
  g_autoptr(ObStore) store = ob_store_open_for_thread (job->db_path, &error);

  if (store == NULL || !ob_accounts_update (store, job->account, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pinned_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (source);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  set_state (self, "form");
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      show_error (self, error->message);
      return;
    }
  ob_account_free (self->account);
  self->account = ob_account_copy (job->account);
  ob_engine_notify_store_changed (self->engine, "accounts");
  ob_account_dialog_test (self);
}

static GStrv
strv_with (GStrv       strv,
           const char *value)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (strv != NULL)
    g_strv_builder_addv (builder, (const char **) strv);
  if (strv == NULL || !g_strv_contains ((const char * const *) strv, value))
    g_strv_builder_add (builder, value);
  return g_strv_builder_end (builder);
}

static void
pin_and_test (ObAccountDialog *self,
              const char      *sha256)
{
  g_autoptr(GTask) task = NULL;
  ObAccount *account = ob_account_copy (self->account);
  GStrv pins;

  pins = strv_with (account->smtp_pins, sha256);
  g_strfreev (account->smtp_pins);
  account->smtp_pins = pins;
  if (account->imap_host != NULL && g_ascii_strcasecmp (account->imap_host, account->smtp_host) == 0)
    {
      pins = strv_with (account->imap_pins, sha256);
      g_strfreev (account->imap_pins);
      account->imap_pins = pins;
    }
  set_state (self, "saving");
  task = g_task_new (self, self->cancellable, pinned_cb, NULL);
  g_task_set_task_data (task, save_job_new (self, account), (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, pin_thread);
}

static void
on_test_clicked (ObAccountDialog *self)
{
  ob_account_dialog_test (self);
}

/* The row first, then the keyring; see `outbound-cli account remove`. */
static void
remove_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SaveJob *job = task_data;
  g_autoptr(ObStore) store = NULL;
  GError *error = NULL;

  store = ob_store_open_for_thread (job->db_path, &error);
  if (store == NULL || !ob_accounts_remove (store, job->account->id, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->account->id = 0;
  if (!ob_secrets_delete_sync (job->account->keyring_id, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (source);
  SaveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  g_autofree char *title = NULL;
  gboolean removed = g_task_propagate_boolean (G_TASK (result), &error);

  ob_engine_notify_store_changed (job->engine, "accounts");
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  if (!removed)
    {
      if (job->account->id != 0)
        {
          /* Not removed (a campaign uses it): nothing changed. */
          set_state (self, "form");
          show_error (self, error->message);
          return;
        }
      title = g_strdup_printf (_("“%s” was removed, but its passwords are still in the "
                                 "keyring: %s"), job->account->name, error->message);
    }
  else
    title = g_strdup_printf (_("“%s” was removed"), job->account->name);

  if (OB_IS_WINDOW (parent))
    ob_window_add_toast (OB_WINDOW (parent), adw_toast_new (title));
  set_state (self, "done");
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    ObAccountDialog  *self)
{
  g_autoptr(GTask) task = NULL;
  SaveJob *job;

  if (g_strcmp0 (response, "remove") != 0)
    return;

  job = save_job_new (self, ob_account_copy (self->account));
  show_error (self, NULL);
  set_state (self, "saving");
  task = g_task_new (self, self->cancellable, removed_cb, NULL);
  g_task_set_source_tag (task, ob_account_dialog_remove);
  g_task_set_task_data (task, job, (GDestroyNotify) save_job_free);
  g_task_run_in_thread (task, remove_thread);
}

/**
 * ob_account_dialog_remove:
 *
 * Asks first; removing deletes the settings and the keyring's passwords.
 */
void
ob_account_dialog_remove (ObAccountDialog *self)
{
  GtkWidget *dialog;

  g_return_if_fail (OB_IS_ACCOUNT_DIALOG (self));
  g_return_if_fail (self->account->id != 0);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove “%s”?"),
                                     self->account->name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its settings and its passwords in the keyring are deleted. "
                                 "Messages already sent stay in the history."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_remove_clicked (ObAccountDialog *self)
{
  ob_account_dialog_remove (self);
}

static void
ob_account_dialog_dispose (GObject *object)
{
  ObAccountDialog *self = OB_ACCOUNT_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_ACCOUNT_DIALOG);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->account, ob_account_free);
  g_clear_pointer (&self->goa_accounts, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (ob_account_dialog_parent_class)->dispose (object);
}

static void
ob_account_dialog_class_init (ObAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_account_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/ob-account-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, ObAccountDialog, name)
  BIND (cancel_button);
  BIND (back_button);
  BIND (save_button);
  BIND (spinner);
  BIND (stack);
  BIND (goa_group);
  BIND (oauth_group);
  BIND (provider_group);
  BIND (form_page);
  BIND (mailbox_group);
  BIND (email_row);
  BIND (display_name_row);
  BIND (password_row);
  BIND (name_row);
  BIND (smtp_expander);
  BIND (smtp_host_row);
  BIND (smtp_port_spin);
  BIND (smtp_security_row);
  BIND (smtp_user_row);
  BIND (imap_expander);
  BIND (imap_host_row);
  BIND (imap_port_spin);
  BIND (imap_security_row);
  BIND (imap_user_row);
  BIND (imap_password_row);
  BIND (daily_limit_spin);
  BIND (pause_row);
  BIND (pause_warning);
  BIND (pause_min_spin);
  BIND (pause_max_spin);
  BIND (signature_view);
  BIND (remove_group);
  BIND (test_button);
  BIND (sign_in_again_button);
  BIND (result_revealer);
  BIND (result_label);
  BIND (error_revealer);
  BIND (error_label);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_test_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_again_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_server_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_email_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_changed);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, save_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, save_shortcut,
                                NULL);
}

static const struct
{
  const char *id;
  const char *subtitle;
} oauth_providers[] = {
  { "google", N_("Gmail and Google Workspace, in your browser") },
  { "microsoft", N_("Outlook.com and Microsoft 365, in your browser") },
};

static void
ob_account_dialog_init (ObAccountDialog *self)
{
  const ObAccountPreset *presets;
  guint n_presets;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->account = ob_account_new ();

  /* In a GOA account's form: where its servers and password are changed. */
  {
    GtkWidget *button = gtk_button_new_with_mnemonic (_("_Open Online Accounts"));

    self->goa_settings_row = adw_action_row_new ();
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->goa_settings_row), _("Online Account"));
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->goa_settings_row),
                                 _("Servers, logins and password come from GNOME Settings"));
    gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
    g_signal_connect_object (button, "clicked", G_CALLBACK (on_online_accounts_clicked), self,
                             G_CONNECT_SWAPPED);
    adw_action_row_add_suffix (ADW_ACTION_ROW (self->goa_settings_row), button);
    gtk_widget_set_visible (self->goa_settings_row, FALSE);
    adw_preferences_group_add (self->mailbox_group, self->goa_settings_row);
  }

  for (guint i = 0; i < G_N_ELEMENTS (oauth_providers); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf (_("Sign in with %s"),
                                                ob_oauth_provider_name (oauth_providers[i].id));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(oauth_providers[i].subtitle));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("web-browser-symbolic"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "provider", (gpointer) oauth_providers[i].id);
      g_signal_connect_object (row, "activated", G_CALLBACK (on_oauth_activated), self, 0);
      adw_preferences_group_add (self->oauth_group, row);
    }

  presets = ob_account_presets (&n_presets);
  for (guint i = 0; i < n_presets; i++)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(presets[i].name));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   presets[i].smtp_host != NULL
                                   ? presets[i].smtp_host
                                   : _("Any other server: you enter its settings"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "preset-id", (gpointer) presets[i].id);
      g_signal_connect_object (row, "activated", G_CALLBACK (on_preset_activated), self, 0);
      adw_preferences_group_add (self->provider_group, row);
    }
}

/**
 * ob_account_dialog_new:
 * @account: (nullable): the account to edit; %NULL to add one
 */
ObAccountDialog *
ob_account_dialog_new (ObEngine        *engine,
                       const ObAccount *account)
{
  ObAccountDialog *self;

  g_return_val_if_fail (OB_IS_ENGINE (engine), NULL);

  self = g_object_new (OB_TYPE_ACCOUNT_DIALOG, NULL);
  self->engine = g_object_ref (engine);

  if (account == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "provider");
      set_state (self, "provider");
      if (ob_goa_is_supported ())
        {
          g_autoptr(GTask) task = g_task_new (self, self->cancellable, goa_listed_cb, NULL);

          g_task_set_source_tag (task, ob_account_dialog_new);
          g_task_run_in_thread (task, list_goa_thread);
        }
      return self;
    }

  g_clear_pointer (&self->account, ob_account_free);
  self->account = ob_account_copy (account);
  gtk_window_set_title (GTK_WINDOW (self), account->name);
  gtk_button_set_label (GTK_BUTTON (self->save_button), _("_Save"));
  gtk_widget_set_visible (self->remove_group, TRUE);
  gtk_widget_set_visible (self->test_button, TRUE);
  fill_form (self);
  gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_stack_set_visible_child_name (self->stack, "form");
  set_state (self, "form");
  /* In a field, where Enter saves; not on Cancel. */
  gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
  return self;
}

/**
 * ob_account_dialog_get_state:
 *
 * Returns: "provider", "form", "saving" (also while removing) or "done"
 */
const char *
ob_account_dialog_get_state (ObAccountDialog *self)
{
  g_return_val_if_fail (OB_IS_ACCOUNT_DIALOG (self), NULL);

  return self->state;
}

/**
 * ob_account_dialog_get_error:
 *
 * Returns: (nullable): what the dialog shows as wrong, if anything
 */
const char *
ob_account_dialog_get_error (ObAccountDialog *self)
{
  g_return_val_if_fail (OB_IS_ACCOUNT_DIALOG (self), NULL);

  return self->error;
}
