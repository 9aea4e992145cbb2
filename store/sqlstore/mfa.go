package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
)

// Second factors (schema 0007_mfa.sql). Credential ids and public keys are
// kept as base64url text, so both dialects store them alike.

var b64 = base64.RawURLEncoding

// MFAFactors returns the person's TOTP secret (nil when none), the count of
// unused recovery codes and the passkeys, oldest first.
func (s *Store) MFAFactors(ctx context.Context, personID int64) (*jedenlogin.MFAFactors, error) {
	f := &jedenlogin.MFAFactors{}
	t := &jedenlogin.TOTP{PersonID: personID}
	var created, confirmed timeCol
	err := s.queryRow(ctx, "SELECT secret, last_step, created_at, confirmed_at FROM mfa_totp WHERE person_id = ?", personID).
		Scan(&t.Secret, &t.LastStep, &created, &confirmed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read TOTP of person %d: %w", personID, err)
	default:
		t.CreatedAt, t.ConfirmedAt, t.Confirmed = created.t, confirmed.ptr(), confirmed.valid
		f.TOTP = t
	}
	if err := s.queryRow(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE person_id = ? AND used_at IS NULL", personID).
		Scan(&f.RecoveryCodesLeft); err != nil {
		return nil, fmt.Errorf("count recovery codes of person %d: %w", personID, err)
	}
	rows, err := s.query(ctx, "SELECT id, public_key, sign_count, name, data, created_at, last_used_at FROM mfa_webauthn WHERE person_id = ? ORDER BY created_at, id", personID)
	if err != nil {
		return nil, fmt.Errorf("read passkeys of person %d: %w", personID, err)
	}
	defer rows.Close()
	for rows.Next() {
		c := jedenlogin.WebAuthnCredential{PersonID: personID}
		var (
			id, pk, data  string
			count         int64
			created, used timeCol
		)
		if err := rows.Scan(&id, &pk, &count, &c.Name, &data, &created, &used); err != nil {
			return nil, fmt.Errorf("read passkeys of person %d: %w", personID, err)
		}
		if c.ID, err = b64.DecodeString(id); err != nil {
			return nil, fmt.Errorf("passkey of person %d: id: %w", personID, err)
		}
		if c.PublicKey, err = b64.DecodeString(pk); err != nil {
			return nil, fmt.Errorf("passkey of person %d: public key: %w", personID, err)
		}
		c.SignCount, c.Data, c.CreatedAt, c.LastUsedAt = uint32(count), []byte(data), created.t, used.ptr()
		f.Credentials = append(f.Credentials, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read passkeys of person %d: %w", personID, err)
	}
	return f, nil
}

// HasMFA reports whether the person has a confirmed TOTP or a passkey,
// in one read.
func (s *Store) HasMFA(ctx context.Context, personID int64) (bool, error) {
	var any bool
	err := s.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM mfa_totp WHERE person_id = ? AND confirmed_at IS NOT NULL)"+
		" OR EXISTS (SELECT 1 FROM mfa_webauthn WHERE person_id = ?)", personID, personID).Scan(&any)
	if err != nil {
		return false, fmt.Errorf("second factors of person %d: %w", personID, err)
	}
	return any, nil
}

// BeginTOTP stores an unconfirmed secret, replacing an unconfirmed one;
// ECONFLICT when the person's secret is confirmed.
func (s *Store) BeginTOTP(ctx context.Context, personID int64, secret string, now time.Time) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var confirmed timeCol
		err := tx.QueryRowContext(ctx, s.q("SELECT confirmed_at FROM mfa_totp WHERE person_id = ?"+s.d.forUpdate), personID).Scan(&confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("begin TOTP: %w", err)
		case confirmed.valid:
			return fmt.Errorf("begin TOTP: person %d has a confirmed secret: %w", personID, jedenlogin.ErrConflict)
		default:
			if _, err := s.txExec(ctx, tx, "DELETE FROM mfa_totp WHERE person_id = ?", personID); err != nil {
				return fmt.Errorf("begin TOTP: %w", err)
			}
		}
		if _, err := s.txExec(ctx, tx, "INSERT INTO mfa_totp (person_id, secret, last_step, created_at) VALUES (?, ?, 0, ?)", personID, secret, s.ts(now)); err != nil {
			return fmt.Errorf("begin TOTP: %w", err)
		}
		return nil
	})
}

