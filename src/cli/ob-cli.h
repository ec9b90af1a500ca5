/* ob-cli.h: what the commands of outbound-cli share
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The contract (DESIGN.md): 0 ok, 1 failure with a one-line reason on
 * stderr, 2 usage. */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_ = 1,
  EXIT_USAGE = 2,
};

typedef struct
{
  const char *db_path;
} ObCliGlobals;

typedef int (*ObCliCommandFunc) (ObCliGlobals *globals,
                                 int           argc,
                                 char        **argv);

/* Prints "outbound-cli: MESSAGE" and a hint; returns EXIT_USAGE. */
int      ob_cli_usage_error  (const char   *format,
                              ...) G_GNUC_PRINTF (1, 2);
/* Prints the error on one line; returns EXIT_FAILURE_. */
int      ob_cli_failure      (const GError *error);
/* --name VALUE or --name=VALUE; advances *i past a separate value; *out is
 * NULL when the value is missing. */
gboolean ob_cli_option_value (int           argc,
                              char        **argv,
                              int          *i,
                              const char   *name,
                              const char  **out);

/* ob-cli-campaign.c */
int      ob_cli_cmd_campaign (ObCliGlobals *globals,
                              int           argc,
                              char        **argv);
int      ob_cli_cmd_enroll   (ObCliGlobals *globals,
                              int           argc,
                              char        **argv);
int      ob_cli_cmd_preview  (ObCliGlobals *globals,
                              int           argc,
                              char        **argv);

/* ob-cli-run.c */
int      ob_cli_cmd_run      (ObCliGlobals *globals,
                              int           argc,
                              char        **argv);

/* ob-cli-classify.c */
int      ob_cli_cmd_classify (ObCliGlobals *globals,
                              int           argc,
                              char        **argv);

G_END_DECLS
