-- The impact figures' version without one row every writer waits for (issue 13). On PostgreSQL
-- each of 0022's triggers updated figures_version's single row, whose lock is held to the commit:
-- two transactions changing different ideas waited for each other. There a transaction that
-- changes a figure now inserts its own txid here instead (postgresql/0034), the version is
-- figures_version + the rows here, and a housekeeping worker folds the rows into the counter.
-- SQLite has one writer at a time anyway: its triggers stay, and this table stays empty.
CREATE TABLE figures_changes (
    txid                INTEGER PRIMARY KEY
);
