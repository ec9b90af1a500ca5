/* ob-secrets.h: passwords and tokens in the keyring (Secret Service)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OB_SECRETS_ERROR (ob_secrets_error_quark ())

/**
 * ObSecretsError:
 * @OB_SECRETS_ERROR_NO_SERVICE: no D-Bus session, or no Secret Service on it
 *   (install and start gnome-keyring); nothing is ever kept elsewhere
 * @OB_SECRETS_ERROR_LOCKED: the keyring is locked and was not unlocked (the
 *   prompt was dismissed or could not be shown), or no default keyring exists
 *   and none could be created
 * @OB_SECRETS_ERROR_NOT_FOUND: the keyring holds no secret for this account
 *   and protocol: ask the user for it
 * @OB_SECRETS_ERROR_FAILED: anything else the Secret Service answered (its
 *   own words are in the message)
 *
 * A cancelled call fails with G_IO_ERROR_CANCELLED, as everywhere in GIO.
 */
typedef enum
{
  OB_SECRETS_ERROR_NO_SERVICE,
  OB_SECRETS_ERROR_LOCKED,
  OB_SECRETS_ERROR_NOT_FOUND,
  OB_SECRETS_ERROR_FAILED,
} ObSecretsError;

/* The "protocol" attribute: what the secret opens. */
typedef enum
{
  OB_SECRET_SMTP,
  OB_SECRET_IMAP,
  OB_SECRET_OAUTH2_REFRESH,
  OB_SECRET_OAUTH2_ACCESS,    /* "EXPIRES_AT TOKEN": see ob-oauth.c */
} ObSecretProtocol;

GQuark      ob_secrets_error_quark       (void);
const char *ob_secret_protocol_to_string (ObSecretProtocol protocol);

/* Blocking: for worker threads (the sender reads just before connecting)
 * and the CLI. Never on the UI's main thread: a keyring prompt may wait. */
gboolean    ob_secrets_store_sync        (const char       *account,
                                          ObSecretProtocol  protocol,
                                          const char       *label,
                                          const char       *secret,
                                          GCancellable     *cancellable,
                                          GError          **error);
char       *ob_secrets_lookup_sync       (const char       *account,
                                          ObSecretProtocol  protocol,
                                          GCancellable     *cancellable,
                                          GError          **error);
gboolean    ob_secrets_delete_sync       (const char       *account,
                                          GCancellable     *cancellable,
                                          GError          **error);

/* The same on a worker thread, finished on the caller's context (the UI). */
void        ob_secrets_store_async       (const char          *account,
                                          ObSecretProtocol     protocol,
                                          const char          *label,
                                          const char          *secret,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    ob_secrets_store_finish      (GAsyncResult        *result,
                                          GError             **error);
void        ob_secrets_lookup_async      (const char          *account,
                                          ObSecretProtocol     protocol,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char       *ob_secrets_lookup_finish     (GAsyncResult        *result,
                                          GError             **error);
void        ob_secrets_delete_async      (const char          *account,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    ob_secrets_delete_finish     (GAsyncResult        *result,
                                          GError             **error);

/* A secret as lookup returns it: g_autoptr(ObSecret) wipes it when done. */
typedef char ObSecret;

/* Overwrites the secret's bytes before freeing them. */
void        ob_secrets_free              (char *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSecret, ob_secrets_free)

G_END_DECLS
