-- Durable real-time events, written in the transaction that makes the change
-- they describe. The id is the SSE `id:`; a client that reconnects with
-- Last-Event-ID gets every later row it may see. Who may see a row is decided
-- from the audience columns, so replay needs no join.
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,                      -- e.g. 'job:status-updated'
    job_id TEXT NOT NULL,
    data TEXT NOT NULL,                      -- the JSON sent to the client
    customer_id TEXT NOT NULL,               -- the job's customer
    mechanic_id TEXT,                        -- the booked mechanic, or the quote's mechanic
    nearby_lat DOUBLE PRECISION,             -- set when mechanics within reach of here see it too
    nearby_lng DOUBLE PRECISION,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_job ON events (job_id, id);
CREATE INDEX events_created ON events (created_at);

-- The newest event id removed by retention: a client asking to resume from
-- before it has missed events it can no longer get, and is told to refetch.
CREATE TABLE events_pruned (
    one BIGINT PRIMARY KEY CHECK (one = 1),
    through_id BIGINT NOT NULL
);
INSERT INTO events_pruned (one, through_id) VALUES (1, 0);
