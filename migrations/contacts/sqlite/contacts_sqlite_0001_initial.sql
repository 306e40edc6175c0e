-- The contacts schema on SQLite. TIMESTAMP is declared so sqlite3 converts
-- it back (see minidb/db/engines/sqlite.py); AUTOINCREMENT so ids are never reused.
--
-- name_key and email_key are case-folded in Python (str.casefold), not with
-- SQLite's lower(), which folds ASCII only: 'ZOË' and 'zoë' must meet, and
-- both engines must agree on what is a duplicate and on the order of names.

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key   TEXT NOT NULL,
    -- E.164: '+', then up to 15 digits
    phone      TEXT CHECK (phone IS NULL OR (phone GLOB '+[1-9]*' AND phone NOT GLOB '+*[^0-9]*'
                                             AND length(phone) <= 16)),
    email      TEXT,
    email_key  TEXT CHECK ((email IS NULL) = (email_key IS NULL)),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Uniqueness lives here, not in a check-then-insert: two processes adding
    -- the same phone or e-mail at once cannot both succeed.
    CONSTRAINT contacts_phone_unique UNIQUE (phone)
);

CREATE UNIQUE INDEX contacts_email_unique ON contacts (email_key);

-- list and find order: case-folded name, then id.
CREATE INDEX contacts_by_name ON contacts (name_key, id);

-- Substring search. A B-tree cannot serve LIKE '%text%', so without help
-- every find reads the whole table. SQLite 3.34+ ships FTS5's trigram
-- tokenizer (this machine has 3.40), which indexes every 3-character
-- substring: a phrase query of 3 or more characters finds exactly the rows
-- containing it, the same job pg_trgm does on PostgreSQL. It is built into
-- SQLite (no extension to load), it is an external-content table (the text
-- is not stored twice: only the index), and the triggers below keep it in
-- step in the same transaction as every write. case_sensitive 1 because the
-- keys are already case-folded in Python; FTS5's own folding differs from
-- str.casefold and would only add false candidates. Texts under 3
-- characters have no trigram to look up and fall back to a scan (see
-- sql/contacts/sqlite/search.sql).
CREATE VIRTUAL TABLE contacts_search USING fts5 (
    name_key, email_key, phone,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, name_key, email_key, phone)
    VALUES (new.id, new.name_key, new.email_key, new.phone);
END;

CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name_key, email_key, phone)
    VALUES ('delete', old.id, old.name_key, old.email_key, old.phone);
END;

CREATE TRIGGER contacts_search_update AFTER UPDATE OF name_key, email_key, phone ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name_key, email_key, phone)
    VALUES ('delete', old.id, old.name_key, old.email_key, old.phone);
    INSERT INTO contacts_search (rowid, name_key, email_key, phone)
    VALUES (new.id, new.name_key, new.email_key, new.phone);
END;
