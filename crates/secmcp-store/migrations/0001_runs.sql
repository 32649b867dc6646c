-- One row per tool call, accepted or refused. Portable between SQLite and
-- PostgreSQL: only TEXT, BIGINT and BYTEA (SQLite stores BYTEA values as blobs).
CREATE TABLE runs (
    id              TEXT PRIMARY KEY,      -- UUIDv7: sorts by creation time
    started_at_ms   BIGINT NOT NULL,       -- Unix time in ms when the call arrived
    duration_ms     BIGINT NOT NULL,       -- call time, arrival to answer
    run_ms          BIGINT NOT NULL,       -- tool run time (0 when nothing ran)
    client          TEXT NOT NULL,         -- stdio, or the HTTP peer
    correlation_id  TEXT NOT NULL,
    tool            TEXT NOT NULL,
    target          TEXT NOT NULL,         -- as given, redacted
    arguments       TEXT NOT NULL,         -- JSON object, secrets redacted
    pinned          TEXT NOT NULL,         -- JSON array of the addresses the tool got
    argv            TEXT NOT NULL,         -- JSON array, secrets redacted
    decision        TEXT NOT NULL,         -- accepted | refused
    code            TEXT NOT NULL,         -- error code, '' when the run succeeded
    reason          TEXT NOT NULL,         -- the message the agent read on error
    outcome         TEXT NOT NULL,         -- ok | an error code
    summary         TEXT NOT NULL,         -- the text the agent read
    structured      TEXT NOT NULL,         -- JSON (the structuredContent), '' when none
    raw             BYTEA,                 -- the tool's machine output, deflate-compressed
    raw_bytes       BIGINT NOT NULL,       -- length of the kept raw output, uncompressed
    raw_truncated   BIGINT NOT NULL,       -- 1 when storage.max_raw_bytes cut it
    size_bytes      BIGINT NOT NULL        -- stored size of the row's payloads (retention)
);
CREATE INDEX runs_started ON runs (started_at_ms);
CREATE INDEX runs_tool_target ON runs (tool, target, id);

-- Every address a run was pinned to, one row each: history by address or CIDR.
CREATE TABLE run_addresses (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    address  TEXT NOT NULL
);
CREATE INDEX run_addresses_address ON run_addresses (address);
CREATE INDEX run_addresses_run ON run_addresses (run_id);
