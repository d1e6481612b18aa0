-- newswatch database schema (version 1).
--
-- This file is the whole schema of a fresh database, written to be read. Later changes
-- go in storage/migrations/NNNN_name.sql, applied in order and recorded in
-- schema_migrations. Columns named in DESIGN.md are a contract: never rename or drop them.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- One row per monitoring pass.
CREATE TABLE IF NOT EXISTS runs (
    run_id              VARCHAR PRIMARY KEY,
    watch               VARCHAR NOT NULL,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,         -- running | completed | failed
    alerts_enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    sources_ok          INTEGER DEFAULT 0,
    sources_failed      INTEGER DEFAULT 0,
    links_found         INTEGER DEFAULT 0,
    links_new           INTEGER DEFAULT 0,
    links_unresolved    INTEGER DEFAULT 0,      -- aggregator links with no publisher URL
    pages_fetched       INTEGER DEFAULT 0,
    pages_failed        INTEGER DEFAULT 0,
    pages_skipped       INTEGER DEFAULT 0,
    articles_stored     INTEGER DEFAULT 0,
    articles_relevant   INTEGER DEFAULT 0,
    copies_found        INTEGER DEFAULT 0,
    events_new          INTEGER DEFAULT 0,
    events_updated      INTEGER DEFAULT 0,
    mentions_added      INTEGER DEFAULT 0,
    alerts_queued       INTEGER DEFAULT 0,
    alerts_sent         INTEGER DEFAULT 0,
    alerts_failed       INTEGER DEFAULT 0,
    failing_sources     VARCHAR[],
    error               VARCHAR,
    flow_run_id         VARCHAR
);

-- Per source: conditional-GET validators and health.
CREATE TABLE IF NOT EXISTS sources (
    watch                   VARCHAR NOT NULL,
    source                  VARCHAR NOT NULL,
    kind                    VARCHAR NOT NULL,
    url                     VARCHAR,
    etag                    VARCHAR,
    last_modified           VARCHAR,
    last_checked_at         TIMESTAMPTZ,
    last_success_at         TIMESTAMPTZ,
    last_error_at           TIMESTAMPTZ,
    last_error              VARCHAR,
    last_status             VARCHAR,            -- ok | not_modified | failed
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    links_last_seen         INTEGER DEFAULT 0,
    health                  VARCHAR DEFAULT 'healthy',  -- healthy | broken | stale, as last announced
    health_changed_at       TIMESTAMPTZ,
    last_new_links_at       TIMESTAMPTZ,                -- the last run that brought a new link
    body_sha256             VARCHAR,                    -- the body last read in full (feeds without validators)
    PRIMARY KEY (watch, source)
);

