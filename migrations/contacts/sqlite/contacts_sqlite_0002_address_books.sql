-- Contacts for real address books: any number of phones and e-mails per
-- contact, each with a type label and one preferred entry per kind; the
-- vCard properties minidb does not model, kept in order; a stable uid.
--
-- Existing data moves: each contact's phone and e-mail become its first,
-- preferred entries, and each contact gets a random urn:uuid: uid.
--
-- SQLite cannot drop a column under a UNIQUE constraint, nor add a NOT NULL
-- UNIQUE one, so contacts is rebuilt: renamed aside, made anew, filled,
-- and the old one dropped. Nothing references contacts before this
-- migration, so no foreign key follows the rename.

DROP TRIGGER contacts_search_update;
DROP TRIGGER contacts_search_delete;
DROP TRIGGER contacts_search_insert;
DROP TABLE contacts_search;

ALTER TABLE contacts RENAME TO contacts_before_0002;

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- A vCard's UID may be any text; the limit only keeps a hostile file from
    -- storing a megabyte where an identifier belongs.
    uid        TEXT NOT NULL CHECK (length(uid) BETWEEN 1 AND 1000),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT contacts_uid_unique UNIQUE (uid)
);

-- A random (version 4) UUID per row: randomblob() is evaluated once per row.
INSERT INTO contacts (id, uid, name, name_key, created_at, updated_at)
SELECT id,
       'urn:uuid:' || lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
       || substr(lower(hex(randomblob(2))), 2) || '-'
       || substr('89ab', 1 + abs(random() % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
       || lower(hex(randomblob(6))),
       name, name_key, created_at, updated_at
  FROM contacts_before_0002;

-- Ids are never reused: the new table carries on from the old one's
-- AUTOINCREMENT counter, which may be past the largest id left (the last
-- contacts deleted). The rename took the counter's row along.
DELETE FROM sqlite_sequence WHERE name = 'contacts';
UPDATE sqlite_sequence SET name = 'contacts' WHERE name = 'contacts_before_0002';

-- value: E.164 (+442083661177, ';ext=12' appended for an extension) when
-- libphonenumber reads the number as a possible one, otherwise as written.
-- digits: the value's digits, which find searches (so '555 1234' finds a
-- number stored as '555-1234'). type: a lower-case label or NULL.
-- vcard_group: the vCard group (item1) that ties a label such as Apple's
-- X-ABLabel to this entry. id INTEGER PRIMARY KEY: a rowid VACUUM keeps,
-- which the FTS5 index below refers to.
CREATE TABLE contact_phones (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    value       TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 100),
    digits      TEXT NOT NULL,
    type        TEXT,
    preferred   INTEGER NOT NULL CHECK (preferred IN (0, 1)),
    vcard_group TEXT,
    -- A phone belongs to at most one contact. The constraint decides, not a
    -- look-up before the insert: two processes adding the same number at
    -- once cannot both succeed.
    CONSTRAINT contact_phones_value_unique UNIQUE (value),
    -- Also the index behind "the phones of contact N, in order".
    CONSTRAINT contact_phones_order UNIQUE (contact_id, ordinal)
);

-- At most one preferred phone per contact (minidb writes exactly one).
CREATE UNIQUE INDEX contact_phones_one_preferred ON contact_phones (contact_id) WHERE preferred;

-- email_key is case-folded in Python (str.casefold), not with SQLite's
-- lower(), which folds ASCII only: the unique constraint on it makes
-- Zoë@example.com and ZOË@EXAMPLE.COM one address.
CREATE TABLE contact_emails (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    value       TEXT NOT NULL,
    email_key   TEXT NOT NULL,
    type        TEXT,
    preferred   INTEGER NOT NULL CHECK (preferred IN (0, 1)),
    vcard_group TEXT,
    CONSTRAINT contact_emails_key_unique UNIQUE (email_key),
    CONSTRAINT contact_emails_order UNIQUE (contact_id, ordinal)
);

CREATE UNIQUE INDEX contact_emails_one_preferred ON contact_emails (contact_id) WHERE preferred;

-- Every property of an imported vCard that minidb does not model (N, ORG,
-- ADR, BDAY, NOTE, PHOTO, X-...), in card order, in the form the vCard 3.0
-- writer puts back verbatim: params is a JSON array of [NAME, value] pairs,
-- value the escaped 3.0 value text.
CREATE TABLE contact_properties (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    vcard_group TEXT,
    name        TEXT NOT NULL,
    params      TEXT NOT NULL,
    value       TEXT NOT NULL,
    CONSTRAINT contact_properties_order UNIQUE (contact_id, ordinal)
);

