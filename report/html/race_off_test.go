//go:build !race

package html_test

const raceEnabled = false
