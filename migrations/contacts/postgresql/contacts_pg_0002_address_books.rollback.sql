-- Back to one phone and one e-mail per contact: the preferred entries. The
-- others, the kept vCard properties and the uids are lost; a phone stored
-- as written (not E.164) cannot go back into the old column and is dropped.

DROP VIEW contact_rows;

ALTER TABLE contacts ADD COLUMN phone text CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
                     ADD COLUMN email text,
                     ADD COLUMN email_key text COLLATE "C";

UPDATE contacts c
   SET phone = p.value
  FROM contact_phones p
 WHERE p.contact_id = c.id AND p.preferred AND p.value ~ '^\+[1-9][0-9]{1,14}$';

UPDATE contacts c
   SET email = e.value, email_key = e.email_key
  FROM contact_emails e
 WHERE e.contact_id = c.id AND e.preferred;

ALTER TABLE contacts ADD CONSTRAINT contacts_email_check CHECK ((email IS NULL) = (email_key IS NULL)),
                     ADD CONSTRAINT contacts_phone_unique UNIQUE (phone);

CREATE UNIQUE INDEX contacts_email_unique ON contacts (email_key);
CREATE INDEX contacts_email_trgm ON contacts USING gin (email_key gin_trgm_ops);
CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops);

DROP TABLE contact_properties;
DROP TABLE contact_emails;
DROP TABLE contact_phones;

ALTER TABLE contacts DROP COLUMN uid;
