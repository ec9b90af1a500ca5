/* bedlib.c: the mail bed (tests/mailbed) for the mail suite's programs
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bed comes from OUTBOUND_MAILBED (set by build-aux/test-session); a
 * program run alone starts its own and stops it when it ends, however it
 * ends.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bedlib.h"

static GHashTable *bed;          /* the bed's env file */
static char *own_bed_dir;        /* a bed this program started, if any */
static int own_bed_guard = -1;   /* closing it (or dying) stops that bed */
static GPid own_bed_guard_pid;

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

void
load_bed (void)
{
  const char *env_file = g_getenv ("OUTBOUND_MAILBED");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  if (env_file == NULL || *env_file == '\0')
    {
      g_autofree char *script = g_test_build_filename (G_TEST_DIST, "mailbed", "mailbed", NULL);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;
      char tmpl[] = "/tmp/obmt.XXXXXX";

      g_assert_nonnull (g_mkdtemp_full (tmpl, 0711));
      own_bed_dir = g_build_filename (tmpl, "bed", NULL);
      {
        const char *argv[] = { script, "start", own_bed_dir, NULL };
        g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                      &status, &error);
      }
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("the mail bed did not start: %s", err);
      g_strstrip (out);
      env_file = out;

      /* A failed assertion aborts this process: a shell waiting for the
       * end of its stdin stops the bed however this process ends. */
      {
        g_autofree char *parent = g_path_get_dirname (own_bed_dir);
        const char *guard[] = { "/bin/sh", "-c",
                                "read _; \"$0\" stop \"$1\" >/dev/null 2>&1; rm -rf \"$2\"",
                                script, own_bed_dir, parent, NULL };
        g_spawn_async_with_pipes (NULL, (char **) guard, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                  NULL, NULL, &own_bed_guard_pid, &own_bed_guard, NULL, NULL,
                                  &error);
        g_assert_no_error (error);
      }
      g_file_get_contents (env_file, &contents, NULL, &error);
    }
  else
    g_file_get_contents (env_file, &contents, NULL, &error);
  g_assert_no_error (error);

  bed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      if (eq != NULL)
        g_hash_table_insert (bed, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
}

void
stop_own_bed (void)
{
  g_clear_pointer (&bed, g_hash_table_unref);
  if (own_bed_guard >= 0)
    {
      int status;

      close (own_bed_guard);
      waitpid (own_bed_guard_pid, &status, 0);
      g_spawn_close_pid (own_bed_guard_pid);
    }
}

