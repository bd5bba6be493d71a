-- When the organiser's server gave its last answer (Accept or Reject, its `published` as UTC text)
-- to a local person's Join of a remote event: an answer older than it, retried after the newer one,
-- changes nothing. NULL until an answer with a time came; a new Join starts it anew.
ALTER TABLE event_attendees ADD COLUMN answered_at TEXT;
