-- find on PostgreSQL. Parameters: pattern, a LIKE pattern of the case-folded
-- text with % _ \ escaped; digits, the text's digits when it has 3 or more,
-- else NULL (and a LIKE against NULL matches nothing).

-- name: find_contacts :many
-- Each LIKE is served by its column's pg_trgm GIN index (see
-- migrations/contacts/postgresql): the planner ORs the three bitmaps and
-- reads only the matching rows. Patterns under 3 characters have no
-- trigram to look up and PostgreSQL scans instead.
SELECT id, name, phone, email, created_at, updated_at
  FROM contacts
 WHERE name_key LIKE :pattern ESCAPE '\'
    OR email_key LIKE :pattern ESCAPE '\'
    OR phone LIKE '%' || :digits || '%'
 ORDER BY name_key, id;
