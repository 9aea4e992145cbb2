package legacy

import (
	"hash/maphash"
	"unsafe"
)

// arena copies strings into large shared blocks, so a million short strings
// cost a million slices of a few blocks instead of a million allocations
// (and do not pin the CSV reader's whole record string). Bytes written to a
// block are never changed afterwards, which makes the strings immutable.
type arena struct {
	block []byte
}

const arenaBlock = 1 << 20

// copy returns a string equal to b that lives in the arena.
func (a *arena) copy(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaBlock/8 {
		return string(b)
	}
	if len(a.block)+len(b) > cap(a.block) {
		a.block = make([]byte, 0, arenaBlock)
	}
	n := len(a.block)
	a.block = append(a.block, b...)
	s := a.block[n:len(a.block):len(a.block)]
	return unsafe.String(&s[0], len(s))
}

// copyString returns a copy of s that lives in the arena.
func (a *arena) copyString(s string) string {
	return a.copy(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// interner shares repeated strings (first and last names, password hashes
// of a pool, entity names) through a bounded direct-mapped table: a string
// seen before in the same slot is returned instead of a new copy. Unique
// strings simply replace each other in their slot, so memory stays bounded
// whatever the file holds.
type interner struct {
	seed  maphash.Seed
	slots []string
	arena *arena
}

const internSlots = 1 << 16

func newInterner(a *arena) *interner {
	return &interner{seed: maphash.MakeSeed(), slots: make([]string, internSlots), arena: a}
}

// intern returns a string equal to s that does not refer to s's memory.
func (in *interner) intern(s string) string {
	if s == "" {
		return ""
	}
	i := maphash.String(in.seed, s) & (internSlots - 1)
	if in.slots[i] == s {
		return in.slots[i]
	}
	c := in.arena.copyString(s)
	in.slots[i] = c
	return c
}
