package jedenlogin

// Contact is the account's contact data: its e-mail address and phone,
// and the new address waiting for its code ("" when none).
type Contact struct {
	Email, Phone string
	EmailPending string
}

// ContactChange is what "Zmiana danych kontaktowych" asks for, with the
// caller's password; nil fields stay as they are.
type ContactChange struct {
	Email    *string // the new address; "" or nil: keep
	Phone    *string // the new phone; "": none
	Password string
}

// PasswordForm is what a form setting a new password for a login shows
// besides the password policy's rules: the login, and the words the new
// password must not contain, for the script that ticks the rules off
// while the user types (the service's check stays authoritative).
type PasswordForm struct {
	Login string
	// PersonalWords are the first and the last name, nil when the policy
	// does not check personal data.
	PersonalWords []string
}

// PasswordChange is the input of AccountService.ChangePassword: the current password and
// the new one.
type PasswordChange struct {
	Current, New string
}
