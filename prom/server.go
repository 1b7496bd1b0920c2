package prom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves a registry on /metrics over HTTP. Make it with [Listen].
type Server struct {
	ln   net.Listener
	http *http.Server
	done chan struct{} // closed when the serving goroutine has ended

	mu   sync.Mutex
	next *scrape // the scrape that AwaitScrape waits for
}

// scrape is closed once a scrape that started after it was made has been
// served.
type scrape struct {
	once sync.Once
	ch   chan struct{}
}

func (s *scrape) served() { s.once.Do(func() { close(s.ch) }) }

// Listen listens on the TCP address addr (HOST:PORT; port 0 picks a free
// one) and serves, in a goroutine of its own until Close, the collectors
// cs on /metrics, with the Go runtime's and the process's standard metrics
// (go_*, process_*). ctx bounds only the listen call. It returns an error
// if a collector's metrics clash with another's.
func Listen(ctx context.Context, addr string, cs ...prometheus.Collector) (*Server, error) {
	reg := prometheus.NewRegistry()
	all := append([]prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}, cs...)
	for _, c := range all {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("prom: %w", err)
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("prom: %w", err)
	}
	s := &Server{ln: ln, done: make(chan struct{}), next: &scrape{ch: make(chan struct{})}}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		sc := s.next
		s.mu.Unlock()
		h.ServeHTTP(w, r)
		sc.served()
	})
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go func() {
		defer close(s.done)
		s.http.Serve(ln)
	}()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL returns the address of the metrics: http://HOST:PORT/metrics.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/metrics" }

// AwaitScrape waits until a scrape that starts after the call has been
// served, so that a monitoring system has read the final values of a run
// that has ended; or until d has passed or ctx has ended. It reports
// whether such a scrape was served.
func (s *Server) AwaitScrape(ctx context.Context, d time.Duration) bool {
	sc := &scrape{ch: make(chan struct{})}
	s.mu.Lock()
	s.next = sc
	s.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-sc.ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// Close stops the server at once, closing its connections (a scrape in
// progress fails), and waits for its goroutine.
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// CheckLabels checks that the names of constant labels are valid
// Prometheus label names that the metrics do not use themselves:
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", and none of type,
// direction, reason, le.
func CheckLabels(labels map[string]string) error {
	for name := range labels {
		if err := checkLabel(name); err != nil {
			return err
		}
	}
	return nil
}

func checkLabel(name string) error {
	switch name {
	case "type", "direction", "reason", "le":
		return fmt.Errorf("prom: label %q is taken by the metrics themselves", name)
	}
	if len(name) >= 2 && name[:2] == "__" {
		return fmt.Errorf("prom: label %q: names starting with __ are reserved", name)
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("prom: label %q: not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", name)
		}
	}
	if name == "" {
		return errors.New("prom: empty label name")
	}
	return nil
}
