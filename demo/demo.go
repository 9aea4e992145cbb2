package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/loginname"
	"jedenlogin/password"
)

// Keys of the demo persons, one per situation worth trying.
const (
	Unchanged        = "unchanged"          // one uppercase login: nothing to do
	Choose           = "choose"             // two uppercase logins (and an inactive one)
	ChooseUppercase1 = "choose_uppercase_1" // one uppercase and one mixed-case login
	ChooseUppercase2 = "choose_uppercase_2" // two uppercase and one mixed-case login
	Generate1        = "generate_1"         // one mixed-case login
	Generate2        = "generate_2"         // two mixed-case logins, grouped by e-mail
	NoActiveLogin    = "no_active_login"    // inactive logins only
	Operator         = "operator"           // an operator (Person.Operator), already consolidated
)

// Credentials is what Build created: every demo person with their logins and
// passwords, and the entities they refer to.
type Credentials struct {
	Persons  []Person
	Entities []jedenlogin.Entity
}

// Person is one demo person.
type Person struct {
	Key      string // one of the constants above
	Name     string // first and last name, with diacritics
	PESEL    string // "" when the person has none (grouped by e-mail)
	PersonID int64
	Case     jedenlogin.Case
	Grouping jedenlogin.Grouping
	Operator bool
	Logins   []Login
	// Candidates are the logins the user may choose (choose cases), sorted.
	Candidates []string
	// GeneratedLogin is the login reserved for the person (generate case).
	GeneratedLogin string
	// Grants are what the person's entity list shows once consolidated:
	// the grants of the active logins.
	Grants []Grant
	// Expect says, in Polish and in English, what to do and what to expect.
	Expect, ExpectEN string
}

// Login is one legacy login of a demo person.
type Login struct {
	Name     string
	Password string
	Active   bool
	HashKind string // "argon2id" or "bcrypt" (rehashed to argon2id on the first sign-in)
	Email    string // the login's e-mail address (recovery mails go there)
}

// Grant is one grant as the entity list should show it.
type Grant struct {
	EntityID   string
	EntityName string
	Function   jedenlogin.Function
	Scopes     []string
	ValidTo    time.Time // zero = unbounded
	// Valid is false for an expired grant; Expiring is true for one that
	// ends within three months (PRZEDŁUŻ is offered).
	Valid, Expiring bool
}

// Person returns the demo person with this key, or nil.
func (c *Credentials) Person(key string) *Person {
	for i := range c.Persons {
		if c.Persons[i].Key == key {
			return &c.Persons[i]
		}
	}
	return nil
}

// Login returns the login with this name, or nil.
func (p *Person) Login(name string) *Login {
	for i := range p.Logins {
		if p.Logins[i].Name == name {
			return &p.Logins[i]
		}
	}
	return nil
}

// UnifiedLogin returns the login the person has once consolidated when it is
// known in advance: the only one (unchanged, operator) or the generated one;
// "" when the user chooses.
func (p *Person) UnifiedLogin() string {
	switch p.Case {
	case jedenlogin.CaseUnchanged:
		return p.Logins[0].Name
	case jedenlogin.CaseGenerate:
		return p.GeneratedLogin
	}
	return ""
}

// The entities of the demo: a kuratorium, two gminas under it, schools and
// a preschool under the gminas, and the ministry.
const (
	entMinistry    = "000010101"
	entKuratorium  = "431019514"
	entGminaSw     = "431020064"
	entGminaLe     = "431020130"
	entSP1         = "27630"
	entSP3         = "27631"
	entPrzedszkole = "29012"
	entSPLeczna    = "31877"
	entZS2Leczna   = "35420"
)

