package gateway

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the gateway's Prometheus series, registered on a registry owned by the Gateway (no
// global registry).
type metrics struct {
	requests   *prometheus.CounterVec
	decisions  *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	certExpiry *prometheus.GaugeVec
	reloads    *prometheus.CounterVec
	jwksKeys   *prometheus.GaugeVec
	auditFails prometheus.Counter
	auditDrops prometheus.Counter
	// series caches the per-request children by their label values, so a request costs one map
	// lookup instead of three label-hashing lookups; it holds no more entries than the series
	// themselves.
	series sync.Map // seriesKey → *seriesSet
}

type seriesKey struct {
	direction, route, decision, reason string
	status                             int
}

type seriesSet struct {
	requests, decisions prometheus.Counter
	latency             prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_gateway_requests_total", Help: "Requests handled, by direction, route, decision and status code.",
		}, []string{"direction", "route", "decision", "code"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_gateway_decisions_total", Help: "Authorization decisions by decision and reason.",
		}, []string{"decision", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palisade_gateway_request_duration_seconds",
			Help:    "Time from request received to response finished, by direction and route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"direction", "route"}),
		certExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "palisade_gateway_certificate_expiry_timestamp_seconds", Help: "Expiry (Unix time) of the certificates in use.",
		}, []string{"certificate"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_gateway_config_reloads_total", Help: "Configuration reload attempts by result.",
		}, []string{"result"}),
		jwksKeys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "palisade_gateway_jwks_rejected_keys", Help: "Keys the last JWKS fetch of each issuer had to refuse (weak, wrong use, ambiguous kid…).",
		}, []string{"issuer"}),
		auditFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_gateway_audit_write_failures_total", Help: "Flushes of the audit log that failed (its records are kept and written later).",
		}),
		auditDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_gateway_audit_dropped_records_total", Help: "Audit records dropped because the log could not be written for too long.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.decisions, m.latency, m.certExpiry, m.reloads, m.jwksKeys, m.auditFails, m.auditDrops} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(r *Record, d time.Duration) {
	k := seriesKey{direction: r.Direction, route: r.Route, decision: r.Decision, reason: r.Reason, status: r.Status}
	v, ok := m.series.Load(k)
	if !ok {
		route := r.Route
		if route == "" {
			route = "(none)"
		}
		v, _ = m.series.LoadOrStore(k, &seriesSet{
			requests:  m.requests.WithLabelValues(r.Direction, route, r.Decision, strconv.Itoa(r.Status)),
			decisions: m.decisions.WithLabelValues(r.Decision, r.Reason),
			latency:   m.latency.WithLabelValues(r.Direction, route),
		})
	}
	s := v.(*seriesSet)
	s.requests.Inc()
	s.decisions.Inc()
	s.latency.Observe(d.Seconds())
}
