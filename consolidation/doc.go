// Package consolidation is the one-login transition (przejście na jeden
// login, SPEC §6) as pure domain logic on jedenlogin.PersonRecord: it
// classifies a person's logins into a case, lists the logins they may
// choose, performs the confirmation in memory (the caller persists the
// record in one transaction with Store.UpdatePerson), produces the rows of
// `jedenlogin plan --format json`, and verifies the invariants of SPEC §11
// over all persons for `jedenlogin verify`.
//
// Nothing here touches storage, so the SQLite and PostgreSQL backends, the
// importer and the web layer share one copy of every rule.
package consolidation
