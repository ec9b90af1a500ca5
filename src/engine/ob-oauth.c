/* ob-oauth.c: OAuth 2.0 sign-in (Google, Microsoft) and the account's tokens
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: ob_oauth_config_load() and the small helpers on any thread.
 * ob_oauth_sign_in_sync(), ob_oauth_refresh_sync(), ob_oauth_store_tokens()
 * and ob_oauth_dup_access_token() block (network, keyring): worker threads
 * and the CLI only, never the UI's main thread. The sign-in pushes a main
 * context of its own for its loopback server, so it may run on any thread
 * that is not iterating that thread's default context.
 *
 * The authorization-code flow for installed apps (RFC 8252): PKCE S256
 * (RFC 7636), a redirect to http://127.0.0.1:PORT/ served by a SoupServer
 * that answers one request and closes, the state parameter checked. Tokens
 * live only in the keyring (ob-secrets): the refresh token as
 * "oauth2-refresh", the access token as "oauth2-access" holding
 * "EXPIRES_AT TOKEN". Nothing here logs a token, the code or the verifier.
 */

#define G_LOG_DOMAIN "ob-oauth"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gnutls/crypto.h>
#include <libsoup/soup.h>

#include "ob-oauth.h"
#include "ob-tls.h"

G_DEFINE_QUARK (ob-oauth-error-quark, ob_oauth_error)

#define TOKEN_TIMEOUT_SECONDS 30
#define DEFAULT_EXPIRES_IN    3600

typedef struct
{
  const char *id;
  const char *name;
  const char *preset;
  const char *authorize_url;
  const char *token_url;
  const char *scope;
} Profile;

static const Profile profiles[] = {
  { "google", N_("Google"), "gmail",
    "https://accounts.google.com/o/oauth2/v2/auth",
    "https://oauth2.googleapis.com/token",
    "https://mail.google.com/" },
  { "microsoft", N_("Microsoft"), "microsoft",
    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    "https://login.microsoftonline.com/common/oauth2/v2.0/token",
    "https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/SMTP.Send offline_access" },
};

static const Profile *
profile_find (const char *provider)
{
  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    if (g_strcmp0 (profiles[i].id, provider) == 0)
      return &profiles[i];
  return NULL;
}

gboolean
ob_oauth_provider_is_known (const char *provider)
{
  return profile_find (provider) != NULL;
}

/* Translated. */
const char *
ob_oauth_provider_name (const char *provider)
{
  const Profile *profile = profile_find (provider);

  return profile != NULL ? _(profile->name) : provider;
}

const char *
ob_oauth_provider_preset (const char *provider)
{
  const Profile *profile = profile_find (provider);

  return profile != NULL ? profile->preset : NULL;
}

/* ---- Configuration ---------------------------------------------------------- */

static char *
settings_string (GSettings  *settings,
                 const char *provider,
                 const char *what)
{
  g_autofree char *key = g_strdup_printf ("oauth-%s-%s", provider, what);
  g_autofree char *value = g_settings_get_string (settings, key);

  g_strstrip (value);
  return value[0] != '\0' ? g_steal_pointer (&value) : NULL;
}

ObOAuthConfig *
ob_oauth_config_load (const char  *provider,
                      GError     **error)
{
  const Profile *profile = profile_find (provider);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;
  GSettingsSchemaSource *source;

  if (profile == NULL)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                   _("“%s” is not a sign-in provider Outbound knows (google, microsoft)"),
                   provider != NULL ? provider : "");
      return NULL;
    }
  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NOT_CONFIGURED,
                   _("Outbound’s settings schema (%s) is not installed, so no client ID can be "
                     "read"), APP_ID);
      return NULL;
    }
  settings = g_settings_new_full (schema, NULL, NULL);

  config = g_new0 (ObOAuthConfig, 1);
  config->provider = g_strdup (profile->id);
  config->scope = g_strdup (profile->scope);
  config->client_id = settings_string (settings, profile->id, "client-id");
  config->client_secret = settings_string (settings, profile->id, "client-secret");
  config->authorize_url = settings_string (settings, profile->id, "authorize-url");
  if (config->authorize_url == NULL)
    config->authorize_url = g_strdup (profile->authorize_url);
  config->token_url = settings_string (settings, profile->id, "token-url");
  if (config->token_url == NULL)
    config->token_url = g_strdup (profile->token_url);

  if (config->client_id == NULL)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NOT_CONFIGURED,
                   /* Translators: %s is Google or Microsoft */
                   _("No %s client ID is set. Register Outbound as a desktop app with %s, then "
                     "enter its client ID (and secret, if it has one) in Preferences."),
                   _(profile->name), _(profile->name));
      return NULL;
    }
  return g_steal_pointer (&config);
}

