package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"jedenlogin"
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
