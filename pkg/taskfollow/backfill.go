package taskfollow

import (
	"context"
	"io"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
)

// stampLayout is the kubelet's fixed-width timestamp, as gaps are told.
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

func stampText(t time.Time) string { return t.UTC().Format(stampLayout) }

// backfill prints, after the live end, the lines of each gap that Druid's
// stored log holds: the lines between the last lines printed before the
// gap and the first line printed after it, found there by content. Each is
// announced on stderr; in JSON they are marked "backfilled". A gap the
// stored log cannot fill is said. It returns how many lines it printed.
func (c *Config) backfill(ctx context.Context, taskID string, gaps []follow.Gap, out io.Writer, prefix string,
	j *follow.JSONLine) (int64, error) {
	if c.Overlord == nil {
		for _, g := range gaps {
			c.notify("%snote: lines between %s and %s may be missing (see the warning above); Druid's task-log storage may hold them:\n"+
				"  kubectl druid-logs follow %s --overlord URL (or --overlord-service auto) fills such gaps at the end", prefix,
				stampText(g.From), stampText(g.To), taskID)
		}
		return 0, nil
	}
	st, err := c.awaitStored(ctx, taskID, prefix)
	if err != nil || st == nil {
		return 0, err
	}
	var jb *follow.JSONLine
	if j != nil {
		b := *j
		b.Backfilled = true
		jb = &b
	}
	var total int64
	for _, g := range gaps {
		from, to := stampText(g.From), stampText(g.To)
		var span follow.Span
		var ok bool
		err := c.readStored(ctx, taskID, 0, func(r io.Reader) (err error) {
			span, ok, err = follow.FindGap(r, g)
			return err
		})
		if done, err := c.storedFailed(taskID, prefix, err); done {
			return total, err
		}
		switch {
		case !ok:
			c.notify("%snote: the lines missing between %s and %s are not in Druid's stored log either (it does not hold the last line "+
				"printed before the gap followed by the first after it; Druid reads the log through the API after the container ended, "+
				"and that serves only the current file): they cannot be recovered", prefix, from, to)
			continue
		case span.Lines == 0:
			c.notify("%sno lines were missing between %s and %s: Druid's stored log has none between the last line printed before "+
				"the gap and the first after it", prefix, from, to)
			continue
		}
		c.notify("%s%d lines missing between %s and %s, from task-log storage:", prefix, span.Lines, from, to)
		err = c.readStored(ctx, taskID, span.Offset, func(r io.Reader) error {
			n, err := follow.CopyLines(markWrites(out), r, span.Lines, prefix, jb)
			total += n
			return err
		})
		if done, err := c.storedFailed(taskID, prefix, err); done {
			return total, err
		}
	}
	return total, nil
}
