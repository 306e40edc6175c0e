-- find on SQLite, served by the FTS5 trigram table contacts_search (see
-- migrations/contacts/sqlite). Parameters: key, the case-folded text;
-- pattern, a LIKE pattern of it with % _ \ escaped; digits, the text's
-- digits when it has 3 or more, else NULL.

-- name: find_contacts :many
-- With 3 or more characters the trigram index yields the candidate rows: a
-- quoted FTS5 phrase (inner " doubled) matches wherever the text occurs, in
-- name_key or email_key, or the digits in phone. Shorter texts contain no
-- trigram to look up, so every row is a candidate; the length test is
-- constant, and SQLite evaluates it once, before reading anything. Either
-- way the LIKE test below decides, so both paths (and PostgreSQL) give the
-- same answer.
SELECT id, name, phone, email, created_at, updated_at
  FROM contacts
 WHERE id IN (SELECT rowid
                FROM contacts_search
               WHERE length(:key) >= 3
                 AND contacts_search MATCH
                     '{name_key email_key} : "' || replace(:key, '"', '""') || '"'
                     || coalesce(' OR phone : "' || :digits || '"', '')
              UNION ALL
              SELECT id FROM contacts WHERE length(:key) < 3)
   AND (name_key LIKE :pattern ESCAPE '\'
        OR email_key LIKE :pattern ESCAPE '\'
        OR phone LIKE '%' || :digits || '%')
 ORDER BY name_key, id;
