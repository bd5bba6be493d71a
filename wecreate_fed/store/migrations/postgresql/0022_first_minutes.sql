-- PostgreSQL's 0022_first_minutes.sql (the SQLite file stays as installed instances applied it): the same
-- tables, columns, defaults, keys and indexes; integers are BIGINT, row ids identity columns.

-- The first five minutes.
--
-- 1. The home page's impact figures are kept in memory and recomputed when this number moved:
--    every change that alters them (here, from the inbox, from the command line or another process)
--    bumps it in its own transaction, so no cached figure outlives the data it was counted from.
CREATE TABLE figures_version (
    id                  BIGINT PRIMARY KEY CHECK (id = 1),
    version             BIGINT NOT NULL
);
INSERT INTO figures_version VALUES (1, 0);

-- The same triggers as SQLite's, per row as there: a statement that changes no row (an insert
-- that conflicts, say) bumps nothing and takes no lock on the counter's row.
CREATE FUNCTION figures_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE figures_version SET version = version + 1; RETURN NULL; END;
$$;
CREATE TRIGGER figures_idea_added AFTER INSERT ON ideas
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_idea_changed AFTER UPDATE OF status, deleted_at, is_local, published, author_id ON ideas
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_idea_removed AFTER DELETE ON ideas
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_idea_district_added AFTER INSERT ON idea_districts
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_idea_district_removed AFTER DELETE ON idea_districts
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_reaction_added AFTER INSERT ON reactions
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_reaction_removed AFTER DELETE ON reactions
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_event_added AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_event_changed AFTER UPDATE OF status, deleted_at, ends_at, district_ap_id, is_local ON events
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_event_removed AFTER DELETE ON events
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_account_added AFTER INSERT ON accounts
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_account_changed AFTER UPDATE OF district_slug ON accounts
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_account_removed AFTER DELETE ON accounts
FOR EACH ROW EXECUTE FUNCTION figures_bump();
CREATE TRIGGER figures_actor_changed AFTER UPDATE OF deleted_at, type ON actors
FOR EACH ROW EXECUTE FUNCTION figures_bump();

-- 2. Ideas and events of another instance are labelled with its city's name, as its NodeInfo
--    says (metadata.city, else metadata.nodeName); refreshed with the rest of its NodeInfo.
ALTER TABLE instances ADD COLUMN city TEXT;
ALTER TABLE instances ADD COLUMN node_name TEXT;
