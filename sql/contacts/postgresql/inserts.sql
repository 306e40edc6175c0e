-- Writing many contacts at once: each query takes :rows, a JSON array of
-- objects (one per row, keys as the columns), and inserts them all in one
-- statement: one round trip per batch.

-- name: insert_contacts :many
-- The new ids, each with its uid (unique) to tell which is which.
INSERT INTO contacts (uid, name, name_key, created_at, updated_at)
SELECT uid, name, name_key, created_at, updated_at
  FROM json_to_recordset(:rows::json)
       AS r (uid text, name text, name_key text, created_at timestamptz, updated_at timestamptz)
RETURNING id, uid;

-- name: insert_phones :exec
-- A phone another contact holds fails here, on the unique constraint, and
-- nowhere else.
INSERT INTO contact_phones (contact_id, ordinal, value, digits, type, preferred, vcard_group)
SELECT contact_id, ordinal, value, digits, type, preferred, vcard_group
  FROM json_to_recordset(:rows::json)
       AS r (contact_id bigint, ordinal integer, value text, digits text, type text, preferred boolean,
             vcard_group text);

-- name: insert_emails :exec
INSERT INTO contact_emails (contact_id, ordinal, value, email_key, type, preferred, vcard_group)
SELECT contact_id, ordinal, value, email_key, type, preferred, vcard_group
  FROM json_to_recordset(:rows::json)
       AS r (contact_id bigint, ordinal integer, value text, email_key text, type text, preferred boolean,
             vcard_group text);

-- name: insert_properties :exec
INSERT INTO contact_properties (contact_id, ordinal, vcard_group, name, params, value)
SELECT contact_id, ordinal, vcard_group, name, params, value
  FROM json_to_recordset(:rows::json)
       AS r (contact_id bigint, ordinal integer, vcard_group text, name text, params text, value text);
