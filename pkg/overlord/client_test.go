package overlord

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// Documented shapes, as a Druid 28+ Overlord writes them.
const (
	runningJSON = `{"task":"query-abc123","status":{"id":"query-abc123","groupId":"query-abc123","type":"query_controller",
"createdTime":"2024-06-01T10:11:12.131Z","queueInsertionTime":"1970-01-01T00:00:00.000Z","statusCode":"RUNNING",
"status":"RUNNING","runnerStatusCode":"RUNNING","duration":-1,
"location":{"host":"10.1.2.3","port":8100,"tlsPort":-1,"k8sPodName":"queryabc123-a231684e224375f80c96f6832225c4a1-x7k2p"},
"dataSource":"wiki","errorMsg":null}}`
	finishedWaitingJSON = `{"task":"t","status":{"id":"t","groupId":"t","type":"index_kafka","createdTime":"2024-06-01T10:11:12.131Z",
"queueInsertionTime":"1970-01-01T00:00:00.000Z","statusCode":"FAILED","status":"FAILED","runnerStatusCode":"WAITING",
"duration":1234,"location":{"host":null,"port":-1,"tlsPort":-1},"dataSource":"wiki","errorMsg":"Peon did not report status successfully."}}`
	notFoundJSON = `{"task":"nope","status":null}`
)

func fixedServer(t *testing.T, code int, ctype, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTaskStatusDecodesDocumentedShapes(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		ctype     string
		body      string
		wantPhase Phase
		wantErr   any
	}{
		{"running", 200, "application/json", runningJSON, PhaseRunning, nil},
		{"finished but runner says WAITING", 200, "application/json", finishedWaitingJSON, PhaseFailed, nil},
		{"unknown task", 404, "application/json", notFoundJSON, "", new(*NotFoundError)},
		{"API server proxy 404 is not a task 404", 404, "application/json",
			`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"services \"x\" not found","code":404}`, "", new(*HTTPError)},
		{"jetty 404 page", 404, "text/html", "<html>Not Found</html>", "", new(*HTTPError)},
		{"leader election 503", 503, "text/plain", "", "", new(*HTTPError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := fixedServer(t, tt.code, tt.ctype, tt.body).TaskStatus(context.Background(), "query-abc123")
			if tt.wantErr != nil {
				if err == nil || !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %v, want %T", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Status.Phase(); got != tt.wantPhase {
				t.Fatalf("phase %s, want %s", got, tt.wantPhase)
			}
		})
	}
	st, _ := fixedServer(t, 200, "application/json", runningJSON).TaskStatus(context.Background(), "query-abc123")
	p := st.Status
	want := TaskStatusPlus{ID: "query-abc123", GroupID: "query-abc123", Type: "query_controller",
		CreatedTime: time.Date(2024, 6, 1, 10, 11, 12, 131e6, time.UTC), QueueInsertionTime: time.Unix(0, 0).UTC(),
		StatusCode: StatusRunning, Status: StatusRunning, RunnerStatusCode: RunnerRunning, Duration: -1,
		Location:   TaskLocation{Host: "10.1.2.3", Port: 8100, TLSPort: -1, K8sPodName: "queryabc123-a231684e224375f80c96f6832225c4a1-x7k2p"},
		DataSource: "wiki"}
	if !p.CreatedTime.Equal(want.CreatedTime) || !p.QueueInsertionTime.Equal(want.QueueInsertionTime) {
		t.Fatalf("times %v %v", p.CreatedTime, p.QueueInsertionTime)
	}
	p.CreatedTime, p.QueueInsertionTime = want.CreatedTime, want.QueueInsertionTime
	if *p != want {
		t.Fatalf("decoded\n%+v\nwant\n%+v", *p, want)
	}
}

