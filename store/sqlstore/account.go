package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"jedenlogin"
)

const tokenCols = "id, kind, hash, person_id, login_id, data, created_at, expires_at, used_at, failures"

func scanToken(row interface{ Scan(...any) error }) (*jedenlogin.Token, error) {
	t := &jedenlogin.Token{}
	var kind string
	var created, expires, used timeCol
	if err := row.Scan(&t.ID, &kind, &t.Hash, &t.PersonID, &t.LoginID, &t.Data, &created, &expires, &used, &t.Failures); err != nil {
		return nil, err
	}
	t.Kind = jedenlogin.TokenKind(kind)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = created.t, expires.t, used.ptr()
	return t, nil
}

// CreateToken stores a new token and sets t.ID, and appends the events and
// queues the mail in the same transaction; a Hash that already exists
// gives ECONFLICT.
func (s *Store) CreateToken(ctx context.Context, t *jedenlogin.Token, events []jedenlogin.AuditEvent, mail ...jedenlogin.OutboxMessage) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO tokens (kind, hash, person_id, login_id, data, created_at, expires_at, used_at, failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
			string(t.Kind), t.Hash, t.PersonID, t.LoginID, t.Data, s.ts(t.CreatedAt), s.ts(t.ExpiresAt), s.tsp(t.UsedAt), t.Failures).Scan(&t.ID)
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("token exists: %w", jedenlogin.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("create %s token: %w", t.Kind, err)
		}
		if err := s.appendAudit(ctx, tx, events); err != nil {
			return err
		}
		return s.enqueueMail(ctx, tx, mail)
	})
}

// Token returns the token of this kind with this hash, used or expired ones
// included, or jedenlogin.ErrNotFound.
func (s *Store) Token(ctx context.Context, kind jedenlogin.TokenKind, hash string) (*jedenlogin.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM tokens WHERE hash = ? AND kind = ?"), hash, string(kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s token: %w", kind, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read %s token: %w", kind, err)
	}
	return t, nil
}

// UpdateToken loads the token under a lock (PostgreSQL: SELECT … FOR
// UPDATE; SQLite: the immediate write transaction), calls fn and saves
// UsedAt, Failures, Data and ExpiresAt as fn left them, also when fn
// returns an error, whose error it then returns unchanged. fn may run more
// than once when the transaction must be retried, and must not call the
// store itself. jedenlogin.ErrNotFound: no such token (fn not called).
func (s *Store) UpdateToken(ctx context.Context, kind jedenlogin.TokenKind, hash string, fn func(t *jedenlogin.Token) error) error {
	return s.updateToken(ctx, "hash = ? AND kind = ?", []any{hash, string(kind)}, kind, fn)
}

// UpdateLatestToken is UpdateToken for the person's newest token of this
// kind (largest id, used or not); jedenlogin.ErrNotFound when there is none.
func (s *Store) UpdateLatestToken(ctx context.Context, personID int64, kind jedenlogin.TokenKind, fn func(t *jedenlogin.Token) error) error {
	return s.updateToken(ctx, "id = (SELECT max(id) FROM tokens WHERE person_id = ? AND kind = ?)", []any{personID, string(kind)}, kind, fn)
}

func (s *Store) updateToken(ctx context.Context, where string, args []any, kind jedenlogin.TokenKind, fn func(t *jedenlogin.Token) error) error {
	var fnErr error
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		fnErr = nil
		query := "SELECT " + tokenCols + " FROM tokens WHERE " + where + s.d.forUpdate
		t, err := scanToken(tx.QueryRowContext(ctx, s.q(query), args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s token: %w", kind, jedenlogin.ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("read %s token: %w", kind, err)
		}
		id := t.ID
		fnErr = fn(t)
		if _, err := tx.ExecContext(ctx, s.q("UPDATE tokens SET used_at = ?, failures = ?, data = ?, expires_at = ? WHERE id = ?"),
			s.tsp(t.UsedAt), t.Failures, t.Data, s.ts(t.ExpiresAt), id); err != nil {
			return fmt.Errorf("save %s token: %w", kind, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fnErr
}

// ExpireTokens makes every unused token of this kind of the person expire
// at at, unless it expires earlier, and returns how many it changed.
func (s *Store) ExpireTokens(ctx context.Context, personID int64, kind jedenlogin.TokenKind, at time.Time) (int, error) {
	res, err := s.exec(ctx, "UPDATE tokens SET expires_at = ? WHERE person_id = ? AND kind = ? AND used_at IS NULL AND expires_at > ?",
		s.ts(at), personID, string(kind), s.ts(at))
	if err != nil {
		return 0, fmt.Errorf("expire %s tokens of person %d: %w", kind, personID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredTokens removes tokens that expired before before and returns
// how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM tokens WHERE expires_at < ?", s.ts(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// LatestToken returns the person's newest token of this kind (largest id,
// used or not), or jedenlogin.ErrNotFound.
func (s *Store) LatestToken(ctx context.Context, personID int64, kind jedenlogin.TokenKind) (*jedenlogin.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM tokens WHERE person_id = ? AND kind = ? ORDER BY id DESC LIMIT 1"), personID, string(kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("latest %s token of person %d: %w", kind, personID, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read latest %s token of person %d: %w", kind, personID, err)
	}
	return t, nil
}

// PersonByKey returns the person with this key with all their logins and
// grants, read in one snapshot, or jedenlogin.ErrNotFound.
func (s *Store) PersonByKey(ctx context.Context, key string) (*jedenlogin.PersonRecord, error) {
	var rec *jedenlogin.PersonRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, s.q("SELECT id FROM persons WHERE person_key = ?"), key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("person by key: %w", jedenlogin.ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("find person by key: %w", err)
		}
		rec, err = s.loadRecord(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}
