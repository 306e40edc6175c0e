-- Every task gets a stable uid: a UUID made at creation and kept by export
-- and import, so importing the same export twice finds the tasks it already
-- has instead of duplicating them. Existing tasks get a random one each.

ALTER TABLE tasks ADD COLUMN uid uuid;

UPDATE tasks SET uid = gen_random_uuid();

ALTER TABLE tasks ALTER COLUMN uid SET NOT NULL;

ALTER TABLE tasks ADD CONSTRAINT tasks_uid UNIQUE (uid);

DROP VIEW task_rows;

-- As before, with the uid.
CREATE VIEW task_rows AS
SELECT t.id, t.uid, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT string_agg(g.name, ',' ORDER BY g.name)
          FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
         WHERE tt.task_id = t.id) AS tags
  FROM tasks t;
