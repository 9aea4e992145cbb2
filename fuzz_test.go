package jedenlogin_test

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/account"
)

// Fuzz targets of the contact and identity rules (TESTING.md, "Fuzzing").
// Each checks the rule against the properties it promises, written out
// independently of its code; plain `go test` runs the seeds.

// FuzzValidPESEL: ValidPESEL accepts exactly 11 ASCII digits with a real
// date of birth and the right check digit, and a valid number becomes
// invalid when any one digit changes.
func FuzzValidPESEL(f *testing.F) {
	for _, s := range []string{
		"44051401458", "02270803624", "44051401380", "85031212343", "44051401459", "4405140145",
		"440514014580", "4405140145a", "44:51401380", " 44051401458", "", "00000000000",
		"80010100006", "81010100003", "92123100003", "24022900004", "00022900004", "49222900005",
		"99133100000", "62123100009", "44043101458", "٤٤٠٥١٤٠١٤٥٨",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := jedenlogin.ValidPESEL(s)
		if want := peselOracle(s); got != want {
			t.Fatalf("ValidPESEL(%q) = %v, want %v", s, got, want)
		}
		if !got {
			return
		}
		// The check digit's weights are all prime to 10, so any single
		// wrong digit is caught.
		for i := range jedenlogin.PESELLen {
			for d := byte('0'); d <= '9'; d++ {
				if d == s[i] {
					continue
				}
				changed := s[:i] + string(d) + s[i+1:]
				if jedenlogin.ValidPESEL(changed) {
					t.Fatalf("ValidPESEL(%q) = true: valid %q with digit %d changed", changed, s, i+1)
				}
			}
		}
		if n, err := account.NormalizePESEL(" " + s + "\t"); err != nil || n != s {
			t.Fatalf("NormalizePESEL(%q with space) = %q, %v; want it back", s, n, err)
		}
	})
}

// peselOracle is the PESEL rule written plainly: 11 digits, a date that
// time.Date does not have to normalise, the check digit.
func peselOracle(s string) bool {
	if len(s) != 11 {
		return false
	}
	d := make([]int, 11)
	for i := range 11 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
	}
	yy, mm, dd := d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	var year, month int
	switch {
	case mm >= 81 && mm <= 92:
		year, month = 1800+yy, mm-80
	case mm >= 1 && mm <= 12:
		year, month = 1900+yy, mm
	case mm >= 21 && mm <= 32:
		year, month = 2000+yy, mm-20
	case mm >= 41 && mm <= 52:
		year, month = 2100+yy, mm-40
	case mm >= 61 && mm <= 72:
		year, month = 2200+yy, mm-60
	default:
		return false
	}
	date := time.Date(year, time.Month(month), dd, 0, 0, 0, 0, time.UTC)
	if dd < 1 || date.Day() != dd || date.Month() != time.Month(month) {
		return false
	}
	w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += w[i] * d[i]
	}
	return d[10] == (10-sum%10)%10
}

