-- Feedback from the people who get the alerts (issue 14): verdicts on events, retractions,
-- merges of duplicates, and which extractor made each event (for per-extractor precision).
ALTER TABLE events ADD COLUMN IF NOT EXISTS retracted_at TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN IF NOT EXISTS merged_into VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS extractor VARCHAR;

CREATE TABLE IF NOT EXISTS feedback (
    feedback_id VARCHAR PRIMARY KEY,
    event_id    VARCHAR NOT NULL,
    verdict     VARCHAR NOT NULL,   -- ok | wrong | duplicate | date | kind
    value       VARCHAR,            -- duplicate: surviving event id; date: YYYY-MM-DD; kind
    note        VARCHAR,
    given_by    VARCHAR NOT NULL,
    given_at    TIMESTAMPTZ NOT NULL
);
