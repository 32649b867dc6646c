-- Intrusive runs waiting for a person (security.approval: operator): the
-- server writes a 'pending' row and waits; `secmcp approvals approve|deny`
-- decides it from another process; the server then runs or refuses the call.
CREATE TABLE approvals (
    id              TEXT PRIMARY KEY,      -- random (unguessable), shown to the operator
    owner           TEXT NOT NULL,         -- identity source:name of the caller
    correlation_id  TEXT NOT NULL,
    tool            TEXT NOT NULL,
    pinned          TEXT NOT NULL,         -- JSON list of the pinned addresses
    argv            TEXT NOT NULL,         -- JSON list, secrets masked
    status          TEXT NOT NULL,         -- pending | approved | denied | expired | withdrawn
    decided_by      TEXT NOT NULL,         -- who decided ('' while pending)
    reason          TEXT NOT NULL,         -- the operator's reason for a denial
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    decided_at_ms   BIGINT
);
CREATE INDEX approvals_status ON approvals (status, created_at_ms);

-- A copy of every sealed audit record (the audit file is the original): kept
-- apart from the file, it shows records cut from the end of the file, which
-- the hash chain alone cannot.
CREATE TABLE audit_records (
    hash            TEXT PRIMARY KEY,      -- the record's own hash (unique)
    seq             BIGINT NOT NULL,
    at_ms           BIGINT NOT NULL,       -- when the copy was kept
    line            TEXT NOT NULL          -- the sealed line, byte for byte
);
CREATE INDEX audit_records_seq ON audit_records (seq);
