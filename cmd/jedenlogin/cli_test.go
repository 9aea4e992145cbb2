package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/store/storetest"
)

// cli runs one subcommand in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIHelpListsEverySubcommand(t *testing.T) {
	code, out, _ := cli(t, "help")
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("help does not list %s:\n%s", c.name, out)
		}
	}
	if code, _, errOut := cli(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `nieznane polecenie "frobnicate"`) {
		t.Errorf("unknown subcommand: exit %d, %q", code, errOut)
	}
}

func TestCLIImportPlanVerify(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		code, out, errOut := cli(t, "import", "--db", dsn, sample)
		if code != 0 {
			t.Fatalf("import exited %d\n%s\n%s", code, out, errOut)
		}
		if !strings.Contains(out, "Nowe loginy:               300") {
			t.Fatalf("summary does not report 300 new logins:\n%s", out)
		}
		if !strings.Contains(errOut, "ostrzeżenie: wiersz ") {
			t.Errorf("the sample's warnings are not reported with their lines:\n%s", errOut)
		}

		code, out, errOut = cli(t, "import", "--db", dsn, sample)
		if code != 0 || !strings.Contains(out, "Nowe loginy:               0") {
			t.Fatalf("re-import: exit %d, want 0 new logins\n%s\n%s", code, out, errOut)
		}

		code, text, errOut := cli(t, "plan", "--db", dsn)
		if code != 0 {
			t.Fatalf("plan exited %d: %s", code, errOut)
		}
		for _, want := range []string{"unchanged", "choose", "choose_uppercase", "generate", "no_active_login", "Osoby rozpoznane po numerze PESEL"} {
			if !strings.Contains(text, want) {
				t.Errorf("plan summary lacks %q:\n%s", want, text)
			}
		}

		code, jsonl, errOut := cli(t, "plan", "--db", dsn, "--format", "json")
		if code != 0 {
			t.Fatalf("plan --format json exited %d: %s", code, errOut)
		}
		wantKeys := []string{"active_logins", "candidates", "case", "entities", "generated_login", "logins", "person_id", "person_key", "state", "unified_login"}
		cases := map[string]int{}
		sc := bufio.NewScanner(strings.NewReader(jsonl))
		sc.Buffer(nil, 1<<20)
		lines := 0
		for sc.Scan() {
			lines++
			var row map[string]any
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("line %d is not JSON: %v", lines, err)
			}
			var keys []string
			for k := range row {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, wantKeys) {
				t.Fatalf("line %d has fields %v, want exactly %v", lines, keys, wantKeys)
			}
			c := row["case"].(string)
			cases[c]++
			switch {
			case c == "generate" && row["generated_login"] == "":
				t.Errorf("generate person without a reserved login: %s", sc.Text())
			case c == "unchanged" && (row["state"] != "done" || row["unified_login"] == ""):
				t.Errorf("unchanged person not completed at import: %s", sc.Text())
			case (c == "choose" || c == "choose_uppercase") && len(row["candidates"].([]any)) == 0:
				t.Errorf("choosing person without candidates: %s", sc.Text())
			}
		}
		if lines == 0 || len(cases) != 5 {
			t.Fatalf("plan lists %d persons in cases %v; the sample has every case", lines, cases)
		}
		// Byte for byte what encoding/json writes of each person's row,
		// persons in id order, read by the full walk.
		var want strings.Builder
		enc := json.NewEncoder(&want)
		if err := storetest.Open(t, dsn).ForEachPerson(context.Background(), func(rec *jedenlogin.PersonRecord) error {
			return enc.Encode(consolidation.Row(rec))
		}); err != nil {
			t.Fatal(err)
		}
		if jsonl != want.String() {
			t.Errorf("plan --format json is not encoding/json's rows of ForEachPerson (%d and %d bytes)", len(jsonl), want.Len())
		}

		code, out, errOut = cli(t, "verify", "--db", dsn)
		if code != 0 || !strings.Contains(out, "brak naruszeń") {
			t.Fatalf("verify on a fresh import: exit %d\n%s%s", code, out, errOut)
		}
	})
}

