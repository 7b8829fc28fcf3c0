package listwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

func pod(name, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: rv}}
}

// step is one scripted API answer: a LIST page, or a WATCH that sends
// events and then closes (or fails to open).
type step struct {
	items []runtime.Object
	rv    string
	cont  string
	err   error
	// watch only: events sent, then the watch closes unless open is set.
	events []watch.Event
	open   bool
}

// script answers LIST and WATCH calls from two queues and records every
// call's options; an exhausted queue blocks until the test's context ends.
type script struct {
	mu      sync.Mutex
	lists   []step
	watches []step
	calls   []string
}

func (s *script) list(ctx context.Context, o metav1.ListOptions) ([]runtime.Object, string, string, error) {
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf("LIST limit=%d continue=%q", o.Limit, o.Continue))
	if len(s.lists) == 0 {
		s.mu.Unlock()
		<-ctx.Done()
		return nil, "", "", ctx.Err()
	}
	st := s.lists[0]
	s.lists = s.lists[1:]
	s.mu.Unlock()
	return st.items, st.rv, st.cont, st.err
}

func (s *script) watch(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	s.mu.Lock()
	s.calls = append(s.calls, "WATCH rv="+o.ResourceVersion)
	if len(s.watches) == 0 {
		s.mu.Unlock()
		w := watch.NewFake()
		return w, nil // stays open until Stop
	}
	st := s.watches[0]
	s.watches = s.watches[1:]
	s.mu.Unlock()
	if st.err != nil {
		return nil, st.err
	}
	w := watch.NewFakeWithChanSize(len(st.events), false)
	for _, ev := range st.events {
		w.Action(ev.Type, ev.Object)
	}
	if !st.open {
		w.Stop()
	}
	return w, nil
}

func (s *script) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func gone() error {
	return apierrors.NewResourceExpired("too old resource version")
}

func unavailable() error {
	return apierrors.NewServiceUnavailable("etcd is restarting")
}

func expiredEvent() watch.Event {
	st := apierrors.NewResourceExpired("too old").Status()
	return watch.Event{Type: watch.Error, Object: &st}
}

// recorder keeps what the callbacks saw, in order.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	r.mu.Unlock()
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func names(items []runtime.Object) string {
	var n []string
	for _, o := range items {
		n = append(n, o.(*corev1.Pod).Name)
	}
	return strings.Join(n, ",")
}

