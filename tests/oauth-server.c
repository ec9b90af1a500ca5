/* oauth-server.c: a local OAuth 2.0 provider for the tests (libsoup)
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * /authorize  GET: checks response_type, client_id, the S256 challenge, then
 *             redirects to redirect_uri with code and state (or an error,
 *             per the mode); what a consent page does once the user agrees.
 * /token      POST form: authorization_code (checks client, code, the
 *             redirect_uri, and the PKCE verifier against the challenge) and
 *             refresh_token; errors as RFC 6749 5.2 says (JSON, 400/401).
 * /introspect POST form token=... (RFC 7662): {"active": ..., "username":
 *             ...}, for Dovecot's oauth2 passdb (introspection_mode = post).
 * The server runs on a thread of its own with its own main context; the
 * accessors lock.
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "oauth-server.h"

struct _OAuthServer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint16       port;
  char         *client_id;
  char         *client_secret;
  char         *username;

  GMutex        lock;
  GCond         ready;
  gboolean      started;
  OAuthMode     mode;
  gint64        expires_in;
  GHashTable   *codes;      /* code → Grant */
  GHashTable   *refresh;    /* refresh token → TRUE */
  GHashTable   *access;     /* access token → expiry (gint64 *) */
  GHashTable   *counts;     /* what → count */
  GPtrArray    *secrets;
  char         *login_hint;
  guint         serial;
};

typedef struct
{
  char *challenge;
  char *redirect_uri;
} Grant;

static void
grant_free (Grant *grant)
{
  g_free (grant->challenge);
  g_free (grant->redirect_uri);
  g_free (grant);
}

static void
count (OAuthServer *self,
       const char  *what)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, what));

  g_hash_table_insert (self->counts, g_strdup (what), GUINT_TO_POINTER (n + 1));
}

static char *
new_secret (OAuthServer *self,
            const char  *kind)
{
  g_autofree char *uuid = g_uuid_string_random ();
  char *secret = g_strdup_printf ("%s-%u-%s", kind, ++self->serial, uuid);

  g_ptr_array_add (self->secrets, g_strdup (secret));
  return secret;
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                    strlen (json));
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *code,
             const char        *description)
{
  g_autofree char *json = g_strdup_printf ("{\"error\": \"%s\", \"error_description\": \"%s\"}",
                                           code, description);

  reply_json (msg, status, json);
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autofree char *text = g_strndup (body->data, body->length);

  return soup_form_decode (text);
}

static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  char *text;

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &length);
  text = g_base64_encode (digest, length);
  for (char *p = text; *p != '\0'; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
    else if (*p == '=')
      *p = '\0';
  return text;
}

static void
on_authorize (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  OAuthServer *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  const char *redirect_uri = query != NULL ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *challenge = query != NULL ? g_hash_table_lookup (query, "code_challenge") : NULL;
  g_autofree char *location = NULL;

  count (self, "authorize");
  g_free (self->login_hint);
  self->login_hint = g_strdup (query != NULL ? g_hash_table_lookup (query, "login_hint") : NULL);
  if (redirect_uri == NULL || !g_str_has_prefix (redirect_uri, "http://127.0.0.1:")
      || g_strcmp0 (g_hash_table_lookup (query, "client_id"), self->client_id) != 0
      || g_strcmp0 (g_hash_table_lookup (query, "response_type"), "code") != 0
      || g_strcmp0 (g_hash_table_lookup (query, "code_challenge_method"), "S256") != 0
      || challenge == NULL || strlen (challenge) != 43 || state == NULL
      || g_hash_table_lookup (query, "scope") == NULL)
    {
      /* What a provider does with a request it cannot trust: no redirect. */
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }

  if (self->mode == OAUTH_MODE_DENY)
    location = g_strdup_printf ("%s?error=access_denied&error_description=The+user+said+no"
                                "&state=%s", redirect_uri, state);
  else
    {
      g_autofree char *code = new_secret (self, "code");
      Grant *grant = g_new0 (Grant, 1);
      g_autofree char *escaped_state = g_uri_escape_string (self->mode == OAUTH_MODE_WRONG_STATE
                                                            ? "forged" : state, NULL, FALSE);

      grant->challenge = g_strdup (challenge);
      grant->redirect_uri = g_strdup (redirect_uri);
      g_hash_table_insert (self->codes, g_strdup (code), grant);
      location = g_strdup_printf ("%s?code=%s&state=%s", redirect_uri, code, escaped_state);
    }
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static void
issue_tokens (OAuthServer       *self,
              SoupServerMessage *msg,
              gboolean           with_refresh)
{
  g_autofree char *access = new_secret (self, "access");
  g_autofree char *refresh = with_refresh ? new_secret (self, "refresh") : NULL;
  g_autofree char *json = NULL;
  gint64 *expiry = g_new (gint64, 1);

  *expiry = g_get_real_time () / G_USEC_PER_SEC + self->expires_in;
  g_hash_table_insert (self->access, g_strdup (access), expiry);
  if (refresh != NULL)
    g_hash_table_add (self->refresh, g_strdup (refresh));
  json = g_strdup_printf ("{\"access_token\": \"%s\", \"token_type\": \"Bearer\", "
                          "\"expires_in\": %" G_GINT64_FORMAT ", \"scope\": \"mail\"%s%s%s}",
                          access, self->expires_in,
                          refresh != NULL ? ", \"refresh_token\": \"" : "",
                          refresh != NULL ? refresh : "", refresh != NULL ? "\"" : "");
  reply_json (msg, SOUP_STATUS_OK, json);
}

static void
on_token (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  OAuthServer *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GHashTable) form = NULL;
  const char *grant_type;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  if (self->mode == OAUTH_MODE_DOWN)
    {
      reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "temporarily_unavailable", "Down");
      return;
    }
  form = read_form (msg);
  if (g_strcmp0 (g_hash_table_lookup (form, "client_id"), self->client_id) != 0
      || (self->client_secret != NULL
          && g_strcmp0 (g_hash_table_lookup (form, "client_secret"), self->client_secret) != 0))
    {
      reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client", "Unknown client");
      return;
    }
  grant_type = g_hash_table_lookup (form, "grant_type");
  if (g_strcmp0 (grant_type, "authorization_code") == 0)
    {
      const char *code = g_hash_table_lookup (form, "code");
      const char *verifier = g_hash_table_lookup (form, "code_verifier");
      Grant *grant = code != NULL ? g_hash_table_lookup (self->codes, code) : NULL;
      g_autofree char *challenge = verifier != NULL ? s256 (verifier) : NULL;

      if (grant == NULL
          || g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), grant->redirect_uri) != 0)
        {
          reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "Unknown code");
          return;
        }
      if (verifier == NULL || strlen (verifier) < 43 || g_strcmp0 (challenge, grant->challenge) != 0)
        {
          count (self, "pkce-failed");
          reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "PKCE verification failed");
          return;
        }
      g_hash_table_remove (self->codes, code);
      count (self, "code");
      issue_tokens (self, msg, TRUE);
    }
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *refresh = g_hash_table_lookup (form, "refresh_token");

      if (self->mode == OAUTH_MODE_REVOKED || refresh == NULL
          || !g_hash_table_contains (self->refresh, refresh))
        {
          reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "Token has been expired or revoked.");
          return;
        }
      count (self, "refresh");
      issue_tokens (self, msg, FALSE);
    }
  else
    reply_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type", "No such grant");
}

