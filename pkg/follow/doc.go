// Package follow streams one container's log and survives dropped streams.
//
// It always asks the server for timestamps, remembers the timestamp of the
// last line printed and how many lines carried it, and on a reconnect asks
// again with sinceTime and skips what was already printed: no line lost,
// none repeated. It stops once the container has ended and a final,
// non-follow read has drained the log, even when the server would keep a
// follow stream open forever. The hot path writes whole read chunks to one
// buffered writer and allocates nothing per line.
//
// The package knows nothing of Druid, cobra or client-go clients: it takes an
// Opener function and a channel that closes when the container has ended.
package follow