// ConfirmTOTP: see jedenlogin.MFAStore.
func (s *Store) ConfirmTOTP(ctx context.Context, personID int64, secret string, step int64, recoveryHashes []string, now time.Time, audit ...jedenlogin.AuditEvent) (bool, error) {
	done := false
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		done = false
		res, err := s.txExec(ctx, tx, "UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE person_id = ? AND secret = ? AND confirmed_at IS NULL", s.ts(now), step, personID, secret)
		if err != nil {
			return fmt.Errorf("confirm TOTP: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if recoveryHashes != nil {
			if err := s.replaceRecoveryCodes(ctx, tx, personID, recoveryHashes, now); err != nil {
				return fmt.Errorf("confirm TOTP: %w", err)
			}
		}
		if err := s.appendAudit(ctx, tx, audit); err != nil {
			return fmt.Errorf("confirm TOTP: %w", err)
		}
		done = true
		return nil
	})
	return done, err
}

func (s *Store) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, personID int64, hashes []string, now time.Time) error {
	if _, err := s.txExec(ctx, tx, "DELETE FROM mfa_recovery_codes WHERE person_id = ?", personID); err != nil {
		return fmt.Errorf("replace recovery codes: %w", err)
	}
	for _, h := range hashes {
		if _, err := s.txExec(ctx, tx, "INSERT INTO mfa_recovery_codes (person_id, hash, created_at) VALUES (?, ?, ?)", personID, h, s.ts(now)); err != nil {
			return fmt.Errorf("replace recovery codes: %w", err)
		}
	}
	return nil
}

// ReplaceRecoveryCodes: see jedenlogin.MFAStore.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, personID int64, hashes []string, now time.Time, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.replaceRecoveryCodes(ctx, tx, personID, hashes, now); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// UseTOTPStep is one compare-and-set on last_step.
func (s *Store) UseTOTPStep(ctx context.Context, personID int64, step int64) (bool, error) {
	res, err := s.exec(ctx, "UPDATE mfa_totp SET last_step = ? WHERE person_id = ? AND confirmed_at IS NOT NULL AND last_step < ?", step, personID, step)
	if err != nil {
		return false, fmt.Errorf("use TOTP step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode marks an unused code used in one statement.
func (s *Store) UseRecoveryCode(ctx context.Context, personID int64, hash string, at time.Time) (bool, error) {
	res, err := s.exec(ctx, "UPDATE mfa_recovery_codes SET used_at = ? WHERE person_id = ? AND hash = ? AND used_at IS NULL", s.ts(at), personID, hash)
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteMFA: see jedenlogin.MFAStore.
func (s *Store) DeleteMFA(ctx context.Context, personID int64, r jedenlogin.MFAReset, audit ...jedenlogin.AuditEvent) (bool, error) {
	removed := false
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		removed = false
		for _, d := range []struct {
			do    bool
			table string
		}{{r.TOTP, "mfa_totp"}, {r.RecoveryCodes, "mfa_recovery_codes"}, {r.Credentials, "mfa_webauthn"}} {
			if !d.do {
				continue
			}
			res, err := s.txExec(ctx, tx, "DELETE FROM "+d.table+" WHERE person_id = ?", personID)
			if err != nil {
				return fmt.Errorf("delete second factors: %s: %w", d.table, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				removed = true
			}
		}
		return s.appendAudit(ctx, tx, audit)
	})
	return removed, err
}

// AddWebAuthnCredential: see jedenlogin.MFAStore.
func (s *Store) AddWebAuthnCredential(ctx context.Context, c *jedenlogin.WebAuthnCredential, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "INSERT INTO mfa_webauthn (id, person_id, public_key, sign_count, name, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			b64.EncodeToString(c.ID), c.PersonID, b64.EncodeToString(c.PublicKey), int64(c.SignCount), c.Name, string(c.Data), s.ts(c.CreatedAt))
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("add passkey: %w", jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("add passkey: %w", err)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}

// UseWebAuthnCredential: see jedenlogin.MFAStore.
func (s *Store) UseWebAuthnCredential(ctx context.Context, personID int64, id []byte, signCount uint32, data []byte, at time.Time) error {
	res, err := s.exec(ctx, "UPDATE mfa_webauthn SET sign_count = ?, data = ?, last_used_at = ? WHERE person_id = ? AND id = ?",
		int64(signCount), string(data), s.ts(at), personID, b64.EncodeToString(id))
	if err != nil {
		return fmt.Errorf("use passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("passkey: %w", jedenlogin.ErrNotFound)
	}
	return nil
}

// DeleteWebAuthnCredential: see jedenlogin.MFAStore.
func (s *Store) DeleteWebAuthnCredential(ctx context.Context, personID int64, id []byte, audit ...jedenlogin.AuditEvent) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, "DELETE FROM mfa_webauthn WHERE person_id = ? AND id = ?", personID, b64.EncodeToString(id))
		if err != nil {
			return fmt.Errorf("delete passkey: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("passkey: %w", jedenlogin.ErrNotFound)
		}
		return s.appendAudit(ctx, tx, audit)
	})
}
