package postmortem

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// maxOverlordLines bounds the Overlord's lines kept about one task, and
// maxTraceLines the stack trace kept under one of them (to its root
// cause: "Task[%s] execution caught an exception" is followed by one).
const (
	maxOverlordLines = 400
	maxTraceLines    = 120
)

// OverlordLines reads an Overlord's log (a file the user saved, or
// stdin) and keeps its last lines that name the task or one of its Job's
// names: some of Druid's lines name only the Job ("Pod for job[%s]
// launched. ...", 36+), others the K8sTaskId "[ id, job]"; the stack
// trace under a kept line is kept with it.
func OverlordLines(r io.Reader, taskID string, jobNames []string) ([]string, error) {
	keys := append([]string{taskID}, jobNames...)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var out []string
	trace := 0 // lines of a kept line's stack trace still to keep
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if trace > 0 && !logLinePrefix.MatchString(l) {
			out = append(out, l)
			trace--
			continue
		}
		trace = 0
		for _, k := range keys {
			if k != "" && strings.Contains(l, k) {
				out, trace = append(out, l), maxTraceLines
				break
			}
		}
		if len(out) > 2*maxOverlordLines {
			out = append(out[:0], out[len(out)-maxOverlordLines:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the Overlord's log: %w", err)
	}
	return out[max(0, len(out)-maxOverlordLines):], nil
}
