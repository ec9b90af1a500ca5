/* testlib.h: what the unit tests share
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What outbound-cli (OUTBOUND_CLI) did: exit status and both outputs. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

void cli_result_clear (CliResult  *result);
void run_cli          (CliResult  *result,
                       const char *first_arg,
                       ...) G_GNUC_NULL_TERMINATED;
void run_cli_with_input (CliResult  *result,
                         const char *input,
                         const char *first_arg,
                         ...) G_GNUC_NULL_TERMINATED;
void remove_tree      (const char *path);
/* Writes @contents to DIR/NAME (asserting it worked); returns the path. */
char *write_test_file (const char *dir,
                       const char *name,
                       const char *contents);

/* tests/smtp-fault-server.py, running for one test: started with its
 * arguments (NULL-terminated), listening on 127.0.0.1:port, gone with the
 * test even when it aborts. */
typedef struct
{
  GSubprocess *process;
  guint16      port;
  char        *dir;      /* a scratch folder, e.g. for --self-signed */
  char        *trace;    /* the verbs it received, one a line (--trace) */
} FaultServer;

/* The arguments end with NULL (first_arg may be NULL: none) */
void  fault_server_start (FaultServer *server,
                          const char  *first_arg,
                          ...);
char *fault_server_trace (FaultServer *server);
void  fault_server_stop  (FaultServer *server);

/* `outbound-cli --db DB run --for SECONDS`, read as it prints: one
 * tab-separated line per event (README, "run"). */
typedef struct
{
  GPid       pid;
  int        out;
  GString   *buffer;   /* what is not a whole line yet */
  GString   *all;      /* every line */
  GPtrArray *lines;    /* not yet returned by runner_wait(); NULL once returned */
} Runner;

void   runner_start (Runner     *r,
                     const char *db,
                     guint       seconds);
void   runner_read  (Runner     *r,
                     int         ms);
GStrv  runner_wait  (Runner     *r,
                     const char *kind,
                     const char *email,
                     double      seconds);
guint  runner_count (Runner     *r,
                     const char *kind);
void   runner_stop  (Runner     *r);
void   runner_clear (Runner     *r);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, cli_result_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FaultServer, fault_server_stop)

G_END_DECLS
