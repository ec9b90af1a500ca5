/* bench-smtp.c: messages per second through ob-smtp to the mail bed
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-smtp ENV_FILE COUNT MESSAGE_FILE: opens one verified STARTTLS
 * connection to the bed's submission port (its CA as the account's CA
 * file), authenticates once, sends COUNT copies of the message (a fresh
 * Message-ID each) to p1..p40 in turn, and prints one JSON line:
 * {"messages": N, "seconds": S, "connect_ms": C}. Run by tests/bench/smtp.py.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ob-smtp.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GHashTable) env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(ObSmtpConnection) smtp = ob_smtp_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) lines = NULL;
  ObTlsEndpoint endpoint = { 0 };
  gint64 start, opened;
  guint count;

  if (argc != 4)
    {
      fprintf (stderr, "usage: bench-smtp ENV_FILE COUNT MESSAGE_FILE\n");
      return 2;
    }
  if (!g_file_get_contents (argv[1], &contents, NULL, &error) ||
      !g_file_get_contents (argv[3], &body, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  count = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      if (eq != NULL)
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }

  endpoint.host = g_hash_table_lookup (env, "MAILBED_HOST");
  endpoint.port = (guint16) g_ascii_strtoull (g_hash_table_lookup (env, "MAILBED_SUBMISSION_PORT"),
                                              NULL, 10);
  endpoint.security = OB_TLS_SECURITY_STARTTLS;
  endpoint.ca_file = g_hash_table_lookup (env, "MAILBED_CA_FILE");
  endpoint.timeout_seconds = 30;

  start = g_get_monotonic_time ();
  if (!ob_smtp_connection_open (smtp, &endpoint, NULL, &error) ||
      !ob_smtp_connection_authenticate (smtp, g_hash_table_lookup (env, "MAILBED_REP"),
                                        g_hash_table_lookup (env, "MAILBED_REP_PASSWORD"), &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  opened = g_get_monotonic_time ();

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *to = g_strdup_printf ("p%u@prospects.test", 1 + i % 40);
      g_autofree char *message = g_strdup_printf ("Message-ID: <bench-ob-%u-%" G_GINT64_FORMAT
                                                  "@outbound.test>\r\nTo: <%s>\r\n%s",
                                                  i, start, to, body);

      if (!ob_smtp_connection_send (smtp, g_hash_table_lookup (env, "MAILBED_REP"), to,
                                    message, strlen (message), NULL, &error))
        {
          fprintf (stderr, "message %u: %s\n", i, error->message);
          return 1;
        }
    }
  ob_smtp_connection_close (smtp);
  printf ("{\"messages\": %u, \"seconds\": %.4f, \"connect_ms\": %.1f}\n", count,
          (g_get_monotonic_time () - start) / 1e6, (opened - start) / 1e3);
  return 0;
}
