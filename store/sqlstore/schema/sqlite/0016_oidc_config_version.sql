-- oidc_config_version counts every change of the OpenID Connect clients
-- and signing keys (the triggers below, whoever makes the change: a server,
-- the CLI, another instance). The provider keeps clients and keys in
-- memory and reads this number with every refresh token (one subquery of
-- the token's own read): when it moved, the cached copies are read again,
-- so a removed client, a rotated secret or key counts at once.
CREATE TABLE oidc_config_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO oidc_config_version (id, n) VALUES (1, 0);

CREATE TRIGGER oidc_clients_version_insert AFTER INSERT ON oidc_clients
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER oidc_clients_version_update AFTER UPDATE ON oidc_clients
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER oidc_clients_version_delete AFTER DELETE ON oidc_clients
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER oidc_keys_version_insert AFTER INSERT ON oidc_keys
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER oidc_keys_version_update AFTER UPDATE ON oidc_keys
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER oidc_keys_version_delete AFTER DELETE ON oidc_keys
BEGIN UPDATE oidc_config_version SET n = n + 1 WHERE id = 1; END;
