/* test-smtp.c: ob-tls and ob-smtp against a real Postfix + Dovecot and a scripted faulty server
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Suite "mail". The bed (tests/mailbed) comes from OUTBOUND_MAILBED (set by
 * build-aux/test-session); run alone, this program starts its own and
 * stops it at the end. The faults come from tests/smtp-fault-server.py.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libetpan/libetpan.h>

#include "ob-smtp.h"
#include "ob-tls.h"
#include "bedlib.h"
#include "testlib.h"

/* A bed endpoint: submission (STARTTLS) or submissions (implicit TLS). */
static ObTlsEndpoint
bed_endpoint (ObTlsSecurity security,
              gboolean      with_ca)
{
  ObTlsEndpoint endpoint = {
    .host = bed_get ("MAILBED_HOST"),
    .port = bed_port (security == OB_TLS_SECURITY_TLS ? "MAILBED_SUBMISSIONS_PORT"
                                                      : "MAILBED_SUBMISSION_PORT"),
    .security = security,
    .ca_file = with_ca ? bed_get ("MAILBED_CA_FILE") : NULL,
    .timeout_seconds = 10,
  };
  return endpoint;
}

/* A small message carrying @token in its subject and body. */
static char *
make_message (const char *to,
              const char *token)
{
  return g_strdup_printf ("From: Rep <%s>\r\n"
                          "To: <%s>\r\n"
                          "Subject: Test %s\r\n"
                          "Message-ID: <%s@outbound.test>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=UTF-8\r\n"
                          "\r\n"
                          "Hello,\r\n"
                          ".a line that starts with a dot\r\n"
                          "token %s\r\n",
                          bed_get ("MAILBED_REP"), to, token, token, token);
}

static char *
fresh_token (void)
{
  static guint counter;
  return g_strdup_printf ("t%d-%u-%" G_GINT64_FORMAT, (int) getpid (), ++counter,
                          g_get_real_time ());
}

/* Messages in USER@DOMAIN's INBOX whose text holds @token, waiting up to
 * 5 s for @expected of them (delivery is asynchronous). */
static guint
count_delivered (const char *address,
                 const char *token,
                 guint       expected)
{
  g_auto(GStrv) parts = g_strsplit (address, "@", 2);
  g_autofree char *dir = g_build_filename (bed_get ("MAILBED_MAIL_ROOT"), parts[1], parts[0],
                                           "Maildir", "new", NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint found = 0;

  do
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      found = 0;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *text = NULL;

          if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, token) != NULL)
            {
              found++;
              /* Dot-stuffing undone by the server: the line is as written. */
              g_assert_nonnull (strstr (text, "\n.a line that starts with a dot"));
            }
        }
      if (found >= expected)
        break;
      g_usleep (20 * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return found;
}

static void
send_one (ObSmtpConnection *smtp,
          const char       *to,
          const char       *token)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = make_message (to, token);

  ob_smtp_connection_send (smtp, bed_get ("MAILBED_REP"), to, message, strlen (message), NULL,
                           &error);
  g_assert_no_error (error);
}

static void
test_bed_starttls_send (void)
{
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_STARTTLS, TRUE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = fresh_token ();
  const ObSmtpReply *reply;

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ob_smtp_connection_is_encrypted (smtp));
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_CONNECT)->code, ==, 220);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_STARTTLS)->code, ==, 220);
  g_assert_nonnull (ob_smtp_connection_get_peer_certificate (smtp));
  g_assert_cmpstr (ob_smtp_connection_get_peer_certificate (smtp)->sha256, ==,
                   bed_get ("MAILBED_CERT_SHA256"));
  g_assert_false (ob_smtp_connection_get_peer_certificate (smtp)->pinned);

  ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                   bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_AUTH)->code, ==, 235);

  send_one (smtp, "p1@prospects.test", token);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_MAIL)->code, ==, 250);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_RCPT)->code, ==, 250);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_DATA)->code, ==, 354);
  reply = ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_MESSAGE);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpstr (reply->enhanced, ==, "2.0.0");
  g_assert_true (g_str_has_prefix (reply->text, "Ok: queued as "));
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 250);
  ob_smtp_connection_close (smtp);
  g_assert_false (ob_smtp_connection_is_open (smtp));

  g_assert_cmpuint (count_delivered ("p1@prospects.test", token, 1), ==, 1);
}

