/* ob-campaign.h: campaigns: the campaign file, the store, lifecycle, messages
 *
 * Copyright 2026 The Outbound authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-schedule.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_CAMPAIGN_ERROR (ob_campaign_error_quark ())

typedef enum
{
  OB_CAMPAIGN_ERROR_PARSE,      /* the campaign file is not a valid campaign file */
  OB_CAMPAIGN_ERROR_INVALID,    /* a value is missing, malformed or out of range */
  OB_CAMPAIGN_ERROR_NOT_FOUND,  /* no campaign, account, prospect or step by that name */
  OB_CAMPAIGN_ERROR_EXISTS,     /* another campaign has that name */
  OB_CAMPAIGN_ERROR_STATE,      /* not allowed in the campaign's current state */
  OB_CAMPAIGN_ERROR_BLOCKED,    /* pre-flight found problems that must be fixed first */
  OB_CAMPAIGN_ERROR_STEP_SENT,  /* a step already sent cannot be removed or moved */
} ObCampaignError;

typedef enum
{
  OB_CAMPAIGN_DRAFT,
  OB_CAMPAIGN_RUNNING,
  OB_CAMPAIGN_PAUSED,
  OB_CAMPAIGN_FINISHED,
} ObCampaignState;

typedef struct
{
  gint64           id;          /* steps.id; 0 for a step not saved yet */
  char            *subject;     /* "" on a follow-up in the same thread */
  char            *body;
  ObScheduleDelay  delay;       /* after the previous step; ignored on step 1 */
  gboolean         same_thread; /* follow-ups: Re: subject, In-Reply-To, References */
  guint64          n_sent;      /* loaded from the store: messages of this step sent so far */
} ObCampaignStep;

typedef struct
{
  gint64           id;              /* 0 until inserted */
  char            *name;
  gint64           account_id;      /* 0: none chosen yet */
  char            *account;         /* as written in a file: an account's name or address */
  ObCampaignState  state;
  char            *state_reason;
  char            *timezone;        /* IANA name; "" is the system's */
  guint            window_start;    /* minutes after local midnight */
  guint            window_end;
  guint            days;            /* OB_SCHEDULE_MONDAY ... */
  guint            daily_limit;     /* new first emails per day */
  guint            pause_min;       /* seconds */
  guint            pause_max;
  gboolean         stop_company_on_reply;
  guint            bounce_threshold_permille;
  char            *holidays;        /* YYYY-MM-DD separated by ';' */
  GPtrArray       *steps;           /* of ObCampaignStep; position = index + 1 */
} ObCampaign;

/* One row of ob_campaign_list(). */
typedef struct
{
  gint64           id;
  char            *name;
  ObCampaignState  state;
  char            *state_reason;
  char            *account;         /* the account's address, or NULL */
  guint            n_steps;
  gint64           enrolled;
  gint64           active;
  gint64           finished;
  gint64           replied;
  gint64           bounced;
  gint64           opted_out;
  gint64           stopped;
  gint64           sent;            /* messages sent */
  gint64           queued;          /* active enrollments with a step left */
} ObCampaignSummary;

/* What pre-flight checks for. Blockers keep a campaign from starting until
 * each is fixed, excluded (the prospect leaves the campaign) or, where it
 * makes sense, overridden. */
typedef enum
{
  OB_PREFLIGHT_NO_ACCOUNT,        /* campaign: no sending account */
  OB_PREFLIGHT_NO_STEPS,          /* campaign: no step */
  OB_PREFLIGHT_NO_PROSPECTS,      /* campaign: nobody enrolled and active */
  OB_PREFLIGHT_TEMPLATE,          /* step: syntax error or unknown field */
  OB_PREFLIGHT_EMPTY_SUBJECT,     /* step: a thread-starting step without subject */
  OB_PREFLIGHT_EMPTY_BODY,        /* step: nothing to say */
  OB_PREFLIGHT_LONG_LINE,         /* step, warning: a line over 998 octets */
  OB_PREFLIGHT_SUBJECT_IGNORED,   /* step, warning: subject on a same-thread follow-up */
  OB_PREFLIGHT_MISSING_FIELD,     /* prospect + step: a field without value nor fallback */
  OB_PREFLIGHT_PLACEHOLDER,       /* prospect + step: "[Name]", "TBD", "{{" left in */
  OB_PREFLIGHT_DO_NOT_CONTACT,    /* prospect: on the do-not-contact list */
  OB_PREFLIGHT_NOT_ACTIVE,        /* prospect: replied, bounced or opted out */
  OB_PREFLIGHT_ACTIVE_ELSEWHERE,  /* prospect: in another campaign's running sequence */
  OB_PREFLIGHT_N_KINDS
} ObPreflightKind;

