package browsertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxePath is where `npm ci --prefix tools/axe` puts axe-core, relative to
// the repository root.
const AxePath = "tools/axe/node_modules/axe-core/axe.min.js"

// AxeTags are the rule sets CheckAccessibility runs: WCAG 2.0 and 2.1, levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one axe rule broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
		Fix    string `json:"failureSummary"`
	} `json:"nodes"`
}

// String names the rule, its help text and every offending element.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.URL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s", n.Target, n.HTML)
		if n.Fix != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Fix, "\n", "\n      "))
		}
	}
	return b.String()
}

var axeSource struct {
	once sync.Once
	js   string
	err  error
}

// loadAxe reads axe.min.js once per test binary; it skips (fails under
// strict) when it is not installed.
func loadAxe(tb testing.TB) string {
	tb.Helper()
	root := RepoRoot(tb)
	axeSource.once.Do(func() {
		b, err := os.ReadFile(filepath.Join(root, AxePath))
		axeSource.js, axeSource.err = string(b), err
	})
	if axeSource.err != nil {
		SkipOrFail(tb, fmt.Sprintf("axe-core is not installed (%v); run: npm ci --prefix tools/axe", axeSource.err))
	}
	return axeSource.js
}

// runAxe is evaluated after axe.min.js; it resolves to the violations as JSON.
const runAxe = `(async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']});
  return JSON.stringify(r.violations);
})()`

// AccessibilityViolations injects axe-core into the page through DevTools
// (so the page's Content-Security-Policy does not apply) and returns the
// WCAG 2.0/2.1 A and AA violations it finds. It skips the test when axe-core
// is not installed (fails under JEDENLOGIN_TEST_STRICT=1) and fails it when
// axe cannot run.
func (p *Page) AccessibilityViolations() []Violation {
	p.tb.Helper()
	src := loadAxe(p.tb)
	if !Eval[bool](p, "typeof window.axe === 'object'") {
		Run(p, "inject axe-core", chromedp.Evaluate[chromedp.Void](src))
	}
	tags, _ := json.Marshal(AxeTags)
	out := Run(p, "run axe-core", chromedp.Evaluate[string](fmt.Sprintf(runAxe, tags), chromedp.EvalAwaitPromise))
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		p.tb.Fatalf("axe-core result: %v", err)
	}
	return vs
}

// CheckAccessibility fails the test (without stopping it) with every
// WCAG 2.0/2.1 A/AA violation axe-core finds on the page; screen names the
// page in the message.
func (p *Page) CheckAccessibility(screen string) {
	p.tb.Helper()
	vs := p.AccessibilityViolations()
	if len(vs) == 0 {
		return
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = "  " + v.String()
	}
	p.tb.Errorf("axe-core: %d accessibility violation(s) on %s (%s):\n%s",
		len(vs), screen, p.location(), strings.Join(msgs, "\n"))
}
