package jedenlogin

// AccountStore is the part of Store serving account self-service: contact
// data changes, login and password recovery, one-time tokens (issue 5).
type AccountStore interface {
}
