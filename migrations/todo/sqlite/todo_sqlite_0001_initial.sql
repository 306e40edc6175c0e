-- The to-do schema on SQLite: tasks, tags, and the link between them.
-- TIMESTAMP and DATE are declared so sqlite3 converts them back (see
-- minidb/db/engines/sqlite.py); AUTOINCREMENT so ids are never reused.

CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    description  TEXT NOT NULL
                 CHECK (length(trim(description)) BETWEEN 1 AND 1000),
    -- case-folded description, computed in Python so both engines agree
    search_key   TEXT NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    priority     TEXT CHECK (priority IN ('high', 'medium', 'low')),
    due          DATE CHECK (due IS NULL OR date(due) = due),
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
         CHECK (length(name) BETWEEN 1 AND 50 AND name = lower(name)
                AND name NOT GLOB '*[^a-z0-9_-]*')
);

CREATE TABLE task_tags (
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
) WITHOUT ROWID;

-- The tag filter: from a tag to its tasks.
CREATE INDEX task_tags_by_tag ON task_tags (tag_id, task_id);

-- The list order: status, due date with undated last, priority
-- rank with none last, id. The list query orders by these same expressions.
CREATE INDEX tasks_list_order ON tasks (
    completed,
    due IS NULL,
    due,
    CASE priority WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
    id
);

-- One row per task with its tags as a comma-separated, sorted string
-- (tag names cannot contain commas). Queries read tasks through this view,
-- so the one dialect difference, the aggregate, lives here.
CREATE VIEW task_rows AS
SELECT t.id, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT group_concat(name, ',')
          FROM (SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = t.id ORDER BY g.name)) AS tags
  FROM tasks t;
