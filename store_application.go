package jedenlogin

// ApplicationStore is the part of Store serving access applications
// (wnioski), their approval, and grant revocation and extension (issue 6).
type ApplicationStore interface {
}
