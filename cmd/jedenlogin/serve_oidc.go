package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"jedenlogin"
	"jedenlogin/oidc"
	"jedenlogin/web"
)

// mountOIDC returns web's handler with the OpenID Connect provider in
// front of it when --public-url is set (it is the issuer): discovery and
// /oidc/… go to the provider, everything else to web, and the instance
// delivers queued back-channel logouts until ctx ends. Without a public URL
// there is no issuer and web serves alone.
func mountOIDC(ctx context.Context, st jedenlogin.Store, publicURL string, srv *web.Server, logger *slog.Logger) (http.Handler, error) {
	if publicURL == "" {
		return srv.Handler(), nil
	}
	p, err := oidc.New(ctx, oidc.Config{
		Issuer:        publicURL,
		Store:         st,
		Logger:        logger,
		EndSession:    srv.EndSession,
		Middleware:    srv.Wrap,
		AllowInsecure: !strings.HasPrefix(publicURL, "https://"),
	})
	if err != nil {
		return nil, err
	}
	logger.Info("openid connect provider", "issuer", p.Issuer())
	go p.DeliverLogouts(ctx) // every instance works off the shared queue
	return p.Handler(srv.Handler()), nil
}
