package gateway

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestObserveCountsEachSeries(t *testing.T) {
	m, err := newMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	allow := Record{Direction: "inbound", Route: "shop", Decision: decisionAllow, Reason: "allowed", Status: 200}
	deny := Record{Direction: "inbound", Decision: decisionDeny, Reason: "no_route", Status: 404}
	for i := 0; i < 3; i++ {
		m.observe(&allow, time.Millisecond)
	}
	m.observe(&deny, time.Millisecond)
	allow500 := allow
	allow500.Status, allow500.Reason = 502, "upstream_error"
	m.observe(&allow500, time.Second)

	for _, tc := range []struct {
		name string
		got  prometheus.Metric
		want float64
	}{
		{"requests shop 200", m.requests.WithLabelValues("inbound", "shop", "allow", "200"), 3},
		{"requests shop 502", m.requests.WithLabelValues("inbound", "shop", "allow", "502"), 1},
		{"requests without a route", m.requests.WithLabelValues("inbound", "(none)", "deny", "404"), 1},
		{"decisions allowed", m.decisions.WithLabelValues("allow", "allowed"), 3},
		{"decisions upstream error", m.decisions.WithLabelValues("allow", "upstream_error"), 1},
		{"decisions no route", m.decisions.WithLabelValues("deny", "no_route"), 1},
	} {
		if got := metricValue(t, tc.got); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	var d dto.Metric
	if err := m.latency.WithLabelValues("inbound", "shop").(prometheus.Metric).Write(&d); err != nil {
		t.Fatal(err)
	}
	if n := d.GetHistogram().GetSampleCount(); n != 4 {
		t.Errorf("latency samples for shop = %d, want 4", n)
	}
}
