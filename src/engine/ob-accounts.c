/* ob-accounts.c: the rep's mailboxes: settings, presets, validation, store
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads: store functions take the calling thread's own ObStore and run
 * one short transaction each: fine on the main thread and on workers.
 * ob_account_store_passwords() blocks on the keyring: workers and the CLI.
 * Everything else is pure. The store functions never touch the keyring: the
 * caller stores the passwords under the account's keyring_id after the
 * account was added, and deletes them after it was removed.
 */

#define G_LOG_DOMAIN "ob-accounts"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ob-accounts.h"
#include "ob-email.h"

G_DEFINE_QUARK (ob-account-error-quark, ob_account_error)
G_DEFINE_BOXED_TYPE (ObAccount, ob_account, ob_account_copy, ob_account_free)

#define MAX_NAME 200
#define MAX_FIELD 1000

/* Facts from the providers' own help pages (2024-2026). Submission on 465
 * with implicit TLS where offered: no plaintext greeting to strip. */
static const ObAccountPreset presets[] = {
  { "gmail", N_("Gmail or Google Workspace"), "gmail.com;googlemail.com",
    "smtp.gmail.com", 465, OB_SECURITY_TLS, "imap.gmail.com", 993, OB_SECURITY_TLS,
    TRUE, "[Gmail]/Sent Mail",
    N_("Needs an app password (turn on 2-Step Verification first). Gmail files sent mail "
       "in Sent itself.") },
  { "microsoft", N_("Outlook.com or Microsoft 365"),
    "outlook.com;hotmail.com;live.com;msn.com;outlook.pl",
    "smtp.office365.com", 587, OB_SECURITY_STARTTLS, "outlook.office365.com", 993,
    OB_SECURITY_TLS, TRUE, "Sent Items",
    N_("Needs an app password, and for Microsoft 365 an administrator who allows "
       "SMTP AUTH for this mailbox. Sent mail is filed in Sent Items by the server.") },
  { "yahoo", N_("Yahoo Mail"), "yahoo.com;yahoo.co.uk;ymail.com;rocketmail.com",
    "smtp.mail.yahoo.com", 465, OB_SECURITY_TLS, "imap.mail.yahoo.com", 993, OB_SECURITY_TLS,
    FALSE, "Sent",
    N_("Needs an app password (Account Security, Generate app password).") },
  { "icloud", N_("iCloud Mail"), "icloud.com;me.com;mac.com",
    "smtp.mail.me.com", 587, OB_SECURITY_STARTTLS, "imap.mail.me.com", 993, OB_SECURITY_TLS,
    FALSE, "Sent Messages",
    N_("Needs an app-specific password from your Apple ID settings.") },
  { "fastmail", N_("Fastmail"), "fastmail.com;fastmail.fm",
    "smtp.fastmail.com", 465, OB_SECURITY_TLS, "imap.fastmail.com", 993, OB_SECURITY_TLS,
    FALSE, "Sent",
    N_("Needs an app password (Settings, Privacy & Security).") },
  { "zoho", N_("Zoho Mail"), "zoho.com;zohomail.com",
    "smtp.zoho.com", 465, OB_SECURITY_TLS, "imap.zoho.com", 993, OB_SECURITY_TLS,
    FALSE, "Sent",
    N_("Needs an app-specific password when two-factor sign-in is on. Accounts in the EU "
       "use smtp.zoho.eu and imap.zoho.eu.") },
  { "custom", N_("Other Mail Server"), "",
    NULL, 587, OB_SECURITY_STARTTLS, NULL, 993, OB_SECURITY_TLS,
    FALSE, NULL, NULL },
};

static const char *security_names[] = { "tls", "starttls", "insecure" };
static const char *state_names[] = { "ok", "paused", "error", "throttled" };

const char *
ob_security_to_string (ObSecurity security)
{
  g_return_val_if_fail (security <= OB_SECURITY_INSECURE, NULL);

  return security_names[security];
}

gboolean
ob_security_from_string (const char *text,
                         ObSecurity *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (security_names); i++)
    if (g_strcmp0 (text, security_names[i]) == 0)
      {
        *out = (ObSecurity) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ob_account_state_to_string (ObAccountState state)
{
  g_return_val_if_fail (state <= OB_ACCOUNT_STATE_THROTTLED, NULL);

  return state_names[state];
}

static ObAccountState
state_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      return (ObAccountState) i;
  return OB_ACCOUNT_STATE_ERROR;
}

/**
 * ob_account_new:
 *
 * Returns: (transfer full): an account with the defaults: daily limit 50,
 *   a pause of 60–180 s, SMTP on 587 with STARTTLS, IMAP on 993 with TLS
 */
