// Package legacygen writes realistic legacy account files (SPEC §4) for
// tests, demos and the import benchmark: Polish names with diacritics,
// persons with several logins grouped by PESEL or by e-mail and names, every
// consolidation case, every stored-hash format, a hierarchy of entities and
// a small share of rows that cause import warnings. The output depends only
// on the options, so a seed names a file.
package legacygen
