-- What is left of a send's copy in the account's Sent folder over IMAP:
-- NULL nothing to do (no IMAP side, the provider files it itself, or sent
-- before this existed), 'pending' while the sender appends it, 'done',
-- 'failed' (an event sent_copy_failed says why; the watcher tries again),
-- 'retrying' while the watcher does.
ALTER TABLE sends ADD COLUMN sent_copy TEXT
  CHECK (sent_copy IN ('pending', 'done', 'failed', 'retrying'));
CREATE INDEX sends_sent_copy ON sends (account_id, sent_copy)
  WHERE sent_copy IN ('pending', 'failed', 'retrying');
