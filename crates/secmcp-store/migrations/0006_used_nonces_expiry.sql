-- Each answered round deletes the nonces past their expiry: by index, not by
-- reading the whole table. (A migration of its own: version 5 was already
-- applied without it.)
CREATE INDEX used_nonces_expiry ON used_nonces (expires_at_ms);
