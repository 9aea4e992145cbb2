package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"jedenlogin"
)

// Back-channel logout (OpenID Connect Back-Channel Logout 1.0). The store
// queues a logout when a jedenlogin session ends or a grant a module acts
// for ends (service: SignOut, RevokeGrant, EndClientSessionsOfEndedGrants);
// every instance runs DeliverLogouts, which takes due logouts from the
// queue, signs a logout token and POSTs it to the client.

const (
	// BackchannelEvent is the logout token's event.
	BackchannelEvent = "http://schemas.openid.net/event/backchannel-logout"
	// DefaultLogoutPoll is how often an instance looks into the queue.
	DefaultLogoutPoll = time.Second
	// LogoutAttempts: a logout the client refused this many times is
	// given up (and audited as failed).
	LogoutAttempts = 5
	// logoutLease: a claimed logout is due again after it, so that one
	// whose instance died is delivered by another.
	logoutLease = 30 * time.Second
	// logoutTimeout bounds one delivery.
	logoutTimeout = 5 * time.Second
	// logoutTokenLifetime is the logout token's exp after iat.
	logoutTokenLifetime = 2 * time.Minute
)

// logoutBackoff is the wait before attempt n+1 after attempt n failed:
// 1 s, 2 s, 4 s, 8 s.
func logoutBackoff(attempt int) time.Duration {
	return time.Second << min(attempt-1, 10)
}

// DeliverLogouts delivers queued back-channel logouts until ctx ends,
// looking into the queue every cfg.LogoutPoll.
func (p *Provider) DeliverLogouts(ctx context.Context) {
	t := time.NewTicker(p.cfg.LogoutPoll)
	defer t.Stop()
	for {
		if _, err := p.DeliverDueLogouts(ctx); err != nil && ctx.Err() == nil {
			p.cfg.Logger.WarnContext(ctx, "oidc: back-channel logouts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDueLogouts delivers every logout due now and returns how many
// were delivered.
func (p *Provider) DeliverDueLogouts(ctx context.Context) (int, error) {
	delivered := 0
	for {
		due, err := p.cfg.Store.ClaimOIDCLogouts(ctx, p.cfg.Now().UTC(), logoutLease, 20)
		if err != nil || len(due) == 0 {
			return delivered, err
		}
		for _, lo := range due {
			ok, err := p.deliver(ctx, lo)
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered++
			}
		}
	}
}

// deliver POSTs one logout token and records the outcome with its audit
// event: delivered, to be retried after the backoff, or given up.
func (p *Provider) deliver(ctx context.Context, lo jedenlogin.OIDCLogout) (bool, error) {
	now := p.cfg.Now().UTC()
	pid := lo.PersonID
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditOIDCBackchannel, Actor: "system", PersonID: &pid,
		Subject: "client:" + lo.ClientID}
	details := func(problem string) string {
		b, _ := json.Marshal(map[string]any{"reason": lo.Reason, "attempt": lo.Attempts, "jti": lo.ID, "problem": problem})
		return string(b)
	}
	c, err := p.cfg.Store.OIDCClient(ctx, lo.ClientID)
	if errors.Is(err, jedenlogin.ErrNotFound) || (err == nil && c.BackchannelLogoutURI == "") {
		ev.Outcome, ev.Details = "failed", details("the client no longer takes back-channel logouts")
		return false, p.cfg.Store.FinishOIDCLogout(ctx, lo.ID, nil, ev)
	} else if err != nil {
		return false, err
	}
	problem := p.post(ctx, c, lo, now)
	switch {
	case problem == "":
		ev.Outcome, ev.Details = "ok", details("")
		return true, p.cfg.Store.FinishOIDCLogout(ctx, lo.ID, nil, ev)
	case lo.Attempts >= LogoutAttempts:
		p.cfg.Logger.WarnContext(ctx, "oidc: back-channel logout given up", "client", lo.ClientID, "attempts", lo.Attempts, "problem", problem)
		ev.Outcome, ev.Details = "failed", details(problem)
		return false, p.cfg.Store.FinishOIDCLogout(ctx, lo.ID, nil, ev)
	default:
		next := now.Add(logoutBackoff(lo.Attempts))
		ev.Outcome, ev.Details = "retry", details(problem)
		return false, p.cfg.Store.FinishOIDCLogout(ctx, lo.ID, &next, ev)
	}
}

// post sends the logout token; it returns "" when the client accepted it,
// else what went wrong (for the audit trail; never a secret).
func (p *Provider) post(ctx context.Context, c *jedenlogin.OIDCClient, lo jedenlogin.OIDCLogout, now time.Time) string {
	token, err := p.LogoutToken(ctx, c, lo, now)
	if err != nil {
		return "sign: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, logoutTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return "request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.logoutClient.Do(req)
	if err != nil {
		return "post: " + err.Error()
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return ""
}

// LogoutToken signs the logout token of lo for client c, issued at now,
// with the key of the client's algorithm: typ logout+jwt; iss, aud, iat,
// exp, jti, events, sub and sid; never a nonce.
func (p *Provider) LogoutToken(ctx context.Context, c *jedenlogin.OIDCClient, lo jedenlogin.OIDCLogout, now time.Time) (string, error) {
	alg := c.SigningAlg
	if alg == "" {
		alg = jedenlogin.AlgES256
	}
	k, err := p.keys.signing(ctx, alg)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType("logout+jwt").WithHeader("kid", k.id)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv}, opts)
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"iss":    p.cfg.Issuer,
		"aud":    []string{c.ID},
		"iat":    now.Unix(),
		"exp":    now.Add(logoutTokenLifetime).Unix(),
		"jti":    lo.ID,
		"events": map[string]any{BackchannelEvent: map[string]any{}},
		"sub":    subject(lo.PersonID),
	}
	if lo.SID != "" {
		claims["sid"] = lo.SID
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
