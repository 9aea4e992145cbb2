package jedenlogin

// EntityRow is a grant of a login with its entity: a line of the person's
// entity list (PODMIOTY, the profile, /me).
type EntityRow struct {
	Grant  Grant
	Entity Entity
	Valid  bool
	// NotYet: not valid yet (ValidFrom in the future).
	NotYet bool
	// Extendable: within 3 months before or after the end of validity,
	// when PRZEDŁUŻ is offered.
	Extendable bool
}
