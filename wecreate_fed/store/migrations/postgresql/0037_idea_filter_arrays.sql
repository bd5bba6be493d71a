-- The districts and topics of each idea as arrays on the idea's row, with a GIN index, for the
-- marketplace's count of a search beside a filter (issue 13, 100,000 ideas on PostgreSQL). The
-- word's GIN index and this one are ANDed as two bitmaps, so only the ideas with both are read:
-- 'Radweg' (19,000 ideas) in a district of 10,000 was counted in 40 ms, by reading every idea
-- with the word and joining idea_districts; so, 8-13 ms. idea_districts and idea_topics stay the
-- record (every other query reads them); triggers keep the arrays equal to them, whoever writes.
ALTER TABLE ideas ADD COLUMN districts text[] NOT NULL DEFAULT '{}';
ALTER TABLE ideas ADD COLUMN topics text[] NOT NULL DEFAULT '{}';
UPDATE ideas i SET
    districts = ARRAY(SELECT d.district_ap_id FROM idea_districts d WHERE d.idea_id = i.id ORDER BY 1),
    topics = ARRAY(SELECT t.topic FROM idea_topics t WHERE t.idea_id = i.id ORDER BY 1)
WHERE i.id IN (SELECT idea_id FROM idea_districts UNION SELECT idea_id FROM idea_topics);
CREATE INDEX ideas_listed_filters ON ideas USING gin (districts, topics)
    WHERE deleted_at IS NULL AND hidden_at IS NULL AND members_of IS NULL;

-- Once per statement, for all the ideas it touched (transition tables; a cascade from a deleted
-- idea finds no row left to update), and only where the array differs: an insert that wrote it
-- already (store/bulk.py) leaves no second version of the row behind.
CREATE FUNCTION ideas_districts_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ideas i SET districts = now_in.districts
    FROM (SELECT c.idea_id, ARRAY(SELECT d.district_ap_id FROM idea_districts d WHERE d.idea_id = c.idea_id
                                  ORDER BY 1) AS districts
          FROM (SELECT DISTINCT idea_id FROM changed) c) AS now_in
    WHERE i.id = now_in.idea_id AND i.districts IS DISTINCT FROM now_in.districts;
    RETURN NULL;
END $$;
CREATE TRIGGER ideas_districts_added AFTER INSERT ON idea_districts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ideas_districts_refresh();
CREATE TRIGGER ideas_districts_removed AFTER DELETE ON idea_districts
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ideas_districts_refresh();

CREATE FUNCTION ideas_topics_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ideas i SET topics = now_in.topics
    FROM (SELECT c.idea_id, ARRAY(SELECT t.topic FROM idea_topics t WHERE t.idea_id = c.idea_id ORDER BY 1) AS topics
          FROM (SELECT DISTINCT idea_id FROM changed) c) AS now_in
    WHERE i.id = now_in.idea_id AND i.topics IS DISTINCT FROM now_in.topics;
    RETURN NULL;
END $$;
CREATE TRIGGER ideas_topics_added AFTER INSERT ON idea_topics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ideas_topics_refresh();
CREATE TRIGGER ideas_topics_removed AFTER DELETE ON idea_topics
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ideas_topics_refresh();