static void
test_bed_implicit_tls_send (void)
{
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_TLS, TRUE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = fresh_token ();

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ob_smtp_connection_is_encrypted (smtp));
  /* No STARTTLS on an implicit TLS port. */
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_STARTTLS)->code, ==, 0);
  ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                   bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);
  send_one (smtp, "p2@prospects.test", token);
  ob_smtp_connection_close (smtp);
  g_assert_cmpuint (count_delivered ("p2@prospects.test", token, 1), ==, 1);
}

static void
test_bed_system_store_rejects (void)
{
  for (guint i = 0; i < 2; i++)
    {
      ObTlsEndpoint endpoint = bed_endpoint (i == 0 ? OB_TLS_SECURITY_STARTTLS
                                                    : OB_TLS_SECURITY_TLS, FALSE);
      g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
      g_autoptr(GError) error = NULL;
      const ObTlsCertificate *peer;

      g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
      g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
      g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_CERTIFICATE);
      g_assert_false (ob_smtp_connection_is_open (smtp));
      g_assert_nonnull (strstr (error->message, bed_get ("MAILBED_CERT_SHA256")));

      /* What a "Trust this certificate" dialog shows. */
      peer = ob_smtp_connection_get_peer_certificate (smtp);
      g_assert_nonnull (peer);
      g_assert_cmpint (peer->problems, ==, OB_TLS_CERTIFICATE_UNKNOWN_CA);
      g_assert_cmpstr (peer->sha256, ==, bed_get ("MAILBED_CERT_SHA256"));
      g_assert_nonnull (strstr (peer->subject, "CN=localhost"));
      g_assert_nonnull (strstr (peer->issuer, "CN=Outbound mail bed CA"));
      g_assert_cmpint (peer->not_before, <=, g_get_real_time () / G_USEC_PER_SEC);
      g_assert_cmpint (peer->not_after, >, g_get_real_time () / G_USEC_PER_SEC);
      g_assert_nonnull (peer->der);

      /* Refused before anything was said after the handshake. */
      g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_AUTH)->code, ==, 0);
      if (i == 1)
        g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_CONNECT)->code, ==, 0);
    }
}

static void
test_bed_pinned (void)
{
  g_autofree char *colons = NULL;
  GString *s = g_string_new (NULL);
  const char *sha = bed_get ("MAILBED_CERT_SHA256");

  /* As a user might paste it: upper case, colons. */
  for (guint i = 0; sha[i] != '\0'; i += 2)
    g_string_append_printf (s, "%s%c%c", i > 0 ? ":" : "", g_ascii_toupper (sha[i]),
                            g_ascii_toupper (sha[i + 1]));
  colons = g_string_free (s, FALSE);

  for (guint i = 0; i < 2; i++)
    {
      const char *pins[] = { "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                             colons, NULL };
      ObTlsEndpoint endpoint = bed_endpoint (i == 0 ? OB_TLS_SECURITY_STARTTLS
                                                    : OB_TLS_SECURITY_TLS, FALSE);
      g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *token = fresh_token ();

      endpoint.pins = pins;
      ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ob_smtp_connection_get_peer_certificate (smtp)->pinned);
      ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                       bed_get ("MAILBED_REP_PASSWORD"), &error);
      g_assert_no_error (error);
      send_one (smtp, "p3@prospects.test", token);
      ob_smtp_connection_close (smtp);
      g_assert_cmpuint (count_delivered ("p3@prospects.test", token, 1), ==, 1);
    }

  /* Another certificate's pin trusts nothing. */
  {
    const char *pins[] = { "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                           NULL };
    ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_TLS, FALSE);
    g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
    g_autoptr(GError) error = NULL;

    endpoint.pins = pins;
    g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
    g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
    g_assert_false (ob_smtp_connection_get_peer_certificate (smtp)->pinned);
  }
}

static void
test_bed_host_name (void)
{
  /* 127.0.0.2 is in the certificate (IP SAN), 127.0.0.3 is not: the same
   * server, the same CA. */
  for (guint i = 0; i < 2; i++)
    for (guint tls = 0; tls < 2; tls++)
      {
        ObTlsEndpoint endpoint = bed_endpoint (tls ? OB_TLS_SECURITY_TLS
                                                   : OB_TLS_SECURITY_STARTTLS, TRUE);
        g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
        g_autoptr(GError) error = NULL;

        endpoint.host = bed_get (i == 0 ? "MAILBED_ADDRESS_IN_CERT" : "MAILBED_ADDRESS_NOT_IN_CERT");
        ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
        if (i == 0)
          {
            g_assert_no_error (error);
            continue;
          }
        g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
        g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_CERTIFICATE);
        g_assert_cmpint (ob_smtp_connection_get_peer_certificate (smtp)->problems, ==,
                         OB_TLS_CERTIFICATE_BAD_IDENTITY);
      }
}

