package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
)

// TestPrometheusScrapesEchoAndFlood runs a real Prometheus server
// (Debian's prometheus package) that scrapes an echo and a flood started
// with --metrics-addr every 100 ms, then checks what it stored, through
// its HTTP API, against the flood's JSON result and the echo's totals
// line. The flood runs at a set rate, which leaves the CPUs time to
// serve the scrapes while it goes. The race run skips it: it tests the wiring, which the plain run
// covers, and Prometheus takes a second and a half to start.
func TestPrometheusScrapesEchoAndFlood(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("real Prometheus server: run without -race and -short")
	}
	promBin := testutil.RequireTool(t, "prometheus", "Debian's prometheus package")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	echoMetrics, floodMetrics := freeAddr(t), freeAddr(t)
	api := startPrometheus(ctx, t, promBin, map[string]string{"echo": echoMetrics, "flood": floodMetrics})

	// The echo, in this process, until echoCancel.
	echoCtx, echoCancel := context.WithCancel(ctx)
	defer echoCancel()
	var echoOut, echoErr testutil.Buffer
	echoDone := make(chan int, 1)
	go func() {
		echoDone <- run(echoCtx, []string{"gigadex", "echo", "--addr", "127.0.0.1:0", "--reply", "exchange", "--metrics-addr", echoMetrics}, strings.NewReader(""), &echoOut, &echoErr)
	}()
	var echoAddr string
	for echoAddr == "" {
		if lines := echoOut.LinesWith("listening on "); len(lines) > 0 {
			echoAddr = strings.TrimPrefix(lines[0], "listening on ")
		} else if ctx.Err() != nil {
			t.Fatalf("echo did not start: %s", echoErr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Prometheus applies its targets up to 5 s after it starts: the flood
	// starts once they are scraped (the flood's, still failing).
	for queryValue(ctx, t, api, `up{job="flood"}`) == "" {
		if ctx.Err() != nil {
			t.Fatal("prometheus does not scrape the flood's address")
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, errs, code := runCLI(t, "", "flood", "--addr", echoAddr, "--reply", "exchange", "--mix", "order=60,cancel=30,heartbeat=10",
		"-c", "2", "--rate", "20k", "-d", "1s", "--warmup", "500", "--json", "-q", "--tag", "agent=a1",
		"--metrics-addr", floodMetrics, "--metrics-linger", "10s")
	if code != 0 {
		t.Fatalf("flood: exit %d\n%s", code, errs)
	}
	run, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	total := run.Sent + run.WarmupSent

	// The flood's counters: the last values Prometheus scraped, which
	// --metrics-linger made the final ones.
	checks := []struct{ query, want string }{
		{`sum(max_over_time(gigadex_sent_total{job="flood",agent="a1"}[1m]))`, fmt.Sprint(total)},
		{`sum(max_over_time(gigadex_received_total{job="flood",agent="a1"}[1m]))`, fmt.Sprint(run.Received + run.WarmupReceived)},
		{`max_over_time(gigadex_rtt_seconds_count{job="flood",agent="a1"}[1m])`, fmt.Sprint(run.RTT.TotalCount())},
		{`max_over_time(gigadex_errors_total{job="flood",agent="a1"}[1m])`, fmt.Sprint(run.Errors)},
		{`sum(max_over_time(gigadex_received_total{job="flood",type="order_ack"}[1m])) - sum(max_over_time(gigadex_sent_total{job="flood",type="order"}[1m]))`, "0"},
		{`max_over_time(gigadex_connections{job="flood"}[1m])`, "2"},
		// The echo still runs: its latest values.
		{`sum(gigadex_echo_messages_total{job="echo"})`, fmt.Sprint(total)},
		{`sum(gigadex_echo_messages_total{job="echo",type="cancel"}) - sum(max_over_time(gigadex_sent_total{job="flood",type="cancel"}[1m]))`, "0"},
		{`gigadex_echo_bytes_total{job="echo",direction="in"}`, fmt.Sprint(total * 52)},
		{`gigadex_echo_connections{job="echo"}`, "0"},
	}
	for _, c := range checks {
		if got := awaitValue(ctx, t, api, c.query, c.want); got != c.want {
			t.Errorf("%s = %s, want %s", c.query, got, c.want)
		}
	}
	echoScraped := map[string]string{}
	for _, q := range []string{`sum(gigadex_echo_messages_total{job="echo"})`, `gigadex_echo_connections_total{job="echo"}`, `gigadex_echo_service_seconds_count{job="echo"}`} {
		echoScraped[q] = queryValue(ctx, t, api, q)
	}
	lintMetrics(t, "http://"+echoMetrics+"/metrics")
	checkDashboard(ctx, t, api)

	echoCancel()
	if code := <-echoDone; code != 0 && code != exitInterrupted {
		t.Fatalf("echo: exit %d\n%s", code, echoErr.String())
	}
	totals := regexp.MustCompile(`totals: connections (\d+), messages (\d+),`).FindStringSubmatch(echoOut.String())
	if totals == nil {
		t.Fatalf("no totals line from the echo:\n%s", echoOut.String())
	}
	if got := echoScraped[`gigadex_echo_connections_total{job="echo"}`]; got != totals[1] {
		t.Errorf("echo connections: Prometheus %s, totals line %s", got, totals[1])
	}
	if got := echoScraped[`sum(gigadex_echo_messages_total{job="echo"})`]; got != totals[2] {
		t.Errorf("echo messages: Prometheus %s, totals line %s", got, totals[2])
	}
	if n, _ := strconv.ParseFloat(echoScraped[`gigadex_echo_service_seconds_count{job="echo"}`], 64); n <= 0 {
		t.Errorf("echo service time: %v batches", n)
	}
}

// TestMetricsOfTheInProcessEcho: flood with no --addr serves its
// in-process echo's metrics next to its own, with the same labels; after
// the run the echo has counted every message the flood sent.
func TestMetricsOfTheInProcessEcho(t *testing.T) {
	addr := freeAddr(t)
	type result struct {
		out, errs string
		code      int
	}
	done := make(chan result, 1)
	go func() {
		out, errs, code := runCLI(t, "", "flood", "-c", "2", "-d", "300ms", "--warmup", "100", "--json", "-q", "--tag", "agent=a1",
			"--metrics-addr", addr, "--metrics-linger", "10s")
		done <- result{out, errs, code}
	}()
	var last string // the last scrape: of the final values, since the run waited for it
	var res result
	for finished := false; !finished; {
		select {
		case res = <-done:
			finished = true
		case <-time.After(20 * time.Millisecond):
			if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				last = string(b)
			}
		}
	}
	if res.code != 0 {
		t.Fatalf("flood: exit %d\n%s", res.code, res.errs)
	}
	run, err := report.ReadJSON(strings.NewReader(res.out))
	if err != nil {
		t.Fatal(err)
	}
	var received float64 // the echo's valid frames, all types
	for _, m := range regexp.MustCompile(`(?m)^gigadex_echo_messages_total\{agent="a1",type="[a-z_]+"\} (\S+)$`).FindAllStringSubmatch(last, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		received += v
	}
	if sent := run.Sent + run.WarmupSent; received != float64(sent) {
		t.Errorf("the echo counted %v messages, the flood sent %d; last scrape:\n%s", received, sent, last)
	}
	if !strings.Contains(last, `gigadex_echo_connections{agent="a1"} 0`) || !strings.Contains(last, `gigadex_sent_total{agent="a1"`) {
		t.Errorf("the last scrape lacks the load's metrics or the echo's closed connections:\n%s", last)
	}
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a server that must be named before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startPrometheus starts Prometheus scraping the given targets (job →
// HOST:PORT) every 100 ms, waits until it is ready and returns the address
// of its API. It is killed when the test ends.
func startPrometheus(ctx context.Context, t *testing.T, bin string, targets map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 100ms\n  scrape_timeout: 100ms\nscrape_configs:\n")
	for job, addr := range targets {
		fmt.Fprintf(&cfg, "  - job_name: %s\n    static_configs: [{targets: ['%s']}]\n", job, addr)
	}
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var logs testutil.Buffer
	cmd := exec.CommandContext(ctx, bin, "--config.file="+conf, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return "http://" + addr
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 20s:\n%s", logs.String())
		}
	}
}

// queryValue runs an instant query and returns its single value ("" for
// an empty result).
func queryValue(ctx context.Context, t *testing.T, api, query string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/query?query="+url.QueryEscape(query), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct{ Value [2]any }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s %s", query, err, r.Status, r.Error)
	}
	switch len(r.Data.Result) {
	case 0:
		return ""
	case 1:
		s, _ := r.Data.Result[0].Value[1].(string)
		return s
	}
	t.Fatalf("query %s: %d series, want one", query, len(r.Data.Result))
	return ""
}

// awaitValue queries until the result is want, for up to 5 s (a sample
// scraped a moment ago may not be queryable yet), and returns the last
// result.
func awaitValue(ctx context.Context, t *testing.T, api, query, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := queryValue(ctx, t, api, query)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lintMetrics runs promtool check metrics on what url serves.
func lintMetrics(t *testing.T, url string) {
	t.Helper()
	promtool := testutil.RequireTool(t, "promtool", "Debian's prometheus package")
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics on %s: %v\n%s", url, err, out)
	}
}

// checkDashboard runs every query of the Grafana dashboard in docs/ on
// Prometheus: each must be valid PromQL, and each rate but the book's and
// the fills' (an exchange echo sends no Trades) must find series after the
// flood (the flood's gauges went stale when it
// ended).
func checkDashboard(ctx context.Context, t *testing.T, api string) {
	t.Helper()
	b, err := os.ReadFile("docs/grafana-gigadex.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$driver", "flood", "$echo", "echo", "$__rate_interval", "1m")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			q := vars.Replace(tg.Expr)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/query?query="+url.QueryEscape(q), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Status, Error string
				Data          struct{ Result []json.RawMessage }
			}
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			switch {
			case err != nil || r.Status != "success":
				t.Errorf("dashboard panel %q: %s: %v %s", p.Title, q, err, r.Error)
			case len(r.Data.Result) == 0 && strings.Contains(q, "[") && !strings.Contains(q, "book") && !strings.Contains(q, "fill"):
				t.Errorf("dashboard panel %q: %s: no series", p.Title, q)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no query in the dashboard")
	}
}

func TestMetricsFlagErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ping", "--metrics-addr", "127.0.0.1:0", "--tag", "agent-id=a1"}, exitUsage, `label "agent-id": not a Prometheus label name`},
		{[]string{"flood", "--metrics-addr", "127.0.0.1:0", "--tag", "type=x"}, exitUsage, `label "type" is taken`},
		{[]string{"capacity", "--slo", "p99<1s", "--metrics-addr", "127.0.0.1:0", "--tag", "9=x"}, exitUsage, `label "9": not a Prometheus label name`},
		{[]string{"ping", "-n", "10", "--metrics-addr", busy.Addr().String()}, exitRunError, "--metrics-addr " + busy.Addr().String()},
		{[]string{"echo", "--addr", "127.0.0.1:0", "--metrics-addr", busy.Addr().String()}, exitRunError, "--metrics-addr " + busy.Addr().String()},
		{[]string{"capacity", "--slo", "p99<1s", "--metrics-addr", busy.Addr().String()}, exitRunError, "--metrics-addr " + busy.Addr().String()},
	}
	for _, tt := range tests {
		out, errs, code := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.want)
		}
		if strings.Contains(out, "listening on") {
			t.Errorf("%v: the echo announced an address it does not serve metrics for: %q", tt.args, out)
		}
	}
	// A tag that is no label name is fine without metrics.
	if _, errs, code := runCLI(t, "", "ping", "-n", "10", "--warmup", "0", "--tag", "agent-id=a1", "-q"); code != 0 {
		t.Errorf("ping --tag agent-id=a1: exit %d: %s", code, errs)
	}
}
