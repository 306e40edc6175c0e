-- The to-do schema as its first migration made it, before tasks had a uid:
-- what a database written by an older minidb holds.

-- name: insert_task :scalar
INSERT INTO tasks (description, search_key, completed, priority, due, created_at, completed_at)
VALUES (:description, :search_key, :completed, :priority, :due, :created_at, :completed_at)
RETURNING id;

-- name: insert_tag :exec
INSERT INTO tags (name) VALUES (:name) ON CONFLICT (name) DO NOTHING;

-- name: link_tag :exec
INSERT INTO task_tags (task_id, tag_id) SELECT :task_id, id FROM tags WHERE name = :name;

-- name: all_tasks :many
SELECT id, description, completed, priority, due, created_at, completed_at, tags
  FROM task_rows
 ORDER BY id;