static void
test_bed_bad_ca_file (void)
{
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_TLS, FALSE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;

  endpoint.ca_file = "/nonexistent/ca.pem";
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_CA_FILE);
}

static void
test_bed_wrong_password (void)
{
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_STARTTLS, TRUE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                                   "not-the-password", &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH);
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 535);
  g_assert_cmpstr (ob_smtp_connection_get_last_enhanced (smtp), ==, "5.7.8");
  g_assert_nonnull (strstr (ob_smtp_connection_get_last_text (smtp), "authentication failed"));
  /* Never the password in a message. */
  g_assert_null (strstr (error->message, "not-the-password"));
  g_assert_false (ob_smtp_connection_is_authenticated (smtp));

  /* Without AUTH the submission port takes nothing. */
  {
    g_autoptr(GError) send_error = NULL;
    g_autofree char *message = make_message ("p4@prospects.test", "noauth");

    g_assert_false (ob_smtp_connection_send (smtp, bed_get ("MAILBED_REP"), "p4@prospects.test",
                                             message, strlen (message), NULL, &send_error));
    g_assert_error (send_error, OB_SMTP_ERROR, OB_SMTP_ERROR_PERMANENT_RECIPIENT);
    g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 554);
  }
}

static void
test_bed_starttls_required (void)
{
  /* 127.0.0.2: Dovecot and Postfix do not count it as their own address.
   * Told "insecure", the client speaks plaintext and the server offers no
   * AUTH before TLS, so nothing is sent; told "starttls", TLS comes first. */
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_INSECURE, FALSE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;

  endpoint.host = bed_get ("MAILBED_ADDRESS_IN_CERT");
  endpoint.port = bed_port ("MAILBED_SUBMISSION_PORT");
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ob_smtp_connection_is_encrypted (smtp));
  g_assert_false (ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                                   bed_get ("MAILBED_REP_PASSWORD"), &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH);
  g_clear_error (&error);
  {
    g_autofree char *message = make_message ("p4@prospects.test", "plaintext");
    g_assert_false (ob_smtp_connection_send (smtp, bed_get ("MAILBED_REP"), "p4@prospects.test",
                                             message, strlen (message), NULL, &error));
    g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 530);
    g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH);
  }
  ob_smtp_connection_close (smtp);
}

static void
test_bed_several_messages (void)
{
  ObTlsEndpoint endpoint = bed_endpoint (OB_TLS_SECURITY_STARTTLS, TRUE);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = fresh_token ();

  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_authenticate (smtp, bed_get ("MAILBED_REP"),
                                   bed_get ("MAILBED_REP_PASSWORD"), &error);
  g_assert_no_error (error);

  for (guint i = 5; i <= 9; i++)
    {
      g_autofree char *to = g_strdup_printf ("p%u@prospects.test", i);

      send_one (smtp, to, token);
      g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_RSET)->code, ==,
                        i == 5 ? 0 : 250);
      if (i == 7)
        {
          /* A refused recipient in between: the next message goes on. */
          g_autofree char *message = make_message ("someone@elsewhere.test", token);

          g_assert_false (ob_smtp_connection_send (smtp, bed_get ("MAILBED_REP"),
                                                   "someone@elsewhere.test", message,
                                                   strlen (message), NULL, &error));
          g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_PERMANENT_RECIPIENT);
          g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_RCPT);
          g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 554);
          g_assert_cmpstr (ob_smtp_connection_get_last_enhanced (smtp), ==, "5.7.1");
          g_assert_true (ob_smtp_connection_is_open (smtp));
          g_clear_error (&error);
        }
    }
  g_assert_cmpuint (ob_smtp_connection_get_messages_sent (smtp), ==, 5);
  ob_smtp_connection_close (smtp);

  for (guint i = 5; i <= 9; i++)
    {
      g_autofree char *to = g_strdup_printf ("p%u@prospects.test", i);
      g_assert_cmpuint (count_delivered (to, token, 1), ==, 1);
    }
}

