-- The contacts schema on PostgreSQL. Identity columns so ids are never reused.
--
-- name_key and email_key are case-folded in Python (str.casefold), so both
-- engines agree on what is a duplicate and on the order of names; they are
-- COLLATE "C" so that order is code-point order on every server, whatever
-- the database's locale (SQLite compares the same way).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    name_key   text COLLATE "C" NOT NULL,
    -- E.164: '+', then up to 15 digits
    phone      text CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    email      text,
    email_key  text COLLATE "C" CHECK ((email IS NULL) = (email_key IS NULL)),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Uniqueness lives here, not in a check-then-insert: two sessions adding
    -- the same phone or e-mail at once cannot both succeed.
    CONSTRAINT contacts_phone_unique UNIQUE (phone)
);

CREATE UNIQUE INDEX contacts_email_unique ON contacts (email_key);

-- list and find order: case-folded name, then id.
CREATE INDEX contacts_by_name ON contacts (name_key, id);

-- Substring search: find runs name_key/email_key LIKE '%text%' and
-- phone LIKE '%digits%'. A B-tree cannot serve a leading wildcard; pg_trgm's
-- GIN operator class can (for 3 or more characters), so a find reads the
-- matching rows instead of the whole table. One index per column so the
-- planner can OR their bitmaps.
CREATE INDEX contacts_name_trgm ON contacts USING gin (name_key gin_trgm_ops);
CREATE INDEX contacts_email_trgm ON contacts USING gin (email_key gin_trgm_ops);
CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops);