var entities = []jedenlogin.Entity{
	{ID: entMinistry, Name: "Ministerstwo Edukacji Narodowej", Kind: "ministerstwo"},
	{ID: entKuratorium, Name: "Kuratorium Oświaty w Lublinie", Kind: "kuratorium"},
	{ID: entGminaSw, Name: "Gmina Miejska Świdnik", Kind: "jst", ParentID: entKuratorium},
	{ID: entGminaLe, Name: "Gmina Łęczna", Kind: "jst", ParentID: entKuratorium},
	{ID: entSP1, Name: "Szkoła Podstawowa nr 1 im. Tadeusza Kościuszki w Świdniku", Kind: "szkola", ParentID: entGminaSw},
	{ID: entSP3, Name: "Szkoła Podstawowa nr 3 im. Marii Konopnickiej w Świdniku", Kind: "szkola", ParentID: entGminaSw},
	{ID: entPrzedszkole, Name: "Przedszkole Miejskie nr 5 „Słoneczko” w Świdniku", Kind: "szkola", ParentID: entGminaSw},
	{ID: entSPLeczna, Name: "Szkoła Podstawowa im. Jana Pawła II w Łęcznej", Kind: "szkola", ParentID: entGminaLe},
	{ID: entZS2Leczna, Name: "Zespół Szkół nr 2 im. Królowej Jadwigi w Łęcznej", Kind: "szkola", ParentID: entGminaLe},
}

func entityByID(id string) jedenlogin.Entity {
	for _, e := range entities {
		if e.ID == id {
			return e
		}
	}
	panic("demo: unknown entity " + id)
}

// validity of a demo grant, relative to Build's now.
type validity int

const (
	longValid validity = iota // two years ahead
	unbounded                 // no end date
	expiring                  // two months ahead: PRZEDŁUŻ is offered
	expired                   // ended three weeks ago
)

func (v validity) date(now time.Time) time.Time {
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch v {
	case longValid:
		return d.AddDate(2, 0, 0)
	case expiring:
		return d.AddDate(0, 2, 0)
	case expired:
		return d.AddDate(0, 0, -21)
	}
	return time.Time{}
}

// row is one legacy login of the demo, before hashing.
type row struct {
	login, password string
	active          bool
	bcrypt          bool
	entity          string
	function        jedenlogin.Function
	scopes          []string
	validity        validity
	acceptedYear    int    // the application behind the login was accepted on 1 Sept of this year
	email, phone    string // application data; they differ per login on purpose
}

type personSpec struct {
	key                 string
	first, second, last string
	pesel               string // "" = grouped by e-mail
	want                jedenlogin.Case
	operator            bool
	rows                []row
	expectKey, expectEN string // expectKey: the catalogue's Polish
}