-- Runs that brought new links from a source: its usual rhythm, to tell when it is stale.
CREATE TABLE IF NOT EXISTS source_news (
    watch       VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    new_links   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS source_news_source ON source_news (watch, source);

-- Messages to the operator (a source broke, went stale, recovered), sent through the
-- outbox as `alerts` rows of kind 'ops' whose event_id is the notice_id.
CREATE TABLE IF NOT EXISTS ops_notices (
    notice_id   VARCHAR PRIMARY KEY,
    watch       VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    state       VARCHAR NOT NULL,                       -- broken | stale | recovered
    detail      VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    run_id      VARCHAR
);

-- Google News article ids resolved to publisher URLs (or not), asked of Google once.
CREATE TABLE IF NOT EXISTS google_news_links (
    article_token   VARCHAR PRIMARY KEY,
    url             VARCHAR,
    status          VARCHAR NOT NULL,                   -- resolved | failed
    error           VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- Per page fetch: the outcome, so "why is this article missing" has an answer.
CREATE TABLE IF NOT EXISTS fetches (
    run_id          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    canonical_url   VARCHAR NOT NULL,
    source          VARCHAR,
    final_url       VARCHAR,
    status          VARCHAR NOT NULL,           -- ok | not_modified | skipped | failed | unresolved
    http_status     INTEGER,
    content_type    VARCHAR,
    error           VARCHAR,                    -- the reason for skipped, the error for failed
    bytes_read      BIGINT,
    elapsed_ms      INTEGER,
    fetched_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS fetches_canonical_url ON fetches (canonical_url);

-- One row per page read, relevant or not: the text is what the pipeline read.
CREATE TABLE IF NOT EXISTS articles (
    article_id          VARCHAR PRIMARY KEY,    -- stable hash of canonical_url
    url                 VARCHAR NOT NULL,
    canonical_url       VARCHAR NOT NULL UNIQUE,
    link_url            VARCHAR,                -- canonical URL of the feed link that led here
    source              VARCHAR,
    title               VARCHAR,
    published_at        TIMESTAMPTZ,
    fetched_at          TIMESTAMPTZ,
    language            VARCHAR,
    text                VARCHAR,
    relevant            BOOLEAN NOT NULL DEFAULT FALSE,
    duplicate_of        VARCHAR,                -- NULL for an original, else the original's id
    final_url           VARCHAR,
    author              VARCHAR,
    site_name           VARCHAR,
    page_kind           VARCHAR NOT NULL DEFAULT 'article',   -- article | listing | stub
    published_source    VARCHAR,                -- where the publication time came from
    filler_text         VARCHAR,                -- appended commentary cut from text
    filler_reason       VARCHAR,
    content_hash        VARCHAR,                -- hash of the normalised text (exact copies)
    copy_method         VARCHAR,                -- url | exact | near
    copy_similarity     DOUBLE,                 -- estimated Jaccard to the original
    run_id              VARCHAR
);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles (content_hash);
-- Copy groups: every copy of an original, found when a group is re-pointed or merged.
CREATE INDEX IF NOT EXISTS articles_duplicate_of ON articles (duplicate_of);

-- Copy detection state (storage/copies.py), one row per stored article: the MinHash
-- signature for verification (NULL for texts too short or not articles) and the page's
-- declared <link rel=canonical> when it names another page (a URL-layer copy signal).
CREATE TABLE IF NOT EXISTS article_signatures (
    article_id              VARCHAR PRIMARY KEY,
    declared_canonical_url  VARCHAR,
    signature               UINTEGER[]          -- NUM_PERM values; ~512 bytes per article
);
CREATE INDEX IF NOT EXISTS article_signatures_declared ON article_signatures (declared_canonical_url);
-- LSH band buckets for candidate lookup: BANDS rows per fingerprinted article. `bucket`
-- hashes the band number with the band's values, so equal buckets mean equal bands and
-- one single-column index serves the lookup (DuckDB uses an ART index for single-column
-- point lookups and small joins, not for a composite key). 32-bit buckets keep the index
-- a fifth smaller; a chance collision only adds a candidate that verification rejects.
CREATE TABLE IF NOT EXISTS article_bands (
    band        SMALLINT NOT NULL,
    bucket      UINTEGER NOT NULL,
    article_id  VARCHAR NOT NULL
);
CREATE INDEX IF NOT EXISTS article_bands_bucket ON article_bands (bucket);

-- One row per real-world contact (or statement) between the watch's pair.
CREATE TABLE IF NOT EXISTS events (
    event_id            VARCHAR PRIMARY KEY,
    event_type          VARCHAR NOT NULL,       -- call | meeting | message | statement
    participants        VARCHAR[] NOT NULL,     -- sorted actor keys
    event_date          DATE,                   -- NULL when only the range is known
    date_earliest       DATE,
    date_latest         DATE,
    status              VARCHAR NOT NULL,       -- planned | reported | confirmed | denied | cancelled
    location            VARCHAR,
    summary             VARCHAR,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    watch               VARCHAR NOT NULL,
    historical          BOOLEAN NOT NULL DEFAULT FALSE,  -- background only, never alerted
    asserted_by         VARCHAR,                -- who says so (the source of the current status)
    independent_sources INTEGER NOT NULL DEFAULT 0,
    copies              INTEGER NOT NULL DEFAULT 0,
    first_run_id        VARCHAR,
    retracted_at        TIMESTAMPTZ,            -- marked wrong by a user (newswatch feedback)
    merged_into         VARCHAR,                -- a duplicate: the event that survives
    extractor           VARCHAR                 -- rules | llm | keyword
);

-- What users said of events (newswatch feedback); re-applied after every change so a
-- correction holds through later runs and reprocessing.
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id VARCHAR PRIMARY KEY,
    event_id    VARCHAR NOT NULL,
    verdict     VARCHAR NOT NULL,   -- ok | wrong | duplicate | date | kind
    value       VARCHAR,            -- duplicate: surviving event id; date: YYYY-MM-DD; kind
    note        VARCHAR,
    given_by    VARCHAR NOT NULL,
    given_at    TIMESTAMPTZ NOT NULL
);

-- Every article that reports an event, with the sentence(s) that say so.
CREATE TABLE IF NOT EXISTS event_mentions (
    event_id        VARCHAR NOT NULL,
    article_id      VARCHAR NOT NULL,
    evidence        VARCHAR NOT NULL,
    status          VARCHAR,                    -- the status this article asserts
    asserted_by     VARCHAR,
    is_copy         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ,
    historical      BOOLEAN DEFAULT FALSE,      -- names the contact as background, not news
    PRIMARY KEY (event_id, article_id)
);

-- The outbox: written with the event change, delivered after commit.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id        VARCHAR PRIMARY KEY,        -- stable: event, kind, status, channel
    event_id        VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,           -- console | slack | email | apprise
    kind            VARCHAR NOT NULL,           -- new | update | summary | ops
    status          VARCHAR NOT NULL,           -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    error           VARCHAR,
    event_status    VARCHAR,                    -- the event's status this alert announces
    previous_status VARCHAR,
    next_attempt_at TIMESTAMPTZ,
    message_id      VARCHAR,                    -- stable id shown in the message
    run_id          VARCHAR
);
CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status);

-- Pages that change under one URL, and the fetched HTML kept for reprocessing.
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

-- Boilerplate learned per site (extractors/clean_site.py): how many distinct pages of a
-- host showed each paragraph fingerprint; one seen on enough pages is the site's template.
CREATE TABLE IF NOT EXISTS site_boilerplate (
    host            VARCHAR NOT NULL,           -- lower case, without "www."
    fingerprint     BIGINT NOT NULL,            -- of the paragraph's folded words
    pages           INTEGER NOT NULL,           -- distinct pages of the host showing it
    last_seen_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (host, fingerprint)
);

-- Pages already counted per host, keyed by their longest paragraph: a copy of a story on
-- the same host (AMP page, update) counts once, so its sentences never look like template.
CREATE TABLE IF NOT EXISTS site_boilerplate_pages (
    host            VARCHAR NOT NULL,
    page_key        BIGINT NOT NULL,
    seen_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (host, page_key)
);
