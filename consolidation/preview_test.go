package consolidation

import (
	"reflect"
	"testing"
	"time"

	"jedenlogin"
)

// The preview shown before POTWIERDŹ says what Confirm then does, and the
// record afterwards says the same.
func TestPreviewMatchesConfirm(t *testing.T) {
	mk := func() *jedenlogin.PersonRecord {
		return &jedenlogin.PersonRecord{
			Person: jedenlogin.Person{ID: 1, Key: "p", State: jedenlogin.StatePending},
			Logins: []jedenlogin.Login{
				{ID: 1, PersonID: 1, Name: "MDABROWSKA", State: jedenlogin.LoginActive, PasswordHash: "h1"},
				{ID: 2, PersonID: 1, Name: "MDABROWSKA2", State: jedenlogin.LoginActive, PasswordHash: "h2"},
				{ID: 3, PersonID: 1, Name: "MDABROWSKA3", State: jedenlogin.LoginInactive, PasswordHash: "h3"},
			},
			Grants: []jedenlogin.Grant{
				{ID: 10, LoginID: 1, OriginLoginID: 1, EntityID: "27630", Function: jedenlogin.FunctionEmployee},
				{ID: 11, LoginID: 2, OriginLoginID: 2, EntityID: "29012", Function: jedenlogin.FunctionActingHead},
				{ID: 12, LoginID: 3, OriginLoginID: 3, EntityID: "27631", Function: jedenlogin.FunctionEmployee},
			},
		}
	}
	rec := mk()
	o, err := Preview(rec, "MDABROWSKA2")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec, mk()) {
		t.Error("Preview changed the record")
	}
	if o.Unified != "MDABROWSKA2" || o.Generated || !reflect.DeepEqual(o.Stopped, []string{"MDABROWSKA"}) || !reflect.DeepEqual(o.Ended, []string{"MDABROWSKA3"}) {
		t.Errorf("preview %+v", o)
	}
	if len(o.Grants) != 2 || len(o.EndedGrants) != 1 || o.EndedGrants[0].EntityID != "27631" {
		t.Errorf("grants %+v, ended %+v", o.Grants, o.EndedGrants)
	}
	if _, err := Confirm(rec, "MDABROWSKA2", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if d := Done(rec); !reflect.DeepEqual(d, o) {
		t.Errorf("after the transition\n%+v\nwant the preview\n%+v", d, o)
	}
	if _, err := Preview(mk(), "MDABROWSKA3"); err == nil {
		t.Error("an inactive login previewed as the one login")
	}
}
