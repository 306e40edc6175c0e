-- Back to one phone and one e-mail per contact: the preferred entries. The
-- others, the kept vCard properties and the uids are lost; a phone stored
-- as written (not E.164) cannot go back into the old column and is dropped.

DROP VIEW contact_rows;

DROP TRIGGER contact_phones_search_update;
DROP TRIGGER contact_phones_search_delete;
DROP TRIGGER contact_phones_search_insert;
DROP TRIGGER contact_emails_search_update;
DROP TRIGGER contact_emails_search_delete;
DROP TRIGGER contact_emails_search_insert;
DROP TRIGGER contacts_search_update;
DROP TRIGGER contacts_search_delete;
DROP TRIGGER contacts_search_insert;
DROP TABLE contact_phones_search;
DROP TABLE contact_emails_search;
DROP TABLE contacts_search;

ALTER TABLE contacts RENAME TO contacts_after_0002;

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key   TEXT NOT NULL,
    phone      TEXT CHECK (phone IS NULL OR (phone GLOB '+[1-9]*' AND phone NOT GLOB '+*[^0-9]*'
                                             AND length(phone) <= 16)),
    email      TEXT,
    email_key  TEXT CHECK ((email IS NULL) = (email_key IS NULL)),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT contacts_phone_unique UNIQUE (phone)
);

INSERT INTO contacts (id, name, name_key, phone, email, email_key, created_at, updated_at)
SELECT c.id, c.name, c.name_key,
       (SELECT p.value FROM contact_phones p
         WHERE p.contact_id = c.id AND p.preferred AND p.value GLOB '+[1-9]*'
           AND p.value NOT GLOB '+*[^0-9]*' AND length(p.value) <= 16),
       e.value, e.email_key, c.created_at, c.updated_at
  FROM contacts_after_0002 c
  LEFT JOIN contact_emails e ON e.contact_id = c.id AND e.preferred;

DELETE FROM sqlite_sequence WHERE name = 'contacts';
UPDATE sqlite_sequence SET name = 'contacts' WHERE name = 'contacts_after_0002';

DROP TABLE contact_properties;
DROP TABLE contact_emails;
DROP TABLE contact_phones;
DROP TABLE contacts_after_0002;

CREATE UNIQUE INDEX contacts_email_unique ON contacts (email_key);
CREATE INDEX contacts_by_name ON contacts (name_key, id);

CREATE VIRTUAL TABLE contacts_search USING fts5 (
    name_key, email_key, phone,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');

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
