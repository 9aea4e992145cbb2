package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ActionTimeout bounds every single browser action of a Page, so a selector
// that never matches fails the test instead of hanging it.
const ActionTimeout = 15 * time.Second

// Viewport is the browser window size; screenshots are this wide.
const (
	ViewportWidth  = 1280
	ViewportHeight = 900
)

// Strict reports whether JEDENLOGIN_TEST_STRICT=1 asks tests to fail rather
// than skip when a tool they need is missing.
func Strict() bool { return os.Getenv("JEDENLOGIN_TEST_STRICT") == "1" }

// SkipOrFail skips the test with msg, or fails it under JEDENLOGIN_TEST_STRICT=1.
func SkipOrFail(tb testing.TB, msg string) {
	tb.Helper()
	if Strict() {
		tb.Fatal(msg + " (JEDENLOGIN_TEST_STRICT=1: failing instead of skipping)")
	}
	tb.Skip(msg)
}

// ChromiumPath returns the browser binary: $JEDENLOGIN_CHROMIUM when set,
// else /usr/bin/chromium or the first chromium/chrome found on PATH. It
// returns an error saying how to install Chromium when none is found.
func ChromiumPath() (string, error) {
	if p := os.Getenv("JEDENLOGIN_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: JEDENLOGIN_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browsertest: Chromium not found; install it: apt-get install -y chromium")
}

// Browser is one headless Chromium process, ended when the test that
// started it ends.
type Browser struct {
	ctx context.Context // a browser context with its first tab attached
}

// New starts headless Chromium for tb and stops it in tb's cleanup. It skips
// the test when Chromium is missing (fails under JEDENLOGIN_TEST_STRICT=1)
// and fails it when Chromium does not start.
func New(tb testing.TB) *Browser {
	tb.Helper()
	path, err := ChromiumPath()
	if err != nil {
		SkipOrFail(tb, err.Error())
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "pl-PL"),
		chromedp.Flag("accept-lang", "pl-PL,pl"),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(ViewportWidth, ViewportHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first Do binds the browser's life to ctx, which has no deadline;
	// bound only the start itself.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			tb.Fatalf("browsertest: starting %s: %v", path, err)
		}
	case <-time.After(60 * time.Second):
		tb.Fatalf("browsertest: %s did not start within 60 s", path)
	}
	return &Browser{ctx: ctx}
}

// NewPage opens a tab in a new browser context (its own cookies and
// storage), closed when tb ends. It fails tb when the tab cannot be opened.
func (b *Browser) NewPage(tb testing.TB) *Page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	// Like the browser, the tab lives as long as the context of its first
	// Do, so that one runs on ctx itself, without a deadline.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("browsertest: opening a tab: %v", err)
	}
	return &Page{Ctx: ctx, tb: tb}
}

// Page is one tab. Its methods fail the test on error; Ctx is there for
// anything they do not cover.
type Page struct {
	Ctx context.Context
	tb  testing.TB
}

// Do runs the steps in order, each within ActionTimeout, and fails the test
// (naming what) at the first error.
func (p *Page) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.tb.Helper()
	for i, step := range steps {
		ctx, cancel := context.WithTimeout(p.Ctx, ActionTimeout)
		err := chromedp.Do(ctx, step)
		cancel()
		if err != nil {
			p.tb.Fatalf("%s: step %d: %v (page %s)", what, i+1, err, p.location())
		}
	}
}

// Run runs one action within ActionTimeout and returns its value; it fails
// the test on error.
func Run[T any](p *Page, what string, a chromedp.Action[T]) T {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.tb.Fatalf("%s: %v (page %s)", what, err, p.location())
	}
	return v
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to be visible; it fails the test when there is none.
func (p *Page) Text(css string) string {
	p.tb.Helper()
	return Run(p, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
}

// Eval evaluates a JavaScript expression through DevTools and returns its
// value decoded into T; it fails the test on error.
func Eval[T any](p *Page, expr string) T {
	p.tb.Helper()
	return Run(p, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// Location returns the current URL.
func (p *Page) Location() string {
	p.tb.Helper()
	return Run(p, "location", chromedp.Location())
}

func (p *Page) location() string {
	ctx, cancel := context.WithTimeout(p.Ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return loc
}

// Screenshot writes a full-page PNG of the page to path, creating its
// directory; it fails the test on error.
func (p *Page) Screenshot(path string) {
	p.tb.Helper()
	png := Run(p, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.tb.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.tb.Fatalf("screenshot: %v", err)
	}
}

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory; it fails the test when there is none.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}
