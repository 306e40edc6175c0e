-- name: tasks_by_uid :many
-- The stored tasks whose uid is among :uids, a JSON array of uid strings:
-- one query for a whole import chunk. One JSON parameter rather than one
-- parameter per uid keeps clear of SQLite's limit on parameters per statement;
-- the unique index on uid serves each lookup.
SELECT uid, id
  FROM tasks
 WHERE uid IN (SELECT value FROM json_each(:uids));

