-- Refunds under way: set aside in the same conditional UPDATE that checks
-- what is left, before the provider is asked, so refunds sent at the same
-- moment can never give back more than was taken together. Moved into
-- `refunded_cents` when the provider agrees, given back when it refuses.
ALTER TABLE payments ADD COLUMN refund_pending_cents BIGINT NOT NULL DEFAULT 0 CHECK (refund_pending_cents >= 0);
