-- name: use_utc_session :exec
-- Timestamps come back in UTC whatever the server's or role's TimeZone: in
-- another zone, 0001-01-01T00:00:00Z would be shown as a year 0 (or
-- 9999-12-31T23:00:00Z as a year 10000) that Python's datetime cannot hold.
SET TIME ZONE 'UTC';
