package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Client sends JSON requests to one or more servers, round robin.
type Client struct {
	HTTP *http.Client
	URLs []string // base URLs, e.g. http://127.0.0.1:8080
	next atomic.Uint64
}

// NewClient returns a Client of urls for clients concurrent users: a
// transport keeping enough idle connections, no compression, and
// redirects returned as answers (the API never redirects).
func NewClient(urls []string, clients int) *Client {
	return &Client{URLs: urls, HTTP: &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        2 * clients * len(urls),
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// URL returns the next server's base URL, round robin.
func (c *Client) URL() string {
	return c.URLs[int(c.next.Add(1)-1)%len(c.URLs)]
}

type fromKey struct{}

// From returns ctx carrying the client address addr: requests sent with
// it carry X-Forwarded-For: addr, which a server trusting the loopback as
// a proxy (serve --trusted-proxy 127.0.0.1/32) takes for the client's
// address. Many simulated users then do not share one address's limits.
func From(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, fromKey{}, addr)
}

// APIError is a non-2xx answer of the API.
type APIError struct {
	Status int
	Code   string // the "error" member of the body
	Body   string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, strings.TrimSpace(e.Body))
}

// Do sends one request with a JSON body (nil: none) to the next server;
// cookie, when not "", is sent as the Cookie header. It returns the body
// of the answer, the response (body closed) for its cookies, and an
// *APIError for a non-2xx answer.
func (c *Client) Do(ctx context.Context, method, path, cookie string, body []byte) ([]byte, *http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL()+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if addr, ok := ctx.Value(fromKey{}).(string); ok && addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp, err
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Status: resp.StatusCode, Body: string(b)}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			ae.Code = e.Error
		}
		return b, resp, ae
	}
	return b, resp, nil
}

// CookieHeader turns a response's Set-Cookie headers into a Cookie header
// value (cookies being deleted are left out).
func CookieHeader(resp *http.Response) string {
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" && c.MaxAge >= 0 {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// ErrNoCookie is returned by SignIn when the answer set no session cookie.
var ErrNoCookie = errors.New("sign-in answered without a session cookie")

// SignIn signs in (POST /api/v1/session) and returns the Cookie header of
// the new session and the body of the answer.
func (c *Client) SignIn(ctx context.Context, login, pw string) (string, []byte, error) {
	body, _ := json.Marshal(map[string]string{"login": login, "password": pw})
	b, resp, err := c.Do(ctx, http.MethodPost, "/api/v1/session", "", body)
	if err != nil {
		return "", b, err
	}
	cookie := CookieHeader(resp)
	if cookie == "" {
		return "", b, ErrNoCookie
	}
	return cookie, b, nil
}
