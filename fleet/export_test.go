package fleet

// MaxWaiting returns how many results, at most, Analyze with workers
// holds while they wait for an earlier machine's.
func MaxWaiting(workers int) int { return maxAhead(workers) }