ObAccount *
ob_account_new (void)
{
  ObAccount *account = g_new0 (ObAccount, 1);

  account->keyring_id = g_strdup ("");
  account->name = g_strdup ("");
  account->email = g_strdup ("");
  account->display_name = g_strdup ("");
  account->signature = g_strdup ("");
  account->auth_method = g_strdup ("password");
  account->smtp_host = g_strdup ("");
  account->smtp_port = 587;
  account->smtp_security = OB_SECURITY_STARTTLS;
  account->smtp_user = g_strdup ("");
  account->imap_security = OB_SECURITY_TLS;
  account->imap_user = g_strdup ("");
  account->daily_limit = OB_ACCOUNT_DEFAULT_DAILY_LIMIT;
  account->pause_min = OB_ACCOUNT_DEFAULT_PAUSE_MIN;
  account->pause_max = OB_ACCOUNT_DEFAULT_PAUSE_MAX;
  account->state = OB_ACCOUNT_STATE_OK;
  account->state_reason = g_strdup ("");
  account->smtp_pins = g_new0 (char *, 1);
  account->imap_pins = g_new0 (char *, 1);
  return account;
}

ObAccount *
ob_account_copy (const ObAccount *account)
{
  ObAccount *copy;

  g_return_val_if_fail (account != NULL, NULL);

  copy = g_memdup2 (account, sizeof *account);
  copy->keyring_id = g_strdup (account->keyring_id);
  copy->name = g_strdup (account->name);
  copy->email = g_strdup (account->email);
  copy->display_name = g_strdup (account->display_name);
  copy->signature = g_strdup (account->signature);
  copy->auth_method = g_strdup (account->auth_method);
  copy->oauth_provider = g_strdup (account->oauth_provider);
  copy->goa_id = g_strdup (account->goa_id);
  copy->smtp_host = g_strdup (account->smtp_host);
  copy->smtp_user = g_strdup (account->smtp_user);
  copy->imap_host = g_strdup (account->imap_host);
  copy->imap_user = g_strdup (account->imap_user);
  copy->ca_file = g_strdup (account->ca_file);
  copy->sent_folder = g_strdup (account->sent_folder);
  copy->state_reason = g_strdup (account->state_reason);
  copy->smtp_pins = g_strdupv (account->smtp_pins);
  copy->imap_pins = g_strdupv (account->imap_pins);
  return copy;
}

void
ob_account_free (ObAccount *account)
{
  if (account == NULL)
    return;

  g_free (account->keyring_id);
  g_free (account->name);
  g_free (account->email);
  g_free (account->display_name);
  g_free (account->signature);
  g_free (account->auth_method);
  g_free (account->oauth_provider);
  g_free (account->goa_id);
  g_free (account->smtp_host);
  g_free (account->smtp_user);
  g_free (account->imap_host);
  g_free (account->imap_user);
  g_free (account->ca_file);
  g_free (account->sent_folder);
  g_free (account->state_reason);
  g_strfreev (account->smtp_pins);
  g_strfreev (account->imap_pins);
  g_free (account);
}

const char *
ob_account_get_smtp_login (const ObAccount *account)
{
  return account->smtp_user != NULL && account->smtp_user[0] != '\0'
         ? account->smtp_user : account->email;
}

const char *
ob_account_get_imap_login (const ObAccount *account)
{
  return account->imap_user != NULL && account->imap_user[0] != '\0'
         ? account->imap_user : account->email;
}

gboolean
ob_account_has_imap (const ObAccount *account)
{
  return account->imap_host != NULL && account->imap_host[0] != '\0';
}

/* What Passwords and Keys shows for the item. */
char *
ob_account_dup_secret_label (const ObAccount  *account,
                             ObSecretProtocol  protocol)
{
  const char *what = protocol == OB_SECRET_SMTP ? "SMTP"
                     : protocol == OB_SECRET_IMAP ? "IMAP" : "OAuth";

  return g_strdup_printf ("Outbound: %s (%s)", account->name, what);
}

/**
 * ob_account_store_passwords:
 * @smtp_password: (nullable): the SMTP password; %NULL leaves the stored one
 * @imap_password: (nullable): the IMAP password when it differs; %NULL
 *   means the SMTP one (if given)
 *
 * Files the passwords in the keyring under the account's keyring_id, each
 * side's only when the account has that side. Blocks: worker threads and
 * the CLI only.
 */
gboolean
ob_account_store_passwords (const ObAccount  *account,
                            const char       *smtp_password,
                            const char       *imap_password,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_autofree char *smtp_label = NULL;
  g_autofree char *imap_label = NULL;

  g_return_val_if_fail (account != NULL, FALSE);
  g_return_val_if_fail (account->keyring_id != NULL && account->keyring_id[0] != '\0', FALSE);

  if (imap_password == NULL)
    imap_password = smtp_password;

  smtp_label = ob_account_dup_secret_label (account, OB_SECRET_SMTP);
  imap_label = ob_account_dup_secret_label (account, OB_SECRET_IMAP);
  if (smtp_password != NULL &&
      !ob_secrets_store_sync (account->keyring_id, OB_SECRET_SMTP, smtp_label, smtp_password,
                              cancellable, error))
    return FALSE;
  if (imap_password != NULL && ob_account_has_imap (account) &&
      !ob_secrets_store_sync (account->keyring_id, OB_SECRET_IMAP, imap_label, imap_password,
                              cancellable, error))
    return FALSE;
  return TRUE;
}

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
has_control (const char *text,
             gboolean    allow_newlines)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && !(allow_newlines && (*p == '\n' || *p == '\r' || *p == '\t')))
      return TRUE;
  return FALSE;
}

