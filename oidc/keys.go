package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"jedenlogin"
)

// NewKey generates a signing key of the algorithm (jedenlogin.AlgES256 or
// AlgRS256) created at now, its private key PEM-encoded (PKCS #8).
func NewKey(alg string, now time.Time) (jedenlogin.OIDCKey, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case jedenlogin.AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jedenlogin.AlgRS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return jedenlogin.OIDCKey{}, fmt.Errorf("signing algorithm %q: want %s or %s", alg, jedenlogin.AlgES256, jedenlogin.AlgRS256)
	}
	if err != nil {
		return jedenlogin.OIDCKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return jedenlogin.OIDCKey{}, fmt.Errorf("encode %s key: %w", alg, err)
	}
	return jedenlogin.OIDCKey{
		ID:         randomID()[:22],
		Alg:        alg,
		PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		CreatedAt:  now.UTC(),
	}, nil
}

// RotateKey adds a new key of the algorithm that signs from now on; the
// keys it replaces stay in the JWKS for retireAfter (the longest a token
// they signed lives) and then leave it. The rotation is audited as actor.
func RotateKey(ctx context.Context, st jedenlogin.OIDCStore, alg string, now time.Time, retireAfter time.Duration, actor string) (jedenlogin.OIDCKey, error) {
	k, err := NewKey(alg, now)
	if err != nil {
		return k, err
	}
	retire := now.Add(retireAfter).UTC()
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCKeyRotated, Actor: actor, Subject: "key:" + k.ID, Outcome: "ok",
		Details: fmt.Sprintf(`{"alg":%q,"previous_retire_at":%q}`, alg, retire.Format(time.RFC3339))}
	if err := st.AddOIDCKey(ctx, k, &retire, ev); err != nil {
		return k, fmt.Errorf("rotate %s key: %w", alg, err)
	}
	return k, nil
}

// signingKey is a parsed key: op.SigningKey for the newest of an
// algorithm and op.Key (its public half) for the JWKS.
type signingKey struct {
	id   string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) ID() string                                  { return k.id }
func (k *signingKey) Key() any                                    { return k.priv }

// publicKey is the JWKS entry of a signingKey.
type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.priv.Public() }

// keyring reads the keys from the store on every use (a rotation by
// another process counts at once) and keeps the parsed keys, which never
// change, by id. A refresh_token grant takes them from its cache instead,
// checked against the count of changes (signingAt, cache.go).
type keyring struct {
	st  jedenlogin.OIDCStore
	now func() time.Time

	mu     sync.Mutex
	parsed map[string]*signingKey
	// cached are the keys read at the count cachedAt of changes to clients
	// and keys (signingAt, cache.go); cachedOK once there are any.
	cached   []jedenlogin.OIDCKey
	cachedAt int64
	cachedOK bool
}

func (kr *keyring) parse(k jedenlogin.OIDCKey) (*signingKey, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if sk, ok := kr.parsed[k.ID]; ok {
		return sk, nil
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return nil, fmt.Errorf("key %s: no PEM block", k.ID)
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key %s: %T is not a signing key", k.ID, priv)
	}
	switch signer.(type) {
	case *ecdsa.PrivateKey:
		if k.Alg != jedenlogin.AlgES256 {
			return nil, fmt.Errorf("key %s: an EC key for %s", k.ID, k.Alg)
		}
	case *rsa.PrivateKey:
		if k.Alg != jedenlogin.AlgRS256 {
			return nil, fmt.Errorf("key %s: an RSA key for %s", k.ID, k.Alg)
		}
	default:
		return nil, fmt.Errorf("key %s: unsupported %T", k.ID, priv)
	}
	sk := &signingKey{id: k.ID, alg: jose.SignatureAlgorithm(k.Alg), priv: signer}
	if kr.parsed == nil {
		kr.parsed = map[string]*signingKey{}
	}
	kr.parsed[k.ID] = sk
	return sk, nil
}

// signing returns the key that signs with alg now: the newest key of alg
// that is not retiring. When there is none it creates one (a fresh
// database; two instances doing so at once both publish theirs).
func (kr *keyring) signing(ctx context.Context, alg string) (*signingKey, error) {
	ks, err := kr.st.OIDCKeys(ctx, kr.now())
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		if k.Alg == alg && k.RetireAt == nil {
			return kr.parse(k)
		}
	}
	k, err := NewKey(alg, kr.now())
	if err != nil {
		return nil, err
	}
	if err := kr.st.AddOIDCKey(ctx, k, nil); err != nil && !errors.Is(err, jedenlogin.ErrConflict) {
		return nil, fmt.Errorf("first %s key: %w", alg, err)
	}
	return kr.parse(k)
}

// published returns every key in the JWKS.
func (kr *keyring) published(ctx context.Context) ([]*signingKey, error) {
	ks, err := kr.st.OIDCKeys(ctx, kr.now())
	if err != nil {
		return nil, err
	}
	out := make([]*signingKey, 0, len(ks))
	for _, k := range ks {
		sk, err := kr.parse(k)
		if err != nil {
			return nil, err
		}
		out = append(out, sk)
	}
	return out, nil
}
