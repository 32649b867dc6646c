-- What the servers on one store share, so a request that a load balancer
-- sends to another instance is understood there too.
--
-- server_keys: secrets made once, by the first server that needs one (e.g.
-- the key that seals the requestState of `elicit` approval rounds), as hex.
CREATE TABLE server_keys (
    name            TEXT PRIMARY KEY,
    secret          TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL
);

-- The nonces of answered approval rounds until they would have expired: a
-- round runs one call, on whichever server it reaches.
CREATE TABLE used_nonces (
    nonce           TEXT PRIMARY KEY,
    expires_at_ms   BIGINT NOT NULL
);
