-- Conversations about a job: one thread per (job, mechanic), between the
-- job's customer and a mechanic who quoted or was booked. Made on the
-- first message. Read positions are message sequence numbers.
CREATE TABLE threads (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES users (id),
    mechanic_id TEXT NOT NULL REFERENCES users (id),
    customer_read_seq BIGINT NOT NULL DEFAULT 0,
    mechanic_read_seq BIGINT NOT NULL DEFAULT 0,
    last_seq BIGINT NOT NULL DEFAULT 0,
    -- Who reported the conversation: the other party may no longer send.
    blocked_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (job_id, mechanic_id)
);
CREATE INDEX threads_customer ON threads (customer_id);
CREATE INDEX threads_mechanic ON threads (mechanic_id);

CREATE TABLE messages (
    -- The server's order: pages are cut on it, so no message is skipped or
    -- shown twice while new ones arrive.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Chosen by the sending client, so a resend after a lost answer is
    -- recognised and never stored twice.
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    sender_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'image')),
    body TEXT NOT NULL,
    media TEXT,                              -- a stored photo's key, for kind 'image'
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_thread ON messages (thread_id, seq);
CREATE INDEX messages_sender ON messages (sender_id, created_at);

CREATE TABLE chat_reports (
    id TEXT PRIMARY KEY NOT NULL,
    thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT REFERENCES users (id),
    outcome TEXT
);
CREATE INDEX chat_reports_open ON chat_reports (closed_at, created_at);
