-- Operator console (issue 12): the audit log's hash chain, and the indexes
-- of the console's searches, filters and progress figures.

-- Each event keeps the hash of the one before it (jedenlogin.AuditHash);
-- events written before this migration keep '' and stay outside the chain.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_address ON audit_events (address, id);
CREATE INDEX audit_events_outcome ON audit_events (outcome, id);

-- Progress: persons per case and state, consolidations per day.
CREATE INDEX persons_case_state ON persons (consolidation_case, state);
CREATE INDEX persons_consolidated_at ON persons (consolidated_at);
-- PlanSummary's count per grouping (dialect.keyGroup, the same expression).
CREATE INDEX persons_key_group ON persons ((split_part(person_key, ':', 1)));

-- Search by e-mail and name (PESEL: the partial indexes of 0003; logins by
-- name: logins_name_folded).
CREATE INDEX persons_acc_email ON persons (acc_email);
CREATE INDEX persons_acc_name ON persons (acc_last_name, acc_first_name);
CREATE INDEX logins_email ON logins (email);
CREATE INDEX logins_name_parts ON logins (last_name, first_name);
