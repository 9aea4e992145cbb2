package web

import (
	"context"

	"jedenlogin"
)

// activate is service.Activate for the JSON API (apiActivate): the
// messages of the form's fields go to the answer's "fields" member.
func (s *Server) activate(ctx context.Context, secret, pw, addr string) (string, error) {
	login, err := s.accounts.Activate(ctx, secret, pw, addr)
	he := jedenlogin.AsError(err)
	if he != nil {
		if len(he.Fields) > 0 {
			he.Extra = map[string]any{"fields": s.fieldTexts(he.Fields)}
		}
		return "", he
	}
	return login, nil
}

// fieldTexts translates an error's field messages.
func (s *Server) fieldTexts(fields map[string]jedenlogin.Text) map[string]string {
	m := make(map[string]string, len(fields))
	for f, t := range fields {
		m[f] = s.text(t)
	}
	return m
}
