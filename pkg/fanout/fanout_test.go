package fanout

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEachKeepsOrderAndErrorsApart(t *testing.T) {
	targets := []string{"a", "down", "c"}
	start := time.Now()
	rs := Each(context.Background(), targets, func(_ context.Context, tgt string) (string, error) {
		time.Sleep(50 * time.Millisecond)
		if tgt == "down" {
			return "", errors.New("connection refused")
		}
		return "rows of " + tgt, nil
	})
	if time.Since(start) > 2*time.Second {
		t.Fatal("the targets did not run concurrently")
	}
	if rs[0].Value != "rows of a" || rs[1].Err == nil || rs[2].Value != "rows of c" || rs[1].Target != "down" {
		t.Fatalf("results %+v", rs)
	}
	if len(Succeeded(rs)) != 2 || len(Failed(rs)) != 1 {
		t.Fatalf("succeeded %d, failed %d", len(Succeeded(rs)), len(Failed(rs)))
	}
}
