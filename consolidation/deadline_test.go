package consolidation

import (
	"errors"
	"testing"
	"time"

	"jedenlogin"
)

// TestChooseAtDeadline: the most recently used login wins; ties and logins
// never used fall to the account-data order (latest acceptance, then the
// lowest id); generate takes the reserved login and the password of the
// most recently used login that has one.
func TestChooseAtDeadline(t *testing.T) {
	day := func(d int) *time.Time { v := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &v }
	login := func(id int64, name string, state jedenlogin.LoginState, last, accepted *time.Time, hash string) jedenlogin.Login {
		return jedenlogin.Login{ID: id, PersonID: 1, Name: name, State: state, LastLoginAt: last, AcceptedAt: accepted, PasswordHash: hash}
	}
	rec := func(generated *int64, ls ...jedenlogin.Login) *jedenlogin.PersonRecord {
		return &jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: 1, Key: "pesel:1", State: jedenlogin.StatePending, GeneratedLoginID: generated}, Logins: ls}
	}
	A, R := jedenlogin.LoginActive, jedenlogin.LoginReserved
	tests := []struct {
		name       string
		rec        *jedenlogin.PersonRecord
		keep, from string
		retire     []string
		err        error
	}{
		{"choose: latest use", rec(nil, login(1, "JANKOW1", A, day(3), day(1), "h1"), login(2, "JANKOW2", A, day(5), day(1), "h2")),
			"JANKOW2", "", []string{"JANKOW1"}, nil},
		{"choose: a used login beats one never used", rec(nil, login(1, "JANKOW1", A, nil, day(9), "h1"), login(2, "JANKOW2", A, day(1), day(1), "h2")),
			"JANKOW2", "", []string{"JANKOW1"}, nil},
		{"choose: tie goes to the latest acceptance", rec(nil, login(1, "JANKOW1", A, day(3), day(1), "h1"), login(2, "JANKOW2", A, day(3), day(2), "h2")),
			"JANKOW2", "", []string{"JANKOW1"}, nil},
		{"choose: none used, same acceptance: lowest id", rec(nil, login(2, "JANKOW2", A, nil, nil, "h2"), login(1, "JANKOW1", A, nil, nil, "h1")),
			"JANKOW1", "", []string{"JANKOW2"}, nil},
		{"choose_uppercase: only uppercase may stay, however recent the other", rec(nil, login(1, "JANKOW1", A, day(1), day(1), "h1"), login(2, "jan.k", A, day(9), day(1), "h2")),
			"JANKOW1", "", []string{"jan.k"}, nil},
		{"generate: reserved login, password of the latest used", rec(i64(3), login(1, "jan.k", A, day(2), day(1), "h1"), login(2, "jk", A, day(4), day(1), "h2"), login(3, "JANKOW3", R, nil, nil, "")),
			"JANKOW3", "jk", []string{"jan.k", "jk"}, nil},
		{"generate: a login without password does not give one", rec(i64(3), login(1, "jan.k", A, day(2), day(1), "h1"), login(2, "jk", A, day(4), day(1), ""), login(3, "JANKOW3", R, nil, nil, "")),
			"JANKOW3", "jan.k", []string{"jan.k", "jk"}, nil},
		{"generate: no password at all", rec(i64(3), login(1, "jan.k", A, day(2), day(1), ""), login(3, "JANKOW3", R, nil, nil, "")),
			"", "", nil, ErrPasswordRequired},
		{"generate: nothing reserved", rec(nil, login(1, "jan.k", A, day(2), day(1), "h1")),
			"", "", nil, ErrNoGeneratedLogin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := ChooseAtDeadline(tc.rec)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.Keep != tc.keep || ch.PasswordFrom != tc.from || len(ch.Retire) != len(tc.retire) {
				t.Fatalf("got keep %s from %q retire %v, want %s %q %v", ch.Keep, ch.PasswordFrom, ch.Retire, tc.keep, tc.from, tc.retire)
			}
			for i := range ch.Retire {
				if ch.Retire[i] != tc.retire[i] {
					t.Fatalf("retire %v, want %v", ch.Retire, tc.retire)
				}
			}
			// Confirming it keeps Confirm's invariants: the person is done
			// and every other login merged into the kept one.
			ev, _, err := ConfirmAtDeadline(tc.rec, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if tc.rec.Person.State != jedenlogin.StateDone || ev.Subject != tc.keep {
				t.Fatalf("after ConfirmAtDeadline: state %s, event subject %s", tc.rec.Person.State, ev.Subject)
			}
		})
	}
}

func i64(v int64) *int64 { return &v }
