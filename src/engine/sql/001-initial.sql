-- Outbound schema, version 1. See DESIGN.md for the meaning of every table.
-- Times are Unix seconds (UTC) unless a name says otherwise.

CREATE TABLE accounts (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  email           TEXT NOT NULL,
  display_name    TEXT NOT NULL DEFAULT '',
  signature       TEXT NOT NULL DEFAULT '',
  -- 'password', 'oauth2' or 'goa': where the secret comes from (never the secret itself)
  auth_method     TEXT NOT NULL DEFAULT 'password',
  goa_id          TEXT,
  smtp_host       TEXT NOT NULL,
  smtp_port       INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
  smtp_security   TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'insecure')),
  smtp_user       TEXT NOT NULL DEFAULT '',
  imap_host       TEXT,
  imap_port       INTEGER CHECK (imap_port BETWEEN 1 AND 65535),
  imap_security   TEXT CHECK (imap_security IN ('tls', 'starttls', 'insecure')),
  imap_user       TEXT NOT NULL DEFAULT '',
  ca_file         TEXT,
  sent_folder     TEXT,
  -- the provider files submitted mail into Sent itself (Gmail, Microsoft 365)
  provider_saves_sent INTEGER NOT NULL DEFAULT 0,
  daily_limit     INTEGER NOT NULL DEFAULT 50 CHECK (daily_limit >= 0),
  pause_min       INTEGER NOT NULL DEFAULT 60 CHECK (pause_min >= 0),
  pause_max       INTEGER NOT NULL DEFAULT 180 CHECK (pause_max >= pause_min),
  -- 'ok', 'paused' (by the user), 'error' (needs the user), 'throttled' (until paused_until)
  state           TEXT NOT NULL DEFAULT 'ok',
  state_reason    TEXT NOT NULL DEFAULT '',
  paused_until    INTEGER,
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ())
);

-- SHA-256 fingerprints of certificates the user trusted for one account.
CREATE TABLE account_pins (
  account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  protocol        TEXT NOT NULL CHECK (protocol IN ('smtp', 'imap')),
  sha256          TEXT NOT NULL,
  PRIMARY KEY (account_id, protocol, sha256)
) WITHOUT ROWID;

CREATE TABLE prospects (
  id              INTEGER PRIMARY KEY,
  email           TEXT NOT NULL,
  -- lower-cased address with the domain in its ASCII (punycode) form: the dedupe key
  email_key       TEXT NOT NULL UNIQUE,
  domain          TEXT NOT NULL,
  first_name      TEXT NOT NULL DEFAULT '',
  last_name       TEXT NOT NULL DEFAULT '',
  company         TEXT NOT NULL DEFAULT '',
  title           TEXT NOT NULL DEFAULT '',
  timezone        TEXT NOT NULL DEFAULT '',
  -- every other CSV column, as a JSON object of strings: usable as merge fields
  fields          TEXT NOT NULL DEFAULT '{}',
  status          TEXT NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'replied', 'bounced', 'opted_out')),
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  updated_at      INTEGER NOT NULL DEFAULT (unixepoch ())
);
CREATE INDEX prospects_domain ON prospects (domain);
CREATE INDEX prospects_status ON prospects (status);

CREATE TABLE tags (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE prospect_tags (
  prospect_id     INTEGER NOT NULL REFERENCES prospects (id) ON DELETE CASCADE,
  tag_id          INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  PRIMARY KEY (prospect_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX prospect_tags_tag ON prospect_tags (tag_id, prospect_id);

-- Addresses ('email') and whole domains ('domain') that are never written to.
CREATE TABLE do_not_contact (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('email', 'domain')),
  value           TEXT NOT NULL,
  reason          TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  UNIQUE (kind, value)
);

CREATE TABLE campaigns (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  account_id      INTEGER REFERENCES accounts (id) ON DELETE RESTRICT,
  state           TEXT NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'running', 'paused', 'finished')),
  state_reason    TEXT NOT NULL DEFAULT '',
  timezone        TEXT NOT NULL DEFAULT '',
  -- sending window in minutes after local midnight; 0-1440 is always
  window_start    INTEGER NOT NULL DEFAULT 540 CHECK (window_start BETWEEN 0 AND 1440),
  window_end      INTEGER NOT NULL DEFAULT 1020 CHECK (window_end BETWEEN 0 AND 1440),
  -- bit 0 = Monday ... bit 6 = Sunday
  days            INTEGER NOT NULL DEFAULT 31 CHECK (days BETWEEN 0 AND 127),
  daily_limit     INTEGER NOT NULL DEFAULT 50 CHECK (daily_limit >= 0),
  pause_min       INTEGER NOT NULL DEFAULT 60 CHECK (pause_min >= 0),
  pause_max       INTEGER NOT NULL DEFAULT 180 CHECK (pause_max >= pause_min),
  stop_company_on_reply INTEGER NOT NULL DEFAULT 0,
  -- bounce shield: pause when hard bounces over 28 days pass this rate (per mille)
  bounce_threshold_permille INTEGER NOT NULL DEFAULT 20,
  holidays        TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  updated_at      INTEGER NOT NULL DEFAULT (unixepoch ())
);
CREATE INDEX campaigns_account ON campaigns (account_id);

