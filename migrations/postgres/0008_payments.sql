-- Payments: one row per attempt to pay for an accepted quote. Amounts in
-- minor units of `currency`; card numbers never reach this server (only
-- the brand and last four digits the payment provider reports).
CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    quote_id TEXT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES users (id),
    mechanic_id TEXT NOT NULL REFERENCES users (id),
    -- One attempt under way per quote: set to the quote's id while the
    -- attempt may still book the job, cleared when it fails, so a second
    -- card can be tried but 50 taps at once start one payment.
    attempt_key TEXT UNIQUE,
    provider TEXT NOT NULL CHECK (provider IN ('stripe', 'demo')),
    intent_id TEXT UNIQUE,                   -- Stripe's PaymentIntent id (pi_...), or demo_...
    status TEXT NOT NULL CHECK (status IN ('starting', 'requires_action', 'authorized', 'captured', 'partially_refunded', 'refunded', 'released', 'failed')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),        -- authorized
    captured_cents BIGINT NOT NULL DEFAULT 0 CHECK (captured_cents >= 0),
    refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
    currency TEXT NOT NULL,
    card_brand TEXT,
    card_last4 TEXT,
    failure TEXT,                            -- the provider's words, shown to the customer
    adjust_reason TEXT,                      -- why less than authorized was captured
    disputed_at BIGINT,
    authorized_at BIGINT,
    captured_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payments_job ON payments (job_id, created_at);
CREATE INDEX payments_status ON payments (status, created_at);

-- What happened to a payment, newest last: our own calls to the provider
-- and the provider's webhook events. `event_id` is the provider's event
-- id for webhooks, unique so that a replayed event is processed once.
CREATE TABLE payment_events (
    id TEXT PRIMARY KEY NOT NULL,
    payment_id TEXT REFERENCES payments (id) ON DELETE CASCADE,
    event_id TEXT UNIQUE,
    kind TEXT NOT NULL,                      -- 'payment_intent.succeeded', 'capture', 'refund', ...
    amount_cents BIGINT,
    detail TEXT,
    actor_id TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (payment_id, at);
