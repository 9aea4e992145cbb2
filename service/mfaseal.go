package service

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealPrefix marks a TOTP secret stored encrypted (AES-256-GCM with
// Config.MFAKey): "aesgcm:" + base64url(nonce ‖ ciphertext). A secret
// without it is stored as it is (no key configured).
const sealPrefix = "aesgcm:"

// sealSecret encrypts a TOTP secret for the store when a key is
// configured, so that a copy of the database alone does not yield the
// codes; without a key it returns the secret unchanged.
func (s *Service) sealSecret(secret string) (string, error) {
	if s.cfg.MFAKey == nil {
		return secret, nil
	}
	gcm, err := s.mfaAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealPrefix + base64.RawURLEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), []byte("totp"))), nil
}

// openSecret returns the TOTP secret of a stored value. A sealed value
// without the key (or with another key) is an error, never a guess.
func (s *Service) openSecret(stored string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealPrefix)
	if !sealed {
		return stored, nil
	}
	if s.cfg.MFAKey == nil {
		return "", errors.New("TOTP secret is encrypted but no MFA key is configured")
	}
	gcm, err := s.mfaAEAD()
	if err != nil {
		return "", err
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < gcm.NonceSize() {
		return "", errors.New("TOTP secret: malformed sealed value")
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte("totp"))
	if err != nil {
		return "", errors.New("TOTP secret: cannot decrypt (another MFA key?)")
	}
	return string(plain), nil
}

func (s *Service) mfaAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.cfg.MFAKey)
	if err != nil {
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	return cipher.NewGCM(block)
}
