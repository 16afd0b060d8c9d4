-- Unit search: a full-text index over unit names, short names and aliases,
-- so that a substring search of the registry (教育局) does not read every
-- unit at national scale (~100,000 units).
--
-- unit_search holds one row per unit: its index text, the CJK bigrams of
-- its names made by internal/search (SQL cannot make them). The org store
-- writes the row in the same transaction as the unit and its aliases; a
-- database upgraded to this version is filled in batches at start-up
-- (org.ReindexUnits). The table is the same on both engines.
CREATE TABLE unit_search (
    unit_id     BIGINT NOT NULL PRIMARY KEY REFERENCES units (id) ON DELETE CASCADE,
    terms       TEXT NOT NULL
);

-- The 'simple' configuration neither stems nor drops stop words, so each
-- bigram is one lexeme; a query is phraseto_tsquery('simple', bigrams).
-- GIN stores no positions: the phrase is checked on the candidate rows.
CREATE INDEX unit_search_terms ON unit_search USING GIN (to_tsvector('simple', terms));
