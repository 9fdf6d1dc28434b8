// Package plural spells counts in the messages of evtxrdp's packages:
// "1 record", "2 records", "1 match", "2 matches". It is the one helper
// for that; the packages do not keep their own.
package plural

import (
	"strconv"
	"strings"
)

// Integer is the count types the messages print.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// N returns n and noun, the noun plural unless n is 1: "1 record", "0
// records", "2 chunks", "2 matches".
func N[T Integer](n T, noun string) string {
	return Itoa(n) + " " + Noun(n, noun)
}

// Itoa returns n in decimal.
func Itoa[T Integer](n T) string {
	if n < 0 {
		return strconv.FormatInt(int64(n), 10)
	}
	return strconv.FormatUint(uint64(n), 10)
}

// Noun returns noun as the count n wants it: noun when n is 1, else its
// plural: "es" after s, x, z, ch and sh ("matches", "boxes"), else "s".
// Nouns that do not take a regular plural are written with Word.
func Noun[T Integer](n T, noun string) string {
	if n == 1 {
		return noun
	}
	for _, end := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(noun, end) {
			return noun + "es"
		}
	}
	return noun + "s"
}

// Word returns one when n is 1, else many: Word(n, "was", "were"),
// Word(n, "directory", "directories").
func Word[T Integer](n T, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
