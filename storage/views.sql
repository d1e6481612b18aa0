-- Views that answer the common questions without joins. Re-created on every start
-- (they hold no data), so they may change freely between versions.

CREATE OR REPLACE VIEW contacts AS
SELECT
    e.event_id,
    e.watch,
    e.event_type                                        AS kind,
    coalesce(CAST(e.event_date AS VARCHAR),
             CAST(e.date_earliest AS VARCHAR) || ' .. ' || CAST(e.date_latest AS VARCHAR)) AS day,
    e.event_date,
    e.date_earliest,
    e.date_latest,
    e.status,
    e.asserted_by                                       AS who_says_so,
    e.location,
    e.summary,
    e.independent_sources,
    e.copies,
    e.historical,
    e.first_seen_at,
    e.updated_at
FROM events e
WHERE e.event_type IN ('call', 'meeting', 'message')
  AND e.retracted_at IS NULL AND e.merged_into IS NULL;

CREATE OR REPLACE VIEW contact_sources AS
SELECT
    m.event_id,
    e.event_type                                        AS kind,
    coalesce(e.event_date, e.date_earliest)             AS day,
    e.status                                            AS event_status,
    a.article_id,
    coalesce(a.site_name, regexp_extract(a.canonical_url, '^[a-z]+://([^/]+)', 1)) AS outlet,
    a.title,
    a.canonical_url                                     AS url,
    a.published_at,
    m.status                                            AS article_says,
    m.asserted_by,
    m.is_copy OR a.duplicate_of IS NOT NULL             AS is_copy,
    m.evidence
FROM event_mentions m
JOIN events e USING (event_id)
LEFT JOIN articles a USING (article_id);

CREATE OR REPLACE VIEW story_copies AS
SELECT
    o.article_id                                        AS original_id,
    o.title                                             AS original_title,
    o.canonical_url                                     AS original_url,
    o.published_at                                      AS original_published_at,
    c.article_id                                        AS copy_id,
    c.title                                             AS copy_title,
    c.canonical_url                                     AS copy_url,
    c.published_at                                      AS copy_published_at,
    c.copy_method,
    c.copy_similarity
FROM articles c
JOIN articles o ON o.article_id = c.duplicate_of;

CREATE OR REPLACE VIEW source_health AS
SELECT
    s.watch,
    s.source,
    s.kind,
    s.url,
    CASE WHEN s.health = 'broken' OR s.consecutive_failures >= 3 THEN 'broken'
         WHEN s.consecutive_failures > 0 THEN 'failing'
         WHEN s.health = 'stale' THEN 'stale'
         ELSE 'healthy' END                             AS health,
    s.last_status,
    s.last_success_at,
    s.last_error_at,
    s.last_error,
    s.consecutive_failures,
    s.links_last_seen,
    s.last_checked_at,
    s.last_new_links_at,
    s.health_changed_at
FROM sources s;

CREATE OR REPLACE VIEW run_history AS
SELECT
    r.run_id,
    r.watch,
    r.status,
    r.started_at,
    r.finished_at,
    round(epoch(r.finished_at - r.started_at), 1)        AS seconds,
    r.alerts_enabled,
    r.links_new,
    r.pages_fetched,
    r.pages_failed,
    r.pages_skipped,
    r.articles_stored,
    r.articles_relevant,
    r.copies_found,
    r.events_new,
    r.events_updated,
    r.alerts_queued,
    r.alerts_sent,
    r.alerts_failed,
    r.failing_sources,
    r.error
FROM runs r;
