/* ob-accounts.h: the rep's mailboxes: settings, presets, validation, store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-secrets.h"
#include "ob-tls.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_ACCOUNT_ERROR (ob_account_error_quark ())

/**
 * ObAccountError:
 * @OB_ACCOUNT_ERROR_INVALID: a setting is out of range or malformed (the
 *   message names it)
 * @OB_ACCOUNT_ERROR_NOT_FOUND: no account has this name or id
 * @OB_ACCOUNT_ERROR_EXISTS: another account already has this name
 * @OB_ACCOUNT_ERROR_IN_USE: campaigns send from this account (the message
 *   names them): move or delete them first
 * @OB_ACCOUNT_ERROR_NOT_AVAILABLE: this build cannot do it yet (the
 *   connection test before the network layer is in)
 */
typedef enum
{
  OB_ACCOUNT_ERROR_INVALID,
  OB_ACCOUNT_ERROR_NOT_FOUND,
  OB_ACCOUNT_ERROR_EXISTS,
  OB_ACCOUNT_ERROR_IN_USE,
  OB_ACCOUNT_ERROR_NOT_AVAILABLE,
} ObAccountError;

typedef enum
{
  OB_SECURITY_TLS,        /* implicit TLS from the first byte (465, 993) */
  OB_SECURITY_STARTTLS,   /* plain greeting, then STARTTLS, required (587, 143) */
  OB_SECURITY_INSECURE,   /* no TLS at all: only when the user wrote "insecure" */
} ObSecurity;

typedef enum
{
  OB_ACCOUNT_STATE_OK,
  OB_ACCOUNT_STATE_PAUSED,     /* by the user */
  OB_ACCOUNT_STATE_ERROR,      /* needs the user: state_reason says why */
  OB_ACCOUNT_STATE_THROTTLED,  /* by the provider, until paused_until */
} ObAccountState;

#define OB_ACCOUNT_DEFAULT_DAILY_LIMIT 50
#define OB_ACCOUNT_DEFAULT_PAUSE_MIN   60
#define OB_ACCOUNT_DEFAULT_PAUSE_MAX   180
/* Below this the UI warns: a person does not send faster. */
#define OB_ACCOUNT_PAUSE_WARNING       30
#define OB_ACCOUNT_MAX_PAUSE           86400
#define OB_ACCOUNT_MAX_DAILY_LIMIT     100000

/**
 * ObAccount:
 * @id: the row id, 0 until added
 * @keyring_id: what the account's secrets are filed under in the keyring
 *   (made when added; see ob-secrets.c)
 * @imap_host: %NULL when the account has no IMAP side (then @imap_port is 0)
 * @smtp_user, @imap_user: the logins; empty means the email address
 * @smtp_pins, @imap_pins: SHA-256 fingerprints of certificates the user
 *   trusted, 64 lower-case hex digits each (%NULL-terminated, may be empty)
 * @paused_until: Unix time, 0 when not set
 * @oauth_provider: "google" or "microsoft" when @auth_method is "oauth2"
 *   (see ob-oauth.h), else %NULL
 *
 * Every column of the accounts table, plus its pins. A plain boxed struct:
 * copy it to keep it, change the fields, then ob_accounts_update().
 */
typedef struct
{
  gint64          id;
  char           *keyring_id;
  char           *name;
  char           *email;
  char           *display_name;
  char           *signature;
  char           *auth_method;
  char           *goa_id;
  char           *smtp_host;
  guint           smtp_port;
  ObSecurity      smtp_security;
  char           *smtp_user;
  char           *imap_host;
  guint           imap_port;
  ObSecurity      imap_security;
  char           *imap_user;
  char           *ca_file;
  char           *sent_folder;
  gboolean        provider_saves_sent;
  gint64          daily_limit;
  gint64          pause_min;
  gint64          pause_max;
  ObAccountState  state;
  char           *state_reason;
  gint64          paused_until;
  gint64          created_at;
  GStrv           smtp_pins;
  GStrv           imap_pins;
  char           *oauth_provider;
} ObAccount;

/**
 * ObAccountPreset:
 * @id: stable, for the CLI and tests: "gmail", "microsoft", "yahoo",
 *   "icloud", "fastmail", "zoho", "custom"
 * @name: what the user reads (translatable: pass it through _())
 * @domains: ";"-separated email domains the preset is guessed from
 * @note: what the user must know first, e.g. that an app password is needed
 *   (translatable), or %NULL
 * @smtp_host: %NULL for "custom"
 */
