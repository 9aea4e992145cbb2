package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"
	texttemplate "text/template"
	"text/template/parse"

	"jedenlogin/locale"
)

// testFuncs are the template functions of a server with the real catalogue.
func testFuncs(tb testing.TB) template.FuncMap {
	tb.Helper()
	return (&Server{cat: locale.Polish}).templateFuncs()
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
	_, err := parseView(testFuncs(t), "signin", []string{"layout.html", "signin.html"})
	if err == nil || !strings.Contains(err.Error(), `calls "field"`) {
		t.Fatalf("signin without %s: err %v, want it to say the view calls \"field\"", partialField, err)
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

// TestFieldPartial renders the "field" partial for each kind of control and
// checks the attributes that tie label, hint and error together.
func TestFieldPartial(t *testing.T) {
	type opt struct {
		Value, Label string
		Checked      bool
	}
	tests := []struct {
		name string
		d    pageData
		// call is the template body; . is the pageData.
		call string
		want []string
		not  []string
	}{
		{
			name: "text without error",
			call: `{{template "field" (field . "pesel" "label" "PESEL" "hint" "11 cyfr" "value" "123" "inputmode" "numeric" "maxlength" 11 "required" true)}}`,
			want: []string{
				`<div class="field">`, `<label for="pesel">PESEL</label>`, `<p class="hint" id="pesel-wskazowka">11 cyfr</p>`,
				`<input id="pesel" name="pesel" type="text" inputmode="numeric" maxlength="11" value="123" required aria-describedby="pesel-wskazowka">`,
			},
			not: []string{"field-error", "aria-invalid", "field-invalid"},
		},
		{
			name: "text with error",
			d:    pageData{Fields: map[string]string{"pesel": "Zły PESEL."}},
			call: `{{template "field" (field . "pesel" "label" "PESEL" "hint" "11 cyfr")}}`,
			want: []string{
				`<div class="field field-invalid">`,
				`<p class="field-error" id="pesel-blad"><span class="visually-hidden">Błąd: </span>Zły PESEL.</p>`,
				`aria-describedby="pesel-wskazowka pesel-blad" aria-invalid="true">`,
			},
			not: []string{"value="},
		},
		{
			name: "page error without alert",
			d:    pageData{Error: "Popraw błędy."},
			call: `{{template "field" (field . "login" "label" "Login")}}`,
			not:  []string{"aria-describedby", "aria-invalid"},
		},
		{
			name: "page error with alert",
			d:    pageData{Error: "Błędny login lub hasło."},
			call: `{{template "field" (field . "password" "type" "password" "label" "Hasło" "alert" true "alertinvalid" true)}}`,
			want: []string{`type="password" aria-describedby="komunikat" aria-invalid="true">`},
			not:  []string{"field-invalid", "field-error"},
		},
		{
			name: "alert describes without invalidating",
			d:    pageData{Error: "Popraw błędy."},
			call: `{{template "field" (field . "password" "type" "password" "label" "Hasło" "hint" "h" "alert" true)}}`,
			want: []string{`aria-describedby="password-wskazowka komunikat">`},
			not:  []string{"aria-invalid"},
		},
		{
			name: "extra describing id between hint and error",
			d:    pageData{Fields: map[string]string{"new": "Za krótkie."}},
			call: `{{template "field" (field . "new" "type" "password" "label" "Nowe" "describedby" "reguly")}}`,
			want: []string{`aria-describedby="reguly new-blad" aria-invalid="true"`},
		},
		{
			name: "textarea",
			d:    pageData{Fields: map[string]string{"reason": "Podaj powód."}},
			call: `{{template "field" (field . "reason" "type" "textarea" "label" "Powód" "rows" 3 "value" "<b>")}}`,
			want: []string{`<textarea id="reason" name="reason" rows="3" aria-describedby="reason-blad" aria-invalid="true">&lt;b&gt;</textarea>`},
		},
		{
			name: "single checkbox",
			d:    pageData{Fields: map[string]string{"ok": "Zaznacz."}},
			call: `{{template "field" (field . "ok" "type" "checkbox" "label" "Rozumiem" "hint" "Opis" "value" "tak" "checked" true)}}`,
			want: []string{
				`<div class="field checkbox field-invalid">`,
				`<input type="checkbox" id="ok" name="ok" value="tak" checked aria-describedby="ok-opis ok-blad" aria-invalid="true">`,
				`<label for="ok">Rozumiem</label>`, `<p class="hint" id="ok-opis">Opis</p>`,
			},
		},
		{
			name: "radio group of structs",
			d:    pageData{Data: []opt{{"a", "A", false}, {"b", "B", true}}, Fields: map[string]string{"f": "Wybierz."}},
			call: `{{template "field" (field . "f" "type" "radio" "label" "Funkcja" "options" .Data)}}`,
			want: []string{
				`<fieldset class="field field-invalid" aria-describedby="f-blad">`, `<legend>Funkcja</legend>`,
				`<div class="radio">`, `<input type="radio" name="f" value="a" id="f">`, `<label for="f">A</label>`,
				`<input type="radio" name="f" value="b" id="f-1" checked>`, `<label for="f-1">B</label>`,
			},
			not: []string{"aria-invalid"},
		},
		{
			name: "required checkbox group of strings with a tag",
			d:    pageData{Data: []string{"ABC", "XYZ"}},
			call: `{{template "field" (field . "login" "type" "checkbox" "label" "Login" "hint" "h" "options" .Data "selected" "XYZ" "tagged" "ABC" "tag" "obecny" "required" true)}}`,
			want: []string{
				`<fieldset class="field" aria-describedby="login-wskazowka">`, `<div class="checkbox">`,
				`<input type="checkbox" name="login" value="ABC" id="login" required>`,
				`<label for="login">ABC <span class="tag">obecny</span></label>`,
				`<input type="checkbox" name="login" value="XYZ" id="login-1" checked required>`,
			},
		},
	}
	funcs := testFuncs(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := template.Must(template.New("page").Funcs(funcs).ParseFS(templateFS, "templates/"+partialField))
			template.Must(tpl.Parse(tc.call))
			var buf bytes.Buffer
			if err := tpl.ExecuteTemplate(&buf, "page", &tc.d); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %s in:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("unexpected %s in:\n%s", n, out)
				}
			}
		})
	}
}

// TestFieldArguments: a typo in a field's arguments fails the page instead
// of silently dropping an attribute.
func TestFieldArguments(t *testing.T) {
	d := &pageData{}
	for name, kv := range map[string][]any{
		"unknown key":       {"lable", "Login"},
		"odd arguments":     {"label"},
		"bool as string":    {"required", "true"},
		"string as bool":    {"label", true},
		"options not slice": {"type", "radio", "options", 3},
		"options of ints":   {"type", "radio", "options", []int{1}},
	} {
		if _, err := newFormField(d, "login", kv...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := dict("a"); err == nil {
		t.Error("dict with an odd number of arguments: no error")
	}
}
