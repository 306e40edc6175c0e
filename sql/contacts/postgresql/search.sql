-- find on PostgreSQL. Parameters: pattern, a LIKE pattern of the case-folded
-- text with % _ \ escaped; digits, the text's digits when it has 3 or more,
-- else NULL (and a LIKE against NULL matches nothing).

-- name: find_contacts :many
-- Each LIKE is served by its column's pg_trgm GIN index (see
-- migrations/contacts/postgresql): contacts.name_key, contact_emails.email_key,
-- contact_phones.digits. The union of the three gives the matching ids, and
-- only those contacts are read. Patterns under 3 characters have no trigram
-- to look up and PostgreSQL scans instead.
WITH matches AS (
    SELECT id FROM contacts WHERE name_key LIKE :pattern ESCAPE '\'
    UNION
    SELECT contact_id FROM contact_emails WHERE email_key LIKE :pattern ESCAPE '\'
    UNION
    SELECT contact_id FROM contact_phones WHERE digits LIKE '%' || :digits || '%'
)
SELECT r.id, r.uid, r.name, r.phones, r.emails, r.created_at, r.updated_at
  FROM matches m
  JOIN contact_rows r ON r.id = m.id
 ORDER BY r.name_key, r.id;
