package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"jedenlogin"
	"jedenlogin/service"
)

// Metrics are the Prometheus metrics of one Server, in a registry of its
// own so several servers (tests) never collide. It is also the service's
// metrics sink (service.Config.Metrics): whoever builds the service and
// the server (cmd/jedenlogin) makes one with NewMetrics and hands it to
// both.
type Metrics struct {
	reg            *prometheus.Registry
	signIns        *prometheus.CounterVec
	consolidations *prometheus.CounterVec
	latency        *prometheus.HistogramVec
}

// NewMetrics returns empty metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jedenlogin_sign_ins_total",
			Help: "Sign-in attempts by outcome.",
		}, []string{"outcome"}),
		consolidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jedenlogin_consolidations_total",
			Help: "Completed one-login transitions by consolidation case.",
		}, []string{"case"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jedenlogin_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.signIns, m.consolidations, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, o := range []string{service.OutcomeSuccess, service.OutcomeInvalid, service.OutcomeBlocked, service.OutcomeAddressBlocked, service.OutcomeMerged} {
		m.signIns.WithLabelValues(o)
	}
	return m
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// SignIn counts a sign-in attempt (service.Metrics).
func (m *Metrics) SignIn(outcome string) { m.signIns.WithLabelValues(outcome).Inc() }

// Consolidated counts a completed transition (service.Metrics).
func (m *Metrics) Consolidated(c jedenlogin.Case) { m.consolidations.WithLabelValues(string(c)).Inc() }
