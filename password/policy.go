package password

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"jedenlogin/locale"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Policy is a set of rules a new password must satisfy. The zero Policy
// accepts any password without control characters of at most
// MaxPasswordBytes bytes (what Hash accepts); PolicySIO and PolicyNIST are
// the presets.
type Policy struct {
	Name      string // "sio" or "nist" for the presets
	MinLength int    // characters (not bytes); 0 means no minimum
	MaxLength int    // characters; 0 means no maximum
	// Composition rules.
	RequireLower   bool // a lowercase letter (Polish letters count)
	RequireUpper   bool // an uppercase letter
	RequireSpecial bool // a character that is neither a letter nor a digit
	// LetterAtEdges: the first and the last character must not be a digit
	// nor a special character.
	LetterAtEdges bool
	// NoPersonalData: the password must not contain the first name, the last
	// name (or any part of 3 or more letters of either) or the login,
	// ignoring case and Polish diacritics.
	NoPersonalData bool
	// Blocklist: the password must not be on the embedded list of common
	// passwords, ignoring case and Polish diacritics.
	Blocklist bool
	// MaxAge is how long a password stays valid; 0 means it never expires.
	MaxAge time.Duration
}

// PolicySIO is the system's current rules: at least 12 characters, a
// lowercase and an uppercase letter and a special character, letters at
// both ends, no personal data, not a common password, expiry after 90 days.
var PolicySIO = Policy{
	Name:           "sio",
	MinLength:      12,
	MaxLength:      256,
	RequireLower:   true,
	RequireUpper:   true,
	RequireSpecial: true,
	LetterAtEdges:  true,
	NoPersonalData: true,
	Blocklist:      true,
	MaxAge:         90 * 24 * time.Hour,
}

// PolicyNIST follows NIST SP 800-63B as the spec words it: at least 15
// characters, not a common password, no composition rules, no expiry.
var PolicyNIST = Policy{
	Name:      "nist",
	MinLength: 15,
	MaxLength: 256,
	Blocklist: true,
}

// PolicyByName returns the preset called name ("sio" or "nist"); any other
// name is an error listing the valid ones.
func PolicyByName(name string) (Policy, error) {
	switch name {
	case PolicySIO.Name:
		return PolicySIO, nil
	case PolicyNIST.Name:
		return PolicyNIST, nil
	}
	return Policy{}, fmt.Errorf("unknown password policy %q (want %q or %q)", name, PolicySIO.Name, PolicyNIST.Name)
}

// PolicyContext is what the policy knows about the password's owner.
type PolicyContext struct {
	FirstName string
	LastName  string
	Login     string
}

