package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed locale/pl.json
var plJSON []byte

// catalogue maps message keys to Polish texts (fmt verbs for arguments).
// Every key used by a handler or a template must exist; locale_test.go
// checks that.
type catalogue map[string]string

// loadCatalogue parses the embedded Polish catalogue.
func loadCatalogue() (catalogue, error) {
	var c catalogue
	if err := json.Unmarshal(plJSON, &c); err != nil {
		return nil, fmt.Errorf("locale/pl.json: %w", err)
	}
	return c, nil
}

// msg returns the text for key formatted with args. A missing key returns
// the key itself so a page still renders; the catalogue test fails on it.
func (s *Server) msg(key string, args ...any) string {
	m, ok := s.cat[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// pluralKey returns key+".one", ".few" or ".many" by the Polish plural rule
// for n (1 próba, 2–4 próby, 5 prób; 22–24 próby, 12–14 prób).
func pluralKey(key string, n int) string {
	switch {
	case n == 1:
		return key + ".one"
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return key + ".few"
	default:
		return key + ".many"
	}
}
