-- name: tasks_by_uid :many
-- The stored tasks whose uid is among :uids, a JSON array of uid strings:
-- one query for a whole import chunk, the same parameter as on SQLite. The
-- array of uuids lets the planner probe the unique index once per uid.
SELECT CAST(uid AS text) AS uid, id
  FROM tasks
 WHERE uid = ANY (ARRAY(SELECT CAST(value AS uuid)
                          FROM json_array_elements_text(CAST(:uids AS json))));

-- name: link_imported_tags :exec
-- Tag a whole chunk of imported tasks in one statement: :pairs is a JSON
-- array of [uid, tag name] pairs, as on SQLite; one statement rather than a
-- pipelined one per pair, which cost the server more than the inserts did.
INSERT INTO task_tags (task_id, tag_id)
SELECT t.id, g.id
  FROM json_array_elements(CAST(:pairs AS json)) AS p
  JOIN tasks t ON t.uid = CAST(p ->> 0 AS uuid)
  JOIN tags g ON g.name = p ->> 1
ON CONFLICT DO NOTHING;
