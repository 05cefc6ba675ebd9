-- A customer's garage. A removed vehicle is hidden, not deleted: past jobs still name it.
CREATE TABLE vehicles (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    year BIGINT NOT NULL,
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    trim TEXT,
    colour TEXT NOT NULL,
    plate TEXT NOT NULL,                     -- upper case: 'AB12 CDE'
    vin TEXT,                                -- 17 characters, check digit verified
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX vehicles_owner ON vehicles (owner_id, created_at);

-- A request for a mechanic, and where it stands.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES users (id),
    vehicle_id TEXT NOT NULL REFERENCES vehicles (id),
    category TEXT NOT NULL,                  -- a skill name, e.g. 'brakes'
    description TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng DOUBLE PRECISION NOT NULL CHECK (lng BETWEEN -180 AND 180),
    address TEXT NOT NULL,                   -- exact: only the customer, the booked mechanic and admins see it
    locality TEXT NOT NULL,                  -- the area, shown to mechanics deciding whether to quote
    urgency TEXT NOT NULL CHECK (urgency IN ('asap', 'window')),
    window_start BIGINT,
    window_end BIGINT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'quoted', 'accepted', 'en_route', 'arrived', 'in_progress', 'completed', 'cancelled')),
    mechanic_id TEXT REFERENCES users (id),  -- set when a quote is accepted
    accepted_quote_id TEXT,
    cancel_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_customer ON jobs (customer_id, created_at);
CREATE INDEX jobs_mechanic ON jobs (mechanic_id, updated_at);
-- Open jobs near a mechanic: by status, then a latitude band.
CREATE INDEX jobs_open ON jobs (status, lat);

-- Quotes: line items as JSON, the total computed by the server from them.
CREATE TABLE quotes (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    mechanic_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('live', 'accepted', 'declined', 'withdrawn')),
    items TEXT NOT NULL,                     -- JSON: [{"kind","description","amount":{"cents","currency"}}]
    total_cents BIGINT NOT NULL CHECK (total_cents > 0),
    currency TEXT NOT NULL,
    note TEXT,
    arrival_minutes BIGINT NOT NULL CHECK (arrival_minutes > 0),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One live quote per mechanic per job; revising updates it in place.
CREATE UNIQUE INDEX quotes_one_live ON quotes (job_id, mechanic_id) WHERE status = 'live';
CREATE INDEX quotes_job ON quotes (job_id, created_at);
CREATE INDEX quotes_mechanic ON quotes (mechanic_id, created_at);

-- Every status change of a job: who, from, to, when, why.
CREATE TABLE job_timeline (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    from_status TEXT,                        -- NULL on the row that records the request
    to_status TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    actor_role TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX job_timeline_job ON job_timeline (job_id, at);