func specs() []personSpec {
	return []personSpec{{
		key: Unchanged, first: "Krystyna", last: "Wiśniewska", pesel: pesel("780314", "0462"),
		want: jedenlogin.CaseUnchanged,
		rows: []row{
			{login: "KWISNIEWSKA", password: "Demo-Haslo-Klon", active: true, entity: entSP3,
				function: jedenlogin.FunctionHead, scopes: []string{"sio", "wnioski"}, validity: longValid,
				acceptedYear: 2019, email: "krystyna.wisniewska@sp3.swidnik.example", phone: "+48 81 751 20 33"},
		},
		expectKey: "demo.expect.unchanged",
		expectEN: "Already one login: signs in straight to the entity list. As the head of SP nr 3 she decides access applications " +
			"for that school (menu Wnioski), also those filed through the public form linked from the sign-in page.",
	}, {
		key: Choose, first: "Małgorzata", second: "Anna", last: "Dąbrowska", pesel: pesel("850722", "1248"),
		want: jedenlogin.CaseChoose,
		rows: []row{
			{login: "MDABROWSKA", password: "Demo-Haslo-Lipa", active: true, entity: entSP1,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2018, email: "m.dabrowska@sp1.swidnik.example", phone: "+48 600 100 201"},
			{login: "MDABROWSKA2", password: "Demo-Haslo-Brzoza", active: true, bcrypt: true, entity: entPrzedszkole,
				function: jedenlogin.FunctionActingHead, scopes: []string{"sio", "wnioski"}, validity: expiring,
				acceptedYear: 2023, email: "malgorzata.dabrowska@przedszkole5.swidnik.example", phone: "+48 600 100 202"},
			{login: "MDABROWSKA3", password: "Demo-Haslo-Cis", active: false, entity: entSP3,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2015, email: "m.dabrowska@sp3.swidnik.example"},
		},
		expectKey: "demo.expect.choose",
		expectEN: "Sign in with MDABROWSKA or MDABROWSKA2, choose one and enter its password. " +
			"The other is merged (signing in with it names the login that replaced it); inactive MDABROWSKA3 brings no grants. The preschool grant expires in 2 months (extend).",
	}, {
		key: ChooseUppercase1, first: "Grzegorz", last: "Żółkiewski", pesel: pesel("700101", "3571"),
		want: jedenlogin.CaseChooseUppercase,
		rows: []row{
			{login: "GZOLKIEWSKI", password: "Demo-Haslo-Jawor", active: true, entity: entSPLeczna,
				function: jedenlogin.FunctionHead, scopes: []string{"sio", "wnioski"}, validity: longValid,
				acceptedYear: 2020, email: "dyrektor@sp.leczna.example", phone: "+48 81 752 10 10"},
			{login: "g.zolkiewski", password: "Demo-Haslo-Wiaz", active: true, entity: entGminaLe,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: expired,
				acceptedYear: 2017, email: "g.zolkiewski@leczna.example"},
		},
		expectKey: "demo.expect.choose_uppercase_one",
		expectEN: "Sign in with g.zolkiewski: the only eligible login is GZOLKIEWSKI — enter its password. " +
			"The grant at Gmina Łęczna has expired (listed as expired).",
	}, {
		key: ChooseUppercase2, first: "Bożena", last: "Łukasik", pesel: pesel("920615", "0821"),
		want: jedenlogin.CaseChooseUppercase,
		rows: []row{
			{login: "BLUKASIK", password: "Demo-Haslo-Sosna", active: true, entity: entZS2Leczna,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: unbounded,
				acceptedYear: 2016, email: "b.lukasik@zs2.leczna.example"},
			{login: "BLUKASIK2", password: "Demo-Haslo-Jodla", active: true, entity: entSP1,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2024, email: "bozena.lukasik@sp1.swidnik.example", phone: "+48 512 300 400"},
			{login: "bozena.lukasik", password: "Demo-Haslo-Modrzew", active: true, bcrypt: true, entity: entGminaSw,
				function: jedenlogin.FunctionEmployee, scopes: []string{"wnioski"}, validity: longValid,
				acceptedYear: 2021, email: "bozena.lukasik@swidnik.example"},
		},
		expectKey: "demo.expect.choose_uppercase_two",
		expectEN: "Choose BLUKASIK or BLUKASIK2 (not bozena.lukasik: it has lowercase letters). " +
			"Signed in as BLUKASIK2, confirm it with the same password.",
	}, {
		key: Generate1, first: "Jędrzej", last: "Wójcik", pesel: pesel("881130", "5733"),
		want: jedenlogin.CaseGenerate,
		rows: []row{
			{login: "jwojcik", password: "Demo-Haslo-Buk", active: true, bcrypt: true, entity: entSP3,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2022, email: "jedrzej.wojcik@sp3.swidnik.example", phone: "+48 733 210 991"},
		},
		expectKey: "demo.expect.generate_one",
		expectEN:  "A new login is generated; confirm it with the current password (which stays).",
	}, {
		key: Generate2, first: "Agnieszka", last: "Nowak-Kowalska",
		want: jedenlogin.CaseGenerate,
		rows: []row{
			{login: "anowak", password: "Demo-Haslo-Grab", active: true, entity: entSPLeczna,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2019, email: "agnieszka.nowak@szkola.example"},
			{login: "Agnieszka.NK", password: "Demo-Haslo-Wierzba", active: true, entity: entZS2Leczna,
				function: jedenlogin.FunctionActingHead, scopes: []string{"sio", "wnioski"}, validity: longValid,
				acceptedYear: 2024, email: "agnieszka.nowak@szkola.example", phone: "+48 698 555 012"},
		},
		expectKey: "demo.expect.generate_two",
		expectEN: "No PESEL: logins grouped by e-mail and name. Sign in with either; " +
			"the new login gets the password you confirm it with.",
	}, {
		key: NoActiveLogin, first: "Zdzisław", last: "Kręcisz", pesel: pesel("590412", "0158"),
		want: jedenlogin.CaseNoActiveLogin,
		rows: []row{
			{login: "ZKRECISZ", password: "Demo-Haslo-Kasztan", active: false, entity: entGminaSw,
				function: jedenlogin.FunctionHead, scopes: []string{"sio", "wnioski"}, validity: expired,
				acceptedYear: 2012, email: "z.krecisz@swidnik.example"},
			{login: "z.krecisz", password: "Demo-Haslo-Topola", active: false, entity: entSP1,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, validity: longValid,
				acceptedYear: 2010},
		},
		expectKey: "demo.expect.no_active_login",
		expectEN:  "Inactive logins only: sign-in fails (wrong login or password).",
	}, {
		key: Operator, first: "Ewa", last: "Kaczmarczyk", pesel: pesel("800205", "2446"),
		want: jedenlogin.CaseUnchanged, operator: true,
		rows: []row{
			{login: "EKACZMARCZYK", password: "Demo-Haslo-Dab", active: true, entity: entKuratorium,
				function: jedenlogin.FunctionEmployee, scopes: []string{"sio", "wnioski"}, validity: unbounded,
				acceptedYear: 2014, email: "ewa.kaczmarczyk@kuratorium.example", phone: "+48 81 538 52 00"},
		},
		expectKey: "demo.expect.operator",
		expectEN:  "An operator (operator console).",
	}}
}

