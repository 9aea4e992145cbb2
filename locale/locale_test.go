package locale_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/locale"
)

// dynamicKeys are catalogue keys built at run time (plural forms, the
// "function" template function); the scan cannot find them in the source.
var dynamicKeys = []string{
	"function.kierownik", "function.po_kierownika", "function.pracownik",
}

// TestCatalogueComplete: every key used by code or a template anywhere in
// the module is in pl.json, and every key in it is used.
func TestCatalogueComplete(t *testing.T) {
	raw, err := os.ReadFile("pl.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatalf("pl.json: %v", err)
	}
	const key = `"([a-z_]+(?:\.[a-z_]+)+)"`
	// .issue(col, warn, key…) and .report(rec, key…) are the import's and
	// the verifier's messages for operators.
	goKey := regexp.MustCompile(`(?:\.[mM]sg\(|\.errf\(|NewError\(|\bT\(|Key ==\s*|Key:\s*|\badd\(|\.issue\(|\.report\()(?:[a-zA-Z.]+, ){0,2}` + key)
	tmplKey := regexp.MustCompile(`\bt ` + key)
	pluralBase := regexp.MustCompile(`(?:[pP]luralKey|[pP]lural|pluralDigits)\(` + key)
	used := map[string]string{} // key → where
	plurals := map[string]bool{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		isGo := strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")
		isTmpl := strings.HasSuffix(path, ".html") && strings.Contains(filepath.ToSlash(path), "web/templates/")
		if !isGo && !isTmpl {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		re := goKey
		if isTmpl {
			re = tmplKey
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = path
		}
		for _, m := range pluralBase.FindAllStringSubmatch(string(src), -1) {
			plurals[m[1]] = true
			for _, form := range []string{".one", ".few", ".many"} {
				used[m[1]+form] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for _, k := range dynamicKeys {
		used[k] = "(dynamic)"
	}
	for k, where := range used {
		if plurals[k] {
			continue // the base of a plural
		}
		if _, ok := cat[k]; !ok {
			t.Errorf("key %q used in %s is missing from pl.json", k, where)
		}
	}
	for k, v := range cat {
		if _, ok := used[k]; !ok {
			t.Errorf("key %q in pl.json is never used", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("key %q has an empty text", k)
		}
	}
	if cat["signin.invalid"] != "Podano nieprawidłowy login lub hasło." {
		t.Errorf("the known sign-in message changed: %q", cat["signin.invalid"])
	}
}

func TestPluralKey(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "k.many"}, {1, "k.one"}, {2, "k.few"}, {4, "k.few"}, {5, "k.many"},
		{12, "k.many"}, {14, "k.many"}, {22, "k.few"}, {24, "k.few"}, {25, "k.many"}, {112, "k.many"},
	} {
		if got := locale.PluralKey("k", tc.n); got != tc.want {
			t.Errorf("PluralKey(k, %d) = %s, want %s", tc.n, got, tc.want)
		}
	}
}

func TestDescribeTranslatesTheDomainError(t *testing.T) {
	err := fmt.Errorf("open: %w", fmt.Errorf("schema version 3, this binary needs 5: %w", jedenlogin.ErrSchemaOutdated))
	got := locale.Polish.Describe(err)
	want := "open: schema version 3, this binary needs 5: Schemat bazy danych jest nieaktualny; uruchom: jedenlogin migrate-schema"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
