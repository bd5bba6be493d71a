-- PostgreSQL's 0034_figures_changes.sql: the impact figures' version without one row every writer
-- waits for. 0022's triggers call figures_bump(); it now records its transaction once here (a
-- txid is its own, so no other writer ever waits on it) instead of updating figures_version's
-- single row. The version is figures_version + count(figures_changes) (store.marketplace), and
-- the housekeeping worker folds the rows into figures_version in one transaction, which keeps
-- that sum: a new committed change always moves it, a fold never does.
CREATE TABLE figures_changes (
    txid                BIGINT PRIMARY KEY
);

CREATE OR REPLACE FUNCTION figures_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO figures_changes VALUES (txid_current()) ON CONFLICT DO NOTHING; RETURN NULL; END;
$$;
