-- Search indexing gathers up to 16 MiB of trigrams in memory before it
-- writes a segment (FTS5's default is 1 MiB): a million prospects are
-- indexed with far fewer segments to write and merge. Small edits never
-- come near it; only ob_prospects_index_pending() batches do.
INSERT INTO prospects_search (prospects_search, rank) VALUES ('hashsize', 16777216);
