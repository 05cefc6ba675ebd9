-- Accounts, their sessions, and failed logins (kept so a restart does not reset a lock-out).
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,            -- UUIDv7
    email TEXT NOT NULL,                     -- as typed (trimmed)
    email_lower TEXT NOT NULL,               -- the key: one account per address in any case
    name TEXT NOT NULL,
    phone TEXT,
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    role TEXT NOT NULL CHECK (role IN ('customer', 'mechanic', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('active', 'pending_approval', 'suspended')),
    created_at BIGINT NOT NULL,              -- unix milliseconds
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);
CREATE INDEX users_role_created ON users (role, created_at);

-- A JWT names one row here; revoking the row ends the token at once.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,            -- UUIDv7, the token's `sid`
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed login, looked up per email and per client address.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    email_lower TEXT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX login_failures_email_at ON login_failures (email_lower, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);
