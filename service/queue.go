package service

import (
	"context"
	"fmt"

	"jedenlogin"
	"jedenlogin/applications"
)

// QueuePageSize is how many applications a page of the approver's queue
// holds.
const QueuePageSize = 50

// MaxQueuePage is the highest page number a queue request may ask for:
// pages are found by walking the queue from its start, so the walk is
// bounded (MaxQueuePage × QueuePageSize applications); a cursor (After)
// reaches further.
const MaxQueuePage = 200

// queueBatch is how many applications a queue walk reads at a time.
const queueBatch = 200

// ApplicationQueue returns one page (QueuePageSize) of the open
// applications c may decide (applications.MayDecide), oldest first by
// default, so that the applications that waited longest are seen first and
// a flood of new ones cannot push them out of sight. Errors: EINVALID
// (queue.bad_page) for a page outside 1..MaxQueuePage; internal otherwise.
func (s *Applications) ApplicationQueue(ctx context.Context, c *jedenlogin.Caller, q jedenlogin.QueueQuery) (*jedenlogin.QueuePage, error) {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Page < 1 || q.Page > MaxQueuePage || q.After < 0 {
		return nil, s.errf(jedenlogin.EINVALID, "queue.bad_page", MaxQueuePage)
	}
	now := s.now()
	p := &jedenlogin.QueuePage{Rows: []jedenlogin.ApplicationRow{}, Page: q.Page}
	f, ok := applications.QueueFilter(c.Record, now)
	if !ok {
		return p, nil
	}
	f.OldestFirst, f.AfterID, f.Limit = !q.Newest, q.After, queueBatch
	skip := 0
	if q.After == 0 {
		skip = (q.Page - 1) * QueuePageSize
	}
	for {
		apps, err := s.st.Applications(ctx, f)
		if err != nil {
			return nil, s.internal(fmt.Errorf("application queue: %w", err))
		}
		rows, err := s.withEntities(ctx, apps)
		if err != nil {
			return nil, s.internal(err)
		}
		for _, r := range rows {
			if !applications.MayDecide(c.Record, &r.App, r.Entity, now) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(p.Rows) == QueuePageSize {
				p.More = true
				p.Next = p.Rows[len(p.Rows)-1].App.ID
				return p, nil
			}
			p.Rows = append(p.Rows, r)
		}
		if len(apps) < queueBatch {
			return p, nil
		}
		f.AfterID = apps[len(apps)-1].ID
	}
}
