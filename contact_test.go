package jedenlogin_test

import (
	"strings"
	"testing"

	"jedenlogin"
)

func TestValidEmail(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "jan.kowalski@szkola.pl", true},
		{"plus and hyphen", "jan+sio@szkola-podstawowa.edu.pl", true},
		{"every atext special", "a!#$%&'*+-/=?^_`{|}~z@example.pl", true},
		{"upper case", "Jan.Kowalski@SZKOLA.PL", true},
		{"digits only", "123@456.pl", true},
		{"internationalised", "łukasz@żółw.pl", true},
		{"one-letter labels", "a@b.c", true},
		{"local part of 64", strings.Repeat("a", 64) + "@b.pl", true},
		{"local part of 65", strings.Repeat("a", 65) + "@b.pl", false},
		{"254 characters", "a@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("e", 57) + ".pl", true},
		{"255 characters", "aa@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("e", 57) + ".pl", false},
		{"label of 63", "a@" + strings.Repeat("b", 63) + ".pl", true},
		{"label of 64", "a@" + strings.Repeat("b", 64) + ".pl", false},
		{"single-label domain", "jan@localhost", false},
		{"empty", "", false},
		{"no @", "jan.szkola.pl", false},
		{"no local part", "@szkola.pl", false},
		{"no domain", "jan@", false},
		{"two @", "jan@kowalski@szkola.pl", false},
		{"display name", "Jan <jan@szkola.pl>", false},
		{"angle brackets", "<jan@szkola.pl>", false},
		{"two addresses", "a@b.pl, c@d.pl", false},
		{"header injection", "a@b.pl\r\nBcc: x@y.pl", false},
		{"space inside", "jan kowalski@szkola.pl", false},
		{"surrounding space is not trimmed", " jan@szkola.pl", false},
		{"quoted local part", `"jan"@szkola.pl`, false},
		{"comment", "jan(sio)@szkola.pl", false},
		{"local part starts with a dot", ".jan@szkola.pl", false},
		{"local part ends with a dot", "jan.@szkola.pl", false},
		{"two dots in the local part", "jan..kowalski@szkola.pl", false},
		{"domain starts with a dot", "jan@.szkola.pl", false},
		{"domain ends with a dot", "jan@szkola.pl.", false},
		{"two dots in the domain", "jan@szkola..pl", false},
		{"label starts with a hyphen", "jan@-szkola.pl", false},
		{"label ends with a hyphen", "jan@szkola-.pl", false},
		{"underscore in the domain", "jan@szkola_1.pl", false},
		{"domain literal", "jan@[192.168.0.1]", false},
		{"invalid UTF-8", "jan\xff@szkola.pl", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := jedenlogin.ValidEmail(tc.in); got != tc.want {
				t.Errorf("ValidEmail(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// phoneCases is the one table of phone numbers: the rule's own test and the
// web test of both forms run it.
var phoneCases = []struct {
	name string
	in   string
	want bool
}{
	{"Polish mobile with country code", "+48 600 100 200", true},
	{"Polish mobile", "600 100 200", true},
	{"Polish mobile with hyphens", "600-100-200", true},
	{"Polish mobile without separators", "600100200", true},
	{"Warsaw landline", "22 123 45 67", true},
	{"landline with the area code in parentheses", "(22) 123 45 67", true},
	{"landline with country code and hyphens", "+48 81 751-20-33", true},
	{"00 instead of +", "0048 600 100 200", true},
	{"15 digits, the E.164 maximum", "+123 456 789 012 345", true},
	{"six digits in pairs", "12-34-56", false},
	{"8 digits", "600 100 20", false},
	{"16 digits", "+1234 5678 9012 3456", false},
	{"letters", "600 ABC 200", false},
	{"+ inside", "600+100200", false},
	{"two +", "++48 600 100 200", false},
	{"slash", "600/100/200", false},
	{"dots", "600.100.200", false},
	{"extension word", "22 123 45 67 wew. 12", false},
	{"33 characters, 15 digits", "6-0-0-1-0-0-2-0-0-1-2-3-4-5-6----", false},
	{"32 characters, 15 digits", "6-0-0-1-0-0-2-0-0-1-2-3-4-5-6---", true},
	{"tab inside", "600\t100 200", false},
	{"empty", "", false},
}

func TestValidPhone(t *testing.T) {
	for _, tc := range phoneCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := jedenlogin.ValidPhone(tc.in); got != tc.want {
				t.Errorf("ValidPhone(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unchanged", "+48 600 100 200", "+48 600 100 200"},
		{"surrounding space trimmed", "  600 100 200\t", "600 100 200"},
		{"inner runs made one space", "+48  600\t100\n200", "+48 600 100 200"},
		{"only space", " \t ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := jedenlogin.NormalizePhone(tc.in); got != tc.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
