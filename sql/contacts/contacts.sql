-- Queries on contacts that both engines share. name_key and email_key are
-- case-folded in Python (str.casefold). contact_rows (see the migrations)
-- is a contact with its phones and e-mails as JSON arrays.

-- name: delete_phones :exec
-- Before a contact's phones are written anew, in their new order.
DELETE FROM contact_phones WHERE contact_id = :contact_id;

-- name: delete_emails :exec
DELETE FROM contact_emails WHERE contact_id = :contact_id;

-- name: delete_properties :exec
DELETE FROM contact_properties WHERE contact_id = :contact_id;

-- name: get_contact :one
SELECT id, uid, name, phones, emails, created_at, updated_at
  FROM contact_rows
 WHERE id = :id;

-- name: list_contacts :many
-- Order: name case-insensitively, then id (served by contacts_by_name).
SELECT id, uid, name, phones, emails, created_at, updated_at
  FROM contact_rows
 ORDER BY name_key, id;

-- name: all_contacts :many
-- Every contact in id order, for export (streamed).
SELECT id, uid, name, phones, emails, created_at, updated_at
  FROM contact_rows
 ORDER BY id;

-- name: contact_properties :many
-- One contact's kept vCard properties, in card order.
SELECT vcard_group, name, params, value
  FROM contact_properties
 WHERE contact_id = :contact_id
 ORDER BY ordinal;

-- name: all_properties :many
-- Every kept vCard property in (contact id, card order), streamed beside
-- all_contacts by export, which pairs them up as both go by.
SELECT contact_id, vcard_group, name, params, value
  FROM contact_properties
 ORDER BY contact_id, ordinal;

-- name: update_contact :exec
UPDATE contacts
   SET name = :name, name_key = :name_key, updated_at = :updated_at
 WHERE id = :id;

-- name: delete_contact :rowcount
-- Its phones, e-mails and kept properties go with it (ON DELETE CASCADE).
DELETE FROM contacts WHERE id = :id;

-- name: phone_owner :one
-- Who holds a phone number: to name them when an insert or update collides.
SELECT c.id, c.name
  FROM contact_phones p
  JOIN contacts c ON c.id = p.contact_id
 WHERE p.value = :value;

-- name: email_owner :one
SELECT c.id, c.name
  FROM contact_emails e
  JOIN contacts c ON c.id = e.contact_id
 WHERE e.email_key = :email_key;

-- name: uid_owner :one
SELECT id, name FROM contacts WHERE uid = :uid;
