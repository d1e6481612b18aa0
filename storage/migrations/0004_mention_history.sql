-- A mention that names the contact as background (history), so that "independent
-- sources" counts only outlets reporting it as news.
ALTER TABLE event_mentions ADD COLUMN IF NOT EXISTS historical BOOLEAN DEFAULT FALSE;
