package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/loginname"
	"jedenlogin/password"
)

// Validity of the links and codes mailed by self-service (SPEC §7).
const (
	EmailCodeValidity     = time.Hour
	LoginRecoveryValidity = time.Hour
	PasswordResetValidity = time.Hour
)

// Identity is what recovery compares: a person's names, PESEL and e-mail.
type Identity struct {
	FirstName  string
	SecondName string
	LastName   string
	PESEL      string
	Email      string
}

// LoginRecovery is the "Odzyskaj login" form.
type LoginRecovery struct {
	FirstName, SecondName, LastName, PESEL, Email string
}

// PasswordRecovery is the "Nie pamiętasz hasła?" form.
type PasswordRecovery struct {
	Login, FirstName, LastName, PESEL, Email string
}

// identityOfAccount returns the account data as an Identity.
func identityOfAccount(a *jedenlogin.AccountData) Identity {
	return Identity{FirstName: a.FirstName, SecondName: a.SecondName, LastName: a.LastName, PESEL: a.PESEL, Email: a.Email}
}

func identityOfLogin(l *jedenlogin.Login) Identity {
	return Identity{FirstName: l.FirstName, SecondName: l.SecondName, LastName: l.LastName, PESEL: l.PESEL, Email: l.Email}
}

// foldName lowercases a name, drops Polish diacritics and collapses spaces,
// so "  Łukasz  " and "lukasz" compare equal.
func foldName(s string) string {
	return strings.Join(strings.Fields(polishFold.Replace(strings.ToLower(s))), " ")
}

var polishFold = strings.NewReplacer("ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z")

func sameName(a, b string) bool { return foldName(a) == foldName(b) }

func sameEmail(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && strings.EqualFold(a, b)
}

func samePESEL(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// matches reports whether id has the given data; second names are compared
// only when withSecond.
func (id Identity) matches(first, second, last, pesel, email string, withSecond bool) bool {
	return samePESEL(id.PESEL, pesel) && sameEmail(id.Email, email) &&
		sameName(id.FirstName, first) && sameName(id.LastName, last) &&
		(!withSecond || sameName(id.SecondName, second))
}

// MatchLogin decides an "Odzyskaj login" request against the person found
// by its PESEL. It returns the address to mail (the one on record that
// matched) and true when the names, second name, PESEL and e-mail all
// match: the account data of a consolidated person, or the application
// data of one of a pending person's active logins. A person with nothing to
// sign in with (no active login) never matches.
func MatchLogin(rec *jedenlogin.PersonRecord, req LoginRecovery) (string, bool) {
	if len(RecoveredLogins(rec)) == 0 {
		return "", false
	}
	if rec.Person.State == jedenlogin.StateDone && rec.Person.Account != nil {
		id := identityOfAccount(rec.Person.Account)
		if id.matches(req.FirstName, req.SecondName, req.LastName, req.PESEL, req.Email, true) {
			return id.Email, true
		}
		return "", false
	}
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State != jedenlogin.LoginActive {
			continue
		}
		id := identityOfLogin(l)
		if id.matches(req.FirstName, req.SecondName, req.LastName, req.PESEL, req.Email, true) {
			return id.Email, true
		}
	}
	return "", false
}

// RecoveredLogins returns what "Odzyskaj login" shows: the unified login of
// a consolidated person; before the transition every active login of the
// person (uppercase ones first, then by name), any of which leads to the
// transition screens. Nil when there is none.
func RecoveredLogins(rec *jedenlogin.PersonRecord) []string {
	if rec.Person.State == jedenlogin.StateDone {
		if rec.Person.UnifiedLoginID == nil {
			return nil
		}
		if l := rec.Login(*rec.Person.UnifiedLoginID); l != nil && l.State == jedenlogin.LoginActive {
			return []string{l.Name}
		}
		return nil
	}
	var upper, other []string
	for _, l := range rec.Logins {
		if l.State != jedenlogin.LoginActive {
			continue
		}
		if loginname.IsUnified(l.Name) {
			upper = append(upper, l.Name)
		} else {
			other = append(other, l.Name)
		}
	}
	slices.Sort(upper)
	slices.Sort(other)
	return append(upper, other...)
}

// MatchPassword decides a "Nie pamiętasz hasła?" request for the login
// named in it (already found, case-sensitively, in rec). It returns the
// address to mail and true when the login can be reset — the unified login
// of a consolidated person, or an active login of a pending one — and the
// first name, last name, PESEL and e-mail match the data the person is
// known by (account data, else that login's application data).
func MatchPassword(rec *jedenlogin.PersonRecord, l *jedenlogin.Login, req PasswordRecovery) (string, bool) {
	if l == nil || l.State != jedenlogin.LoginActive || l.Name != req.Login {
		return "", false
	}
	var id Identity
	switch {
	case rec.Person.State == jedenlogin.StateDone:
		if rec.Person.UnifiedLoginID == nil || *rec.Person.UnifiedLoginID != l.ID || rec.Person.Account == nil {
			return "", false
		}
		id = identityOfAccount(rec.Person.Account)
	case rec.Person.Account != nil:
		id = identityOfAccount(rec.Person.Account)
	default:
		id = identityOfLogin(l)
	}
	if id.matches(req.FirstName, "", req.LastName, req.PESEL, req.Email, false) {
		return id.Email, true
	}
	return "", false
}