/* A DNS name (Unicode allowed: it is converted to ASCII) or an IP address. */
static gboolean
is_host_name (const char *host)
{
  g_autofree char *ascii = NULL;

  if (host == NULL || host[0] == '\0' || strlen (host) > 253 || has_control (host, FALSE))
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || ascii[0] == '.' || ascii[0] == '-')
    return FALSE;
  for (const char *p = ascii; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * ob_account_normalize_pin:
 * @text: a SHA-256 fingerprint: 64 hex digits, with or without colons
 *   ("AB:CD:...") or spaces, in any case
 *
 * Returns: (transfer full): the 64 lower-case hex digits, or %NULL
 */
char *
ob_account_normalize_pin (const char  *text,
                          GError     **error)
{
  GString *pin = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (*p == ':' || *p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        break;
      g_string_append_c (pin, g_ascii_tolower (*p));
    }
  if (pin->len != 64 || strspn (text, "0123456789abcdefABCDEF: ") != strlen (text))
    {
      g_string_free (pin, TRUE);
      invalid (error, _("“%s” is not a SHA-256 fingerprint: 64 hexadecimal digits, colons "
                        "allowed, are expected"), text != NULL ? text : "");
      return NULL;
    }
  return g_string_free (pin, FALSE);
}

static gboolean
validate_pins (GStrv        pins,
               GError     **error)
{
  for (guint i = 0; pins != NULL && pins[i] != NULL; i++)
    {
      g_autofree char *normal = ob_account_normalize_pin (pins[i], error);

      if (normal == NULL)
        return FALSE;
      if (strcmp (normal, pins[i]) != 0)
        return invalid (error, _("The fingerprint “%s” is not in its normal form"), pins[i]);
    }
  return TRUE;
}

/**
 * ob_account_validate:
 *
 * Checks every setting before it reaches the store, with a message that
 * names the setting and what is expected.
 */
gboolean
ob_account_validate (const ObAccount  *account,
                     GError          **error)
{
  g_autoptr(GError) email_error = NULL;
  g_auto(ObEmail) email = { 0 };

  g_return_val_if_fail (account != NULL, FALSE);

  if (account->name == NULL)
    return invalid (error, _("The account needs a name"));
  {
    g_autofree char *stripped = g_strstrip (g_strdup (account->name));

    if (stripped[0] == '\0')
      return invalid (error, _("The account needs a name"));
  }
  if (strlen (account->name) > MAX_NAME || has_control (account->name, FALSE) ||
      !g_utf8_validate (account->name, -1, NULL))
    return invalid (error, _("The account name must be one line of at most %d characters"),
                    MAX_NAME);

  if (!ob_email_parse (account->email, &email, &email_error))
    return invalid (error, _("“%s” is not an email address: %s"),
                    account->email != NULL ? account->email : "", email_error->message);

  /* These go into headers: a line break would add one. */
  if (has_control (account->display_name, FALSE) || strlen (account->display_name) > MAX_FIELD ||
      !g_utf8_validate (account->display_name, -1, NULL))
    return invalid (error, _("The display name must be one line of text"));
  if (has_control (account->signature, TRUE) || !g_utf8_validate (account->signature, -1, NULL))
    return invalid (error, _("The signature holds characters that cannot be sent"));

  if (!is_host_name (account->smtp_host))
    return invalid (error, _("“%s” is not a host name for the SMTP server"),
                    account->smtp_host != NULL ? account->smtp_host : "");
  if (account->smtp_port < 1 || account->smtp_port > 65535)
    return invalid (error, _("The SMTP port must be between 1 and 65535"));
  if (account->smtp_security > OB_SECURITY_INSECURE)
    return invalid (error, _("Unknown SMTP security mode"));
  if (has_control (account->smtp_user, FALSE) || strlen (account->smtp_user) > MAX_FIELD)
    return invalid (error, _("The SMTP user name must be one line of text"));

  if (ob_account_has_imap (account))
    {
      if (!is_host_name (account->imap_host))
        return invalid (error, _("“%s” is not a host name for the IMAP server"),
                        account->imap_host);
      if (account->imap_port < 1 || account->imap_port > 65535)
        return invalid (error, _("The IMAP port must be between 1 and 65535"));
      if (account->imap_security > OB_SECURITY_INSECURE)
        return invalid (error, _("Unknown IMAP security mode"));
    }
  if (has_control (account->imap_user, FALSE) || strlen (account->imap_user) > MAX_FIELD)
    return invalid (error, _("The IMAP user name must be one line of text"));

  if (g_strcmp0 (account->auth_method, "oauth2") == 0
      && g_strcmp0 (account->oauth_provider, "google") != 0
      && g_strcmp0 (account->oauth_provider, "microsoft") != 0)
    return invalid (error, _("An account that signs in with OAuth needs its provider: google "
                             "or microsoft"));

  if (account->ca_file != NULL && account->ca_file[0] != '\0' &&
      !g_file_test (account->ca_file, G_FILE_TEST_IS_REGULAR))
    return invalid (error, _("The CA certificate file “%s” does not exist"), account->ca_file);
  if (account->sent_folder != NULL && has_control (account->sent_folder, FALSE))
    return invalid (error, _("The Sent folder name must be one line of text"));

  if (account->daily_limit < 0 || account->daily_limit > OB_ACCOUNT_MAX_DAILY_LIMIT)
    return invalid (error, _("The daily limit must be between 0 and %d"),
                    OB_ACCOUNT_MAX_DAILY_LIMIT);
  if (account->pause_min < 0 || account->pause_max > OB_ACCOUNT_MAX_PAUSE)
    return invalid (error, _("The pause between sends must be between 0 and %d seconds"),
                    OB_ACCOUNT_MAX_PAUSE);
  if (account->pause_min > account->pause_max)
    return invalid (error, _("The shortest pause (%lld s) is longer than the longest (%lld s)"),
                    (long long) account->pause_min, (long long) account->pause_max);

  return validate_pins (account->smtp_pins, error) && validate_pins (account->imap_pins, error);
}

/**
 * ob_account_parse_server:
 * @text: "HOST:PORT:tls", "HOST:PORT:starttls" or "HOST:PORT:insecure"; an
 *   IPv6 address in brackets ("[::1]:465:tls")
 */
gboolean
ob_account_parse_server (const char  *text,
                         char       **host,
                         guint       *port,
                         ObSecurity  *security,
                         GError     **error)
{
  g_autofree char *copy = g_strdup (text != NULL ? text : "");
  char *security_part, *port_part, *end;
  guint64 number;

  security_part = strrchr (copy, ':');
  if (security_part == NULL)
    goto bad;
  *security_part++ = '\0';
  port_part = strrchr (copy, ':');
  if (port_part == NULL)
    goto bad;
  *port_part++ = '\0';

  if (!ob_security_from_string (security_part, security))
    return invalid (error, _("“%s”: the security must be tls, starttls or insecure"), text);
  number = g_ascii_strtoull (port_part, &end, 10);
  if (port_part[0] == '\0' || *end != '\0' || number < 1 || number > 65535)
    return invalid (error, _("“%s”: the port must be a number between 1 and 65535"), text);

  if (copy[0] == '[' && copy[strlen (copy) - 1] == ']')
    {
      copy[strlen (copy) - 1] = '\0';
      memmove (copy, copy + 1, strlen (copy));
    }
  if (!is_host_name (copy))
    return invalid (error, _("“%s”: “%s” is not a host name"), text, copy);

  *host = g_steal_pointer (&copy);
  *port = (guint) number;
  return TRUE;

bad:
  return invalid (error, _("“%s” is not HOST:PORT:SECURITY (for example "
                           "smtp.example.com:465:tls)"), text != NULL ? text : "");
}

/* "MIN-MAX" or one number for both, in seconds. */
gboolean
ob_account_parse_pause (const char  *text,
                        gint64      *min,
                        gint64      *max,
                        GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", "-", 3);
  guint64 values[2];
  guint n = g_strv_length (parts);

  if (n < 1 || n > 2)
    goto bad;
  for (guint i = 0; i < 2; i++)
    {
      const char *part = parts[MIN (i, n - 1)];
      char *end;

      values[i] = g_ascii_strtoull (part, &end, 10);
      if (part[0] == '\0' || *end != '\0' || !g_ascii_isdigit (part[0]) ||
          values[i] > OB_ACCOUNT_MAX_PAUSE)
        goto bad;
    }
  if (values[0] > values[1])
    return invalid (error, _("“%s”: the shortest pause comes first"), text);

  *min = (gint64) values[0];
  *max = (gint64) values[1];
  return TRUE;

bad:
  return invalid (error, _("“%s” is not a pause in seconds such as 60-180 (at most %d)"),
                  text != NULL ? text : "", OB_ACCOUNT_MAX_PAUSE);
}

const ObAccountPreset *
ob_account_presets (guint *n_presets)
{
  *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const ObAccountPreset *
ob_account_preset_find (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].id, id) == 0)
      return &presets[i];
  return NULL;
}

