package overlordsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 6, 1, 10, 11, 12, 131e6, time.UTC)

func get(t *testing.T, url string, header http.Header) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestStatusShapes(t *testing.T) {
	s := New(Config{})
	s.Put(NewTask("pending", "index_kafka", "wiki", t0))
	s.Put(NewTask("running", "query_controller", "wiki", t0))
	s.Start("running", "10.0.0.7", "runningpod-abcde")
	s.Put(NewTask("done", "compact", "wiki", t0))
	s.Finish("done", Failed, "boom", 90*time.Second)
	base := Serve(t, s) + BasePath
	tests := []struct {
		id       string
		code     int
		wantBody []string
	}{
		{"pending", 200, []string{`"runnerStatusCode":"PENDING"`, `"host":null`, `"port":-1`, `"duration":-1`, `"errorMsg":null`,
			`"createdTime":"2024-06-01T10:11:12.131Z"`, `"queueInsertionTime":"1970-01-01T00:00:00.000Z"`}},
		{"running", 200, []string{`"runnerStatusCode":"RUNNING"`, `"host":"10.0.0.7"`, `"port":8100`, `"k8sPodName":"runningpod-abcde"`}},
		// A finished task the runner forgot reports WAITING: Druid's inconsistency.
		{"done", 200, []string{`"statusCode":"FAILED"`, `"status":"FAILED"`, `"runnerStatusCode":"WAITING"`, `"errorMsg":"boom"`, `"duration":90000`}},
		{"nope", 404, []string{`"task":"nope"`, `"status":null`}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			code, ctype, body := get(t, base+"/task/"+tt.id+"/status", nil)
			if code != tt.code || !strings.HasPrefix(ctype, "application/json") {
				t.Fatalf("status %d %s, want %d JSON: %s", code, ctype, tt.code, body)
			}
			for _, w := range tt.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
		})
	}
}

func TestLogOffsetsAndNotFoundTexts(t *testing.T) {
	log := "0123456789"
	tests := []struct {
		name    string
		cfg     Config
		running bool
		id      string
		query   string
		code    int
		want    string
	}{
		{"whole", Config{}, false, "t", "", 200, log},
		{"offset 0", Config{}, false, "t", "?offset=0", 200, log},
		{"from byte 4", Config{}, false, "t", "?offset=4", 200, "456789"},
		{"past the end", Config{}, false, "t", "?offset=10", 200, ""},
		{"last 3 bytes", Config{}, false, "t", "?offset=-3", 200, "789"},
		{"last more than all", Config{}, false, "t", "?offset=-99", 200, log},
		{"live task ignores offset", Config{LiveLogIgnoresOffset: true}, true, "t", "?offset=-3", 200, log},
		{"finished task honours offset", Config{LiveLogIgnoresOffset: true}, false, "t", "?offset=-3", 200, "789"},
		{"bad offset is 404 like JAX-RS", Config{}, false, "t", "?offset=x", 404, ""},
		{"no log, Druid 34", Config{}, false, "other", "", 404, LogNotFound34},
		{"no log, Druid 35", Config{Version: Druid35}, false, "other", "", 404, LogNotFound35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg)
			s.Put(NewTask("t", "index", "wiki", t0))
			if tt.running {
				s.Start("t", "10.0.0.1", "p")
			}
			s.SetLog("t", []byte(log))
			code, ctype, body := get(t, Serve(t, s)+BasePath+"/task/"+tt.id+"/log"+tt.query, nil)
			if code != tt.code || body != tt.want || !strings.HasPrefix(ctype, "text/plain") {
				t.Fatalf("got %d %q (%s), want %d %q", code, body, ctype, tt.code, tt.want)
			}
		})
	}
}

func TestListsByState(t *testing.T) {
	s := New(Config{})
	for i, id := range []string{"p1", "p2", "r1", "w1", "s1", "f1", "s2"} {
		ds := "wiki"
		if id == "s2" {
			ds = "other"
		}
		s.Put(NewTask(id, "index", ds, t0.Add(time.Duration(i)*time.Minute)))
	}
	s.Start("r1", "10.0.0.1", "pod")
	s.Update("w1", func(t *Task) { t.RunnerStatusCode = Waiting })
	s.Finish("s1", Success, "", time.Second)
	s.Finish("f1", Failed, "x", time.Second)
	s.Finish("s2", Success, "", time.Second)
	base := Serve(t, s) + BasePath
	tests := []struct {
		path string
		want []string
	}{
		{"/tasks?state=running", []string{"r1"}},
		{"/tasks?state=PENDING", []string{"p2", "p1"}},
		{"/tasks?state=waiting", []string{"w1"}},
		{"/tasks?state=complete", []string{"s2", "f1", "s1"}},
		{"/tasks?state=complete&max=2", []string{"s2", "f1"}},
		{"/tasks?state=complete&datasource=wiki", []string{"f1", "s1"}},
		{"/tasks", []string{"s2", "f1", "s1", "w1", "r1", "p2", "p1"}},
		{"/runningTasks", []string{"r1"}},
		{"/pendingTasks", []string{"p2", "p1"}},
		{"/waitingTasks", []string{"w1"}},
		{"/completeTasks?n=1", []string{"s2"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, _, body := get(t, base+tt.path, nil)
			if code != 200 {
				t.Fatalf("status %d: %s", code, body)
			}
			var got []struct{ ID, RunnerStatusCode string }
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, g := range got {
				ids = append(ids, g.ID)
				if strings.Contains(tt.path, "omplete") && g.RunnerStatusCode != None {
					t.Errorf("complete task %s has runnerStatusCode %s, want NONE", g.ID, g.RunnerStatusCode)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("ids %v, want %v", ids, tt.want)
			}
		})
	}
	code, _, body := get(t, base+"/tasks?state=done", nil)
	if code != 400 || !strings.Contains(body, "Invalid task state[done]") {
		t.Fatalf("invalid state: %d %q", code, body)
	}
}

func TestAuthentication(t *testing.T) {
	basic := func(u, p string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	tests := []struct {
		name   string
		cfg    Config
		header http.Header
		code   int
	}{
		{"open", Config{}, nil, 404},
		{"basic missing", Config{BasicUser: "u", BasicPassword: "p"}, nil, 401},
		{"basic wrong", Config{BasicUser: "u", BasicPassword: "p"}, basic("u", "x"), 401},
		{"basic right", Config{BasicUser: "u", BasicPassword: "p"}, basic("u", "p"), 404},
		{"bearer wrong", Config{BearerToken: "t"}, bearer("x"), 401},
		{"bearer right", Config{BearerToken: "t"}, bearer("t"), 404},
		{"basic where bearer wanted", Config{BearerToken: "t"}, basic("u", "t"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg)
			code, _, _ := get(t, Serve(t, s)+BasePath+"/task/x/status", tt.header)
			if code != tt.code {
				t.Fatalf("status %d, want %d", code, tt.code)
			}
			if r := s.Requests(); len(r) != 1 || r[0].Status != tt.code {
				t.Fatalf("requests %+v", r)
			}
		})
	}
}

func TestUnknownPathIsJettyHTML(t *testing.T) {
	code, ctype, _ := get(t, Serve(t, New(Config{}))+"/status/health", nil)
	if code != 404 || !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("got %d %s", code, ctype)
	}
}
