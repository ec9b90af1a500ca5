-- Dashboard figures without counting a million events: counters that a
-- trigger keeps current as events are appended (see ob-stats.c).
--
-- stats_buckets: events per campaign, kind and UTC quarter hour (at / 900);
-- a day of one kind is one range of the key.
-- Every real time zone's midnight falls on a quarter hour, so a local day
-- (23, 24 or 25 hours) is a whole range of buckets. campaign_id -1 holds
-- every campaign together (what the dashboard's chart reads), 0 the events
-- of no campaign.
CREATE TABLE stats_buckets (
  campaign_id     INTEGER NOT NULL,
  bucket          INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, kind, bucket)
) WITHOUT ROWID;

-- stats_steps: events per campaign, account, step and kind, of all time: the
-- totals and the per-step funnel. A reply or opt-out that names no step
-- counts for the last step sent to that enrollment before it.
CREATE TABLE stats_steps (
  campaign_id     INTEGER NOT NULL,
  account_id      INTEGER NOT NULL,
  step_position   INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, account_id, step_position, kind)
) WITHOUT ROWID;

CREATE TRIGGER stats_count_event AFTER INSERT ON events
BEGIN
  INSERT INTO stats_buckets (campaign_id, bucket, kind, n)
  VALUES (coalesce (NEW.campaign_id, 0), NEW.at / 900, NEW.kind, 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
  INSERT INTO stats_buckets (campaign_id, bucket, kind, n)
  VALUES (-1, NEW.at / 900, NEW.kind, 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
  INSERT INTO stats_steps (campaign_id, account_id, step_position, kind, n)
  VALUES (coalesce (NEW.campaign_id, 0), coalesce (NEW.account_id, 0),
          coalesce (NEW.step_position,
                    (SELECT max (step_position) FROM sends
                     WHERE enrollment_id = NEW.enrollment_id AND state = 'sent'), 0),
          NEW.kind, 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- The events a store already holds.
INSERT INTO stats_buckets (campaign_id, bucket, kind, n)
SELECT coalesce (campaign_id, 0), at / 900, kind, count (*) FROM events GROUP BY 1, 2, 3;
INSERT INTO stats_buckets (campaign_id, bucket, kind, n)
SELECT -1, at / 900, kind, count (*) FROM events GROUP BY 2, 3;
INSERT INTO stats_steps (campaign_id, account_id, step_position, kind, n)
SELECT coalesce (e.campaign_id, 0), coalesce (e.account_id, 0),
       coalesce (e.step_position,
                 (SELECT max (step_position) FROM sends s
                  WHERE s.enrollment_id = e.enrollment_id AND s.state = 'sent'), 0),
       e.kind, count (*)
FROM events e GROUP BY 1, 2, 3, 4;

