// Package notice runs a notice campaign of the one-login transition
// (`jedenlogin notify`): it mails every pending person who has an e-mail
// address a Polish notice written for their own case and logins
// (mail.KindTransitionNotice), rate limited, and records every notice in
// the store so that a campaign killed at any moment and run again with the
// same name sends each remaining notice exactly once.
//
// # Exactly once
//
// Every notice is claimed in the database (jedenlogin.NoticeStore: state
// claimed, with the Message-ID it will carry) in a committed transaction
// BEFORE it is handed to the mail system, and confirmed (sent) after. The
// primary key (campaign, person) makes a second claim impossible, so no
// run ever sends a second notice to anyone — what a crash can leave behind
// is only a claimed row whose hand-over is unconfirmed. The next run
// resolves each such row:
//
//   - Outbox directory: a notice is written as <time>-<Message-ID>.eml by
//     an atomic rename, so the file is there exactly when it was
//     delivered. A file with the row's Message-ID: the row becomes sent.
//     No file: it was never delivered, and it is sent now with the same
//     Message-ID. Exactly once, no gaps. The files of a batch are made
//     durable together (mail.Outbox.Sync: one syncfs) before the batch is
//     recorded as sent, so a notice the store calls sent survives even a
//     crash of the machine.
//   - SMTP: whether the server took a message before the crash cannot be
//     known from here. The rule is "never twice": such a row becomes
//     uncertain, is never re-sent, and is listed (person, address,
//     Message-ID) for the operator to look up in the mail server's log.
//     Over SMTP a claim covers one message at a time, so at most one
//     notice per crash is uncertain.
//
// Only one process runs a campaign at a time: it holds the store lease
// "notice:<campaign>" and renews it; a process that cannot renew in time
// stops before its next hand-over, and a new run waits until the lease
// of a killed one expires. A notice the mail system refuses (an SMTP error)
// becomes failed, and a later run tries it again.
package notice
