-- The first five minutes.
--
-- 1. The home page's impact figures are kept in memory and recomputed when this number moved:
--    every change that alters them (here, from the inbox, from the command line or another process)
--    bumps it in its own transaction, so no cached figure outlives the data it was counted from.
CREATE TABLE figures_version (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    version             INTEGER NOT NULL
);
INSERT INTO figures_version VALUES (1, 0);

CREATE TRIGGER figures_idea_added AFTER INSERT ON ideas
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_idea_changed AFTER UPDATE OF status, deleted_at, is_local, published, author_id ON ideas
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_idea_removed AFTER DELETE ON ideas
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_idea_district_added AFTER INSERT ON idea_districts
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_idea_district_removed AFTER DELETE ON idea_districts
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_reaction_added AFTER INSERT ON reactions
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_reaction_removed AFTER DELETE ON reactions
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_event_added AFTER INSERT ON events
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_event_changed AFTER UPDATE OF status, deleted_at, ends_at, district_ap_id, is_local ON events
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_event_removed AFTER DELETE ON events
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_account_added AFTER INSERT ON accounts
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_account_changed AFTER UPDATE OF district_slug ON accounts
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_account_removed AFTER DELETE ON accounts
BEGIN UPDATE figures_version SET version = version + 1; END;
CREATE TRIGGER figures_actor_changed AFTER UPDATE OF deleted_at, type ON actors
BEGIN UPDATE figures_version SET version = version + 1; END;

-- 2. Ideas and events of another instance are labelled with its city's name, as its NodeInfo
--    says (metadata.city, else metadata.nodeName); refreshed with the rest of its NodeInfo.
ALTER TABLE instances ADD COLUMN city TEXT;
ALTER TABLE instances ADD COLUMN node_name TEXT;