static guint16
closed_port (void)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;

  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  close (fd);
  return ntohs (sa.sin_port);
}

static void
test_net_refused_and_dns (void)
{
  ObTlsEndpoint endpoint = { "127.0.0.1", closed_port (), OB_TLS_SECURITY_TLS, NULL, NULL, 5 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_REFUSED);
  g_clear_error (&error);

  endpoint.host = "no-such-host.invalid";
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_DNS);
}

/* A port whose accept queue is full: the kernel drops further SYNs, so a
 * connect hangs as it would towards a firewalled host. */
static int
full_listener (guint16 *port,
               GArray  *fillers)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;

  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (listen (fd, 0), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  *port = ntohs (sa.sin_port);
  for (guint i = 0; i < 4; i++)
    {
      int c = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect (c, (struct sockaddr *) &sa, sizeof sa);
      g_array_append_val (fillers, c);
    }
  g_usleep (100 * 1000);
  return fd;
}

static gpointer
cancel_cancellable_later (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_net_connect_timeout_and_cancel (void)
{
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint16 port;
  int listener = full_listener (&port, fillers);
  gint64 started = g_get_monotonic_time ();
  GThread *thread;
  int fd;

  fd = ob_tls_connect_socket ("127.0.0.1", port, 1, NULL, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 4 * G_USEC_PER_SEC);
  g_assert_true (ob_tls_error_is_transient (error));
  g_clear_error (&error);

  /* The same wait, ended by the caller's GCancellable, through ob-smtp. */
  {
    g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
    ObTlsEndpoint endpoint = { "127.0.0.1", port, OB_TLS_SECURITY_TLS, NULL, NULL, 30 };

    started = g_get_monotonic_time ();
    thread = g_thread_new ("cancel", cancel_cancellable_later, cancellable);
    g_assert_false (ob_smtp_connection_open (smtp, &endpoint, cancellable, &error));
    g_thread_join (thread);
    g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_CANCELLED);
    g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_CANCELLED);
    g_assert_cmpint (g_get_monotonic_time () - started, <, 3 * G_USEC_PER_SEC);
  }

  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  close (listener);
}

static void
test_invalid_address (void)
{
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "a@b.test>\r\nRCPT TO:<x@y.test", "no-at-sign", "a b@c.test", "@c.test",
                        "a@", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (ob_smtp_connection_send (smtp, "rep@outbound.test", bad[i], "x", 1, NULL,
                                               &error));
      g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_INVALID_ADDRESS);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
}

static ObTlsEndpoint
fault_endpoint (FaultServer   *fault,
                ObTlsSecurity  security)
{
  ObTlsEndpoint endpoint = { "127.0.0.1", fault->port, security, NULL, NULL, 10 };
  return endpoint;
}

static gboolean
fault_send (ObSmtpConnection *smtp,
            const char       *to,
            GError          **error)
{
  g_autofree char *message = make_message (to, "fault");
  return ob_smtp_connection_send (smtp, "rep@outbound.test", to, message, strlen (message), NULL,
                                  error);
}

static void
test_fault_greeting_421 (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, "--greeting", "421", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_CONNECT);
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 421);
  g_assert_cmpstr (ob_smtp_connection_get_last_enhanced (smtp), ==, "4.3.2");
  g_assert_cmpstr (ob_smtp_connection_get_last_text (smtp), ==,
                   "Service not available, closing transmission channel");
  g_assert_false (ob_smtp_connection_is_open (smtp));
  fault_server_stop (&fault);
}

