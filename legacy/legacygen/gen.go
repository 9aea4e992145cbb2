package legacygen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/loginname"
)

// Header is the column order of generated files (SPEC §4).
var Header = []string{
	"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
	"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at", "last_login_at",
}

// Shares of the generated data, per mille. They are what a national legacy
// export plausibly looks like: most people have one uppercase login, a
// sizeable minority several, and a small tail of dirty data.
const (
	caseUnchanged       = 500
	caseChoose          = 100
	caseChooseUppercase = 150
	caseGenerate        = 200
	// the rest (50) no_active_login

	groupPESEL = 600 // persons whose logins carry their PESEL
	groupEmail = 250 // persons grouped by e-mail and names (no PESEL)
	// the rest: lone logins (neither PESEL nor e-mail)

	badPESEL       = 5  // a PESEL login with a wrong check digit
	badEmail       = 5  // a corrupted e-mail
	caseTwin       = 1  // a lowercase-style login equal to another's uppercase one ignoring case
	otherLastName  = 3  // of PESEL persons with 2+ logins: one login under another last name
	secondHead     = 1  // of head rows: a second active head of an entity
	emptyHash      = 30 // rows without a password hash
	withValidTo    = 600
	withAcceptedAt = 900
	withLastLogin  = 700
	withPhone      = 500
	withSecondName = 250
)

// Options configure Generate.
type Options struct {
	Rows int    // data rows to write
	Seed uint64 // same seed, same file
}

// Stats counts what a generated file holds, by intent (the importer's own
// count may differ slightly: e.g. a corrupted PESEL moves a login to
// another group).
type Stats struct {
	Rows, Persons, Entities int
	Cases                   map[jedenlogin.Case]int
	Warnings                int // rows written to cause an import warning
}

