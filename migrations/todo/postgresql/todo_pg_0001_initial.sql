-- The to-do schema on PostgreSQL: tasks, tags, and the link between them.
-- Identity columns so ids are never reused.

CREATE TABLE tasks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    description  text NOT NULL
                 CHECK (char_length(btrim(description)) BETWEEN 1 AND 1000),
    -- case-folded description, computed in Python so both engines agree
    search_key   text NOT NULL,
    completed    boolean NOT NULL DEFAULT false,
    priority     text CHECK (priority IN ('high', 'medium', 'low')),
    due          date,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz
);

CREATE TABLE tags (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE
         CHECK (name ~ '^[a-z0-9_-]{1,50}$')
);

CREATE TABLE task_tags (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id  bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
);

-- The tag filter: from a tag to its tasks.
CREATE INDEX task_tags_by_tag ON task_tags (tag_id, task_id);

-- The list order: status, due date with undated last, priority
-- rank with none last, id. The list query orders by these same expressions.
CREATE INDEX tasks_list_order ON tasks (
    completed,
    (due IS NULL),
    due,
    (CASE priority WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END),
    id
);

-- One row per task with its tags as a comma-separated, sorted string
-- (tag names cannot contain commas). Queries read tasks through this view,
-- so the one dialect difference, the aggregate, lives here.
CREATE VIEW task_rows AS
SELECT t.id, t.description, t.search_key, t.completed, t.priority, t.due,
       t.created_at, t.completed_at,
       (SELECT string_agg(g.name, ',' ORDER BY g.name)
          FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
         WHERE tt.task_id = t.id) AS tags
  FROM tasks t;
