package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"jedenlogin"
)

// LoginByName returns the login with exactly this name (case-sensitive), or
// jedenlogin.ErrNotFound.
func (s *Store) LoginByName(ctx context.Context, name string) (*jedenlogin.Login, error) {
	l, err := scanLogin(s.queryRow(ctx, "SELECT "+loginSelect+" FROM logins WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("login %q: %w", name, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read login %q: %w", name, err)
	}
	return &l, nil
}

// LoginsByFoldedName returns the logins whose names equal name ignoring
// case, in id order; none is an empty slice, not an error.
func (s *Store) LoginsByFoldedName(ctx context.Context, name string) ([]jedenlogin.Login, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+loginSelect+" FROM logins WHERE name_folded = ? ORDER BY id"), fold(name))
	if err != nil {
		return nil, fmt.Errorf("read logins %q: %w", name, err)
	}
	defer rows.Close()
	out := []jedenlogin.Login{}
	for rows.Next() {
		l, err := scanLogin(rows)
		if err != nil {
			return nil, fmt.Errorf("read logins %q: %w", name, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read logins %q: %w", name, err)
	}
	return out, nil
}

// SetPasswordHash sets the login's password hash to newHash and its
// PasswordChangedAt to changedAt if the hash still is oldHash, and reports
// whether it did. A missing login gives false, not an error.
func (s *Store) SetPasswordHash(ctx context.Context, loginID int64, oldHash, newHash string, changedAt time.Time) (bool, error) {
	res, err := s.exec(ctx, "UPDATE logins SET password_hash = ?, password_changed_at = ? WHERE id = ? AND password_hash = ?",
		newHash, s.ts(changedAt), loginID, oldHash)
	if err != nil {
		return false, fmt.Errorf("set password hash of login %d: %w", loginID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set password hash of login %d: %w", loginID, err)
	}
	return n == 1, nil
}

// touchLoginSQL records a sign-in (TouchLogin, StartSession).
const touchLoginSQL = "UPDATE logins SET last_login_at = ? WHERE id = ?"

// TouchLogin records a successful sign-in at at; ErrNotFound when the login
// does not exist.
func (s *Store) TouchLogin(ctx context.Context, loginID int64, at time.Time) error {
	res, err := s.exec(ctx, touchLoginSQL, s.ts(at), loginID)
	if err != nil {
		return fmt.Errorf("touch login %d: %w", loginID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("touch login %d: %w", loginID, jedenlogin.ErrNotFound)
	}
	return nil
}

// Entities returns the entities with the given ids that exist, in id
// order; unknown ids are left out without error.
func (s *Store) Entities(ctx context.Context, ids []string) ([]jedenlogin.Entity, error) {
	out := []jedenlogin.Entity{}
	const chunk = 500
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		query := "SELECT " + colList(entityCols, "") + " FROM entities WHERE id IN (" +
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + ")"
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
		for rows.Next() {
			var e jedenlogin.Entity
			if err := rows.Scan(&e.ID, &e.Name, &e.Kind, &e.ParentID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read entities: %w", err)
			}
			out = append(out, e)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
	}
	sortEntities(out)
	return out, nil
}
