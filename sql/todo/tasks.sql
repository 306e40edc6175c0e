-- Queries on tasks; both engines share them. Tasks are read through the
-- task_rows view, which adds each task's tags (see the migrations).

-- name: insert_task :scalar
-- Insert one task and return its new id.
INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, completed_at)
VALUES (:uid, :description, :search_key, :completed, :priority, :due, :created_at, :completed_at)
RETURNING id;

-- name: get_task :one
SELECT id, uid, description, completed, priority, due, created_at, completed_at, tags
  FROM task_rows
 WHERE id = :id;

-- name: list_tasks :many
-- Filter by status (null for all), tag and a LIKE pattern on the case-folded
-- description; ordered by due date (undated last), then priority (high
-- first, none last), then id. The casts tell PostgreSQL the type of a null
-- parameter.
SELECT id, uid, description, completed, priority, due, created_at, completed_at, tags
  FROM task_rows
 WHERE completed = coalesce(:completed, completed)
   AND (CAST(:tag AS TEXT) IS NULL OR id IN (SELECT tt.task_id
                                 FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                                WHERE g.name = :tag))
   AND (CAST(:pattern AS TEXT) IS NULL OR search_key LIKE :pattern ESCAPE '\')
 ORDER BY due IS NULL, due,
          CASE priority WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
          id;

-- name: all_tasks :many
-- Every task in id order, for export.
SELECT id, uid, description, completed, priority, due, created_at, completed_at, tags
  FROM task_rows
 ORDER BY id;

-- name: complete_task :rowcount
-- Mark a pending task done; an already-done task keeps its completed_at.
UPDATE tasks SET completed = TRUE, completed_at = :completed_at
 WHERE id = :id AND completed = FALSE;

-- name: reopen_task :rowcount
UPDATE tasks SET completed = FALSE, completed_at = NULL
 WHERE id = :id AND completed = TRUE;

-- name: update_task :exec
UPDATE tasks
   SET description = :description, search_key = :search_key, due = :due, priority = :priority
 WHERE id = :id;

-- name: delete_task :rowcount
DELETE FROM tasks WHERE id = :id;
