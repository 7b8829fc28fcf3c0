package cmd

import (
	"os"
	"runtime"
	"runtime/debug"
)

// gcPercent is the garbage collector's target unless GOGC is set: the
// plugin's live heap is 2-3 MB, so collecting at 1.5x instead of 2x costs a
// few milliseconds of CPU per hour of streaming, and a follow that has run
// for hours stays as small as one that just started (issue 7, P3: 24.3 MB
// after 200 MB against 22.6 MB after 1 MB, +7%; +13% at Go's default).
const gcPercent = 50

// maxProcs is how many processors run Go code unless GOMAXPROCS is set.
// The plugin waits on the network almost all the time; with more
// processors, each hand-off between the HTTP/2 read loop and the follower
// wakes another thread and idle threads spin looking for work. A/B on the
// test bed (200 MB, 4 runs each): CPU 2.45 s against 2.87 s, first line
// 28 ms against 35 ms.
const maxProcs = 1

// TuneRuntime applies gcPercent and maxProcs unless GOGC or GOMAXPROCS is
// set. It changes the whole process, so the plugin's main calls it, not
// Execute (which tests call in-process).
func TuneRuntime() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(maxProcs)
	}
}
