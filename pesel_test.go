package jedenlogin_test

import (
	"testing"

	"jedenlogin"
)

func TestValidPESEL(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"valid", "44051401458", true},
		{"valid, born in the 2000s", "02270803624", true},
		{"valid, check digit 0", "44051401380", true},
		{"valid, check digit 3", "85031212343", true},
		{"wrong check digit", "44051401459", false},
		{"check digit 0 expected, 1 given", "44051401381", false},
		{"10 digits", "4405140145", false},
		{"12 digits", "440514014580", false},
		{"12 digits, the first 11 valid", "440514013800", false},
		{"a letter as check digit", "4405140145a", false},
		{"a letter inside", "44O51401380", false},
		{"':' (the byte after '9') inside, sum as if 10", "44:51401380", false},
		{"'/' (the byte before '0') inside", "44/51401380", false},
		{"surrounding space is not trimmed", " 44051401458", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := jedenlogin.ValidPESEL(tc.in); got != tc.want {
				t.Errorf("ValidPESEL(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestValidPESELDateOfBirth: the first six digits must be a real date in
// the Gregorian calendar — 29 February only in leap years (by 4, but not
// by 100 unless by 400), 30 days in April, June, September and November —
// in every century the month encodes. Each number gets its right check
// digit, so only the date decides.
func TestValidPESELDateOfBirth(t *testing.T) {
	for _, tc := range []struct {
		name string
		date string // YYMMDD as the PESEL writes it
		want bool
	}{
		{"29 February 1904 (by 4)", "040229", true},
		{"29 February 1924 (by 4)", "240229", true},
		{"29 February 1923", "230229", false},
		{"28 February 1923", "230228", true},
		{"29 February 1900 (by 100, not by 400)", "000229", false},
		{"29 February 2000 (by 400)", "002229", true},
		{"29 February 2024", "242229", true},
		{"29 February 2100 (by 100, not by 400)", "004229", false},
		{"29 February 1896 (by 4, 1800s)", "968229", true},
		{"30 February 2024", "242230", false},
		{"30 April", "440430", true},
		{"31 April", "440431", false},
		{"31 June", "440631", false},
		{"31 September", "440931", false},
		{"30 November", "441130", true},
		{"31 November", "441131", false},
		{"31 January", "440131", true},
		{"31 March", "440331", true},
		{"31 December", "441231", true},
		{"32 January", "440132", false},
		{"day 0", "440100", false},
		{"month 13", "441301", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pesel := withCheckDigit(tc.date + "0145")
			if got := jedenlogin.ValidPESEL(pesel); got != tc.want {
				t.Errorf("ValidPESEL(%q) = %v, want %v", pesel, got, tc.want)
			}
		})
	}
}

// withCheckDigit appends the PESEL check digit to ten digits: 10 minus the
// last digit of Σ weight·digit with weights 1,3,7,9,…, mod 10.
func withCheckDigit(ten string) string {
	weights := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i, w := range weights {
		sum += w * int(ten[i]-'0')
	}
	return ten + string(rune('0'+(10-sum%10)%10))
}
