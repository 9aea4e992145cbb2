package consolidation

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"jedenlogin"
)

// PlanRow is one line of `jedenlogin plan --format json` (SPEC §6). Every
// field is always present: the slices marshal as [] when empty (never
// null), GeneratedLogin is "" unless the person's case is generate, and
// UnifiedLogin is "" until the person is done.
type PlanRow struct {
	PersonID       int64    `json:"person_id"`
	PersonKey      string   `json:"person_key"`
	Case           string   `json:"case"`
	State          string   `json:"state"`
	Logins         []string `json:"logins"`
	ActiveLogins   []string `json:"active_logins"`
	Candidates     []string `json:"candidates"`
	GeneratedLogin string   `json:"generated_login"`
	UnifiedLogin   string   `json:"unified_login"`
	Entities       []string `json:"entities"`
}

// Row returns the plan row of a person. Case is the person's stored case
// (the case they were in, also once done), or Classify of their logins when
// none is stored; State "" reads as pending. Logins lists every login name
// in any state, ActiveLogins the active ones, both sorted; Candidates is
// Candidates(rec); Entities are the sorted ids of the entities of the
// non-merged grants held by the person's logins (revoked and expired ones
// included).
func Row(rec *jedenlogin.PersonRecord) PlanRow {
	p := &rec.Person
	r := PlanRow{
		PersonID:     p.ID,
		PersonKey:    p.Key,
		Case:         string(p.Case),
		State:        string(p.State),
		Logins:       []string{},
		ActiveLogins: []string{},
		Candidates:   Candidates(rec),
		Entities:     []string{},
	}
	if r.Case == "" {
		r.Case = string(Classify(rec.Logins))
	}
	if r.State == "" {
		r.State = string(jedenlogin.StatePending)
	}
	held := make(map[int64]bool, len(rec.Logins))
	for i := range rec.Logins {
		l := &rec.Logins[i]
		held[l.ID] = true
		r.Logins = append(r.Logins, l.Name)
		if l.State == jedenlogin.LoginActive {
			r.ActiveLogins = append(r.ActiveLogins, l.Name)
		}
	}
	slices.Sort(r.Logins)
	slices.Sort(r.ActiveLogins)
	if p.Case == jedenlogin.CaseGenerate && p.GeneratedLoginID != nil {
		if l := rec.Login(*p.GeneratedLoginID); l != nil {
			r.GeneratedLogin = l.Name
		}
	}
	if p.State == jedenlogin.StateDone && p.UnifiedLoginID != nil {
		if l := rec.Login(*p.UnifiedLoginID); l != nil {
			r.UnifiedLogin = l.Name
		}
	}
	for i := range rec.Grants {
		if g := &rec.Grants[i]; g.MergedInto == nil && held[g.LoginID] {
			r.Entities = append(r.Entities, g.EntityID)
		}
	}
	slices.Sort(r.Entities)
	r.Entities = slices.Compact(r.Entities)
	return r
}

// AppendJSON appends the row as JSON to b: the bytes encoding/json gives
// (json.Marshal, or an Encoder's line without its newline) — the fields in
// order, strings escaped alike (<, > and & as \u003c …, U+2028 and U+2029
// escaped, invalid UTF-8 as \ufffd) — without its reflection and
// allocations: the plan writes a row per person.
func (r *PlanRow) AppendJSON(b []byte) []byte {
	b = append(b, `{"person_id":`...)
	b = strconv.AppendInt(b, r.PersonID, 10)
	b = append(b, `,"person_key":`...)
	b = appendJSONString(b, r.PersonKey)
	b = append(b, `,"case":`...)
	b = appendJSONString(b, r.Case)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, r.State)
	b = append(b, `,"logins":`...)
	b = appendJSONStrings(b, r.Logins)
	b = append(b, `,"active_logins":`...)
	b = appendJSONStrings(b, r.ActiveLogins)
	b = append(b, `,"candidates":`...)
	b = appendJSONStrings(b, r.Candidates)
	b = append(b, `,"generated_login":`...)
	b = appendJSONString(b, r.GeneratedLogin)
	b = append(b, `,"unified_login":`...)
	b = appendJSONString(b, r.UnifiedLogin)
	b = append(b, `,"entities":`...)
	b = appendJSONStrings(b, r.Entities)
	return append(b, '}')
}

// appendJSONStrings appends ss as a JSON array; null when ss is nil, as
// encoding/json writes it.
func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping on (its default).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
