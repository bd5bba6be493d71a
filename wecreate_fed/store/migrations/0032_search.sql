-- Full-text search of ideas, events, boxes and people (issue 13), SQLite: one FTS5 table.
--
-- The rowid says what a row is about: id * 4 + 0 an idea, + 1 an event, + 2 a box (its actor's
-- id), + 3 a person or organisation (actors.id). So a search joins back with `x.id * 4 IN (...)`,
-- by the rowid, and every other rule (hidden, members-only, suspended, private boxes) stays in the
-- query of the listing, read from the rows themselves at the time of the search.
--
-- Triggers keep it true whoever writes (website, API, inbox, moderation, purge, command line):
-- every insert, every change of an indexed text and every delete. Deleted rows (deleted_at set)
-- leave the index, so a deleted text is no longer stored here.
--
-- unicode61 with remove_diacritics 2: case and accents are folded ("Bürger" = "burger"), no
-- stemming; store/search.py makes prefix queries from the words and trims common endings.
CREATE VIRTUAL TABLE search_index USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');

-- ideas ------------------------------------------------------------------------------------
CREATE TRIGGER search_idea_added AFTER INSERT ON ideas WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO search_index (rowid, title, body)
    VALUES (new.id * 4, new.title, new.summary || ' ' || COALESCE(new.body_source, new.body_html));
END;
CREATE TRIGGER search_idea_changed AFTER UPDATE OF title, summary, body_source, body_html, deleted_at ON ideas
BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4;
    INSERT INTO search_index (rowid, title, body)
    SELECT new.id * 4, new.title, new.summary || ' ' || COALESCE(new.body_source, new.body_html)
    WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER search_idea_removed AFTER DELETE ON ideas
BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4;
END;

-- events -----------------------------------------------------------------------------------
CREATE TRIGGER search_event_added AFTER INSERT ON events WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO search_index (rowid, title, body)
    VALUES (new.id * 4 + 1, new.title, COALESCE(new.description_source, new.description_html) || ' '
            || COALESCE(new.place_name, '') || ' ' || COALESCE(new.locality, ''));
END;
CREATE TRIGGER search_event_changed AFTER UPDATE OF title, description_source, description_html, place_name,
    locality, deleted_at ON events
BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
    INSERT INTO search_index (rowid, title, body)
    SELECT new.id * 4 + 1, new.title, COALESCE(new.description_source, new.description_html) || ' '
           || COALESCE(new.place_name, '') || ' ' || COALESCE(new.locality, '')
    WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER search_event_removed AFTER DELETE ON events
BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
END;

-- boxes: the Group actor's name and summary with the box's own texts -----------------------------
CREATE TRIGGER search_box_added AFTER INSERT ON boxes
BEGIN
    INSERT INTO search_index (rowid, title, body)
    SELECT a.id * 4 + 2, a.name, a.summary || ' ' || new.problem || ' ' || new.purpose || ' ' || new.goals || ' '
           || new.skills_sought || ' ' || new.support_sought
    FROM actors a WHERE a.id = new.actor_id AND a.deleted_at IS NULL;
END;
CREATE TRIGGER search_box_changed AFTER UPDATE OF problem, purpose, goals, skills_sought, support_sought ON boxes
BEGIN
    DELETE FROM search_index WHERE rowid = old.actor_id * 4 + 2;
    INSERT INTO search_index (rowid, title, body)
    SELECT a.id * 4 + 2, a.name, a.summary || ' ' || new.problem || ' ' || new.purpose || ' ' || new.goals || ' '
           || new.skills_sought || ' ' || new.support_sought
    FROM actors a WHERE a.id = new.actor_id AND a.deleted_at IS NULL;
END;
CREATE TRIGGER search_box_removed AFTER DELETE ON boxes
BEGIN
    DELETE FROM search_index WHERE rowid = old.actor_id * 4 + 2;
END;

-- people and organisations (and a box's name, which is its actor's) ----------------------------
CREATE TRIGGER search_actor_added AFTER INSERT ON actors
WHEN new.type IN ('Person', 'Organization') AND new.deleted_at IS NULL
BEGIN
    INSERT INTO search_index (rowid, title, body)
    VALUES (new.id * 4 + 3, new.name, COALESCE(new.username, '') || ' ' || new.summary);
END;
CREATE TRIGGER search_actor_changed AFTER UPDATE OF name, username, summary, type, deleted_at ON actors
BEGIN
    DELETE FROM search_index WHERE rowid = old.id * 4 + 3;
    INSERT INTO search_index (rowid, title, body)
    SELECT new.id * 4 + 3, new.name, COALESCE(new.username, '') || ' ' || new.summary
    WHERE new.type IN ('Person', 'Organization') AND new.deleted_at IS NULL;
    DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
    INSERT INTO search_index (rowid, title, body)
    SELECT new.id * 4 + 2, new.name, new.summary || ' ' || b.problem || ' ' || b.purpose || ' ' || b.goals || ' '
           || b.skills_sought || ' ' || b.support_sought
    FROM boxes b WHERE b.actor_id = new.id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER search_actor_removed AFTER DELETE ON actors
BEGIN
    DELETE FROM search_index WHERE rowid IN (old.id * 4 + 2, old.id * 4 + 3);
END;

-- what is there already -----------------------------------------------------------------------
INSERT INTO search_index (rowid, title, body)
SELECT id * 4, title, summary || ' ' || COALESCE(body_source, body_html) FROM ideas WHERE deleted_at IS NULL;
INSERT INTO search_index (rowid, title, body)
SELECT id * 4 + 1, title, COALESCE(description_source, description_html) || ' ' || COALESCE(place_name, '') || ' '
       || COALESCE(locality, '')
FROM events WHERE deleted_at IS NULL;
INSERT INTO search_index (rowid, title, body)
SELECT a.id * 4 + 2, a.name, a.summary || ' ' || b.problem || ' ' || b.purpose || ' ' || b.goals || ' '
       || b.skills_sought || ' ' || b.support_sought
FROM boxes b JOIN actors a ON a.id = b.actor_id WHERE a.deleted_at IS NULL;
INSERT INTO search_index (rowid, title, body)
SELECT id * 4 + 3, name, COALESCE(username, '') || ' ' || summary FROM actors
WHERE type IN ('Person', 'Organization') AND deleted_at IS NULL;
