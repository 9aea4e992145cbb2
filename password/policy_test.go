package password

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"jedenlogin/locale"
)

func codes(reasons []Reason) []string {
	var c []string
	for _, r := range reasons {
		c = append(c, r.Code)
	}
	return c
}

// person is the owner of the passwords in the policy tests: a first name
// with a Polish letter, a double-barrelled last name, and a login.
var person = PolicyContext{FirstName: "Łukasz", LastName: "Wiśniewski-Żak", Login: "lwisniewski"}

func TestPolicySIO(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ctx  PolicyContext
		want []string
	}{
		{"good", "Zielony!Ogrodek", person, nil},
		{"good with Polish letters", "Źdźbło!Żółwia", person, nil},
		{"good with space as special", "Zielony Ogrodek", person, nil},
		{"exactly 12 characters", "Abcdefgh!jkl", person, nil},
		{"11 characters", "Abcdefg!jkl", person, []string{ReasonTooShort}},
		{"12 characters, 14 bytes", "Ąbcdefgh!jkł", person, nil},
		{"empty", "", person, []string{ReasonTooShort, ReasonNoLowercase, ReasonNoUppercase, ReasonNoSpecial}},
		{"too long", "A" + strings.Repeat("!b", 128), person, []string{ReasonTooLong}},
		{"exactly 256 characters", "A" + strings.Repeat("!b", 127) + "c", person, nil},
		{"no lowercase", "ZIELONY!OGRODEK", person, []string{ReasonNoLowercase}},
		{"no uppercase", "zielony!ogrodek", person, []string{ReasonNoUppercase}},
		{"no special", "ZielonyOgrodekX", person, []string{ReasonNoSpecial}},
		{"digit is not special", "Zielony1Ogrodek", person, []string{ReasonNoSpecial}},
		{"starts with digit", "1Zielony!Ogrodek", person, []string{ReasonBadFirstCharacter}},
		{"starts with special", "!Zielony!Ogrodek", person, []string{ReasonBadFirstCharacter}},
		{"ends with digit", "Zielony!Ogrodek7", person, []string{ReasonBadLastCharacter}},
		{"ends with special", "Zielony!Ogrodek#", person, []string{ReasonBadLastCharacter}},
		{"both ends bad", "#Zielony!Ogrodek1", person, []string{ReasonBadFirstCharacter, ReasonBadLastCharacter}},
		{"contains first name without diacritics", "Mój!Lukasz!Dom", person, []string{ReasonContainsName}},
		{"contains first name upper case with diacritics", "Mój!ŁUKASZ!Dom", person, []string{ReasonContainsName}},
		{"contains first part of last name", "Dom!Wisniewscy!Wisniewski!X", person, []string{ReasonContainsName}},
		{"contains second part of last name", "Dom!Zak!Ogrodek", person, []string{ReasonContainsName}},
		{"contains login", "Mój!LWisniewski!Dom", person, []string{ReasonContainsName, ReasonContainsLogin}},
		{"contains login only", "Mój!Login!Jkow!Dom", PolicyContext{Login: "jkow"}, []string{ReasonContainsLogin}},
		{"short name parts are ignored", "Jojo!Ogrodek!Li", PolicyContext{FirstName: "Jo", LastName: "Li"}, nil},
		{"empty context", "Zielony!Ogrodek", PolicyContext{}, nil},
		{"common password", "Kochamciebie", person, []string{ReasonNoSpecial, ReasonCommon}},
		{"control character", "Zielony!\nOgrodek", person, []string{ReasonInvalidCharacter}},
		{"invalid UTF-8", "Zielony!\xffOgrodek", person, []string{ReasonInvalidCharacter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PolicySIO.Check(tt.pw, tt.ctx)
			if !slices.Equal(codes(got), tt.want) {
				t.Errorf("Check(%q) = %v, want %v", tt.pw, codes(got), tt.want)
			}
		})
	}
}

func TestPolicyNIST(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want []string
	}{
		{"good passphrase", "correct horse battery staple", nil},
		{"lowercase only is fine", "alllowercaseonly", nil},
		{"digits at both ends are fine", "1zielony ogrodek2", nil},
		{"personal data is not checked", "Mój Łukasz Wiśniewski", nil},
		{"exactly 15 characters", "zielonyogrodekx", nil},
		{"14 characters", "zielonyogrodek", []string{ReasonTooShort}},
		{"common", "1qaz2wsx3edc4rfv", []string{ReasonCommon}},
		{"common in other case", "QAZWSXEDCRFVTGB", []string{ReasonCommon}},
		{"short and common", "Hasło", []string{ReasonTooShort, ReasonCommon}},
		{"too long", strings.Repeat("a", 257), []string{ReasonTooLong}},
		{"control character", "zielony\togrodek!", []string{ReasonInvalidCharacter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PolicyNIST.Check(tt.pw, person)
			if !slices.Equal(codes(got), tt.want) {
				t.Errorf("Check(%q) = %v, want %v", tt.pw, codes(got), tt.want)
			}
		})
	}
}