/**
 * ob_account_preset_for_email:
 *
 * Returns: (nullable): the preset of the address's provider when its domain
 *   is one of the provider's own (a Google Workspace domain is not known)
 */
const ObAccountPreset *
ob_account_preset_for_email (const char *email)
{
  g_auto(ObEmail) parsed = { 0 };

  if (!ob_email_parse (email, &parsed, NULL))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_auto(GStrv) domains = g_strsplit (presets[i].domains, ";", -1);

      if (g_strv_contains ((const char * const *) domains, parsed.domain))
        return &presets[i];
    }
  return NULL;
}

/* Sets the servers and the provider's habits; leaves everything else. */
void
ob_account_apply_preset (ObAccount             *account,
                         const ObAccountPreset *preset)
{
  g_return_if_fail (account != NULL);
  g_return_if_fail (preset != NULL);

  if (preset->smtp_host == NULL)
    return;

  g_free (account->smtp_host);
  account->smtp_host = g_strdup (preset->smtp_host);
  account->smtp_port = preset->smtp_port;
  account->smtp_security = preset->smtp_security;
  g_free (account->imap_host);
  account->imap_host = g_strdup (preset->imap_host);
  account->imap_port = preset->imap_port;
  account->imap_security = preset->imap_security;
  account->provider_saves_sent = preset->provider_saves_sent;
  g_free (account->sent_folder);
  account->sent_folder = g_strdup (preset->sent_folder);
}

