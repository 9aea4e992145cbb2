-- Access applications (wnioski o dostęp) and the lookups acceptance needs:
-- persons by PESEL, entities by parent.

CREATE TABLE applications (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	status              TEXT NOT NULL,
	entity_id           TEXT NOT NULL REFERENCES entities (id),
	app_function        TEXT NOT NULL,
	scopes              TEXT NOT NULL DEFAULT '',
	valid_to            INTEGER,
	extends_grant_id    INTEGER REFERENCES grants (id),
	applicant_person_id INTEGER REFERENCES persons (id),
	applicant_login_id  INTEGER REFERENCES logins (id),
	first_name          TEXT NOT NULL DEFAULT '',
	second_name         TEXT NOT NULL DEFAULT '',
	last_name           TEXT NOT NULL DEFAULT '',
	pesel               TEXT NOT NULL DEFAULT '',
	email               TEXT NOT NULL DEFAULT '',
	phone               TEXT NOT NULL DEFAULT '',
	reviewed_by         TEXT NOT NULL DEFAULT '',
	reviewed_at         INTEGER,
	decided_by          TEXT NOT NULL DEFAULT '',
	decided_at          INTEGER,
	identity_confirmed  INTEGER NOT NULL DEFAULT 0,
	reason              TEXT NOT NULL DEFAULT '',
	grant_id            INTEGER REFERENCES grants (id),
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
);
CREATE INDEX applications_entity ON applications (entity_id, status);
CREATE INDEX applications_applicant ON applications (applicant_person_id);
CREATE INDEX applications_pesel ON applications (pesel);
CREATE INDEX applications_extends ON applications (extends_grant_id);

CREATE INDEX entities_parent ON entities (parent_id);
CREATE INDEX logins_pesel ON logins (pesel) WHERE pesel <> '';
CREATE INDEX persons_acc_pesel ON persons (acc_pesel) WHERE acc_pesel <> '';