void
ob_oauth_config_free (ObOAuthConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->provider);
  g_free (config->authorize_url);
  g_free (config->token_url);
  g_free (config->scope);
  g_free (config->client_id);
  g_clear_pointer (&config->client_secret, ob_secrets_free);
  g_free (config);
}

void
ob_oauth_tokens_free (ObOAuthTokens *tokens)
{
  if (tokens == NULL)
    return;
  g_clear_pointer (&tokens->access_token, ob_secrets_free);
  g_clear_pointer (&tokens->refresh_token, ob_secrets_free);
  g_free (tokens);
}

/* ---- A small JSON reader: the top level of one object ------------------------ */

/* Token answers are one flat object; nested values are skipped. Every
 * scalar is kept as text (numbers as written, true/false, null as NULL). */

static void
skip_space (const char **p)
{
  while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
    (*p)++;
}

static gboolean
parse_string (const char **p,
              GString     *out)
{
  if (**p != '"')
    return FALSE;
  (*p)++;
  while (**p != '"')
    {
      char c = **p;

      if (c == '\0' || (guchar) c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          if (out != NULL)
            g_string_append_c (out, c);
          (*p)++;
          continue;
        }
      (*p)++;
      c = **p;
      switch (c)
        {
        case '"': case '\\': case '/':
          if (out != NULL)
            g_string_append_c (out, c);
          break;
        case 'b': if (out != NULL) g_string_append_c (out, '\b'); break;
        case 'f': if (out != NULL) g_string_append_c (out, '\f'); break;
        case 'n': if (out != NULL) g_string_append_c (out, '\n'); break;
        case 'r': if (out != NULL) g_string_append_c (out, '\r'); break;
        case 't': if (out != NULL) g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar u = 0;

            for (int i = 1; i <= 4; i++)
              {
                if (!g_ascii_isxdigit ((*p)[i]))
                  return FALSE;
                u = u * 16 + g_ascii_xdigit_value ((*p)[i]);
              }
            *p += 4;
            /* Surrogates are not text a token answer needs: a stand-in. */
            if (u >= 0xd800 && u <= 0xdfff)
              u = 0xfffd;
            if (out != NULL)
              g_string_append_unichar (out, u);
          }
          break;
        default:
          return FALSE;
        }
      (*p)++;
    }
  (*p)++;
  return TRUE;
}

static gboolean
skip_value (const char **p,
            int          depth);

static gboolean
skip_container (const char **p,
                int          depth)
{
  char close = **p == '{' ? '}' : ']';
  gboolean object = **p == '{';

  if (depth > 32)
    return FALSE;
  (*p)++;
  skip_space (p);
  if (**p == close)
    {
      (*p)++;
      return TRUE;
    }
  for (;;)
    {
      if (object)
        {
          if (!parse_string (p, NULL))
            return FALSE;
          skip_space (p);
          if (**p != ':')
            return FALSE;
          (*p)++;
        }
      if (!skip_value (p, depth + 1))
        return FALSE;
      skip_space (p);
      if (**p == ',')
        {
          (*p)++;
          skip_space (p);
          continue;
        }
      if (**p != close)
        return FALSE;
      (*p)++;
      return TRUE;
    }
}