#define COLUMNS \
  "id, keyring_id, name, email, display_name, signature, auth_method, goa_id," \
  " smtp_host, smtp_port, smtp_security, smtp_user," \
  " imap_host, imap_port, imap_security, imap_user," \
  " ca_file, sent_folder, provider_saves_sent, daily_limit, pause_min, pause_max," \
  " state, state_reason, paused_until, created_at, oauth_provider"

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? text : "");
}

static char *
column_dup_nullable (sqlite3_stmt *stmt,
                     int           column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL
         ? NULL : g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static ObAccount *
account_from_row (sqlite3_stmt *stmt)
{
  ObAccount *account = g_new0 (ObAccount, 1);
  int c = 0;

  account->id = sqlite3_column_int64 (stmt, c++);
  account->keyring_id = column_dup (stmt, c++);
  account->name = column_dup (stmt, c++);
  account->email = column_dup (stmt, c++);
  account->display_name = column_dup (stmt, c++);
  account->signature = column_dup (stmt, c++);
  account->auth_method = column_dup (stmt, c++);
  account->goa_id = column_dup_nullable (stmt, c++);
  account->smtp_host = column_dup (stmt, c++);
  account->smtp_port = (guint) sqlite3_column_int (stmt, c++);
  ob_security_from_string ((const char *) sqlite3_column_text (stmt, c++),
                           &account->smtp_security);
  account->smtp_user = column_dup (stmt, c++);
  account->imap_host = column_dup_nullable (stmt, c++);
  account->imap_port = (guint) sqlite3_column_int (stmt, c++);
  if (!ob_security_from_string ((const char *) sqlite3_column_text (stmt, c++),
                                &account->imap_security))
    account->imap_security = OB_SECURITY_TLS;
  account->imap_user = column_dup (stmt, c++);
  account->ca_file = column_dup_nullable (stmt, c++);
  account->sent_folder = column_dup_nullable (stmt, c++);
  account->provider_saves_sent = sqlite3_column_int (stmt, c++) != 0;
  account->daily_limit = sqlite3_column_int64 (stmt, c++);
  account->pause_min = sqlite3_column_int64 (stmt, c++);
  account->pause_max = sqlite3_column_int64 (stmt, c++);
  account->state = state_from_string ((const char *) sqlite3_column_text (stmt, c++));
  account->state_reason = column_dup (stmt, c++);
  account->paused_until = sqlite3_column_int64 (stmt, c++);
  account->created_at = sqlite3_column_int64 (stmt, c++);
  account->oauth_provider = column_dup_nullable (stmt, c++);
  return account;
}

static gboolean
load_pins (ObStore    *store,
           ObAccount  *account,
           GError    **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(GStrvBuilder) smtp = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) imap = g_strv_builder_new ();
  int rc;

  stmt = ob_store_prepare_cached (store,
                           "SELECT protocol, sha256 FROM account_pins WHERE account_id = ?"
                           " ORDER BY protocol, sha256",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "smtp") == 0
                        ? smtp : imap,
                        (const char *) sqlite3_column_text (stmt, 1));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "account pins");
      return FALSE;
    }

  g_strfreev (account->smtp_pins);
  account->smtp_pins = g_strv_builder_end (smtp);
  g_strfreev (account->imap_pins);
  account->imap_pins = g_strv_builder_end (imap);
  return TRUE;
}

