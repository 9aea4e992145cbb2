package mail

import (
	"html"
	"os"
	"strings"
	"testing"

	"jedenlogin"
)

// TestRenderTransitionNoticeCases: each case's notice says what will happen
// to that person's own logins, the steps, the date and the help link.
func TestRenderTransitionNoticeCases(t *testing.T) {
	tests := []struct {
		name string
		data TransitionNoticeData
		want []string
		not  []string
	}{
		{"choose", TransitionNoticeData{Case: jedenlogin.CaseChoose, Logins: []string{"JANKOW1", "JANKOW5", "JANKOW9"}, Keep: []string{"JANKOW1", "JANKOW5", "JANKOW9"}},
			[]string{"Masz loginy JANKOW1, JANKOW5 i JANKOW9. Po zmianie wybierzesz jeden z nich", "Co zrobić do 31.01.2027:", "1. Zaloguj się", "zaznacz login, którego chcesz używać"},
			[]string{"nowy login"}},
		{"choose_uppercase_one", TransitionNoticeData{Case: jedenlogin.CaseChooseUppercase, Logins: []string{"JANKOW1", "jan.k"}, Keep: []string{"JANKOW1"}, Retire: []string{"jan.k"}},
			[]string{"Masz loginy JANKOW1 i jan.k.", "po zmianie zostanie Ci login JANKOW1", "Login jan.k przestanie działać", "sprawdź, że zaznaczony jest login JANKOW1"},
			[]string{"wybierzesz jeden"}},
		{"choose_uppercase_two", TransitionNoticeData{Case: jedenlogin.CaseChooseUppercase, Logins: []string{"JANKOW1", "JANKOW2", "jan.k", "jk"}, Keep: []string{"JANKOW1", "JANKOW2"}, Retire: []string{"jan.k", "jk"}},
			[]string{"po zmianie wybierzesz jeden z loginów JANKOW1 i JANKOW2", "Loginy jan.k i jk przestaną działać", "zaznacz jeden z loginów JANKOW1 i JANKOW2"},
			nil},
		{"generate", TransitionNoticeData{Case: jedenlogin.CaseGenerate, Logins: []string{"jan.k"}, Retire: []string{"jan.k"}, NewLogin: "JANKOW3"},
			[]string{"Twój nowy login to JANKOW3; potwierdzisz go swoim obecnym hasłem.", "(jan.k)", "Nowy login otrzyma to samo hasło", "login JANKOW3 i tak stanie się Twoim loginem"},
			[]string{"wybierzesz"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.data.Deadline, tc.data.HelpURL = deadline, "https://pomoc.sio.gov.pl/jeden-login"
			m, err := Render(KindTransitionNotice, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			want := append(tc.want, "31.01.2027", "https://pomoc.sio.gov.pl/jeden-login")
			htmlText := html.UnescapeString(m.HTML)
			for _, w := range want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text part lacks %q:\n%s", w, m.Text)
				}
				// The HTML part says the same, the steps as a list.
				if w2 := strings.TrimPrefix(w, "1. "); !strings.Contains(stripTags(htmlText), w2) {
					t.Errorf("HTML part lacks %q:\n%s", w2, m.HTML)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(m.Text, n) {
					t.Errorf("text part has %q, which is not for this case:\n%s", n, m.Text)
				}
			}
			checkLinks(t, m.HTML)
			golden(t, "transition_notice_"+tc.name, "Subject: "+m.Subject+"\n\n"+m.Text+"\n===== HTML =====\n"+m.HTML)
		})
	}
}

// stripTags drops HTML tags, leaving the text.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestOutboxNamesFilesByMessageID: a message sent with a chosen Message-ID
// carries it and can be found by it; an unsafe id is refused.
func TestOutboxNamesFilesByMessageID(t *testing.T) {
	o, dir := newTestOutbox(t)
	m := &Message{To: []string{"jan@example.pl"}, Subject: "S", Text: "T", MessageID: "notice.c1.17.ab12@sio.example.pl"}
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if err := o.Send(t.Context(), &Message{To: []string{"jan@example.pl"}, Subject: "S", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	ids, err := OutboxMessageIDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ids["notice.c1.17.ab12@sio.example.pl"]
	if len(ids) != 1 || !ok {
		t.Fatalf("OutboxMessageIDs = %v, want the one chosen id", ids)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Message-ID: <notice.c1.17.ab12@sio.example.pl>") {
		t.Errorf("file lacks the chosen Message-ID:\n%s", raw)
	}
	for _, bad := range []string{"../x@y", "a b@c", "no-at-sign", "x@y/z"} {
		m := &Message{To: []string{"jan@example.pl"}, Subject: "S", Text: "T", MessageID: bad}
		if err := o.Send(t.Context(), m); err == nil {
			t.Errorf("Send with Message-ID %q: no error", bad)
		}
	}
}
