package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/taskfollow"
)

func TestClassifyGivesEveryErrorItsExitCode(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods/log"}
	tests := []struct {
		name     string
		err      error
		code     int
		contains string
	}{
		{"invalid task ID", druid.ValidateTaskID(""), exitcode.Usage, "invalid task ID: it is empty"},
		{"not found", &locate.NotFoundError{TaskID: "t", Namespace: "druid",
			Tried: []druid.Candidate{{Name: "t-abc", Rule: druid.RuleDruid28}}}, exitcode.NotFound, "Tried Job names: t-abc (druid-28+)"},
		{"not found without peon jobs", &locate.NotFoundError{TaskID: "t", Namespace: "x"}, exitcode.NotFound, "no Druid peon Jobs"},
		{"ambiguous", &locate.AmbiguousError{TaskID: "t", Namespaces: []string{"a", "b"}}, exitcode.Usage, "choose one with -n"},
		{"forbidden", apierrors.NewForbidden(gr, "p", errors.New(`User "bob" cannot get resource "pods/log"`)), exitcode.Forbidden, `cannot get resource "pods/log"`},
		{"unauthorized", apierrors.NewUnauthorized("expired"), exitcode.Forbidden, "401"},
		{"wrapped forbidden", fmt.Errorf("open: %w", apierrors.NewForbidden(gr, "p", errors.New("no"))), exitcode.Forbidden, "permission denied"},
		{"gave up", &follow.GaveUpError{Attempts: 10, Err: errors.New("EOF")}, exitcode.Error, "10 times in a row"},
		{"timeout", context.DeadlineExceeded, exitcode.Error, "timed out"},
		{"too many requests", apierrors.NewTooManyRequests("slow down", 1), exitcode.Error, "429"},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, exitcode.Error, "cannot reach the API server"},
		{"already coded", exitcode.New(exitcode.Misconfigured, "no main", nil), exitcode.Misconfigured, "no main"},
		{"the Overlord refuses the credentials", &taskfollow.OverlordError{Overlord: "https://overlord:8281",
			Err: &overlord.HTTPError{Method: "GET", URL: "https://overlord:8281/x", StatusCode: 401, Body: "Unauthorized"}},
			exitcode.Forbidden, "the Overlord https://overlord:8281 refused the credentials (401)"},
		{"the Overlord is unreachable, not the API server", &taskfollow.OverlordError{Overlord: "https://overlord:8281",
			Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, exitcode.Error, "cannot reach the Overlord https://overlord:8281"},
		{"a pod on the command line does not exist", &locate.ObjectNotFoundError{Kind: druid.RefPod, Name: "p", Namespace: "druid"},
			exitcode.NotFound, `pod "p" not found in namespace druid`},
		{"a pod that is no peon", &locate.NotPeonError{Kind: druid.RefPod, Name: "web", Namespace: "druid"}, exitcode.NotFound, "is not a Druid peon"},
		{"anything else", errors.New("boom\nsecond line"), exitcode.Error, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(tt.err)
			code, ok := exitcode.CodeOf(err)
			if !ok || code != tt.code || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("classify = %d %q, want %d containing %q", code, err, tt.code, tt.contains)
			}
			if strings.Contains(err.Error(), "second line") {
				t.Fatalf("unexpected errors must be one line: %q", err)
			}
		})
	}
}

func TestFollowValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*FollowOptions)
		wantErr string
	}{
		{"defaults", func(*FollowOptions) {}, ""},
		{"since and since-time", func(o *FollowOptions) { o.Since = 5; o.SinceTime = "2026-01-01T00:00:00Z" }, "cannot be used together"},
		{"negative tail", func(o *FollowOptions) { o.Tail = -5 }, "--tail must be -1"},
		{"bad since-time", func(o *FollowOptions) { o.SinceTime = "yesterday" }, "not an RFC3339 time"},
		{"negative timeout", func(o *FollowOptions) { o.Timeout = -1 }, "--timeout"},
		{"no reconnects", func(o *FollowOptions) { o.MaxReconnects = 0 }, "--max-reconnects"},
		{"empty container", func(o *FollowOptions) { o.task.Container = "" }, "--container"},
		{"good since-time", func(o *FollowOptions) { o.SinceTime = "2026-01-01T00:00:00.5Z" }, ""},
		{"-o json", func(o *FollowOptions) { o.Output = "json" }, ""},
		{"-o yaml", func(o *FollowOptions) { o.Output = "yaml" }, `unknown output format "yaml"`},
		{"-o json with --timestamps", func(o *FollowOptions) { o.Output, o.Timestamps = "json", true }, "do not go with it"},
		{"--no-follow with --wait", func(o *FollowOptions) { o.NoFollow, o.Wait = true, true }, "--no-follow"},
		{"a selection", func(o *FollowOptions) { o.sel.DataSource, o.sel.UntilDone = "wiki", true }, ""},
		{"a selection with --group", func(o *FollowOptions) { o.sel.Type, o.Group = "index_kafka", true }, "do not go with --group"},
		{"a bad -l", func(o *FollowOptions) { o.sel.Selector = "a==b=c" }, "invalid -l"},
		{"--max-log-requests 0", func(o *FollowOptions) { o.sel.DataSource, o.sel.MaxLogRequests = "wiki", 0 }, "--max-log-requests must be at least 1"},
		{"--until-done alone", func(o *FollowOptions) { o.sel.UntilDone = true }, "goes with a selection"},
		{"a bad --include", func(o *FollowOptions) { o.filter.Include = []string{"("} }, "is not a regular expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &FollowOptions{Globals: &Globals{IOStreams: genericiooptions.IOStreams{Out: io.Discard, ErrOut: io.Discard}},
				Tail: -1, MaxReconnects: 10, Output: "raw", task: taskFlags{Container: "main"},
				sel: selectionFlags{MaxLogRequests: defaultMaxLogRequests}}
			tt.mutate(o)
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if code, _ := exitcode.CodeOf(err); code != exitcode.Usage || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v (code %d), want usage error containing %q", err, code, tt.wantErr)
			}
		})
	}
}
