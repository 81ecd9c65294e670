-- The entries screen lists the most recently updated first: that order, per workspace, on an index.
CREATE INDEX IF NOT EXISTS kb_entries_recent ON kb_entries (workspace_id, updated_at DESC);