static void
test_fault_replies (void)
{
  static const struct
  {
    const char *to;
    ObSmtpError code;
    ObSmtpStage stage;
    guint reply;
    const char *enhanced;
    const char *text;
  } cases[] = {
    { "rcpt451@x.test", OB_SMTP_ERROR_TRANSIENT, OB_SMTP_STAGE_RCPT, 451, "4.3.0",
      "Temporary lookup failure, try again later" },
    { "rcpt452@x.test", OB_SMTP_ERROR_TRANSIENT, OB_SMTP_STAGE_RCPT, 452, "4.2.2", "Mailbox full" },
    { "rcpt550@x.test", OB_SMTP_ERROR_PERMANENT_RECIPIENT, OB_SMTP_STAGE_RCPT, 550, "5.1.1",
      "<rcpt550@x.test>: Recipient address rejected: User unknown" },
    { "rate450@x.test", OB_SMTP_ERROR_RATE_LIMITED, OB_SMTP_STAGE_RCPT, 450, "4.7.1",
      "Too many messages from this sender, slow down" },
    { "limit550@x.test", OB_SMTP_ERROR_RATE_LIMITED, OB_SMTP_STAGE_RCPT, 550, "5.4.5",
      "Daily user sending limit exceeded." },
    { "data552@x.test", OB_SMTP_ERROR_PERMANENT, OB_SMTP_STAGE_MESSAGE, 552, "5.3.4",
      "Message size exceeds fixed limit" },
    /* The escape sequence the server sent is gone. */
    { "data554@x.test", OB_SMTP_ERROR_PERMANENT, OB_SMTP_STAGE_MESSAGE, 554, "5.7.1",
      "Message rejected: looks like spam [31m" },
  };
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  ob_smtp_connection_authenticate (smtp, "rep@outbound.test", "good", &error);
  g_assert_no_error (error);

  /* One connection through all of them, a good message after each. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].to);
      g_assert_false (fault_send (smtp, cases[i].to, &error));
      g_assert_error (error, OB_SMTP_ERROR, (gint) cases[i].code);
      g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, cases[i].stage);
      g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, cases[i].reply);
      g_assert_cmpstr (ob_smtp_connection_get_last_enhanced (smtp), ==, cases[i].enhanced);
      g_assert_cmpstr (ob_smtp_connection_get_last_text (smtp), ==, cases[i].text);
      g_assert_null (strchr (error->message, '\033'));
      g_clear_error (&error);
      g_assert_true (ob_smtp_connection_is_open (smtp));
      g_assert_false (ob_smtp_connection_get_outcome_uncertain (smtp));

      g_assert_true (fault_send (smtp, "fine@x.test", &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_RSET)->code, ==, 250);
    }
  ob_smtp_connection_close (smtp);
  fault_server_stop (&fault);
}

static void
test_fault_rate_421 (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fault_send (smtp, "rate421@x.test", &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_RATE_LIMITED);
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 421);
  /* 421 ends the session: the next send must reconnect. */
  g_assert_false (ob_smtp_connection_is_open (smtp));
  fault_server_stop (&fault);
}

static void
test_fault_drop_mid_data (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fault_send (smtp, "datadrop@x.test", &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_MESSAGE);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_CLOSED);
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 0);
  g_assert_false (ob_smtp_connection_is_open (smtp));
  /* Lost during the message: for all the client knows, it was taken. */
  g_assert_true (ob_smtp_connection_get_outcome_uncertain (smtp));
  fault_server_stop (&fault);
}

static void
test_fault_stall (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;
  gint64 started;
  double elapsed;

  fault_server_start (&fault, "--stall", "20", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  endpoint.timeout_seconds = 2;
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  started = g_get_monotonic_time ();
  g_assert_false (fault_send (smtp, "stallrcpt@x.test", &error));
  elapsed = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_TIMEOUT);
  g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_RCPT);
  g_assert_cmpfloat (elapsed, >=, 1.5);
  g_assert_cmpfloat (elapsed, <, 6.0);
  g_assert_false (ob_smtp_connection_is_open (smtp));
  /* Refused before the message: certainly not delivered. */
  g_assert_false (ob_smtp_connection_get_outcome_uncertain (smtp));
  g_clear_error (&error);

  /* No answer after the whole message: maybe delivered. */
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fault_send (smtp, "stalldata@x.test", &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_TIMEOUT);
  g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_MESSAGE);
  g_assert_true (ob_smtp_connection_get_outcome_uncertain (smtp));
  fault_server_stop (&fault);
}

static void
test_fault_stall_greeting (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;
  gint64 started;

  fault_server_start (&fault, "--stall-greeting", "--stall", "20", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  endpoint.timeout_seconds = 1;
  started = g_get_monotonic_time ();
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TRANSIENT);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_TIMEOUT);
  g_assert_cmpint (ob_smtp_connection_get_last_stage (smtp), ==, OB_SMTP_STAGE_CONNECT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  fault_server_stop (&fault);
}

