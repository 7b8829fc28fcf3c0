package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// P7 and P8: the plugin at a network distance (issue 17). A delayProxy in front of the bed's API
// server adds RTT/2 each way; every command reads a copy of the admin kubeconfig whose server is
// the proxy (the API server's certificate is valid for 127.0.0.1, so TLS passes through as is).
//
//	P7 time to the first log line, as P1, at 0, 10 and 25 ms RTT, all in one alternation;
//	P8 check at 25 ms RTT beside the kubectl commands that collect the same facts.

// p7RTTs are the round-trip times of P7.
var p7RTTs = []time.Duration{0, 10 * time.Millisecond, 25 * time.Millisecond}

// p8RTT is the round-trip time of P8.
const p8RTT = 25 * time.Millisecond

// p7Result is what P7 measured: one variant per tool and RTT.
type p7Result struct {
	rtts  []time.Duration
	tools []string
	s     series
}

// p7Name is the variant name of tool at rtt, e.g. "plugin @ 25 ms".
func p7Name(tool string, rtt time.Duration) string {
	return fmt.Sprintf("%s @ %d ms", tool, rtt.Milliseconds())
}

// distance is a delay proxy in front of the bed's API server and the kubeconfig that uses it.
type distance struct {
	proxy      *delayProxy
	kubeconfig string
	tools      tools // curl reads through the proxy too
}

// atDistance starts a delay proxy of rtt and writes a kubeconfig for it into the work directory.
func (b *bench) atDistance(rtt time.Duration) (*distance, error) {
	u, err := url.Parse(b.tools.server)
	if err != nil {
		return nil, err
	}
	p, err := startDelayProxy(u.Host, rtt)
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.LoadFromFile(b.kubeconfig)
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	server := "https://" + p.Addr()
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	path := filepath.Join(b.work, fmt.Sprintf("rtt-%dms.kubeconfig", rtt.Milliseconds()))
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		_ = p.Close()
		return nil, err
	}
	d := &distance{proxy: p, kubeconfig: path, tools: b.tools}
	d.tools.server = server
	logf("delay proxy %s → %s, RTT %v, kubeconfig %s", p.Addr(), u.Host, rtt, path)
	return d, nil
}

// p7 measures the time to the first log line through the delay proxy at each of p7RTTs.
func (b *bench) p7() {
	task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: "bench-p7", TaskID: newTaskID("p7")})
	if err == nil {
		err = placeLog(b.res.small.path, task.LogPath())
	}
	if err != nil {
		b.fatalf("P7 setup: %v", err)
	}
	r := &p7Result{rtts: p7RTTs, tools: b.followTools()}
	var vs []variant
	for _, rtt := range r.rtts {
		d, err := b.atDistance(rtt)
		if err != nil {
			b.fatalf("P7 proxy: %v", err)
		}
		defer d.proxy.Close()
		for _, tool := range r.tools {
			vs = append(vs, variant{name: p7Name(tool, rtt), run: func() (procResult, error) {
				res, err := runProc(procSpec{argv: d.tools.followArgv(tool, d.kubeconfig, tg), env: b.env,
					killAtFirstByte: true, timeout: 30 * time.Second})
				if err == nil && res.firstByte < 0 {
					err = fmt.Errorf("no output (exit %d)", res.exitCode)
				}
				return res, err
			}})
		}
	}
	r.s = b.alternate("P7", b.opts.runs, true, vs)
	b.res.p7 = r
}

// p8Commands are P8's commands: the plugin's check and the kubectl commands that collect the
// same facts (the Job and its pod, the permissions, the events, a bounded log tail), one by one
// and as one shell sequence. kubectl is given the pod's name, which check finds by itself.
func (b *bench) p8Commands(kubeconfig string, tg followTarget) []p8Command {
	k := b.tools.kubectl
	kc := []string{k, "--kubeconfig", kubeconfig}
	get := append(kc[:3:3], "get", "job/"+tg.job, "pod/"+tg.pod, "-n", tg.ns)
	canI := append(kc[:3:3], "auth", "can-i", "get", "pods", "--subresource=log", "-n", tg.ns)
	canIList := append(kc[:3:3], "auth", "can-i", "--list", "-n", tg.ns)
	events := append(kc[:3:3], "get", "events", "-n", tg.ns)
	logs := append(kc[:3:3], "logs", tg.pod, "-c", "main", "--tail=5", "-n", tg.ns)
	// The sequence runs under sh with the values as positional parameters: no quoting games.
	seq := []string{"/bin/sh", "-c", `K=$1 C=$2 NS=$3 JOB=$4 POD=$5
"$K" --kubeconfig "$C" get "job/$JOB" "pod/$POD" -n "$NS" &&
"$K" --kubeconfig "$C" auth can-i --list -n "$NS" &&
"$K" --kubeconfig "$C" get events -n "$NS" &&
"$K" --kubeconfig "$C" logs "$POD" -c main --tail=5 -n "$NS"`, "sh", k, kubeconfig, tg.ns, tg.job, tg.pod}
	return []p8Command{
		{toolPlugin + " check", []string{b.tools.plugin, "--kubeconfig", kubeconfig, "check", tg.taskID, "-n", tg.ns}},
		{"kubectl get job,pod", get},
		{"kubectl auth can-i get pods/log", canI},
		{"kubectl auth can-i --list", canIList},
		{"kubectl get events", events},
		{"kubectl logs --tail=5", logs},
		{p8Sequence, seq},
	}
}

// p8Sequence names the shell sequence of the four kubectl commands.
const p8Sequence = "kubectl sequence (sh: get job,pod && can-i --list && get events && logs --tail=5)"

// p8Command is one of P8's commands.
type p8Command struct {
	name string
	argv []string
}

// p8 times check at p8RTT beside the kubectl commands that collect the same facts.
func (b *bench) p8() {
	task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: "bench-p8", TaskID: newTaskID("p8")})
	if err == nil {
		err = task.AppendLog("2026-11-26T10:00:00,000 INFO [main] org.apache.druid.cli.CliPeon - Starting up.")
	}
	if err != nil {
		b.fatalf("P8 setup: %v", err)
	}
	d, err := b.atDistance(p8RTT)
	if err != nil {
		b.fatalf("P8 proxy: %v", err)
	}
	defer d.proxy.Close()
	var vs []variant
	for _, c := range b.p8Commands(d.kubeconfig, tg) {
		vs = append(vs, variant{name: c.name, run: func() (procResult, error) {
			res, err := runProc(procSpec{argv: c.argv, env: b.env, timeout: time.Minute})
			if err == nil && res.exitCode != 0 {
				err = fmt.Errorf("exit code %d", res.exitCode)
			}
			return res, err
		}})
	}
	b.res.p8 = b.alternate("P8", b.opts.runs, true, vs)
}
