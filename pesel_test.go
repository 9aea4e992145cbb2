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
