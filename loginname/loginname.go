package loginname

// STUB: owned by the loginname/consolidation helper; replace entirely.

// IsUnified reports whether name is a unified login: ^[A-Z0-9]{1,32}$.
func IsUnified(name string) bool { panic("not implemented") }

// ValidLegacy reports whether name is acceptable at import: [A-Za-z0-9._-]{1,64}.
func ValidLegacy(name string) bool { panic("not implemented") }

// Fold returns the case-folded form used to compare names ignoring case (upper case).
func Fold(name string) string { panic("not implemented") }

// Prefix returns the generated-login prefix for a person (SPEC §3): first 3
// letters of first and of last name, transliterated, uppercased, non-letters dropped.
func Prefix(firstName, lastName string) string { panic("not implemented") }

// Allocator hands out the smallest free PREFIX+N against an in-memory set of
// folded names; for the single-writer import. Not safe for concurrent use.
type Allocator struct{}

// NewAllocator returns an allocator; Take marks existing names.
func NewAllocator() *Allocator { panic("not implemented") }

// Take marks name (any case) as existing.
func (a *Allocator) Take(name string) { panic("not implemented") }

// Next returns the smallest PREFIX+N (N ≥ 1) not taken ignoring case, and takes it.
func (a *Allocator) Next(prefix string) string { panic("not implemented") }
