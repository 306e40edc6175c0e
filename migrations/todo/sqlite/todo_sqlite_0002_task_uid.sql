-- Every task gets a stable uid: a UUID made at creation and kept by export
-- and import, so importing the same export twice finds the tasks it already
-- has instead of duplicating them.
--
-- SQLite cannot add a NOT NULL column without a default, nor a UNIQUE one,
-- and rebuilding the table would have to drop it under task_tags' foreign
-- key. So: a plain column, filled for the existing rows, a unique index, and
-- triggers that refuse a task without a uid.

ALTER TABLE tasks ADD COLUMN uid TEXT;

-- A random (version 4) UUID per existing row; each randomblob() call is
-- evaluated per row, and the unique index below would refuse a repeat.
UPDATE tasks SET uid =
       lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
    || substr(lower(hex(randomblob(2))), 2) || '-'
    || substr('89ab', 1 + abs(random() % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'
    || lower(hex(randomblob(6)));

CREATE UNIQUE INDEX tasks_uid ON tasks (uid);

CREATE TRIGGER tasks_uid_required_on_insert BEFORE INSERT ON tasks
WHEN NEW.uid IS NULL
BEGIN
    SELECT RAISE(ABORT, 'NOT NULL constraint failed: tasks.uid');
END;

CREATE TRIGGER tasks_uid_required_on_update BEFORE UPDATE OF uid ON tasks
WHEN NEW.uid IS NULL
BEGIN
    SELECT RAISE(ABORT, 'NOT NULL constraint failed: tasks.uid');
END;

DROP VIEW task_rows;

-- As before, with the uid.
CREATE VIEW task_rows AS
SELECT t.id, t.uid, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT group_concat(name, ',')
          FROM (SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = t.id ORDER BY g.name)) AS tags
  FROM tasks t;