static void
test_fault_not_tls (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;
  ObTlsEndpoint endpoint;

  /* Implicit TLS asked of a plaintext port: the handshake fails, nothing
   * is sent as a command. */
  fault_server_start (&fault, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_TLS);
  endpoint.timeout_seconds = 5;
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_HANDSHAKE);
  g_usleep (200 * 1000);
  trace = fault_server_trace (&fault);
  g_assert_null (strstr (trace, "EHLO"));
  g_assert_null (strstr (trace, "AUTH"));
  fault_server_stop (&fault);
}

static void
test_fault_xoauth2 (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ob_smtp_connection_authenticate_xoauth2 (smtp, "rep@outbound.test", "stale-token",
                                                           &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_AUTH);
  g_assert_cmpuint (ob_smtp_connection_get_last_code (smtp), ==, 535);
  g_assert_null (strstr (error->message, "stale-token"));
  g_clear_error (&error);
  g_assert_true (ob_smtp_connection_authenticate_xoauth2 (smtp, "rep@outbound.test", "good-token",
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_smtp_connection_get_reply (smtp, OB_SMTP_STAGE_AUTH)->code, ==, 235);
  g_assert_true (fault_send (smtp, "fine@x.test", &error));
  g_assert_no_error (error);
  ob_smtp_connection_close (smtp);
  fault_server_stop (&fault);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (300 * 1000);
  ob_smtp_connection_cancel (data);
  return NULL;
}

static void
test_fault_cancel (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;
  GThread *thread;
  gint64 started;

  fault_server_start (&fault, "--stall", "30", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_INSECURE);
  endpoint.timeout_seconds = 30;
  ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
  g_assert_no_error (error);
  started = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_later, smtp);
  g_assert_false (fault_send (smtp, "stallrcpt@x.test", &error));
  g_thread_join (thread);
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  g_assert_false (ob_smtp_connection_is_open (smtp));
  fault_server_stop (&fault);
}

static void
test_fault_no_starttls (void)
{
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *trace = NULL;
  ObTlsEndpoint endpoint;

  /* A server that never offers STARTTLS (nor takes it). */
  fault_server_start (&fault, "--no-starttls", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_STARTTLS);
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_STARTTLS_MISSING);
  g_assert_false (ob_smtp_connection_is_open (smtp));
  /* Let the server write what it got before reading its trace. */
  g_usleep (200 * 1000);
  trace = fault_server_trace (&fault);
  g_assert_cmpstr (trace, ==, "EHLO\n");
  fault_server_stop (&fault);
}

