package legacy

import "testing"

func TestPolishNumbers(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{
		{1, "1 wiersz"},
		{2, "2 wiersze"},
		{5, "5 wierszy"},
		{12, "12 wierszy"},
		{22, "22 wiersze"},
		{1024, "1 024 wiersze"},
		{1000000, "1 000 000 wierszy"},
	}
	for _, tc := range cases {
		if got := pluralDigits("legacy.count.rows", tc.n); got != tc.want {
			t.Errorf("pluralDigits(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
