/* test-oauth.c: OAuth 2.0 sign-in and tokens against a local provider
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keyring suite (tokens go to the session's real gnome-keyring). The
 * provider is tests/oauth-server.c on loopback; the "browser" is a
 * SoupSession on a thread of its own that opens the consent URL and
 * follows the provider's redirect to Outbound's loopback server, as a
 * browser would once the user agrees.
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "ob-accounts.h"
#include "ob-oauth.h"
#include "ob-store.h"
#include "oauth-server.h"
#include "testlib.h"

#define CLIENT_ID     "outbound-test-client.apps.example"
#define CLIENT_SECRET "test-client-secret"
#define REP           "rep@outbound.test"

typedef struct
{
  OAuthServer *server;
  GSettings   *settings;
  char        *dir;
} Fixture;

/* ---- The browser -------------------------------------------------------- */

typedef struct
{
  char    *url;
  GThread *thread;
  guint    status;
  char    *body;
  char    *final_uri;
} Browser;

static gpointer
browser_thread (gpointer data)
{
  Browser *browser = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", browser->url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  browser->status = soup_message_get_status (message);
  browser->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  browser->final_uri = g_uri_to_string (soup_message_get_uri (message));
  return NULL;
}

static void
open_in_browser (const char *url,
                 gpointer    user_data)
{
  Browser *browser = user_data;

  g_assert_null (browser->thread);
  browser->url = g_strdup (url);
  browser->thread = g_thread_new ("browser", browser_thread, browser);
}

static void
browser_finish (Browser *browser)
{
  if (browser->thread != NULL)
    g_thread_join (browser->thread);
  browser->thread = NULL;
}

static void
browser_clear (Browser *browser)
{
  browser_finish (browser);
  g_free (browser->url);
  g_free (browser->body);
  g_free (browser->final_uri);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Browser, browser_clear)

/* A user who never comes back. */
static void
open_nowhere (const char *url,
              gpointer    user_data)
{
  *(char **) user_data = g_strdup (url);
}

/* ---- Fixture -------------------------------------------------------------- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *authorize = NULL;
  g_autofree char *token = NULL;

  f->server = oauth_server_start (0, CLIENT_ID, CLIENT_SECRET, REP);
  f->settings = g_settings_new (APP_ID);
  authorize = oauth_server_url (f->server, "/authorize");
  token = oauth_server_url (f->server, "/token");
  g_settings_set_string (f->settings, "oauth-google-client-id", CLIENT_ID);
  g_settings_set_string (f->settings, "oauth-google-client-secret", CLIENT_SECRET);
  g_settings_set_string (f->settings, "oauth-google-authorize-url", authorize);
  g_settings_set_string (f->settings, "oauth-google-token-url", token);
  f->dir = g_dir_make_tmp ("ob-oauth-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *const keys[] = { "client-id", "client-secret", "authorize-url", "token-url" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *key = g_strdup_printf ("oauth-google-%s", keys[i]);

      g_settings_reset (f->settings, key);
    }
  g_object_unref (f->settings);
  oauth_server_stop (f->server);
  remove_tree (f->dir);
  g_free (f->dir);
}

static ObOAuthConfig *
load_config (void)
{
  g_autoptr(GError) error = NULL;
  ObOAuthConfig *config = ob_oauth_config_load ("google", &error);

  g_assert_no_error (error);
  return config;
}

static ObAccount *
new_oauth_account (void)
{
  ObAccount *account = ob_account_new ();
  g_autofree char *uuid = g_uuid_string_random ();

  g_free (account->keyring_id);
  account->keyring_id = g_strconcat ("test-oauth-", uuid, NULL);
  g_free (account->name);
  account->name = g_strdup ("OAuth rep");
  g_free (account->email);
  account->email = g_strdup (REP);
  g_free (account->auth_method);
  account->auth_method = g_strdup (OB_AUTH_METHOD_OAUTH2);
  account->oauth_provider = g_strdup ("google");
  return account;
}

static ObOAuthTokens *
sign_in (Fixture  *f,
         GError  **error)
{
  g_autoptr(ObOAuthConfig) config = load_config ();
  g_auto(Browser) browser = { 0 };
  ObOAuthTokens *tokens;

  tokens = ob_oauth_sign_in_sync (config, REP, 10, open_in_browser, &browser, NULL, error);
  browser_finish (&browser);
  return tokens;
}

/* ---- Sign-in -------------------------------------------------------------- */

