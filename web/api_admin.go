package web

import (
	"fmt"
	"net/http"

	"jedenlogin"
)

// planSummaryJSON is the answer of GET /api/v1/admin/consolidation.
type planSummaryJSON struct {
	Persons     int                                                `json:"persons"`
	Logins      int                                                `json:"logins"`
	ByCaseState map[jedenlogin.Case]map[jedenlogin.PersonState]int `json:"by_case_state"`
	ByGrouping  map[jedenlogin.Grouping]int                        `json:"by_grouping"`
}

// apiAdminConsolidation is GET /api/v1/admin/consolidation: persons per
// case and state, for operators only (403 forbidden for others).
func (s *Server) apiAdminConsolidation(w http.ResponseWriter, r *http.Request, a *authState) error {
	if err := s.operator(a); err != nil {
		return err
	}
	sum, err := s.st.PlanSummary(r.Context())
	if err != nil {
		return s.internal(fmt.Errorf("plan summary: %w", err))
	}
	out := planSummaryJSON{
		Persons:     sum.Persons,
		Logins:      sum.Logins,
		ByCaseState: map[jedenlogin.Case]map[jedenlogin.PersonState]int{},
		ByGrouping:  map[jedenlogin.Grouping]int{},
	}
	for _, c := range jedenlogin.Cases {
		out.ByCaseState[c] = map[jedenlogin.PersonState]int{jedenlogin.StatePending: 0, jedenlogin.StateDone: 0}
		for st, n := range sum.ByCaseState[c] {
			out.ByCaseState[c][st] = n
		}
	}
	for _, g := range []jedenlogin.Grouping{jedenlogin.GroupedByPESEL, jedenlogin.GroupedByEmail, jedenlogin.GroupedByLogin} {
		out.ByGrouping[g] = sum.ByGrouping[g]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