// polish fills in the reasons' messages from the catalogue, as the
// service does.
func polish(rs []Reason) []Reason {
	for i := range rs {
		rs[i].Message = locale.Polish.Msg(rs[i].Key, rs[i].Args...)
	}
	return rs
}

func TestReasonMessagesArePolish(t *testing.T) {
	got := polish(PolicySIO.Check("", person))
	want := map[string]string{
		ReasonTooShort:    "Hasło musi mieć co najmniej 12 znaków.",
		ReasonNoLowercase: "Hasło musi zawierać co najmniej jedną małą literę.",
		ReasonNoUppercase: "Hasło musi zawierać co najmniej jedną wielką literę.",
		ReasonNoSpecial:   "Hasło musi zawierać co najmniej jeden znak specjalny (np. ! @ # $ % &).",
	}
	for _, r := range got {
		if want[r.Code] != r.Message {
			t.Errorf("%s: message %q, want %q", r.Code, r.Message, want[r.Code])
		}
	}
	all := polish(append(PolicySIO.Check("#kochamcie\x00", person), PolicySIO.Check("1Lukasz!lwisniewski", person)...))
	for _, r := range all {
		if r.Message == "" || !strings.HasSuffix(r.Message, ".") || !utf8.ValidString(r.Message) {
			t.Errorf("%s: message %q is not a sentence", r.Code, r.Message)
		}
	}
	if len(all) < 6 {
		t.Errorf("want at least 6 reasons, got %v", codes(all))
	}
}

func TestCharactersPlural(t *testing.T) {
	for n, want := range map[int]string{1: "znak", 2: "znaki", 4: "znaki", 5: "znaków", 12: "znaków", 14: "znaków",
		15: "znaków", 22: "znaki", 25: "znaków", 112: "znaków", 124: "znaki", 256: "znaków"} {
		got := polish(Policy{MinLength: n}.Check("", PolicyContext{}))
		if len(got) != 1 || !strings.HasSuffix(got[0].Message, fmt.Sprintf(" %d %s.", n, want)) {
			t.Errorf("minimum length %d: %v, want the message to end in %q", n, got, fmt.Sprintf("%d %s.", n, want))
		}
	}
}

func TestBlocklist(t *testing.T) {
	if n := len(blocklist()); n < 10000 {
		t.Fatalf("blocklist has %d passwords, want at least 10,000", n)
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"123456", true},
		{"password", true},
		{"PASSWORD", true},
		{"qwerty", true},
		{"haslo", true},
		{"Hasło", true},
		{"HASŁO123", true},
		{"haslo123", true},
		{"polska", true},
		{"Polska123", true},
		{"kochamcie", true},
		{"KochamCię", true},
		{"kochamciebie", true},
		{"zaq12wsx", true},
		{"zaq1@WSX", true},
		{"misiaczek", true},
		{"sloneczko", true},
		{"1qaz2wsx3edc", true},
		{"Zielony!Ogrodek", false},
		{"correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsCommon(tt.pw); got != tt.want {
			t.Errorf("IsCommon(%q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
}

func TestPolicyExpired(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name      string
		p         Policy
		changedAt time.Time
		want      bool
	}{
		{"sio 89 days", PolicySIO, now.Add(-89 * day), false},
		{"sio 90 days", PolicySIO, now.Add(-90 * day), true},
		{"sio 200 days", PolicySIO, now.Add(-200 * day), true},
		{"sio unknown change time", PolicySIO, time.Time{}, false},
		{"nist 10 years", PolicyNIST, now.Add(-3650 * day), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Expired(tt.changedAt, now); got != tt.want {
				t.Errorf("Expired = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPolicyByName(t *testing.T) {
	for _, p := range []Policy{PolicySIO, PolicyNIST} {
		got, err := PolicyByName(p.Name)
		if err != nil || got != p {
			t.Errorf("PolicyByName(%q) = %+v, %v", p.Name, got, err)
		}
	}
	if _, err := PolicyByName("strict"); err == nil || !strings.Contains(err.Error(), `"sio"`) {
		t.Errorf("PolicyByName(strict) error = %v, want one listing the presets", err)
	}
}
