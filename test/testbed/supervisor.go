package testbed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// SupervisorSpec describes a simulated Kafka or Kinesis supervisor rolling the tasks of one
// datasource: generation after generation of TaskCount tasks, each generation reading (writing
// Lines lines), then handing off (publishing) and ending, while or before the next one starts.
type SupervisorSpec struct {
	// Task is the template of every task: Namespace, DataSource, Type (default "index_kafka"; the
	// task IDs start with it), DruidVersion, Adapter, Node, NamePrefix, ContainerName, Labels,
	// Annotations. The TaskSpec defaults apply, so set Adapter to AdapterCustomTemplate for tasks
	// whose Jobs carry the druid.task.datasource label. TaskID is made per task like Druid's
	// ("index_kafka_<ds>_<hash>_<8 letters>"); GroupID defaults to "<type>_<ds>", as Druid's.
	Task TaskSpec
	// Generations is how many generations run one after another; default 3.
	Generations int
	// TaskCount is how many tasks each generation runs side by side (the supervisor's
	// taskCount); default 1.
	TaskCount int
	// Lines is how many lines a task writes while it reads, one every LineEvery; defaults 5 and
	// 100 ms. The first is written as soon as the task is RUNNING.
	Lines     int
	LineEvery time.Duration
	// Handoff > 0 overlaps the generations, as a real supervisor does: once a generation has
	// written its lines, the next one is started (RUNNING), and only then does this one publish
	// (a line), wait Handoff and end (a last line). Handoff == 0: a generation writes both lines
	// and ends first, and the next one starts Gap later.
	Handoff, Gap time.Duration
	// Manual makes every generation, after its lines, wait for Roll before it hands off and the
	// next one starts (the last one waits for Roll before it ends): a story decides when.
	Manual bool
	// ExitCode is the exit code of task i of generation g; nil or 0: the task Succeeds, else it
	// Fails with that code.
	ExitCode func(generation, i int) int32
}

// Supervisor is a running simulated supervisor (StartSupervisor).
type Supervisor struct {
	spec    SupervisorSpec
	cluster *Cluster
	started chan *Task
	roll    chan struct{}
	done    chan struct{}

	mu    sync.Mutex
	tasks []*Task
	lines map[*Task][]string
	err   error
}

func (s *SupervisorSpec) defaults() {
	if s.Task.Type == "" {
		s.Task.Type = "index_kafka"
	}
	if s.Task.DataSource == "" {
		s.Task.DataSource = "wikipedia"
	}
	if s.Task.GroupID == "" {
		s.Task.GroupID = s.Task.Type + "_" + s.Task.DataSource
	}
	if s.Generations <= 0 {
		s.Generations = 3
	}
	if s.TaskCount <= 0 {
		s.TaskCount = 1
	}
	if s.Lines <= 0 {
		s.Lines = 5
	}
	if s.LineEvery <= 0 {
		s.LineEvery = 100 * time.Millisecond
	}
}