static void
on_introspect (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  OAuthServer *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GHashTable) form = read_form (msg);
  const char *token = g_hash_table_lookup (form, "token");
  gint64 *expiry = token != NULL ? g_hash_table_lookup (self->access, token) : NULL;
  g_autofree char *json = NULL;

  if (expiry != NULL && *expiry > g_get_real_time () / G_USEC_PER_SEC)
    {
      count (self, "introspect-active");
      json = g_strdup_printf ("{\"active\": true, \"username\": \"%s\", \"scope\": \"mail\"}",
                              self->username);
    }
  else
    {
      count (self, "introspect-inactive");
      json = g_strdup ("{\"active\": false}");
    }
  reply_json (msg, SOUP_STATUS_OK, json);
}

static gpointer
server_thread (gpointer data)
{
  OAuthServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, "/authorize", on_authorize, self, NULL);
  soup_server_add_handler (self->server, "/token", on_token, self, NULL);
  soup_server_add_handler (self->server, "/introspect", on_introspect, self, NULL);
  if (!soup_server_listen_local (self->server, self->port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("The OAuth test server cannot listen on port %u: %s", self->port, error->message);
  uris = soup_server_get_uris (self->server);
  self->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

OAuthServer *
oauth_server_start (guint16     port,
                    const char *client_id,
                    const char *client_secret,
                    const char *username)
{
  OAuthServer *self = g_new0 (OAuthServer, 1);

  self->port = port;
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
  self->username = g_strdup (username);
  self->expires_in = 3600;
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
  self->refresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->access = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->secrets = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("oauth-server", server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
oauth_server_stop (OAuthServer *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->codes);
  g_hash_table_unref (self->refresh);
  g_hash_table_unref (self->access);
  g_hash_table_unref (self->counts);
  g_ptr_array_unref (self->secrets);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_free (self->username);
  g_free (self->login_hint);
  g_free (self);
}

char *
oauth_server_url (OAuthServer *self,
                  const char  *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

void
oauth_server_set_mode (OAuthServer *self,
                       OAuthMode    mode)
{
  g_mutex_lock (&self->lock);
  self->mode = mode;
  g_mutex_unlock (&self->lock);
}

void
oauth_server_set_expires_in (OAuthServer *self,
                             gint64       seconds)
{
  g_mutex_lock (&self->lock);
  self->expires_in = seconds;
  g_mutex_unlock (&self->lock);
}

void
oauth_server_revoke_access (OAuthServer *self)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->access);
  g_mutex_unlock (&self->lock);
}

guint
oauth_server_count (OAuthServer *self,
                    const char  *what)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, what));
  g_mutex_unlock (&self->lock);
  return n;
}

char *
oauth_server_dup_login_hint (OAuthServer *self)
{
  char *hint;

  g_mutex_lock (&self->lock);
  hint = g_strdup (self->login_hint);
  g_mutex_unlock (&self->lock);
  return hint;
}

GPtrArray *
oauth_server_dup_secrets (OAuthServer *self)
{
  GPtrArray *copy;

  g_mutex_lock (&self->lock);
  copy = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->secrets->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (self->secrets, i)));
  g_mutex_unlock (&self->lock);
  return copy;
}
