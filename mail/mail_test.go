package mail

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/mail"
	"strings"
	"testing"
	"time"
)

const testFrom = "jedenlogin <noreply@sio.example.gov.pl>"

// sampleMessage has Polish letters everywhere they can go wrong, and a
// secret code in the body that must never reach a log.
func sampleMessage() *Message {
	return &Message{
		To:      []string{"Zofia Żółć <zofia@example.pl>"},
		Subject: "Zmiana adresu e-mail – kod weryfikacyjny (zażółć gęślą jaźń)",
		Text:    "Kod weryfikacyjny: 482913\nŁódź, źdźbło, ćma, a line long enough to need soft line breaks in quoted-printable encoding.\n",
		HTML:    "<p>Kod weryfikacyjny: <strong>482913</strong></p>\n<p>Łódź, źdźbło, ćma</p>\n",
	}
}

const secretInBody = "482913"

// checkWire asserts what a mail client relies on in a raw message: the
// headers, an ASCII-only header block with an RFC 2047 subject, and both
// parts decoding back to want.
func checkWire(t *testing.T, raw []byte, want *Message) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, raw)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for i, c := range head {
		if c > 127 {
			t.Fatalf("header block has a non-ASCII byte at %d:\n%s", i, head)
		}
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@sio.example.gov.pl>") || len(id) < 30 {
		t.Errorf("Message-ID = %q, want <random@sio.example.gov.pl>", id)
	}
	if v := msg.Header.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q", v)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "noreply@sio.example.gov.pl" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "=?UTF-8?") {
		t.Errorf("Subject %q is not RFC 2047 encoded", msg.Header.Get("Subject"))
	}
	if got := strings.Count(string(raw), "charset=UTF-8"); got != 2 {
		t.Errorf("%d parts declare charset=UTF-8, want 2", got)
	}
	got, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkMessage(t, got, want)
}

// checkMessage compares a parsed message with the one sent; recipients come
// back as bare addresses.
func checkMessage(t *testing.T, got, want *Message) {
	t.Helper()
	var wantTo []string
	for _, to := range want.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			t.Fatal(err)
		}
		wantTo = append(wantTo, a.Address)
	}
	if strings.Join(got.To, ",") != strings.Join(wantTo, ",") {
		t.Errorf("To = %q, want %q", got.To, wantTo)
	}
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if got.Text != want.Text {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if got.HTML != want.HTML {
		t.Errorf("HTML = %q, want %q", got.HTML, want.HTML)
	}
}

// logLines returns a logger writing JSON lines into the returned buffer.
func logLines() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
}

// decodeLog parses the JSON log lines in buf.
func decodeLog(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want Message
	}{
		{
			name: "single text part without Content-Type",
			raw:  "To: a@example.pl\r\nSubject: Hello\r\n\r\nbody\r\n",
			want: Message{To: []string{"a@example.pl"}, Subject: "Hello", Text: "body\n"},
		},
		{
			name: "quoted-printable text with encoded subject",
			raw: "To: \"A\" <a@example.pl>, b@example.pl\r\nSubject: =?UTF-8?q?=C5=81=C3=B3d=C5=BA?=\r\n" +
				"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
				"=C5=BC=C3=B3=C5=82w long line=\r\n continues\r\n",
			want: Message{To: []string{"a@example.pl", "b@example.pl"}, Subject: "Łódź", Text: "żółw long line continues\n"},
		},
		{
			name: "base64 parts in nested multipart",
			raw: "To: a@example.pl\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=OUT\r\n\r\n" +
				"--OUT\r\nContent-Type: multipart/alternative; boundary=IN\r\n\r\n" +
				"--IN\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nxbzDs8WC\r\ndw==\r\n" +
				"--IN\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+xbw8L2I+\r\n" +
				"--IN--\r\n--OUT\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--OUT--\r\n",
			want: Message{To: []string{"a@example.pl"}, Subject: "x", Text: "żółw", HTML: "<b>ż</b>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, got, &tt.want)
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"multipart cut short", "Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nx"},
		{"bad To", "To: <<<\r\n\r\nx"},
		{"unknown transfer encoding", "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nx"},
		{"foreign charset", "Content-Type: text/plain; charset=iso-8859-2\r\n\r\nx"},
		{"bad base64", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.raw))
			t.Logf("Parse error: %v", err)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", m)
			}
		})
	}
}

func TestBuildDatesAndIDs(t *testing.T) {
	s, err := newSender(testFrom)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	ids := map[string]bool{}
	for range 3 {
		msg, err := s.build(sampleMessage(), when)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := msg.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		checkWire(t, buf.Bytes(), sampleMessage())
		parsed, _ := mail.ReadMessage(&buf)
		if d, _ := parsed.Header.Date(); !d.Equal(when) {
			t.Errorf("Date = %v, want %v", d, when)
		}
		ids[parsed.Header.Get("Message-ID")] = true
	}
	if len(ids) != 3 {
		t.Errorf("3 messages got %d distinct Message-IDs", len(ids))
	}
}

func TestNewSenderRejectsBadFrom(t *testing.T) {
	for _, from := range []string{"", "noreply", "noreply@", "a b <x@y"} {
		if _, err := newSender(from); err == nil {
			t.Errorf("newSender(%q) succeeded, want an error", from)
		}
	}
}
