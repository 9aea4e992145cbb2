package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"jedenlogin"
)

// outboxCollector reads the mail outbox's depth and its oldest queued
// message from the database at scrape time, so every instance shows the
// same, current figures.
type outboxCollector struct {
	stats  func(ctx context.Context) (jedenlogin.OutboxStats, error)
	now    func() time.Time
	depth  *prometheus.Desc
	oldest *prometheus.Desc
	up     *prometheus.Desc
}

func newOutboxCollector(stats func(ctx context.Context) (jedenlogin.OutboxStats, error), now func() time.Time) *outboxCollector {
	return &outboxCollector{
		stats: stats, now: now,
		depth: prometheus.NewDesc("jedenlogin_mail_outbox_queued",
			"Mail messages in the outbox not yet sent nor given up.", nil, nil),
		oldest: prometheus.NewDesc("jedenlogin_mail_outbox_oldest_queued_age_seconds",
			"Age of the oldest mail message not yet sent nor given up (0 when none).", nil, nil),
		up: prometheus.NewDesc("jedenlogin_mail_outbox_scrape_ok",
			"1 when the outbox figures could be read from the database, 0 otherwise.", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
	ch <- c.up
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if !st.OldestQueued.IsZero() {
		age = max(c.now().Sub(st.OldestQueued).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