// Names returns the first and last name the person is known by for the
// login: account data, else the login's application data.
func Names(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) (first, last string) {
	if a := rec.Person.Account; a != nil {
		return a.FirstName, a.LastName
	}
	if l != nil {
		return l.FirstName, l.LastName
	}
	return "", ""
}

// PolicyContext is what the password policy must know for a new password
// of login l: the person's names and the login.
func PolicyContext(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) password.PolicyContext {
	first, last := Names(rec, l)
	return password.PolicyContext{FirstName: first, LastName: last, Login: l.Name}
}

// PasswordExpired reports whether the login's password has reached maxAge
// at now (maxAge 0: never). A password never changed in jedenlogin
// (PasswordChangedAt nil: imported from the old system) counts from when the
// login was created here, so imported passwords get a full period after
// the import instead of expiring all at once.
func PasswordExpired(l *jedenlogin.Login, maxAge time.Duration, now time.Time) bool {
	if maxAge <= 0 {
		return false
	}
	changed := l.CreatedAt
	if l.PasswordChangedAt != nil {
		changed = *l.PasswordChangedAt
	}
	return !changed.IsZero() && now.Sub(changed) >= maxAge
}

// Contact data.

// Reasons NormalizeEmail, NormalizePhone and NormalizePESEL refuse a value.
var (
	ErrInvalidEmail = jedenlogin.NewError(jedenlogin.EINVALID, "account.invalid_email")
	ErrInvalidPhone = jedenlogin.NewError(jedenlogin.EINVALID, "account.invalid_phone")
	ErrInvalidPESEL = jedenlogin.NewError(jedenlogin.EINVALID, "account.invalid_pesel")
)

// NormalizeEmail trims s and checks it with jedenlogin.ValidEmail;
// ErrInvalidEmail otherwise.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !jedenlogin.ValidEmail(s) {
		return "", ErrInvalidEmail
	}
	return s, nil
}

// NormalizePhone returns jedenlogin.NormalizePhone(s); "" stays "" (no
// phone). Any other value must pass jedenlogin.ValidPhone, the rule of the
// application form too; ErrInvalidPhone otherwise.
func NormalizePhone(s string) (string, error) {
	s = jedenlogin.NormalizePhone(s)
	if s != "" && !jedenlogin.ValidPhone(s) {
		return "", ErrInvalidPhone
	}
	return s, nil
}

// NormalizePESEL trims s and checks it with jedenlogin.ValidPESEL;
// ErrInvalidPESEL otherwise.
func NormalizePESEL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !jedenlogin.ValidPESEL(s) {
		return "", ErrInvalidPESEL
	}
	return s, nil
}

// MaskEmail hides most of an address's local part (jan.kowalski@szkola.pl →
// j***@szkola.pl), for notices sent to another address.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

// E-mail change codes.

// EmailChange is the Data of a TokenEmailVerify token: the address waiting
// for confirmation and the hash of its 6-digit code.
type EmailChange struct {
	Email    string `json:"email"`
	CodeHash string `json:"code_hash"`
}

// Encode returns the token Data JSON.
func (c EmailChange) Encode() string {
	b, _ := json.Marshal(c) // two strings cannot fail
	return string(b)
}

// DecodeEmailChange parses a TokenEmailVerify token's Data; an error names
// what is wrong with it.
func DecodeEmailChange(data string) (EmailChange, error) {
	var c EmailChange
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return c, fmt.Errorf("e-mail change token data: %w", err)
	}
	if c.Email == "" || c.CodeHash == "" {
		return c, fmt.Errorf("e-mail change token data: missing email or code")
	}
	return c, nil
}

// NewCode returns a random 6-digit code. It panics only when the system's
// random source fails.
func NewCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("account: random source failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// CodeHash binds a code to its token: the hex SHA-256 of the token's hash
// and the code, so equal codes of different tokens hash differently.
func CodeHash(tokenHash, code string) string {
	sum := sha256.Sum256([]byte(tokenHash + ":" + code))
	return hex.EncodeToString(sum[:])
}

// CheckCode reports whether code (spaces ignored) is the one whose hash the
// change holds, in constant time.
func (c EmailChange) CheckCode(tokenHash, code string) bool {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	got := CodeHash(tokenHash, code)
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.CodeHash)) == 1
}
