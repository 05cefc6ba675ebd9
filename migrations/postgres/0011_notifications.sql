-- The notification centre: what each user was told, newest first. Written
-- in the transaction that records the event it is about, so a change is
-- never made without its notification, nor a notification without its change.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,            -- UUIDv7
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                      -- NoticeKind: new_quote, booking, on_the_way, ...
    job_id TEXT REFERENCES jobs (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,                      -- the page it opens, a path on this site
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- One browser or phone that asked for push messages (its PushSubscription).
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,                  -- the push service's URL for this device
    p256dh TEXT NOT NULL,                    -- the device's public key (base64url)
    auth TEXT NOT NULL,                      -- its authentication secret (base64url)
    label TEXT NOT NULL,                     -- "Chrome on Android", for the device list
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Which kinds reach a user's devices, and when not (quiet hours in their
-- time zone). No row: every kind, no quiet hours.
CREATE TABLE notification_settings (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted TEXT NOT NULL,                     -- comma-separated kinds not pushed
    quiet_start BIGINT,                      -- minutes after local midnight
    quiet_end BIGINT,
    time_zone TEXT NOT NULL,                 -- IANA name, e.g. Europe/London
    updated_at BIGINT NOT NULL
);

-- Pushes still to send: one row per notification and device, written with
-- the notification and deleted once the push service took it (or the
-- device is gone). A sender claims rows for a while (claimed_until); rows
-- of a sender that died are claimed again when that runs out.
CREATE TABLE push_outbox (
    id BIGSERIAL PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_until BIGINT,
    claim TEXT,                              -- the claiming sender's batch id
    last_error TEXT
);
CREATE INDEX push_outbox_due ON push_outbox (next_at);
CREATE INDEX push_outbox_claim ON push_outbox (claim);
