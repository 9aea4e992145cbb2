package web

import (
	"bytes"
	"fmt"
	"testing"
)

// brokenText finds what a user should never read on a page or in a mail: a
// Go formatting verb gone wrong ("%!s(*string=0x…)", "%!d(MISSING)") or a
// missing template value ("<no value>"). It returns "" when there is none.
func brokenText(page []byte) string {
	for _, bad := range []string{"%!", "<no value>", "&lt;no value&gt;"} {
		if i := bytes.Index(page, []byte(bad)); i >= 0 {
			from, to := max(0, i-60), min(len(page), i+60)
			return fmt.Sprintf("%q in …%s…", bad, page[from:to])
		}
	}
	return ""
}

// Every page any test of this package renders is checked: broken text
// makes it the 500 error page, which the test then notices.
func init() {
	checkRendered = func(view string, page []byte) error {
		if b := brokenText(page); b != "" {
			return fmt.Errorf("page %s has broken text: %s", view, b)
		}
		return nil
	}
}

func TestRenderRefusesBrokenText(t *testing.T) {
	if b := brokenText([]byte("Wpisz kod wysłany na adres %!s(*string=0xc000123)")); b == "" {
		t.Error("a bad verb not found")
	}
	if b := brokenText([]byte("Login: <no value>")); b == "" {
		t.Error("<no value> not found")
	}
	if b := brokenText([]byte("Wpisz kod wysłany na adres a@b.pl; 100% gotowe")); b != "" {
		t.Errorf("clean text flagged: %s", b)
	}
}

func TestTemplateTextFollowsPointers(t *testing.T) {
	email := "nowy@example.org"
	got := derefArgs([]any{&email, 3, (*string)(nil)})
	if got[0] != "nowy@example.org" || got[1] != 3 || got[2] != "" {
		t.Errorf("derefArgs = %#v", got)
	}
}
