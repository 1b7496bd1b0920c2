package client

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := newBackoff(1)
	step := BackoffMin
	for i := range 12 {
		d := b.next()
		if d < step/2 || d > step {
			t.Fatalf("attempt %d: waited %v, want %v to %v", i, d, step/2, step)
		}
		step = min(2*step, BackoffMax)
	}
	if b.step != BackoffMax {
		t.Fatalf("step %v after 12 failures, want the cap %v", b.step, BackoffMax)
	}
	tests := []struct {
		name  string
		lived time.Duration
		want  time.Duration
	}{
		{"short-lived connection keeps the step", BackoffReset - time.Millisecond, BackoffMax},
		{"long-lived connection resets it", BackoffReset, BackoffMin},
	}
	for _, tt := range tests {
		b.step = BackoffMax
		b.lived(tt.lived)
		if b.step != tt.want {
			t.Errorf("%s: step %v, want %v", tt.name, b.step, tt.want)
		}
	}
}

// TestBackoffJitters: connections that fail together do not all wait the
// same time.
func TestBackoffJitters(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := range 8 {
		b := newBackoff(uint64(i))
		b.step = BackoffMax
		seen[b.next()] = true
	}
	if len(seen) < 4 {
		t.Errorf("8 connections waited %d distinct times, want spread", len(seen))
	}
}
