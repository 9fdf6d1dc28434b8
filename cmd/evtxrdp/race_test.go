//go:build race

package main

// raceEnabled: the tests run under the race detector, several times
// slower: the heaviest equality tests then read fewer inputs.
const raceEnabled = true