static void
test_full_flow (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ObOAuthConfig) config = load_config ();
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) url = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(GPtrArray) issued = NULL;
  g_autofree char *hint = NULL;
  g_auto(Browser) browser = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  tokens = ob_oauth_sign_in_sync (config, REP, 10, open_in_browser, &browser, NULL, &error);
  browser_finish (&browser);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);

  /* What the consent page was asked. */
  url = g_uri_parse (browser.url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  query = soup_form_decode (g_uri_get_query (url));
  g_assert_cmpstr (g_hash_table_lookup (query, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (query, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (query, "scope"), ==, "https://mail.google.com/");
  g_assert_cmpstr (g_hash_table_lookup (query, "code_challenge_method"), ==, "S256");
  g_assert_cmpuint (strlen (g_hash_table_lookup (query, "code_challenge")), ==, 43);
  g_assert_cmpuint (strlen (g_hash_table_lookup (query, "state")), >=, 32);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (query, "redirect_uri"),
                                   "http://127.0.0.1:"));
  g_assert_cmpstr (g_hash_table_lookup (query, "access_type"), ==, "offline");
  hint = oauth_server_dup_login_hint (f->server);
  g_assert_cmpstr (hint, ==, REP);

  /* The browser landed on the loopback page, which said it is done. */
  g_assert_cmpuint (browser.status, ==, 200);
  g_assert_true (g_str_has_prefix (browser.final_uri, g_hash_table_lookup (query, "redirect_uri")));
  g_assert_nonnull (strstr (browser.body, "close this tab"));

  /* The code was exchanged once, after the provider checked the verifier. */
  g_assert_cmpuint (oauth_server_count (f->server, "code"), ==, 1);
  g_assert_cmpuint (oauth_server_count (f->server, "pkce-failed"), ==, 0);
  issued = oauth_server_dup_secrets (f->server);
  g_assert_true (g_ptr_array_find_with_equal_func (issued, tokens->access_token, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (issued, tokens->refresh_token, g_str_equal, NULL));
  g_assert_cmpint (tokens->expires_at, >=, now + 3600 - 5);
  g_assert_cmpint (tokens->expires_at, <=, now + 3600 + 5);

  /* The loopback server is gone: one request, then closed. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) again = soup_message_new ("GET", browser.final_uri);
    g_autoptr(GBytes) body = soup_session_send_and_read (session, again, NULL, &error);

    g_assert_null (body);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  }
}

static void
test_denied (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;

  oauth_server_set_mode (f->server, OAUTH_MODE_DENY);
  tokens = sign_in (f, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_DENIED);
  g_assert_nonnull (strstr (error->message, "did not allow"));
  g_assert_cmpuint (oauth_server_count (f->server, "code"), ==, 0);
}

static void
test_wrong_state (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;

  oauth_server_set_mode (f->server, OAUTH_MODE_WRONG_STATE);
  tokens = sign_in (f, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "state"));
  /* The forged code was never sent to the provider. */
  g_assert_cmpuint (oauth_server_count (f->server, "code"), ==, 0);
}

static void
test_wrong_client (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;

  g_settings_set_string (f->settings, "oauth-google-client-secret", "not-the-secret");
  tokens = sign_in (f, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_CLIENT);
  g_assert_nonnull (strstr (error->message, "Preferences"));
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ObOAuthConfig) config = load_config ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autofree char *url = NULL;
  gint64 started = g_get_monotonic_time ();

  tokens = ob_oauth_sign_in_sync (config, REP, 1, open_nowhere, &url, NULL, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_TIMEOUT);
  g_assert_nonnull (url);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC * 5);
}

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 5);
  cancel_soon (data);
  return NULL;
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ObOAuthConfig) config = load_config ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = NULL;
  GThread *thread = g_thread_new ("cancel", cancel_thread, cancellable);

  tokens = ob_oauth_sign_in_sync (config, REP, 30, open_nowhere, &url, cancellable, &error);
  g_thread_join (thread);
  g_assert_null (tokens);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_not_configured (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthConfig) config = NULL;

  g_settings_set_string (f->settings, "oauth-google-client-id", "");
  config = ob_oauth_config_load ("google", &error);
  g_assert_null (config);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NOT_CONFIGURED);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_clear_error (&error);

  /* Microsoft's profile, with its own endpoints and scopes, once it has an ID. */
  g_assert_null (ob_oauth_config_load ("microsoft", &error));
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);
  g_settings_set_string (f->settings, "oauth-microsoft-client-id", "ms-client");
  config = ob_oauth_config_load ("microsoft", &error);
  g_settings_reset (f->settings, "oauth-microsoft-client-id");
  g_assert_no_error (error);
  g_assert_cmpstr (config->token_url, ==,
                   "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  g_assert_cmpstr (config->authorize_url, ==,
                   "https://login.microsoftonline.com/common/oauth2/v2.0/authorize");
  g_assert_nonnull (strstr (config->scope, "https://outlook.office.com/SMTP.Send"));
  g_assert_nonnull (strstr (config->scope, "https://outlook.office.com/IMAP.AccessAsUser.All"));
  g_assert_nonnull (strstr (config->scope, "offline_access"));
  g_assert_null (config->client_secret);
  g_clear_pointer (&config, ob_oauth_config_free);

  g_assert_null (ob_oauth_config_load ("yahoo", &error));
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_PROTOCOL);
}