-- The old phone column held E.164 only: '+' and digits, so its digits are
-- the value without the '+'.
INSERT INTO contact_phones (contact_id, ordinal, value, digits, type, preferred)
SELECT id, 1, phone, substr(phone, 2), NULL, 1
  FROM contacts_before_0002
 WHERE phone IS NOT NULL;

INSERT INTO contact_emails (contact_id, ordinal, value, email_key, type, preferred)
SELECT id, 1, email, email_key, NULL, 1
  FROM contacts_before_0002
 WHERE email IS NOT NULL;

DROP TABLE contacts_before_0002;

-- list and find order: case-folded name, then id (made after the old table,
-- whose index of that name went with it).
CREATE INDEX contacts_by_name ON contacts (name_key, id);

-- Substring search. A B-tree cannot serve LIKE '%text%'; FTS5's trigram
-- tokenizer (SQLite 3.34+, built in) indexes every 3-character substring,
-- so a phrase query of 3 or more characters finds exactly the rows holding
-- it: the job pg_trgm does on PostgreSQL. One external-content table per
-- searched column (only the index is stored, not the text again), each
-- kept in step by triggers in the same transaction as every write.
-- case_sensitive 1 because the keys are already case-folded in Python;
-- FTS5's own folding differs from str.casefold and would only add false
-- candidates. Texts under 3 characters have no trigram to look up and fall
-- back to a scan (see sql/contacts/sqlite/search.sql).
CREATE VIRTUAL TABLE contacts_search USING fts5 (
    name_key, content = 'contacts', content_rowid = 'id', tokenize = 'trigram case_sensitive 1'
);
CREATE VIRTUAL TABLE contact_emails_search USING fts5 (
    email_key, content = 'contact_emails', content_rowid = 'id', tokenize = 'trigram case_sensitive 1'
);
CREATE VIRTUAL TABLE contact_phones_search USING fts5 (
    digits, content = 'contact_phones', content_rowid = 'id', tokenize = 'trigram case_sensitive 1'
);

INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');
INSERT INTO contact_emails_search (contact_emails_search) VALUES ('rebuild');
INSERT INTO contact_phones_search (contact_phones_search) VALUES ('rebuild');

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name_key) VALUES ('delete', old.id, old.name_key);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name_key ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name_key) VALUES ('delete', old.id, old.name_key);
    INSERT INTO contacts_search (rowid, name_key) VALUES (new.id, new.name_key);
END;

CREATE TRIGGER contact_emails_search_insert AFTER INSERT ON contact_emails BEGIN
    INSERT INTO contact_emails_search (rowid, email_key) VALUES (new.id, new.email_key);
END;
CREATE TRIGGER contact_emails_search_delete AFTER DELETE ON contact_emails BEGIN
    INSERT INTO contact_emails_search (contact_emails_search, rowid, email_key)
    VALUES ('delete', old.id, old.email_key);
END;
CREATE TRIGGER contact_emails_search_update AFTER UPDATE OF email_key ON contact_emails BEGIN
    INSERT INTO contact_emails_search (contact_emails_search, rowid, email_key)
    VALUES ('delete', old.id, old.email_key);
    INSERT INTO contact_emails_search (rowid, email_key) VALUES (new.id, new.email_key);
END;

CREATE TRIGGER contact_phones_search_insert AFTER INSERT ON contact_phones BEGIN
    INSERT INTO contact_phones_search (rowid, digits) VALUES (new.id, new.digits);
END;
CREATE TRIGGER contact_phones_search_delete AFTER DELETE ON contact_phones BEGIN
    INSERT INTO contact_phones_search (contact_phones_search, rowid, digits)
    VALUES ('delete', old.id, old.digits);
END;
CREATE TRIGGER contact_phones_search_update AFTER UPDATE OF digits ON contact_phones BEGIN
    INSERT INTO contact_phones_search (contact_phones_search, rowid, digits)
    VALUES ('delete', old.id, old.digits);
    INSERT INTO contact_phones_search (rowid, digits) VALUES (new.id, new.digits);
END;

-- A contact as the queries read it: its phones and e-mails as JSON arrays of
-- [value, type, preferred, vcard_group] in order ('[]' when none). SQLite
-- 3.40 has no ORDER BY inside an aggregate; it aggregates a subquery's rows
-- in the subquery's order.
CREATE VIEW contact_rows AS
SELECT c.id, c.uid, c.name, c.name_key, c.created_at, c.updated_at,
       (SELECT json_group_array(json_array(value, type, preferred, vcard_group))
          FROM (SELECT value, type, preferred, vcard_group FROM contact_phones
                 WHERE contact_id = c.id ORDER BY ordinal)) AS phones,
       (SELECT json_group_array(json_array(value, type, preferred, vcard_group))
          FROM (SELECT value, type, preferred, vcard_group FROM contact_emails
                 WHERE contact_id = c.id ORDER BY ordinal)) AS emails
  FROM contacts c;
