-- An import writes the logins and grants of new persons while it still
-- reads the file, before the persons and entities they refer to. SQLite
-- cannot alter a constraint; its import turns foreign keys off on its own
-- connection and checks every reference itself at commit, so the schema
-- stays as it is. This step only keeps the two dialects' versions equal.
SELECT 1;
