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
