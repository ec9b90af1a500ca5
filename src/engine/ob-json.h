/* ob-json.h: a small streaming JSON writer for stable machine-readable output
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ObJsonWriter ObJsonWriter;

ObJsonWriter *ob_json_writer_new          (gboolean      pretty);
void          ob_json_writer_free         (ObJsonWriter *self);
char         *ob_json_writer_finish       (ObJsonWriter *self);

void          ob_json_writer_begin_object (ObJsonWriter *self,
                                           const char   *key);
void          ob_json_writer_end_object   (ObJsonWriter *self);
void          ob_json_writer_begin_array  (ObJsonWriter *self,
                                           const char   *key);
void          ob_json_writer_end_array    (ObJsonWriter *self);
void          ob_json_writer_int          (ObJsonWriter *self,
                                           const char   *key,
                                           gint64        value);
void          ob_json_writer_rate         (ObJsonWriter *self,
                                           const char   *key,
                                           double        value);
void          ob_json_writer_string       (ObJsonWriter *self,
                                           const char   *key,
                                           const char   *value);
void          ob_json_writer_boolean      (ObJsonWriter *self,
                                           const char   *key,
                                           gboolean      value);

void          ob_json_append_escaped      (GString      *out,
                                           const char   *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObJsonWriter, ob_json_writer_free)

G_END_DECLS
