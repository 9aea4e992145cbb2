package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"jedenlogin"
)

// TestLogErrorAbandonedRequest: an internal error that is only the client
// leaving (the request's context ended and the error is that ending) is
// logged at Info, not as an internal error; a real fault still is, also
// when the client has left; other codes are not logged.
func TestLogErrorAbandonedRequest(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name      string
		ctx       context.Context
		err       *jedenlogin.Error
		wantLevel string // "" for nothing logged
	}{
		{"client left while hashing", gone, jedenlogin.Internal(fmt.Errorf("sign-in: waiting for hashing: %w", context.Canceled)), "INFO"},
		{"real fault, client also left", gone, jedenlogin.Internal(errors.New("disk I/O error")), "ERROR"},
		{"cancelled error but the client is still here", context.Background(), jedenlogin.Internal(fmt.Errorf("x: %w", context.Canceled)), "ERROR"},
		{"expected answer", gone, jedenlogin.NewError(jedenlogin.EUNAUTHORIZED, "signin.invalid"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &Server{log: slog.New(slog.NewTextHandler(&buf, nil))}
			r := httptest.NewRequest("POST", "/api/v1/session", nil).WithContext(c.ctx)
			s.logError(r, c.err)
			got := buf.String()
			if c.wantLevel == "" {
				if got != "" {
					t.Fatalf("logged %q, want nothing", got)
				}
				return
			}
			if !strings.Contains(got, "level="+c.wantLevel) {
				t.Fatalf("logged %q, want level %s", got, c.wantLevel)
			}
		})
	}
}
