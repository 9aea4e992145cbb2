package applications

import (
	"fmt"
	"slices"
	"time"

	"jedenlogin"
)

// RevokeReasons are the reasons an approver picks from when revoking a
// grant ("Cofnij upoważnienie"); the first is the wording users know from
// the old system. The chosen text is stored with the grant.
var RevokeReasons = []string{
	"Utrata danych niezbędnych do logowania",
	"Zakończenie zatrudnienia w podmiocie",
	"Zmiana funkcji lub zakresu obowiązków",
	"Naruszenie zasad bezpieczeństwa",
	"Na prośbę użytkownika",
}

// ErrUnknownReason: the revocation reason is not one of RevokeReasons.
var ErrUnknownReason = &jedenlogin.Error{Code: jedenlogin.EINVALID, Text: jedenlogin.T("grants.unknown_reason")}

// Revoke revokes grant grantID of the person record rec at now with
// reason, one of RevokeReasons; the grant stops opening its entity at
// once. It runs inside Store.UpdatePerson and returns the audit event. It
// returns ErrUnknownReason for another reason, an error wrapping
// jedenlogin.ErrNotFound when the grant is not held by one of rec's
// logins, and ErrGrantRevoked when it was revoked already.
func Revoke(rec *jedenlogin.PersonRecord, grantID int64, reason string, who Actor, now time.Time) ([]jedenlogin.AuditEvent, error) {
	if !slices.Contains(RevokeReasons, reason) {
		return nil, ErrUnknownReason
	}
	g := grantOf(rec, grantID)
	if g == nil || g.MergedInto != nil {
		return nil, fmt.Errorf("grant %d: %w", grantID, jedenlogin.ErrNotFound)
	}
	if g.RevokedAt != nil && !g.RevokedAt.After(now) {
		return nil, ErrGrantRevoked
	}
	g.RevokedAt = &now
	g.RevokeReason = reason
	holder := rec.Login(g.LoginID).Name
	return []jedenlogin.AuditEvent{event(jedenlogin.AuditGrantChanged, who, "entity:"+g.EntityID, now, map[string]any{
		"change": "revoked", "grant_id": g.ID, "function": string(g.Function), "login": holder, "reason": reason,
	})}, nil
}