func TestRunListsWatchesAndRecovers(t *testing.T) {
	tests := []struct {
		name      string
		startRV   string
		noOnList  bool
		lists     []step
		watches   []step
		wantCalls []string
		wantSeen  []string
	}{
		{
			name:  "pages, then watches from the listing's version",
			lists: []step{{items: []runtime.Object{pod("a", "")}, rv: "10", cont: "c1"}, {items: []runtime.Object{pod("b", "")}, rv: "10"}},
			watches: []step{{open: true, events: []watch.Event{
				{Type: watch.Added, Object: pod("c", "11")},
				{Type: watch.Bookmark, Object: pod("", "12")},
				{Type: watch.Deleted, Object: pod("a", "13")}}}},
			wantCalls: []string{`LIST limit=500 continue=""`, `LIST limit=500 continue="c1"`, "WATCH rv=10"},
			wantSeen:  []string{"list a,b", "ADDED c", "DELETED a"},
		},
		{
			name:      "a closed watch resumes from the last version seen, bookmarks included",
			lists:     []step{{items: []runtime.Object{pod("a", "")}, rv: "10"}},
			watches:   []step{{events: []watch.Event{{Type: watch.Modified, Object: pod("a", "11")}, {Type: watch.Bookmark, Object: pod("", "15")}}}, {open: true}},
			wantCalls: []string{`LIST limit=500 continue=""`, "WATCH rv=10", "WATCH rv=15"},
			wantSeen:  []string{"list a", "MODIFIED a"},
		},
		{
			name:      "an expired watch (410 on open) is replaced by a fresh listing",
			startRV:   "5",
			lists:     []step{{items: []runtime.Object{pod("x", "")}, rv: "20"}},
			watches:   []step{{err: gone()}, {open: true}},
			wantCalls: []string{"WATCH rv=5", `LIST limit=500 continue=""`, "WATCH rv=20"},
			wantSeen:  []string{"list x"},
		},
		{
			name:      "an expired watch (watch.Error event) is replaced by a fresh listing",
			lists:     []step{{rv: "1"}, {items: []runtime.Object{pod("y", "")}, rv: "30"}},
			watches:   []step{{events: []watch.Event{expiredEvent()}}, {open: true}},
			wantCalls: []string{`LIST limit=500 continue=""`, "WATCH rv=1", `LIST limit=500 continue=""`, "WATCH rv=30"},
			wantSeen:  []string{"list ", "list y"},
		},
		{
			name:      "failed LISTs and WATCHes are retried: an API server restart",
			lists:     []step{{err: unavailable()}, {err: errors.New("connection refused")}, {items: []runtime.Object{pod("a", "")}, rv: "7"}},
			watches:   []step{{err: errors.New("connection refused")}, {open: true}},
			wantCalls: []string{`LIST limit=500 continue=""`, `LIST limit=500 continue=""`, `LIST limit=500 continue=""`, "WATCH rv=7", "WATCH rv=7"},
			wantSeen:  []string{"failure 1", "failure 2", "recovered", "list a", "failure 1", "recovered"},
		},
		{
			name:      "without OnList a listing fetches one item, for its version",
			noOnList:  true,
			lists:     []step{{items: []runtime.Object{pod("a", "")}, rv: "9", cont: "more"}},
			watches:   []step{{open: true}},
			wantCalls: []string{`LIST limit=1 continue=""`, "WATCH rv=9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{lists: tt.lists, watches: tt.watches}
			rec := &recorder{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := Config{List: s.list, Watch: s.watch, ResourceVersion: tt.startRV,
				MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
				OnEvent:   func(ev watch.Event) { rec.add(string(ev.Type) + " " + ev.Object.(*corev1.Pod).Name) },
				OnFailure: func(err error, n int, _ time.Duration) { rec.add(fmt.Sprintf("failure %d", n)) },
				OnRecover: func() { rec.add("recovered") },
			}
			if !tt.noOnList {
				cfg.OnList = func(items []runtime.Object) { rec.add("list " + names(items)) }
			}
			done := make(chan error, 1)
			go func() { done <- Run(ctx, cfg) }()
			deadline := time.Now().Add(5 * time.Second)
			for len(s.log()) < len(tt.wantCalls) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond) // callbacks of the last call, and no extra calls
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			if got := s.log(); strings.Join(got, "\n") != strings.Join(tt.wantCalls, "\n") {
				t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
			}
			if got := rec.get(); strings.Join(got, "|") != strings.Join(tt.wantSeen, "|") {
				t.Fatalf("callbacks: %q, want %q", got, tt.wantSeen)
			}
		})
	}
}

func TestRunStopsOnARefusal(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *script
	}{
		{"list forbidden", &script{lists: []step{{err: apierrors.NewForbidden(schema.GroupResource{Resource: "jobs"}, "", errors.New("no"))}}}},
		{"watch unauthorized twice in a row", &script{lists: []step{{rv: "1"}}, watches: []step{
			{err: apierrors.NewUnauthorized("expired token")}, {err: apierrors.NewUnauthorized("expired token")}}}},
		{"list unauthorized twice in a row", &script{lists: []step{
			{err: apierrors.NewUnauthorized("expired token")}, {err: apierrors.NewUnauthorized("expired token")}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Run(ctx, Config{List: tt.s.list, Watch: tt.s.watch, OnList: func([]runtime.Object) {}})
			if !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) {
				t.Fatalf("Run = %v, want the refusal", err)
			}
		})
	}
}

