package legacy

import "jedenlogin/locale"

// pl is the catalogue the import's Polish for the operator comes from —
// the issues, the progress line and the summary, under "legacy." in
// locale/pl.json — so Polish stays in one file.
var pl = locale.Polish

// plural returns "n word" with the Polish plural form for n of the
// catalogue's key (".one", ".few", ".many"; see locale.PluralKey).
func plural(key string, n int) string { return pl.Msg(locale.PluralKey(key, n), n) }

// pluralDigits is plural with the number's thousands grouped; the
// catalogue's forms of key take the number as text (%s).
func pluralDigits(key string, n int) string {
	return pl.Msg(locale.PluralKey(key, n), groupDigits(n))
}
