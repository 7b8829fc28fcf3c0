package main

import (
	"fmt"
	"time"
)

// P6's start-up table (issue 22): the plugin's package init used to build its API scheme for
// every command; it is now built on first use. `version` and `job-name` make no request and need
// no scheme; `follow` of a task that does not exist loads the kubeconfig, builds the client and
// makes its two requests (the Job GET and the label search), then exits 3. `curl --version` is the
// floor of a small static program on this machine.

// p6StartupNS is a namespace without tasks, where follow finds none.
const p6StartupNS = "bench-p6-startup"

// p6Startup times the start-up commands, alternately, b.opts.runs times each.
func (b *bench) p6Startup() {
	cmds := []struct {
		name string
		argv []string
		exit int
	}{
		{"plugin version", []string{b.tools.plugin, "version"}, 0},
		{"plugin job-name (no request)", []string{b.tools.plugin, "job-name", "index_kafka_wikipedia_0123456789abcde_abcdefgh"}, 0},
		{"plugin follow of a missing task (2 requests)", []string{b.tools.plugin, "--kubeconfig", b.kubeconfig, "follow",
			"query-does-not-exist", "-n", p6StartupNS}, 3},
		{"curl --version", []string{b.tools.curl, "--version"}, 0},
	}
	var vs []variant
	for _, c := range cmds {
		vs = append(vs, variant{name: c.name, run: func() (procResult, error) {
			res, err := runProc(procSpec{argv: c.argv, env: b.env, timeout: time.Minute})
			if err == nil && res.exitCode != c.exit {
				err = fmt.Errorf("exit code %d, want %d", res.exitCode, c.exit)
			}
			return res, err
		}})
	}
	b.res.p6Start = b.alternate("P6 start-up", b.opts.runs, true, vs)
}

// mdP6Startup is the start-up table.
func (r *results) mdP6Startup(p printer) {
	s := r.p6Start
	if len(s.order) == 0 {
		return
	}
	p("**P6 start-up** (wall time from exec to exit, %d runs each, alternating; the plugin's API scheme is built on first use, so `version` and `job-name` never build it)", r.opts.runs)
	p("")
	p("| command | median ms | min ms | max ms | runs (failed) |")
	p("|---|---:|---:|---:|---:|")
	for _, name := range s.order {
		d := of(s.runs[name], exitMS)
		p("| %s | %.0f | %.0f | %.0f | %d (%d) |", name, d.med, d.min, d.max, d.n, s.fails[name])
	}
	p("")
}
