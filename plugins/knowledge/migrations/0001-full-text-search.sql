-- Runs as the module's owner, with its own schema first on the search path.
-- Full-text search over title and body; the gateway's WHERE clause uses this very expression.
CREATE INDEX IF NOT EXISTS kb_entries_search ON kb_entries
  USING gin (to_tsvector('english', title || ' ' || body));
