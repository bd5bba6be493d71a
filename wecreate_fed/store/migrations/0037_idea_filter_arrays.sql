-- The districts and topics of each idea beside its words, for the marketplace's search beside a
-- filter (issue 13, 100,000 ideas on PostgreSQL): see migrations/postgresql/0037. SQLite's FTS5
-- query is driven by its matches (store/search.py) and needs nothing of this; the file keeps the
-- numbers of both backends in step.
SELECT 1;
