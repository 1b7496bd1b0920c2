package prom_test

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/prom"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startEcho starts an exchange echo server with detailed stats on a
// loopback port, shut down when the test ends.
// settled waits until srv has let every connection go. A client has its
// last reply as soon as the server has written it, before the server
// counts the bytes and, for a book, cancels the connection's resting
// orders; the server's figures are final once it has let the connection
// go.
func settled(t *testing.T, srv *echo.Server) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); srv.Stats().Active > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open 5 s after the run", srv.Stats().Active)
		}
	}
}

func startEcho(t *testing.T) (*echo.Server, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "", echo.WithReply(wire.ReplyExchange), echo.WithDetailedStats(true), echo.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, addr.String()
}

// flood runs a closed-loop flood of the mix with obs as its observer.
func flood(t *testing.T, addr string, obs client.Observer, rate float64, count int64) *report.Run {
	t.Helper()
	mix, err := client.ParseMix("order=50,cancel=30,heartbeat=20")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := client.Run(ctx, client.LoadConfig{
		Command: "flood", Addr: addr, Conns: 2, Window: 32, Count: count, WarmupCount: 1000,
		Rate: rate, Mix: mix, Reply: wire.ReplyExchange, Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// gather collects cs with a pedantic registry (which checks the metrics'
// consistency) and returns every sample as "name{label=value,...}" →
// value; a histogram gives its _count and _sum.
func gather(t *testing.T, cs ...prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		reg.MustRegister(c)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + labelString(m)
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[mf.GetName()+"_count"+labelString(m)] = float64(m.GetHistogram().GetSampleCount())
				out[mf.GetName()+"_sum"+labelString(m)] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func labelString(m *dto.Metric) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(ls)
	if len(ls) == 0 {
		return ""
	}
	return "{" + strings.Join(ls, ",") + "}"
}

// sum adds up the samples of name over its labels (with the constant
// labels given in with).
func sum(m map[string]float64, name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

// TestLoadAndEchoMatchTheRun checks the metrics of a flood and of its
// echo against the run's result and the server's own counters.
func TestLoadAndEchoMatchTheRun(t *testing.T) {
	srv, addr := startEcho(t)
	load := prom.NewLoad(prometheus.Labels{"agent": "a1"})
	run := flood(t, addr, load, 0, 20000)
	settled(t, srv)
	m := gather(t, load, prom.NewEcho(srv, nil))
	st := srv.Stats()

	checks := []struct {
		name      string
		got, want float64
	}{
		{"sent", sum(m, "gigadex_sent_total"), float64(run.Sent + run.WarmupSent)},
		{"received", sum(m, "gigadex_received_total"), float64(run.Received + run.WarmupReceived)},
		{"errors", m["gigadex_errors_total{agent=a1}"], float64(run.Errors)},
		{"unsolicited", sum(m, "gigadex_unsolicited_total"), 0},
		{"rtt count", m["gigadex_rtt_seconds_count{agent=a1}"], float64(run.RTT.TotalCount())},
		{"connections after the run", m["gigadex_connections{agent=a1}"], 0},
		{"target rate", m["gigadex_target_rate{agent=a1}"], 0},
		{"orders sent, received by the echo", m["gigadex_sent_total{agent=a1,type=order}"], float64(st.Kinds[wire.KindOrder])},
		{"acks of orders", m["gigadex_received_total{agent=a1,type=order_ack}"], m["gigadex_sent_total{agent=a1,type=order}"]},
		{"acks of cancels", m["gigadex_received_total{agent=a1,type=cancel_ack}"], m["gigadex_sent_total{agent=a1,type=cancel}"]},
		{"heartbeats", m["gigadex_received_total{agent=a1,type=heartbeat}"], m["gigadex_sent_total{agent=a1,type=heartbeat}"]},
		{"echo messages", sum(m, "gigadex_echo_messages_total"), float64(st.Messages)},
		{"echo messages, flood's", sum(m, "gigadex_echo_messages_total"), float64(run.Sent + run.WarmupSent)},
		{"echo bytes in", m["gigadex_echo_bytes_total{direction=in}"], float64(st.BytesIn)},
		{"echo bytes out", m["gigadex_echo_bytes_total{direction=out}"], float64(st.BytesOut)},
		{"echo connections", m["gigadex_echo_connections_total"], 2},
		{"echo batches", m["gigadex_echo_service_seconds_count"], float64(st.Service.Count())},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	// The mean rtt from the buckets' lowest values is within HdrHistogram's
	// precision of the run's.
	mean := m["gigadex_rtt_seconds_sum{agent=a1}"] / m["gigadex_rtt_seconds_count{agent=a1}"] * 1e9
	if want := run.RTT.Mean(); mean < want*0.99 || mean > want*1.01 {
		t.Errorf("mean rtt from the metrics %.0f ns, the run's %.0f ns", mean, want)
	}
	if st.Service.Count() == 0 || m["gigadex_echo_service_seconds_sum"] <= 0 {
		t.Errorf("echo service time: %d batches, sum %v s", st.Service.Count(), m["gigadex_echo_service_seconds_sum"])
	}
}

// TestLoadAddsUpRuns checks that the counters of several runs (the steps
// of a capacity search) add up, and that the gauges follow the latest.
func TestLoadAddsUpRuns(t *testing.T) {
	_, addr := startEcho(t)
	load := prom.NewLoad(nil)
	var sent, rtts int64
	for _, rate := range []float64{20000, 40000} {
		run := flood(t, addr, load, rate, 4000)
		sent += run.Sent + run.WarmupSent
		rtts += run.RTT.TotalCount()
	}
	m := gather(t, load)
	if got := sum(m, "gigadex_sent_total"); got != float64(sent) {
		t.Errorf("sent over two runs: got %v, want %d", got, sent)
	}
	if got := m["gigadex_rtt_seconds_count"]; got != float64(rtts) {
		t.Errorf("rtts over two runs: got %v, want %d", got, rtts)
	}
	if got := m["gigadex_target_rate"]; got != 40000 {
		t.Errorf("target rate: got %v, want the latest run's, 40000", got)
	}
}

// TestLiveDuringRun reads the metrics while a run goes: the connections
// are open, and the counters move.
func TestLiveDuringRun(t *testing.T) {
	_, addr := startEcho(t)
	load := prom.NewLoad(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client.Run(ctx, client.LoadConfig{Addr: addr, Conns: 3, Window: 8, Duration: 1500 * time.Millisecond, Rate: 3000, Observer: load})
	}()
	deadline := time.Now().Add(5 * time.Second)
	var m map[string]float64
	for {
		m = gather(t, load)
		if m["gigadex_connections"] == 3 && sum(m, "gigadex_sent_total") > 0 && m["gigadex_rtt_seconds_count"] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no live figures during the run: %v", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if m["gigadex_target_rate"] != 3000 {
		t.Errorf("target rate %v, want 3000", m["gigadex_target_rate"])
	}
	<-done
}

func TestCheckLabels(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"agent", true}, {"_x9", true}, {"Job_1", true},
		{"", false}, {"9a", false}, {"a-b", false}, {"a.b", false}, {"__name", false},
		{"type", false}, {"direction", false}, {"reason", false}, {"le", false}, {"é", false},
	}
	for _, tt := range tests {
		err := prom.CheckLabels(map[string]string{tt.name: "v"})
		if (err == nil) != tt.ok {
			t.Errorf("CheckLabels(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// fetch returns the body of GET url.
func fetch(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return string(b)
}

// TestServeAndAwaitScrape serves the metrics over HTTP: AwaitScrape waits
// for a scrape that starts after it is called, or times out.
func TestServeAndAwaitScrape(t *testing.T) {
	srv, _ := startEcho(t)
	s, err := prom.Listen(context.Background(), "127.0.0.1:0", prom.NewEcho(srv, nil), prom.NewLoad(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := fetch(t, s.URL())
	for _, name := range []string{"gigadex_echo_connections ", "gigadex_sent_total{type=\"order\"} ", "gigadex_rtt_seconds_bucket{le=\"1e-06\"} ", "go_goroutines "} {
		if !strings.Contains(body, name) {
			t.Errorf("no %q in /metrics", name)
		}
	}
	if s.AwaitScrape(context.Background(), 50*time.Millisecond) {
		t.Error("AwaitScrape reported a scrape that did not happen")
	}
	got := make(chan bool)
	go func() { got <- s.AwaitScrape(context.Background(), 5*time.Second) }()
	deadline := time.Now().Add(5 * time.Second)
	for done := false; !done; {
		fetch(t, s.URL())
		select {
		case ok := <-got:
			if !ok {
				t.Error("AwaitScrape missed the scrape")
			}
			done = true
		case <-time.After(20 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("AwaitScrape did not return")
			}
		}
	}
	if _, err := prom.Listen(context.Background(), "127.0.0.1:0", prom.NewLoad(nil), prom.NewLoad(nil)); err == nil {
		t.Error("two collectors of the same metrics were registered")
	}
}

// TestPromtoolCheckMetrics lints /metrics of an echo and a flood with
// Prometheus's own promtool.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testutil.RequireTool(t, "promtool", "Debian's prometheus package")
	srv, addr := startEcho(t)
	load := prom.NewLoad(prometheus.Labels{"agent": "a1", "job_name": "ci"})
	flood(t, addr, load, 0, 2000)
	s, err := prom.Listen(context.Background(), "127.0.0.1:0", prom.NewEcho(srv, nil), load)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := fetch(t, s.URL())
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestEchoBook checks the order book's figures of a book server against
// its own counters, and the promtool lint with them.
func TestEchoBook(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "", echo.WithReply(wire.ReplyBook), echo.WithDetailedStats(true), echo.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	mix, _ := client.ParseMix("order=80,cancel=20")
	load := prom.NewLoad(nil)
	run, err := client.Run(ctx, client.LoadConfig{Addr: addr.String(), Conns: 2, Window: 16, Count: 5000, Mix: mix, Reply: wire.ReplyBook, Observer: load})
	if run == nil {
		t.Fatal(err)
	}
	settled(t, srv)
	m := gather(t, prom.NewEcho(srv, nil), load)
	st := srv.Stats()
	checks := []struct {
		name      string
		got, want float64
	}{
		{"orders", m["gigadex_echo_book_orders_total"], float64(st.Book.Orders)},
		{"orders sent", m["gigadex_sent_total{type=order}"], float64(st.Book.Orders)},
		{"trades", m["gigadex_echo_book_trades_total"], float64(st.Book.Trades)},
		{"cancels", m["gigadex_echo_book_cancels_total"] + m["gigadex_echo_book_unknown_cancels_total"], float64(st.Kinds[wire.KindCancelOrder])},
		{"resting", m["gigadex_echo_book_resting_orders"], float64(st.Book.Resting)},
		{"dropped", m["gigadex_echo_book_dropped_total{reason=full}"] + m["gigadex_echo_book_dropped_total{reason=duplicate}"], float64(st.Book.Full + st.Book.Duplicates)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if st.Book.Orders == 0 {
		t.Error("the book saw no order")
	}
	if err != nil {
		t.Errorf("run: %v", err)
	}
	// A book sends each side of a fill its Trade unasked, and the driver
	// times each Order's first fill.
	if st.Book.Trades == 0 || m["gigadex_unsolicited_total{type=trade}"] < float64(run.Unsolicited["trade"]) || run.Unsolicited["trade"] == 0 {
		t.Errorf("the book made %d trades; the driver counted %v unsolicited Trades, the result %d in its window",
			st.Book.Trades, m["gigadex_unsolicited_total{type=trade}"], run.Unsolicited["trade"])
	}
	if run.Fill == nil || m["gigadex_fill_latency_seconds_count"] != float64(run.Fill.TotalCount()) {
		t.Errorf("fill latencies: the metrics have %v, the result %v", m["gigadex_fill_latency_seconds_count"], run.Fill)
	}
}

// TestLoadReplay counts the types of a replayed list, which the driver
// sends in a loop, against what the echo received.
func TestLoadReplay(t *testing.T) {
	srv, addr := startEcho(t)
	load := prom.NewLoad(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs := []wire.Message{
		wire.Order{ID: 1, Price: 100, Quantity: 1, Side: wire.Buy},
		wire.Heartbeat{Timestamp: 1},
		wire.Order{ID: 2, Price: 101, Quantity: 1, Side: wire.Sell},
		wire.CancelOrder{ID: 1},
	}
	run, err := client.Run(ctx, client.LoadConfig{Addr: addr, Conns: 2, Window: 8, Count: 1001, WarmupCount: 7, Messages: msgs, Reply: wire.ReplyExchange, Observer: load})
	if err != nil {
		t.Fatal(err)
	}
	settled(t, srv)
	m := gather(t, load)
	st := srv.Stats()
	for _, k := range []wire.Kind{wire.KindOrder, wire.KindHeartbeat, wire.KindCancelOrder} {
		if got, want := m["gigadex_sent_total{type="+k.Label()+"}"], float64(st.Kinds[k]); got != want || got == 0 {
			t.Errorf("%s sent: got %v, the echo received %v", k.Label(), got, want)
		}
	}
	if got := sum(m, "gigadex_sent_total"); got != float64(run.Sent+run.WarmupSent) {
		t.Errorf("sent: got %v, want %d", got, run.Sent+run.WarmupSent)
	}
}
