package report

import (
	"reflect"
	"testing"
)

func TestParseLogTitle(t *testing.T) {
	tests := []struct {
		title string
		want  LogHeader
		ok    bool
	}{
		{"gigadex ping 127.0.0.1:7000, 1 connection(s), closed loop, reply echo, mix heartbeat=100",
			LogHeader{Command: "ping", Addr: "127.0.0.1:7000", Connections: 1, Settings: []string{"reply echo", "mix heartbeat=100"}}, true},
		{"gigadex flood [::1]:9000, 4 connection(s), rate 1.500 M msgs/s, reply exchange, mix order=90,cancel=10, window 256, agent=a1, env=ci",
			LogHeader{Command: "flood", Addr: "[::1]:9000", Connections: 4, TargetRate: 1.5e6,
				Settings: []string{"reply exchange", "mix order=90,cancel=10", "window 256"},
				Tags:     map[string]string{"agent": "a1", "env": "ci"}}, true},
		{"gigadex ping 127.0.0.1:7000", LogHeader{Command: "ping", Addr: "127.0.0.1:7000"}, true},
		{"gigadex ", LogHeader{}, false},
		{"HdrHistogram log", LogHeader{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseLogTitle(tt.title)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLogTitle(%q) = %+v, %v; want %+v, %v", tt.title, got, ok, tt.want, tt.ok)
		}
	}
}
