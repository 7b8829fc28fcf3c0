// Package kubelet is the druid-logs test bed's small kubelet log server. It serves
// GET /containerLogs/NS/POD/CONTAINER over HTTPS to the kube-apiserver (client certificate signed by
// the test CA with a given CN required) from per-container CRI-format files
// LOGS/NS/POD/CONTAINER.log (and CONTAINER.previous.log for previous=true), honouring follow,
// tailLines, limitBytes, sinceTime, sinceSeconds, timestamps and previous.
//
// Unlike KWOK's own log server, a follow stream ENDS once the container is terminated, like a real
// kubelet: the server watches the pods of its node through the API server and treats a container
// as terminated when its containerStatuses[].state.terminated is set or the pod is gone. A marker
// file LOGS/NS/POD/CONTAINER.terminated has the same effect (for use without an API server).
//
// The logs are read as the kubelet's own reader reads them: tailLines counts CRI records,
// sinceTime applies per record, a timestamp prefixes only a line's start, a follow stream never
// sends an incomplete last record and, once the container is terminated, reads to the end once
// more and ends. A rotating log is served by that reader itself, ReadLogs of k8s.io/cri-client
// pkg/logs, with a fake runtime answering ContainerStatus from the container's state; the others
// by package crilog, its byte-for-byte reproduction, which polls instead of taking one inotify
// instance per stream (128 per user by default, shared by every bed on the machine).
//
// Rotation (rotation.go): a container whose LOGS/NS/POD/CONTAINER.rotation file holds a policy
// (WritePolicy) has its log rotated while it runs as the kubelet's container log manager does
// (package kubeletlog): CONTAINER.log renamed to CONTAINER.log.TS, older ones gzipped, at most
// MaxFiles kept, a new CONTAINER.log. Follow streams reopen it; new requests read it only.
//
// Faults for tests (faults.go): CutStreams closes every open log stream's TCP connection abruptly;
// HoldStreams makes the open follow streams send nothing more; EndStreamsCleanly ends them now
// with a normal end of response; SetIdleCut ends (or cuts) every follow stream that has sent
// nothing for a while, as an idle timeout does; Stop closes the listener and all connections;
// Start listens again on the same address.
package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// Config configures a Server.
type Config struct {
	// Addr is the HTTPS listen address, e.g. 127.0.0.1:20251.
	Addr string
	// CertFile and KeyFile are the serving certificate and key.
	CertFile, KeyFile string
	// ClientCAFile holds the CA that must have signed the client certificate.
	ClientCAFile string
	// ClientCN, if set, is the only client certificate common name allowed.
	ClientCN string
	// LogsDir is the root of the per-container log files.
	LogsDir string
	// Node is the node whose pods are watched.
	Node string
	// Client, if set, is used to watch the node's pods for container termination.
	Client kubernetes.Interface
	// RotateInterval is how often rotated logs are looked at (default DefaultRotateInterval).
	RotateInterval time.Duration
}

// Server is a kubelet log server. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	tls     *tls.Config
	pods    *podTracker
	mu      sync.Mutex
	srv     *http.Server
	conns   map[net.Conn]int     // connections with open log streams (HTTP/2 may multiplex)
	streams map[*stream]struct{} // open follow streams

	rmu      sync.Mutex // guards rotators and serialises rotations
	rotators map[string]*kubeletlog.Rotator

	idle idleCut
}

type connKey struct{}

// New prepares a Server; call Run to watch pods and Start to listen.
func New(cfg Config) (*Server, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(cfg.ClientCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificates in %s", cfg.ClientCAFile)
	}
	return &Server{
		cfg: cfg,
		tls: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool,
			MinVersion:   tls.VersionTLS12,
		},
		pods:     newPodTracker(),
		conns:    map[net.Conn]int{},
		streams:  map[*stream]struct{}{},
		rotators: map[string]*kubeletlog.Rotator{},
	}, nil
}

