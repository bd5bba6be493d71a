-- Full-text search of ideas, events, boxes and people (issue 13), PostgreSQL: a tsvector on each
-- table, with the `german` configuration (stemming: "Radwege" finds "Radweg"), and a GIN index.
--
-- Generated columns: PostgreSQL computes them on every insert and update, whoever writes (website,
-- API, inbox, moderation, purge, command line), and ADD COLUMN computes them for every row that is
-- there already. Deleted rows (deleted_at set) have none, so a deleted text is not kept in the
-- index. HTML (remote bodies, actor summaries) loses its tags first, so that no "href" is found.
-- Every other rule (hidden, members-only, suspended, private boxes) is in the query of the listing.
ALTER TABLE ideas ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted_at IS NULL THEN
        setweight(to_tsvector('german', title), 'A')
        || to_tsvector('german', summary || ' '
                       || COALESCE(body_source, regexp_replace(body_html, '<[^>]*>', ' ', 'g')))
    END) STORED;
CREATE INDEX ideas_search ON ideas USING gin (search_doc);

ALTER TABLE events ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted_at IS NULL THEN
        setweight(to_tsvector('german', title), 'A')
        || to_tsvector('german', COALESCE(description_source, regexp_replace(description_html, '<[^>]*>', ' ', 'g'))
                       || ' ' || COALESCE(place_name, '') || ' ' || COALESCE(locality, ''))
    END) STORED;
CREATE INDEX events_search ON events USING gin (search_doc);

-- A box's name and summary are its Group actor's (actors.search_doc); here its own texts.
ALTER TABLE boxes ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    to_tsvector('german', problem || ' ' || purpose || ' ' || goals || ' ' || skills_sought || ' '
                || support_sought)) STORED;
CREATE INDEX boxes_search ON boxes USING gin (search_doc);

ALTER TABLE actors ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted_at IS NULL THEN
        setweight(to_tsvector('german', name), 'A')
        || to_tsvector('german', COALESCE(username, '') || ' ' || regexp_replace(summary, '<[^>]*>', ' ', 'g'))
    END) STORED;
CREATE INDEX actors_search ON actors USING gin (search_doc);
