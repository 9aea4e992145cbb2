-- A revoked grant stores the code of its reason (applications.RevokeReasons),
-- no longer the Polish wording: the wording lives in the catalogue
-- (locale/pl.json, revoke.reason.*) and may change without the data. The
-- five wordings stored so far become their codes; any other stored text
-- stays as it is and is shown as it is.
UPDATE grants SET revoke_reason = CASE revoke_reason
	WHEN 'Utrata danych niezbędnych do logowania' THEN 'lost_credentials'
	WHEN 'Zakończenie zatrudnienia w podmiocie' THEN 'employment_ended'
	WHEN 'Zmiana funkcji lub zakresu obowiązków' THEN 'role_changed'
	WHEN 'Naruszenie zasad bezpieczeństwa' THEN 'security_breach'
	WHEN 'Na prośbę użytkownika' THEN 'user_request'
END
WHERE revoke_reason IN (
	'Utrata danych niezbędnych do logowania',
	'Zakończenie zatrudnienia w podmiocie',
	'Zmiana funkcji lub zakresu obowiązków',
	'Naruszenie zasad bezpieczeństwa',
	'Na prośbę użytkownika'
);