static void
test_network (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObOAuthTokens) tokens = NULL;

  /* The consent works, the token endpoint is unreachable. */
  g_settings_set_string (f->settings, "oauth-google-token-url", "http://127.0.0.1:9/token");
  tokens = sign_in (f, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "Cannot reach Google"));
  g_clear_error (&error);

  /* 503 from the provider: passing too. */
  g_settings_reset (f->settings, "oauth-google-token-url");
  {
    g_autofree char *token = oauth_server_url (f->server, "/token");

    g_settings_set_string (f->settings, "oauth-google-token-url", token);
  }
  oauth_server_set_mode (f->server, OAUTH_MODE_DOWN);
  tokens = sign_in (f, &error);
  g_assert_null (tokens);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK);
}

/* The provider's PKCE check is real: a verifier that does not match the
 * challenge gets invalid_grant (so full-flow's success means ours matched). */
static void
test_pkce_checked (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) token = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *base = oauth_server_url (f->server, "/authorize");
  g_autofree char *url = NULL;
  g_autofree char *token_url = oauth_server_url (f->server, "/token");
  const char *verifier = "0123456789012345678901234567890123456789abc";
  g_autofree char *text = NULL;

  /* The challenge of another verifier (RFC 7636 appendix B's example). */
  url = g_strconcat (base, "?response_type=code&client_id=" CLIENT_ID
                     "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2F&scope=x&state=s"
                     "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                     "&code_challenge_method=S256", NULL);
  authorize = soup_message_new ("GET", url);
  soup_message_add_flags (authorize, SOUP_MESSAGE_NO_REDIRECT);
  body = soup_session_send_and_read (session, authorize, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (authorize), ==, 302);
  location = g_uri_parse (soup_message_headers_get_one (soup_message_get_response_headers (authorize),
                                                        "Location"), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  query = soup_form_decode (g_uri_get_query (location));
  g_clear_pointer (&body, g_bytes_unref);

  token = soup_message_new_from_encoded_form ("POST", token_url,
                                              soup_form_encode ("grant_type", "authorization_code",
                                                                "code", g_hash_table_lookup (query, "code"),
                                                                "redirect_uri", "http://127.0.0.1:9/",
                                                                "client_id", CLIENT_ID,
                                                                "client_secret", CLIENT_SECRET,
                                                                "code_verifier", verifier, NULL));
  body = soup_session_send_and_read (session, token, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (token), ==, 400);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "invalid_grant"));
  g_assert_cmpuint (oauth_server_count (f->server, "pkce-failed"), ==, 1);
}

