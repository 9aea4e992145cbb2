package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Keys for Press.
const (
	Tab   = kb.Tab
	Enter = kb.Enter
	Space = " "
	// Down moves to the next radio button of a group (and selects it).
	Down = kb.ArrowDown
)

// Open navigates to url and waits for it to load; it fails the test on error.
func (p *Page) Open(url string) {
	p.tb.Helper()
	p.Do("open "+url, chromedp.Navigate(url))
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// WaitFor polls the JavaScript condition until it is true (surviving page
// loads in between) and fails the test after ActionTimeout, naming what
// and showing the page's heading and alerts.
func (p *Page) WaitFor(what, cond string) {
	p.tb.Helper()
	deadline := time.Now().Add(ActionTimeout)
	expr := "(() => { try { return document.readyState === 'complete' && !!(" + cond + "); } catch (e) { return false; } })()"
	for {
		ctx, cancel := context.WithTimeout(p.Ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("waiting for %s: timed out (page %s, %s)", what, p.location(), p.summary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// summary describes the page for failure messages: its h1 and alerts.
func (p *Page) summary() string {
	ctx, cancel := context.WithTimeout(p.Ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  const h1 = document.querySelector('h1');
  const alerts = [...document.querySelectorAll('[role=alert],[role=status],.field-error')].map(a => a.innerText.trim()).filter(Boolean);
  return 'h1 ' + JSON.stringify(h1 ? h1.innerText.trim() : null) + ', alerts ' + JSON.stringify(alerts);
})()`))
	if err != nil {
		return "page unreadable: " + err.Error()
	}
	return s
}

// WaitHeading waits until the page's h1 reads exactly text.
func (p *Page) WaitHeading(text string) {
	p.tb.Helper()
	p.WaitFor("heading "+js(text), "document.querySelector('h1') && document.querySelector('h1').innerText.trim() === "+js(text))
}

// Heading returns the text of the page's h1 ("" when none).
func (p *Page) Heading() string {
	p.tb.Helper()
	return Eval[string](p, "(document.querySelector('h1') || {innerText: ''}).innerText.trim()")
}

// FieldByLabel returns a CSS selector for the form control whose <label>
// reads exactly label, as a user finds it; it fails the test when no label
// with that text is tied to a control.
func (p *Page) FieldByLabel(label string) string {
	p.tb.Helper()
	id := Eval[string](p, `(() => {
  const l = [...document.querySelectorAll('label')].find(l => l.innerText.trim() === `+js(label)+`);
  return l && l.control && l.control.id ? l.control.id : '';
})()`)
	if id == "" {
		p.tb.Fatalf("no form control labelled %q (page %s, %s)", label, p.location(), p.summary())
	}
	return "#" + CSSEscapeID(id)
}

// CSSEscapeID escapes an element id for a CSS #selector (ids here are
// letters, digits and dashes; anything else is escaped).
func CSSEscapeID(id string) string {
	var b strings.Builder
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-' || r == '_', r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "\\%x ", r)
		}
	}
	return b.String()
}

// Type clicks into the field and types text into it key by key.
func (p *Page) Type(css, text string) {
	p.tb.Helper()
	p.Do("type into "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible), chromedp.KeyEvent(text))
}

// Press sends keys to the focused element, as a keyboard user would.
func (p *Page) Press(keys string) {
	p.tb.Helper()
	p.Do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// TabTo presses Tab until the focused element matches css, failing the
// test when 40 presses do not reach it (it cannot be reached by keyboard).
func (p *Page) TabTo(css string) {
	p.tb.Helper()
	match := "document.activeElement && document.activeElement.matches(" + js(css) + ")"
	for range 40 {
		if Eval[bool](p, match) {
			return
		}
		p.Press(Tab)
	}
	p.tb.Fatalf("%s cannot be reached with Tab (page %s)", css, p.location())
}

// Focused describes the focused element: tag, id and text.
func (p *Page) Focused() string {
	p.tb.Helper()
	return Eval[string](p, `(() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + '#' + e.id + ' ' + (e.innerText || e.value || '').trim() : ''; })()`)
}

// ClickText clicks, with the mouse, the first visible element of the tag
// ("button", "a", "label", …) whose text reads exactly text.
func (p *Page) ClickText(tag, text string) {
	p.tb.Helper()
	xp := fmt.Sprintf("//%s[normalize-space()=%s]", tag, xpathString(text))
	p.Do(fmt.Sprintf("click %s %q", tag, text), chromedp.Click(xp, chromedp.NodeVisible))
}

// Click clicks, with the mouse, the element matching css.
func (p *Page) Click(css string) {
	p.tb.Helper()
	p.Do("click "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// xpathString quotes s as an XPath 1.0 string literal.
func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	if !strings.Contains(s, `'`) {
		return `'` + s + `'`
	}
	parts := strings.Split(s, `"`)
	return `concat("` + strings.Join(parts, `", '"', "`) + `")`
}

// InnerText returns the visible text of the whole page body.
func (p *Page) InnerText() string {
	p.tb.Helper()
	return Eval[string](p, "document.body.innerText")
}