// pesel returns a PESEL with a valid check digit for a birth date YYMMDD
// (1900s) and a four-digit serial (its last digit even for women).
func pesel(yymmdd, serial string) string {
	s := yymmdd + serial
	w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += int(s[i]-'0') * w[i]
	}
	return s + string(rune('0'+(10-sum%10)%10))
}

var header = []string{"login", "password_hash", "status", "first_name", "second_name", "last_name",
	"pesel", "email", "phone", "entity_id", "entity_name", "entity_parent_id", "function", "scopes",
	"valid_to", "accepted_at", "last_login_at"}

// CSV returns the demo's legacy file: header and one row per login, with
// password hashes made by h (argon2id) and bcrypt for some logins.
func CSV(h *password.Hasher, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	for _, p := range specs() {
		for _, r := range p.rows {
			hash, err := hashFor(h, r)
			if err != nil {
				return nil, err
			}
			e := entityByID(r.entity)
			status := "active"
			if !r.active {
				status = "inactive"
			}
			var validTo string
			if d := r.validity.date(now); !d.IsZero() {
				validTo = d.Format(time.DateOnly)
			}
			accepted := time.Date(r.acceptedYear, 9, 1, 10, 0, 0, 0, time.UTC)
			lastLogin := now.UTC().AddDate(0, 0, -len(r.login)).Truncate(time.Second)
			if err := w.Write([]string{r.login, hash, status, p.first, p.second, p.last,
				p.pesel, r.email, r.phone, e.ID, e.Name, e.ParentID, string(r.function),
				strings.Join(r.scopes, "|"), validTo, accepted.Format(time.RFC3339),
				lastLogin.Format(time.RFC3339)}); err != nil {
				return nil, fmt.Errorf("demo: %w", err)
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return buf.Bytes(), nil
}

func hashFor(h *password.Hasher, r row) (string, error) {
	if r.bcrypt {
		// The legacy system's bcrypt at the lowest cost: it only has to show
		// the rehash to argon2id after the first sign-in.
		b, err := bcrypt.GenerateFromPassword([]byte(r.password), bcrypt.MinCost)
		if err != nil {
			return "", fmt.Errorf("demo: bcrypt %s: %w", r.login, err)
		}
		return string(b), nil
	}
	hash, err := h.Hash(r.password)
	if err != nil {
		return "", fmt.Errorf("demo: hash %s: %w", r.login, err)
	}
	return hash, nil
}

// Build creates the demo accounts in st, which must be empty (no login), by
// importing the demo's legacy CSV (see CSV) with the legacy importer; then
// it marks the operator person. Grant dates are relative to now. It returns
// an EINVALID *jedenlogin.Error when st already holds logins, and an error
// when the import fails or the imported persons do not fall in the cases
// the demo was written for (a bug in the demo or in the rules).
func Build(ctx context.Context, st jedenlogin.Store, h *password.Hasher, now time.Time) (*Credentials, error) {
	snap, err := st.ImportSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if len(snap.Logins) > 0 {
		return nil, jedenlogin.NewError(jedenlogin.EINVALID, "demo.not_empty", len(snap.Logins))
	}
	data, err := CSV(h, now)
	if err != nil {
		return nil, err
	}
	imp := &legacy.Importer{Store: st, Now: func() time.Time { return now }}
	if _, err := imp.Import(ctx, bytes.NewReader(data), int64(len(data))); err != nil {
		return nil, fmt.Errorf("demo: import: %w", err)
	}

	creds := &Credentials{Entities: slices.Clone(entities)}
	for _, sp := range specs() {
		p, err := describe(ctx, st, sp, now)
		if err != nil {
			return nil, err
		}
		if sp.operator {
			err := st.UpdatePerson(ctx, p.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
				rec.Person.Operator = true
				id := rec.Person.ID
				return []jedenlogin.AuditEvent{{At: now, Action: jedenlogin.AuditOperatorCreated, Actor: "cli",
					PersonID: &id, Subject: p.Logins[0].Name, Outcome: "ok", Details: `{"source":"demo"}`}}, nil
			})
			if err != nil {
				return nil, fmt.Errorf("demo: marking %s an operator: %w", p.Logins[0].Name, err)
			}
			p.Operator = true
		}
		creds.Persons = append(creds.Persons, p)
	}
	return creds, nil
}

// describe reads back the person sp was imported as and checks the case.
func describe(ctx context.Context, st jedenlogin.Store, sp personSpec, now time.Time) (Person, error) {
	first := sp.rows[0].login
	l, err := st.LoginByName(ctx, first)
	if err != nil {
		return Person{}, fmt.Errorf("demo: login %s after import: %w", first, err)
	}
	rec, err := st.Person(ctx, l.PersonID)
	if err != nil {
		return Person{}, fmt.Errorf("demo: person of %s: %w", first, err)
	}
	p := Person{
		Key:      sp.key,
		Name:     sp.first + " " + sp.last,
		PESEL:    sp.pesel,
		PersonID: rec.Person.ID,
		Case:     rec.Person.Case,
		Grouping: rec.Person.Grouping(),
		Expect:   pl.Msg(sp.expectKey),
		ExpectEN: sp.expectEN,
	}
	if p.Case != sp.want {
		return Person{}, fmt.Errorf("demo: %s was imported as case %s, the demo expects %s", sp.key, p.Case, sp.want)
	}
	for _, r := range sp.rows {
		if rec.LoginByName(r.login) == nil {
			return Person{}, fmt.Errorf("demo: login %s is not in the person of %s", r.login, first)
		}
		kind := "argon2id"
		if r.bcrypt {
			kind = "bcrypt"
		}
		p.Logins = append(p.Logins, Login{Name: r.login, Password: r.password, Active: r.active, HashKind: kind, Email: r.email})
		if !r.active {
			continue
		}
		e := entityByID(r.entity)
		vt := r.validity.date(now)
		p.Grants = append(p.Grants, Grant{
			EntityID: e.ID, EntityName: e.Name, Function: r.function, Scopes: r.scopes, ValidTo: vt,
			Valid:    r.validity != expired,
			Expiring: r.validity == expiring,
		})
	}
	if p.Case == jedenlogin.CaseChoose || p.Case == jedenlogin.CaseChooseUppercase {
		for _, l := range rec.Logins {
			if l.State == jedenlogin.LoginActive && loginname.IsUnified(l.Name) {
				p.Candidates = append(p.Candidates, l.Name)
			}
		}
		slices.Sort(p.Candidates)
	}
	if rec.Person.GeneratedLoginID != nil {
		if g := rec.Login(*rec.Person.GeneratedLoginID); g != nil {
			p.GeneratedLogin = g.Name
		}
	}
	if p.Case == jedenlogin.CaseGenerate && p.GeneratedLogin == "" {
		return Person{}, fmt.Errorf("demo: %s: no generated login was reserved at import", sp.key)
	}
	return p, nil
}