/* ---- Tokens in the keyring ------------------------------------------------ */

static void
test_refresh_before_expiry (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ObAccount) account = new_oauth_account ();
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSecret) first = NULL;
  g_autoptr(ObSecret) second = NULL;
  g_autoptr(ObSecret) third = NULL;
  g_autoptr(ObSecret) stored = NULL;

  /* A token that expires within the margin is refreshed before use. */
  oauth_server_set_expires_in (f->server, OB_OAUTH_REFRESH_MARGIN_SECONDS / 2);
  tokens = sign_in (f, &error);
  g_assert_no_error (error);
  g_assert_true (ob_oauth_store_tokens (account, tokens, NULL, &error));
  g_assert_no_error (error);
  stored = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_OAUTH2_REFRESH, NULL, &error);
  g_assert_cmpstr (stored, ==, tokens->refresh_token);

  oauth_server_set_expires_in (f->server, 3600);
  first = ob_oauth_dup_access_token (account, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (oauth_server_count (f->server, "refresh"), ==, 1);
  g_assert_cmpstr (first, !=, tokens->access_token);

  /* A fresh one comes from the keyring, with no request. */
  second = ob_oauth_dup_access_token (account, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, first);
  g_assert_cmpuint (oauth_server_count (f->server, "refresh"), ==, 1);

  /* After the server refused it: refreshed although still fresh. */
  third = ob_oauth_dup_access_token (account, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (third, !=, second);
  g_assert_cmpuint (oauth_server_count (f->server, "refresh"), ==, 2);

  /* The refresh token stayed (the provider did not send a new one). */
  g_clear_pointer (&stored, ob_secrets_free);
  stored = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_OAUTH2_REFRESH, NULL, &error);
  g_assert_cmpstr (stored, ==, tokens->refresh_token);
  g_assert_true (ob_secrets_delete_sync (account->keyring_id, NULL, &error));
}

static void
test_invalid_grant (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ObAccount) account = new_oauth_account ();
  g_autoptr(ObOAuthTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSecret) token = NULL;

  tokens = sign_in (f, &error);
  g_assert_no_error (error);
  g_assert_true (ob_oauth_store_tokens (account, tokens, NULL, &error));

  oauth_server_set_mode (f->server, OAUTH_MODE_REVOKED);
  token = ob_oauth_dup_access_token (account, TRUE, NULL, &error);
  g_assert_null (token);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN);
  g_assert_nonnull (strstr (error->message, "sign in again"));
  g_assert_nonnull (strstr (error->message, "expired or revoked"));
  g_clear_error (&error);

  /* The provider being down is not a reason to sign in again. */
  oauth_server_set_mode (f->server, OAUTH_MODE_DOWN);
  token = ob_oauth_dup_access_token (account, TRUE, NULL, &error);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_NETWORK);
  g_clear_error (&error);

  /* Nothing in the keyring at all: sign in again, too. */
  g_assert_true (ob_secrets_delete_sync (account->keyring_id, NULL, &error));
  token = ob_oauth_dup_access_token (account, FALSE, NULL, &error);
  g_assert_error (error, OB_OAUTH_ERROR, OB_OAUTH_ERROR_SIGN_IN_AGAIN);
}

