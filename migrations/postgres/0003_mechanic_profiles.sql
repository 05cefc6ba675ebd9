-- Why an account is suspended (or a mechanic rejected), kept with the status it explains.
ALTER TABLE users ADD COLUMN status_reason TEXT;

-- What a mechanic offers and where. One row per mechanic, written by them;
-- approval itself lives in users.status, changed only by admins.
CREATE TABLE mechanic_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    bio TEXT NOT NULL,
    skills TEXT NOT NULL,                    -- comma-separated skill names, e.g. 'brakes,tyres'
    years_experience BIGINT NOT NULL CHECK (years_experience BETWEEN 0 AND 70),
    base_lat DOUBLE PRECISION NOT NULL CHECK (base_lat BETWEEN -90 AND 90),
    base_lng DOUBLE PRECISION NOT NULL CHECK (base_lng BETWEEN -180 AND 180),
    base_address TEXT NOT NULL,
    radius_km BIGINT NOT NULL CHECK (radius_km BETWEEN 1 AND 100),
    available BIGINT NOT NULL CHECK (available IN (0, 1)),
    approved_at BIGINT,                      -- first approval, unix ms; reinstating returns to work
    updated_at BIGINT NOT NULL
);
CREATE INDEX mechanic_profiles_available ON mechanic_profiles (available);

-- A user's page in the admin console shows what was done to them.
CREATE INDEX audit_log_subject_at ON audit_log (subject, at);