func TestStatusInterpretation(t *testing.T) {
	tests := []struct {
		code                       StatusCode
		legacy                     StatusCode
		runner                     RunnerStatusCode
		finished, pending, running bool
		phase                      Phase
	}{
		{StatusRunning, "", RunnerWaiting, false, true, false, PhaseWaiting},
		{StatusRunning, "", RunnerPending, false, true, false, PhasePending},
		{StatusRunning, "", RunnerRunning, false, false, true, PhaseRunning},
		{StatusRunning, "", RunnerNone, false, false, false, PhaseUnknown},
		// Finished tasks may carry any runner code: statusCode decides.
		{StatusSuccess, "", RunnerWaiting, true, false, false, PhaseSucceeded},
		{StatusFailed, "", RunnerWaiting, true, false, false, PhaseFailed},
		{StatusSuccess, "", RunnerNone, true, false, false, PhaseSucceeded},
		{StatusFailed, "", RunnerRunning, true, false, false, PhaseFailed},
		{"", StatusSuccess, RunnerWaiting, true, false, false, PhaseSucceeded},
		{"PAUSED", "", RunnerRunning, false, false, false, PhaseUnknown},
	}
	for _, tt := range tests {
		t.Run(string(tt.code)+"+"+string(tt.runner), func(t *testing.T) {
			s := &TaskStatusPlus{StatusCode: tt.code, Status: tt.legacy, RunnerStatusCode: tt.runner}
			if s.Finished() != tt.finished || s.Pending() != tt.pending || s.Running() != tt.running || s.Phase() != tt.phase {
				t.Fatalf("finished=%t pending=%t running=%t phase=%s", s.Finished(), s.Pending(), s.Running(), s.Phase())
			}
		})
	}
}

