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
    unit_id     INTEGER NOT NULL PRIMARY KEY REFERENCES units (id) ON DELETE CASCADE,
    terms       TEXT NOT NULL
);

-- The FTS5 index reads its text from unit_search (an external-content
-- table: the text is stored once) and is kept in step by the triggers
-- below, which also fire for the cascade when a unit is deleted. The
-- unicode61 tokenizer sees each bigram as one word; a query is a phrase of
-- its own bigrams. (The trigram tokenizer would find nothing for the many
-- two-character words: shared/STACK.md pitfall 2.)
CREATE VIRTUAL TABLE unit_search_fts USING fts5 (
    terms,
    content = 'unit_search',
    content_rowid = 'unit_id',
    tokenize = 'unicode61'
);

CREATE TRIGGER unit_search_ai AFTER INSERT ON unit_search BEGIN
    INSERT INTO unit_search_fts (rowid, terms) VALUES (new.unit_id, new.terms);
END;

CREATE TRIGGER unit_search_ad AFTER DELETE ON unit_search BEGIN
    INSERT INTO unit_search_fts (unit_search_fts, rowid, terms) VALUES ('delete', old.unit_id, old.terms);
END;

CREATE TRIGGER unit_search_au AFTER UPDATE ON unit_search BEGIN
    INSERT INTO unit_search_fts (unit_search_fts, rowid, terms) VALUES ('delete', old.unit_id, old.terms);
    INSERT INTO unit_search_fts (rowid, terms) VALUES (new.unit_id, new.terms);
END;

-- The unit list's region filter offers provinces and cities (some 360 of
-- 3,200 regions at national scale): read them by level, not by scanning
-- every region in code order.
CREATE INDEX regions_level ON regions (level, code);

-- The unit list shows how many units there are on every page. COUNT(*)
-- reads the smallest index of the table; kind is a few bytes, a third of
-- units_name's pages, and the list's kind filter counts from it too.
CREATE INDEX units_kind ON units (kind);
