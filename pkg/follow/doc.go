// Package follow streams one container's log and survives dropped streams:
// every line exactly once.
//
// It always asks the server for timestamps. What was printed is summarised
// in constant memory: the newest timestamp, how many stamped lines fell in
// its second and in the second before, how many unstamped lines came after
// the last stamped one, and how much of an unfinished long line was
// written. A reconnect asks for sinceTime one second before the newest
// printed second (stdout and stderr are stamped separately, so lines can
// reach the file slightly out of order), and the server re-sends exactly
// the printed lines stamped from then on, in the order they were printed,
// before any new one: they are skipped by count. The kubelet writes a
// timestamp only where a line starts and applies sinceTime per record, so a
// resumed stream can begin with the unstamped rest of a line the runtime
// split; that fragment belongs to a line already printed and is dropped.
// Before any line was printed, a reconnect asks from the time the first
// request asked for (its sinceTime, or when it was made for --tail), so
// lines written meanwhile are not lost. A follow begun with --tail or
// --since also remembers where it began (a mark: a printed line known again
// by its stamp and first bytes), so a resume that reaches back there drops
// the lines before it, which nobody asked for.
//
// A new request reads only the file the kubelet writes now: when a resume
// point lies in a file it rotated away, the printed lines to skip are not
// re-sent and the first line is newer than all of them. That is a gap
// (Gap): said once through Notify, as an {"event":"gap"} object in JSON,
// and to Options.OnGap. The last lines printed are kept as keys (first
// bytes and length), so a caller can find a gap, or the end of a follow,
// in a copy of the log without timestamps (FindGap, FindRun, CopyLines).
//
// It stops once the container has ended and its log is confirmed drained:
// any clean end of a stream can be a proxy's early end, so the end is read
// again without follow from the resume point (the last lines first, with
// tailLines, to spare the server a scan of a large file). Failed final
// reads back off like reconnects. An unfinished last line is printed by the
// final read. Lines are written whole, so followers may share a writer; a
// line longer than Options.MaxLine is written in pieces, keeping memory
// bounded for output that never ends its line.
//
// The package knows nothing of Druid, cobra or client-go clients: it takes
// an Opener function and a channel that closes when the container has
// ended. The hot path writes whole read chunks to one buffered writer and
// allocates nothing per line.
package follow
