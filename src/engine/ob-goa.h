/* ob-goa.h: the mail accounts of GNOME Online Accounts (libgoa-1.0)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An Outbound account whose goa_id is set follows the Online Account of
 * that id: hosts, ports, TLS modes and user names come from GOA's Mail
 * interface when connecting, and the secret is asked from GOA every time
 * (PasswordBased for "IMAP and SMTP" accounts, OAuth2Based for Google and
 * Outlook.com), never copied into Outbound's own keyring items, never
 * logged. Without libgoa (-Dgoa=disabled) every call fails with
 * OB_GOA_ERROR_UNAVAILABLE and ob_goa_is_supported() says FALSE.
 */
#pragma once

#include <gio/gio.h>

#include "ob-accounts.h"
#include "ob-imap.h"
#include "ob-secrets.h"
#include "ob-smtp.h"

G_BEGIN_DECLS

#define OB_GOA_ERROR (ob_goa_error_quark ())

/**
 * ObGoaError:
 * @OB_GOA_ERROR_UNAVAILABLE: this build has no GNOME Online Accounts, or
 *   its service (goa-daemon) does not answer on the session bus
 * @OB_GOA_ERROR_NOT_FOUND: no Online Account has this id (it was removed)
 * @OB_GOA_ERROR_MAIL_DISABLED: the Online Account has mail turned off, or
 *   offers no mail at all
 * @OB_GOA_ERROR_ATTENTION_NEEDED: GNOME says the account needs the rep
 *   (signed out, password changed): Settings → Online Accounts fixes it
 * @OB_GOA_ERROR_UNSUPPORTED: the account has neither a password nor OAuth2
 *   for mail (the message names its provider)
 * @OB_GOA_ERROR_FAILED: anything else the service answered (its words kept)
 *
 * All but @OB_GOA_ERROR_FAILED are fixed in Settings → Online Accounts:
 * ob_goa_error_needs_settings() says so, and the UI offers to open it.
 */
typedef enum
{
  OB_GOA_ERROR_UNAVAILABLE,
  OB_GOA_ERROR_NOT_FOUND,
  OB_GOA_ERROR_MAIL_DISABLED,
  OB_GOA_ERROR_ATTENTION_NEEDED,
  OB_GOA_ERROR_UNSUPPORTED,
  OB_GOA_ERROR_FAILED,
} ObGoaError;

typedef enum
{
  OB_GOA_SECRET_PASSWORD,
  OB_GOA_SECRET_OAUTH2,
} ObGoaSecretKind;

/**
 * ObGoaMailAccount:
 * @id: GOA's account id ("account_1700000000_0")
 * @provider_type: "imap_smtp", "google", "windows_live", ...
 * @provider_name: what the rep reads ("IMAP and SMTP", "Google")
 * @identity: the account as Settings shows it
 * @mail_enabled: FALSE when the rep turned mail off for it
 * @attention_needed: GNOME wants the rep to sign in again
 * @oauth2: the secret is an OAuth2 access token (XOAUTH2), not a password
 * @smtp_use_auth: FALSE when the SMTP server takes mail without a login
 * @imap_host: %NULL when the account has no IMAP side
 *
 * One Online Account that offers mail, as Outbound's account fields.
 */
typedef struct
{
  char       *id;
  char       *provider_type;
  char       *provider_name;
  char       *identity;
  char       *email;
  char       *name;
  gboolean    mail_enabled;
  gboolean    attention_needed;
  gboolean    oauth2;
  char       *smtp_host;
  guint       smtp_port;
  ObSecurity  smtp_security;
  gboolean    smtp_use_auth;
  char       *smtp_user;
  char       *imap_host;
  guint       imap_port;
  ObSecurity  imap_security;
  char       *imap_user;
} ObGoaMailAccount;

GQuark            ob_goa_error_quark            (void);
gboolean          ob_goa_is_supported           (void);
gboolean          ob_goa_error_needs_settings   (const GError      *error);
void              ob_goa_mail_account_free      (ObGoaMailAccount  *account);

/* Blocking (one D-Bus round trip or two): worker threads and the CLI. Each
 * call reads GOA afresh, so what the rep changed in Settings counts. */
GPtrArray        *ob_goa_list_mail_accounts     (GCancellable      *cancellable,
                                                 GError           **error);
ObGoaMailAccount *ob_goa_get_mail_account       (const char        *goa_id,
                                                 GCancellable      *cancellable,
                                                 GError           **error);
gboolean          ob_goa_get_secret             (const char        *goa_id,
                                                 ObSecretProtocol   protocol,
                                                 gboolean           force_refresh,
                                                 ObGoaSecretKind   *kind,
                                                 char             **secret,
                                                 GCancellable      *cancellable,
                                                 GError           **error);

/* Any thread: no I/O. */
void              ob_goa_apply                  (ObAccount              *account,
                                                 const ObGoaMailAccount *mail);

/* Blocking. Copies what GOA says now into @account (hosts, ports, TLS,
 * users, address); *@changed tells whether anything differed. Fails when
 * the Online Account is gone, has mail off or needs attention. */
gboolean          ob_goa_refresh_account        (ObAccount         *account,
                                                 gboolean          *changed,
                                                 GCancellable      *cancellable,
                                                 GError           **error);

/* Blocking. The same, then saved in @store (the caller's thread's) when
 * anything changed. */
gboolean          ob_goa_follow                 (ObStore           *store,
                                                 ObAccount         *account,
                                                 GCancellable      *cancellable,
                                                 GError           **error);

/* Blocking. Authenticates an open connection of a GOA account with what
 * GOA gives: a password (AUTH/LOGIN) or an access token (XOAUTH2), asking
 * GOA once more with a refresh after the server refused the first. */
gboolean          ob_goa_smtp_authenticate      (ObSmtpConnection  *smtp,
                                                 const ObAccount   *account,
                                                 GCancellable      *cancellable,
                                                 GError           **error);
gboolean          ob_goa_imap_login             (ObImapConnection  *imap,
                                                 const ObAccount   *account,
                                                 GCancellable      *cancellable,
                                                 GError           **error);

/* Main thread (the thread that made it): calls @func whenever an Online
 * Account is added, removed or changed. Does nothing without GOA. */
typedef struct _ObGoaMonitor ObGoaMonitor;
typedef void (*ObGoaMonitorFunc) (gpointer user_data);

ObGoaMonitor     *ob_goa_monitor_new            (ObGoaMonitorFunc   func,
                                                 gpointer           user_data);
void              ob_goa_monitor_free           (ObGoaMonitor      *monitor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObGoaMailAccount, ob_goa_mail_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObGoaMonitor, ob_goa_monitor_free)

G_END_DECLS
