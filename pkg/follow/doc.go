// Package follow streams one container's log and survives dropped streams.
//
// It always asks the server for timestamps, remembers the timestamp of the
// last line printed and how many lines carried it, and on a reconnect asks
// again with sinceTime and skips what was already printed: no line lost,
// none repeated. It stops once the container has ended and its log is
// drained: a stream the server ends after the container's end is complete (a
// kubelet ends it once the file is sent); a stream that ended just before the
// container did, or stays silent after it (a server that never ends it), is
// drained with one final, non-follow read. The hot path writes whole read chunks to one
// buffered writer and allocates nothing per line.
//
// The package knows nothing of Druid, cobra or client-go clients: it takes an
// Opener function and a channel that closes when the container has ended.
package follow
