// Command demo is `make demo`: it starts a throwaway local Kubernetes (the
// test bed: etcd, kube-apiserver, controller-manager, scheduler and KWOK
// nodes on 127.0.0.1), creates a simulated Druid task that writes a log
// line a second, follows it live with kubectl druid-logs, shows `check` on
// a broken task, and tears everything down.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

func main() {
	plugin := flag.String("plugin", "bin/kubectl-druid_logs", "plugin binary to demonstrate")
	seconds := flag.Int("seconds", 8, "how long the simulated task writes lines")
	keep := flag.Bool("keep", false, "leave the cluster running in "+keepDir+" for the README's quick start")
	flag.Parse()
	if err := run(*plugin, *seconds, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	line := fmt.Sprintf("==> "+format, args...)
	if termstyle.UseColor(os.Stdout, termstyle.Auto) {
		line = "\033[1m" + line + "\033[0m" // bold, on a terminal only
	}
	fmt.Printf("\n%s\n", line)
}

// keepDir is where a kept demo cluster lives, so its kubeconfig has a
// path the README can show.
const keepDir = "/tmp/druid-logs-demo"

func run(plugin string, seconds int, keep bool) error {
	plugin, err := filepath.Abs(plugin)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	say("starting a throwaway Kubernetes on 127.0.0.1 (the first run builds it from source: ~10 minutes)")
	opts := testbed.Options{}
	if keep {
		opts.Dir = keepDir
	}
	bed, err := testbed.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if keep && ctx.Err() == nil {
			return
		}
		say("tearing the cluster down")
		bed.Stop()
	}()
	const ns, taskID = "druid", "query-8f14e45f-ceea-467f-a0e6-91b6d9c3a1e2"
	say("Druid's task runner creates Job %s for task %s", testbed.JobName("33", "", taskID), taskID)
	task, err := bed.CreateTask(ctx, testbed.TaskSpec{Namespace: ns, TaskID: taskID, Type: "query_controller", DataSource: "wikipedia"})
	if err != nil {
		return err
	}
	if err := task.SetRunning(ctx); err != nil {
		return err
	}
	lines := []string{
		"INFO [main] org.apache.druid.cli.CliPeon - Starting up with processors [2], memory [536870912]",
		"INFO [task-runner-0-priority-0] org.apache.druid.msq.exec.ControllerImpl - Query [" + taskID + "] starting",
	}
	if err := task.AppendLog(lines...); err != nil {
		return err
	}
	writer := make(chan error, 1)
	go func() {
		for i := 1; i <= seconds; i++ {
			select {
			case <-ctx.Done():
				writer <- ctx.Err()
				return
			case <-time.After(time.Second):
			}
			line := fmt.Sprintf("INFO [task-runner-0-priority-0] org.apache.druid.msq.exec.ControllerImpl - Stage 0 progress: %d/%d partitions", i, seconds)
			if err := task.AppendLog(line); err != nil {
				writer <- err
				return
			}
		}
		if err := task.AppendLog("INFO [main] org.apache.druid.cli.CliPeon - Finished peon task"); err != nil {
			writer <- err
			return
		}
		writer <- task.Succeed(ctx)
	}()
	say("kubectl druid-logs follow %s -n %s   (live: a line a second, ends when the task ends)", taskID, ns)
	if code := pluginRun(ctx, bed, plugin, "follow", taskID, "-n", ns); code != 0 {
		return fmt.Errorf("follow exited %d", code)
	}
	if err := <-writer; err != nil {
		return err
	}
	const broken = "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh"
	say("a broken task: its pod template names the Druid container \"primary\", not \"main\"")
	bad, err := bed.CreateTask(ctx, testbed.TaskSpec{Namespace: ns, TaskID: broken, Type: "index_kafka",
		Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"})
	if err != nil {
		return err
	}
	if err := bad.SetRunning(ctx); err != nil {
		return err
	}
	say("kubectl druid-logs check %s -n %s", broken, ns)
	code := pluginRun(ctx, bed, plugin, "check", broken, "-n", ns)
	fmt.Printf("(exit code %d: 7 = misconfigured)\n", code)
	if keep {
		return keepRunning(ctx, bed, ns)
	}
	return nil
}

// keepRunning leaves a running task in the cluster and says how to use it.
func keepRunning(ctx context.Context, bed *testbed.Bed, ns string) error {
	const running = "index_kafka_wikipedia_demo_running"
	task, err := bed.CreateTask(ctx, testbed.TaskSpec{Namespace: ns, TaskID: running, Type: "index_kafka",
		DataSource: "wikipedia", Adapter: testbed.AdapterCustomTemplate})
	if err != nil {
		return err
	}
	if err := task.SetRunning(ctx); err != nil {
		return err
	}
	if err := task.AppendLog("INFO [task-runner-0-priority-0] org.apache.druid.indexing.kafka.KafkaIndexTask - reading partition 0"); err != nil {
		return err
	}
	say("the cluster is left running; with the plugin on PATH (make install):")
	fmt.Printf("  export KUBECONFIG=%s\n", bed.Kubeconfig())
	fmt.Printf("  kubectl druid-logs list -n %s\n", ns)
	fmt.Printf("  kubectl druid-logs follow %s -n %s        # Ctrl-C to stop\n", running, ns)
	fmt.Printf("  kubectl druid-logs check index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n %s\n", ns)
	fmt.Printf("stop it with: TESTBED_DIR=%s hack/testbed/down.sh --clean\n", keepDir)
	return nil
}

// pluginRun runs the plugin as kubectl would, with the bed's kubeconfig.
func pluginRun(ctx context.Context, bed *testbed.Bed, plugin string, args ...string) int {
	cmd := exec.CommandContext(ctx, plugin, append([]string{"--kubeconfig", bed.Kubeconfig()}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, strings.TrimSpace(err.Error()))
		return 1
	}
	return 0
}
