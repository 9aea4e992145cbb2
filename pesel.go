package jedenlogin

// PESELLen is the length of a PESEL number, in digits.
const PESELLen = 11

// peselWeights are the weights of the first ten digits in the check sum.
var peselWeights = [...]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}

// ValidPESEL reports whether s is a PESEL number: exactly 11 ASCII digits
// whose first six are a real date of birth YYMMDD (the month plus 80 for
// 1800–1899, 0 for 1900–1999, 20 for 2000–2099, 40 for 2100–2199, 60 for
// 2200–2299) and whose last digit is the check digit
// (10 - Σ weight·digit mod 10) mod 10 of the first ten, with weights
// 1,3,7,9,1,3,7,9,1,3. The date matters: placeholders that legacy systems
// write for an unknown PESEL, such as 00000000000, have a correct check
// digit, and treating them as a PESEL would group strangers into one
// person. It does not trim: a caller that accepts surrounding space trims
// first. This is the one PESEL rule of jedenlogin: the import, the
// application form, recovery and acceptance all use it.
func ValidPESEL(s string) bool {
	if len(s) != PESELLen {
		return false
	}
	sum := 0
	for i := 0; i < PESELLen; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		if i < PESELLen-1 {
			sum += peselWeights[i] * int(c-'0')
		}
	}
	if int(s[PESELLen-1]-'0') != (10-sum%10)%10 {
		return false
	}
	_, _, _, ok := peselBirthDate(s)
	return ok
}

// peselBirthDate returns the date of birth encoded in the first six digits
// of a PESEL number (s must hold at least six ASCII digits) and whether it
// is a real date; it does not check the rest of s.
func peselBirthDate(s string) (year, month, day int, ok bool) {
	if len(s) < 6 {
		return 0, 0, 0, false
	}
	var d [6]int
	for i := range d {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, 0, 0, false
		}
		d[i] = int(c - '0')
	}
	year, month, day = d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	// The month's tens carry the century: 8x 1800s, 0x/1x 1900s, 2x/3x
	// 2000s, 4x/5x 2100s, 6x/7x 2200s.
	switch century := month / 20; century {
	case 4:
		year += 1800
	default:
		year += 1900 + 100*century
	}
	month %= 20
	if month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) {
		return 0, 0, 0, false
	}
	return year, month, day, true
}

// daysInMonth is the number of days of month (1–12) of year, in the
// Gregorian calendar.
func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
