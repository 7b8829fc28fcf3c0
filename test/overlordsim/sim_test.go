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

func TestLeaderPropertiesAndRequestLog(t *testing.T) {
	var logged []Record
	s := New(Config{Version: Druid36, LeaderURL: "http://10.244.0.15:8090", Properties: map[string]string{"druid.indexer.runner.type": "k8s"},
		RequestLog: func(r Record) { logged = append(logged, r) }})
	base := Serve(t, s)
	tests := []struct {
		path, ctype string
		code        int
		body        string
	}{
		{BasePath + "/leader", "text/plain", 200, "http://10.244.0.15:8090"},
		{BasePath + "/isLeader", "application/json", 200, `{"leader":true}`},
		{"/status/properties", "application/json", 200, `{"druid.indexer.runner.type":"k8s"}`},
		{BasePath + "/task/nope/log?offset=-8192", "text/plain", 404, LogNotFound35},
	}
	for _, tt := range tests {
		code, ctype, body := get(t, base+tt.path, nil)
		if code != tt.code || strings.TrimSpace(body) != tt.body || !strings.HasPrefix(ctype, tt.ctype) {
			t.Errorf("%s: %d %s %q, want %d %s %q", tt.path, code, ctype, body, tt.code, tt.ctype, tt.body)
		}
	}
	if len(logged) != len(tests) {
		t.Fatalf("request log %+v", logged)
	}
	want := "127.0.0.1 GET " + base + BasePath + "/task/nope/log?offset=-8192 HTTP/1.1 404"
	if l := logged[3]; l.Message != want || l.Level != "DEBUG" || l.Class != RequestLogLogger || !strings.HasPrefix(l.Thread, "qtp") {
		t.Fatalf("request log line %+v, want %q", l, want)
	}
	checkStock(t, Druid36, logged[3])

	f := New(Config{Follower: true, PropertiesForbidden: true})
	fb := Serve(t, f)
	if code, _, body := get(t, fb+BasePath+"/isLeader", nil); code != 404 || strings.TrimSpace(body) != `{"leader":false}` {
		t.Errorf("follower isLeader %d %q", code, body)
	}
	if code, _, body := get(t, fb+BasePath+"/leader", nil); code != 200 || body != fb {
		t.Errorf("default leader %d %q, want %q", code, body, fb)
	}
	if code, _, _ := get(t, fb+"/status/properties", nil); code != 403 {
		t.Errorf("forbidden properties %d", code)
	}
}

func TestLifecycleDrivesTheRunnerStatus(t *testing.T) {
	s := New(Config{Version: Druid36})
	for _, id := range []string{"queued", "pending", "running", "done"} {
		s.Put(NewTask(id, "index_kafka", "wiki", t0))
	}
	loc := Location{Host: "10.244.1.2", Port: 8100, TLSPort: -1, K8sPodName: "pod-x"}
	s.SetLifecycle("pending", LifecyclePending, Location{})
	s.SetLifecycle("running", LifecycleRunning, loc)
	s.SetLifecycle("done", LifecycleRunning, loc)
	s.Finish("done", Success, "", 3*time.Second)
	base := Serve(t, s) + BasePath
	for path, want := range map[string]string{"/pendingTasks": "pending,queued", "/runningTasks": "running", "/completeTasks": "done", "/waitingTasks": ""} {
		_, _, body := get(t, base+path, nil)
		var got []struct{ ID string }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		if strings.Join(ids, ",") != want {
			t.Errorf("%s: %v, want %s", path, ids, want)
		}
	}
	// A finished task: WAITING and the location stored at completion.
	_, _, body := get(t, base+"/task/done/status", nil)
	for _, w := range []string{`"statusCode":"SUCCESS"`, `"runnerStatusCode":"WAITING"`, `"host":"10.244.1.2"`, `"k8sPodName":"pod-x"`, `"duration":3000`} {
		if !strings.Contains(body, w) {
			t.Errorf("done lacks %s: %s", w, body)
		}
	}
	if tk, _ := s.Task("queued"); tk.Lifecycle != LifecycleNotStarted || tk.RunnerStatusCode != Pending {
		t.Errorf("queued %+v", tk)
	}
}
