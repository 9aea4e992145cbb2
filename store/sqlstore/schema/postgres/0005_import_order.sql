-- An import writes the logins and grants of new persons while it still
-- reads the file, before the persons and entities they refer to: the
-- references of logins and grants may be checked at commit instead of row
-- by row (the import says SET CONSTRAINTS ALL DEFERRED; everything else
-- keeps checking at once).

ALTER TABLE logins ALTER CONSTRAINT logins_person_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE grants ALTER CONSTRAINT grants_login_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE grants ALTER CONSTRAINT grants_entity_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE grants ALTER CONSTRAINT grants_origin_login_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
