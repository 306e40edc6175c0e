-- Tags live in their own table; task_tags links them to tasks.

-- name: insert_tag :exec
-- Create the tag if it is new.
INSERT INTO tags (name) VALUES (:name) ON CONFLICT (name) DO NOTHING;

-- name: link_tag :exec
INSERT INTO task_tags (task_id, tag_id)
SELECT :task_id, id FROM tags WHERE name = :name
ON CONFLICT DO NOTHING;

-- name: unlink_tag :exec
DELETE FROM task_tags
 WHERE task_id = :task_id
   AND tag_id = (SELECT id FROM tags WHERE name = :name);