static gboolean
skip_value (const char **p,
            int          depth)
{
  skip_space (p);
  if (**p == '"')
    return parse_string (p, NULL);
  if (**p == '{' || **p == '[')
    return skip_container (p, depth);
  if (!(g_ascii_isalnum (**p) || **p == '-'))
    return FALSE;
  while (g_ascii_isalnum (**p) || **p == '-' || **p == '+' || **p == '.')
    (*p)++;
  return TRUE;
}

/* NULL when @text is not one JSON object. Values of nested objects and
 * arrays are not kept. */
static GHashTable *
parse_json_object (const char *text)
{
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) ob_secrets_free);
  const char *p = text;

  skip_space (&p);
  if (*p != '{')
    return NULL;
  p++;
  skip_space (&p);
  if (*p == '}')
    return g_steal_pointer (&fields);
  for (;;)
    {
      g_autoptr(GString) key = g_string_new (NULL);

      if (!parse_string (&p, key))
        return NULL;
      skip_space (&p);
      if (*p != ':')
        return NULL;
      p++;
      skip_space (&p);
      if (*p == '"')
        {
          GString *value = g_string_new (NULL);

          if (!parse_string (&p, value))
            {
              memset (value->str, 0, value->len);
              g_string_free (value, TRUE);
              return NULL;
            }
          g_hash_table_replace (fields, g_string_free (g_steal_pointer (&key), FALSE),
                                g_string_free (value, FALSE));
        }
      else if (*p == '{' || *p == '[')
        {
          if (!skip_container (&p, 1))
            return NULL;
        }
      else
        {
          const char *start = p;

          if (!skip_value (&p, 1))
            return NULL;
          if (!(p - start == 4 && strncmp (start, "null", 4) == 0))
            g_hash_table_replace (fields, g_string_free (g_steal_pointer (&key), FALSE),
                                  g_strndup (start, p - start));
        }
      skip_space (&p);
      if (*p == ',')
        {
          p++;
          skip_space (&p);
          continue;
        }
      if (*p != '}')
        return NULL;
      p++;
      skip_space (&p);
      return *p == '\0' ? g_steal_pointer (&fields) : NULL;
    }
}

/* ---- PKCE and state ------------------------------------------------------- */

static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *end;

  for (char *p = text; *p != '\0'; p++)
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  end = strchr (text, '=');
  if (end != NULL)
    *end = '\0';
  return text;
}

/* 32 random bytes as 43 base64url characters: a PKCE verifier (RFC 7636
 * section 4.1) or a state. */
static char *
random_token (void)
{
  guint8 bytes[32];
  char *text;

  if (gnutls_rnd (GNUTLS_RND_KEY, bytes, sizeof bytes) != 0)
    g_error ("gnutls_rnd failed: no random numbers");
  text = base64url (bytes, sizeof bytes);
  memset (bytes, 0, sizeof bytes);
  return text;
}

static char *
pkce_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

/* ---- Errors ----------------------------------------------------------------- */

static char *
sanitize (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  return ob_tls_sanitize_text (text, MIN (strlen (text), 300));
}

/* What an OAuth "error" code (RFC 6749 4.1.2.1 and 5.2) means to the rep. */
static void
set_oauth_error (GError    **error,
                 const char *code,
                 const char *description,
                 const char *provider_name)
{
  g_autofree char *said = sanitize (description != NULL && description[0] != '\0'
                                    ? description : code);

  if (g_strcmp0 (code, "access_denied") == 0)
    g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_DENIED,
                 /* Translators: %s is Google or Microsoft */
                 _("You did not allow Outbound to use your mailbox at %s. Sign in again and "
                   "allow access to send and read mail."), provider_name);
  else if (g_strcmp0 (code, "invalid_client") == 0 || g_strcmp0 (code, "unauthorized_client") == 0)
    g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_CLIENT,
                 /* Translators: the first %s is Google or Microsoft, the second its own words */
                 _("%s refused Outbound’s client ID or secret: check them in Preferences (%s)"),
                 provider_name, said);
  else if (g_strcmp0 (code, "invalid_grant") == 0)
    g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN,
                 /* Translators: the first %s is Google or Microsoft, the second its own words */
                 _("%s no longer accepts this sign-in (it was revoked or has expired): sign in "
                   "again (%s)"), provider_name, said);
  else if (g_strcmp0 (code, "temporarily_unavailable") == 0 || g_strcmp0 (code, "server_error") == 0)
    g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK,
                 _("%s cannot sign in right now; try again later (%s)"), provider_name, said);
  else
    g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                 _("%s refused the sign-in: %s"), provider_name, said);
}

