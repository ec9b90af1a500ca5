/* ob-oauth.h: OAuth 2.0 sign-in (Google, Microsoft) and the account's tokens
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ob-accounts.h"

G_BEGIN_DECLS

#define OB_OAUTH_ERROR (ob_oauth_error_quark ())

/**
 * ObOAuthError:
 * @OB_OAUTH_ERROR_NOT_CONFIGURED: no client ID for this provider in
 *   Preferences (none can be shipped): enter one
 * @OB_OAUTH_ERROR_DENIED: the user refused consent in the browser
 *   (error=access_denied)
 * @OB_OAUTH_ERROR_TIMEOUT: the browser never came back to Outbound
 * @OB_OAUTH_ERROR_CLIENT: the provider refused the client ID or secret
 *   (invalid_client, unauthorized_client): check Preferences
 * @OB_OAUTH_ERROR_SIGN_IN_AGAIN: the refresh token was revoked or expired
 *   (invalid_grant), or none is in the keyring: sign in again
 * @OB_OAUTH_ERROR_NETWORK: the provider could not be reached or answered
 *   5xx: passing, try again later
 * @OB_OAUTH_ERROR_PROTOCOL: anything else the provider or the redirect said
 *   (a wrong state, a malformed answer); its own words in the message
 */
typedef enum
{
  OB_OAUTH_ERROR_NOT_CONFIGURED,
  OB_OAUTH_ERROR_DENIED,
  OB_OAUTH_ERROR_TIMEOUT,
  OB_OAUTH_ERROR_CLIENT,
  OB_OAUTH_ERROR_SIGN_IN_AGAIN,
  OB_OAUTH_ERROR_NETWORK,
  OB_OAUTH_ERROR_PROTOCOL,
} ObOAuthError;

/* The accounts.auth_method of an account that signs in with OAuth. */
#define OB_AUTH_METHOD_OAUTH2 "oauth2"

/* An access token older than its expiry minus this is refreshed first. */
#define OB_OAUTH_REFRESH_MARGIN_SECONDS 120

/* How long the sign-in waits for the browser by default. */
#define OB_OAUTH_DEFAULT_TIMEOUT_SECONDS 300

/**
 * ObOAuthConfig:
 * @provider: "google" or "microsoft" (accounts.oauth_provider)
 *
 * A provider's profile with what Preferences (GSettings) changed. Secrets?
 * The client secret of a desktop app is not one (Google says so), but it
 * still never reaches a log.
 */
typedef struct
{
  char *provider;
  char *authorize_url;
  char *token_url;
  char *scope;
  char *client_id;
  char *client_secret;
} ObOAuthConfig;

/**
 * ObOAuthTokens:
 * @expires_at: Unix time the access token stops working
 *
 * What the token endpoint gave. ob_oauth_tokens_free() wipes the tokens.
 */
typedef struct
{
  char   *access_token;
  char   *refresh_token;
  gint64  expires_at;
} ObOAuthTokens;

/* Called once, on the thread that runs ob_oauth_sign_in_sync(), with the
 * page the user must open in a browser. Hand it to the main thread to open
 * it (gtk_show_uri) or print it; do not block here. */
typedef void (*ObOAuthOpenUrlFunc) (const char *url,
                                    gpointer    user_data);

GQuark          ob_oauth_error_quark        (void);

gboolean        ob_oauth_provider_is_known  (const char          *provider);
const char     *ob_oauth_provider_name      (const char          *provider);
/* The ObAccountPreset id whose servers go with @provider: "gmail",
 * "microsoft"; NULL for an unknown provider. */
const char     *ob_oauth_provider_preset    (const char          *provider);

/* Any thread: reads GSettings (thread-safe). NOT_CONFIGURED without a
 * client ID. */
ObOAuthConfig  *ob_oauth_config_load        (const char          *provider,
                                             GError             **error);
void            ob_oauth_config_free        (ObOAuthConfig       *config);

void            ob_oauth_tokens_free        (ObOAuthTokens       *tokens);

/* Blocking, worker threads and the CLI: runs its own main context. Starts
 * the loopback server, calls @open_url with the consent page, waits up to
 * @timeout_seconds for the one redirect, then exchanges the code. */
ObOAuthTokens  *ob_oauth_sign_in_sync       (const ObOAuthConfig *config,
                                             const char          *login_hint,
                                             guint                timeout_seconds,
                                             ObOAuthOpenUrlFunc   open_url,
                                             gpointer             user_data,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* Blocking: a refresh_token grant. */
ObOAuthTokens  *ob_oauth_refresh_sync       (const ObOAuthConfig *config,
                                             const char          *refresh_token,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* Blocking (keyring): files the refresh token and the access token with
 * its expiry under the account's keyring_id. */
gboolean        ob_oauth_store_tokens       (const ObAccount     *account,
                                             const ObOAuthTokens *tokens,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* Blocking (keyring, network): the account's access token, refreshed when
 * it expires within OB_OAUTH_REFRESH_MARGIN_SECONDS or when @force_refresh
 * (the server refused the last one). One refresh at a time per process.
 * Free with ob_secrets_free(). */
char           *ob_oauth_dup_access_token   (const ObAccount     *account,
                                             gboolean             force_refresh,
                                             GCancellable        *cancellable,
                                             GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObOAuthConfig, ob_oauth_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObOAuthTokens, ob_oauth_tokens_free)

G_END_DECLS