static gboolean
save_pins (ObStore          *store,
           const ObAccount  *account,
           GError          **error)
{
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  const struct { const char *protocol; GStrv pins; } sides[] = {
    { "smtp", account->smtp_pins }, { "imap", account->imap_pins },
  };
  int rc;

  clear = ob_store_prepare (store, "DELETE FROM account_pins WHERE account_id = ?", error);
  insert = clear != NULL
           ? ob_store_prepare (store,
                               "INSERT OR IGNORE INTO account_pins (account_id, protocol, sha256)"
                               " VALUES (?, ?, ?)", error)
           : NULL;
  if (insert == NULL)
    return FALSE;

  sqlite3_bind_int64 (clear, 1, account->id);
  if ((rc = sqlite3_step (clear)) != SQLITE_DONE)
    goto failed;

  for (guint s = 0; s < G_N_ELEMENTS (sides); s++)
    for (guint i = 0; sides[s].pins != NULL && sides[s].pins[i] != NULL; i++)
      {
        sqlite3_reset (insert);
        sqlite3_bind_int64 (insert, 1, account->id);
        sqlite3_bind_text (insert, 2, sides[s].protocol, -1, SQLITE_STATIC);
        sqlite3_bind_text (insert, 3, sides[s].pins[i], -1, SQLITE_TRANSIENT);
        if ((rc = sqlite3_step (insert)) != SQLITE_DONE)
          goto failed;
      }
  return TRUE;

failed:
  ob_store_set_error_from_db (store, rc, error, "account pins");
  return FALSE;
}

static void
bind_nullable (sqlite3_stmt *stmt,
               int           index,
               const char   *text)
{
  if (text == NULL || text[0] == '\0')
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

/* Binds ?1...?20: the settings, in the order of COLUMNS without id and
 * keyring_id, up to pause_max. */
#define N_SETTINGS 20

static void
bind_settings (sqlite3_stmt    *stmt,
               const ObAccount *a)
{
  int i = 1;
  gboolean imap = ob_account_has_imap (a);
  g_autofree char *name = g_strstrip (g_strdup (a->name));

  sqlite3_bind_text (stmt, i++, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, a->email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, a->display_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, a->signature, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, i++, a->auth_method != NULL ? a->auth_method : "password", -1,
                     SQLITE_TRANSIENT);
  bind_nullable (stmt, i++, a->goa_id);
  sqlite3_bind_text (stmt, i++, a->smtp_host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, i++, (int) a->smtp_port);
  sqlite3_bind_text (stmt, i++, ob_security_to_string (a->smtp_security), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, a->smtp_user, -1, SQLITE_TRANSIENT);
  bind_nullable (stmt, i++, imap ? a->imap_host : NULL);
  if (imap)
    {
      sqlite3_bind_int (stmt, i++, (int) a->imap_port);
      sqlite3_bind_text (stmt, i++, ob_security_to_string (a->imap_security), -1, SQLITE_STATIC);
    }
  else
    {
      sqlite3_bind_null (stmt, i++);
      sqlite3_bind_null (stmt, i++);
    }
  sqlite3_bind_text (stmt, i++, a->imap_user, -1, SQLITE_TRANSIENT);
  bind_nullable (stmt, i++, a->ca_file);
  bind_nullable (stmt, i++, a->sent_folder);
  sqlite3_bind_int (stmt, i++, a->provider_saves_sent ? 1 : 0);
  sqlite3_bind_int64 (stmt, i++, a->daily_limit);
  sqlite3_bind_int64 (stmt, i++, a->pause_min);
  sqlite3_bind_int64 (stmt, i++, a->pause_max);
  g_assert (i == N_SETTINGS + 1);
}

/* The state is the sender's to change (ob_accounts_set_state()), not the
 * editor's: binds ?21...?23 of an INSERT only. */
static void
bind_state (sqlite3_stmt    *stmt,
            const ObAccount *a)
{
  int i = N_SETTINGS + 1;

  sqlite3_bind_text (stmt, i++, ob_account_state_to_string (a->state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, i++, a->state_reason != NULL ? a->state_reason : "", -1,
                     SQLITE_TRANSIENT);
  if (a->paused_until > 0)
    sqlite3_bind_int64 (stmt, i++, a->paused_until);
  else
    sqlite3_bind_null (stmt, i++);
}

/* Its own statement, so that the positional settings above stay as they are. */
static gboolean
save_oauth_provider (ObStore          *store,
                     const ObAccount  *account,
                     GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store, "UPDATE accounts SET oauth_provider = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_nullable (stmt, 1, g_strcmp0 (account->auth_method, "oauth2") == 0
                          ? account->oauth_provider : NULL);
  sqlite3_bind_int64 (stmt, 2, account->id);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "account sign-in provider");
      return FALSE;
    }
  return TRUE;
}

static gboolean
name_taken (ObStore     *store,
            const char  *name,
            gint64       except_id,
            gboolean    *taken,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = ob_store_prepare (store, "SELECT 1 FROM accounts WHERE name = ? AND id <> ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, except_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "accounts");
      return FALSE;
    }
  *taken = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
check_name_free (ObStore          *store,
                 const ObAccount  *account,
                 GError          **error)
{
  g_autofree char *name = g_strstrip (g_strdup (account->name));
  gboolean taken = FALSE;

  if (!name_taken (store, name, account->id, &taken, error))
    return FALSE;
  if (taken)
    {
      g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_EXISTS,
                   _("An account called “%s” exists already"), name);
      return FALSE;
    }
  return TRUE;
}

