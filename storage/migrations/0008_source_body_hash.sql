-- A source's body last read in full: a feed that sends no ETag or Last-Modified and
-- has not changed is recognised by its SHA-256 and not parsed again.
ALTER TABLE sources ADD COLUMN IF NOT EXISTS body_sha256 VARCHAR;
