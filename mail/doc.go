// Package mail sends jedenlogin's e-mail: e-mail change verification codes,
// notices to the old address, login-recovery, password-reset and activation
// links, application status changes, and the notices of the one-login
// transition (before the deadline, and after it what was done).
//
// A Sender delivers a Message. Two senders exist:
//
//   - SMTPSender (NewSMTP) delivers through an SMTP server given as a URL:
//     smtp://user:pass@host:587 (STARTTLS, mandatory by default) or
//     smtps://user:pass@host:465 (implicit TLS).
//   - Outbox (NewOutbox) writes each message as an RFC 5322 .eml file into a
//     directory, for installations without SMTP and for tests; ParseEML,
//     Latest and OutboxFiles read them back.
//
// Both produce the same message: multipart/alternative (plain text and
// HTML), UTF-8, with Date, Message-ID (in the sender's domain) and MIME
// headers, and subjects encoded as RFC 2047 words.
//
// Render fills a Message from one of the embedded Polish templates, one per
// kind (KindEmailVerify with EmailVerifyData, KindEmailChangedNotice with
// EmailChangedNoticeData, …); the data carries absolute links, and the
// caller sets the recipients. Texts that change are reviewed in
// testdata/*.golden (go test ./mail -run TestRender -update).
//
// Message bodies carry codes and links that are secrets: this package never
// logs a body, and errors never contain the SMTP password.
package mail
