// Package locale is jedenlogin's message catalogue: every text a person
// reads — pages, JSON API messages, e-mails, the domain's errors — by key,
// in Polish (pl.json, embedded). Code carries keys (jedenlogin.Text,
// jedenlogin.Error) and the edge (web, mail, the CLI) translates them here,
// so Polish lives in one file.
package locale

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"jedenlogin"
)

//go:embed pl.json
var plJSON []byte

// Catalogue maps message keys to Polish texts (fmt verbs for arguments).
// Every key used by code or a template must exist; the tests check that.
type Catalogue map[string]string

// Polish is the embedded Polish catalogue, parsed once.
var Polish = func() Catalogue {
	var c Catalogue
	if err := json.Unmarshal(plJSON, &c); err != nil {
		panic(fmt.Sprintf("locale/pl.json: %v", err)) // embedded; the tests parse it
	}
	return c
}()

// Msg returns the text for key formatted with args. A missing key returns
// the key itself so a page still renders; the catalogue test fails on it.
func (c Catalogue) Msg(key string, args ...any) string {
	m, ok := c[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Text translates t; the zero Text is "".
func (c Catalogue) Text(t jedenlogin.Text) string {
	if t.Key == "" {
		return ""
	}
	return c.Msg(t.Key, t.Args...)
}

// Error returns the text of err to show a person: the message of the
// first *jedenlogin.Error in its chain, or the generic internal error.
func (c Catalogue) Error(err error) string {
	var e *jedenlogin.Error
	if errors.As(err, &e) && e.Key != "" {
		return c.Text(e.Text)
	}
	return c.Msg("error.internal")
}

// PluralKey returns key+".one", ".few" or ".many" by the Polish plural rule
// for n (1 próba, 2–4 próby, 5 prób; 22–24 próby, 12–14 prób).
func PluralKey(key string, n int) string {
	switch {
	case n == 1:
		return key + ".one"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return key + ".few"
	default:
		return key + ".many"
	}
}

// Plural is the Text of PluralKey(key, n) with n as its argument.
func Plural(key string, n int) jedenlogin.Text {
	return jedenlogin.T(PluralKey(key, n), n)
}

// Describe returns err's text for an operator's terminal or a log: the
// whole chain as err.Error() gives it, with the *jedenlogin.Error in it
// translated ("import: …: Baza danych zmieniła się …").
func (c Catalogue) Describe(err error) string {
	s := err.Error()
	var e *jedenlogin.Error
	if errors.As(err, &e) && e.Key != "" {
		s = strings.Replace(s, e.Error(), c.Text(e.Text), 1)
	}
	return s
}
