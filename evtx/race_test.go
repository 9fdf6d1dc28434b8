//go:build race

package evtx

// raceEnabled: the tests run under the race detector, which makes them
// several times slower and bigger: the heaviest equality tests then take
// a sample of the logs, and memory bounds are not checked.
const raceEnabled = true
