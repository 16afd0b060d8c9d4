-- Unit search: a full-text index over unit names, short names and aliases,
-- so that a substring search of the registry (教育局) does not read every
-- unit at national scale (~100,000 units).
--
-- unit_search holds one row per unit: its index text, the CJK bigrams of
-- its names made by internal/search (SQL cannot make them). The org store
-- writes the row in the same transaction as the unit and its aliases; a
-- database upgraded to this version is filled in batches at start-up
-- (org.ReindexUnits). unit_id and terms are the same on both engines.
--
-- The 'simple' configuration neither stems nor drops stop words, so each
-- bigram is one lexeme; a query is phraseto_tsquery('simple', bigrams).
-- GIN stores no word positions, so the phrase is checked on each candidate
-- row: from the stored terms_tsv that is a read, where an index on the
-- expression to_tsvector('simple', terms) would parse the text again
-- (~20 ms for the 3,000 units named 教育局 at national scale, against a few).
CREATE TABLE unit_search (
    unit_id     BIGINT NOT NULL PRIMARY KEY REFERENCES units (id) ON DELETE CASCADE,
    terms       TEXT NOT NULL,
    terms_tsv   tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED
);
CREATE INDEX unit_search_terms ON unit_search USING GIN (terms_tsv);

-- The unit list's region filter offers provinces and cities (some 360 of
-- 3,200 regions at national scale): read them by level, not by scanning
-- every region in code order.
CREATE INDEX regions_level ON regions (level, code);

-- The unit list shows how many units there are on every page. COUNT(*)
-- reads the smallest index of the table; kind is a few bytes, a third of
-- units_name's pages, and the list's kind filter counts from it too.
CREATE INDEX units_kind ON units (kind);
