-- PostgreSQL's 0012 adds audit_chain_last(), which takes the audit chain's
-- lock and reads the newest event in one round trip. SQLite needs neither:
-- its write transaction already excludes every other writer, and a read
-- costs no round trip. This file keeps the two trees' versions alike.
SELECT 1;
