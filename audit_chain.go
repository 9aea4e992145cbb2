package jedenlogin

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
)

// AuditGenesis is the PrevHash of the first event of a log that was
// chained from its start.
var AuditGenesis = strings.Repeat("0", 64)

// AuditHash is the SHA-256 (hex) over the canonical encoding of e: every
// field, the ID, the time as Unix nanoseconds and PrevHash included, each
// length-prefixed so no two events encode alike. The next event stores it
// as its PrevHash. e.At must be the time as the store keeps it (PostgreSQL:
// microseconds), which is how the store hands events out.
func AuditHash(e *AuditEvent) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("jedenlogin-audit-v1")
	field(strconv.FormatInt(e.ID, 10))
	field(strconv.FormatInt(e.At.UnixNano(), 10))
	field(e.Action)
	field(e.Actor)
	if e.PersonID != nil {
		field(strconv.FormatInt(*e.PersonID, 10))
	} else {
		field("-")
	}
	field(e.Subject)
	field(e.Address)
	field(e.Outcome)
	field(e.Details)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditChain checks the events of a log, fed in id order, link by link.
// Events written before the chain existed (PrevHash "") may only come
// first; after the first chained event every event must carry the hash of
// the one before it.
type AuditChain struct {
	prev    *AuditEvent
	chained bool
	// Legacy counts the unchained events at the start of the log;
	// Checked counts every event fed.
	Legacy, Checked int
}

// Add checks e against the event fed before it and reports whether the
// link holds. The first event that fails is the first broken link: the
// event before it, or the link itself, was changed, or events between them
// were removed.
func (c *AuditChain) Add(e AuditEvent) bool {
	c.Checked++
	ok := true
	switch {
	case e.PrevHash == "" && !c.chained:
		c.Legacy++
	case e.PrevHash == "":
		ok = false
	case c.prev == nil:
		ok = e.PrevHash == AuditGenesis
	default:
		ok = e.PrevHash == AuditHash(c.prev)
	}
	if e.PrevHash != "" {
		c.chained = true
	}
	c.prev = &e
	return ok
}
