/* bedlib.h: the mail bed (tests/mailbed) for the mail suite's programs
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads OUTBOUND_MAILBED's env file, or starts a bed of this program's own. */
void        load_bed     (void);
/* A value of the bed's env file; aborts when it has none. */
const char *bed_get      (const char *key);
guint16     bed_port     (const char *key);
/* Stops the bed load_bed() started, if it did. */
void        stop_own_bed (void);

/* A bed of this program's own for what follows (bed_get() answers from it
 * until bed_end_private()): for tests that stop a server. @keep_deferred:
 * mail Postfix cannot deliver waits in its queue instead of bouncing. */
void        bed_begin_private (gboolean keep_deferred);
void        bed_end_private   (void);
/* Dovecot of the private bed stopped by pid / started again with the same
 * configuration (then Postfix delivers what it queued meanwhile). */
void        bed_stop_dovecot  (void);
void        bed_start_dovecot (void);

G_END_DECLS