/* The store keeps which provider signs an OAuth account in. */
static void
test_stored_with_provider (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (f->dir, "outbound.db", NULL);
  g_autoptr(ObStore) store = ob_store_open (db, &error);
  g_autoptr(ObAccount) account = new_oauth_account ();
  g_autoptr(ObAccount) again = NULL;
  g_autoptr(ObAccount) broken = NULL;

  g_assert_no_error (error);
  g_free (account->smtp_host);
  account->smtp_host = g_strdup ("smtp.example.test");
  account->smtp_port = 465;
  g_assert_true (ob_accounts_add (store, account, &error));
  g_assert_no_error (error);
  again = ob_accounts_get (store, account->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->auth_method, ==, "oauth2");
  g_assert_cmpstr (again->oauth_provider, ==, "google");

  /* Back to a password: the provider goes. */
  g_free (again->auth_method);
  again->auth_method = g_strdup ("password");
  g_assert_true (ob_accounts_update (store, again, &error));
  g_clear_pointer (&again, ob_account_free);
  again = ob_accounts_get (store, account->id, &error);
  g_assert_cmpstr (again->auth_method, ==, "password");
  g_assert_null (again->oauth_provider);

  /* An OAuth account without its provider is refused. */
  broken = ob_account_copy (account);
  g_clear_pointer (&broken->oauth_provider, g_free);
  g_assert_false (ob_account_validate (broken, &error));
  g_assert_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID);
}

/* ---- The CLI ---------------------------------------------------------- */

typedef struct
{
  GDataInputStream *out;
  Browser          *browser;
  GString          *printed;
} CliReader;

static gboolean
contains (const char *haystack,
          gsize       len,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; haystack != NULL && i + n <= len; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_file_lacks_secrets (const char *path,
                           GPtrArray  *secrets)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return;
  for (guint i = 0; i < secrets->len; i++)
    g_assert_false (contains (contents, len, g_ptr_array_index (secrets, i)));
}