/* ---- The token endpoint ------------------------------------------------------- */

static SoupSession *
session_new (void)
{
  return g_object_new (SOUP_TYPE_SESSION,
                       "timeout", TOKEN_TIMEOUT_SECONDS,
                       "idle-timeout", TOKEN_TIMEOUT_SECONDS,
                       "user-agent", "Outbound/" PACKAGE_VERSION " ",
                       NULL);
}

/* POSTs @form (freed here) to the token endpoint and reads the answer. */
static ObOAuthTokens *
token_request (const ObOAuthConfig *config,
               GHashTable          *form,
               gboolean             need_refresh_token,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(GHashTable) owned_form = form;
  g_autoptr(SoupSession) session = session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GHashTable) fields = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autofree char *text = NULL;
  const char *provider_name = ob_oauth_provider_name (config->provider);
  const char *expires_in;
  guint status;
  gsize size = 0;
  const char *data;

  g_hash_table_insert (form, (char *) "client_id", config->client_id);
  if (config->client_secret != NULL)
    g_hash_table_insert (form, (char *) "client_secret", config->client_secret);
  message = soup_message_new_from_encoded_form ("POST", config->token_url, soup_form_encode_hash (form));
  if (message == NULL)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NOT_CONFIGURED,
                   _("The %s token address “%s” is not a valid URL: check Preferences"),
                   provider_name, config->token_url);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  body = soup_session_send_and_read (session, message, cancellable, &local_error);
  if (body == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK,
                   /* Translators: the first %s is Google or Microsoft, the second a technical reason */
                   _("Cannot reach %s to sign in: %s"), provider_name, local_error->message);
      return NULL;
    }
  status = soup_message_get_status (message);
  data = g_bytes_get_data (body, &size);
  text = g_strndup (data != NULL ? data : "", size);
  fields = parse_json_object (text);
  memset (text, 0, strlen (text));

  if (status >= 500)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK,
                   _("%s cannot sign in right now; try again later (HTTP %u)"),
                   provider_name, status);
      return NULL;
    }
  if (fields == NULL)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                   _("%s answered the sign-in with something that is not JSON (HTTP %u)"),
                   provider_name, status);
      return NULL;
    }
  if (status != 200 || g_hash_table_contains (fields, "error"))
    {
      const char *code = g_hash_table_lookup (fields, "error");

      if (code == NULL)
        code = status == 401 ? "invalid_client" : "";
      set_oauth_error (error, code, g_hash_table_lookup (fields, "error_description"),
                       provider_name);
      return NULL;
    }

  tokens = g_new0 (ObOAuthTokens, 1);
  tokens->access_token = g_strdup (g_hash_table_lookup (fields, "access_token"));
  tokens->refresh_token = g_strdup (g_hash_table_lookup (fields, "refresh_token"));
  if (tokens->access_token == NULL || tokens->access_token[0] == '\0'
      || (need_refresh_token && tokens->refresh_token == NULL))
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                   _("%s answered the sign-in without the tokens Outbound needs (is offline "
                     "access allowed for this client?)"), provider_name);
      return NULL;
    }
  expires_in = g_hash_table_lookup (fields, "expires_in");
  tokens->expires_at = g_get_real_time () / G_USEC_PER_SEC
                       + (expires_in != NULL ? g_ascii_strtoll (expires_in, NULL, 10)
                                             : DEFAULT_EXPIRES_IN);
  return g_steal_pointer (&tokens);
}

