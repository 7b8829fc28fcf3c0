package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// p6Run is one measured P6 run.
type p6Run struct {
	proc procResult
	// firstFirst and allFirst: process start → the first stream's first line, and → the moment
	// every stream had printed its first line.
	firstFirst, allFirst time.Duration
	lastLine             time.Duration // process start → the last expected line
	lines                int64         // stdout lines
	streams              int           // streams that printed their first line
	decoy                bool          // a line of a task of another datasource was printed
	audit                auditCount
}

// p6Run runs tool against batch once. Once every stream printed its first line, each task gets
// the body appended and Succeeds, so the test kubelet ends its stream once the log is drained:
// the plugin (--until-done) exits by itself when every task ended; stern, which never exits, is
// killed at the last expected line.
func (b *bench) p6Run(tool string, r *p6Result, batch p6Batch, logs p6Logs) (p6Run, error) {
	want := int64(len(batch.tasks)) * int64(logs.stats.lines)
	offset := auditSize(b.bed.AuditLog())
	var ending sync.WaitGroup
	run, err := runStreams(streamSpec{
		argv: b.p6Argv(tool, r, batch.ns), env: b.env, streams: len(batch.tasks), wantLines: want,
		killAtWant: tool == toolStern, timeout: 3 * time.Minute,
		onAllFirst: func() {
			sem := make(chan struct{}, 8)
			for _, task := range batch.tasks {
				ending.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					err := appendFile(task.LogPath(), logs.body)
					if err == nil {
						err = task.Succeed(b.ctx)
					}
					if err != nil {
						logf("P6: ending task %s: %v", task.Spec.TaskID, err)
					}
				})
			}
		},
	})
	ending.Wait() // no task update of this run may overlap the next run's set-up
	for _, task := range batch.tasks {
		_ = os.Truncate(task.LogPath(), 0) // ended and read: keep the disk use to one run's
	}
	if err != nil {
		return run, err
	}
	switch {
	case run.decoy:
		return run, errors.New("printed a line of a task of another datasource")
	case run.streams != len(batch.tasks):
		return run, fmt.Errorf("%d of %d streams printed a line (exit %d, timed out %v)", run.streams, len(batch.tasks), run.proc.exitCode, run.proc.timedOut)
	case run.lines != want:
		return run, fmt.Errorf("printed %d lines, want %d, each once (exit %d, timed out %v)", run.lines, want, run.proc.exitCode, run.proc.timedOut)
	case tool != toolStern && run.proc.exitCode != 0:
		return run, fmt.Errorf("exit code %d", run.proc.exitCode)
	}
	match := func(ua string) bool { return strings.HasPrefix(ua, pluginUserAgent) }
	if tool == toolStern {
		match = func(ua string) bool { return strings.HasPrefix(ua, "stern") }
	}
	run.audit, err = countAuditBy(b.bed.AuditLog(), offset, match)
	return run, err
}

// streamSpec is a run of a command that prints the lines of many streams.
type streamSpec struct {
	argv, env []string
	streams   int   // how many streams (slots 0..streams-1, named by p6Marker in their first line)
	wantLines int64 // lines expected in all
	// killAtWant kills the command at the wantLines-th line (a follower that never exits).
	killAtWant bool
	onAllFirst func() // called (in the reading goroutine) once every stream printed its first line
	timeout    time.Duration
}

// runStreams runs spec.argv, reads its stdout line by line (discarding it), notes when each
// stream's first line arrives, and measures CPU (rusage) and peak RSS (VmHWM, peakRSS).
func runStreams(spec streamSpec) (p6Run, error) {
	run := p6Run{proc: procResult{firstByte: -1}}
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Env = spec.env
	// Its own process group, killed as a whole: a child left behind would hold stdout open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return run, err
	}
	var (
		mu     sync.Mutex
		killed bool
	)
	kill := func() {
		mu.Lock()
		defer mu.Unlock()
		if !killed && cmd.Process != nil {
			killed = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run, fmt.Errorf("starting %s: %w", spec.argv[0], err)
	}
	timer := time.AfterFunc(spec.timeout, func() {
		mu.Lock()
		run.proc.timedOut = true
		mu.Unlock()
		kill()
	})
	defer timer.Stop()
	reaped := make(chan struct{})
	peak := peakRSS(cmd.Process.Pid, reaped)

	seen := make([]bool, spec.streams)
	marker, decoy := []byte(p6Marker), []byte(p6DecoyText)
	r := bufio.NewReaderSize(stdout, 256<<10)
	for {
		line, rerr := r.ReadSlice('\n')
		if len(line) > 0 {
			now := time.Since(start)
			if run.proc.bytes == 0 {
				run.proc.firstByte = now
			}
			run.proc.bytes += int64(len(line))
			if line[len(line)-1] == '\n' {
				run.lines++
				if run.lines == spec.wantLines {
					run.lastLine = now
					if spec.killAtWant {
						kill()
					}
				}
			}
			if run.streams < spec.streams {
				if i := bytes.Index(line, marker); i >= 0 && i+len(marker)+3 <= len(line) {
					slot, err := strconv.Atoi(string(line[i+len(marker) : i+len(marker)+3]))
					if err == nil && slot < spec.streams && !seen[slot] {
						seen[slot] = true
						run.streams++
						if run.streams == 1 {
							run.firstFirst = now
						}
						if run.streams == spec.streams {
							run.allFirst = now
							spec.onAllFirst()
						}
					}
				}
			}
			if bytes.Contains(line, decoy) {
				run.decoy = true
			}
		}
		if rerr == nil || errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		if rerr != io.EOF {
			_, _ = io.Copy(io.Discard, stdout)
		}
		break
	}
	werr := cmd.Wait()
	run.proc.exit = time.Since(start)
	run.proc.lastByte = run.lastLine
	close(reaped)
	run.proc.maxRSSKB = peak()
	mu.Lock()
	run.proc.killed = killed
	mu.Unlock()
	run.proc.stderr = stderr.String()
	if st := cmd.ProcessState; st != nil {
		run.proc.user, run.proc.sys = st.UserTime(), st.SystemTime()
		run.proc.exitCode = st.ExitCode()
	}
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) {
		return run, werr
	}
	return run, nil
}

// countAuditBy is countAudit for the requests of the user agents match accepts: it waits (up to
// 10 s) until every long-running request that started also completed and the count is stable.
func countAuditBy(path string, offset int64, match func(userAgent string) bool) (auditCount, error) {
	deadline := time.Now().Add(10 * time.Second)
	var last auditCount
	stableSince := time.Now()
	for {
		c, pending, err := readAuditBy(path, offset, match)
		if err != nil {
			return c, err
		}
		if c.requests != last.requests || c.started != last.started {
			stableSince = time.Now()
		}
		last = c
		if pending == 0 && time.Since(stableSince) >= 300*time.Millisecond {
			return c, nil
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("audit log: %d requests never completed", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readAuditBy is readAudit for the requests of the user agents match accepts.
func readAuditBy(path string, offset int64, match func(string) bool) (c auditCount, pending int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return c, 0, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return c, 0, err
	}
	c.kinds = map[string]int{}
	started, complete := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || !match(e.UserAgent) {
			continue
		}
		switch e.Stage {
		case "ResponseStarted":
			started[e.AuditID] = true
		case "ResponseComplete", "Panic":
			if !complete[e.AuditID] {
				complete[e.AuditID] = true
				c.requests++
				c.kinds[e.requestKind()]++
			}
		}
	}
	for id := range started {
		c.started++
		if !complete[id] {
			pending++
		}
	}
	return c, pending, sc.Err()
}
