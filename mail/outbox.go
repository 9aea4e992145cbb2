package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Outbox is a Sender that writes each message as an RFC 5322 .eml file into
// a directory instead of delivering it. It is used when no SMTP server is
// configured, and by tests, which read messages back with Latest or
// ParseEML. It is safe for concurrent use.
type Outbox struct {
	sender
	dir    string
	logger *slog.Logger

	mu   sync.Mutex
	last time.Time // the last file's time, so names grow strictly
	// unsynced are the files SendDeferred wrote since the last Sync (for
	// the systems where Sync cannot flush the whole file system at once).
	unsynced []string
}

// timeLayout makes file names sort by time: fixed width, UTC, nanoseconds.
const timeLayout = "20060102T150405.000000000Z"

// NewOutbox returns an Outbox writing into dir, which it creates with mode
// 0700 when missing, sending as from. Each message is logged to logger (nil:
// slog.Default) as one line with recipients, subject and file, never the
// body. It returns an error when from is malformed or dir cannot be created.
func NewOutbox(dir string, from string, logger *slog.Logger) (*Outbox, error) {
	s, err := newSender(from)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Outbox{sender: s, dir: dir, logger: logger}, nil
}

// Dir returns the directory the outbox writes into.
func (o *Outbox) Dir() string { return o.dir }

// now returns the current time, made later than the previous call's so
// that two messages written within one clock tick still sort in order.
func (o *Outbox) now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := time.Now().UTC().Round(0)
	if !t.After(o.last) {
		t = o.last.Add(time.Nanosecond)
	}
	o.last = t
	return t
}

// Send writes m to a new file <time>-<random>.eml in the outbox directory,
// through a temporary file renamed into place so readers never see half a
// message, and makes the file durable (fsync) before it returns. It returns
// an error wrapping ErrInvalidMessage for a message that cannot be built and
// another error when the file cannot be written; ctx is only checked before
// writing.
func (o *Outbox) Send(ctx context.Context, m *Message) error {
	_, err := o.write(ctx, m, true)
	return err
}

// SendDeferred is Send without making the file durable at once: the file
// is in place (a process killed after SendDeferred returned leaves it
// whole), but only Sync makes it survive a crash of the machine. A caller
// handing over many messages calls Sync once for all of them (the notice
// campaign, before it records them as sent) instead of paying one fsync
// each.
func (o *Outbox) SendDeferred(ctx context.Context, m *Message) error {
	path, err := o.write(ctx, m, false)
	if err == nil {
		o.mu.Lock()
		o.unsynced = append(o.unsynced, path)
		o.mu.Unlock()
	}
	return err
}

// Sync makes every file SendDeferred wrote so far durable, with its name
// in the directory. It returns an error when that cannot be confirmed.
func (o *Outbox) Sync() error {
	o.mu.Lock()
	paths := o.unsynced
	o.unsynced = nil
	o.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	if err := syncDir(o.dir, paths); err != nil {
		o.mu.Lock()
		o.unsynced = append(paths, o.unsynced...) // a later Sync tries again
		o.mu.Unlock()
		return fmt.Errorf("mail: outbox: sync %s: %w", o.dir, err)
	}
	return nil
}

// write writes m as a new file and returns its path; with durable the file
// is fsynced before the rename.
func (o *Outbox) write(ctx context.Context, m *Message, durable bool) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("mail: outbox: %w", err)
	}
	now := o.now()
	msg, err := o.build(m, now)
	if err != nil {
		return "", err
	}
	// The whole message first, then one write: go-mail writes header by
	// header, and each would be a system call on the file.
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("mail: outbox: %w", err)
	}
	name := now.Format(timeLayout) + "-" + randomHex(4) + ".eml"
	if m.MessageID != "" {
		// Named by its Message-ID (validated by build: no path separators),
		// so a caller can tell whether a message it recorded was written
		// (OutboxMessageIDs).
		name = now.Format(timeLayout) + "-" + m.MessageID + ".eml"
	}
	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return "", fmt.Errorf("mail: outbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return "", fmt.Errorf("mail: outbox: write %s: %w", tmp.Name(), err)
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return "", fmt.Errorf("mail: outbox: sync %s: %w", tmp.Name(), err)
		}
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("mail: outbox: close %s: %w", tmp.Name(), err)
	}
	path := filepath.Join(o.dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("mail: outbox: %w", err)
	}
	if o.logger.Enabled(ctx, slog.LevelInfo) {
		o.logger.InfoContext(ctx, "mail written to outbox",
			"to", strings.Join(m.To, ", "), "subject", m.Subject, "file", path)
	}
	return path, nil
}

// OutboxFiles returns the paths of the .eml files in dir, oldest first. It returns
// an error when dir cannot be read.
func OutboxFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mail: outbox: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, ".eml") && !strings.HasPrefix(n, ".") {
			paths = append(paths, filepath.Join(dir, n))
		}
	}
	slices.Sort(paths)
	return paths, nil
}

// OutboxMessageIDs maps the Message-ID of every message in dir that was sent
// with a chosen Message.MessageID to its file. It returns an error when dir
// cannot be read.
func OutboxMessageIDs(dir string) (map[string]string, error) {
	paths, err := OutboxFiles(dir)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]string)
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".eml")
		if len(name) > len(timeLayout)+1 && name[len(timeLayout)] == '-' {
			if id := name[len(timeLayout)+1:]; strings.Contains(id, "@") {
				ids[id] = p
			}
		}
	}
	return ids, nil
}

// Latest returns the newest message in the outbox directory dir addressed
// to to, comparing addresses without regard to case. It returns an error
// wrapping fs.ErrNotExist when there is no such message, and another error
// when dir or a message in it cannot be read.
func Latest(dir string, to string) (*Message, error) {
	paths, err := OutboxFiles(dir)
	if err != nil {
		return nil, err
	}
	want := to
	if a, err := parseBareAddress(to); err == nil {
		want = a.Address
	}
	for _, p := range slices.Backward(paths) {
		m, err := ParseEML(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since listing
		} else if err != nil {
			return nil, err
		}
		for _, got := range m.To {
			if strings.EqualFold(got, want) {
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("mail: outbox %s: no message to %s: %w", dir, to, fs.ErrNotExist)
}