static void
test_cli_add (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GString) printed = g_string_new (NULL);
  g_autoptr(GPtrArray) secrets = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autoptr(ObSecret) refresh = NULL;
  g_autofree char *db = g_build_filename (f->dir, "outbound.db", NULL);
  g_autofree char *settings_dir = g_build_filename (f->dir, "config", "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = NULL;
  g_autofree char *keyfile_path = NULL;
  g_autofree char *authorize = oauth_server_url (f->server, "/authorize");
  g_autofree char *token = oauth_server_url (f->server, "/token");
  g_autofree char *config_home = g_build_filename (f->dir, "config", NULL);
  g_autofree char *environ_path = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *environ_text = NULL;
  g_autofree char *cmdline_text = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *err = NULL;
  gsize environ_len = 0, cmdline_len = 0;
  g_auto(Browser) browser = { 0 };
  char *line;
  const char *argv[] = {
    g_getenv ("OUTBOUND_CLI"), "--db", db, "account", "add", "--oauth", "google",
    "--email", REP, "--oauth-timeout", "20", NULL,
  };

  /* The CLI reads its client ID from GSettings like the app: a keyfile
   * backend of its own here. */
  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  keyfile = g_strdup_printf ("[io/github/outbound/Outbound]\n"
                             "oauth-google-client-id='%s'\n"
                             "oauth-google-client-secret='%s'\n"
                             "oauth-google-authorize-url='%s'\n"
                             "oauth-google-token-url='%s'\n",
                             CLIENT_ID, CLIENT_SECRET, authorize, token);
  keyfile_path = write_test_file (settings_dir, "keyfile", keyfile);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  /* It prints the page to open, then waits for the browser. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (printed, "%s\n", line);
      if (g_str_has_prefix (line, authorize))
        {
          open_in_browser (line, &browser);
          g_free (line);
          break;
        }
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_nonnull (browser.thread);

  /* While it waits: its environment and command line. */
  environ_path = g_strdup_printf ("/proc/%s/environ", g_subprocess_get_identifier (process));
  cmdline_path = g_strdup_printf ("/proc/%s/cmdline", g_subprocess_get_identifier (process));
  g_file_get_contents (environ_path, &environ_text, &environ_len, NULL);
  g_file_get_contents (cmdline_path, &cmdline_text, &cmdline_len, NULL);

  rest = g_data_input_stream_read_upto (out, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  if (rest != NULL)
    g_string_append (printed, rest);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  browser_finish (&browser);
  g_test_message ("stdout: %s\nstderr: %s", printed->str, err);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_nonnull (strstr (printed->str, "Added account"));
  g_assert_cmpuint (browser.status, ==, 200);

  /* A Gmail account with the preset's servers that signs in with OAuth. */
  store = ob_store_open (db, &error);
  g_assert_no_error (error);
  account = ob_accounts_get_by_name (store, REP, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->auth_method, ==, "oauth2");
  g_assert_cmpstr (account->oauth_provider, ==, "google");
  g_assert_cmpstr (account->smtp_host, ==, "smtp.gmail.com");
  g_assert_cmpstr (account->imap_host, ==, "imap.gmail.com");
  refresh = ob_secrets_lookup_sync (account->keyring_id, OB_SECRET_OAUTH2_REFRESH, NULL, &error);
  g_assert_no_error (error);

  /* Every token it got is in the keyring and nowhere else. */
  secrets = oauth_server_dup_secrets (f->server);
  g_assert_cmpuint (secrets->len, >=, 3);
  g_assert_true (g_ptr_array_find_with_equal_func (secrets, refresh, g_str_equal, NULL));
  for (guint i = 0; i < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      g_assert_false (contains (printed->str, printed->len, secret));
      g_assert_false (contains (err, strlen (err), secret));
      g_assert_false (contains (environ_text, environ_len, secret));
      g_assert_false (contains (cmdline_text, cmdline_len, secret));
    }
  g_assert_cmpuint (environ_len, >, 0);
  {
    g_autoptr(GDir) dir = g_dir_open (f->dir, 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (f->dir, name, NULL);

        assert_file_lacks_secrets (path, secrets);
      }
    assert_file_lacks_secrets (keyfile_path, secrets);
  }

  /* The same name again is refused before any browser; so are a password
   * and an unknown provider. */
  {
    g_auto(CliResult) r = { 0 };
    g_autoptr(GSubprocessLauncher) again_launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) again = NULL;

    /* The child reads the keyfile, as above. */
    g_subprocess_launcher_setenv (again_launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
    g_subprocess_launcher_setenv (again_launcher, "XDG_CONFIG_HOME", config_home, TRUE);
    again = g_subprocess_launcher_spawn (again_launcher, &error, g_getenv ("OUTBOUND_CLI"),
                                         "--db", db, "account", "add", "--oauth", "google",
                                         "--email", REP, "--oauth-timeout", "5", NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (again, NULL, NULL, &r.out, &r.err, &error);
    g_assert_no_error (error);
    r.status = g_subprocess_get_exit_status (again);
    g_assert_cmpint (r.status, ==, 1);
    g_assert_nonnull (strstr (r.err, "already exists"));
    g_assert_null (strstr (r.out, "http"));
    cli_result_clear (&r);

    run_cli (&r, "--db", db, "account", "add", "--oauth", "google", "--email", REP,
             "--password-stdin", NULL);
    g_assert_cmpint (r.status, ==, 2);
    run_cli (&r, "--db", db, "account", "add", "--oauth", "yahoo", "--email", REP, NULL);
    g_assert_cmpint (r.status, ==, 2);
  }
  g_assert_true (ob_secrets_delete_sync (account->keyring_id, NULL, &error));
}

/* The keyfile GSettings backend that outbound-cli reads under
 * XDG_CONFIG_HOME=@config_home: the client and the test server. */
static void
write_cli_settings (Fixture    *f,
                    const char *config_home)
{
  g_autofree char *settings_dir = g_build_filename (config_home, "glib-2.0", "settings", NULL);
  g_autofree char *authorize = oauth_server_url (f->server, "/authorize");
  g_autofree char *token = oauth_server_url (f->server, "/token");
  g_autofree char *keyfile = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);
  keyfile = g_strdup_printf ("[io/github/outbound/Outbound]\n"
                             "oauth-google-client-id='%s'\n"
                             "oauth-google-client-secret='%s'\n"
                             "oauth-google-authorize-url='%s'\n"
                             "oauth-google-token-url='%s'\n",
                             CLIENT_ID, CLIENT_SECRET, authorize, token);
  path = write_test_file (settings_dir, "keyfile", keyfile);
}

/* Runs outbound-cli with those settings and opens the page it prints in
 * the browser, as the rep would; returns its exit status. */
static int
run_cli_with_browser (Fixture            *f,
                      const char         *config_home,
                      const char * const *argv,
                      char              **out,
                      char              **err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GString) printed = g_string_new (NULL);
  g_autofree char *authorize = oauth_server_url (f->server, "/authorize");
  g_autofree char *rest = NULL;
  g_auto(Browser) browser = { 0 };
  char *line;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (printed, "%s\n", line);
      if (g_str_has_prefix (line, authorize))
        open_in_browser (line, &browser);
      g_free (line);
      if (browser.thread != NULL)
        break;
    }
  g_assert_no_error (error);
  rest = g_data_input_stream_read_upto (stream, "", 0, NULL, NULL, &error);
  g_assert_no_error (error);
  if (rest != NULL)
    g_string_append (printed, rest);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  browser_finish (&browser);
  *out = g_string_free (g_steal_pointer (&printed), FALSE);
  return g_subprocess_get_exit_status (process);
}