func TestCLIVerifyReportsBrokenData(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		if code, _, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
			t.Fatalf("import: %s", errOut)
		}
		// Damage the data behind the application's back: a generated
		// login now equals an existing login ignoring case.
		st := storetest.Open(t, dsn)
		var twin string
		if err := st.DB().QueryRow(`SELECT name FROM logins WHERE origin = 'legacy' AND name <> upper(name)
			AND upper(name) NOT IN (SELECT name FROM logins) ORDER BY id LIMIT 1`).Scan(&twin); err != nil {
			t.Fatal(err)
		}
		q := `UPDATE logins SET name = upper($1), name_folded = upper($1) WHERE id = (SELECT min(id) FROM logins WHERE origin = 'generated')`
		if b.Name == "sqlite" {
			q = strings.ReplaceAll(q, "$1", "?1")
		}
		res, err := st.DB().Exec(q, twin)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("damaged %d rows", n)
		}
		code, out, _ := cli(t, "verify", "--db", dsn)
		if code != 1 || !strings.Contains(out, "NARUSZENIE") {
			t.Fatalf("verify on damaged data: exit %d, want 1 with a violation\n%s", code, out)
		}
	})
}

func TestCLIImportRejectsBadFileAndWritesNothing(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	content := "login,status,first_name,last_name,entity_id,entity_name,function,pesel\n" +
		"JANKOW1,active,Jan,Kowalski,1,Szkoła,pracownik,\n" +
		"JANKOW1,aktywny,Jan,Kowalski,1,Szkoła,dyrektor,123\n"
	if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		code, _, errOut := cli(t, "import", "--db", dsn, bad)
		if code != 1 {
			t.Fatalf("import of a bad file exited %d, want 1\n%s", code, errOut)
		}
		for _, want := range []string{"wiersz 3, kolumna login", "wiersz 3, kolumna status", "wiersz 3, kolumna function", "nic nie zaimportowano"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("errors lack %q:\n%s", want, errOut)
			}
		}
		code, out, _ := cli(t, "plan", "--db", dsn)
		if code != 0 || !strings.Contains(out, "Osoby: 0   Loginy: 0") {
			t.Fatalf("after a rejected import the database is not empty: exit %d\n%s", code, out)
		}
	})
}

func TestCLIServeRefusesOutdatedSchema(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.db")
	code, _, errOut := cli(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "jedenlogin migrate-schema --db "+db) {
		t.Fatalf("serve on an empty database: exit %d, want 1 with advice\n%s", code, errOut)
	}
	code, out, errOut := cli(t, "migrate-schema", "--db", db)
	if code != 0 || !strings.Contains(out, "schema") {
		t.Fatalf("migrate-schema: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "plan", "--db", db)
	if code != 0 {
		t.Fatalf("plan after migrate-schema: exit %d\n%s%s", code, out, errOut)
	}
}

func TestCLIUnlockAndCreateOperator(t *testing.T) {
	sample := filepath.Join("..", "..", "testdata", "legacy-sample.csv")
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		if code, _, errOut := cli(t, "import", "--db", dsn, sample); code != 0 {
			t.Fatalf("import: %s", errOut)
		}
		st := storetest.Open(t, dsn)
		var name string
		if err := st.DB().QueryRow(`SELECT name FROM logins WHERE state = 'active' ORDER BY id LIMIT 1`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		now := time.Now()
		for range 5 {
			if _, _, err := st.RecordFailure(ctx, "login:"+name, now, 15*time.Minute, 5, 15*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if th, _ := st.ThrottleState(ctx, "login:"+name); th.BlockedUntil == nil {
			t.Fatal("five failures did not block the name")
		}
		if code, out, errOut := cli(t, "unlock", "--db", dsn, name); code != 0 || !strings.Contains(out, name) {
			t.Fatalf("unlock: exit %d %s%s", code, out, errOut)
		}
		if th, _ := st.ThrottleState(ctx, "login:"+name); th.BlockedUntil != nil || th.Failures != 0 {
			t.Fatalf("after unlock the name is still counted: %+v", th)
		}

		if code, out, errOut := cli(t, "create-operator", "--db", dsn, name); code != 0 || !strings.Contains(out, "jest operatorem") {
			t.Fatalf("create-operator: exit %d %s%s", code, out, errOut)
		}
		l, err := st.LoginByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := st.Person(ctx, l.PersonID)
		if err != nil || !rec.Person.Operator {
			t.Fatalf("person of %s is not an operator: %v", name, err)
		}
		evs, err := st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditOperatorCreated})
		if err != nil || len(evs) != 1 || evs[0].Subject != name {
			t.Fatalf("operator change not audited: %v %+v", err, evs)
		}
		if code, _, errOut := cli(t, "create-operator", "--db", dsn, "NIEMA999"); code != 1 || !strings.Contains(errOut, "nie ma loginu NIEMA999") {
			t.Fatalf("unknown login: exit %d %s", code, errOut)
		}
	})
}
