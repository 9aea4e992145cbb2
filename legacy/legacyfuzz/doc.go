// Package legacyfuzz checks what legacy.Parse makes of any file, for the
// fuzz targets of the legacy import (TESTING.md, "Fuzzing"): CheckFile
// states the properties, Seeds gives the starting files.
//
// It is a package of its own so that FuzzParse and FuzzParseRows (in this
// directory) are built without the SQLite driver the legacy package's
// tests link: go test -fuzz instruments every package of the test binary,
// and modernc.org/sqlite's millions of edges made each run of Parse cost a
// second. legacy's FuzzImport, which needs the database, uses CheckFile
// too.
package legacyfuzz
