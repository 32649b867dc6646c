-- One row per task-augmented call (MCP Tasks): who made it, its state, and the
-- run that holds its result. A restart marks rows still 'working' as 'failed'.
CREATE TABLE tasks (
    id              TEXT PRIMARY KEY,      -- random UUID (unguessable)
    owner           TEXT NOT NULL,         -- identity source:name of the creator
    tool            TEXT NOT NULL,
    status          TEXT NOT NULL,         -- working | completed | failed | cancelled
    message         TEXT NOT NULL,         -- why it failed, '' otherwise
    run_id          TEXT,                  -- the run with the result, when kept
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    ttl_ms          BIGINT NOT NULL        -- readable until updated_at_ms + ttl_ms
);
CREATE INDEX tasks_status ON tasks (status);
