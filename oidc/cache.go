package oidc

import (
	"context"
	"sync"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"jedenlogin"
)

// The refresh_token and authorization_code grants' caches. A refresh read
// the client and the signing keys from the database each time, though both
// change only when an operator registers, changes or removes a client or
// rotates a key. The provider keeps them in memory, each labelled with the
// count of changes to clients and keys (table oidc_config_version, migration
// 0016, kept by triggers whoever writes: this server, another instance, the
// CLI) that was current when it was read. The refresh token's read returns the
// current count in the same statement; a cached copy is used only when its
// label equals it, so there is no window in which a removed client, a
// rotated secret or a rotated key is still honoured.

// clientCache holds registered clients by id (only clients that exist, so
// it is bounded by the clients an operator registered).
type clientCache struct {
	mu sync.Mutex
	m  map[string]cachedClient
}

type cachedClient struct {
	c       *jedenlogin.OIDCClient
	version int64
}

func newClientCache() *clientCache { return &clientCache{m: map[string]cachedClient{}} }

func (cc *clientCache) get(id string) (cachedClient, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	c, ok := cc.m[id]
	return c, ok
}

func (cc *clientCache) put(c *jedenlogin.OIDCClient, version int64) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.m[c.ID] = cachedClient{c: c, version: version}
}

func (cc *clientCache) drop(id string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.m, id)
}

// errClientChanged: the client changed (or went) while a request
// authenticated against its cached copy.
var errClientChanged = oidc.ErrInvalidClient().WithDescription("the client changed; authenticate again")

// confirmClient checks the client this refresh request authenticated with
// against the refresh token's ConfigVersion. A client cached at that count
// stands. Otherwise the client is read again (after the count was read, so
// the copy is at least that new and may be cached under it) and the
// request authenticated again against it, as op would have: a public
// client with nothing, a confidential one with its secret. A client that
// is gone is refused.
func (s *storage) confirmClient(ctx context.Context, version int64) error {
	m, _ := ctx.Value(clientMemoKey{}).(*clientMemo)
	if m == nil || !m.cacheable || m.c == nil {
		return nil
	}
	if m.cachedAt == version {
		m.version = version
		return nil
	}
	fresh, err := s.st.OIDCClient(ctx, m.c.ID)
	if err != nil {
		s.clients.drop(m.c.ID)
		return errClientChanged.WithParent(err)
	}
	s.clients.put(fresh, version)
	if !fresh.Public && !secretMatches(m.secret, fresh.SecretHash) {
		// A public client needs nothing (as op decides on a fresh copy);
		// a confidential one its current secret.
		return errClientChanged
	}
	m.c, m.cachedAt, m.version = fresh, version, version
	return nil
}

// signingAt is signing for a request whose clients and keys were confirmed
// at version: the keys cached at that count, or read (and cached) anew.
func (kr *keyring) signingAt(ctx context.Context, alg string, version int64) (*signingKey, error) {
	kr.mu.Lock()
	ks, ok := kr.cached, kr.cachedOK && kr.cachedAt == version
	kr.mu.Unlock()
	if !ok {
		var err error
		if ks, err = kr.st.OIDCKeys(ctx, kr.now()); err != nil {
			return nil, err
		}
		kr.mu.Lock()
		kr.cached, kr.cachedAt, kr.cachedOK = ks, version, true
		kr.mu.Unlock()
	}
	for _, k := range ks {
		if k.Alg == alg && k.RetireAt == nil {
			return kr.parse(k)
		}
	}
	return kr.signing(ctx, alg) // none yet: signing creates the first
}