static void
test_fault_self_signed (void)
{
  FaultServer fault = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-ss-XXXXXX", NULL);
  ObTlsEndpoint endpoint;

  fault_server_start (&fault, "--tls", "implicit", "--self-signed", dir, NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_TLS);
  endpoint.host = "localhost";
  {
    g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
    g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
    g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
    /* Self-signed: its own issuer, unknown to the store. */
    g_assert_cmpint (ob_smtp_connection_get_peer_certificate (smtp)->problems & OB_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
    sha256 = g_strdup (ob_smtp_connection_get_peer_certificate (smtp)->sha256);
    g_clear_error (&error);
  }
  /* Trusted once pinned: the whole way to 250. */
  {
    const char *pins[] = { sha256, NULL };
    g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();

    endpoint.pins = pins;
    ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
    g_assert_no_error (error);
    ob_smtp_connection_authenticate (smtp, "rep@outbound.test", "good", &error);
    g_assert_no_error (error);
    g_assert_true (fault_send (smtp, "fine@x.test", &error));
    g_assert_no_error (error);
    ob_smtp_connection_close (smtp);
  }
  fault_server_stop (&fault);
  remove_tree (dir);
}

static void
test_fault_slow_handshake (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ob-ss-XXXXXX", NULL);

  /* Some libetpan sources hand their timeout in seconds to
   * gnutls_handshake_set_timeout(), which counts milliseconds: fine on
   * loopback, fatal against a distant server. A handshake that takes
   * 300 ms must complete with the build in use. */
  for (guint starttls = 0; starttls < 2; starttls++)
    {
      FaultServer fault = { 0 };
      g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
      g_autoptr(ObSmtpConnection) probe = ob_smtp_connection_new ();
      g_autoptr(GError) error = NULL;
      const char *pins[] = { NULL, NULL };
      ObTlsEndpoint endpoint;

      fault_server_start (&fault, "--tls", starttls ? "starttls" : "implicit", "--self-signed", dir,
                   "--handshake-delay", "0.3", NULL);
      endpoint = fault_endpoint (&fault, starttls ? OB_TLS_SECURITY_STARTTLS
                                                  : OB_TLS_SECURITY_TLS);
      endpoint.host = "localhost";
      endpoint.timeout_seconds = 10;
      /* Learn the certificate, then pin it. */
      g_assert_false (ob_smtp_connection_open (probe, &endpoint, NULL, &error));
      g_assert_cmpint (ob_smtp_connection_get_net_error (probe), ==, OB_TLS_ERROR_CERTIFICATE);
      g_clear_error (&error);
      pins[0] = ob_smtp_connection_get_peer_certificate (probe)->sha256;
      endpoint.pins = pins;
      ob_smtp_connection_open (smtp, &endpoint, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ob_smtp_connection_is_encrypted (smtp));
      ob_smtp_connection_close (smtp);
      fault_server_stop (&fault);
    }
  remove_tree (dir);
}

static void
test_fault_stalled_handshake (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ob-ss-XXXXXX", NULL);
  FaultServer fault = { 0 };
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  ObTlsEndpoint endpoint;
  gint64 started;

  fault_server_start (&fault, "--tls", "implicit", "--self-signed", dir, "--handshake-delay", "20", NULL);
  endpoint = fault_endpoint (&fault, OB_TLS_SECURITY_TLS);
  endpoint.timeout_seconds = 2;
  started = g_get_monotonic_time ();
  g_assert_false (ob_smtp_connection_open (smtp, &endpoint, NULL, &error));
  g_assert_error (error, OB_SMTP_ERROR, OB_SMTP_ERROR_TLS);
  g_assert_cmpint (ob_smtp_connection_get_net_error (smtp), ==, OB_TLS_ERROR_HANDSHAKE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 8 * G_USEC_PER_SEC);
  fault_server_stop (&fault);
  remove_tree (dir);
}

/* ob-tls under IMAP: connect, verify, LOGIN, LOGOUT through libetpan. */
static void
imap_login (ObTlsSecurity security,
            const char   *host,
            gboolean      with_ca,
            GError      **error)
{
  ObTlsEndpoint endpoint = {
    .host = host,
    .port = bed_port (security == OB_TLS_SECURITY_TLS ? "MAILBED_IMAPS_PORT" : "MAILBED_IMAP_PORT"),
    .security = security,
    .ca_file = with_ca ? bed_get ("MAILBED_CA_FILE") : NULL,
    .timeout_seconds = 10,
  };
  mailimap *imap = mailimap_new (0, NULL);
  mailstream *stream;
  int fd;

  mailimap_set_timeout (imap, endpoint.timeout_seconds);
  fd = ob_tls_connect_socket (host, endpoint.port, endpoint.timeout_seconds, NULL, error);
  if (fd < 0)
    goto out;
  stream = ob_tls_open_stream (fd, &endpoint, error);
  if (stream == NULL)
    goto out;
  if (security == OB_TLS_SECURITY_TLS &&
      !ob_tls_verify_stream (stream, &endpoint, NULL, error))
    {
      mailstream_close (stream);
      goto out;
    }
  g_assert_cmpint (mailimap_connect (imap, stream), ==, MAILIMAP_NO_ERROR_NON_AUTHENTICATED);
  if (security == OB_TLS_SECURITY_STARTTLS)
    {
      g_assert_cmpint (mailimap_socket_starttls_with_callback (imap, ob_tls_set_server_name,
                                                               (void *) host), ==,
                       MAILIMAP_NO_ERROR);
      if (!ob_tls_verify_stream (imap->imap_stream, &endpoint, NULL, error))
        goto out;
    }
  g_assert_cmpint (mailimap_login (imap, bed_get ("MAILBED_REP"),
                                   bed_get ("MAILBED_REP_PASSWORD")), ==, MAILIMAP_NO_ERROR);
  g_assert_cmpint (mailimap_logout (imap), ==, MAILIMAP_NO_ERROR);

out:
  if (imap->imap_stream != NULL)
    {
      mailstream_close (imap->imap_stream);
      imap->imap_stream = NULL;
    }
  mailimap_free (imap);
}

static void
test_imap_tls (void)
{
  g_autoptr(GError) error = NULL;

  imap_login (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), TRUE, &error);
  g_assert_no_error (error);
  /* 127.0.0.2: Dovecot would let 127.0.0.1 log in without TLS. */
  imap_login (OB_TLS_SECURITY_STARTTLS, bed_get ("MAILBED_ADDRESS_IN_CERT"), TRUE, &error);
  g_assert_no_error (error);

  imap_login (OB_TLS_SECURITY_TLS, bed_get ("MAILBED_HOST"), FALSE, &error);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
  g_clear_error (&error);
  imap_login (OB_TLS_SECURITY_STARTTLS, bed_get ("MAILBED_ADDRESS_NOT_IN_CERT"), TRUE, &error);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_CERTIFICATE);
}

