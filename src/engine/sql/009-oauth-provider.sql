-- Which OAuth 2.0 provider ('google', 'microsoft') signs in an account whose
-- auth_method is 'oauth2': its token endpoint refreshes the access token.
-- NULL for every other account. The tokens themselves are in the keyring.
ALTER TABLE accounts ADD COLUMN oauth_provider TEXT
  CHECK (oauth_provider IN ('google', 'microsoft'));
