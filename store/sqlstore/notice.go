package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"jedenlogin"
)

// claimNoticeSQL records a claim unless the campaign has a row for the
// person already; a failed row is replaced (a later run retries it), any
// other stays as it is, so a person is never claimed twice.
const claimNoticeSQL = `INSERT INTO notice_sends AS n (campaign, person_id, state, message_id, email, notice_case, at, error)
VALUES (?, ?, ?, ?, ?, ?, ?, '')
ON CONFLICT (campaign, person_id) DO UPDATE SET state = excluded.state, message_id = excluded.message_id,
	email = excluded.email, notice_case = excluded.notice_case, at = excluded.at, error = ''
WHERE n.state = 'failed'`

// NoticeSends returns every row of the campaign in person id order.
func (s *Store) NoticeSends(ctx context.Context, campaign string) ([]jedenlogin.NoticeSend, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT person_id, state, message_id, email, notice_case, at, error
		FROM notice_sends WHERE campaign = ? ORDER BY person_id`), campaign)
	if err != nil {
		return nil, fmt.Errorf("notice sends of %s: %w", campaign, err)
	}
	defer rows.Close()
	var out []jedenlogin.NoticeSend
	for rows.Next() {
		n := jedenlogin.NoticeSend{Campaign: campaign}
		var at timeCol
		if err := rows.Scan(&n.PersonID, &n.State, &n.MessageID, &n.Email, &n.Case, &at, &n.Error); err != nil {
			return nil, fmt.Errorf("notice sends of %s: %w", campaign, err)
		}
		n.At = at.t
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notice sends of %s: %w", campaign, err)
	}
	return out, nil
}

// ClaimNotices records the claims of persons still pending in one
// transaction and reports which it recorded.
func (s *Store) ClaimNotices(ctx context.Context, claims []jedenlogin.NoticeSend) ([]bool, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(claims))
	for i := range claims {
		ids[i] = claims[i].PersonID
	}
	list, err := s.d.idsArg(ids)
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	var ok []bool
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		ok = make([]bool, len(claims))
		// A person who finished the transition since the campaign listed
		// them gets no notice.
		rows, err := tx.QueryContext(ctx, s.q("SELECT id FROM persons WHERE state = ? AND "+s.d.idsIn("id")),
			string(jedenlogin.StatePending), list)
		if err != nil {
			return err
		}
		pending := make(map[int64]bool, len(claims))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			pending[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range claims {
			c := &claims[i]
			if !pending[c.PersonID] {
				continue
			}
			at := c.At
			if at.IsZero() {
				at = time.Now()
			}
			res, err := s.txExec(ctx, tx, claimNoticeSQL, c.Campaign, c.PersonID, string(jedenlogin.NoticeClaimed),
				c.MessageID, c.Email, string(c.Case), s.ts(at.UTC()))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			ok[i] = n == 1
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	return ok, nil
}

// SetNoticeStates moves the given persons' rows of the campaign from state
// from to each update's State in one transaction.
func (s *Store) SetNoticeStates(ctx context.Context, campaign string, from jedenlogin.NoticeState, updates []jedenlogin.NoticeSend) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	changed := 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		changed = 0
		for i := range updates {
			u := &updates[i]
			at := u.At
			if at.IsZero() {
				at = time.Now()
			}
			res, err := s.txExec(ctx, tx, "UPDATE notice_sends SET state = ?, at = ?, error = ? WHERE campaign = ? AND person_id = ? AND state = ?",
				string(u.State), s.ts(at.UTC()), u.Error, campaign, u.PersonID, string(from))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changed += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("set notice states of %s: %w", campaign, err)
	}
	return changed, nil
}
