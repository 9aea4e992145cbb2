package oidc

import (
	"context"
	"errors"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"jedenlogin"
)

// EntityClaim is the "entity" claim, and each element of "entities".
type EntityClaim struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Function string   `json:"function"`
	Scopes   []string `json:"scopes"`
	// ValidTo is the last day the grant is valid (YYYY-MM-DD); null when
	// unbounded.
	ValidTo *string `json:"valid_to"`
}

// personClaims are the claims of one person, login and entity.
type personClaims struct {
	sub, login          string
	account             *jedenlogin.AccountData
	scopes              []string
	entity              *EntityClaim
	entities            []EntityClaim
	withEntity          bool
	profile, mail, tele bool
	// emailVerified: the person confirmed the account's address by a link
	// (contact change); imported addresses never were.
	emailVerified bool
}

// errNoLongerValid: the person can no longer sign in through the login,
// or the entity's grant ended; tokens for them are refused at once.
var errNoLongerValid = oidc.ErrInvalidGrant().WithDescription("the sign-in or the entity is no longer valid")

// claims reads the person and checks that the token's grant still holds:
// the person has moved to one login and it is loginID, and with an entity
// the login still holds a valid grant at it.
func (p *Provider) claims(ctx context.Context, personID, loginID int64, scopes []string, entityID string) (*personClaims, error) {
	rec, err := p.cfg.Store.Person(ctx, personID)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, errNoLongerValid
	} else if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return p.claimsOf(ctx, rec, loginID, scopes, entityID)
}

// claimsOf is claims on the person's record, read already with the token
// (OIDCStore.OIDCTokenWithPerson; nil: the person is gone).
func (p *Provider) claimsOf(ctx context.Context, rec *jedenlogin.PersonRecord, loginID int64, scopes []string, entityID string) (*personClaims, error) {
	if rec == nil {
		return nil, errNoLongerValid
	}
	personID := rec.Person.ID
	l := rec.Login(loginID)
	if l == nil || l.State != jedenlogin.LoginActive || rec.Person.State != jedenlogin.StateDone ||
		rec.Person.UnifiedLoginID == nil || *rec.Person.UnifiedLoginID != loginID {
		return nil, errNoLongerValid
	}
	now := p.cfg.Now()
	var valid []jedenlogin.Grant
	for _, g := range rec.Grants {
		if g.LoginID == loginID && g.ValidAt(now) {
			valid = append(valid, g)
		}
	}
	if entityID != "" && !slices.ContainsFunc(valid, func(g jedenlogin.Grant) bool { return g.EntityID == entityID }) {
		return nil, errNoLongerValid
	}
	c := &personClaims{
		sub: subject(personID), login: l.Name, account: rec.Person.Account, scopes: scopes,
		withEntity: slices.Contains(scopes, ScopeEntity),
		profile:    slices.Contains(scopes, oidc.ScopeProfile),
		mail:       slices.Contains(scopes, oidc.ScopeEmail),
		tele:       slices.Contains(scopes, oidc.ScopePhone),
	}
	if c.mail && rec.Person.Account != nil && rec.Person.Account.Email != "" {
		var err error
		if c.emailVerified, err = p.cfg.Store.EmailVerified(ctx, personID, rec.Person.Account.Email); err != nil {
			return nil, oidc.ErrServerError().WithParent(err)
		}
	}
	if !c.withEntity {
		return c, nil
	}
	ids := make([]string, 0, len(valid))
	for _, g := range valid {
		ids = append(ids, g.EntityID)
	}
	ents, err := p.cfg.Store.Entities(ctx, ids)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	names := map[string]string{}
	for _, e := range ents {
		names[e.ID] = e.Name
	}
	c.entities = []EntityClaim{}
	for _, g := range valid {
		ec := EntityClaim{ID: g.EntityID, Name: names[g.EntityID], Function: string(g.Function), Scopes: g.Scopes}
		if ec.Scopes == nil {
			ec.Scopes = []string{}
		}
		if g.ValidTo != nil {
			d := g.ValidTo.Format("2006-01-02")
			ec.ValidTo = &d
		}
		c.entities = append(c.entities, ec)
		if g.EntityID == entityID && c.entity == nil {
			e := ec
			c.entity = &e
		}
	}
	return c, nil
}

// fill writes the claims the scopes allow into ui.
func (c *personClaims) fill(ui *oidc.UserInfo) {
	ui.Subject = c.sub
	ui.PreferredUsername = c.login
	a := c.account
	if a == nil {
		a = &jedenlogin.AccountData{}
	}
	if c.profile {
		ui.GivenName, ui.FamilyName = a.FirstName, a.LastName
	}
	if c.mail && a.Email != "" {
		// Imported addresses were never confirmed by jedenlogin; only a
		// change through the contact page is (SPEC §7).
		ui.Email = a.Email
		ui.AppendClaims("email_verified", c.emailVerified)
	}
	if c.tele && a.Phone != "" {
		ui.PhoneNumber = a.Phone
	}
	if c.withEntity {
		ui.AppendClaims("entities", c.entities)
		if c.entity != nil {
			ui.AppendClaims("entity", c.entity)
		}
	}
}
