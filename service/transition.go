package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/locale"
	"jedenlogin/mail"
)

// summaryLabel is the entity as a mail lists it: "Name (ID) – Function".
// A function rather than a method of SummaryEntity: the type lives in the
// root package, which cannot read the catalogue (package locale).
func summaryLabel(e jedenlogin.SummaryEntity) string {
	return fmt.Sprintf("%s (%s) – %s", e.Name, e.ID, locale.Polish.Msg("function."+string(e.Function)))
}

// TransitionPreviews returns what the transition would do for each choice
// the signed-in pending person has: one summary per candidate login in the
// choose cases (in Candidates order), one in generate and unchanged, none
// when no transition is possible. It changes nothing.
func (s *Consolidation) TransitionPreviews(ctx context.Context, a *jedenlogin.Caller) ([]jedenlogin.TransitionSummary, error) {
	if !a.Pending() {
		return nil, jedenlogin.AsError(jedenlogin.ErrAlreadyConsolidated)
	}
	names := []string{""}
	switch consolidation.Classify(a.Record.Logins) {
	case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase:
		names = consolidation.Candidates(a.Record)
	case jedenlogin.CaseNoActiveLogin:
		return nil, nil
	}
	var out []jedenlogin.TransitionSummary
	for _, n := range names {
		o, err := consolidation.Preview(a.Record, n)
		if err != nil {
			return nil, nil // no transition possible now (e.g. no reserved login): nothing to preview
		}
		sum, err := s.summarize(ctx, o)
		if err != nil {
			return nil, err
		}
		out = append(out, *sum)
	}
	return out, nil
}

// TransitionDone returns what the transition did for a consolidated
// person, read from the record; nil when the person has not gone through
// it (or was unchanged from the start and nothing moved).
func (s *Service) TransitionDone(ctx context.Context, rec *jedenlogin.PersonRecord) (*jedenlogin.TransitionSummary, error) {
	o := consolidation.Done(rec)
	if o == nil {
		return nil, nil
	}
	return s.summarize(ctx, o)
}

// summarize names the entities of an Outcome; duplicates of one entity and
// function (possible on inactive logins) are listed once.
func (s *Service) summarize(ctx context.Context, o *consolidation.Outcome) (*jedenlogin.TransitionSummary, error) {
	var ids []string
	for _, g := range append(slices.Clone(o.Grants), o.EndedGrants...) {
		ids = append(ids, g.EntityID)
	}
	slices.Sort(ids)
	names := map[string]string{}
	if len(ids) > 0 {
		ents, err := s.st.Entities(ctx, slices.Compact(ids))
		if err != nil {
			return nil, s.internal(fmt.Errorf("transition summary: entities: %w", err))
		}
		for _, e := range ents {
			names[e.ID] = e.Name
		}
	}
	now := s.now()
	list := func(gs []jedenlogin.Grant) []jedenlogin.SummaryEntity {
		var out []jedenlogin.SummaryEntity
		for _, g := range gs {
			e := jedenlogin.SummaryEntity{ID: g.EntityID, Name: cmp.Or(names[g.EntityID], g.EntityID), Function: g.Function, ValidTo: g.ValidTo, Valid: g.ValidAt(now)}
			if !slices.ContainsFunc(out, func(x jedenlogin.SummaryEntity) bool { return x.ID == e.ID && x.Function == e.Function }) {
				out = append(out, e)
			}
		}
		slices.SortFunc(out, func(x, y jedenlogin.SummaryEntity) int {
			return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Function, y.Function))
		})
		return out
	}
	return &jedenlogin.TransitionSummary{
		Unified: o.Unified, Generated: o.Generated, Stopped: o.Stopped, Ended: o.Ended,
		Entities: list(o.Grants), EndedEntities: list(o.EndedGrants),
	}, nil
}

// mailTransitionDone sends the person the summary of their transition
// (mail.KindTransitionDone) to the account's e-mail address, if any.
func (s *Service) mailTransitionDone(ctx context.Context, rec *jedenlogin.PersonRecord) {
	if rec.Person.Account == nil || rec.Person.Account.Email == "" {
		return
	}
	sum, err := s.TransitionDone(ctx, rec)
	if err != nil || sum == nil {
		s.log.ErrorContext(ctx, "transition mail: summary", "person_id", rec.Person.ID, "err", err)
		return
	}
	d := mail.TransitionDoneData{Login: sum.Unified, Generated: sum.Generated, Stopped: sum.Stopped, Ended: sum.Ended, Link: s.Link("/logowanie")}
	for _, e := range sum.Entities {
		d.Entities = append(d.Entities, summaryLabel(e))
	}
	for _, e := range sum.EndedEntities {
		d.EndedEntities = append(d.EndedEntities, summaryLabel(e))
	}
	s.MailLater(ctx, mail.KindTransitionDone, rec.Person.Account.Email, d)
}