func simClient(t *testing.T, cfg overlordsim.Config, opts Options) (*overlordsim.Sim, *Client) {
	t.Helper()
	s := overlordsim.New(cfg)
	opts.URL = overlordsim.Serve(t, s)
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestTaskLogOffsetsAndNoLog(t *testing.T) {
	const id = "query-1c1b3f36-worker0_0 with:odd chars"
	tests := []struct {
		name    string
		cfg     overlordsim.Config
		setLog  bool
		offset  int64
		want    string
		wantMsg string
	}{
		{"whole log", overlordsim.Config{}, true, 0, "line1\nline2\n", ""},
		{"from byte 6", overlordsim.Config{}, true, 6, "line2\n", ""},
		{"last 3 bytes", overlordsim.Config{}, true, -3, "e2\n", ""},
		{"no log on Druid 34", overlordsim.Config{}, false, 0, "", overlordsim.LogNotFound34},
		{"no log on Druid 35", overlordsim.Config{Version: overlordsim.Druid35}, false, -100, "", overlordsim.LogNotFound35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := simClient(t, tt.cfg, Options{})
			if tt.setLog {
				s.SetLog(id, []byte("line1\nline2\n"))
			}
			rc, err := c.TaskLog(context.Background(), id, tt.offset)
			if tt.wantMsg != "" {
				var nl *NoLogError
				if !errors.As(err, &nl) || nl.Message != tt.wantMsg || nl.TaskID != id {
					t.Fatalf("err = %#v, want NoLogError %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			if string(b) != tt.want {
				t.Fatalf("log %q, want %q", b, tt.want)
			}
		})
	}
}

func TestTasksByState(t *testing.T) {
	s, c := simClient(t, overlordsim.Config{}, Options{})
	t0 := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	s.Put(overlordsim.NewTask("a", "index_kafka", "wiki", t0))
	s.Put(overlordsim.NewTask("b", "compact", "wiki", t0.Add(time.Minute)))
	s.Put(overlordsim.NewTask("c", "kill", "other", t0.Add(2*time.Minute)))
	s.Start("a", "10.0.0.1", "apod")
	s.Finish("b", overlordsim.Success, "", time.Second)
	s.Finish("c", overlordsim.Failed, "x", time.Second)
	tests := []struct {
		state, ds string
		max       int
		want      string
	}{
		{"running", "", 0, "a"},
		{"complete", "", 0, "c,b"},
		{"complete", "", 1, "c"},
		{"complete", "wiki", 0, "b"},
		{"", "", 0, "c,b,a"},
		{"pending", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.state+"/"+tt.ds, func(t *testing.T) {
			got, err := c.Tasks(context.Background(), tt.state, tt.ds, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			if strings.Join(ids, ",") != tt.want {
				t.Fatalf("got %v, want %s", ids, tt.want)
			}
		})
	}
	if _, err := c.Tasks(context.Background(), "done", "", 0); err == nil {
		t.Fatal("invalid state accepted")
	}
	if n := len(s.Requests()); n != len(tests) {
		t.Fatalf("%d requests, want %d (an invalid state must not reach the server)", n, len(tests))
	}
}

func TestAuthHeadersReachTheOverlord(t *testing.T) {
	tests := []struct {
		name string
		cfg  overlordsim.Config
		opts Options
		ok   bool
	}{
		{"basic", overlordsim.Config{BasicUser: "admin", BasicPassword: "s3cret"}, Options{BasicUser: "admin", BasicPassword: "s3cret"}, true},
		{"bearer", overlordsim.Config{BearerToken: "tok"}, Options{BearerToken: "tok"}, true},
		{"missing", overlordsim.Config{BearerToken: "tok"}, Options{}, false},
		{"wrong password", overlordsim.Config{BasicUser: "admin", BasicPassword: "s3cret"}, Options{BasicUser: "admin", BasicPassword: "nope"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := simClient(t, tt.cfg, tt.opts)
			_, err := c.TaskStatus(context.Background(), "x")
			var nf *NotFoundError
			var he *HTTPError
			switch {
			case tt.ok && !errors.As(err, &nf):
				t.Fatalf("err = %v, want NotFoundError", err)
			case !tt.ok && (!errors.As(err, &he) || !he.Unauthorized()):
				t.Fatalf("err = %v, want 401", err)
			}
		})
	}
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantURL string
		wantErr string
	}{
		{"adds the base path", Options{URL: "http://overlord:8081"}, "http://overlord:8081/druid/indexer/v1", ""},
		{"keeps an explicit base path", Options{URL: "https://o:8281/druid/indexer/v1/"}, "https://o:8281/druid/indexer/v1", ""},
		{"keeps a path prefix", Options{URL: "https://gw/druid-prod"}, "https://gw/druid-prod/druid/indexer/v1", ""},
		{"credentials in URL", Options{URL: "http://admin:s3cret@o:8081"}, "", "must not contain credentials"},
		{"no scheme", Options{URL: "overlord:8081"}, "", "scheme"},
		{"empty", Options{}, "", "no URL"},
		{"both auth kinds", Options{URL: "http://o", BasicUser: "u", BasicPassword: "p", BearerToken: "t"}, "", "not both"},
		{"user without password", Options{URL: "http://o", BasicUser: "u"}, "", "both a user and a password"},
		{"missing CA file", Options{URL: "https://o", CAFile: "/nonexistent/ca.pem"}, "", "CA file"},
		{"TLS options with a transport", Options{URL: "https://o", Transport: http.DefaultTransport, InsecureSkipVerify: true}, "", "custom transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tt.wantURL {
				t.Fatalf("base %s, want %s", c.BaseURL(), tt.wantURL)
			}
		})
	}
}

func TestTLSVerificationIsOnByDefault(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		io.WriteString(w, notFoundJSON)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	strict, _ := New(Options{URL: srv.URL})
	if _, err := strict.TaskStatus(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed certificate accepted: %v", err)
	}
	loose, _ := New(Options{URL: srv.URL, InsecureSkipVerify: true})
	var nf *NotFoundError
	if _, err := loose.TaskStatus(context.Background(), "nope"); !errors.As(err, &nf) {
		t.Fatalf("--insecure: %v", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	trusted, err := New(Options{URL: srv.URL, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trusted.TaskStatus(context.Background(), "nope"); !errors.As(err, &nf) {
		t.Fatalf("--overlord-ca-file: %v", err)
	}
}
