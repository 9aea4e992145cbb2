package service

import "jedenlogin"

// The features. Each is a view of the one Service on one of the root
// package's interfaces (wtf's DialService): it has the workflows of its
// feature as methods, and shares the Service's store, password hashing,
// throttles, outbox and background queue by embedding it. The helpers
// several features use (hashing, throttling, mail, links, PasswordForm,
// PendingEmail, MFARequired, TransitionDone) stay methods of Service.
type (
	// Sessions is the jedenlogin.SessionService: sign-in, sign-out and
	// the sessions' checks.
	Sessions struct{ *Service }
	// Consolidation is the jedenlogin.ConsolidationService: the one-login
	// transition.
	Consolidation struct{ *Service }
	// Accounts is the jedenlogin.AccountService: contact data, password
	// change and account activation.
	Accounts struct{ *Service }
	// Recovery is the jedenlogin.RecoveryService: login and password
	// recovery.
	Recovery struct{ *Service }
	// Applications is the jedenlogin.ApplicationService: access
	// applications and the approvers' queue.
	Applications struct{ *Service }
	// Grants is the jedenlogin.GrantService: revocation and extension of
	// grants.
	Grants struct{ *Service }
	// Entities is the jedenlogin.EntityService: the entities a login acts
	// for and the register's search.
	Entities struct{ *Service }
	// Admin is the jedenlogin.AdminService: the operators' console and
	// helpdesk.
	Admin struct{ *Service }
	// MFA is the jedenlogin.MFAService, and the passkey ceremonies'
	// first halves (BeginPasskeyRegistration, BeginPasskeySignIn), whose
	// go-webauthn result types the root package cannot name.
	MFA struct{ *Service }
	// OIDC is the jedenlogin.OIDCService: the person's side of the OpenID
	// Connect provider.
	OIDC struct{ *Service }
)

var (
	_ jedenlogin.SessionService       = (*Sessions)(nil)
	_ jedenlogin.ConsolidationService = (*Consolidation)(nil)
	_ jedenlogin.AccountService       = (*Accounts)(nil)
	_ jedenlogin.RecoveryService      = (*Recovery)(nil)
	_ jedenlogin.ApplicationService   = (*Applications)(nil)
	_ jedenlogin.GrantService         = (*Grants)(nil)
	_ jedenlogin.EntityService        = (*Entities)(nil)
	_ jedenlogin.AdminService         = (*Admin)(nil)
	_ jedenlogin.MFAService           = (*MFA)(nil)
	_ jedenlogin.OIDCService          = (*OIDC)(nil)
)

// features sets s's feature fields, each a view of s.
func (s *Service) features() {
	s.Sessions = &Sessions{s}
	s.Consolidation = &Consolidation{s}
	s.Accounts = &Accounts{s}
	s.Recovery = &Recovery{s}
	s.Applications = &Applications{s}
	s.Grants = &Grants{s}
	s.Entities = &Entities{s}
	s.Admin = &Admin{s}
	s.MFA = &MFA{s}
	s.OIDC = &OIDC{s}
}