// Generate writes a realistic legacy file of opt.Rows rows to w: about
// Rows/2 persons with 1–4 logins each, Polish names with diacritics, every
// consolidation case of SPEC §6, grouping by PESEL (valid check digits), by
// e-mail and names, and lone logins, a small share of rows causing warnings
// (invalid PESEL, bad e-mail, case twins, a second head, one PESEL under two
// last names), every hash format of SPEC §4 (all of Password), about
// Rows×3% entities (kuratoria → gminy → schools), scopes, dates and some
// rows without a hash. The output depends only on opt.
func Generate(w io.Writer, opt Options) (*Stats, error) {
	g := newGen(opt)
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header); err != nil {
		return nil, err
	}
	// Rows are written in blocks shuffled within themselves, so one person's
	// logins are near each other but not adjacent, as in an export sorted by
	// something else than the person.
	var block [][]string
	flush := func() error {
		g.r.Shuffle(len(block), func(i, j int) { block[i], block[j] = block[j], block[i] })
		for _, rec := range block {
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		block = block[:0]
		return nil
	}
	for g.stats.Rows < opt.Rows {
		for _, rec := range g.person(opt.Rows - g.stats.Rows) {
			block = append(block, rec)
		}
		if len(block) >= 20_000 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return &g.stats, nil
}

type entity struct {
	id, name, parent string
	head             bool // has an active head already
}

type gen struct {
	r        *rand.Rand
	hashes   *hashPool
	entities []entity
	// Entities with a parent role come first, so the first rows cover them
	// and every parent named in the file is also described by a row.
	parents   int
	nextCover int

	taken    map[string]bool // folded login names
	upper    []string        // uppercase legacy names, for case twins
	pesels   map[string]bool
	prefixN  map[string]int
	emailsN  map[string]int
	stats    Stats
	baseTime time.Time
}

func newGen(opt Options) *gen {
	g := &gen{
		r:        rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		taken:    map[string]bool{},
		pesels:   map[string]bool{},
		prefixN:  map[string]int{},
		emailsN:  map[string]int{},
		baseTime: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	g.stats.Cases = map[jedenlogin.Case]int{}
	g.hashes = thePool()
	g.makeEntities(max(30, opt.Rows*3/100))
	return g
}

// makeEntities creates n entities: kuratoria (no parent), gminy (parent: a
// kuratorium) and schools (parent: a gmina).
func (g *gen) makeEntities(n int) {
	nk := min(16, max(2, n/100))
	ng := max(4, n/12)
	for i := range nk {
		g.entities = append(g.entities, entity{
			id:   fmt.Sprintf("%09d", 100000000+i*7919),
			name: "Kuratorium Oświaty w " + kuratoriumSeats[i%len(kuratoriumSeats)] + suffix(i, len(kuratoriumSeats)),
		})
	}
	for i := range ng {
		town := towns[i%len(towns)] + suffix(i, len(towns))
		kind := "Gmina "
		if i%5 == 4 {
			kind = "Powiat "
		}
		g.entities = append(g.entities, entity{
			id:     fmt.Sprintf("%09d", 200000000+i*104729%99999989),
			name:   kind + town,
			parent: g.entities[i%nk].id,
		})
	}
	g.parents = len(g.entities)
	for i := 0; len(g.entities) < n; i++ {
		gm := g.entities[nk+g.r.IntN(ng)]
		kind := schoolKinds[g.r.IntN(len(schoolKinds))]
		town := strings.TrimPrefix(strings.TrimPrefix(gm.name, "Gmina "), "Powiat ")
		g.entities = append(g.entities, entity{
			id:     strconv.Itoa(100000 + i),
			name:   fmt.Sprintf("%s nr %d (%s)", kind, 1+g.r.IntN(40), town),
			parent: gm.id,
		})
	}
	g.stats.Entities = len(g.entities)
}

func suffix(i, n int) string {
	if i < n {
		return ""
	}
	return fmt.Sprintf(" %d", i/n+1)
}

// pick returns true with probability perMille/1000.
func (g *gen) pick(perMille int) bool { return g.r.IntN(1000) < perMille }

// person is one generated person and returns their rows (at most limit).
type personData struct {
	female                      bool
	first, second, last, pesel  string
	email                       string
	grouping                    int // 0 PESEL, 1 e-mail, 2 lone
	upperCount, otherCount, ina int
}

func (g *gen) person(limit int) [][]string {
	k := 1
	switch x := g.r.IntN(100); {
	case x < 30:
		k = 2
	case x < 45:
		k = 3
	case x < 52:
		k = 4
	}
	var c jedenlogin.Case
	switch x := g.r.IntN(1000); {
	case x < caseUnchanged:
		c = jedenlogin.CaseUnchanged
	case x < caseUnchanged+caseChoose:
		c = jedenlogin.CaseChoose
	case x < caseUnchanged+caseChoose+caseChooseUppercase:
		c = jedenlogin.CaseChooseUppercase
	case x < caseUnchanged+caseChoose+caseChooseUppercase+caseGenerate:
		c = jedenlogin.CaseGenerate
	default:
		c = jedenlogin.CaseNoActiveLogin
	}
	if (c == jedenlogin.CaseChoose || c == jedenlogin.CaseChooseUppercase) && k < 2 {
		k = 2
	}
	k = min(k, limit)
	if k < 2 && (c == jedenlogin.CaseChoose || c == jedenlogin.CaseChooseUppercase) {
		c = jedenlogin.CaseUnchanged
	}

	p := g.newPerson(k)
	// Active logins by kind for the case; the rest are inactive.
	type spec struct {
		upper, active bool
	}
	specs := make([]spec, k)
	switch c {
	case jedenlogin.CaseUnchanged:
		specs[0] = spec{true, true}
		for i := 1; i < k; i++ {
			specs[i] = spec{g.r.IntN(2) == 0, false}
		}
	case jedenlogin.CaseChoose:
		for i := range k {
			specs[i] = spec{true, i < 2 || g.r.IntN(2) == 0}
		}
	case jedenlogin.CaseChooseUppercase:
		specs[0], specs[1] = spec{true, true}, spec{false, true}
		for i := 2; i < k; i++ {
			specs[i] = spec{g.r.IntN(2) == 0, g.r.IntN(2) == 0}
		}
	case jedenlogin.CaseGenerate:
		specs[0] = spec{false, true}
		for i := 1; i < k; i++ {
			up := g.r.IntN(2) == 0
			specs[i] = spec{up, !up}
		}
	default:
		for i := range k {
			specs[i] = spec{g.r.IntN(2) == 0, false}
		}
	}
	// Lone logins are persons of their own: only a one-login person can be
	// lone and keep the intended case.
	if p.grouping == 2 && k > 1 {
		p.grouping = 0
		p.pesel = g.newPESEL(p.female)
	}
	g.stats.Persons++
	g.stats.Cases[c]++

	rows := make([][]string, 0, k)
	renamed := k >= 2 && p.grouping == 0 && g.pick(otherLastName)
	for i, s := range specs {
		rows = append(rows, g.row(p, s.upper, s.active, renamed && i == k-1))
	}
	return rows
}

func (g *gen) newPerson(k int) *personData {
	p := &personData{female: g.r.IntN(2) == 0}
	if p.female {
		p.first = femaleNames[g.r.IntN(len(femaleNames))]
		if g.pick(withSecondName) {
			p.second = femaleNames[g.r.IntN(len(femaleNames))]
		}
	} else {
		p.first = maleNames[g.r.IntN(len(maleNames))]
		if g.pick(withSecondName) {
			p.second = maleNames[g.r.IntN(len(maleNames))]
		}
	}
	p.last = g.lastName(p.female)
	switch x := g.r.IntN(1000); {
	case x < groupPESEL:
		p.grouping = 0
		p.pesel = g.newPESEL(p.female)
	case x < groupPESEL+groupEmail:
		p.grouping = 1
	default:
		p.grouping = 2
	}
	if p.grouping != 2 {
		p.email = g.newEmail(p)
	}
	return p
}

func (g *gen) lastName(female bool) string {
	one := func() string {
		l := lastNames[g.r.IntN(len(lastNames))]
		if female {
			for _, e := range [][2]string{{"ski", "ska"}, {"cki", "cka"}, {"dzki", "dzka"}} {
				if s, ok := strings.CutSuffix(l, e[0]); ok {
					return s + e[1]
				}
			}
		}
		return l
	}
	if female && g.pick(60) {
		return one() + "-" + one()
	}
	return one()
}

// newPESEL returns an unused PESEL with a valid check digit for a birth
// date between 1950 and 2004.
func (g *gen) newPESEL(female bool) string {
	for {
		y := 1950 + g.r.IntN(55)
		m := 1 + g.r.IntN(12)
		d := 1 + g.r.IntN(28)
		mm := m
		if y >= 2000 {
			mm += 20
		}
		serial := g.r.IntN(1000)
		sex := g.r.IntN(5) * 2
		if !female {
			sex++
		}
		s := fmt.Sprintf("%02d%02d%02d%03d%d", y%100, mm, d, serial, sex)
		s += strconv.Itoa(peselCheck(s))
		if !g.pesels[s] {
			g.pesels[s] = true
			return s
		}
	}
}

func peselCheck(s string) int {
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += w[i] * int(s[i]-'0')
	}
	return (10 - sum%10) % 10
}

func (g *gen) newEmail(p *personData) string {
	local := ascii(p.first) + "." + ascii(strings.ReplaceAll(p.last, "-", "."))
	dom := domains[g.r.IntN(len(domains))]
	base := local + "@" + dom
	n := g.emailsN[base]
	g.emailsN[base] = n + 1
	if n > 0 {
		return fmt.Sprintf("%s%d@%s", local, n, dom)
	}
	return base
}

// row writes one login of person p.
func (g *gen) row(p *personData, upper, active, renamed bool) []string {
	first, last, pesel, email := p.first, p.last, p.pesel, p.email
	if renamed {
		last = g.lastName(p.female)
		g.stats.Warnings++
	}
	if pesel != "" && g.pick(badPESEL) {
		pesel = pesel[:10] + strconv.Itoa((int(pesel[10]-'0')+1+g.r.IntN(8))%10)
		g.stats.Warnings++
	}
	if email != "" && p.grouping == 1 {
		// The same address, not always written the same way.
		switch g.r.IntN(4) {
		case 0:
			email = strings.ToUpper(email[:1]) + email[1:]
		case 1:
			local, dom, _ := strings.Cut(email, "@")
			email = local + "@" + strings.ToUpper(dom)
		}
		if g.pick(100) {
			first = strings.ToUpper(first)
		}
	} else if p.grouping == 0 && g.pick(300) {
		email = g.newEmail(p) // other addresses on other applications
	}
	if email != "" && g.pick(badEmail) {
		email = strings.Replace(email, "@", corruptAt[g.r.IntN(len(corruptAt))], 1)
		g.stats.Warnings++
	}

	name := g.loginName(first, last, upper)
	status := "inactive"
	if active {
		status = "active"
	}
	e := g.entity()
	function := "pracownik"
	switch x := g.r.IntN(100); {
	case x < 8:
		switch {
		case !active || !e.head:
			function = "kierownik"
			if active {
				e.head = true
			}
		case g.pick(secondHead * 50):
			function = "kierownik"
			g.stats.Warnings++
		}
	case x < 12:
		function = "po_kierownika"
	}
	hash := ""
	if !g.pick(emptyHash) {
		hash = g.hashes.pick(g.r)
	}
	phone := ""
	if g.pick(withPhone) {
		phone = fmt.Sprintf("%d%08d", 5+g.r.IntN(3), g.r.IntN(100000000))
		if g.r.IntN(3) == 0 {
			phone = "+48 " + phone[:3] + " " + phone[3:6] + " " + phone[6:]
		}
	}
	validTo := ""
	if g.pick(withValidTo) {
		validTo = time.Date(2024+g.r.IntN(7), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	accepted := ""
	if g.pick(withAcceptedAt) {
		accepted = g.timestamp(10 * 365)
	}
	lastLogin := ""
	if g.pick(withLastLogin) {
		lastLogin = g.timestamp(11 * 365)
	}
	g.stats.Rows++
	return []string{
		name, hash, status, first, p.second, last, pesel, email, phone,
		e.id, e.name, e.parent, function, scopeSets[g.r.IntN(len(scopeSets))], validTo, accepted, lastLogin,
	}
}

var corruptAt = []string{"@@", "", " @", "@.", "(at)"}

// entity returns the entity the next login opened: every parent entity once
// first (so each is described by a row), then schools mostly.
func (g *gen) entity() *entity {
	if g.nextCover < g.parents {
		g.nextCover++
		return &g.entities[g.nextCover-1]
	}
	if g.r.IntN(100) < 12 {
		return &g.entities[g.r.IntN(g.parents)]
	}
	return &g.entities[g.parents+g.r.IntN(len(g.entities)-g.parents)]
}

// timestamp returns an RFC 3339 time within days after 2015-01-01, in
// Polish local offsets or UTC.
func (g *gen) timestamp(days int) string {
	t := g.baseTime.Add(time.Duration(g.r.Int64N(int64(days) * 86400 * int64(time.Second)))).Truncate(time.Second)
	switch g.r.IntN(3) {
	case 0:
		return t.Format(time.RFC3339)
	case 1:
		return t.In(time.FixedZone("", 3600)).Format(time.RFC3339)
	default:
		return t.In(time.FixedZone("", 7200)).Format(time.RFC3339)
	}
}

// loginName returns an unused legacy login name: PREFIX+N in upper case
// (the system's own style) or a lowercase style, rarely a case twin of an
// existing uppercase one.
func (g *gen) loginName(first, last string, upper bool) string {
	if upper {
		prefix := loginname.Prefix(first, last)
		for {
			n := g.prefixN[prefix] + 1
			g.prefixN[prefix] = n
			name := prefix + strconv.Itoa(n)
			if g.take(name) {
				g.upper = append(g.upper, name)
				return name
			}
		}
	}
	if len(g.upper) > 0 && g.pick(caseTwin) {
		twin := []byte(g.upper[g.r.IntN(len(g.upper))])
		for i := 1; i < len(twin); i++ {
			if twin[i] >= 'A' && twin[i] <= 'Z' {
				twin[i] += 'a' - 'A'
			}
		}
		if !strings.ContainsAny(string(twin), "abcdefghijklmnopqrstuvwxyz") {
			twin = append(twin, 'x')
		}
		g.stats.Warnings++
		return string(twin) // taken ignoring case on purpose, never exactly
	}
	f, l := ascii(first), ascii(last)
	var base string
	switch g.r.IntN(5) {
	case 0:
		base = f[:1] + l
	case 1:
		base = f + "." + l
	case 2:
		base = strings.ToUpper(f[:1]) + f[1:min(3, len(f))] + strings.ToUpper(l[:1]) + l[1:min(3, len(l))]
	case 3:
		base = f + "_" + l
	default:
		base = f[:1] + "." + l + "-" + strconv.Itoa(1+g.r.IntN(99))
	}
	base = strings.ReplaceAll(base, " ", "")
	if len(base) > 56 {
		base = base[:56]
	}
	for n := 0; ; n++ {
		name := base
		if n > 0 {
			name = base + strconv.Itoa(n+1)
		}
		if g.take(name) {
			return name
		}
	}
}

// take marks name as used and reports whether it was free ignoring case.
func (g *gen) take(name string) bool {
	f := loginname.Fold(name)
	if g.taken[f] {
		return false
	}
	g.taken[f] = true
	return true
}

// ascii lower-cases and transliterates a Polish name to ASCII letters,
// keeping '-'.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := polish[r]; ok {
			b.WriteByte(t)
		} else if r < 128 && r != ' ' && r != '\'' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var polish = map[rune]byte{'ą': 'a', 'ć': 'c', 'ę': 'e', 'ł': 'l', 'ń': 'n', 'ó': 'o', 'ś': 's', 'ź': 'z', 'ż': 'z'}