typedef struct
{
  ObPreflightKind  kind;
  gboolean         blocker;       /* FALSE: a warning, or overridden */
  gboolean         overridden;
  guint            step;          /* 1-based; 0 when not about one step */
  gint64           prospect_id;   /* 0 when not about one prospect */
  char            *email;         /* the prospect's address, or NULL */
  char            *detail;        /* what exactly: the field, the text found... (not translated) */
} ObPreflightIssue;

typedef struct
{
  GPtrArray *issues;              /* of ObPreflightIssue, campaign and step issues first */
  guint      n_blockers;
  guint      n_warnings;
  guint      n_overridden;
  guint      counts[OB_PREFLIGHT_N_KINDS];
  guint64    n_prospects;         /* active enrollments checked */
} ObPreflightReport;

typedef enum
{
  OB_PREFLIGHT_EXCLUDE,           /* the prospect leaves the campaign */
  OB_PREFLIGHT_OVERRIDE,          /* send anyway (not for every kind) */
} ObPreflightAction;

/* A message of one step for one prospect, exactly as it would be sent. */
typedef struct
{
  char   *from;          /* display form, for a preview */
  char   *to;
  char   *subject;       /* rendered, before RFC 2047 */
  char   *body;          /* rendered text, signature included */
  char   *message_id;    /* without angle brackets */
  char   *in_reply_to;   /* NULL for a thread's first message */
  GStrv   missing;       /* fields without value nor fallback; NULL when none */
  GBytes *raw;           /* the exact bytes */
} ObCampaignMessage;

GQuark             ob_campaign_error_quark       (void);

const char        *ob_campaign_state_to_string   (ObCampaignState          state);
gboolean           ob_campaign_state_from_string (const char              *text,
                                                  ObCampaignState         *state);

/* A new draft with the defaults reps expect: weekdays 09:00-17:00 in the
 * system's zone, 50 new first emails a day, 60-180 s between sends, and no
 * steps (see ob_campaign_add_default_steps()). */
ObCampaign        *ob_campaign_new               (void);
ObCampaign        *ob_campaign_copy              (const ObCampaign        *self);
void               ob_campaign_free              (ObCampaign              *self);
ObCampaignStep    *ob_campaign_step_new          (void);
ObCampaignStep    *ob_campaign_step_copy         (const ObCampaignStep    *step);
void               ob_campaign_step_free         (ObCampaignStep          *step);
/* The first email and follow-ups on day 3, 6 and 12, all empty. */
void               ob_campaign_add_default_steps (ObCampaign              *self);
/* The delay a step added after the last one gets: double the last
 * follow-up's, 3 days for the first follow-up. */
void               ob_campaign_next_delay        (const ObCampaign        *self,
                                                  ObScheduleDelay         *delay);
ObCampaignStep    *ob_campaign_get_step          (const ObCampaign        *self,
                                                  guint                    position);
guint              ob_campaign_get_n_steps       (const ObCampaign        *self);

/* The campaign file (a GKeyFile; see README). */
ObCampaign        *ob_campaign_parse_file        (const char              *data,
                                                  gsize                    length,
                                                  GError                 **error);
char              *ob_campaign_to_file           (const ObCampaign        *self);

/* Checks what can be checked without the store: names, ranges, templates. */
gboolean           ob_campaign_validate          (const ObCampaign        *self,
                                                  GError                 **error);

/* The store. Any thread, with that thread's store. */
ObCampaign        *ob_campaign_load              (ObStore                 *store,
                                                  gint64                   id,
                                                  GError                 **error);
/* The same without the steps' n_sent: cheap, for every message sent. */
ObCampaign        *ob_campaign_load_for_sending  (ObStore                 *store,
                                                  gint64                   id,
                                                  GError                 **error);
/* By name (exactly, then case-insensitively) or by "#ID". */
ObCampaign        *ob_campaign_find              (ObStore                 *store,
                                                  const char              *name,
                                                  GError                 **error);
/* Inserts a new campaign (sets ->id, ->account_id) or updates one in one
 * transaction. In a campaign that has sent anything, steps already sent can
 * be edited (unsent messages change) but not removed nor moved. */
gboolean           ob_campaign_save              (ObStore                 *store,
                                                  ObCampaign              *self,
                                                  GError                 **error);
gboolean           ob_campaign_delete            (ObStore                 *store,
                                                  gint64                   id,
                                                  GError                 **error);