ObOAuthTokens *
ob_oauth_refresh_sync (const ObOAuthConfig *config,
                       const char          *refresh_token,
                       GCancellable        *cancellable,
                       GError             **error)
{
  GHashTable *form = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (config != NULL && refresh_token != NULL, NULL);

  g_hash_table_insert (form, (char *) "grant_type", (char *) "refresh_token");
  g_hash_table_insert (form, (char *) "refresh_token", (char *) refresh_token);
  return token_request (config, form, FALSE, cancellable, error);
}

/* ---- The loopback redirect ------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  char         *state;
  const char   *provider_name;
  char         *code;
  GError       *error;
  gboolean      done;
  gboolean      answered;
  gboolean      timed_out;
} Redirect;

static void
on_answer_finished (SoupServerMessage *message,
                    gpointer           user_data)
{
  Redirect *redirect = user_data;

  redirect->answered = TRUE;
  g_main_context_wakeup (redirect->context);
}

static void
answer_page (SoupServerMessage *message,
             guint              status,
             const char        *title,
             const char        *text)
{
  g_autofree char *safe_title = g_markup_escape_text (title, -1);
  g_autofree char *safe_text = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                                           "<title>%s</title></head><body style=\"font-family: "
                                           "sans-serif; margin: 3em\"><h1>%s</h1><p>%s</p>"
                                           "</body></html>\n",
                                           safe_title, safe_title, safe_text);

  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

static void
on_redirect (SoupServer        *server,
             SoupServerMessage *message,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Redirect *redirect = user_data;
  const char *state, *code, *failure;

  /* A browser also asks for /favicon.ico; only the redirect counts. */
  code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  failure = query != NULL ? g_hash_table_lookup (query, "error") : NULL;
  if (redirect->done || g_strcmp0 (path, "/") != 0 || (code == NULL && failure == NULL))
    {
      answer_page (message, SOUP_STATUS_NOT_FOUND, _("Not found"),
                   _("This is Outbound’s sign-in page; nothing else is here."));
      return;
    }

  state = g_hash_table_lookup (query, "state");
  redirect->done = TRUE;
  g_signal_connect (message, "finished", G_CALLBACK (on_answer_finished), redirect);
  g_main_context_wakeup (redirect->context);

  if (g_strcmp0 (state, redirect->state) != 0)
    g_set_error (&redirect->error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                 _("The browser came back with a sign-in Outbound did not ask for (the state "
                   "does not match): try again"));
  else if (failure != NULL)
    set_oauth_error (&redirect->error, failure, g_hash_table_lookup (query, "error_description"),
                     redirect->provider_name);
  else
    redirect->code = g_strdup (code);

  if (redirect->code != NULL)
    answer_page (message, SOUP_STATUS_OK, _("Signed in"),
                 _("Outbound is signed in. You can close this tab and go back to Outbound."));
  else
    answer_page (message, SOUP_STATUS_OK, _("Sign-in failed"), redirect->error->message);
}

static gboolean
on_timeout (gpointer user_data)
{
  Redirect *redirect = user_data;

  redirect->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  return G_SOURCE_CONTINUE;
}

static char *
build_authorize_url (const ObOAuthConfig *config,
                     const char          *redirect_uri,
                     const char          *state,
                     const char          *challenge,
                     const char          *login_hint)
{
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *encoded = NULL;

  g_hash_table_insert (query, (char *) "response_type", (char *) "code");
  g_hash_table_insert (query, (char *) "client_id", config->client_id);
  g_hash_table_insert (query, (char *) "redirect_uri", (char *) redirect_uri);
  g_hash_table_insert (query, (char *) "scope", config->scope);
  g_hash_table_insert (query, (char *) "state", (char *) state);
  g_hash_table_insert (query, (char *) "code_challenge", (char *) challenge);
  g_hash_table_insert (query, (char *) "code_challenge_method", (char *) "S256");
  if (g_strcmp0 (config->provider, "google") == 0)
    {
      /* A refresh token every time, not only at the first consent. */
      g_hash_table_insert (query, (char *) "access_type", (char *) "offline");
      g_hash_table_insert (query, (char *) "prompt", (char *) "consent");
    }
  if (login_hint != NULL && login_hint[0] != '\0')
    g_hash_table_insert (query, (char *) "login_hint", (char *) login_hint);
  encoded = soup_form_encode_hash (query);
  return g_strconcat (config->authorize_url, strchr (config->authorize_url, '?') != NULL ? "&" : "?",
                      encoded, NULL);
}

