/* ob-smtp.h: one SMTP connection to the rep's server, blocking, with one error model
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thin wrapper over libetpan's SMTP client, on top of ob-tls: open
 * (implicit TLS, or STARTTLS required, or plaintext only for an account
 * explicitly set 'insecure'), EHLO, AUTH, then any number of messages, one
 * transaction at a time (RSET between two), then close. The server's reply
 * to every stage is kept. One thread uses a connection at a time (the
 * account's sender worker); ob_smtp_connection_cancel() may be called from
 * any thread. See ob-smtp.c.
 */
#pragma once

#include <gio/gio.h>

#include "ob-tls.h"

G_BEGIN_DECLS

#define OB_SMTP_ERROR (ob_smtp_error_quark ())

/**
 * ObSmtpError:
 * @OB_SMTP_ERROR_TRANSIENT: try again later: a 4xx reply, or the network
 *   (DNS, refused, timeout, connection lost). ob_smtp_connection_get_net_error()
 *   says which network failure, if any. Lost while the message itself was
 *   going out, the server may have taken it:
 *   ob_smtp_connection_get_outcome_uncertain() says so.
 * @OB_SMTP_ERROR_PERMANENT_RECIPIENT: a 5xx reply to RCPT TO: this recipient
 *   will not get mail (the enrollment bounces).
 * @OB_SMTP_ERROR_PERMANENT: any other 5xx reply (MAIL FROM, DATA: the
 *   message or the sender was refused). Do not resend as is.
 * @OB_SMTP_ERROR_RATE_LIMITED: the provider says to slow down (421/450/451/
 *   452 with 4.7.x, or 5.7.x with a sending-limit text): pause the account.
 * @OB_SMTP_ERROR_AUTH: the user name or password was refused, or the server
 *   offers no AUTH mechanism Outbound can use.
 * @OB_SMTP_ERROR_TLS: the certificate was refused, the CA file is unusable,
 *   STARTTLS is missing, or the handshake failed: needs the user.
 *   ob_smtp_connection_get_peer_certificate() gives the certificate.
 * @OB_SMTP_ERROR_PROTOCOL: the server answered something that makes no
 *   sense, or the connection is not in a state to do this.
 * @OB_SMTP_ERROR_INVALID_ADDRESS: a sender or recipient address Outbound
 *   refuses to put on the wire (control characters, spaces, brackets...).
 *   Nothing was sent.
 * @OB_SMTP_ERROR_CANCELLED: ob_smtp_connection_cancel() or the GCancellable
 *   ended the call; the connection is closed.
 */
typedef enum
{
  OB_SMTP_ERROR_TRANSIENT,
  OB_SMTP_ERROR_PERMANENT_RECIPIENT,
  OB_SMTP_ERROR_PERMANENT,
  OB_SMTP_ERROR_RATE_LIMITED,
  OB_SMTP_ERROR_AUTH,
  OB_SMTP_ERROR_TLS,
  OB_SMTP_ERROR_PROTOCOL,
  OB_SMTP_ERROR_INVALID_ADDRESS,
  OB_SMTP_ERROR_CANCELLED,
} ObSmtpError;

/* The stages whose replies are kept. */
typedef enum
{
  OB_SMTP_STAGE_NONE,
  OB_SMTP_STAGE_CONNECT,   /* TCP, TLS handshake and certificate, greeting */
  OB_SMTP_STAGE_EHLO,
  OB_SMTP_STAGE_STARTTLS,
  OB_SMTP_STAGE_AUTH,
  OB_SMTP_STAGE_RSET,
  OB_SMTP_STAGE_MAIL,
  OB_SMTP_STAGE_RCPT,
  OB_SMTP_STAGE_DATA,      /* the 354 to DATA */
  OB_SMTP_STAGE_MESSAGE,   /* the final reply after the message: 250 = accepted */
  OB_SMTP_STAGE_QUIT,
  OB_SMTP_N_STAGES,
} ObSmtpStage;

/**
 * ObSmtpReply:
 * @code: the reply code (250, 354, 451, 550...), 0 when there was none
 *   (network failure, or the stage was not reached)
 * @enhanced: the RFC 3463 status ("5.1.1"), "" when the server gave none
 * @text: the reply text after the code and enhanced status, lines joined
 *   with spaces, control characters removed
 */
typedef struct
{
  guint code;
  char  enhanced[16];
  char *text;
} ObSmtpReply;

#define OB_TYPE_SMTP_CONNECTION (ob_smtp_connection_get_type ())
G_DECLARE_FINAL_TYPE (ObSmtpConnection, ob_smtp_connection, OB, SMTP_CONNECTION, GObject)

GQuark            ob_smtp_error_quark                      (void);
const char       *ob_smtp_stage_to_string                  (ObSmtpStage           stage);

ObSmtpConnection *ob_smtp_connection_new                   (void);

gboolean          ob_smtp_connection_open                  (ObSmtpConnection     *self,
                                                            const ObTlsEndpoint  *endpoint,
                                                            GCancellable         *cancellable,
                                                            GError              **error);
gboolean          ob_smtp_connection_authenticate          (ObSmtpConnection     *self,
                                                            const char           *user,
                                                            const char           *password,
                                                            GError              **error);
gboolean          ob_smtp_connection_authenticate_xoauth2  (ObSmtpConnection     *self,
                                                            const char           *user,
                                                            const char           *access_token,
                                                            GError              **error);
gboolean          ob_smtp_connection_send                  (ObSmtpConnection     *self,
                                                            const char           *from,
                                                            const char           *to,
                                                            const char           *message,
                                                            gsize                 length,
                                                            GCancellable         *cancellable,
                                                            GError              **error);
void              ob_smtp_connection_close                 (ObSmtpConnection     *self);
void              ob_smtp_connection_cancel                (ObSmtpConnection     *self);

gboolean          ob_smtp_connection_is_open               (ObSmtpConnection     *self);
gboolean          ob_smtp_connection_is_authenticated      (ObSmtpConnection     *self);
gboolean          ob_smtp_connection_is_encrypted          (ObSmtpConnection     *self);
gint64            ob_smtp_connection_get_last_used         (ObSmtpConnection     *self);
guint             ob_smtp_connection_get_messages_sent     (ObSmtpConnection     *self);
gboolean          ob_smtp_connection_get_outcome_uncertain (ObSmtpConnection     *self);

ObSmtpStage        ob_smtp_connection_get_last_stage       (ObSmtpConnection     *self);
const ObSmtpReply *ob_smtp_connection_get_reply            (ObSmtpConnection     *self,
                                                            ObSmtpStage           stage);
guint              ob_smtp_connection_get_last_code        (ObSmtpConnection     *self);
const char        *ob_smtp_connection_get_last_enhanced    (ObSmtpConnection     *self);
const char        *ob_smtp_connection_get_last_text        (ObSmtpConnection     *self);
int                ob_smtp_connection_get_net_error        (ObSmtpConnection     *self);
const ObTlsCertificate *ob_smtp_connection_get_peer_certificate (ObSmtpConnection *self);

G_END_DECLS
