-- Who did what to what, and when. Later features append to it; nothing edits it.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,          -- UUIDv7, time-sortable
    at BIGINT NOT NULL,                    -- unix milliseconds
    actor TEXT,                            -- user id; NULL for the system
    action TEXT NOT NULL,                  -- e.g. 'mechanic.approve'
    subject TEXT,                          -- the id acted upon
    detail TEXT NOT NULL DEFAULT '{}'      -- JSON
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at);
CREATE INDEX audit_log_action_at ON audit_log (action, at);
