package mail

import (
	"errors"
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jedenlogin"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current templates")

// changedAt is 10:05 in Warsaw (UTC+1 in winter).
var changedAt = time.Date(2026, 1, 15, 9, 5, 0, 0, time.UTC)

// deadline is the transition's deadline in the samples.
var deadline = time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)

// samples holds data for every kind, with the values each mail must show.
var samples = map[string]struct {
	data any
	want []string // in both the text and the HTML part
}{
	KindEmailVerify: {
		EmailVerifyData{Login: "JANKOWALSKI", NewEmail: "jan.nowy@example.pl", Code: "482913", Link: "https://konto.sio.gov.pl/profil/email/potwierdz?t=abc123"},
		[]string{"JANKOWALSKI", "jan.nowy@example.pl", "482913", "https://konto.sio.gov.pl/profil/email/potwierdz?t=abc123", "1 godzinę"},
	},
	KindEmailChangedNotice: {
		EmailChangedNoticeData{Login: "JANKOWALSKI", NewEmail: "j***@example.pl", When: changedAt},
		[]string{"JANKOWALSKI", "j***@example.pl", "15.01.2026, 10:05"},
	},
	KindLoginRecovery: {
		LoginRecoveryData{Link: "https://konto.sio.gov.pl/odzyskaj-login/t/xyz"},
		[]string{"https://konto.sio.gov.pl/odzyskaj-login/t/xyz", "ODZYSKAJ LOGIN", "1 godzinę", "Link do odzyskania loginu wygasł."},
	},
	KindPasswordReset: {
		PasswordResetData{Login: "ANNANOWAK", Link: "https://konto.sio.gov.pl/haslo/reset/t/qwe"},
		[]string{"ANNANOWAK", "https://konto.sio.gov.pl/haslo/reset/t/qwe", "link do potwierdzenia zmiany hasła", "1 godzinę"},
	},
	KindPasswordChangedNotice: {
		PasswordChangedNoticeData{Login: "ANNANOWAK", When: changedAt, ResetLink: "https://konto.sio.gov.pl/haslo/reset"},
		[]string{"ANNANOWAK", "15.01.2026, 10:05", "https://konto.sio.gov.pl/haslo/reset", "Nie pamiętasz hasła?"},
	},
	KindActivation: {
		&ActivationData{Login: "PIOTRZIELINSKI2", Entity: "Szkoła Podstawowa nr 1 w Łodzi", Link: "https://konto.sio.gov.pl/aktywacja/t/rty"},
		[]string{"PIOTRZIELINSKI2", "Szkoła Podstawowa nr 1 w Łodzi", "https://konto.sio.gov.pl/aktywacja/t/rty", "72 godziny"},
	},
	KindMFAReset: {
		MFAResetData{Login: "ANNANOWAK", When: changedAt},
		[]string{"ANNANOWAK", "15.01.2026, 10:05", "weryfikacji dwuetapowej"},
	},
	KindApplicationStatus: {
		ApplicationStatusData{Status: StatusRejected, Entity: "Gmina Żółkiewka", Function: jedenlogin.FunctionActingHead, Reason: "Brak upoważnienia dyrektora.", Link: "https://konto.sio.gov.pl/wnioski/17"},
		[]string{"Odrzucony", "Gmina Żółkiewka", "p.o. Kierownika jednostki", "Brak upoważnienia dyrektora.", "https://konto.sio.gov.pl/wnioski/17"},
	},
	KindTransitionNotice: {
		TransitionNoticeData{Case: jedenlogin.CaseChoose, Logins: []string{"JANKOW1", "JANKOW9"}, Keep: []string{"JANKOW1", "JANKOW9"}, Deadline: deadline, HelpURL: "https://pomoc.sio.gov.pl"},
		[]string{"Po zmianie wybierzesz jeden z nich", "31.01.2027", "https://pomoc.sio.gov.pl"},
	},
	KindTransitionCompleted: {
		TransitionCompletedData{Case: jedenlogin.CaseGenerate, Login: "JANKOW3", PasswordFrom: "jan.kowalski", Retired: []string{"jan.kowalski", "jkowal"}, Deadline: deadline, HelpURL: "https://pomoc.sio.gov.pl"},
		[]string{"JANKOW3", "hasłem loginu jan.kowalski", "Loginy jan.kowalski i jkowal przestały działać", "31.01.2027", "https://pomoc.sio.gov.pl"},
	},
	KindTransitionDone: {
		TransitionDoneData{Login: "JEDWOJ1", Generated: true, Stopped: []string{"jwojcik"}, Ended: []string{"j.wojcik"},
			Entities:      []string{"Szkoła Podstawowa nr 3 (27631) – pracownik"},
			EndedEntities: []string{"Gmina Łęczna (431020130) – pracownik"}, Link: "https://konto.sio.gov.pl/logowanie"},
		[]string{"JEDWOJ1", "Zapisz go w bezpiecznym miejscu", "jwojcik", "j.wojcik", "Szkoła Podstawowa nr 3 (27631) – pracownik",
			"Gmina Łęczna (431020130) – pracownik", "https://konto.sio.gov.pl/logowanie"},
	},
}

