package client

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// cpuAffinity returns the CPUs this process may run on, as ranges ("0",
// "0-1", "0,2-3"), or "" if the system does not say.
func cpuAffinity() string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return ""
	}
	var parts []string
	for lo := 0; lo < 1024; lo++ {
		if !set.IsSet(lo) {
			continue
		}
		hi := lo
		for hi+1 < 1024 && set.IsSet(hi+1) {
			hi++
		}
		if hi == lo {
			parts = append(parts, fmt.Sprint(lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lo, hi))
		}
		lo = hi
	}
	return strings.Join(parts, ",")
}