GPtrArray         *ob_campaign_list              (ObStore                 *store,
                                                  GError                 **error);
void               ob_campaign_summary_free      (ObCampaignSummary       *summary);
/* The account by name or address; 0 and an error when there is none. */
gint64             ob_campaign_resolve_account   (ObStore                 *store,
                                                  const char              *name_or_email,
                                                  GError                 **error);
/* Custom field names of the campaign's enrolled prospects, sorted. */
GStrv              ob_campaign_dup_custom_fields (ObStore                 *store,
                                                  gint64                   campaign_id,
                                                  GError                 **error);

/* Lifecycle: draft or paused -> running (only without blockers), running ->
 * paused, running -> finished when nothing is left to send. */
gboolean           ob_campaign_start             (ObStore                 *store,
                                                  gint64                   id,
                                                  ObPreflightReport      **out_report,
                                                  GError                 **error);
gboolean           ob_campaign_pause             (ObStore                 *store,
                                                  gint64                   id,
                                                  const char              *reason,
                                                  GError                 **error);
/* Moves a running campaign with nothing left to send to 'finished';
 * returns TRUE when it did. */
gboolean           ob_campaign_finish_if_done    (ObStore                 *store,
                                                  gint64                   id,
                                                  GError                 **error);

/* Removes prospects from a campaign: enrollments with nothing sent are
 * deleted, the others stop (their history stays). */
gboolean           ob_campaign_unenroll          (ObStore                 *store,
                                                  gint64                   campaign_id,
                                                  const gint64            *prospect_ids,
                                                  guint                    n_ids,
                                                  guint                   *out_removed,
                                                  GError                 **error);

/* Enrollment helpers for the CLI and the UI: a prospect by address (0 and
 * an error when there is none), a tag by name. */
gint64             ob_campaign_lookup_prospect   (ObStore                 *store,
                                                  const char              *email,
                                                  GError                 **error);
gint64             ob_campaign_lookup_tag        (ObStore                 *store,
                                                  const char              *name,
                                                  GError                 **error);

/* For pickers: (id, label) pairs. Accounts as "Name <address>"; enrolled
 * prospects (any state) by address, at most @limit, oldest first. */
typedef struct
{
  gint64  id;
  char   *label;
} ObCampaignChoice;

GArray            *ob_campaign_list_accounts     (ObStore                 *store,
                                                  GError                 **error);
/* Campaigns that can take prospects (all but finished ones), by name. */
GArray            *ob_campaign_list_open         (ObStore                 *store,
                                                  GError                 **error);
GArray            *ob_campaign_list_enrolled     (ObStore                 *store,
                                                  gint64                   campaign_id,
                                                  guint                    limit,
                                                  GError                 **error);

/* Pre-flight over every active enrollment. Worker thread for big campaigns. */
ObPreflightReport *ob_campaign_preflight         (ObStore                 *store,
                                                  gint64                   id,
                                                  GCancellable            *cancellable,
                                                  GError                 **error);
void               ob_preflight_report_free      (ObPreflightReport       *report);
const char        *ob_preflight_kind_to_string   (ObPreflightKind          kind);
/* Whether the rep may send anyway despite an issue of this kind. */
gboolean           ob_preflight_kind_can_override (ObPreflightKind         kind);
/* Whether excluding the prospect resolves an issue of this kind. */
gboolean           ob_preflight_kind_can_exclude (ObPreflightKind          kind);
/* A sentence for the rep, translated. */
char              *ob_preflight_issue_describe   (const ObPreflightIssue  *issue);
gboolean           ob_campaign_resolve_issues    (ObStore                 *store,
                                                  gint64                   campaign_id,
                                                  ObPreflightAction        action,
                                                  ObPreflightIssue * const *issues,
                                                  guint                    n_issues,
                                                  GError                 **error);

/* Builds step @position for @prospect_id as it would go now: for a preview,
 * "Send test to me" (@to_override) and the sender. @message_id NULL makes a
 * fresh one at the account's domain. */
ObCampaignMessage *ob_campaign_build_message     (ObStore                 *store,
                                                  const ObCampaign        *campaign,
                                                  guint                    position,
                                                  gint64                   prospect_id,
                                                  const char              *to_override,
                                                  const char              *message_id,
                                                  GDateTime               *date,
                                                  GError                 **error);
void               ob_campaign_message_free      (ObCampaignMessage       *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCampaign, ob_campaign_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCampaignStep, ob_campaign_step_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCampaignSummary, ob_campaign_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObPreflightReport, ob_preflight_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObCampaignMessage, ob_campaign_message_free)

G_END_DECLS
