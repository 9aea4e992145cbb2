package applications

import (
	"fmt"
	"time"

	"jedenlogin"
)

// RevokeReason is a reason an approver picks from when revoking a grant
// ("Cofnij upoważnienie"). Code is what is stored with the grant (stable,
// whatever the wording); Text is its wording in the catalogue.
type RevokeReason struct {
	Code string
	Text jedenlogin.Text
}

// RevokeReasons are the reasons to pick from, in the order shown; the
// first is the wording users know from the old system. Before migration
// 0012 the grant stored the Polish wording itself; the migration turned
// those into the codes.
var RevokeReasons = []RevokeReason{
	{Code: "lost_credentials", Text: jedenlogin.T("revoke.reason.lost_credentials")},
	{Code: "employment_ended", Text: jedenlogin.T("revoke.reason.employment_ended")},
	{Code: "role_changed", Text: jedenlogin.T("revoke.reason.role_changed")},
	{Code: "security_breach", Text: jedenlogin.T("revoke.reason.security_breach")},
	{Code: "user_request", Text: jedenlogin.T("revoke.reason.user_request")},
}

// LookupRevokeReason returns the reason whose code is s, or whose wording
// (as text translates it) is s: a form or a client made before the codes
// may still send the wording. ok is false for anything else.
func LookupRevokeReason(s string, text func(jedenlogin.Text) string) (r RevokeReason, ok bool) {
	for _, r := range RevokeReasons {
		if s == r.Code || text != nil && s == text(r.Text) {
			return r, true
		}
	}
	return RevokeReason{}, false
}

// RevokeReasonText is the wording of a stored revocation reason: the
// catalogue's text of a code, and the zero Text for anything else (a
// reason stored by other means is shown as it is).
func RevokeReasonText(stored string) jedenlogin.Text {
	for _, r := range RevokeReasons {
		if stored == r.Code {
			return r.Text
		}
	}
	return jedenlogin.Text{}
}

// ErrUnknownReason: the revocation reason is not the code of one of RevokeReasons.
var ErrUnknownReason = &jedenlogin.Error{Code: jedenlogin.EINVALID, Text: jedenlogin.T("grants.unknown_reason")}

// Revoke revokes grant grantID of the person record rec at now with
// reason, the code of one of RevokeReasons; the grant stops opening its entity at
// once. It runs inside Store.UpdatePerson and returns the audit event. It
// returns ErrUnknownReason for another reason, an error wrapping
// jedenlogin.ErrNotFound when the grant is not held by one of rec's
// logins, and ErrGrantRevoked when it was revoked already.
func Revoke(rec *jedenlogin.PersonRecord, grantID int64, reason string, who Actor, now time.Time) ([]jedenlogin.AuditEvent, error) {
	if RevokeReasonText(reason).Key == "" {
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
