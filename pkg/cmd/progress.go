package cmd

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// progress shows one status line on stderr while waiting: a spinner
// redrawn in place on a terminal, or a new line only when the text changes
// when stderr is a file or pipe.
type progress struct {
	out   io.Writer
	tty   bool
	mu    sync.Mutex
	text  string
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
}

func newProgress(out io.Writer) *progress {
	p := &progress{out: out, start: time.Now(), stop: make(chan struct{})}
	if termstyle.IsTerminal(out) {
		p.tty = true
		p.done.Add(1)
		go p.spin()
	}
	return p
}

// Set changes the status text.
func (p *progress) Set(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if text == p.text {
		return
	}
	p.text = text
	if !p.tty {
		fmt.Fprintln(p.out, "waiting: "+text)
	}
}

// Done clears the spinner line.
func (p *progress) Done() {
	close(p.stop)
	p.done.Wait()
	if p.tty {
		fmt.Fprint(p.out, "\r\033[K")
	}
}

func (p *progress) spin() {
	defer p.done.Done()
	frames := []string{"|", "/", "-", `\`}
	if termstyle.UTF8() {
		frames = strings.Split("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏", "")
	}
	tick := time.NewTicker(120 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		p.mu.Lock()
		fmt.Fprintf(p.out, "\r\033[K%s waiting %s: %s", frames[i%len(frames)],
			time.Since(p.start).Round(time.Second), p.text)
		p.mu.Unlock()
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

// statusOut is where a command's status lines go: stderr, unless quiet.
// A progress line (a spinner on a terminal) shows while a task is waited
// for; the next status line clears it.
type statusOut struct {
	errOut io.Writer
	quiet  bool
	mu     sync.Mutex
	p      *progress
}

// Notify prints one status line.
func (s *statusOut) Notify(format string, args ...any) {
	if s.quiet {
		return
	}
	s.stopProgress()
	fmt.Fprintf(s.errOut, format+"\n", args...)
}

// Progress shows the state of what is waited for.
func (s *statusOut) Progress(text string) {
	if s.quiet {
		return
	}
	s.mu.Lock()
	if s.p == nil {
		s.p = newProgress(s.errOut)
	}
	p := s.p
	s.mu.Unlock()
	p.Set(text)
}

// Close clears a progress line.
func (s *statusOut) Close() { s.stopProgress() }

func (s *statusOut) stopProgress() {
	s.mu.Lock()
	p := s.p
	s.p = nil
	s.mu.Unlock()
	if p != nil {
		p.Done()
	}
}
