//go:build !linux

package client

// cpuAffinity returns "": this system's CPU affinity is not read.
func cpuAffinity() string { return "" }
