-- Source health that speaks: the state last announced to the operator, the runs that
-- brought new links (to learn each source's usual rhythm), and the operator notices
-- (sent through the outbox, `alerts.kind = 'ops'`, so each goes out once).
ALTER TABLE sources ADD COLUMN IF NOT EXISTS health VARCHAR DEFAULT 'healthy';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS health_changed_at TIMESTAMPTZ;
ALTER TABLE sources ADD COLUMN IF NOT EXISTS last_new_links_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS source_news (
    watch       VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    new_links   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS source_news_source ON source_news (watch, source);

CREATE TABLE IF NOT EXISTS ops_notices (
    notice_id   VARCHAR PRIMARY KEY,
    watch       VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    state       VARCHAR NOT NULL,
    detail      VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    run_id      VARCHAR
);
