package mail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail: recipients, subject and body as plain text and,
// optionally, HTML. Text and HTML hold the same content.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
	// MessageID is the Message-ID to send with, without angle brackets,
	// kept by whoever records what it sent (the outbox for every attempt,
	// the notice campaign); "" gives a new one in the sender's domain
	// (NewMessageID).
	MessageID string
}

// NewMessageID returns a new random Message-ID in domain, without angle
// brackets.
func NewMessageID(domain string) string { return randomHex(16) + "@" + domain }

// Sender delivers messages.
type Sender interface {
	// Send delivers m. It returns an error wrapping ErrInvalidMessage when m
	// has no valid recipient, no subject or no text, and another error when
	// delivery fails; the error never contains the message body.
	Send(ctx context.Context, m *Message) error
}

// ErrInvalidMessage is wrapped by the error of Send and Render when a message
// cannot be built from what it was given.
var ErrInvalidMessage = errors.New("invalid message")

// validate checks m before it is built, so both senders refuse the same
// messages.
func (m *Message) validate() error {
	if m == nil {
		return fmt.Errorf("mail: %w: nil message", ErrInvalidMessage)
	}
	if len(m.To) == 0 {
		return fmt.Errorf("mail: %w: no recipient", ErrInvalidMessage)
	}
	for _, to := range m.To {
		if _, err := parseBareAddress(to); err != nil {
			return fmt.Errorf("mail: %w: recipient: %w", ErrInvalidMessage, err)
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("mail: %w: empty subject", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("mail: %w: subject contains a line break", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("mail: %w: empty text part", ErrInvalidMessage)
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		return fmt.Errorf("mail: %w: Message-ID %q is not local@domain of letters, digits and . - _", ErrInvalidMessage, m.MessageID)
	}
	return nil
}

// parseBareAddress accepts "a@b" or "Name <a@b>" and requires a domain part.
func parseBareAddress(s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return nil, fmt.Errorf("address %q has no domain", s)
	}
	return a, nil
}

// sender is the From address with the domain used in Message-IDs; both
// senders embed it.
type sender struct {
	from   *netmail.Address
	domain string
}

func newSender(from string) (sender, error) {
	a, err := parseBareAddress(from)
	if err != nil {
		return sender{}, fmt.Errorf("mail: from: %w", err)
	}
	return sender{from: a, domain: a.Address[strings.LastIndexByte(a.Address, '@')+1:]}, nil
}

// build turns m into a go-mail message: multipart/alternative when m has
// HTML, UTF-8, quoted-printable, with Date and a Message-ID in the sender's
// domain.
func (s sender) build(m *Message, now time.Time) (*gomail.Msg, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent(),
	)
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("mail: %w: recipient: %w", ErrInvalidMessage, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageIDWithValue(NewMessageID(s.domain))
	}
	// Automatic mail: ask auto-responders (out-of-office) to stay quiet.
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// ParseEML reads the .eml file at path, as written by Outbox, and returns its
// recipients, decoded subject, and text and HTML parts. It returns an error
// wrapping fs.ErrNotExist when the file does not exist and another error
// when it is not a readable message.
func ParseEML(path string) (*Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	defer f.Close()
	m, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("mail: %s: %w", path, err)
	}
	return m, nil
}

// Parse reads one RFC 5322 message from r and returns its recipients (bare
// addresses), decoded subject, and the decoded text/plain and text/html
// parts, looking inside multipart bodies. It returns an error when the
// headers, the MIME structure or a part's transfer encoding are malformed.
func Parse(r io.Reader) (*Message, error) {
	raw, err := netmail.ReadMessage(r)
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	m := Message{MessageID: strings.Trim(strings.TrimSpace(raw.Header.Get("Message-ID")), "<>")}
	if raw.Header.Get("To") != "" {
		to, err := raw.Header.AddressList("To")
		if err != nil {
			return nil, fmt.Errorf("parse To: %w", err)
		}
		for _, a := range to {
			m.To = append(m.To, a.Address)
		}
	}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(raw.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("parse Subject: %w", err)
	}
	if err := m.readPart(raw.Header, raw.Body); err != nil {
		return nil, err
	}
	return &m, nil
}

// header is the part of a MIME header readPart needs; both net/mail and
// multipart headers provide it.
type header interface{ Get(string) string }

// readPart stores the first text/plain and text/html leaves of the MIME tree
// rooted at body.
func (m *Message) readPart(h header, body io.Reader) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("parse Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return fmt.Errorf("read %s part: %w", mediaType, err)
			}
			if err := m.readPart(p.Header, p); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	var r io.Reader = body
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("unsupported Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("decode %s part: %w", mediaType, err)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("unsupported charset %q in %s part", cs, mediaType)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if mediaType == "text/plain" && m.Text == "" {
		m.Text = s
	} else if mediaType == "text/html" && m.HTML == "" {
		m.HTML = s
	}
	return nil
}

// newlineStripper drops CR and LF so base64 bodies split into lines decode.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	out := p[:0]
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	if len(out) == 0 && k > 0 && err == nil {
		return n.Read(p)
	}
	return len(out), err
}

// validMessageID accepts local@domain made of letters, digits, '.', '-'
// and '_' only, so an id can also name a file (Outbox) and needs no
// quoting in the header.
func validMessageID(id string) bool {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || local == "" || domain == "" {
		return false
	}
	for _, c := range []byte(local + domain) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
