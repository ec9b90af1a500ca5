/* main.c: the Outbound desktop app
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <glib/gi18n.h>

#include "ob-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(ObApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A write to a socket the server closed must be an error, not death. */
  signal (SIGPIPE, SIG_IGN);

  app = ob_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
