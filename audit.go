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
	// AuditMailFailed: an outbox message given up after
	// service.MailGiveUp of failed attempts (or refused as invalid).
	AuditMailFailed = "mail_failed"
	AuditBackup     = "backup" // a copy of the whole database was written (Subject: the file)

	// A notice campaign (jedenlogin notify): one event per run's start
	// and end; Subject "campaign:<name>".
	AuditNoticeCampaignStarted  = "notice_campaign_started"
	AuditNoticeCampaignFinished = "notice_campaign_finished"
	// Operator console (issue 12).
	AuditSessionsEnded = "sessions_ended"
	AuditAuditExported = "audit_exported"
	AuditMFAChanged    = "mfa_changed" // a second factor enrolled, removed or reset; Outcome says which
	AuditMFAUsed       = "mfa_used"    // a second factor given at sign-in
)

// AuditEvent is one entry of the audit log: who did what, when, from where.
type AuditEvent struct {
	ID       int64
	At       time.Time
	Action   string
	Actor    string // login name, "operator:<login>", "token:<name>" (an operator token), "system" or "cli"
	PersonID *int64 // the person concerned, when there is one
	Subject  string // what was acted on, e.g. a login name or "entity:<id>"
	Address  string // client address; "" for CLI actions
	Outcome  string // "ok", "failed", "blocked", …
	Details  string // JSON object with further facts; never a secret
	// PrevHash is the hash of the event before this one (AuditHash of it;
	// AuditGenesis for the first event), set by the store when it appends:
	// the chain that makes the log tamper-evident (audit_chain.go). "" on
	// events written before the chain existed.
	PrevHash string
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	Action   string
	Actor    string
	Subject  string
	PersonID *int64
	Address  string
	Outcome  string
	Since    time.Time
	Until    time.Time
	Limit    int // 0 = 100
	BeforeID int64
}
