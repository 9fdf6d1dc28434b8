package fleet

// MaxWaiting returns how many results, at most, Analyze with workers
// holds while they wait for an earlier machine's.
func MaxWaiting(workers int) int { return maxAhead(workers) }

// SetLoneAltOn makes Group compute the eventKeys and recordKeys of every
// log, also of a log no other log of its channel is read beside (tests
// compare both ways).
func SetLoneAltOn(on bool) { loneAltOn = on }

// SetContainedOff makes Group compare every record of two logs of one
// channel and name read apart, also when one holds only records of the
// other (containedPair), and returns how many times it compared every
// record of such logs so far.
func SetContainedOff(off bool) int64 { containedOff = off; return wholeReads.Load() }
