/* test-tls.c: certificate verification and pinning in ob-tls, without a network
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "unit": fixed certificates from tests/data/tls (see its README),
 * verified as a server would present them. The same code under real
 * servers is in test-smtp.c (suite "mail").
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ob-tls.h"
#include "testlib.h"

/* The DER inside a PEM file with one certificate. */
static GBytes *
load_der (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tls", name, NULL);
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) b64 = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  gboolean inside = FALSE;
  guchar *der;
  gsize len;

  g_file_get_contents (path, &pem, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (pem, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "-----BEGIN CERTIFICATE"))
        inside = TRUE;
      else if (g_str_has_prefix (lines[i], "-----END CERTIFICATE"))
        break;
      else if (inside)
        g_string_append (b64, g_strstrip (lines[i]));
    }
  der = g_base64_decode (b64->str, &len);
  g_assert_cmpuint (len, >, 100);
  return g_bytes_new_take (der, len);
}

static GPtrArray *
chain_of (const char *name)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (chain, load_der (name));
  return chain;
}

static char *
ca_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "tls", "ca.pem", NULL);
}

static ObTlsEndpoint
endpoint_for (const char *host,
              const char *ca_file)
{
  ObTlsEndpoint endpoint = { host, 465, OB_TLS_SECURITY_TLS, ca_file, NULL, 5 };
  return endpoint;
}

static void
test_trusted_with_ca_file (void)
{
  g_autoptr(GPtrArray) chain = chain_of ("good.pem");
  g_autofree char *ca = ca_path ();
  g_autofree char *expected_sha = NULL;
  g_autofree char *sha_path = g_test_build_filename (G_TEST_DIST, "data", "tls", "good.sha256", NULL);
  g_autoptr(ObTlsCertificate) peer = NULL;
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint = endpoint_for ("mail.example.test", ca);

  g_assert_true (ob_tls_verify_chain (chain, &endpoint, &peer, &error));
  g_assert_no_error (error);
  g_assert_nonnull (peer);
  g_assert_cmpint (peer->problems, ==, 0);
  g_assert_false (peer->pinned);

  /* The details a user is shown, from the certificate itself. */
  g_file_get_contents (sha_path, &expected_sha, NULL, NULL);
  g_assert_cmpstr (peer->sha256, ==, g_strstrip (expected_sha));
  g_assert_nonnull (strstr (peer->subject, "CN=mail.example.test"));
  g_assert_nonnull (strstr (peer->issuer, "CN=Outbound test CA"));
  g_assert_cmpint (peer->not_before, ==, 1767225600);  /* 2026-01-01 */
  g_assert_cmpint (peer->not_after, ==, 4922899200);   /* 2126-01-01 */
  g_assert_true (g_bytes_equal (peer->der, chain->pdata[0]));
}

