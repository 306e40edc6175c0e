-- Contacts for real address books: any number of phones and e-mails per
-- contact, each with a type label and one preferred entry per kind; the
-- vCard properties minidb does not model, kept in order; a stable uid.
--
-- Existing data moves: each contact's phone and e-mail become its first,
-- preferred entries, and each contact gets a random urn:uuid: uid.

ALTER TABLE contacts ADD COLUMN uid text;

UPDATE contacts SET uid = 'urn:uuid:' || gen_random_uuid();

ALTER TABLE contacts ALTER COLUMN uid SET NOT NULL;

-- A vCard's UID may be any text; the limit only keeps a hostile file from
-- storing a megabyte where an identifier belongs.
ALTER TABLE contacts ADD CONSTRAINT contacts_uid_length CHECK (char_length(uid) BETWEEN 1 AND 1000);

ALTER TABLE contacts ADD CONSTRAINT contacts_uid_unique UNIQUE (uid);

-- value: E.164 (+442083661177, ';ext=12' appended for an extension) when
-- libphonenumber reads the number as a possible one, otherwise as written.
-- digits: the value's digits, which find searches (so '555 1234' finds a
-- number stored as '555-1234'). type: a lower-case label or NULL.
-- vcard_group: the vCard group (item1) that ties a label such as Apple's
-- X-ABLabel to this entry.
CREATE TABLE contact_phones (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    value       text COLLATE "C" NOT NULL CHECK (char_length(value) BETWEEN 1 AND 100),
    digits      text COLLATE "C" NOT NULL,
    type        text,
    preferred   boolean NOT NULL,
    vcard_group text,
    -- A phone belongs to at most one contact. The constraint decides, not a
    -- look-up before the insert: two sessions adding the same number at
    -- once cannot both succeed.
    CONSTRAINT contact_phones_value_unique UNIQUE (value),
    -- Also the index behind "the phones of contact N, in order".
    CONSTRAINT contact_phones_order UNIQUE (contact_id, ordinal)
);

-- At most one preferred phone per contact (minidb writes exactly one).
CREATE UNIQUE INDEX contact_phones_one_preferred ON contact_phones (contact_id) WHERE preferred;

-- email_key is case-folded in Python (str.casefold), as name_key is: the
-- unique constraint on it makes Ada@example.com and ADA@EXAMPLE.COM one address.
CREATE TABLE contact_emails (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    value       text NOT NULL,
    email_key   text COLLATE "C" NOT NULL,
    type        text,
    preferred   boolean NOT NULL,
    vcard_group text,
    CONSTRAINT contact_emails_key_unique UNIQUE (email_key),
    CONSTRAINT contact_emails_order UNIQUE (contact_id, ordinal)
);

CREATE UNIQUE INDEX contact_emails_one_preferred ON contact_emails (contact_id) WHERE preferred;

-- Every property of an imported vCard that minidb does not model (N, ORG,
-- ADR, BDAY, NOTE, PHOTO, X-...), in card order, in the form the vCard 3.0
-- writer puts back verbatim: params is a JSON array of [NAME, value] pairs,
-- value the escaped 3.0 value text.
CREATE TABLE contact_properties (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    vcard_group text,
    name        text NOT NULL,
    params      text NOT NULL,
    value       text NOT NULL,
    CONSTRAINT contact_properties_order UNIQUE (contact_id, ordinal)
);

INSERT INTO contact_phones (contact_id, ordinal, value, digits, type, preferred)
SELECT id, 1, phone, regexp_replace(phone, '[^0-9]', '', 'g'), NULL, true
  FROM contacts
 WHERE phone IS NOT NULL;

INSERT INTO contact_emails (contact_id, ordinal, value, email_key, type, preferred)
SELECT id, 1, email, email_key, NULL, true
  FROM contacts
 WHERE email IS NOT NULL;

-- Their indexes and constraints go with them.
ALTER TABLE contacts DROP COLUMN phone, DROP COLUMN email, DROP COLUMN email_key;

-- Substring search over every phone and e-mail: find runs LIKE '%text%' on
-- email_key and digits as it does on contacts.name_key, each served by a
-- pg_trgm GIN index (for 3 or more characters).
CREATE INDEX contact_emails_trgm ON contact_emails USING gin (email_key gin_trgm_ops);
CREATE INDEX contact_phones_trgm ON contact_phones USING gin (digits gin_trgm_ops);

-- A contact as the queries read it: its phones and e-mails as JSON arrays of
-- [value, type, preferred, vcard_group] in order ('[]' when none). Each
-- subquery reads one contact's entries through the (contact_id, ordinal)
-- index.
CREATE VIEW contact_rows AS
SELECT c.id, c.uid, c.name, c.name_key, c.created_at, c.updated_at,
       coalesce((SELECT json_agg(json_build_array(p.value, p.type, p.preferred, p.vcard_group)
                                 ORDER BY p.ordinal)
                   FROM contact_phones p
                  WHERE p.contact_id = c.id)::text, '[]') AS phones,
       coalesce((SELECT json_agg(json_build_array(e.value, e.type, e.preferred, e.vcard_group)
                                 ORDER BY e.ordinal)
                   FROM contact_emails e
                  WHERE e.contact_id = c.id)::text, '[]') AS emails
  FROM contacts c;
