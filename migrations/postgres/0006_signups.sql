-- Every registration attempt, by client address: sign-ups are limited per
-- address (an "already exists" answer tells whether an email has an
-- account, so it must not be free to ask a million times).
CREATE TABLE signup_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,              -- unix milliseconds
    ip TEXT NOT NULL
);
CREATE INDEX signup_attempts_ip_at ON signup_attempts (ip, at);
