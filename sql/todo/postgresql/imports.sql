-- name: tasks_by_uid :many
-- The stored tasks whose uid is among :uids, a JSON array of uid strings:
-- one query for a whole import chunk, the same parameter as on SQLite. The
-- array of uuids lets the planner probe the unique index once per uid.
SELECT CAST(uid AS text) AS uid, id
  FROM tasks
 WHERE uid = ANY (ARRAY(SELECT CAST(value AS uuid)
                          FROM json_array_elements_text(CAST(:uids AS json))));
