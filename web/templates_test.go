package web

import (
	"html/template"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"
	texttemplate "text/template"
	"text/template/parse"
)

// testFuncs are the template functions of a server with the real catalogue.
func testFuncs(tb testing.TB) template.FuncMap {
	tb.Helper()
	cat, err := loadCatalogue()
	if err != nil {
		tb.Fatal(err)
	}
	return (&Server{cat: cat}).templateFuncs()
}

// TestTemplateFilesDeclared: every file under templates/ is the layout, a
// view of viewPartials or a partial some view or partial declares, and
// every declared file exists (miniflux's ParseTemplates: an undeclared
// template is never parsed, so it must not exist).
func TestTemplateFilesDeclared(t *testing.T) {
	declared := map[string]string{"layout.html": "the layout"}
	for view, partials := range viewPartials {
		declared[view+".html"] = "view " + view
		for _, p := range partials {
			declared[p] = "a partial of view " + view
		}
	}
	for p, deps := range partialDeps {
		if _, ok := declared[p]; !ok {
			t.Errorf("partialDeps lists %s, which no view declares", p)
		}
		for _, d := range deps {
			declared[d] = "a partial of " + p
		}
	}
	files := map[string]bool{}
	err := fs.WalkDir(templateFS, "templates", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(name, "templates/")
		files[rel] = true
		if _, ok := declared[rel]; !ok {
			t.Errorf("templates/%s is declared by no view: add it to viewPartials in render.go (a page, or a partial of the pages that call it), or delete it", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f, by := range declared {
		if !files[f] {
			t.Errorf("templates/%s (%s) does not exist", f, by)
		}
	}
}

// TestViewsDeclarePartials: a view parsed without one of its declared
// partials fails to parse (so parseViews stops the server at start when a
// view calls a partial it does not declare), and every partial a view
// declares defines a template the view calls itself (no declaration
// without a use).
func TestViewsDeclarePartials(t *testing.T) {
	funcs := testFuncs(t)
	for _, view := range slices.Sorted(maps.Keys(viewPartials)) {
		t.Run(view, func(t *testing.T) {
			files := viewFiles(view)
			if _, err := parseView(funcs, view, files); err != nil {
				t.Fatalf("with its declared files: %v", err)
			}
			calls := calledByFile(t, view+".html")
			for _, p := range viewPartials[view] {
				without := slices.DeleteFunc(slices.Clone(files), func(f string) bool { return f == p })
				_, err := parseView(funcs, view, without)
				if err == nil || !strings.Contains(err.Error(), "calls") {
					t.Errorf("parsed without %s: err %v, want a template call none of the files defines", p, err)
				}
				if !slices.ContainsFunc(definedByFile(t, p), func(d string) bool { return calls[d] }) {
					t.Errorf("declares %s but calls none of its templates", p)
				}
			}
		})
	}
}

// TestUndeclaredPartialFailsAtStart: the check of parseView catches a view
// calling a partial it does not declare (html/template itself would only
// fail when the page is rendered).
func TestUndeclaredPartialFailsAtStart(t *testing.T) {
	_, err := parseView(testFuncs(t), "recovery_login", []string{"layout.html", "recovery_login.html"})
	if err == nil || !strings.Contains(err.Error(), `calls "recovery_person_fields"`) {
		t.Fatalf("recovery_login without %s: err %v, want it to say the view calls \"recovery_person_fields\"", partialRecovery, err)
	}
}

// calledByFile returns the templates that a template file calls.
func calledByFile(tb testing.TB, file string) map[string]bool {
	tb.Helper()
	calls := map[string]bool{}
	for _, tree := range parseFile(tb, file) {
		for _, c := range calledTemplates(tree.Root) {
			calls[c] = true
		}
	}
	return calls
}

// definedByFile returns the templates that a template file defines.
func definedByFile(tb testing.TB, file string) []string {
	tb.Helper()
	return slices.Collect(maps.Keys(parseFile(tb, file)))
}

func parseFile(tb testing.TB, file string) map[string]*parse.Tree {
	tb.Helper()
	src, err := fs.ReadFile(templateFS, path.Join("templates", file))
	if err != nil {
		tb.Fatal(err)
	}
	funcs := texttemplate.FuncMap{}
	for k, v := range testFuncs(tb) {
		funcs[k] = v
	}
	t, err := texttemplate.New(file).Funcs(funcs).Parse(string(src))
	if err != nil {
		tb.Fatal(err)
	}
	trees := map[string]*parse.Tree{}
	for _, def := range t.Templates() {
		if def.Tree != nil && def.Name() != file {
			trees[def.Name()] = def.Tree
		}
	}
	if t.Tree != nil {
		trees[file] = t.Tree // the file's own text outside {{define}}
	}
	return trees
}
