-- The scheduler's questions, each answered by one indexed range scan that
-- stops at its first row: which follow-up of a campaign is due first, which
-- first email, and which prospects have a time zone of their own.
CREATE INDEX enrollments_due_follow_up ON enrollments (campaign_id, due_at)
  WHERE state = 'active' AND next_step > 1;
CREATE INDEX enrollments_due_first ON enrollments (campaign_id, due_at)
  WHERE state = 'active' AND next_step = 1;
CREATE INDEX prospects_timezone ON prospects (timezone) WHERE timezone <> '';
