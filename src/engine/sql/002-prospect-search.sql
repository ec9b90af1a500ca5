-- Search-as-you-type over prospects: an FTS5 trigram index (substrings of 3+
-- characters, Unicode case-folded). Contentless, so it costs no copy of the
-- text; rows are added by ob_prospects_index_pending() in batches after an
-- import (the list is usable meanwhile) and kept current by every edit.

CREATE VIRTUAL TABLE prospects_search USING fts5 (
  text,
  content = '',
  tokenize = 'trigram',
  detail = 'full'
);

-- Every prospect with id <= indexed_upto is in prospects_search.
CREATE TABLE search_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_upto    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO search_state (id, indexed_upto) VALUES (1, 0);

-- Sorting the list by name or company without sorting a million rows.
CREATE INDEX prospects_name ON prospects (last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX prospects_company ON prospects (company COLLATE NOCASE);