// StartSupervisor starts the first generation of spec in cluster c and returns once its tasks
// are RUNNING and have written their first line; the rest runs in the background, bounded by ctx
// (cancelling it stops the supervisor and Wait reports the error). Tasks are never deleted.
func (c *Cluster) StartSupervisor(ctx context.Context, spec SupervisorSpec) (*Supervisor, error) {
	spec.defaults()
	n := spec.Generations * spec.TaskCount
	s := &Supervisor{spec: spec, cluster: c, started: make(chan *Task, n), roll: make(chan struct{}, spec.Generations),
		done: make(chan struct{}), lines: map[*Task][]string{}}
	first, err := s.startGeneration(ctx, 0)
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(s.done)
		defer close(s.started)
		if err := s.run(ctx, 0, first); err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// run lets generation g (tasks) read, roll and end, and the following generations after it.
func (s *Supervisor) run(ctx context.Context, g int, tasks []*Task) error {
	for {
		for n := 2; n <= s.spec.Lines; n++ {
			if err := sleep(ctx, s.spec.LineEvery); err != nil {
				return err
			}
			if err := s.writeAll(tasks, func(i int) string { return s.line(g, i, fmt.Sprintf("read line %d", n)) }); err != nil {
				return err
			}
		}
		if s.spec.Manual {
			select {
			case <-s.roll:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		last := g == s.spec.Generations-1
		var next []*Task
		var err error
		if !last && s.spec.Handoff > 0 {
			if next, err = s.startGeneration(ctx, g+1); err != nil {
				return err
			}
		}
		if err := s.end(ctx, g, tasks); err != nil {
			return err
		}
		if last {
			return nil
		}
		if next == nil {
			if err := sleep(ctx, s.spec.Gap); err != nil {
				return err
			}
			if next, err = s.startGeneration(ctx, g+1); err != nil {
				return err
			}
		}
		g, tasks = g+1, next
	}
}

// startGeneration creates the tasks of generation g, makes them RUNNING and writes their first
// line.
func (s *Supervisor) startGeneration(ctx context.Context, g int) ([]*Task, error) {
	tasks := make([]*Task, s.spec.TaskCount)
	for i := range tasks {
		spec := s.spec.Task
		spec.TaskID = s.taskID(g, i)
		t, err := s.cluster.CreateTask(ctx, spec)
		if err != nil {
			return nil, err
		}
		tasks[i] = t
	}
	for _, t := range tasks {
		if err := t.SetRunning(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.writeAll(tasks, func(i int) string { return s.line(g, i, "read line 1") }); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tasks = append(s.tasks, tasks...)
	s.mu.Unlock()
	for _, t := range tasks {
		s.started <- t
	}
	return tasks, nil
}

// end hands generation g off: a publishing line, Handoff, a last line, then each task's exit.
func (s *Supervisor) end(ctx context.Context, g int, tasks []*Task) error {
	if err := s.writeAll(tasks, func(i int) string { return s.line(g, i, "publishing segments") }); err != nil {
		return err
	}
	if err := sleep(ctx, s.spec.Handoff); err != nil {
		return err
	}
	if err := s.writeAll(tasks, func(i int) string { return s.line(g, i, "handed off, exiting") }); err != nil {
		return err
	}
	for i, t := range tasks {
		var code int32
		if s.spec.ExitCode != nil {
			code = s.spec.ExitCode(g, i)
		}
		var err error
		if code == 0 {
			err = t.Succeed(ctx)
		} else {
			err = t.Fail(ctx, code)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// line is the text of a log line of task i of generation g: unique within the supervisor.
func (s *Supervisor) line(g, i int, what string) string {
	return fmt.Sprintf("INFO [task-runner-0-priority-0] org.apache.druid.indexing.seekablestream.SeekableStreamIndexTaskRunner - %s generation %d task %d: %s",
		s.spec.Task.DataSource, g, i, what)
}

func (s *Supervisor) writeAll(tasks []*Task, text func(i int) string) error {
	for i, t := range tasks {
		l := text(i)
		if err := t.AppendLog(l); err != nil {
			return err
		}
		s.mu.Lock()
		s.lines[t] = append(s.lines[t], l)
		s.mu.Unlock()
	}
	return nil
}

// taskID is Druid's ID of a supervisor's task: "<type>_<datasource>_<15 hex of the sequence's
// hash>_<8 random letters>".
func (s *Supervisor) taskID(g, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d/%d/%d", s.spec.Task.Namespace, s.spec.Task.DataSource, g, i, time.Now().UnixNano()))
	suffix := make([]byte, 8)
	for j := range suffix {
		suffix[j] = byte('a' + rand.IntN(26))
	}
	return fmt.Sprintf("%s_%s_%s_%s", s.spec.Task.Type, s.spec.Task.DataSource, hex.EncodeToString(sum[:])[:15], suffix)
}

// Roll lets the generation waiting in Manual mode hand off (and the next one start); a Roll
// before it waits is kept for it. Without Manual it does nothing.
func (s *Supervisor) Roll() {
	select {
	case s.roll <- struct{}{}:
	default:
	}
}

// Started receives every task once it is RUNNING with its first line written, in start order;
// it is closed when the supervisor has ended.
func (s *Supervisor) Started() <-chan *Task { return s.started }

// Tasks are the tasks started so far, in start order (generation by generation).
func (s *Supervisor) Tasks() []*Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Task(nil), s.tasks...)
}

// Lines are the lines task t has written so far, in order, as `kubectl logs` prints them.
func (s *Supervisor) Lines(t *Task) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines[t]...)
}

// Done is closed once every generation has ended (or the supervisor failed).
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Wait waits until every generation has ended and returns the first error, if any.
func (s *Supervisor) Wait() error {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