/**
 * ob_accounts_add:
 *
 * Validates and inserts @account with its pins; sets its @id, @keyring_id
 * and @created_at. Store the passwords under @keyring_id afterwards.
 */
gboolean
ob_accounts_add (ObStore    *store,
                 ObAccount  *account,
                 GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *keyring_id = g_uuid_string_random ();
  int rc;

  /* 32 hex digits, as the migration makes them for older accounts. */
  {
    char *out = keyring_id;

    for (const char *in = keyring_id; *in != '\0'; in++)
      if (*in != '-')
        *out++ = *in;
    *out = '\0';
  }

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);
  g_return_val_if_fail (account->id == 0, FALSE);

  if (!ob_account_validate (account, error))
    return FALSE;
  if (!ob_store_begin (store, error))
    return FALSE;
  if (!check_name_free (store, account, error))
    goto rollback;

  stmt = ob_store_prepare (store,
                           "INSERT INTO accounts (name, email, display_name, signature,"
                           " auth_method, goa_id, smtp_host, smtp_port, smtp_security, smtp_user,"
                           " imap_host, imap_port, imap_security, imap_user, ca_file,"
                           " sent_folder, provider_saves_sent, daily_limit, pause_min, pause_max,"
                           " state, state_reason, paused_until, keyring_id)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                           " ?, ?, ?, ?) RETURNING id, created_at",
                           error);
  if (stmt == NULL)
    goto rollback;
  bind_settings (stmt, account);
  bind_state (stmt, account);
  sqlite3_bind_text (stmt, 24, keyring_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ob_store_set_error_from_db (store, rc, error, "add account");
      goto rollback;
    }
  account->id = sqlite3_column_int64 (stmt, 0);
  account->created_at = sqlite3_column_int64 (stmt, 1);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!save_pins (store, account, error) || !save_oauth_provider (store, account, error)
      || !ob_store_commit (store, error))
    {
      account->id = 0;
      goto rollback;
    }

  g_free (account->keyring_id);
  account->keyring_id = g_steal_pointer (&keyring_id);
  return TRUE;

rollback:
  ob_store_rollback (store);
  return FALSE;
}

/**
 * ob_accounts_update:
 *
 * Writes every setting of @account (found by its id) and its pins. Not its
 * state (see ob_accounts_set_state()): an editor's copy must not undo what
 * the sender recorded meanwhile. The keyring_id and created_at never change.
 */
gboolean
ob_accounts_update (ObStore          *store,
                    const ObAccount  *account,
                    GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  if (!ob_account_validate (account, error))
    return FALSE;
  if (!ob_store_begin (store, error))
    return FALSE;
  if (!check_name_free (store, account, error))
    goto rollback;

  stmt = ob_store_prepare (store,
                           "UPDATE accounts SET name = ?, email = ?, display_name = ?,"
                           " signature = ?, auth_method = ?, goa_id = ?, smtp_host = ?,"
                           " smtp_port = ?, smtp_security = ?, smtp_user = ?, imap_host = ?,"
                           " imap_port = ?, imap_security = ?, imap_user = ?, ca_file = ?,"
                           " sent_folder = ?, provider_saves_sent = ?, daily_limit = ?,"
                           " pause_min = ?, pause_max = ? WHERE id = ?",
                           error);
  if (stmt == NULL)
    goto rollback;
  bind_settings (stmt, account);
  sqlite3_bind_int64 (stmt, N_SETTINGS + 1, account->id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "update account");
      goto rollback;
    }
  if (sqlite3_changes (ob_store_get_db (store)) == 0)
    {
      g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND,
                   _("The account “%s” does not exist any more"), account->name);
      goto rollback;
    }

  if (!save_pins (store, account, error) || !save_oauth_provider (store, account, error)
      || !ob_store_commit (store, error))
    goto rollback;
  return TRUE;

rollback:
  ob_store_rollback (store);
  return FALSE;
}

/**
 * ob_accounts_set_state:
 * @reason: (nullable): why, in words the user reads (a server's answer,
 *   sanitised), or %NULL
 * @paused_until: Unix time the account waits for (throttled), or 0
 *
 * What the sender records when a provider throttles the account or it
 * needs the user, and what Pause/Resume records.
 */
