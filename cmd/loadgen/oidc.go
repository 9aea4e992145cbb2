package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/internal/loadtest"
	"jedenlogin/oidc"
)

// The OpenID Connect scenarios: the provider mounted on every instance, one
// confidential client, the consolidated users of usersCSV.
//
//	oidc-signin    full code flows (authorize → sign-in form with the
//	               password → code → token) per second; with -compare in
//	               turns with the raw argon2id rate (target ≥ 85 %)
//	oidc-refresh   refresh_token grants per second, each client rotating
//	               its own chain (targets ≥ 2,000/s SQLite, ≥ 1,000/s
//	               PostgreSQL, p99 < 25 ms)
//	oidc-userinfo  GET /oidc/userinfo with a bearer token (≥ 5,000/s,
//	               p99 < 10 ms)

const (
	lgClient   = "loadgen"
	lgRedirect = "http://rp.loadgen.invalid/cb"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// oidcEnv is an environment with the provider and a registered client.
type oidcEnv struct {
	*env
	secret string
}

func prepareOIDC(ctx context.Context, cfg config) (*oidcEnv, error) {
	cfg.oidc = true
	e, err := prepare(ctx, cfg, func(hash string) ([]byte, error) { return loadtest.UsersCSV(cfg.users, hash) })
	if err != nil {
		return nil, err
	}
	secret, hash := oidc.NewClientSecret()
	if err := e.store().CreateOIDCClient(ctx, jedenlogin.OIDCClient{ID: lgClient, Name: "loadgen", SecretHash: hash,
		RedirectURIs: []string{lgRedirect}, SigningAlg: jedenlogin.AlgES256, CreatedAt: time.Now()}); err != nil {
		e.close()
		return nil, err
	}
	return &oidcEnv{env: e, secret: secret}, nil
}

// tokenResponse is what the token endpoint answers.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// codeFlow signs login in through the whole authorization code flow, as a
// browser and a module would, and returns the tokens.
func (e *oidcEnv) codeFlow(ctx context.Context, login string, scopes string) (*tokenResponse, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: e.client.Transport, Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == "rp.loadgen.invalid" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
	base := e.url()
	verifier := random32()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {lgClient}, "redirect_uri": {lgRedirect}, "response_type": {"code"}, "scope": {scopes},
		"state": {random32()}, "nonce": {random32()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	page, resp, err := fetch(ctx, c, http.MethodGet, base+"/oidc/authorize?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("authorize: %w", err)
	}
	m := csrfRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("authorize: no sign-in form (HTTP %d at %s)", resp.StatusCode, resp.Request.URL.Path)
	}
	form := url.Values{"login": {login}, "password": {loadtest.Password}, "csrf": {string(m[1])}}
	_, resp, err = fetch(ctx, c, http.MethodPost, base+"/logowanie", form)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != q.Get("state") {
		return nil, fmt.Errorf("sign-in: no code (HTTP %d at %s, to %q)", resp.StatusCode, resp.Request.URL.Path, resp.Header.Get("Location"))
	}
	return e.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {lgRedirect}, "code_verifier": {verifier}})
}

// token posts to the token endpoint as the client.
func (e *oidcEnv) token(ctx context.Context, form url.Values) (*tokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url()+"/oidc/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(lgClient, e.secret)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token: HTTP %d: %.200s", resp.StatusCode, body)
	}
	var t tokenResponse
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("token: %.200s", body)
	}
	return &t, nil
}

func fetch(ctx context.Context, c *http.Client, method, u string, form url.Values) ([]byte, *http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp, err
}

func random32() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcSignin measures full code flows; with cfg.compare also the raw
// argon2id rate in alternating turns.
func oidcSignin(ctx context.Context, cfg config) (raw, res result, err error) {
	e, err := prepareOIDC(ctx, cfg)
	if err != nil {
		return raw, res, err
	}
	defer e.close()
	measure := e.withDBCPU(func(ctx context.Context, d time.Duration) result {
		return runFor(ctx, cfg.clients, d, nil, func(ctx context.Context, client, i int) error {
			_, err := e.codeFlow(ctx, loadtest.UserLogin((client*7919+i)%cfg.users), "openid profile")
			return err
		})
	})
	if !cfg.compare {
		res = measure(ctx, cfg.duration)
	} else {
		rawMeasure, err := argon2Measure(cfg)
		if err != nil {
			return raw, res, err
		}
		raw, res = compareTurns(ctx, cfg.duration, rawMeasure, measure)
	}
	res.Scenario, res.Backend, res.Instances, res.Unit = "OIDC code flow (authorize → password → code → token)", e.backend, len(e.urls), "sign-ins/s"
	res.Target = "≥ 85 % of raw argon2id"
	return raw, res, nil
}

// oidcTokens signs one user in per client and returns their tokens.
func oidcTokens(ctx context.Context, cfg config, e *oidcEnv) ([]*tokenResponse, error) {
	out := make([]*tokenResponse, cfg.clients)
	for i := range out {
		t, err := e.codeFlow(ctx, loadtest.UserLogin(i%cfg.users), "openid profile offline_access")
		if err != nil {
			return nil, fmt.Errorf("sign-in of client %d: %w", i, err)
		}
		out[i] = t
	}
	return out, nil
}

// oidcRefresh measures refresh_token grants, each client rotating its own
// chain (a rotated token is never presented again).
func oidcRefresh(ctx context.Context, cfg config) (result, error) {
	e, err := prepareOIDC(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	defer e.close()
	toks, err := oidcTokens(ctx, cfg, e)
	if err != nil {
		return result{}, err
	}
	res := cfg.drive(ctx, func(ctx context.Context, client, i int) error {
		t, err := e.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {toks[client].RefreshToken}})
		if err != nil {
			return err
		}
		if t.RefreshToken == "" {
			return fmt.Errorf("refresh: no new refresh token")
		}
		toks[client] = t
		return nil
	})
	res.Scenario, res.Backend, res.Instances, res.Unit = "POST /oidc/token (refresh_token)"+offered(cfg), e.backend, len(e.urls), "req/s"
	res.Target = "≥ 2,000/s SQLite, ≥ 1,000/s PostgreSQL, p99 < 25 ms"
	return res, nil
}

// oidcUserinfo measures GET /oidc/userinfo with bearer access tokens.
func oidcUserinfo(ctx context.Context, cfg config) (result, error) {
	e, err := prepareOIDC(ctx, cfg)
	if err != nil {
		return result{}, err
	}
	defer e.close()
	toks, err := oidcTokens(ctx, cfg, e)
	if err != nil {
		return result{}, err
	}
	res := cfg.drive(ctx, func(ctx context.Context, client, i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url()+"/oidc/userinfo", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+toks[client].AccessToken)
		resp, err := e.client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"sub"`) {
			return fmt.Errorf("userinfo: HTTP %d: %.200s", resp.StatusCode, body)
		}
		return nil
	})
	res.Scenario, res.Backend, res.Instances, res.Unit = "GET /oidc/userinfo"+offered(cfg), e.backend, len(e.urls), "req/s"
	res.Target = "≥ 5,000/s, p99 < 10 ms"
	return res, nil
}

// offered names an open-loop run's rate in its row, "" for a closed loop.
func offered(cfg config) string {
	if cfg.rate <= 0 {
		return ""
	}
	return fmt.Sprintf(", offered %s/s", fmtRate(cfg.rate))
}
