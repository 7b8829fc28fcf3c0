package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// policySuffix names a container's rotation policy file: LOGS/NS/POD/CONTAINER.rotation.
const policySuffix = ".rotation"

// DefaultRotateInterval is how often the server looks at the sizes of rotated logs. The kubelet
// looks every 10 s (containerLogMonitorInterval); package kubeletlog explains why a test bed may
// look more often without changing what a reader sees.
const DefaultRotateInterval = 20 * time.Millisecond

// WritePolicy asks the server to rotate the container log at logPath (LOGS/NS/POD/CONTAINER.log)
// with p, as the kubelet's containerLogMaxSize and containerLogMaxFiles do, while the container
// runs. Logs without a policy file are never rotated.
func WritePolicy(logPath string, p kubeletlog.Policy) error {
	if p.MaxSize <= 0 || p.MaxFiles < 2 {
		return fmt.Errorf("testbed kubelet: invalid rotation policy %+v (MaxSize > 0, MaxFiles > 1)", p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	return os.WriteFile(strings.TrimSuffix(logPath, ".log")+policySuffix, b, 0o644)
}

// rotateLoop is the kubelet's container log manager: every interval it rotates the logs of
// running containers that have a policy file and reached their MaxSize.
func (s *Server) rotateLoop(ctx context.Context) {
	every := s.cfg.RotateInterval
	if every <= 0 {
		every = DefaultRotateInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.rotateOnce()
		}
	}
}

func (s *Server) rotateOnce() {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	files, _ := filepath.Glob(filepath.Join(s.cfg.LogsDir, "*", "*", "*"+policySuffix))
	for _, pf := range files {
		dir := filepath.Dir(pf)
		ns, pod := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		container := strings.TrimSuffix(filepath.Base(pf), policySuffix)
		if s.terminated(ns, pod, container) {
			continue // the kubelet rotates the logs of running containers only
		}
		r, err := s.rotator(pf, filepath.Join(dir, container+".log"))
		if err != nil {
			log.Printf("rotation policy %s: %v", pf, err)
			continue
		}
		if _, err := r.Check(time.Now()); err != nil {
			log.Printf("rotating %s: %v", r.Path, err)
		}
	}
}

// rotator returns the Rotator of a log, made from its policy file on first use; s.rmu is held.
func (s *Server) rotator(policyFile, logPath string) (*kubeletlog.Rotator, error) {
	if r := s.rotators[logPath]; r != nil {
		return r, nil
	}
	b, err := os.ReadFile(policyFile)
	if err != nil {
		return nil, err
	}
	var p kubeletlog.Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	// ReadLogs resolves symbolic links; FollowersBehind compares resolved paths.
	dir, err := filepath.EvalSymlinks(filepath.Dir(logPath))
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	r := &kubeletlog.Rotator{Path: filepath.Join(dir, filepath.Base(logPath)), Policy: p}
	s.rotators[logPath] = r
	return r, nil
}

// Rotations returns how many times the log of NS/POD/CONTAINER was rotated.
func (s *Server) Rotations(ns, pod, container string) int {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if r := s.rotators[filepath.Join(s.cfg.LogsDir, ns, pod, container+".log")]; r != nil {
		return r.Rotations()
	}
	return 0
}
