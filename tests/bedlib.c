/* bedlib.c: the mail bed (tests/mailbed) for the mail suite's programs
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bed comes from OUTBOUND_MAILBED (set by build-aux/test-session); a
 * program run alone starts its own and stops it when it ends, however it
 * ends. A test that stops a server starts a private bed for itself
 * (bed_begin_private), so that the other programs sharing the run's bed
 * never see it go.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bedlib.h"

typedef struct
{
  char *dir;           /* a bed this program started */
  int   guard;         /* closing it (or dying) stops that bed */
  GPid  guard_pid;
} OwnBed;

static GHashTable *bed;          /* the env file bed_get() answers from */
static GHashTable *shared_bed;   /* the run's, while a private one is in use */
static OwnBed own = { NULL, -1, 0 };
static OwnBed private_bed = { NULL, -1, 0 };

const char *
bed_get (const char *key)
{
  const char *value = g_hash_table_lookup (bed, key);

  if (value == NULL)
    g_error ("the mail bed's env has no %s", key);
  return value;
}

guint16
bed_port (const char *key)
{
  return (guint16) g_ascii_strtoull (bed_get (key), NULL, 10);
}

static char *
mailbed_script (void)
{
  return g_test_build_filename (G_TEST_DIST, "mailbed", "mailbed", NULL);
}

static GHashTable *
read_env (const char *env_file)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *env;

  g_file_get_contents (env_file, &contents, NULL, &error);
  g_assert_no_error (error);
  env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      if (eq != NULL)
        g_hash_table_insert (env, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  return env;
}

/* Starts a bed under a fresh folder; returns its env. */
static GHashTable *
start_bed (OwnBed     *started,
           const char *option)
{
  g_autofree char *script = mailbed_script ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  char tmpl[] = "/tmp/obmt.XXXXXX";

  g_assert_nonnull (g_mkdtemp_full (tmpl, 0711));
  started->dir = g_build_filename (tmpl, "bed", NULL);
  {
    const char *argv[] = { script, "start", started->dir, option, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                  &status, &error);
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("the mail bed did not start: %s", err);
  g_strstrip (out);

  /* A failed assertion aborts this process: a shell waiting for the end of
   * its stdin stops the bed however this process ends. */
  {
    g_autofree char *parent = g_path_get_dirname (started->dir);
    const char *guard[] = { "/bin/sh", "-c",
                            "read _; \"$0\" stop \"$1\" >/dev/null 2>&1; rm -rf \"$2\"",
                            script, started->dir, parent, NULL };
    g_spawn_async_with_pipes (NULL, (char **) guard, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                              NULL, NULL, &started->guard_pid, &started->guard, NULL, NULL,
                              &error);
    g_assert_no_error (error);
  }
  return read_env (out);
}

static void
stop_bed (OwnBed *started)
{
  if (started->guard >= 0)
    {
      int status;

      close (started->guard);
      waitpid (started->guard_pid, &status, 0);
      g_spawn_close_pid (started->guard_pid);
      started->guard = -1;
    }
  g_clear_pointer (&started->dir, g_free);
}

void
load_bed (void)
{
  const char *env_file = g_getenv ("OUTBOUND_MAILBED");

  if (env_file == NULL || *env_file == '\0')
    bed = start_bed (&own, NULL);
  else
    bed = read_env (env_file);
}

void
stop_own_bed (void)
{
  g_clear_pointer (&bed, g_hash_table_unref);
  stop_bed (&own);
}

void
bed_begin_private (gboolean keep_deferred)
{
  g_assert_null (shared_bed);
  shared_bed = bed;
  bed = start_bed (&private_bed, keep_deferred ? "--keep-deferred" : NULL);
}

void
bed_end_private (void)
{
  g_assert_nonnull (shared_bed);
  g_hash_table_unref (bed);
  bed = g_steal_pointer (&shared_bed);
  stop_bed (&private_bed);
}

static void
run_mailbed (const char *command)
{
  g_autofree char *script = mailbed_script ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { script, command, private_bed.dir, NULL };
  int status;

  /* Never the run's shared bed: the other programs use it meanwhile. */
  g_assert_nonnull (private_bed.dir);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("mailbed %s: %s", command, err);
}

void
bed_stop_dovecot (void)
{
  run_mailbed ("stop-dovecot");
}

void
bed_start_dovecot (void)
{
  run_mailbed ("start-dovecot");
}
