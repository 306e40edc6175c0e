DROP VIEW task_rows;

CREATE VIEW task_rows AS
SELECT t.id, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT group_concat(name, ',')
          FROM (SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = t.id ORDER BY g.name)) AS tags
  FROM tasks t;

DROP TRIGGER tasks_uid_required_on_update;
DROP TRIGGER tasks_uid_required_on_insert;
DROP INDEX tasks_uid;
ALTER TABLE tasks DROP COLUMN uid;
