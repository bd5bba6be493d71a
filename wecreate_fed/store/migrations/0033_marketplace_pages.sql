-- The marketplace's first page without a sort (issue 13, 100,000 ideas on PostgreSQL): its two
-- orders over the ideas any listing may show. PostgreSQL cannot use (deleted_at, published) of 0002
-- for ORDER BY published (IS NULL is no equality to it), so it sorted every idea for one page
-- (240 ms); walked backwards, these give the newest or most supported first and stop after a page.
-- The same on SQLite, where they let the planner do what 0002's indexes and `+i.id` made it do.
CREATE INDEX ideas_listed_newest ON ideas (published, id)
    WHERE deleted_at IS NULL AND hidden_at IS NULL AND members_of IS NULL;
CREATE INDEX ideas_listed_supported ON ideas (support_count, published, id)
    WHERE deleted_at IS NULL AND hidden_at IS NULL AND members_of IS NULL;
