-- Pre-flight problems the rep chose to send anyway: one row per
-- (campaign, prospect, step, kind). prospect_id and step_position are 0
-- when the problem is not about one prospect or one step.
CREATE TABLE preflight_overrides (
  campaign_id     INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  prospect_id     INTEGER NOT NULL DEFAULT 0,
  step_position   INTEGER NOT NULL DEFAULT 0,
  kind            TEXT NOT NULL,
  created_at      INTEGER NOT NULL DEFAULT (unixepoch ()),
  PRIMARY KEY (campaign_id, prospect_id, step_position, kind)
) WITHOUT ROWID;

-- What a campaign has sent per step, without scanning every send.
CREATE INDEX sends_enrollment_state ON sends (enrollment_id, state);
