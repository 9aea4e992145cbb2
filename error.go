package jedenlogin

import (
	"errors"
	"fmt"
)

// Error codes. They are strings so they can be logged and compared, and one
// table in the web package maps them to HTTP statuses.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state
	EINTERNAL     = "internal"     // a bug or an outage; shown only as "internal error"
	EINVALID      = "invalid"      // the input is wrong
	ENOTFOUND     = "not_found"    // the thing does not exist
	EUNAUTHORIZED = "unauthorized" // not signed in, or wrong credentials
	EFORBIDDEN    = "forbidden"    // signed in, but not allowed
)

// Error is an application error with a machine-readable code and a message
// that may be shown to the user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("jedenlogin: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "Wystąpił błąd wewnętrzny." for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Wystąpił błąd wewnętrzny."
}

// Sentinel errors returned by Store implementations. They wrap into *Error so
// ErrorCode works on them.
var (
	// ErrNotFound: the requested row does not exist.
	ErrNotFound = &Error{Code: ENOTFOUND, Message: "Nie znaleziono."}
	// ErrAlreadyConsolidated: the person has already moved to one login.
	ErrAlreadyConsolidated = &Error{Code: ECONFLICT, Message: "Przejście na jeden login zostało już wykonane dla tej osoby."}
	// ErrLoginTaken: a login name is already used or was used before, ignoring case.
	ErrLoginTaken = &Error{Code: ECONFLICT, Message: "Ten login jest już zajęty."}
	// ErrImportConflict: the database changed between the import's snapshot and its write; run the import again.
	ErrImportConflict = &Error{Code: ECONFLICT, Message: "Baza danych zmieniła się w trakcie importu; uruchom import ponownie."}
	// ErrSchemaOutdated: the database schema is older than this binary; run `jedenlogin migrate-schema`.
	ErrSchemaOutdated = &Error{Code: EINTERNAL, Message: "Schemat bazy danych jest nieaktualny; uruchom: jedenlogin migrate-schema"}
)