CREATE TABLE steps (
  id              INTEGER PRIMARY KEY,
  campaign_id     INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  position        INTEGER NOT NULL CHECK (position >= 1),
  subject         TEXT NOT NULL DEFAULT '',
  body            TEXT NOT NULL DEFAULT '',
  -- delay after the previous step: an amount and a unit ('s', 'm', 'h', 'd', 'bd')
  delay_amount    INTEGER NOT NULL DEFAULT 0 CHECK (delay_amount >= 0),
  delay_unit      TEXT NOT NULL DEFAULT 'd' CHECK (delay_unit IN ('s', 'm', 'h', 'd', 'bd')),
  -- follow-ups reply in the first email's thread unless this is 0
  same_thread     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (campaign_id, position)
);

CREATE TABLE enrollments (
  id              INTEGER PRIMARY KEY,
  campaign_id     INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  prospect_id     INTEGER NOT NULL REFERENCES prospects (id) ON DELETE CASCADE,
  state           TEXT NOT NULL DEFAULT 'active'
                  CHECK (state IN ('active', 'finished', 'replied', 'bounced',
                                   'opted_out', 'stopped', 'paused')),
  state_reason    TEXT NOT NULL DEFAULT '',
  -- position of the next step to send; NULL when none is left
  next_step       INTEGER DEFAULT 1,
  -- earliest time the next step may go (before windows are applied)
  due_at          INTEGER,
  -- the thread this sequence lives in (Message-ID of step 1) and its subject
  thread_message_id TEXT,
  thread_subject  TEXT,
  paused_until    INTEGER,
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  updated_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  UNIQUE (campaign_id, prospect_id)
);
CREATE INDEX enrollments_prospect ON enrollments (prospect_id);
CREATE INDEX enrollments_campaign_state ON enrollments (campaign_id, state);
CREATE INDEX enrollments_state ON enrollments (state);
-- the scheduler's question: which active enrollment of a campaign is due first
CREATE INDEX enrollments_due ON enrollments (campaign_id, due_at) WHERE state = 'active';

CREATE TABLE sends (
  id              INTEGER PRIMARY KEY,
  enrollment_id   INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
  step_position   INTEGER NOT NULL,
  account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
  state           TEXT NOT NULL
                  CHECK (state IN ('sending', 'sent', 'retry', 'failed', 'uncertain')),
  message_id      TEXT NOT NULL,
  -- the exact bytes handed to the SMTP server
  message         BLOB,
  attempts        INTEGER NOT NULL DEFAULT 0,
  retry_at        INTEGER,
  smtp_code       INTEGER,
  smtp_text       TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  sent_at         INTEGER,
  -- at most once: one row per (enrollment, step), whatever happens
  UNIQUE (enrollment_id, step_position)
);
CREATE INDEX sends_message_id ON sends (message_id);
CREATE INDEX sends_account_sent ON sends (account_id, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX sends_state ON sends (state);

-- Append-only: the source of every dashboard figure and the audit trail.
CREATE TABLE events (
  id              INTEGER PRIMARY KEY,
  at              INTEGER NOT NULL DEFAULT (unixepoch ()),
  kind            TEXT NOT NULL,
  account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
  campaign_id     INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
  prospect_id     INTEGER REFERENCES prospects (id) ON DELETE SET NULL,
  enrollment_id   INTEGER REFERENCES enrollments (id) ON DELETE SET NULL,
  send_id         INTEGER REFERENCES sends (id) ON DELETE SET NULL,
  step_position   INTEGER,
  detail          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_campaign_at ON events (campaign_id, at);
CREATE INDEX events_account_at ON events (account_id, at);
CREATE INDEX events_prospect ON events (prospect_id);

-- What the watcher has seen of each folder, so catch-up fetches only new mail.
CREATE TABLE imap_folders (
  account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  uidvalidity     INTEGER NOT NULL DEFAULT 0,
  last_uid        INTEGER NOT NULL DEFAULT 0,
  watched         INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
