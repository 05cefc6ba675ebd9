-- The booked mechanic's latest position, on the job itself: written in
-- batches (at most one transaction a second per server), shown to the
-- customer and admins while the job is en route, arrived or in progress,
-- and cleared when the job ends.
ALTER TABLE jobs ADD COLUMN fix_lat REAL;
ALTER TABLE jobs ADD COLUMN fix_lng REAL;
ALTER TABLE jobs ADD COLUMN fix_accuracy_m REAL;
ALTER TABLE jobs ADD COLUMN fix_heading REAL;
ALTER TABLE jobs ADD COLUMN fix_speed_mps REAL;
ALTER TABLE jobs ADD COLUMN fix_at BIGINT;         -- when the phone took it, unix ms

-- The way there, kept only while the job is active: purged when it ends,
-- or thinned to a coarse trail (LOCATION_TRAIL=coarse).
CREATE TABLE job_fixes (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    lat REAL NOT NULL,
    lng REAL NOT NULL,
    accuracy_m REAL NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX job_fixes_job_at ON job_fixes (job_id, at);
