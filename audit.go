package jedenlogin

import "time"

// Audit actions. The audit log is append-only.
const (
	AuditImport             = "import"
	AuditSignIn             = "sign_in"
	AuditSignInFailed       = "sign_in_failed"
	AuditSignOut            = "sign_out"
	AuditBlocked            = "blocked"
	AuditUnblocked          = "unblocked"
	AuditConsolidated       = "consolidated"
	AuditPasswordRehashed   = "password_rehashed"
	AuditPasswordChanged    = "password_changed"
	AuditContactChanged     = "contact_changed"
	AuditGrantChanged       = "grant_changed"
	AuditOperatorCreated    = "operator_created"
	AuditEntitySelected     = "entity_selected"
	AuditSchemaMigrated     = "schema_migrated"
	AuditRecoveryRequested  = "recovery_requested"
	AuditApplicationChanged = "application_changed"
	AuditMFAChanged         = "mfa_changed" // a second factor enrolled, removed or reset; Outcome says which
	AuditMFAUsed            = "mfa_used"    // a second factor given at sign-in
)

// AuditEvent is one entry of the audit log: who did what, when, from where.
type AuditEvent struct {
	ID       int64
	At       time.Time
	Action   string
	Actor    string // login name, "operator:<login>", "system" or "cli"
	PersonID *int64 // the person concerned, when there is one
	Subject  string // what was acted on, e.g. a login name or "entity:<id>"
	Address  string // client address; "" for CLI actions
	Outcome  string // "ok", "failed", "blocked", …
	Details  string // JSON object with further facts; never a secret
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	Action   string
	Actor    string
	Subject  string
	PersonID *int64
	Since    time.Time
	Until    time.Time
	Limit    int // 0 = 100
	BeforeID int64
}
