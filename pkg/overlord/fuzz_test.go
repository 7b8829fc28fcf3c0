package overlord

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// FuzzTaskStatusDecoding feeds arbitrary bodies and status codes to the
// status call: it must never panic, a success always carries a status whose
// phase is one of the known ones, and no error ever shows the password.
func FuzzTaskStatusDecoding(f *testing.F) {
	f.Add(200, `{"task":"t","status":{"id":"t","statusCode":"SUCCESS","runnerStatusCode":"WAITING","duration":1,"location":{"host":null,"port":-1,"tlsPort":-1}}}`)
	f.Add(200, `{"task":"t","status":{"id":"t","status":"RUNNING","runnerStatusCode":"PENDING","createdTime":"2026-11-26T10:00:00.000Z"}}`)
	f.Add(404, `{"task":"t","status":null}`)
	f.Add(404, `{"kind":"Status","apiVersion":"v1","code":404}`)
	f.Add(200, `{"task":"t","status":null}`)
	f.Add(500, `<html>boom</html>`)
	f.Add(200, `{"task":1}`)
	var mu sync.Mutex
	var code int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		c, b := code, body
		mu.Unlock()
		w.WriteHeader(c)
		w.Write([]byte(b))
	}))
	f.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, BasicUser: "druid", BasicPassword: "fuzz-secret-pw"})
	if err != nil {
		f.Fatal(err)
	}
	known := map[Phase]bool{PhaseWaiting: true, PhasePending: true, PhaseRunning: true,
		PhaseSucceeded: true, PhaseFailed: true, PhaseUnknown: true}
	f.Fuzz(func(t *testing.T, status int, b string) {
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		mu.Lock()
		code, body = status, b
		mu.Unlock()
		st, err := c.TaskStatus(context.Background(), "t")
		if err != nil {
			if strings.Contains(err.Error(), "fuzz-secret-pw") {
				t.Fatalf("the password leaked into an error: %v", err)
			}
			return
		}
		if st.Status == nil || !known[st.Status.Phase()] {
			t.Fatalf("success without a known status: %+v", st)
		}
	})
}