// FuzzValidEmail: an address ValidEmail accepts is plain (one @, no white
// space, control or format character such as a bidi override, valid UTF-8, within the lengths, a domain of
// two or more well-formed labels), survives the trimming of
// account.NormalizeEmail unchanged (which accepts exactly what is valid
// once trimmed), and stays valid when lower-cased, as the application form
// does before checking it.
func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{
		"jan.kowalski@szkola.edu.pl", "a@b.pl", "jan@localhost", "jan@@b.pl", ".jan@b.pl", "jan.@b.pl",
		"ja..n@b.pl", "jan@-b.pl", "jan@b-.pl", "jan@b..pl", "Jan Kowalski <jan@b.pl>", "jan@b.pl ",
		"zażółć@gęślą.pl", "!#$%&'*+-/=?^_`{|}~@b.pl", "jan@b.pl\n", strings.Repeat("a", 64) + "@b.pl",
		strings.Repeat("a", 65) + "@b.pl", "a@" + strings.Repeat("b", 63) + ".pl", "a@" + strings.Repeat("b", 64) + ".pl",
		"ȺȺȺ@b.pl", "İ@b.pl", "\xff@b.pl", "jan@b.pl.", "\"jan\"@b.pl",
		// Accepted before ValidEmail looked at what a non-ASCII character
		// is: a no-break space, a C1 control, a right-to-left override.
		"jan\u00a0kowalski@b.pl", "jan@b\u0085.pl", "jan\u202elp.b@b.pl", "jan@b.pl\u3000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		trimmed := strings.TrimSpace(s)
		if n, err := account.NormalizeEmail(s); (err == nil) != jedenlogin.ValidEmail(trimmed) || err == nil && n != trimmed {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; ValidEmail of it trimmed: %v", s, n, err, jedenlogin.ValidEmail(trimmed))
		}
		if !jedenlogin.ValidEmail(s) {
			return
		}
		local, domain, _ := strings.Cut(s, "@")
		switch {
		case !utf8.ValidString(s):
			t.Fatalf("ValidEmail(%q) = true for invalid UTF-8", s)
		case len(s) > jedenlogin.MaxEmailLen || len(local) > jedenlogin.MaxEmailLocalLen || local == "":
			t.Fatalf("ValidEmail(%q) = true beyond the lengths", s)
		case strings.Count(s, "@") != 1:
			t.Fatalf("ValidEmail(%q) = true with %d @", s, strings.Count(s, "@"))
		case strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '<' || r == '>' || r == '(' || r == ','
		}):
			t.Fatalf("ValidEmail(%q) = true with white space, a control or format character or a display-name character", s)
		case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
			t.Fatalf("ValidEmail(%q) = true with a misplaced dot in the local part", s)
		}
		labels := strings.Split(domain, ".")
		if len(labels) < 2 {
			t.Fatalf("ValidEmail(%q) = true with a one-label domain", s)
		}
		for _, l := range labels {
			if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
				t.Fatalf("ValidEmail(%q) = true with domain label %q", s, l)
			}
		}
		if n, err := account.NormalizeEmail("  " + s + "\r\n"); err != nil || n != s {
			t.Fatalf("NormalizeEmail(%q with space) = %q, %v; want it back", s, n, err)
		}
		// Case does not decide validity (the application form lower-cases
		// before checking), except where lower-casing changes the length
		// the limits count: Ⱥ (2 bytes) becomes ⱥ (3 bytes).
		if lower := strings.ToLower(s); len(lower) == len(s) && !jedenlogin.ValidEmail(lower) {
			t.Fatalf("ValidEmail(%q) = true but false for its lower case %q", s, lower)
		}
	})
}

// FuzzValidPhone: NormalizePhone is idempotent and leaves no leading,
// trailing or doubled space; a phone ValidPhone accepts has 9–15 digits,
// only the allowed separators and + only in front, stays valid when
// normalised, and account.NormalizePhone keeps exactly that form.
func FuzzValidPhone(f *testing.F) {
	for _, s := range []string{
		"+48 600 100 200", "600-100-200", "(22) 123 45 67", "12-34-56", "600+100200", "60010020a",
		"  +48  600 100 200 ", "+48\t600\u00a0100 200", "123456789012345", "1234567890123456",
		"+" + strings.Repeat("1 ", 16), "", "   ", "++48600100200", "600\n100\n200",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := jedenlogin.NormalizePhone(s)
		if again := jedenlogin.NormalizePhone(n); again != n {
			t.Fatalf("NormalizePhone(%q) = %q, normalised again %q", s, n, again)
		}
		if strings.TrimSpace(n) != n || strings.Contains(n, "  ") {
			t.Fatalf("NormalizePhone(%q) = %q: space left at an end or doubled", s, n)
		}
		if got, err := account.NormalizePhone(s); (err == nil) != (n == "" || jedenlogin.ValidPhone(n)) || (err == nil && got != n) {
			t.Fatalf("account.NormalizePhone(%q) = %q, %v; NormalizePhone %q, ValidPhone %v", s, got, err, n, jedenlogin.ValidPhone(n))
		}
		if !jedenlogin.ValidPhone(s) {
			return
		}
		digits := 0
		for i, r := range s {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
			default:
				t.Fatalf("ValidPhone(%q) = true with %q", s, r)
			}
		}
		if digits < jedenlogin.MinPhoneDigits || digits > jedenlogin.MaxPhoneDigits || len(s) > jedenlogin.MaxPhoneLen {
			t.Fatalf("ValidPhone(%q) = true with %d digits, %d characters", s, digits, len(s))
		}
		if !jedenlogin.ValidPhone(n) {
			t.Fatalf("ValidPhone(%q) = true but false for its normal form %q", s, n)
		}
	})
}
