package rules

// HeldReads returns how many logs the engines have looked through for
// records of the channels read (neededChannels) since the test binary
// started.
func HeldReads() int64 { return heldReads.Load() }
