package main

import (
	"fmt"
	"slices"
	"time"
)

// dist summarises a sample.
type dist struct {
	n             int
	med, min, max float64
}

// summarize returns the median, minimum and maximum of xs (the median of an even count is the
// mean of the two middle values).
func summarize(xs []float64) dist {
	if len(xs) == 0 {
		return dist{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	d := dist{n: len(s), min: s[0], max: s[len(s)-1]}
	if len(s)%2 == 1 {
		d.med = s[len(s)/2]
	} else {
		d.med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return d
}

// metric extracts one number from a run.
type metric func(procResult) float64

var (
	firstByteMS metric = func(r procResult) float64 { return ms(r.firstByte) }
	lastByteS   metric = func(r procResult) float64 { return r.lastByte.Seconds() }
	exitMS      metric = func(r procResult) float64 { return ms(r.exit) }
	cpuS        metric = func(r procResult) float64 { return r.cpu().Seconds() }
	rssMB       metric = func(r procResult) float64 { return float64(r.maxRSSKB) / 1024 }
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// of summarises metric m over runs.
func of(runs []procResult, m metric) dist {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = m(r)
	}
	return summarize(xs)
}

// ratio is a/b, or NaN when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return nan()
	}
	return a / b
}

func nan() float64 { var z float64; return z / z }

// fmtDist renders "median (min–max)" with the given verb, e.g. "%.0f".
func fmtDist(d dist, verb string) string {
	if d.n == 0 {
		return "n/a"
	}
	return fmt.Sprintf(verb+" ("+verb+"–"+verb+")", d.med, d.min, d.max)
}

// fmtRatio renders a ratio as "0.42×".
func fmtRatio(r float64) string {
	if r != r {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", r)
}

// verdict is "met" or "**missed**".
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