ObOAuthTokens *
ob_oauth_sign_in_sync (const ObOAuthConfig *config,
                       const char          *login_hint,
                       guint                timeout_seconds,
                       ObOAuthOpenUrlFunc   open_url,
                       gpointer             user_data,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GSource) cancel_source = NULL;
  g_autoptr(GSource) linger = NULL;
  g_autoptr(GError) listen_error = NULL;
  g_autofree char *verifier = random_token ();
  g_autofree char *challenge = pkce_challenge (verifier);
  g_autofree char *redirect_uri = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  Redirect redirect = { 0 };
  ObOAuthTokens *tokens = NULL;
  GHashTable *form;
  guint port = 0;

  g_return_val_if_fail (config != NULL && config->client_id != NULL, NULL);
  g_return_val_if_fail (open_url != NULL, NULL);

  redirect.context = context;
  redirect.state = random_token ();
  redirect.provider_name = ob_oauth_provider_name (config->provider);

  g_main_context_push_thread_default (context);
  server = soup_server_new ("server-header", "Outbound ", NULL);
  soup_server_add_handler (server, NULL, on_redirect, &redirect, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &listen_error))
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL,
                   _("Outbound cannot wait for the browser on 127.0.0.1: %s"),
                   listen_error->message);
      goto out;
    }
  uris = soup_server_get_uris (server);
  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
  url = build_authorize_url (config, redirect_uri, redirect.state, challenge, login_hint);

  timeout = g_timeout_source_new ((timeout_seconds > 0 ? timeout_seconds
                                                       : OB_OAUTH_DEFAULT_TIMEOUT_SECONDS) * 1000);
  g_source_set_callback (timeout, on_timeout, &redirect, NULL);
  g_source_attach (timeout, context);
  if (cancellable != NULL)
    {
      cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_cancelled), NULL, NULL);
      g_source_attach (cancel_source, context);
    }

  open_url (url, user_data);

  while (!redirect.done && !redirect.timed_out && !g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (context, TRUE);
  /* Ready for as long as it is cancelled: not a source to keep. */
  if (cancel_source != NULL)
    g_source_destroy (cancel_source);

  if (redirect.done)
    {
      /* Let the "you can close this tab" page reach the browser. */
      redirect.timed_out = FALSE;
      linger = g_timeout_source_new_seconds (2);
      g_source_set_callback (linger, on_timeout, &redirect, NULL);
      g_source_attach (linger, context);
      while (!redirect.answered && !redirect.timed_out)
        g_main_context_iteration (context, TRUE);
      g_source_destroy (linger);
    }
  soup_server_disconnect (server);
  g_source_destroy (timeout);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  if (!redirect.done)
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_TIMEOUT,
                   /* Translators: %s is Google or Microsoft */
                   _("The browser did not come back from %s in time: sign in again and finish "
                     "in the browser page that opens"), redirect.provider_name);
      goto out;
    }
  if (redirect.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&redirect.error));
      goto out;
    }

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, (char *) "grant_type", (char *) "authorization_code");
  g_hash_table_insert (form, (char *) "code", redirect.code);
  g_hash_table_insert (form, (char *) "redirect_uri", redirect_uri);
  g_hash_table_insert (form, (char *) "code_verifier", verifier);
  tokens = token_request (config, form, TRUE, cancellable, error);

out:
  g_main_context_pop_thread_default (context);
  g_clear_pointer (&redirect.code, ob_secrets_free);
  g_clear_pointer (&redirect.state, ob_secrets_free);
  g_clear_error (&redirect.error);
  memset (verifier, 0, strlen (verifier));
  return tokens;
}

