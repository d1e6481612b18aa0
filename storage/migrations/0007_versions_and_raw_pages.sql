-- Pages that change under one URL (article versions, re-check schedule) and the fetched
-- HTML kept compressed with its headers, so `newswatch reprocess` works offline (issue 14).
CREATE TABLE IF NOT EXISTS raw_pages (
    page_id          VARCHAR PRIMARY KEY,     -- url + fetch time
    article_id       VARCHAR,                 -- the article it became, when it became one
    url              VARCHAR NOT NULL,        -- the link as found
    canonical_url    VARCHAR NOT NULL,
    final_url        VARCHAR,
    fetched_at       TIMESTAMPTZ NOT NULL,
    http_status      INTEGER,
    headers          VARCHAR,                 -- JSON list of [name, value]
    html_zlib        BLOB NOT NULL,
    html_bytes       INTEGER NOT NULL,
    stored_bytes     INTEGER NOT NULL,
    source           VARCHAR,
    link_title       VARCHAR,
    link_published_at TIMESTAMPTZ,
    watch            VARCHAR
);
CREATE INDEX IF NOT EXISTS raw_pages_fetched ON raw_pages (fetched_at);

CREATE TABLE IF NOT EXISTS article_versions (
    article_id     VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    text_hash      VARCHAR NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    added_parts    VARCHAR[],
    removed_parts  VARCHAR[],
    page_id        VARCHAR,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE IF NOT EXISTS article_rechecks (
    url              VARCHAR NOT NULL,        -- the canonical link URL that is re-fetched
    watch            VARCHAR NOT NULL,
    etag             VARCHAR,
    last_modified    VARCHAR,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    published_at     TIMESTAMPTZ,
    interval_seconds DOUBLE NOT NULL,
    next_check_at    TIMESTAMPTZ,            -- NULL: never again
    PRIMARY KEY (watch, url)
);

-- Candidates a reprocess job has re-derived so far; a killed job resumes from here.
CREATE TABLE IF NOT EXISTS reprocess_checkpoints (
    job_id      VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    candidates  VARCHAR NOT NULL,       -- JSON list of candidate events
    text        VARCHAR,                -- re-cleaned text (stage clean/all), else NULL
    PRIMARY KEY (job_id, article_id)
);
