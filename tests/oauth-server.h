/* oauth-server.h: a local OAuth 2.0 provider for the tests (libsoup)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What /authorize and /token do, chosen per test. */
typedef enum
{
  OAUTH_MODE_OK,
  OAUTH_MODE_DENY,           /* /authorize: error=access_denied */
  OAUTH_MODE_WRONG_STATE,    /* /authorize: a state the client did not send */
  OAUTH_MODE_REVOKED,        /* /token: every refresh token is invalid_grant */
  OAUTH_MODE_DOWN,           /* /token: 503 */
} OAuthMode;

typedef struct _OAuthServer OAuthServer;

/* Listens on 127.0.0.1:@port (0: any) on a thread of its own. Only
 * @client_id (and @client_secret, when not NULL) is accepted; introspection
 * names @username as the owner of every live token. */
OAuthServer *oauth_server_start        (guint16      port,
                                        const char  *client_id,
                                        const char  *client_secret,
                                        const char  *username);
void         oauth_server_stop         (OAuthServer *self);
/* http://127.0.0.1:PORT@path */
char        *oauth_server_url          (OAuthServer *self,
                                        const char  *path);
void         oauth_server_set_mode     (OAuthServer *self,
                                        OAuthMode    mode);
/* The lifetime of the access tokens handed out from now on. */
void         oauth_server_set_expires_in (OAuthServer *self,
                                          gint64       seconds);
/* Every access token handed out so far stops working (introspection says
 * inactive) while the refresh tokens still work. */
void         oauth_server_revoke_access (OAuthServer *self);
/* "authorize", "code" (codes exchanged after a PKCE check), "refresh",
 * "introspect-active", "introspect-inactive", "pkce-failed" */
guint        oauth_server_count        (OAuthServer *self,
                                        const char  *what);
/* The last login_hint /authorize got, or NULL. */
char        *oauth_server_dup_login_hint (OAuthServer *self);
/* Every token and code it handed out, for the tests that look for them
 * where they must not be. */
GPtrArray   *oauth_server_dup_secrets  (OAuthServer *self);

G_END_DECLS