// A bearer token read from a file or an exec plugin is replaced while a
// long follow watches; client-go drops its cached token after a 401, so the
// request after one 401 carries the new token. One 401 is retried.
func TestRunRetriesOneUnauthorized(t *testing.T) {
	s := &script{
		lists:   []step{{items: []runtime.Object{pod("a", "1")}, rv: "1"}},
		watches: []step{{err: apierrors.NewUnauthorized("token replaced")}, {events: []watch.Event{{Type: watch.Added, Object: pod("b", "2")}}, open: true}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{List: s.list, Watch: s.watch, MinBackoff: time.Millisecond, OnList: func([]runtime.Object) {},
			OnEvent: func(ev watch.Event) { got <- ev.Object.(*corev1.Pod).Name }})
	}()
	select {
	case name := <-got:
		if name != "b" {
			t.Fatalf("event for %s, want b", name)
		}
	case err := <-done:
		t.Fatalf("Run = %v, want it to retry the 401 once and go on watching", err)
	}
	cancel()
	<-done
}

func TestBackoffDoublesAndIsCapped(t *testing.T) {
	s := &script{}
	for i := 0; i < 6; i++ {
		s.lists = append(s.lists, step{err: unavailable()})
	}
	var waits []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{List: s.list, Watch: s.watch, OnList: func([]runtime.Object) {},
		MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		OnFailure: func(_ error, n int, d time.Duration) {
			waits = append(waits, d)
			if n == 6 {
				cancel()
			}
		}}
	_ = Run(ctx, cfg)
	want := []time.Duration{1, 2, 4, 4, 4, 4}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
}

// TestRunPollsWhenTheWatchIsRefused: a caller that may list but not watch
// (RBAC without watch: 403; a proxy that refuses watches: 405) is served
// by listings at PollEvery, told once; a LIST refused too ends Run.
func TestRunPollsWhenTheWatchIsRefused(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New(`cannot watch resource "pods"`))
	for _, tt := range []struct {
		name    string
		refusal error
	}{
		{"403 on WATCH", forbidden},
		{"405 on WATCH", apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods"}, "watch")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{
				lists: []step{{items: []runtime.Object{pod("a", "")}, rv: "1"}, {items: []runtime.Object{pod("a", ""), pod("b", "")}, rv: "2"},
					{err: unavailable()}, {items: []runtime.Object{pod("b", "")}, rv: "3"}, {err: forbidden}},
				watches: []step{{err: tt.refusal}},
			}
			rec := &recorder{}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Run(ctx, Config{List: s.list, Watch: s.watch, PollEvery: time.Millisecond,
				MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
				OnList:    func(items []runtime.Object) { rec.add("list " + names(items)) },
				OnPoll:    func(err error) { rec.add("polling: " + err.Error()) },
				OnFailure: func(error, int, time.Duration) { rec.add("failure") },
			})
			if !apierrors.IsForbidden(err) {
				t.Fatalf("Run = %v, want the LIST's refusal", err)
			}
			want := []string{"list a", "polling: " + tt.refusal.Error(), "list a,b", "failure", "list b"}
			if got := rec.get(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("callbacks: %q, want %q", got, want)
			}
			list := `LIST limit=500 continue=""`
			wantCalls := []string{list, "WATCH rv=1", list, list, list, list} // no WATCH once polling
			if got := s.log(); strings.Join(got, "\n") != strings.Join(wantCalls, "\n") {
				t.Fatalf("calls:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// TestRunWithoutPollingReturnsAWatchRefusal: 405 is a refusal like 403;
// without PollEvery, Run returns it.
func TestRunWithoutPollingReturnsAWatchRefusal(t *testing.T) {
	s := &script{lists: []step{{rv: "1"}}, watches: []step{{err: apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods"}, "watch")}}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Run(ctx, Config{List: s.list, Watch: s.watch, OnList: func([]runtime.Object) {}}); !apierrors.IsMethodNotSupported(err) {
		t.Fatalf("Run = %v, want the 405", err)
	}
}
