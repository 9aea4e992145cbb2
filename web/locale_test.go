package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dynamicKeys are catalogue keys built at run time (pluralKey, the
// "function" template function); the test cannot find them in the source.
var dynamicKeys = []string{
	"signin.remaining.one", "signin.remaining.few", "signin.remaining.many",
	"function.kierownik", "function.po_kierownika", "function.pracownik",
}

// TestCatalogueComplete: every key used by a handler or a template is in
// locale/pl.json, and every key in it is used.
func TestCatalogueComplete(t *testing.T) {
	raw, err := os.ReadFile("locale/pl.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatalf("locale/pl.json: %v", err)
	}
	used := map[string]string{} // key → where
	goKey := regexp.MustCompile(`(?:\.msg|\.errf|pluralKey)\((?:[a-zA-Z]+, )?"([a-z_]+(?:\.[a-z_]+)+)"`)
	tmplKey := regexp.MustCompile(`\bt "([a-z_]+(?:\.[a-z_]+)+)"`)
	pluralBase := regexp.MustCompile(`pluralKey\("([a-z_]+(?:\.[a-z_]+)+)"`)
	plurals := map[string]bool{}
	goFiles, _ := filepath.Glob("*.go")
	tmplFiles, _ := filepath.Glob("templates/*.html")
	partialFiles, _ := filepath.Glob("templates/partials/*.html")
	tmplFiles = append(tmplFiles, partialFiles...)
	for _, f := range append(goFiles, tmplFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := goKey
		if strings.HasSuffix(f, ".html") {
			re = tmplKey
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = f
		}
		// pluralKey("base", n) uses base.one, base.few and base.many.
		for _, m := range pluralBase.FindAllStringSubmatch(string(src), -1) {
			plurals[m[1]] = true
			for _, form := range []string{".one", ".few", ".many"} {
				used[m[1]+form] = f
			}
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for _, k := range dynamicKeys {
		used[k] = "(dynamic)"
	}
	for k, where := range used {
		if plurals[k] {
			continue // the base of pluralKey
		}
		if _, ok := cat[k]; !ok {
			t.Errorf("key %q used in %s is missing from locale/pl.json", k, where)
		}
	}
	for k, v := range cat {
		if _, ok := used[k]; !ok {
			t.Errorf("key %q in locale/pl.json is never used", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("key %q has an empty text", k)
		}
	}
	var keys []string
	for k := range cat {
		keys = append(keys, k)
	}
	if !slices.Contains(keys, "signin.invalid") || cat["signin.invalid"] != "Podano nieprawidłowy login lub hasło." {
		t.Errorf("the known sign-in message changed: %q", cat["signin.invalid"])
	}
}
