package cmd

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestTuneRuntimeLeavesSettingsTheUserChose(t *testing.T) {
	procs, gc := runtime.GOMAXPROCS(0), debug.SetGCPercent(100)
	defer func() { runtime.GOMAXPROCS(procs); debug.SetGCPercent(gc) }()
	tests := []struct {
		name              string
		env               map[string]string
		wantProcs, wantGC int
	}{
		{"defaults", nil, maxProcs, gcPercent},
		{"GOMAXPROCS and GOGC set", map[string]string{"GOMAXPROCS": "3", "GOGC": "200"}, 3, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"GOMAXPROCS", "GOGC"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			// What the runtime would have read from the environment at start.
			runtime.GOMAXPROCS(3)
			debug.SetGCPercent(200)
			if len(tt.env) == 0 {
				runtime.GOMAXPROCS(2)
				debug.SetGCPercent(100)
			}
			TuneRuntime()
			if p, g := runtime.GOMAXPROCS(0), debug.SetGCPercent(100); p != tt.wantProcs || g != tt.wantGC {
				t.Fatalf("GOMAXPROCS %d, GC %d%%; want %d, %d%%", p, g, tt.wantProcs, tt.wantGC)
			}
		})
	}
}