/* ---- Tokens in the keyring ----------------------------------------------- */

static gboolean
store_access_token (const ObAccount     *account,
                    const ObOAuthTokens *tokens,
                    GCancellable        *cancellable,
                    GError             **error)
{
  g_autofree char *label = ob_account_dup_secret_label (account, OB_SECRET_OAUTH2_ACCESS);
  g_autoptr(ObSecret) secret = g_strdup_printf ("%" G_GINT64_FORMAT " %s", tokens->expires_at,
                                                tokens->access_token);

  return ob_secrets_store_sync (account->keyring_id, OB_SECRET_OAUTH2_ACCESS, label, secret,
                                cancellable, error);
}

gboolean
ob_oauth_store_tokens (const ObAccount     *account,
                       const ObOAuthTokens *tokens,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (account != NULL && account->keyring_id != NULL, FALSE);
  g_return_val_if_fail (tokens != NULL && tokens->access_token != NULL, FALSE);

  if (tokens->refresh_token != NULL)
    {
      label = ob_account_dup_secret_label (account, OB_SECRET_OAUTH2_REFRESH);
      if (!ob_secrets_store_sync (account->keyring_id, OB_SECRET_OAUTH2_REFRESH, label,
                                  tokens->refresh_token, cancellable, error))
        return FALSE;
    }
  return store_access_token (account, tokens, cancellable, error);
}

/* "EXPIRES_AT TOKEN" */
static gboolean
parse_access_secret (const char  *secret,
                     gint64      *expires_at,
                     const char **token)
{
  char *end = NULL;

  *expires_at = g_ascii_strtoll (secret, &end, 10);
  if (end == secret || *end != ' ' || end[1] == '\0')
    return FALSE;
  *token = end + 1;
  return TRUE;
}

static GMutex refresh_lock;

char *
ob_oauth_dup_access_token (const ObAccount *account,
                           gboolean         force_refresh,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(ObSecret) stored = NULL;
  g_autoptr(ObSecret) refresh_token = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (account != NULL && account->keyring_id != NULL, NULL);

  if (!ob_oauth_provider_is_known (account->oauth_provider))
    {
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN,
                   _("The account “%s” has no sign-in provider: sign in again"), account->name);
      return NULL;
    }

  /* One refresh at a time: the sender and the watcher share the tokens. */
  locker = g_mutex_locker_new (&refresh_lock);

  if (!force_refresh)
    {
      gint64 expires_at = 0;
      const char *token = NULL;

      stored = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_OAUTH2_ACCESS, cancellable,
                                       &local_error);
      if (stored == NULL && !g_error_matches (local_error, OB_SECRETS_ERROR,
                                              OB_SECRETS_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
      if (stored != NULL && parse_access_secret (stored, &expires_at, &token)
          && expires_at - OB_OAUTH_REFRESH_MARGIN_SECONDS > now)
        return g_strdup (token);
    }

  refresh_token = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_OAUTH2_REFRESH,
                                          cancellable, &local_error);
  if (refresh_token == NULL)
    {
      if (!g_error_matches (local_error, OB_SECRETS_ERROR, OB_SECRETS_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_set_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN,
                   _("The keyring holds no sign-in for “%s”: sign in again"), account->name);
      return NULL;
    }

  config = ob_oauth_config_load (account->oauth_provider, error);
  if (config == NULL)
    return NULL;
  g_debug ("Refreshing the access token of account %" G_GINT64_FORMAT "%s", account->id,
           force_refresh ? " (the server refused the last one)" : "");
  tokens = ob_oauth_refresh_sync (config, refresh_token, cancellable, error);
  if (tokens == NULL)
    return NULL;
  /* Google keeps the refresh token; Microsoft may hand out a new one. */
  if (!ob_oauth_store_tokens (account, tokens, cancellable, error))
    return NULL;
  return g_strdup (tokens->access_token);
}
