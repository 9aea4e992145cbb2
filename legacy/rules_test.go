package legacy

import (
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
)

// TestParsePESELAndEmail: the import keeps a PESEL and an e-mail address
// only when jedenlogin.ValidPESEL and ValidEmail accept them; any other
// value is dropped with a warning naming the line (SPEC §4).
func TestParsePESELAndEmail(t *testing.T) {
	for _, tc := range []struct {
		name, column, value string
		kept                bool
	}{
		{"PESEL", "pesel", "44051401458", true},
		{"PESEL with check digit 0", "pesel", "44051401380", true},
		{"PESEL with a wrong check digit", "pesel", "44051401381", false},
		{"PESEL of 12 digits", "pesel", "440514013800", false},
		{"PESEL of 10 digits", "pesel", "4405140138", false},
		{"PESEL with a letter", "pesel", "4405140138O", false},
		{"PESEL with ':' summing as 10", "pesel", "44:51401380", false},
		{"e-mail", "email", "jan.kowalski@szkola.pl", true},
		{"e-mail with a single-label domain", "email", "jan@szkola", false},
		{"e-mail ending in a dot", "email", "jan@szkola.pl.", false},
		{"e-mail with two dots in the local part", "email", "jan..k@szkola.pl", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, makeCSV(t, base("A").with(tc.column, tc.value)))
			checkIssues(t, "errors", f.Errors, nil)
			got := f.Rows[0].PESEL
			if tc.column == "email" {
				got = f.Rows[0].Email
			}
			if tc.kept {
				checkIssues(t, "warnings", f.Warnings, nil)
				if got != tc.value {
					t.Errorf("%s = %q, want %q kept", tc.column, got, tc.value)
				}
				return
			}
			checkIssues(t, "warnings", f.Warnings, []wantIssue{{2, tc.column, "niepoprawny"}})
			if got != "" {
				t.Errorf("%s = %q, want it dropped", tc.column, got)
			}
		})
	}
}

// TestParseValidToCalendar: valid_to is a real calendar day; 29 February
// only in leap years, which centuries are only when divisible by 400.
func TestParseValidToCalendar(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"2024-02-29", true},
		{"2000-02-29", true},
		{"2100-02-29", false},
		{"2025-02-29", false},
		{"2025-02-28", true},
		{"2025-04-30", true},
		{"2025-04-31", false},
		{"2025-12-31", true},
		{"2025-12-32", false},
		{"2025-01-00", false},
		{"2025-13-01", false},
		{"2025-00-01", false},
		{"0000-01-01", false},
		{"2025-1-01", false},
		{"2025/01/01", false},
		{"2025-01-0a", false},
	} {
		t.Run(tc.value, func(t *testing.T) {
			f := mustParse(t, makeCSV(t, base("A").with("valid_to", tc.value)))
			if tc.ok {
				checkIssues(t, "errors", f.Errors, nil)
				if got := f.Rows[0].ValidTo.Format(time.DateOnly); got != tc.value {
					t.Errorf("valid_to = %s, want %s", got, tc.value)
				}
				return
			}
			checkIssues(t, "errors", f.Errors, []wantIssue{{2, "valid_to", "RRRR-MM-DD"}})
		})
	}
}

// TestParseHeadEndingToday: a head whose grant ends today is still the
// entity's active head, so a second one is a warning; one whose grant
// ended yesterday is not.
func TestParseHeadEndingToday(t *testing.T) {
	today := time.Now().UTC()
	for _, tc := range []struct {
		name    string
		validTo string
		want    []wantIssue
	}{
		{"head until today", today.Format(time.DateOnly), []wantIssue{{3, "function", "aktywnego kierownika (wiersz 2)"}}},
		{"head until tomorrow", today.AddDate(0, 0, 1).Format(time.DateOnly), []wantIssue{{3, "function", "aktywnego kierownika (wiersz 2)"}}},
		{"head until yesterday", today.AddDate(0, 0, -1).Format(time.DateOnly), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, makeCSV(t,
				base("A").with("function", "kierownik", "valid_to", tc.validTo),
				base("B").with("function", "kierownik")))
			checkIssues(t, "errors", f.Errors, nil)
			checkIssues(t, "warnings", f.Warnings, tc.want)
		})
	}
}

// TestImportNeverReusesMergedName: a login name is never reused (SPEC §3),
// also when the login was merged away: a newcomer generated later skips it.
func TestImportNeverReusesMergedName(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b.NewDSN(t))
		// Jan (PESEL 44051401359): JANKOW1 alone, done at import; JANKOW2
		// arrives later and is merged into JANKOW1 at once.
		mustImport(t, st, makeCSV(t, base("JANKOW1").with("pesel", "44051401359")))
		mustImport(t, st, makeCSV(t, base("JANKOW2").with("pesel", "44051401359", "entity_id", "E2", "entity_name", "SP 2")))
		jan := persons(t, st)["pesel:44051401359"]
		if l := jan.LoginByName("JANKOW2"); l == nil || l.State != jedenlogin.LoginMerged {
			t.Fatalf("JANKOW2 = %+v, want merged", l)
		}
		// Another Jan Kowalski with only a lowercase login: generate.
		mustImport(t, st, makeCSV(t, base("jan.k").with("pesel", "02070803628")))
		other := persons(t, st)["pesel:02070803628"]
		if other == nil || other.Person.GeneratedLoginID == nil {
			t.Fatalf("the newcomer has no reserved login: %+v", other)
		}
		if got := other.Login(*other.Person.GeneratedLoginID).Name; got != "JANKOW3" {
			t.Errorf("generated login %s, want JANKOW3 (JANKOW1 is in use, JANKOW2 merged)", got)
		}
		if names := strings.Join(loginNames(other.Logins, jedenlogin.LoginReserved), ","); names != "JANKOW3" {
			t.Errorf("reserved logins of the newcomer: %s", names)
		}
	})
}
