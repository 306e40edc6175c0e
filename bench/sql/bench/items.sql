-- A one-column table for the worst case of the query-module benchmark: the
-- SQL costs next to nothing, so the module's own per-call cost shows most.

-- name: insert_item :scalar
INSERT INTO bench_items (name) VALUES (:name) RETURNING id;

-- name: get_item :one
SELECT id, name FROM bench_items WHERE id = :id;
