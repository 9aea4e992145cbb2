// Command module is a small SIO module signing people in through
// jedenlogin (OpenID Connect, on go-oidc and x/oauth2): see README.md.
//
//	go run ./examples/module --issuer http://127.0.0.1:8080 --client-id modul \
//	    --client-secret SECRET --addr 127.0.0.1:9000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"jedenlogin/examples/module/modul"
)

func main() {
	issuer := flag.String("issuer", "", "jedenlogin's public URL (serve's --public-url)")
	clientID := flag.String("client-id", "", "the client id given to `jedenlogin client add --id`")
	secret := flag.String("client-secret", os.Getenv("MODULE_CLIENT_SECRET"), "the secret `jedenlogin client add` printed (or $MODULE_CLIENT_SECRET)")
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	public := flag.String("url", "", "the module's public URL (default http://ADDR)")
	flag.Parse()
	if *issuer == "" || *clientID == "" || *secret == "" {
		fmt.Fprintln(os.Stderr, "module: --issuer, --client-id and --client-secret are required")
		flag.Usage()
		os.Exit(2)
	}
	if *public == "" {
		*public = "http://" + *addr
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, err := modul.New(ctx, modul.Config{Issuer: *issuer, ClientID: *clientID, ClientSecret: *secret, URL: *public, Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, "module:", err)
		os.Exit(1)
	}
	srv := &http.Server{Addr: *addr, Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	logger.Info("module listening", "url", *public, "issuer", *issuer,
		"redirect_uri", *public+"/callback", "post_logout_redirect_uri", *public+"/wylogowano", "backchannel_logout_uri", *public+"/backchannel")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "module:", err)
		os.Exit(1)
	}
}
