DROP VIEW task_rows;

CREATE VIEW task_rows AS
SELECT t.id, t.uid, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT group_concat(name, ',')
          FROM (SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = t.id ORDER BY g.name)) AS tags
  FROM tasks t;