func TestRenderEveryKind(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			sample, ok := samples[kind]
			if !ok {
				t.Fatalf("no sample data for kind %s", kind)
			}
			m, err := Render(kind, sample.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range sample.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text part lacks %q:\n%s", w, m.Text)
				}
				if !strings.Contains(html.UnescapeString(m.HTML), w) {
					t.Errorf("HTML part lacks %q:\n%s", w, m.HTML)
				}
			}
			if strings.Contains(m.Text+m.HTML, "<no value>") {
				t.Error("a template printed <no value>")
			}
			if !strings.HasPrefix(m.Text, "Dzień dobry,\n") || !strings.HasSuffix(m.Text, "Prosimy na nią nie odpowiadać.\n") {
				t.Errorf("text part lacks greeting or footer:\n%s", m.Text)
			}
			if strings.Contains(m.Text, "\n\n\n") {
				t.Errorf("text part has runs of blank lines:\n%s", m.Text)
			}
			checkLinks(t, m.HTML)

			// A rendered message is a valid one once addressed.
			m.To = []string{"jan@example.pl"}
			if err := m.validate(); err != nil {
				t.Error(err)
			}
			golden(t, kind, "Subject: "+m.Subject+"\n\n"+m.Text+"\n===== HTML =====\n"+m.HTML)
		})
	}
}

var hrefs = regexp.MustCompile(`<a [^>]*href="([^"]*)"`)

// checkLinks requires every link of the HTML part to be absolute https and
// to appear as text as well, for mail clients that drop links.
func checkLinks(t *testing.T, s string) {
	t.Helper()
	text := html.UnescapeString(s)
	for _, m := range hrefs.FindAllStringSubmatch(s, -1) {
		href := html.UnescapeString(m[1])
		if !strings.HasPrefix(href, "https://") {
			t.Errorf("link %q is not absolute https", href)
		}
		if strings.Count(text, href) < 2 {
			t.Errorf("link %q not shown as text", href)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./mail -run TestRender -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendered mail (review, then go test ./mail -run TestRender -update):\n%s", path, got)
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	const evil = `Szkoła <script>alert("x")</script> & „Ćma” <b onmouseover=x>`
	m, err := Render(KindApplicationStatus, ApplicationStatusData{
		Status:   StatusAccepted,
		Entity:   evil,
		Function: jedenlogin.FunctionEmployee,
		Reason:   `</td></tr></table><a href="https://evil.example">kliknij</a>`,
		Link:     `https://konto.sio.gov.pl/wnioski/1?a=1&b="x"`,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<b onmouseover", `<a href="https://evil.example">`, `b="x"`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML part contains unescaped %q:\n%s", bad, m.HTML)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "&amp; „Ćma”", "&lt;/td&gt;"} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("HTML part lacks escaped %q:\n%s", good, m.HTML)
		}
	}
	if !strings.Contains(m.Text, evil) {
		t.Errorf("text part should carry the name verbatim, got:\n%s", m.Text)
	}
}

func TestRenderRejects(t *testing.T) {
	okStatus := ApplicationStatusData{Status: StatusSubmitted, Entity: "SP 1", Function: jedenlogin.FunctionEmployee}
	tests := []struct {
		name string
		kind string
		data any
	}{
		{"unknown kind", "newsletter", LoginRecoveryData{Link: "https://x.pl/a"}},
		{"relative link", KindLoginRecovery, LoginRecoveryData{Link: "/odzyskaj/t/1"}},
		{"javascript link", KindPasswordReset, PasswordResetData{Login: "A", Link: "javascript:alert(1)"}},
		{"empty link", KindActivation, ActivationData{Login: "A"}},
		{"unknown status", KindApplicationStatus, func() any { d := okStatus; d.Status = "zatwierdzony"; return d }()},
		{"unknown function", KindApplicationStatus, func() any { d := okStatus; d.Function = "dyrektor"; return d }()},
		{"relative optional link", KindApplicationStatus, func() any { d := okStatus; d.Link = "wnioski/1"; return d }()},
		{"time not set", KindPasswordChangedNotice, PasswordChangedNoticeData{Login: "A"}},
		{"wrong data type", KindEmailVerify, LoginRecoveryData{Link: "https://x.pl/a"}},
		{"map without a key", KindEmailVerify, map[string]any{"Login": "A", "NewEmail": "a@b.pl", "Link": "https://x.pl/a"}},
		{"nil data", KindLoginRecovery, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(tt.kind, tt.data)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("Render = %+v, %v; want ErrInvalidMessage", m, err)
			}
		})
	}
}

