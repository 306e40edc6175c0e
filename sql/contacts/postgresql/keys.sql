-- name: stored_keys :many
-- Which of these uids, phones and case-folded e-mails are already stored,
-- and by whom: one statement for a whole chunk of an import. Each parameter
-- is a JSON array of strings (the same text on both engines).
SELECT 'uid' AS kind, uid AS key, id, name
  FROM contacts
 WHERE uid IN (SELECT json_array_elements_text(:uids::json))
UNION ALL
SELECT 'phone', p.value, c.id, c.name
  FROM contact_phones p
  JOIN contacts c ON c.id = p.contact_id
 WHERE p.value IN (SELECT json_array_elements_text(:phones::json))
UNION ALL
SELECT 'email', e.email_key, c.id, c.name
  FROM contact_emails e
  JOIN contacts c ON c.id = e.contact_id
 WHERE e.email_key IN (SELECT json_array_elements_text(:email_keys::json));