static void
test_unknown_ca (void)
{
  g_autoptr(GPtrArray) chain = chain_of ("good.pem");
  g_autoptr(ObTlsCertificate) peer = NULL;
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint = endpoint_for ("mail.example.test", NULL);

  g_assert_false (ob_tls_verify_chain (chain, &endpoint, &peer, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
  g_assert_cmpint (peer->problems, ==, OB_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_nonnull (strstr (error->message, peer->sha256));
}

static void
test_problems (void)
{
  static const struct
  {
    const char *file;
    const char *host;
    ObTlsCertificateFlags problems;
  } cases[] = {
    { "good.pem", "other.example.test", OB_TLS_CERTIFICATE_BAD_IDENTITY },
    { "good.pem", "127.0.0.1", OB_TLS_CERTIFICATE_BAD_IDENTITY },
    { "good.pem", "example.test", OB_TLS_CERTIFICATE_BAD_IDENTITY },
    { "expired.pem", "mail.example.test", OB_TLS_CERTIFICATE_EXPIRED },
    { "future.pem", "mail.example.test", OB_TLS_CERTIFICATE_NOT_ACTIVATED },
    { "expired.pem", "other.example.test",
      OB_TLS_CERTIFICATE_EXPIRED | OB_TLS_CERTIFICATE_BAD_IDENTITY },
    /* The CA itself is no server certificate (key usage, no such name). */
    { "ca.pem", "mail.example.test", 0 },
  };
  g_autofree char *ca = ca_path ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) chain = chain_of (cases[i].file);
      g_autoptr(ObTlsCertificate) peer = NULL;
      g_autoptr(GError) error = NULL;
      ObTlsEndpoint endpoint = endpoint_for (cases[i].host, ca);

      g_test_message ("%s for %s", cases[i].file, cases[i].host);
      g_assert_false (ob_tls_verify_chain (chain, &endpoint, &peer, &error));
      g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
      if (cases[i].problems != 0)
        g_assert_cmpint (peer->problems, ==, cases[i].problems);
      else
        g_assert_cmpint (peer->problems, !=, 0);
    }
}

static void
test_pinned (void)
{
  g_autofree char *ca = ca_path ();
  g_autoptr(GPtrArray) good = chain_of ("good.pem");
  g_autoptr(GPtrArray) expired = chain_of ("expired.pem");
  g_autoptr(ObTlsCertificate) good_peer = NULL;
  g_autoptr(ObTlsCertificate) peer = NULL;
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint = endpoint_for ("other.example.test", NULL);
  const char *pins[2] = { NULL, NULL };

  /* Learn the fingerprint the way the UI does: from the refusal. */
  g_assert_false (ob_tls_verify_chain (good, &endpoint, &good_peer, &error));
  g_clear_error (&error);

  /* Pinned: trusted as it is, whatever the name or the CA. */
  pins[0] = good_peer->sha256;
  endpoint.pins = pins;
  g_assert_true (ob_tls_verify_chain (good, &endpoint, &peer, &error));
  g_assert_no_error (error);
  g_assert_true (peer->pinned);
  g_clear_pointer (&peer, ob_tls_certificate_free);

  /* The pin is for that certificate only. */
  g_assert_false (ob_tls_verify_chain (expired, &endpoint, &peer, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
  g_assert_false (peer->pinned);
  g_clear_pointer (&peer, ob_tls_certificate_free);
  g_clear_error (&error);

  /* A malformed pin trusts nothing. */
  pins[0] = "not-a-fingerprint";
  endpoint.ca_file = ca;
  endpoint.host = "mail.example.test";
  g_assert_true (ob_tls_verify_chain (good, &endpoint, &peer, &error));
  g_assert_false (peer->pinned);
}

static void
test_ca_file_problems (void)
{
  g_autoptr(GPtrArray) chain = chain_of ("good.pem");
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-tls-XXXXXX", NULL);
  g_autofree char *not_pem = g_build_filename (dir, "notes.txt", NULL);
  ObTlsEndpoint endpoint = endpoint_for ("mail.example.test", "/nonexistent/ca.pem");

  g_assert_false (ob_tls_verify_chain (chain, &endpoint, NULL, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CA_FILE);
  g_clear_error (&error);

  g_file_set_contents (not_pem, "no certificate here\n", -1, NULL);
  endpoint.ca_file = not_pem;
  g_assert_false (ob_tls_verify_chain (chain, &endpoint, NULL, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CA_FILE);
  g_clear_error (&error);

  g_assert_false (ob_tls_verify_chain (empty, &endpoint, NULL, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_HANDSHAKE);
  g_clear_error (&error);

  /* Garbage instead of a certificate. */
  {
    g_autoptr(GPtrArray) junk = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add (junk, g_bytes_new_static ("\x30\x03\x02\x01\x00", 5));
    g_assert_false (ob_tls_verify_chain (junk, &endpoint, NULL, &error));
    g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
  }
  remove_tree (dir);
}

static void
test_describe (void)
{
  g_autofree char *one = ob_tls_describe_problems (OB_TLS_CERTIFICATE_EXPIRED);
  g_autofree char *two = ob_tls_describe_problems (OB_TLS_CERTIFICATE_UNKNOWN_CA |
                                                   OB_TLS_CERTIFICATE_BAD_IDENTITY);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (one, ==, "it has expired");
  g_assert_cmpstr (two, ==, "it is not signed by a trusted authority; "
                            "it was issued for another server name");
  g_assert_cmpstr (ob_tls_security_to_string (OB_TLS_SECURITY_INSECURE), ==, "insecure");

  error = g_error_new (OB_TLS_ERROR, OB_TLS_ERROR_TIMEOUT, "t");
  g_assert_true (ob_tls_error_is_transient (error));
  error->code = OB_TLS_ERROR_CERTIFICATE;
  g_assert_false (ob_tls_error_is_transient (error));
  error->code = OB_TLS_ERROR_STARTTLS_MISSING;
  g_assert_false (ob_tls_error_is_transient (error));
}

/* Shown as an administrator reads it out, and taken back as a pin. */
static void
test_fingerprint (void)
{
  const char *sha256 = "fed5e6c7d987981b00e0c8ce3f8b6ee59d4eacfb3e45b05b750b952ba6c6e81f";
  g_autofree char *shown = ob_tls_format_fingerprint (sha256);
  g_autofree char *back = ob_tls_normalize_pin (shown);

  g_assert_cmpstr (shown, ==, "FE:D5:E6:C7:D9:87:98:1B:00:E0:C8:CE:3F:8B:6E:E5:"
                              "9D:4E:AC:FB:3E:45:B0:5B:75:0B:95:2B:A6:C6:E8:1F");
  g_assert_cmpstr (back, ==, sha256);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/tls/verify/ca-file", test_trusted_with_ca_file);
  g_test_add_func ("/engine/tls/verify/unknown-ca", test_unknown_ca);
  g_test_add_func ("/engine/tls/verify/problems", test_problems);
  g_test_add_func ("/engine/tls/verify/pinned", test_pinned);
  g_test_add_func ("/engine/tls/verify/ca-file-problems", test_ca_file_problems);
  g_test_add_func ("/engine/tls/describe", test_describe);
  g_test_add_func ("/engine/tls/fingerprint", test_fingerprint);

  return g_test_run ();
}
