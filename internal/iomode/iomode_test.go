package iomode

import (
	"strings"
	"testing"
)

type mode int

func TestNames(t *testing.T) {
	for i, name := range []string{"auto", "poller", "blocking", "busy-poll"} {
		if got := String(mode(i)); got != name {
			t.Errorf("String(%d) = %q, want %q", i, got, name)
		}
		if m, err := Parse[mode]("pkg", name); err != nil || m != mode(i) {
			t.Errorf("Parse(%q) = %d, %v; want %d", name, m, err, i)
		}
	}
	if got := String(mode(4)); got != "IOMode(4)" {
		t.Errorf("String(4) = %q", got)
	}
	if _, err := Parse[mode]("pkg", "Blocking"); err == nil || !strings.HasPrefix(err.Error(), `pkg: unknown I/O mode "Blocking"`) {
		t.Errorf("Parse(Blocking): %v", err)
	}
}
