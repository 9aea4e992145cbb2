package jedenlogin

// PESELLen is the length of a PESEL number, in digits.
const PESELLen = 11

// peselWeights are the weights of the first ten digits in the check sum.
var peselWeights = [...]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}

// ValidPESEL reports whether s is a PESEL number: exactly 11 ASCII digits
// whose last digit is the check digit (10 - Σ weight·digit mod 10) mod 10
// of the first ten, with weights 1,3,7,9,1,3,7,9,1,3. It does not trim: a
// caller that accepts surrounding space trims first. This is the one PESEL
// rule of jedenlogin: the import, the application form, recovery and
// acceptance all use it.
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
	return int(s[PESELLen-1]-'0') == (10-sum%10)%10
}
