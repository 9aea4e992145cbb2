package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
)

// TestIssueOIDCTokensConcurrent: token responses written at once by many
// requests (on PostgreSQL committed in groups, chainedWriteTx) all commit,
// each answered only once it is durable; of the rotations of one refresh
// token exactly one wins; and the audit chain they append to holds link by
// link.
func TestIssueOIDCTokensConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, b.NewDSN(t))
		now := time.Now().UTC()
		if err := s.CreateOIDCClient(ctx, jedenlogin.OIDCClient{ID: "c", Name: "c", SecretHash: "x", SigningAlg: jedenlogin.AlgES256,
			RedirectURIs: []string{"https://rp.example/cb"}, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		token := func(id, family string) jedenlogin.OIDCToken {
			return jedenlogin.OIDCToken{IDHash: id, Kind: jedenlogin.OIDCRefreshToken, ClientID: "c", PersonID: 1, LoginID: 1,
				Scopes: []string{"openid"}, AuthTime: now, FamilyID: family, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		}
		issue := func(rotate string, tokens ...jedenlogin.OIDCToken) error {
			pid := int64(1)
			return s.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{At: now, RotateRefresh: rotate, Tokens: tokens,
				Audit: []jedenlogin.AuditEvent{{At: now, Action: jedenlogin.AuditOIDCRefresh, Actor: "client:c", PersonID: &pid, Subject: "client:c", Outcome: "ok"}}})
		}
		if err := issue("", token("r0", "f0")); err != nil {
			t.Fatal(err)
		}
		const fresh, rotations, dups = 60, 20, 5
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			won, dup int
			errs     []error
		)
		// dups responses carry one token id: a unique violation fails the
		// group they are in, which reruns member by member.
		for range dups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := issue("", token("dup", "fd"))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					dup++
				case !errors.Is(err, jedenlogin.ErrConflict):
					errs = append(errs, fmt.Errorf("a duplicate token id: %w, want ErrConflict", err))
				}
			}()
		}
		for i := range fresh + rotations {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i < fresh {
					err = issue("", token(fmt.Sprintf("t%d", i), fmt.Sprintf("f%d", i)))
					if err == nil {
						if _, rerr := s.OIDCToken(ctx, fmt.Sprintf("t%d", i)); rerr != nil {
							err = fmt.Errorf("token %d not readable after its response: %w", i, rerr)
						}
					}
				} else {
					err = issue("r0", token(fmt.Sprintf("r0-%d", i), "f0"))
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case i >= fresh && err == nil:
					won++
				case i >= fresh && errors.Is(err, jedenlogin.ErrOIDCReused):
				case err != nil:
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if won != 1 {
			t.Errorf("%d concurrent rotations of one refresh token succeeded, want exactly 1", won)
		}
		if dup != 1 {
			t.Errorf("%d responses with one token id succeeded, want exactly 1", dup)
		}
		var (
			chain  jedenlogin.AuditChain
			broken int
		)
		if err := s.ForEachAudit(ctx, 0, func(e jedenlogin.AuditEvent) error {
			if !chain.Add(e) {
				broken++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if broken != 0 {
			t.Errorf("%d broken links in the audit chain of %d events", broken, chain.Checked)
		}
		evs, err := s.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditOIDCRefresh, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + fresh + 1 + 1; len(evs) != want {
			t.Errorf("%d refresh events, want %d (one per committed response)", len(evs), want)
		}
	})
}

// TestChainedGroupFailures: members of one group of chained writes (on
// PostgreSQL without savepoints of their own) that fail undo only their
// own writes: one that fails before writing (its error marked untouched)
// leaves the others in the group; one that fails after writing without a
// statement's error — nothing aborted the transaction — must not have its
// write committed with the group's (the group reruns member by member).
// The audit chain holds.
func TestChainedGroupFailures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, b.NewDSN(t))
		if _, err := s.DB().ExecContext(ctx, "CREATE TABLE t (k INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		errDirty, errClean := errors.New("failed after writing"), errors.New("failed before writing")
		member := func(k int, fail error) func(*sql.Tx) error {
			return func(tx *sql.Tx) error {
				if errors.Is(fail, errClean) {
					return sqlstore.Untouched(fail)
				}
				if _, err := tx.ExecContext(ctx, s.Q("INSERT INTO t (k) VALUES (?)"), k); err != nil {
					return err
				}
				if err := s.AppendAuditTx(tx, jedenlogin.AuditEvent{At: time.Now(), Action: "test", Actor: fmt.Sprint(k), Outcome: "ok"}); err != nil {
					return err
				}
				return fail
			}
		}
		fns := []func(*sql.Tx) error{member(1, nil), member(2, nil), member(3, errDirty), member(4, errClean), member(5, nil), member(6, errClean)}
		want := []error{nil, nil, errDirty, errClean, nil, errClean}
		errs := s.InOneChainedGroup(t, fns)
		for i, err := range errs {
			if !errors.Is(err, want[i]) || (err == nil) != (want[i] == nil) {
				t.Errorf("member %d: %v, want %v", i+1, err, want[i])
			}
		}
		var got []int
		rows, err := s.DB().QueryContext(ctx, "SELECT k FROM t ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k int
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		rows.Close()
		if !slices.Equal(got, []int{1, 2, 5}) {
			t.Errorf("committed %v, want [1 2 5]", got)
		}
		var chain jedenlogin.AuditChain
		if err := s.ForEachAudit(ctx, 0, func(e jedenlogin.AuditEvent) error {
			if !chain.Add(e) {
				t.Errorf("event %d (%s) does not link to the one before it", e.ID, e.Actor)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if chain.Checked != 3 {
			t.Errorf("%d audit events, want 3", chain.Checked)
		}
	})
}
