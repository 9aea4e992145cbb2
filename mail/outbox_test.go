package mail

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newTestOutbox(t *testing.T) (*Outbox, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	logger, _ := logLines()
	o, err := NewOutbox(dir, testFrom, logger)
	if err != nil {
		t.Fatal(err)
	}
	return o, dir
}

func TestOutboxWritesParsableFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "outbox")
	logger, logs := logLines()
	o, err := NewOutbox(dir, testFrom, logger)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("outbox directory mode = %o, want 700", perm)
	}

	want := sampleMessage()
	if err := o.Send(t.Context(), want); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Fatalf("outbox holds %v, want exactly one .eml file (no temporary files left)", entries)
	}
	path := filepath.Join(dir, entries[0].Name())
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("message file mode = %o, want no access for group and others", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, raw, want)
	got, err := ParseEML(path)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, got, want)

	lines := decodeLog(t, logs)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	if lines[0]["to"] != want.To[0] || lines[0]["subject"] != want.Subject || lines[0]["file"] != path {
		t.Errorf("log line %v lacks to, subject or file", lines[0])
	}
	if strings.Contains(logs.String(), secretInBody) || strings.Contains(logs.String(), "Łódź") {
		t.Errorf("log contains the body: %s", logs)
	}
}

func TestOutboxLatest(t *testing.T) {
	o, dir := newTestOutbox(t)
	send := func(to, subject string) {
		t.Helper()
		m := sampleMessage()
		m.To, m.Subject = []string{to}, subject
		if err := o.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	// Sent back to back, these share a clock tick on coarse clocks; the
	// outbox must still order them.
	send("anna@example.pl", "pierwsza")
	send("Jan <jan@example.pl>", "do Jana")
	send("anna@example.pl", "druga")
	send("anna@example.pl", "trzecia")

	tests := []struct {
		name, to, wantSubject string
	}{
		{"newest of several", "anna@example.pl", "trzecia"},
		{"address case ignored", "ANNA@Example.PL", "trzecia"},
		{"display name ignored", "Jan Kowalski <jan@example.pl>", "do Jana"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Latest(dir, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.wantSubject {
				t.Errorf("Latest(%q).Subject = %q, want %q", tt.to, m.Subject, tt.wantSubject)
			}
		})
	}
	t.Run("no message to address", func(t *testing.T) {
		if _, err := Latest(dir, "nikt@example.pl"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := Latest(filepath.Join(dir, "nope"), "anna@example.pl"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})
	files, err := OutboxFiles(dir)
	if err != nil || len(files) != 4 {
		t.Fatalf("Files = %v, %v; want 4 files", files, err)
	}
}

func TestOutboxConcurrentSendsKeepDistinctFiles(t *testing.T) {
	o, dir := newTestOutbox(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := o.Send(context.Background(), sampleMessage()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	files, err := OutboxFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 20 {
		t.Errorf("%d files after 20 sends", len(files))
	}
}

func TestSendRejectsInvalidMessage(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Message)
	}{
		{"no recipient", func(m *Message) { m.To = nil }},
		{"recipient without domain", func(m *Message) { m.To = []string{"jan"} }},
		{"malformed recipient", func(m *Message) { m.To = []string{"jan@example.pl", "<<x"} }},
		{"empty subject", func(m *Message) { m.Subject = "  " }},
		{"header injection in subject", func(m *Message) { m.Subject = "Hej\r\nBcc: evil@example.com" }},
		{"empty text", func(m *Message) { m.Text = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, dir := newTestOutbox(t)
			m := sampleMessage()
			tt.change(m)
			if err := o.Send(t.Context(), m); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Send = %v, want ErrInvalidMessage", err)
			}
			if files, _ := OutboxFiles(dir); len(files) != 0 {
				t.Errorf("invalid message written to %v", files)
			}
		})
	}
	t.Run("nil message", func(t *testing.T) {
		o, _ := newTestOutbox(t)
		if err := o.Send(t.Context(), nil); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Send(nil) = %v, want ErrInvalidMessage", err)
		}
	})
}

func TestOutboxCanceledContext(t *testing.T) {
	o, dir := newTestOutbox(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := o.Send(ctx, sampleMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if files, _ := OutboxFiles(dir); len(files) != 0 {
		t.Errorf("canceled send wrote %v", files)
	}
}

func TestNewOutboxErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewOutbox(filepath.Join(file, "sub"), testFrom, nil); err == nil {
		t.Error("NewOutbox under a regular file succeeded")
	}
	if _, err := NewOutbox(t.TempDir(), "not an address", nil); err == nil {
		t.Error("NewOutbox with a malformed from succeeded")
	}
}
