// Package account holds the rules of account self-service (SPEC §7): who a
// recovery request matches ("Odzyskaj login", "Nie pamiętasz hasła?"),
// which login it recovers, how contact data are validated, the 6-digit code
// that confirms a new e-mail address, and when a password is too old.
//
// The web package calls these functions; they never touch the store, so
// every rule here is the same for every backend and easy to test.
//
// Recovery compares what the user typed with the data the person is known
// by: the account data ("uniwersalne dane konta") once the person has
// them, and before the transition the application data of one of their
// active logins. Names compare ignoring case, surrounding and repeated
// spaces and Polish diacritics; e-mail addresses ignoring case; the PESEL
// exactly. A person without a PESEL on record cannot recover through these
// forms (operators help them).
package account
