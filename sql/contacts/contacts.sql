-- Queries on contacts that both engines share. name_key and email_key are
-- case-folded in Python (see minidb/contacts/store.py and the migrations).

-- name: insert_contact :scalar
-- Insert one contact and return its new id. A duplicate phone or e-mail
-- fails here, on the unique constraint, and nowhere else.
INSERT INTO contacts (name, name_key, phone, email, email_key, created_at, updated_at)
VALUES (:name, :name_key, :phone, :email, :email_key, :created_at, :updated_at)
RETURNING id;

-- name: get_contact :one
SELECT id, name, phone, email, created_at, updated_at
  FROM contacts
 WHERE id = :id;

-- name: list_contacts :many
-- Ordered by name case-insensitively, then id (served by contacts_by_name).
SELECT id, name, phone, email, created_at, updated_at
  FROM contacts
 ORDER BY name_key, id;

-- name: all_contacts :many
-- Every contact in id order, for export (streamed).
SELECT id, name, phone, email, created_at, updated_at
  FROM contacts
 ORDER BY id;

-- name: update_contact :exec
UPDATE contacts
   SET name = :name, name_key = :name_key, phone = :phone, email = :email,
       email_key = :email_key, updated_at = :updated_at
 WHERE id = :id;

-- name: delete_contact :rowcount
DELETE FROM contacts WHERE id = :id;

-- name: phone_owner :one
-- Who holds a phone number: to name them when an insert or update collides.
SELECT id, name FROM contacts WHERE phone = :phone;

-- name: email_owner :one
SELECT id, name FROM contacts WHERE email_key = :email_key;
