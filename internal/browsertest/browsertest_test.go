package browsertest_test

import (
	"bytes"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"jedenlogin/internal/browsertest"
)

// csp is as strict as the application's: no inline script may run.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

const goodPage = `<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>Logowanie</title></head>
<body><main><h1>Logowanie</h1>
<form method="post" action="/echo"><label for="login">Login</label> <input id="login" name="login">
<button type="submit">Zaloguj</button></form>
<script>document.title = "inline script ran";</script>
</main></body></html>`

const badPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Źle</title></head>
<body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input id="x" name="x"></main></body></html>`

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/good", page(goodPage))
	mux.HandleFunc("/bad", page(badPage))
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		page("<!doctype html><html lang=pl><title>Echo</title><h1>Witaj "+html.EscapeString(r.PostFormValue("login"))+"</h1></html>")(w, r)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestBrowser(t *testing.T) {
	ts := server(t)
	b := browsertest.New(t)

	t.Run("page CSP blocks inline scripts but not DevTools evaluation", func(t *testing.T) {
		p := b.NewPage(t)
		p.Do("open", chromedp.Navigate(ts.URL+"/good"))
		if got := browsertest.Eval[string](p, "document.title"); got != "Logowanie" {
			t.Errorf("title = %q, want the inline script blocked by CSP", got)
		}
		if got := p.Text("h1"); got != "Logowanie" {
			t.Errorf("h1 = %q", got)
		}
	})

	t.Run("accessible page has no violations", func(t *testing.T) {
		p := b.NewPage(t)
		p.Do("open", chromedp.Navigate(ts.URL+"/good"))
		if vs := p.AccessibilityViolations(); len(vs) != 0 {
			t.Errorf("violations on an accessible page: %v", vs)
		}
		p.CheckAccessibility("good page")
	})

	t.Run("inaccessible page reports each broken rule with its element", func(t *testing.T) {
		p := b.NewPage(t)
		p.Do("open", chromedp.Navigate(ts.URL+"/bad"))
		vs := p.AccessibilityViolations()
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
			if len(v.Nodes) == 0 || v.Help == "" {
				t.Errorf("violation %s lacks help or nodes: %+v", v.ID, v)
			}
		}
		for _, want := range []string{"html-has-lang", "image-alt", "label"} {
			if !slices.Contains(ids, want) {
				t.Errorf("violations %v lack %q", ids, want)
			}
		}
	})

	t.Run("screenshot is a full-width PNG", func(t *testing.T) {
		p := b.NewPage(t)
		p.Do("open", chromedp.Navigate(ts.URL+"/good"))
		path := filepath.Join(t.TempDir(), "shots", "good.png")
		p.Screenshot(path)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		if w := img.Bounds().Dx(); w != browsertest.ViewportWidth {
			t.Errorf("width = %d, want %d", w, browsertest.ViewportWidth)
		}
	})

	t.Run("a user fills the form by label and keyboard, submits by mouse", func(t *testing.T) {
		p := b.NewPage(t)
		p.Open(ts.URL + "/good")
		p.WaitHeading("Logowanie")
		field := p.FieldByLabel("Login")
		if field != "#login" {
			t.Errorf("FieldByLabel(Login) = %q", field)
		}
		p.TabTo(field)
		p.Press("Żaneta")
		p.ClickText("button", "Zaloguj")
		p.WaitHeading("Witaj Żaneta")
	})

	t.Run("pages do not share cookies", func(t *testing.T) {
		p1, p2 := b.NewPage(t), b.NewPage(t)
		p1.Do("open", chromedp.Navigate(ts.URL+"/good"))
		p2.Do("open", chromedp.Navigate(ts.URL+"/good"))
		browsertest.Eval[chromedp.Void](p1, `document.cookie = "s=1; path=/"`)
		if got := browsertest.Eval[string](p2, "document.cookie"); got != "" {
			t.Errorf("second page sees cookie %q", got)
		}
	})
}

func TestRepoRoot(t *testing.T) {
	root := browsertest.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("RepoRoot = %s without go.mod", root)
	}
}