/* `account sign-in`: new tokens for an OAuth account, the hold lifted. */
static void
test_cli_sign_in_again (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(ObAccount) account = NULL;
  g_autofree char *db = g_build_filename (f->dir, "outbound.db", NULL);
  g_autofree char *config_home = g_build_filename (f->dir, "config", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *add[] = { g_getenv ("OUTBOUND_CLI"), "--db", db, "account", "add", "--oauth",
                        "google", "--email", REP, NULL };
  const char *sign_in[] = { g_getenv ("OUTBOUND_CLI"), "--db", db, "account", "sign-in", REP,
                            NULL };

  write_cli_settings (f, config_home);
  g_assert_cmpint (run_cli_with_browser (f, config_home, add, &out, &err), ==, 0);
  store = ob_store_open (db, &error);
  g_assert_no_error (error);
  account = ob_accounts_get_by_name (store, REP, &error);
  g_assert_no_error (error);
  g_assert_true (ob_accounts_set_state (store, account->id, OB_ACCOUNT_STATE_ERROR,
                                        "revoked", 0, &error));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli_with_browser (f, config_home, sign_in, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "signed in again"));
  g_assert_cmpuint (oauth_server_count (f->server, "code"), ==, 2);
  g_clear_pointer (&account, ob_account_free);
  account = ob_accounts_get_by_name (store, REP, &error);
  g_assert_cmpint (account->state, ==, OB_ACCOUNT_STATE_OK);

  /* No such account; a password account. */
  {
    g_auto(CliResult) r = { 0 };

    run_cli (&r, "--db", db, "account", "sign-in", "nobody", NULL);
    g_assert_cmpint (r.status, ==, 1);
    cli_result_clear (&r);
    run_cli (&r, "--db", db, "account", "add", "--name", "pw", "--email", REP, "--smtp",
             "smtp.example.test:465:tls", NULL);
    g_assert_cmpint (r.status, ==, 0);
    cli_result_clear (&r);
    run_cli (&r, "--db", db, "account", "sign-in", "pw", NULL);
    g_assert_cmpint (r.status, ==, 2);
    g_assert_nonnull (strstr (r.err, "password"));
  }
  g_assert_true (ob_secrets_delete_sync (account->keyring_id, NULL, &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/oauth/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("sign-in/full-flow", test_full_flow);
  ADD ("sign-in/denied", test_denied);
  ADD ("sign-in/wrong-state", test_wrong_state);
  ADD ("sign-in/wrong-client", test_wrong_client);
  ADD ("sign-in/timeout", test_timeout);
  ADD ("sign-in/cancelled", test_cancelled);
  ADD ("sign-in/not-configured", test_not_configured);
  ADD ("sign-in/network", test_network);
  ADD ("provider/pkce-checked", test_pkce_checked);
  ADD ("token/refresh-before-expiry", test_refresh_before_expiry);
  ADD ("token/invalid-grant", test_invalid_grant);
  ADD ("account/stored-with-provider", test_stored_with_provider);
  ADD ("cli/add-tokens-nowhere-else", test_cli_add);
  ADD ("cli/sign-in-again", test_cli_sign_in_again);
#undef ADD

  return g_test_run ();
}