gboolean
ob_accounts_set_state (ObStore         *store,
                       gint64           id,
                       ObAccountState   state,
                       const char      *reason,
                       gint64           paused_until,
                       GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);
  g_return_val_if_fail (state <= OB_ACCOUNT_STATE_THROTTLED, FALSE);

  stmt = ob_store_prepare (store,
                           "UPDATE accounts SET state = ?, state_reason = ?, paused_until = ?"
                           " WHERE id = ?",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ob_account_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, reason != NULL ? reason : "", -1, SQLITE_TRANSIENT);
  if (paused_until > 0)
    sqlite3_bind_int64 (stmt, 3, paused_until);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int64 (stmt, 4, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "account state");
      return FALSE;
    }
  if (sqlite3_changes (ob_store_get_db (store)) == 0)
    {
      g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND,
                   _("There is no account with the id %lld"), (long long) id);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
query_accounts (ObStore     *store,
                const char  *where,
                gint64       id,
                const char  *name,
                GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_account_free);
  g_autofree char *sql = g_strconcat ("SELECT " COLUMNS " FROM accounts ", where,
                                      " ORDER BY name COLLATE NOCASE, id", NULL);
  int rc;

  stmt = ob_store_prepare_cached (store, sql, error);
  if (stmt == NULL)
    return NULL;
  if (name != NULL)
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  else if (id != 0)
    sqlite3_bind_int64 (stmt, 1, id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (accounts, account_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "accounts");
      return NULL;
    }
  g_clear_pointer (&stmt, ob_store_stmt_release);

  for (guint i = 0; i < accounts->len; i++)
    if (!load_pins (store, g_ptr_array_index (accounts, i), error))
      return NULL;

  return g_steal_pointer (&accounts);
}

static ObAccount *
get_one (ObStore     *store,
         const char  *where,
         gint64       id,
         const char  *name,
         GError     **error)
{
  g_autoptr(GPtrArray) found = query_accounts (store, where, id, name, error);

  if (found == NULL)
    return NULL;
  if (found->len == 0)
    {
      if (name != NULL)
        g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND,
                     _("There is no account called “%s”"), name);
      else
        g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND,
                     _("There is no account with the id %lld"), (long long) id);
      return NULL;
    }
  return g_ptr_array_steal_index (found, 0);
}

ObAccount *
ob_accounts_get (ObStore  *store,
                 gint64    id,
                 GError  **error)
{
  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  return get_one (store, "WHERE id = ?", id, NULL, error);
}

ObAccount *
ob_accounts_get_by_name (ObStore     *store,
                         const char  *name,
                         GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return get_one (store, "WHERE name = ?", 0, name, error);
}

/**
 * ob_accounts_list:
 *
 * Returns: (transfer full) (element-type ObAccount): every account, by name
 */
GPtrArray *
ob_accounts_list (ObStore  *store,
                  GError  **error)
{
  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  return query_accounts (store, "", 0, NULL, error);
}

/**
 * ob_accounts_dup_campaigns:
 *
 * Returns: (transfer full): the names of the campaigns that send from the
 *   account, by name (empty when none)
 */
GStrv
ob_accounts_dup_campaigns (ObStore  *store,
                           gint64    id,
                           GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  int rc;

  stmt = ob_store_prepare (store,
                           "SELECT name FROM campaigns WHERE account_id = ? ORDER BY name",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (names, (const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "campaigns");
      return NULL;
    }
  return g_strv_builder_end (names);
}

/**
 * ob_accounts_remove:
 *
 * Deletes the account and its pins, certificate trust and folder state.
 * Refused with OB_ACCOUNT_ERROR_IN_USE while campaigns send from it (the
 * message lists them). Delete its secrets afterwards (ob_secrets_delete_*
 * with its keyring_id).
 */
gboolean
ob_accounts_remove (ObStore  *store,
                    gint64    id,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_auto(GStrv) campaigns = NULL;
  int rc;

  g_return_val_if_fail (OB_IS_STORE (store), FALSE);

  if (!ob_store_begin (store, error))
    return FALSE;

  campaigns = ob_accounts_dup_campaigns (store, id, error);
  if (campaigns == NULL)
    goto rollback;
  if (campaigns[0] != NULL)
    {
      g_autofree char *list = g_strjoinv ("”, “", campaigns);
      guint n = g_strv_length (campaigns);

      g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_IN_USE,
                   ngettext ("%u campaign sends from this account (“%s”): choose another "
                             "account for it or delete it first",
                             "%u campaigns send from this account (“%s”): choose another "
                             "account for them or delete them first", n),
                   n, list);
      goto rollback;
    }

  stmt = ob_store_prepare (store, "DELETE FROM accounts WHERE id = ?", error);
  if (stmt == NULL)
    goto rollback;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      ob_store_set_error_from_db (store, rc, error, "remove account");
      goto rollback;
    }
  if (sqlite3_changes (ob_store_get_db (store)) == 0)
    {
      g_set_error (error, OB_ACCOUNT_ERROR, OB_ACCOUNT_ERROR_NOT_FOUND,
                   _("There is no account with the id %lld"), (long long) id);
      goto rollback;
    }
  return ob_store_commit (store, error);

rollback:
  ob_store_rollback (store);
  return FALSE;
}
