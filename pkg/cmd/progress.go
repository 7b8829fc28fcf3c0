package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
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
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
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
	if utf8Terminal() {
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

// utf8Terminal reports whether the locale says the terminal speaks UTF-8.
func utf8Terminal() bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			s = strings.ToLower(s)
			return strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")
		}
	}
	return false
}