// Reason is one rule a password breaks: a stable machine-readable Code,
// and the message catalogue's Key with its Args (package locale) for the
// text a person reads, which the caller puts into Message.
type Reason struct {
	Code    string `json:"code"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
	Message string `json:"message"`
}

// Reason codes returned by Check.
const (
	ReasonInvalidCharacter  = "invalid_character"
	ReasonTooShort          = "too_short"
	ReasonTooLong           = "too_long"
	ReasonNoLowercase       = "no_lowercase"
	ReasonNoUppercase       = "no_uppercase"
	ReasonNoSpecial         = "no_special"
	ReasonBadFirstCharacter = "bad_first_character"
	ReasonBadLastCharacter  = "bad_last_character"
	ReasonContainsName      = "contains_name"
	ReasonContainsLogin     = "contains_login"
	ReasonCommon            = "common"
)

// Check returns every rule of p that pw breaks, in a fixed order, or nil if
// pw is acceptable. Invalid UTF-8 and control characters are refused by
// every policy.
func (p Policy) Check(pw string, ctx PolicyContext) []Reason {
	var reasons []Reason
	add := func(code, key string, args ...any) {
		reasons = append(reasons, Reason{Code: code, Key: key, Args: args})
	}
	if !utf8.ValidString(pw) || strings.IndexFunc(pw, unicode.IsControl) >= 0 {
		add(ReasonInvalidCharacter, "password.reason.invalid_character")
	}
	n := utf8.RuneCountInString(pw)
	if n < p.MinLength {
		add(ReasonTooShort, locale.PluralKey("password.reason.too_short", p.MinLength), p.MinLength)
	}
	if p.MaxLength > 0 && n > p.MaxLength {
		add(ReasonTooLong, locale.PluralKey("password.reason.too_long", p.MaxLength), p.MaxLength)
	} else if len(pw) > MaxPasswordBytes {
		// Only a policy without MaxLength (or one above 256) gets here:
		// Hash would refuse the password.
		add(ReasonTooLong, "password.reason.too_many_bytes", MaxPasswordBytes)
	}
	if p.RequireLower && strings.IndexFunc(pw, unicode.IsLower) < 0 {
		add(ReasonNoLowercase, "password.reason.no_lowercase")
	}
	if p.RequireUpper && strings.IndexFunc(pw, unicode.IsUpper) < 0 {
		add(ReasonNoUppercase, "password.reason.no_uppercase")
	}
	if p.RequireSpecial && strings.IndexFunc(pw, isSpecial) < 0 {
		add(ReasonNoSpecial, "password.reason.no_special")
	}
	if p.LetterAtEdges && pw != "" {
		first, _ := utf8.DecodeRuneInString(pw)
		last, _ := utf8.DecodeLastRuneInString(pw)
		if !unicode.IsLetter(first) {
			add(ReasonBadFirstCharacter, "password.reason.bad_first_character")
		}
		if !unicode.IsLetter(last) {
			add(ReasonBadLastCharacter, "password.reason.bad_last_character")
		}
	}
	if p.NoPersonalData {
		folded := fold(pw)
		if containsNamePart(folded, ctx.FirstName) || containsNamePart(folded, ctx.LastName) {
			add(ReasonContainsName, "password.reason.contains_name")
		}
		if login := fold(strings.TrimSpace(ctx.Login)); utf8.RuneCountInString(login) >= minNamePart && strings.Contains(folded, login) {
			add(ReasonContainsLogin, "password.reason.contains_login")
		}
	}
	if p.Blocklist && IsCommon(pw) {
		add(ReasonCommon, "password.reason.common")
	}
	return reasons
}

// Expired reports whether a password last changed at changedAt has outlived
// p.MaxAge at now. A policy without MaxAge never expires passwords, and a
// zero changedAt (unknown, e.g. an imported password) is not expired.
func (p Policy) Expired(changedAt, now time.Time) bool {
	return p.MaxAge > 0 && !changedAt.IsZero() && now.Sub(changedAt) >= p.MaxAge
}

// isSpecial reports whether r is a special character: printable, and
// neither a letter nor a digit (punctuation, symbols, space).
func isSpecial(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsControl(r)
}

// polishFold maps Polish letters with diacritics to their base letters.
var polishFold = strings.NewReplacer(
	"ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z",
)

// fold lowercases s and removes Polish diacritics, so that "Łódź" and
// "LODZ" compare equal.
func fold(s string) string {
	return polishFold.Replace(strings.ToLower(s))
}

// minNamePart is the shortest name part or login the password is checked
// for: shorter ones ("Li", "Ng") would refuse too many good passwords.
const minNamePart = 3

// containsNamePart reports whether folded (an already folded password)
// contains name or any part of it ("Anna Maria", "Kowalska-Nowak") of at
// least minNamePart letters.
func containsNamePart(folded, name string) bool {
	for _, part := range strings.FieldsFunc(fold(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(part) >= minNamePart && strings.Contains(folded, part) {
			return true
		}
	}
	return false
}

//go:embed blocklist/*.txt
var blocklistFiles embed.FS

// blocklist is the folded set of common passwords, read on first use.
var blocklist = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 60000)
	files, err := fs.Glob(blocklistFiles, "blocklist/*.txt")
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("password: no embedded blocklist: %v", err))
	}
	for _, name := range files {
		data, err := blocklistFiles.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("password: embedded blocklist %s: %v", name, err))
		}
		for line := range bytes.Lines(data) {
			if line = bytes.TrimRight(line, "\r\n"); len(line) > 0 {
				set[fold(string(line))] = struct{}{}
			}
		}
	}
	return set
})

// IsCommon reports whether pw is on the embedded list of common passwords,
// ignoring case and Polish diacritics. The list (about 57,000 passwords,
// Polish ones included; sources in blocklist/SOURCE.md) is loaded on the
// first call.
func IsCommon(pw string) bool {
	_, ok := blocklist()[fold(pw)]
	return ok
}
