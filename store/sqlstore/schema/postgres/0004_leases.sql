-- Leases: short, expiring locks that serialise work across every instance
-- sharing the database (Store.AcquireLease), e.g. the confirmations of one
-- person. A lease whose holder crashed ends at expires_at.

CREATE TABLE leases (
	lease_key  TEXT COLLATE "C" PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
