-- Writing many contacts at once: each query takes :rows, a JSON array of
-- objects (one per row, keys as the columns), and inserts them all in one
-- statement. One statement per batch rather than one per row is what keeps
-- an import fast here: the FTS5 search tables flush their pending index
-- data at the end of every statement, so row-at-a-time inserts pay that
-- flush per row.

-- name: insert_contacts :many
-- The new ids, each with its uid (unique) to tell which is which.
INSERT INTO contacts (uid, name, name_key, created_at, updated_at)
SELECT value ->> 'uid', value ->> 'name', value ->> 'name_key', value ->> 'created_at',
       value ->> 'updated_at'
  FROM json_each(:rows)
RETURNING id, uid;

-- name: insert_phones :exec
-- A phone another contact holds fails here, on the unique constraint, and
-- nowhere else.
INSERT INTO contact_phones (contact_id, ordinal, value, digits, type, preferred, vcard_group)
SELECT value ->> 'contact_id', value ->> 'ordinal', value ->> 'value', value ->> 'digits',
       value ->> 'type', value ->> 'preferred', value ->> 'vcard_group'
  FROM json_each(:rows);

-- name: insert_emails :exec
INSERT INTO contact_emails (contact_id, ordinal, value, email_key, type, preferred, vcard_group)
SELECT value ->> 'contact_id', value ->> 'ordinal', value ->> 'value', value ->> 'email_key',
       value ->> 'type', value ->> 'preferred', value ->> 'vcard_group'
  FROM json_each(:rows);

-- name: insert_properties :exec
INSERT INTO contact_properties (contact_id, ordinal, vcard_group, name, params, value)
SELECT value ->> 'contact_id', value ->> 'ordinal', value ->> 'vcard_group', value ->> 'name',
       value ->> 'params', value ->> 'value'
  FROM json_each(:rows);
