package taskfollow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// fromOverlord asks the Overlord about a task Kubernetes cannot stream (no
// Job, or finished). done is true when the answer ends the follow: a
// finished task's stored log was printed, the task is queued (and no
// --wait), or unknown to both.
func (c *Config) fromOverlord(ctx context.Context, r *locate.Resolution) (res *Result, done bool, err error) {
	st, err := c.Overlord.TaskStatus(ctx, r.TaskID)
	var nf *overlord.NotFoundError
	switch {
	case errors.As(err, &nf) && r.NotFound != nil:
		return nil, true, &NotFoundError{NotFoundError: r.NotFound, OverlordUnknown: true}
	case errors.As(err, &nf):
		c.notify("note: the Overlord %s does not know task %s (another Druid cluster?)", c.Overlord, r.TaskID)
		return nil, false, nil
	case err != nil:
		return nil, true, &OverlordError{Overlord: c.Overlord.String(), Err: err}
	}
	s := st.Status
	switch {
	case s.Finished():
		c.notify("task %s finished with %s per the Overlord: its log below comes from Druid's task-log storage (deep storage), not from Kubernetes",
			r.TaskID, s.StatusCode)
		out := c.Out
		var pw *io.PipeWriter
		done := make(chan error, 1)
		if c.JSON {
			// The stored log has no timestamps: each line becomes an object
			// without one.
			var pr *io.PipeReader
			pr, pw = io.Pipe()
			out = pw
			go func() {
				done <- follow.CopyJSONLines(c.Out, pr, &follow.JSONLine{Task: r.TaskID, Container: c.Container})
				pr.Close()
			}()
		}
		err := printStoredLog(ctx, c.Overlord, r.TaskID, c.Follow.TailLines, out)
		if pw != nil {
			pw.CloseWithError(err)
			if jerr := <-done; err == nil && jerr != nil {
				err = writeErr{jerr}
			}
		}
		if err != nil {
			return nil, true, storageError(c.Overlord, err)
		}
		if !s.Succeeded() {
			return nil, true, &TaskFailedError{TaskID: r.TaskID, ErrorMsg: s.ErrorMsg}
		}
		if r.NotFound != nil {
			r = nil
		}
		return &Result{Resolution: r, FromStorage: true}, true, nil
	case r.NotFound != nil && s.Pending() && !c.Wait:
		return nil, true, &QueuedError{TaskID: r.TaskID, Status: *s}
	}
	return nil, false, nil
}

// storageError keeps the Overlord's "no log" and "unknown task" answers
// as they are (they say something about the task) and names the Overlord
// in any other failure.
func storageError(o Overlord, err error) error {
	var noLog *overlord.NoLogError
	var nf *overlord.NotFoundError
	if errors.As(err, &noLog) || errors.As(err, &nf) || errors.Is(err, context.Canceled) {
		return err
	}
	var w writeErr
	if errors.As(err, &w) {
		return w.error
	}
	return &OverlordError{Overlord: o.String(), Err: err}
}

// maxTailWindow bounds how far back a tail of a stored log reads.
const maxTailWindow = 64 << 20

// printStoredLog copies a finished task's log from the Overlord (Druid's
// task-log storage) to out; a tail keeps only the last lines, asking the
// Overlord for a window at the end of the log (negative offset) and
// widening it until it holds enough lines.
func printStoredLog(ctx context.Context, o Overlord, taskID string, tailLines *int64, out io.Writer) error {
	if tailLines == nil || *tailLines < 0 {
		rc, err := o.TaskLog(ctx, taskID, 0)
		if err != nil {
			return err
		}
		defer rc.Close()
		return copyOut(out, rc)
	}
	tail := *tailLines
	for window := max(64<<10, tail*512); ; window *= 2 {
		rc, err := o.TaskLog(ctx, taskID, -window)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(rc, window+1))
		rc.Close()
		if err != nil {
			return err
		}
		whole := int64(len(b)) < window || window >= maxTailWindow
		lines := bytes.SplitAfter(b, []byte("\n"))
		if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		if int64(len(lines)) > tail || whole {
			// Without the whole log, the first line of the window may
			// be cut: it is never among those printed.
			start := max(0, int64(len(lines))-tail)
			if !whole && start == 0 {
				start = 1
			}
			if _, err := out.Write(bytes.Join(lines[start:], nil)); err != nil {
				return writeErr{err}
			}
			return nil
		}
	}
}

// storedOutcome is what a continuation from task-log storage learned.
type storedOutcome struct {
	status  *overlord.TaskStatusPlus // the finished task's status, if known
	printed bool                     // something was read from storage
}

