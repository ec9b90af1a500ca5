-- What an account's passwords are filed under in the keyring (the Secret
-- Service attribute "account"): a random id made when the account is added.
-- Not the name, which the user may change, nor the row id, which sqlite may
-- give again after a delete and which every store starts at 1: two stores
-- (--db) share one keyring.
ALTER TABLE accounts ADD COLUMN keyring_id TEXT NOT NULL DEFAULT '';
UPDATE accounts SET keyring_id = lower (hex (randomblob (16))) WHERE keyring_id = '';
CREATE UNIQUE INDEX accounts_keyring_id ON accounts (keyring_id);
-- Rows inserted without one (by SQL, as tests and older code do) get one.
CREATE TRIGGER accounts_keyring_id AFTER INSERT ON accounts WHEN NEW.keyring_id = ''
BEGIN
  UPDATE accounts SET keyring_id = lower (hex (randomblob (16))) WHERE id = NEW.id;
END;
