-- find on SQLite, served by the FTS5 trigram tables (see
-- migrations/contacts/sqlite). Parameters: key, the case-folded text;
-- pattern, a LIKE pattern of it with % _ \ escaped; digits, the text's
-- digits when it has 3 or more, else NULL.

-- name: find_contacts :many
-- With 3 or more characters the trigram indexes yield the candidates: a
-- quoted FTS5 phrase (inner " doubled) matches wherever the text occurs in
-- a name or an e-mail, or the digits in a phone. Shorter texts contain no
-- trigram to look up, so every contact is a candidate; the length test is
-- constant, and SQLite evaluates it once, before reading anything. Either
-- way the LIKE tests below decide, so both paths (and PostgreSQL) give the
-- same answer.
WITH matches (id) AS (
    SELECT rowid
      FROM contacts_search
     WHERE length(:key) >= 3
       AND contacts_search MATCH '"' || replace(:key, '"', '""') || '"'
    UNION
    SELECT e.contact_id
      FROM contact_emails_search s
      JOIN contact_emails e ON e.id = s.rowid
     WHERE length(:key) >= 3
       AND contact_emails_search MATCH '"' || replace(:key, '"', '""') || '"'
    UNION
    SELECT p.contact_id
      FROM contact_phones_search s
      JOIN contact_phones p ON p.id = s.rowid
     -- No digits: a one-character phrase, which no trigram index matches.
     WHERE contact_phones_search MATCH coalesce('"' || :digits || '"', '"-"')
    UNION
    SELECT id FROM contacts WHERE length(:key) < 3
)
SELECT r.id, r.uid, r.name, r.phones, r.emails, r.created_at, r.updated_at
  FROM contact_rows r
 WHERE r.id IN matches
   AND (r.name_key LIKE :pattern ESCAPE '\'
        OR EXISTS (SELECT 1 FROM contact_emails e
                    WHERE e.contact_id = r.id AND e.email_key LIKE :pattern ESCAPE '\')
        OR EXISTS (SELECT 1 FROM contact_phones p
                    WHERE p.contact_id = r.id AND p.digits LIKE '%' || :digits || '%'))
 ORDER BY r.name_key, r.id;
