-- Google News article ids resolved to publisher URLs (or not): each id is asked of
-- Google once, a failure is retried on a few later runs.
CREATE TABLE IF NOT EXISTS google_news_links (
    article_token   VARCHAR PRIMARY KEY,
    url             VARCHAR,
    status          VARCHAR NOT NULL,       -- resolved | failed
    error           VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

ALTER TABLE runs ADD COLUMN IF NOT EXISTS links_unresolved INTEGER DEFAULT 0;
