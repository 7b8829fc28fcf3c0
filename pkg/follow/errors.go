package follow

import "fmt"

// GaveUpError is returned when MaxFailures attempts in a row failed.
type GaveUpError struct {
	Attempts int
	Err      error
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("log stream failed %d times in a row: %v", e.Attempts, e.Err)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// LogGoneError is returned when the container has ended but its log could
// not be read to the end: the pod was deleted first. Lines after what was
// printed may exist only in Druid's task-log storage; Last are the last
// lines printed (see Follower.Last), to find where to go on in it. Offset
// is how many bytes of the log (without timestamps) were printed, when
// OffsetKnown (the follow started at the log's first line): it counts from
// the first line the kubelet sent, which after a rotation is not the
// stored log's first, so it is no place in the stored log.
type LogGoneError struct {
	Last        []LineKey
	Offset      int64
	OffsetKnown bool
	Err         error
}

func (e *LogGoneError) Error() string {
	return "the pod was deleted before its log could be read to the end: " + e.Err.Error()
}

func (e *LogGoneError) Unwrap() error { return e.Err }
