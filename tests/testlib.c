/* testlib.c: what the unit tests share
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "testlib.h"

void
cli_result_clear (CliResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

/* Runs the built outbound-cli as a user or a script would. */
void
run_cli (CliResult  *result,
         const char *first_arg,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("OUTBOUND_CLI");
  const char *arg;
  va_list args;
  int wait_status;

  cli_result_clear (result);
  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result->status = WEXITSTATUS (wait_status);
}

/* The same, with @input on its standard input (a password, as a script
 * pipes it). */
void
run_cli_with_input (CliResult  *result,
                    const char *input,
                    const char *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("OUTBOUND_CLI");
  const char *arg;
  va_list args;

  cli_result_clear (result);
  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (char *) cli);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
}

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        remove_tree (child);
      }
  g_remove (path);
}

char *
write_test_file (const char *dir,
                 const char *name,
                 const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/**
 * fault_server_start:
 * @first_arg: the script's first argument; "@DIR@" anywhere stands for
 *   @server->dir, a fresh scratch folder
 *
 * Starts tests/smtp-fault-server.py and waits for its "PORT n" line. Its
 * stdin is a pipe from this process and it runs with --exit-on-stdin-eof:
 * the server goes when the test does, even when the test aborts.
 */
void
fault_server_start (FaultServer *server,
                    const char  *first_arg,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  va_list ap;

  server->dir = g_dir_make_tmp ("ob-fault-XXXXXX", &error);
  g_assert_no_error (error);
  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_test_build_filename (G_TEST_DIST, "smtp-fault-server.py", NULL));
  g_ptr_array_add (argv, g_strdup ("--exit-on-stdin-eof"));
  server->trace = g_build_filename (server->dir, "trace", NULL);
  g_ptr_array_add (argv, g_strdup ("--trace"));
  g_ptr_array_add (argv, g_strdup (server->trace));
  va_start (ap, first_arg);
  for (const char *a = first_arg; a != NULL; a = va_arg (ap, const char *))
    {
      g_auto(GStrv) parts = g_strsplit (a, "@DIR@", -1);

      g_ptr_array_add (argv, g_strjoinv (server->dir, parts));
    }
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  server->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                       G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  server->port = (guint16) g_ascii_strtoull (line + 5, NULL, 10);
}

/* What the server received so far (a copy; "" before anything). */
char *
fault_server_trace (FaultServer *server)
{
  char *text = NULL;

  if (!g_file_get_contents (server->trace, &text, NULL, NULL))
    text = g_strdup ("");
  return text;
}

void
fault_server_stop (FaultServer *server)
{
  if (server->process != NULL)
    {
      g_subprocess_force_exit (server->process);
      g_subprocess_wait (server->process, NULL, NULL);
      g_clear_object (&server->process);
    }
  if (server->dir != NULL)
    remove_tree (server->dir);
  g_clear_pointer (&server->dir, g_free);
  g_clear_pointer (&server->trace, g_free);
}

/* ---- outbound-cli run, read as it prints --------------------------------- */

void
runner_start (Runner     *r,
              const char *db,
              guint       seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *for_seconds = g_strdup_printf ("%u", seconds);
  const char *argv[] = { g_getenv ("OUTBOUND_CLI"), "--db", db, "run", "--for", for_seconds, NULL };

  g_assert_nonnull (argv[0]);
  memset (r, 0, sizeof *r);
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &r->pid, NULL, &r->out, NULL, &error);
  g_assert_no_error (error);
  fcntl (r->out, F_SETFL, fcntl (r->out, F_GETFL) | O_NONBLOCK);
  r->buffer = g_string_new (NULL);
  r->all = g_string_new (NULL);
  r->lines = g_ptr_array_new_with_free_func (g_free);
}

/* Reads what is there, waiting at most @ms. */
void
runner_read (Runner *r,
             int     ms)
{
  struct pollfd pfd = { .fd = r->out, .events = POLLIN };
  char chunk[4096];
  ssize_t n;
  char *newline;

  if (poll (&pfd, 1, ms) <= 0)
    return;
  while ((n = read (r->out, chunk, sizeof chunk)) > 0)
    g_string_append_len (r->buffer, chunk, n);
  while ((newline = strchr (r->buffer->str, '\n')) != NULL)
    {
      gsize length = newline - r->buffer->str;

      g_ptr_array_add (r->lines, g_strndup (r->buffer->str, length));
      g_string_append_len (r->all, r->buffer->str, length + 1);
      g_string_erase (r->buffer, 0, length + 1);
    }
}

/* The first line not yet returned with this event kind and address (any
 * address when NULL), or NULL after @seconds. Split in columns. */
GStrv
runner_wait (Runner     *r,
             const char *kind,
             const char *email,
             double      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  for (;;)
    {
      for (guint i = 0; i < r->lines->len; i++)
        {
          const char *line = g_ptr_array_index (r->lines, i);
          g_auto(GStrv) columns = NULL;

          if (line == NULL)
            continue;
          columns = g_strsplit (line, "\t", -1);
          if (g_strv_length (columns) >= 7 && g_str_equal (columns[1], kind) &&
              (email == NULL || g_str_equal (columns[4], email)))
            {
              g_free (g_ptr_array_index (r->lines, i));
              g_ptr_array_index (r->lines, i) = NULL;
              return g_steal_pointer (&columns);
            }
        }
      if (g_get_monotonic_time () >= deadline)
        return NULL;
      runner_read (r, 50);
    }
}

/* How many lines so far, returned or not, are events of this kind. */
guint
runner_count (Runner     *r,
              const char *kind)
{
  g_autofree char *needle = g_strdup_printf ("\t%s\t", kind);
  g_auto(GStrv) lines = g_strsplit (r->all->str, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

/* SIGTERM, then the run must end by itself, with status 0, within 10 s. */
void
runner_stop (Runner *r)
{
  int status = 0;
  gboolean exited = FALSE;
  gint64 started = g_get_monotonic_time ();

  kill (r->pid, SIGTERM);
  /* poll() says "readable" at once on a closed pipe: count the time. */
  while (!exited && g_get_monotonic_time () - started < 10 * G_USEC_PER_SEC)
    {
      runner_read (r, 100);
      exited = waitpid (r->pid, &status, WNOHANG) == r->pid;
      if (!exited)
        g_usleep (10 * 1000);
    }
  if (!exited)
    {
      kill (r->pid, SIGKILL);
      waitpid (r->pid, &status, 0);
      g_error ("outbound-cli run did not stop within 10 s of SIGTERM:\n%s", r->all->str);
    }
  g_test_message ("run stopped %.0f ms after SIGTERM", (g_get_monotonic_time () - started) / 1000.0);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_spawn_close_pid (r->pid);
  close (r->out);
  g_test_message ("run:\n%s", r->all->str);
}

void
runner_clear (Runner *r)
{
  g_string_free (r->buffer, TRUE);
  g_string_free (r->all, TRUE);
  g_ptr_array_unref (r->lines);
}
