package main

import (
	"bytes"
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

// procSpec is one measured run of a command.
type procSpec struct {
	argv []string
	env  []string // full environment of the child
	// killAtFirstByte kills the child as soon as its stdout delivered a byte (P1).
	killAtFirstByte bool
	// killAtBytes, if > 0, kills the child once that many stdout bytes arrived (time to last
	// byte of a stream that never ends by itself, e.g. stern's).
	killAtBytes int64
	// onFirstByte runs once, in its own goroutine, when the first stdout byte arrives.
	onFirstByte func()
	// timeout kills the child after this long (default 2 minutes).
	timeout time.Duration
	// sink, if set, receives every stdout byte (P9 checks the lines).
	sink io.Writer
}

// procResult is what one run measured. Durations count from just before fork/exec.
type procResult struct {
	firstByte time.Duration // first stdout byte; -1 if none
	lastByte  time.Duration // the last stdout byte read (or the killAtBytes-th byte)
	exit      time.Duration // process reaped
	bytes     int64         // stdout bytes
	user, sys time.Duration // CPU of the child (rusage)
	maxRSSKB  int64         // peak resident set size of the child in KiB (VmHWM, see peakRSS)
	exitCode  int           // -1 when killed by a signal
	killed    bool          // we killed it (first byte, killAtBytes or timeout)
	timedOut  bool
	stderr    string // at most the first 64 KiB
}

// cpu is user+sys CPU time.
func (r procResult) cpu() time.Duration { return r.user + r.sys }

// limitedBuffer keeps the first max bytes written to it and discards the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// runProc starts spec.argv, reads its stdout through a pipe (discarding the data, as a
// redirection to /dev/null would, but timing the first and last byte) and reaps it.
func runProc(spec procSpec) (procResult, error) {
	res := procResult{firstByte: -1}
	if spec.timeout == 0 {
		spec.timeout = 2 * time.Minute
	}
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Env = spec.env
	cmd.Stdin = nil
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
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
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("starting %s: %w", spec.argv[0], err)
	}
	timer := time.AfterFunc(spec.timeout, func() {
		mu.Lock()
		res.timedOut = true
		mu.Unlock()
		kill()
	})
	defer timer.Stop()
	reaped := make(chan struct{})
	peak := peakRSS(cmd.Process.Pid, reaped)

	buf := make([]byte, 256<<10)
	for {
		n, rerr := stdout.Read(buf)
		if n > 0 {
			now := time.Since(start)
			if res.bytes == 0 {
				res.firstByte = now
				if spec.killAtFirstByte {
					kill()
				}
				if spec.onFirstByte != nil {
					go spec.onFirstByte()
				}
			}
			res.bytes += int64(n)
			if spec.sink != nil {
				_, _ = spec.sink.Write(buf[:n])
			}
			if spec.killAtBytes <= 0 || res.bytes <= spec.killAtBytes || res.lastByte == 0 {
				res.lastByte = now
			}
			if spec.killAtBytes > 0 && res.bytes >= spec.killAtBytes {
				kill()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			_, _ = io.Copy(io.Discard, stdout)
			break
		}
	}
	werr := cmd.Wait()
	res.exit = time.Since(start)
	close(reaped)
	res.maxRSSKB = peak()
	mu.Lock()
	res.killed = killed
	mu.Unlock()
	res.stderr = stderr.String()
	if st := cmd.ProcessState; st != nil {
		res.user, res.sys = st.UserTime(), st.SystemTime()
		res.exitCode = st.ExitCode()
	}
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) {
		return res, werr
	}
	return res, nil
}

// childEnv is the environment of every measured command: ours, with HOME (and so kubectl's
// discovery cache ~/.kube/cache and stern's config) moved to a private directory.
func childEnv(home string) []string {
	env := []string{"HOME=" + home}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "KUBECONFIG=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// peakRSS follows the child's peak resident set size: VmHWM in /proc/PID/status, read every
// 10 ms until the child is reaped; the result function waits for the poller and returns KiB.
// rusage's maxrss cannot serve: on Linux a Go program starts children with vfork, and exec
// records the parent's own high-water mark in the child's, so every figure below the
// harness's own RSS (~31 MB) read as the harness's.
func peakRSS(pid int, reaped <-chan struct{}) func() int64 {
	var peak int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := fmt.Sprintf("/proc/%d/status", pid)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kb, ok := readHWM(path); ok && kb > peak {
				peak = kb
			}
			select {
			case <-reaped:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		<-done
		return peak
	}
}

// readHWM returns the VmHWM line of a /proc status file in KiB; ok is false once the process
// has exited (a zombie has no memory lines).
func readHWM(path string) (kb int64, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(line, "VmHWM:"); found {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