// continueFromStorage prints, after a pod vanished before its log was read
// to the end, the rest of the log from Druid's task-log storage, once the
// Overlord has stored the log (it does when the task finishes): after the
// last lines printed, found by content. A byte count would not do: Druid
// read the stored log through the API after the container ended, which
// after a rotation serves only the current file, so it need not begin
// where the follow began. When the stored log does not hold the last lines
// printed (or holds them twice), it says so and prints nothing from it.
// Without an Overlord, or when the follow printed nothing and did not
// start at the log's first line, it says where the rest is.
func (c *Config) continueFromStorage(ctx context.Context, taskID string, gone *follow.LogGoneError, out io.Writer, prefix string,
	j *follow.JSONLine) (*storedOutcome, error) {
	switch {
	case c.Overlord == nil:
		c.notify("%snote: the pod was deleted before the end of its log could be read; lines after the last one printed may be missing.\n"+
			"  Druid's task-log storage keeps the whole log: kubectl druid-logs follow %s --overlord URL (or --overlord-service auto)", prefix, taskID)
		return nil, nil
	case len(gone.Last) == 0 && !gone.OffsetKnown:
		c.notify("%snote: the pod was deleted before the end of its log could be read, and this follow printed no line and did not start at\n"+
			"  the log's first line (--tail/--since), so the rest cannot be placed in Druid's stored log. Read it whole: kubectl druid-logs follow %s (with the same --overlord flags)",
			prefix, taskID)
		return nil, nil
	case len(gone.Last) == 0:
		c.notify("%sthe pod was deleted before any of its log was read: printing Druid's stored log from task-log storage", prefix)
	default:
		c.notify("%sthe pod was deleted before its log was read to the end: continuing from Druid's task-log storage after the last line printed", prefix)
	}
	st, err := c.awaitStored(ctx, taskID, prefix)
	if err != nil || st == nil {
		return nil, err
	}
	var offset int64 // of the rest: 0 the whole log, < 0 its last -offset bytes
	if len(gone.Last) > 0 {
		var places []follow.Place
		var end follow.Place
		err := c.readStored(ctx, taskID, 0, func(r io.Reader) (err error) {
			places, end, err = follow.FindRun(r, gone.Last, 2)
			return err
		})
		if done, err := c.storedFailed(taskID, prefix, err); done {
			return &storedOutcome{status: st}, err
		}
		switch {
		case len(places) == 0:
			c.notify("%snote: Druid's stored log of task %s does not contain the last lines printed (the kubelet rotated the log before Druid read it),\n"+
				"  so the rest cannot be placed in it: nothing printed from it, so that no line repeats. Read it whole: kubectl druid-logs follow %s (with the same --overlord flags)",
				prefix, taskID, taskID)
			return &storedOutcome{status: st}, nil
		case len(places) > 1:
			c.notify("%snote: the last lines printed occur more than once in Druid's stored log of task %s, so the rest cannot be placed in it:\n"+
				"  nothing printed from it, so that no line repeats. Read it whole: kubectl druid-logs follow %s (with the same --overlord flags)",
				prefix, taskID, taskID)
			return &storedOutcome{status: st}, nil
		case places[0].Offset >= end.Offset:
			return &storedOutcome{status: st}, nil // nothing after them
		}
		// The rest as the log's last bytes: an offset past the end of an
		// object is answered with the whole object by some stores (S3).
		offset = places[0].Offset - end.Offset
	}
	err = c.readStored(ctx, taskID, offset, func(r io.Reader) error {
		var jj *follow.JSONLine
		if j != nil {
			stored := *j
			stored.Pod = ""
			jj = &stored
		}
		_, err := follow.CopyLines(markWrites(out), r, -1, prefix, jj)
		return err
	})
	if done, err := c.storedFailed(taskID, prefix, err); done {
		return &storedOutcome{status: st}, err
	}
	return &storedOutcome{status: st, printed: true}, nil
}

// readStored reads the task's stored log from offset (see Overlord.TaskLog)
// through read.
func (c *Config) readStored(ctx context.Context, taskID string, offset int64, read func(io.Reader) error) error {
	rc, err := c.Overlord.TaskLog(ctx, taskID, offset)
	if err != nil {
		return err
	}
	defer rc.Close()
	return read(rc)
}

// storedFailed handles an error reading the stored log: done is true when
// the reading stops; err is the follow's error, if any (a store that has no
// log is said, not an error).
func (c *Config) storedFailed(taskID, prefix string, err error) (done bool, _ error) {
	var noLog *overlord.NoLogError
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &noLog):
		c.notify("%snote: Druid's task-log storage has no log for task %s: %s", prefix, taskID, noLog.Message)
		return true, nil
	}
	return true, storageError(c.Overlord, err)
}

// awaitStored polls the Overlord until the task has finished (its log is
// stored then), for at most StorageWait. A nil status means it gave up.
func (c *Config) awaitStored(ctx context.Context, taskID, prefix string) (*overlord.TaskStatusPlus, error) {
	deadline := c.now().Add(c.storageWait())
	wait := 500 * time.Millisecond
	for {
		st, err := c.Overlord.TaskStatus(ctx, taskID)
		var nf *overlord.NotFoundError
		switch {
		case err == nil && st.Status.Finished():
			return st.Status, nil
		case errors.As(err, &nf):
			c.notify("%snote: the Overlord %s does not know task %s: the rest of its log cannot be read", prefix, c.Overlord, taskID)
			return nil, nil
		case err != nil:
			c.debugf("follow: asking the Overlord about %s: %v", taskID, err)
		}
		if c.now().After(deadline) {
			if err != nil {
				return nil, &OverlordError{Overlord: c.Overlord.String(), Err: err}
			}
			c.notify("%snote: task %s has not finished per the Overlord after %s, so its log is not stored yet: read it later with --overlord",
				prefix, taskID, c.storageWait())
			return nil, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// writeErr marks a failure to write the output.
type writeErr struct{ error }

// copyOut copies r to out; a failed write is marked as the output's.
func copyOut(out io.Writer, r io.Reader) error {
	_, err := io.Copy(markWrites(out), r)
	return err
}

// markWrites marks out's failures as the output's (writeErr).
func markWrites(out io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		n, err := out.Write(p)
		if err != nil {
			return n, writeErr{err}
		}
		return n, nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