static void
test_tls_pins_and_text (void)
{
  g_autofree char *a = ob_tls_normalize_pin ("AB:cd:" "0123456789abcdef0123456789abcdef"
                                             "0123456789abcdef0123456789ab");
  g_autofree char *b = ob_tls_normalize_pin ("abcd");
  g_autofree char *c = ob_tls_normalize_pin ("zz" "0123456789abcdef0123456789abcdef"
                                             "0123456789abcdef0123456789abcd");
  g_autofree char *t = ob_tls_sanitize_text ("ok\r\n  then\033[2Jgone\x7f\xff", -1);
  ObTlsSecurity security;

  g_assert_cmpstr (a, ==, "abcd0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab");
  g_assert_null (b);
  g_assert_null (c);
  g_assert_cmpstr (t, ==, "ok then [2Jgone \xef\xbf\xbd");
  g_assert_true (ob_tls_security_from_string ("starttls", &security));
  g_assert_cmpint (security, ==, OB_TLS_SECURITY_STARTTLS);
  g_assert_false (ob_tls_security_from_string ("none", &security));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_bed ();

  g_test_add_func ("/engine/tls/pins-and-text", test_tls_pins_and_text);
  g_test_add_func ("/engine/tls/imap-login", test_imap_tls);
  g_test_add_func ("/engine/smtp/bed/starttls-auth-send", test_bed_starttls_send);
  g_test_add_func ("/engine/smtp/bed/implicit-tls-send", test_bed_implicit_tls_send);
  g_test_add_func ("/engine/smtp/bed/system-store-rejects", test_bed_system_store_rejects);
  g_test_add_func ("/engine/smtp/bed/pinned", test_bed_pinned);
  g_test_add_func ("/engine/smtp/bed/host-name", test_bed_host_name);
  g_test_add_func ("/engine/smtp/bed/bad-ca-file", test_bed_bad_ca_file);
  g_test_add_func ("/engine/smtp/bed/wrong-password", test_bed_wrong_password);
  g_test_add_func ("/engine/smtp/bed/starttls-required", test_bed_starttls_required);
  g_test_add_func ("/engine/smtp/bed/several-messages", test_bed_several_messages);
  g_test_add_func ("/engine/smtp/net/refused-and-dns", test_net_refused_and_dns);
  g_test_add_func ("/engine/smtp/net/connect-timeout-and-cancel", test_net_connect_timeout_and_cancel);
  g_test_add_func ("/engine/smtp/invalid-address", test_invalid_address);
  g_test_add_func ("/engine/smtp/fault/greeting-421", test_fault_greeting_421);
  g_test_add_func ("/engine/smtp/fault/replies", test_fault_replies);
  g_test_add_func ("/engine/smtp/fault/rate-421", test_fault_rate_421);
  g_test_add_func ("/engine/smtp/fault/drop-mid-data", test_fault_drop_mid_data);
  g_test_add_func ("/engine/smtp/fault/stall-timeout", test_fault_stall);
  g_test_add_func ("/engine/smtp/fault/stall-greeting", test_fault_stall_greeting);
  g_test_add_func ("/engine/smtp/fault/not-tls", test_fault_not_tls);
  g_test_add_func ("/engine/smtp/fault/xoauth2", test_fault_xoauth2);
  g_test_add_func ("/engine/smtp/fault/slow-handshake", test_fault_slow_handshake);
  g_test_add_func ("/engine/smtp/fault/stalled-handshake", test_fault_stalled_handshake);
  g_test_add_func ("/engine/smtp/fault/cancel", test_fault_cancel);
  g_test_add_func ("/engine/smtp/fault/no-starttls", test_fault_no_starttls);
  g_test_add_func ("/engine/smtp/fault/self-signed", test_fault_self_signed);

  status = g_test_run ();
  stop_own_bed ();
  return status;
}