typedef struct
{
  const char *id;
  const char *name;
  const char *domains;
  const char *smtp_host;
  guint       smtp_port;
  ObSecurity  smtp_security;
  const char *imap_host;
  guint       imap_port;
  ObSecurity  imap_security;
  gboolean    provider_saves_sent;
  const char *sent_folder;
  const char *note;
} ObAccountPreset;

GQuark        ob_account_error_quark       (void);
GType         ob_account_get_type          (void) G_GNUC_CONST;
#define OB_TYPE_ACCOUNT (ob_account_get_type ())

const char   *ob_security_to_string        (ObSecurity       security);
gboolean      ob_security_from_string      (const char      *text,
                                            ObSecurity      *out);
const char   *ob_account_state_to_string   (ObAccountState   state);

ObAccount    *ob_account_new               (void);
ObAccount    *ob_account_copy              (const ObAccount *account);
void          ob_account_free              (ObAccount       *account);
const char   *ob_account_get_smtp_login    (const ObAccount *account);
const char   *ob_account_get_imap_login    (const ObAccount *account);
gboolean      ob_account_has_imap          (const ObAccount *account);
char         *ob_account_dup_secret_label  (const ObAccount *account,
                                            ObSecretProtocol protocol);

gboolean      ob_account_validate          (const ObAccount *account,
                                            GError         **error);
char         *ob_account_normalize_pin     (const char      *text,
                                            GError         **error);
gboolean      ob_account_parse_server      (const char      *text,
                                            char           **host,
                                            guint           *port,
                                            ObSecurity      *security,
                                            GError         **error);
gboolean      ob_account_parse_pause       (const char      *text,
                                            gint64          *min,
                                            gint64          *max,
                                            GError         **error);

const ObAccountPreset *ob_account_presets          (guint           *n_presets);
const ObAccountPreset *ob_account_preset_find      (const char      *id);
const ObAccountPreset *ob_account_preset_for_email (const char      *email);
void                   ob_account_apply_preset     (ObAccount             *account,
                                                    const ObAccountPreset *preset);

/* Store: the calling thread's own ObStore; short transactions, fine on any
 * thread. They neither read nor write the keyring (see ob-secrets.h). */
gboolean      ob_accounts_add              (ObStore         *store,
                                            ObAccount       *account,
                                            GError         **error);
gboolean      ob_accounts_update           (ObStore         *store,
                                            const ObAccount *account,
                                            GError         **error);
gboolean      ob_accounts_set_state        (ObStore         *store,
                                            gint64           id,
                                            ObAccountState   state,
                                            const char      *reason,
                                            gint64           paused_until,
                                            GError         **error);
ObAccount    *ob_accounts_get              (ObStore         *store,
                                            gint64           id,
                                            GError         **error);
ObAccount    *ob_accounts_get_by_name      (ObStore         *store,
                                            const char      *name,
                                            GError         **error);
GPtrArray    *ob_accounts_list             (ObStore         *store,
                                            GError         **error);
GStrv         ob_accounts_dup_campaigns    (ObStore         *store,
                                            gint64           id,
                                            GError         **error);
gboolean      ob_accounts_remove           (ObStore         *store,
                                            gint64           id,
                                            GError         **error);

/* Keyring: blocking (a prompt may wait), worker threads and the CLI. */
gboolean      ob_account_store_passwords   (const ObAccount *account,
                                            const char      *smtp_password,
                                            const char      *imap_password,
                                            GCancellable    *cancellable,
                                            GError         **error);

/* Connects both sides for real and says what failed. The network layer
 * fills this in; until then it fails with OB_ACCOUNT_ERROR_NOT_AVAILABLE.
 * Blocking: worker threads and the CLI. */
gboolean      ob_account_test              (const ObAccount *account,
                                            GCancellable    *cancellable,
                                            GError         **error);
gboolean      ob_account_test_full         (const ObAccount   *account,
                                            GCancellable      *cancellable,
                                            ObTlsCertificate **out_untrusted,
                                            GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObAccount, ob_account_free)

G_END_DECLS