func TestApplicationStatusLabels(t *testing.T) {
	tests := []struct {
		status, want string
		reason       bool
	}{
		{StatusSubmitted, "Złożony", false},
		{StatusUnderReview, "Rozpatrywany", false},
		{StatusAccepted, "Zaakceptowany", false},
		{StatusRejected, "Odrzucony", true},
		{StatusWithdrawn, "Wycofany", false},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			d := ApplicationStatusData{Status: tt.status, Entity: "SP 1", Function: jedenlogin.FunctionHead}
			if tt.reason {
				d.Reason = "Niekompletne dane."
			}
			m, err := Render(KindApplicationStatus, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != "Wniosek o dostęp — status: "+tt.want {
				t.Errorf("Subject = %q", m.Subject)
			}
			if !strings.Contains(m.Text, "Status: "+tt.want+"\n") || !strings.Contains(m.Text, "Funkcja: Kierownik jednostki\n") {
				t.Errorf("text part:\n%s", m.Text)
			}
			if got := strings.Contains(m.Text, "Uzasadnienie:"); got != tt.reason {
				t.Errorf("reason shown = %v, want %v", got, tt.reason)
			}
			if strings.Contains(m.Text+m.HTML, "POKAŻ WNIOSEK") {
				t.Error("POKAŻ WNIOSEK shown without a link")
			}
			if l, ok := StatusLabel(tt.status); !ok || l != tt.want {
				t.Errorf("StatusLabel = %q, %v", l, ok)
			}
		})
	}
}

// TestRenderedMailSurvivesTheWire sends a rendered mail through the outbox
// and reads it back unchanged.
func TestRenderedMailSurvivesTheWire(t *testing.T) {
	o, dir := newTestOutbox(t)
	m, err := Render(KindEmailVerify, samples[KindEmailVerify].data)
	if err != nil {
		t.Fatal(err)
	}
	m.To = []string{"jan.nowy@example.pl"}
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got, err := Latest(dir, "jan.nowy@example.pl")
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, got, m)
}

// Every mail ends with where to find help and how to reach the helpdesk.
func TestRenderWithFooter(t *testing.T) {
	f := Footer{HelpURL: "https://pomoc.sio.gov.pl", Support: "tel. 22 123 45 67"}
	for _, kind := range Kinds() {
		m, err := RenderWithFooter(kind, samples[kind].data, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{m.Text, html.UnescapeString(m.HTML)} {
			if !strings.Contains(part, "Instrukcje i pomoc:") || !strings.Contains(part, "https://pomoc.sio.gov.pl") || !strings.Contains(part, "Pomoc techniczna: tel. 22 123 45 67") {
				t.Errorf("%s: no help footer in\n%s", kind, part)
			}
		}
	}
	if _, err := RenderWithFooter(KindLoginRecovery, samples[KindLoginRecovery].data, Footer{HelpURL: "pomoc.sio.gov.pl"}); err == nil {
		t.Error("a help URL without scheme accepted")
	}
}