// Run rotates logs and watches the node's pods until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	go s.rotateLoop(ctx)
	if s.cfg.Client == nil {
		<-ctx.Done()
		return nil
	}
	return s.pods.run(ctx, s.cfg.Client, s.cfg.Node)
}

// Start listens on the configured address (again, after Stop).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", s.handleLogs)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := &http.Server{
		Handler:     s.authenticate(mux),
		TLSConfig:   s.tls,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		ErrorLog:    log.New(os.Stderr, "testbed-kubelet http: ", log.LstdFlags),
	}
	s.srv = srv
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("serve: %v", err)
		}
	}()
	return nil
}

// Stop closes the listener and every connection (open streams end abruptly).
func (s *Server) Stop() error {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	s.CutStreams()
	return srv.Close()
}

// Listening reports whether the server is started.
func (s *Server) Listening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if cn := r.TLS.PeerCertificates[0].Subject.CommonName; s.cfg.ClientCN != "" && cn != s.cfg.ClientCN {
			http.Error(w, fmt.Sprintf("Forbidden (user=%s, verb=get, resource=nodes, subresource=proxy)", cn), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	opts, err := parseLogOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	dir := filepath.Join(s.cfg.LogsDir, ns, pod)
	path := filepath.Join(dir, container+".log")
	if opts.previous {
		path = filepath.Join(dir, container+".previous.log")
		if _, err := os.Stat(path); err != nil {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod), http.StatusBadRequest)
			return
		}
	}
	terminated := func() bool { return opts.previous || s.terminated(ns, pod, container) }
	if s.cfg.Client != nil && !opts.previous {
		st := s.pods.state(ns, pod, container)
		// The API server only proxies for existing pods bound here: an unknown pod is most likely
		// informer lag (e.g. right after an API server restart), so give the watch a moment.
		for deadline := time.Now().Add(3 * time.Second); st.podMissing && time.Now().Before(deadline); {
			time.Sleep(pollInterval)
			st = s.pods.state(ns, pod, container)
		}
		switch {
		case st.podMissing:
			http.Error(w, fmt.Sprintf("pod %q does not exist", pod), http.StatusNotFound)
			return
		case st.containerMissing:
			http.Error(w, fmt.Sprintf("container %q not found in pod %q", container, pod), http.StatusNotFound)
			return
		case st.waiting != "":
			if _, err := os.Stat(path); err != nil {
				http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start: %s", container, pod, st.waiting), http.StatusBadRequest)
				return
			}
		}
	}
	if _, err := os.Stat(path); err != nil && (!opts.cri.Follow || terminated()) {
		// A container that never wrote a line: empty log.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		return
	}
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	var st *stream
	if opts.cri.Follow {
		st = s.addStream()
		defer s.removeStream(st)
	}
	if opts.cri.Follow {
		go s.watchIdle(r.Context(), st, c)
	}
	if opts.cri.Follow && c != nil {
		s.mu.Lock()
		s.conns[c]++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if s.conns[c] > 1 {
				s.conns[c]--
			} else {
				delete(s.conns, c)
			}
			s.mu.Unlock()
		}()
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	flush := func() { _ = rc.Flush() }
	flush()
	serve := streamLog
	if _, err := os.Stat(filepath.Join(dir, container+policySuffix)); err == nil && !opts.previous {
		serve = readLogsStream // a rotating log: the kubelet's own reader, which follows rotations
	}
	if err := serve(r.Context(), path, opts.cri, w, flush, terminated, st); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Printf("log stream %s/%s/%s: %v", ns, pod, container, err)
	}
}

// terminated reports whether the container has ended: its pod says so (or is gone), or the
// marker file LOGS/NS/POD/CONTAINER.terminated exists.
func (s *Server) terminated(ns, pod, container string) bool {
	if _, err := os.Stat(filepath.Join(s.cfg.LogsDir, ns, pod, container+".terminated")); err == nil {
		return true
	}
	return s.cfg.Client != nil && s.pods.terminated(ns, pod, container)
}
