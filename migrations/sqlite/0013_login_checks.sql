-- A login attempt is `checking` while its password is being checked and
-- `failed` once it was wrong. Only failures lock an email or an address;
-- checks in flight only queue later ones (so parallel guesses still never
-- pass the limit, and parallel right passwords are never told they failed).
ALTER TABLE login_failures ADD COLUMN state TEXT NOT NULL DEFAULT 'failed' CHECK (state IN ('checking', 'failed'));
