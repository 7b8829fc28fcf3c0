// Command testbedctl is the druid-logs test bed's helper binary:
//
//	testbedctl serve-kubelet [flags]      run the test kubelet log server (node kubelet-ending)
//	                                      plus a plain-HTTP control endpoint on 127.0.0.1
//	testbedctl fault --control=ADDR CMD   send a fault to a running log server:
//	                                      cut (close open streams abruptly), hold (open follow
//	                                      streams send nothing more), end (open follow streams end
//	                                      cleanly now), stop, start, ping, status
//
// The control endpoint accepts POST /cut, /hold, /end, /stop, /start, /idle?after=D&abrupt=B
// (end follow streams silent for D; 0 turns it off) and GET /ping, /status,
// /rotations?log=NS/POD/CONTAINER (how many times that log was rotated).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed/kubelet"
)

func main() {
	log.SetPrefix("testbedctl: ")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testbedctl serve-kubelet|fault [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve-kubelet":
		err = serveKubelet(os.Args[2:])
	case "fault":
		err = fault(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

func serveKubelet(args []string) error {
	fs := flag.NewFlagSet("serve-kubelet", flag.ExitOnError)
	var cfg kubelet.Config
	fs.StringVar(&cfg.Addr, "listen", "127.0.0.1:20251", "HTTPS listen address")
	control := fs.String("control", "127.0.0.1:20252", "plain-HTTP control address (loopback only)")
	fs.StringVar(&cfg.CertFile, "cert", "", "serving certificate")
	fs.StringVar(&cfg.KeyFile, "key", "", "serving key")
	fs.StringVar(&cfg.ClientCAFile, "client-ca", "", "CA of accepted client certificates")
	fs.StringVar(&cfg.ClientCN, "client-cn", "kube-apiserver-kubelet-client", "required client certificate CN ('' = any)")
	fs.StringVar(&cfg.LogsDir, "logs", "", "root of the CRI log files (NS/POD/CONTAINER.log)")
	fs.StringVar(&cfg.Node, "node", "kubelet-ending", "node whose pods are watched")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig to watch pods with ('' = use .terminated marker files only)")
	_ = fs.Parse(args)
	if *kubeconfig != "" {
		rc, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if err != nil {
			return err
		}
		rc.UserAgent = "testbed-kubelet"
		if cfg.Client, err = kubernetes.NewForConfig(rc); err != nil {
			return err
		}
	}
	srv, err := kubelet.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := srv.Run(ctx); err != nil && ctx.Err() == nil {
			log.Fatalf("watching pods: %v", err)
		}
	}()
	if err := srv.Start(); err != nil {
		return err
	}
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	mux.HandleFunc("POST /cut", func(w http.ResponseWriter, _ *http.Request) { reply(w, "cut %d", srv.CutStreams()) })
	mux.HandleFunc("POST /hold", func(w http.ResponseWriter, _ *http.Request) { reply(w, "held %d", srv.HoldStreams()) })
	mux.HandleFunc("POST /end", func(w http.ResponseWriter, _ *http.Request) { reply(w, "ended %d", srv.EndStreamsCleanly()) })
	mux.HandleFunc("POST /stop", func(w http.ResponseWriter, _ *http.Request) {
		if err := srv.Stop(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(w, "stopped")
	})
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, _ *http.Request) {
		if err := srv.Start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(w, "started")
	})
	mux.HandleFunc("POST /idle", func(w http.ResponseWriter, r *http.Request) {
		after, err := time.ParseDuration(r.URL.Query().Get("after"))
		if err != nil {
			http.Error(w, "bad after: "+err.Error(), http.StatusBadRequest)
			return
		}
		abrupt := r.URL.Query().Get("abrupt") == "true"
		srv.SetIdleCut(after, abrupt)
		reply(w, "idle cut after %s abrupt=%t", after, abrupt)
	})
	mux.HandleFunc("GET /rotations", func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Query().Get("log"), "/")
		if len(parts) != 3 {
			http.Error(w, "log=NS/POD/CONTAINER", http.StatusBadRequest)
			return
		}
		reply(w, "%d", srv.Rotations(parts[0], parts[1], parts[2]))
	})
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) { reply(w, "pong") })
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, "listening=%v open_streams=%d", srv.Listening(), srv.OpenStreams())
	})
	ln, err := net.Listen("tcp", *control)
	if err != nil {
		return err
	}
	cs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = cs.Serve(ln) }()
	log.Printf("serving kubelet logs on https://%s, control on http://%s", cfg.Addr, *control)
	<-ctx.Done()
	_ = cs.Close()
	return srv.Stop()
}

func fault(args []string) error {
	fs := flag.NewFlagSet("fault", flag.ExitOnError)
	control := fs.String("control", "127.0.0.1:20252", "control address of the log server")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: testbedctl fault --control=ADDR cut|hold|end|stop|start|ping|status")
	}
	cmd := fs.Arg(0)
	method := http.MethodPost
	if cmd == "ping" || cmd == "status" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, "http://"+*control+"/"+cmd, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", cmd, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Print(string(body))
	return nil
}
