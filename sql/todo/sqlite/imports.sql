-- name: tasks_by_uid :many
-- The stored tasks whose uid is among :uids, a JSON array of uid strings:
-- one query for a whole import chunk. One JSON parameter rather than one
-- parameter per uid keeps clear of SQLite's limit on parameters per statement;
-- the unique index on uid serves each lookup.
SELECT uid, id
  FROM tasks
 WHERE uid IN (SELECT value FROM json_each(:uids));

-- name: link_imported_tags :exec
-- Tag a whole chunk of imported tasks in one statement: :pairs is a JSON
-- array of [uid, tag name] pairs; each task and tag is found by its unique
-- index.
INSERT INTO task_tags (task_id, tag_id)
SELECT t.id, g.id
  FROM json_each(:pairs) AS p
  JOIN tasks t ON t.uid = json_extract(p.value, '$[0]')
  JOIN tags g ON g.name = json_extract(p.value, '$[1]')
ON CONFLICT DO NOTHING;
