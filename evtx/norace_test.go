//go:build !race

package evtx

const raceEnabled = false
