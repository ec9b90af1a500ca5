-- Before every message the scheduler counts the account's first emails
-- sent today. From this index alone (step_position is in it for sqlite to
-- see that it covers the query): the sends rows hold whole messages, and
-- reading them, a few per page, made each decision cost more with every
-- send of the day.
CREATE INDEX sends_account_first_sent ON sends (account_id, sent_at, step_position, enrollment_id)
  WHERE sent_at IS NOT NULL AND step_position = 1;
