package jedenlogin

// LoginRecoveryRequest is the form of "Odzyskaj login", as typed.
type LoginRecoveryRequest struct {
	FirstName, SecondName, LastName, PESEL, Email string
}

// PasswordRecoveryRequest is the form of "Nie pamiętasz hasła?", as typed.
type PasswordRecoveryRequest struct {
	Login, FirstName, LastName, PESEL, Email string
}

// RecoveredLogin is what a login recovery link shows.
type RecoveredLogin struct {
	Login  string   // the login to sign in with
	Logins []string // every login that may sign in, Login first
	// Pending: the person has not gone through the transition yet; any of
	// Logins leads to it.
	Pending bool
}
