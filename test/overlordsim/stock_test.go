package overlordsim

import (
	"regexp"
	"strings"
	"testing"
)

// druidFormats are Druid's format strings per (logger, level), copied from
// the source named in stock.go (apache/druid master @4c0f5240c1 and the
// version matrix of the Kubernetes extension): every line the stand-in
// prints must be one of them for its release.
var druidFormats = []struct {
	versions     [2]Version // first and last release printing it (0: open)
	level, class string
	format       string
}{
	{[2]Version{0, 30}, "INFO", TaskMasterClass, "By the power of Grayskull, I have the power!"},
	{[2]Version{31, 31}, "INFO", OverlordClass, "By the power of Grayskull, I have the power!"},
	{[2]Version{32, 0}, "INFO", OverlordClass, "By the power of Grayskull, I have the power. I am the leader"},
	{[2]Version{28, 0}, "INFO", RunnerClass, "Starting K8sTaskRunner..."},
	{[2]Version{28, 31}, "INFO", RunnerClass, "Loaded %,d tasks from previous run"},
	{[2]Version{32, 0}, "INFO", RunnerClass, "Locating [%,d] active tasks."},
	{[2]Version{32, 0}, "INFO", RunnerClass, "Located [%,d] active tasks."},
	{[2]Version{32, 0}, "INFO", RunnerClass, "Started cleanup executor for jobs older than %s..."},
	{[2]Version{0, 0}, "INFO", TaskQueueClass, "Beginning management in [%s]."},
	{[2]Version{0, 0}, "INFO", TaskLockboxClass, "Adding task[%s] to activeTasks"},
	{[2]Version{0, 0}, "INFO", TaskQueueClass, "Asking taskRunner to run task[%s]"},
	{[2]Version{27, 33}, "INFO", PeonClientClass, "Successfully submitted job: %s ... waiting for job to launch"},
	{[2]Version{34, 0}, "INFO", PeonClientClass, "Submitting job[%s] for task[%s]."},
	{[2]Version{34, 0}, "INFO", PeonClientClass, "Submitted job[%s] for task[%s]. Waiting for POD to launch."},
	{[2]Version{35, 35}, "INFO", PeonClientClass, "Pod for job[%s] launched for task[%s]. Waiting for pod to be in running state."},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "Pod for job[%s] launched. Waiting for pod to be in running state."},
	{[2]Version{35, 35}, "INFO", PeonClientClass, "Pod for job[%s] is in state [%s] for task[%s]."},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "Pod for job[%s] is in state[%s] for task[%s]."},
	{[2]Version{36, 0}, "INFO", CachingClientClass, "Pod[%s] for job[%s] is now in Running/Complete state"},
	{[2]Version{27, 35}, "WARN", PeonClientClass, "Task %s failed with status %s"},
	{[2]Version{36, 0}, "WARN", PeonClientClass, "Task[%s] failed with status[%s]"},
	{[2]Version{36, 0}, "WARN", CachingClientClass, "K8s job[%s] failed with status %s"},
	{[2]Version{36, 0}, "INFO", CachingClientClass, "K8s job[%s] completed successfully"},
	{[2]Version{27, 35}, "INFO", PeonClientClass, "K8s job for the task [%s] was not found. It can happen if the task was canceled"},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "K8s job for the task[%s] was not found. It can happen if the task was canceled"},
	{[2]Version{36, 0}, "WARN", CachingClientClass, "K8s Job[%s] was not found. It can happen if the task was canceled"},
	{[2]Version{29, 0}, "INFO", LifecycleClass, "Peon for task [%s] did not push its task status. Check k8s logs and events for the pod to see what happened."},
	{[2]Version{0, 0}, "INFO", S3TaskLogsClass, "Pushing task log %s to: %s"},
	{[2]Version{0, 0}, "INFO", TaskQueueClass, "Received status[%s] for task[%s]."},
	{[2]Version{0, 0}, "INFO", TaskLockboxClass, "Removing task[%s] from activeTasks"},
	{[2]Version{27, 0}, "INFO", RunnerClass, "Shutdown [%s] because [%s]"},
	{[2]Version{0, 0}, "INFO", TaskQueueClass, "Completed task[%s] with status[%s] in [%d]ms."},
	{[2]Version{0, 0}, "INFO", TaskQueueClass, "Completed notifyStatus for task[%s] with status[%s]"},
	{[2]Version{27, 27}, "INFO", PeonClientClass, "Cleaned up k8s task: %s"},
	{[2]Version{27, 27}, "INFO", PeonClientClass, "Not cleaning up task %s due to flag: debugJobs=true"},
	{[2]Version{28, 35}, "INFO", PeonClientClass, "Cleaned up k8s job: %s"},
	{[2]Version{27, 27}, "INFO", PeonClientClass, "K8s task does not exist: %s"},
	{[2]Version{28, 35}, "INFO", PeonClientClass, "K8s job does not exist: %s"},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "K8s job[%s] does not exist"},
	{[2]Version{36, 0}, "WARN", CachingClientClass, "Timed out waiting for pod for job[%s] to be created and ready"},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "Cleaned up k8s job[%s]"},
	{[2]Version{28, 35}, "INFO", PeonClientClass, "Not cleaning up job %s due to flag: debugJobs=true"},
	{[2]Version{36, 0}, "INFO", PeonClientClass, "Not cleaning up job[%s] due to flag: debugJobs=true"},
	{[2]Version{27, 0}, "INFO", LifecycleClass, "Failed to run task: %s"},
	{[2]Version{35, 0}, "ERROR", RunnerClass, "Task[%s] failed because %s"},
	{[2]Version{27, 34}, "ERROR", RunnerClass, "Task [%s] execution caught an exception"},
	{[2]Version{35, 0}, "ERROR", RunnerClass, "Task[%s] execution caught an exception"},
	{[2]Version{0, 0}, "ERROR", TaskQueueClass, "Failed to run task: %s"},
	{[2]Version{27, 35}, "ERROR", PeonClientClass, "Error streaming logs from task: %s"},
	{[2]Version{36, 0}, "ERROR", PeonClientClass, "Error streaming logs for pod[%s] associated with task[%s]"},
	{[2]Version{0, 0}, "DEBUG", RequestLogLogger, "%s %s %s %s %d"},
}

// formatRE turns a Java format string into an anchored regexp.
func formatRE(format string) *regexp.Regexp {
	q := regexp.QuoteMeta(format)
	q = strings.NewReplacer("%s", ".+", "%,d", `-?[0-9,]+`, "%d", `-?[0-9]+`).Replace(q)
	return regexp.MustCompile("^" + q + "$")
}

// checkStock fails unless r's first message line is one of Druid's
// formats for its logger and level in release v.
func checkStock(t *testing.T, v Version, r Record) {
	t.Helper()
	first, _, _ := strings.Cut(r.Message, "\n")
	for _, f := range druidFormats {
		if f.class != r.Class || f.level != r.Level || !formatRE(f.format).MatchString(first) {
			continue
		}
		if (f.versions[0] != 0 && v < f.versions[0]) || (f.versions[1] != 0 && v > f.versions[1]) {
			t.Errorf("Druid %d: %q is Druid's %q, printed only in %v", v, first, f.format, f.versions)
		}
		return
	}
	t.Errorf("Druid %d: %s %s - %q matches no format string of Druid", v, r.Level, r.Class, first)
}

// everyLine plays a task's whole life in every way the stand-in prints it.
func everyLine(s Stock) []Record {
	const id, job, pod = "index_kafka_wiki_0123456789abcde_abcdefgh", "indexkafkawiki0123456789abcdea-7c5a1e2b8f3d4c6a", "indexkafkawiki0123456789abcdea-7c5a1e2b8f3d4c6a-x2x9q"
	var out []Record
	add := func(r ...Record) { out = append(out, r...) }
	add(s.Leader())
	add(s.RunnerStarted(1234)...)
	add(s.Submitted("KafkaSupervisor-wiki", id)...)
	add(s.JobSubmitted("k8s-task-runner-0", id, job)...)
	add(s.PodLaunched("k8s-task-runner-0", id, job)...)
	add(s.PodRunning("k8s-task-runner-0", id, job, pod, "Pending")...)
	add(s.JobFailed("k8s-task-runner-0", id, job, "JobStatus(active=null, failed=1)"))
	add(s.JobSucceeded("k8s-task-runner-0", job)...)
	add(s.JobNotFound("k8s-task-runner-0", id, job))
	add(s.DidNotPush("k8s-task-runner-0", id, job)...)
	add(s.LogPushed("k8s-task-runner-0", id, "8172635", "druid/indexing-logs"))
	add(s.Received("k8s-task-runner-0", id, Failed))
	status := TaskStatusString(id, Failed, -1, PeonDidNotReportMsg)
	add(s.Completed("TaskQueue-OnComplete-0", id, status, 1500)...)
	for _, debug := range []bool{false, true} {
		for _, exists := range []bool{false, true} {
			add(s.CleanedUp("TaskQueue-OnComplete-0", id, job, debug, exists))
		}
	}
	if s.Informer {
		add(s.LaunchTimedOutInformer("k8s-task-runner-0", job))
	}
	add(s.LaunchFailed("k8s-task-runner-1", id, "index_kafka", "wiki", QuotaFailure(job, "exceeded quota"))...)
	add(s.LaunchFailed("k8s-task-runner-1", id, "index_kafka", "wiki", LaunchTimeout(pod, 3600000))...)
	add(s.LogReadFailed("qtp1282342631-57", id, job, "druid", pod, 403, "forbidden"))
	add(RequestLogRecord("qtp1282342631-57", "10.244.3.7", "GET", "http://10.244.0.15:8090/druid/indexer/v1/task/"+id+"/log?offset=-8192", "HTTP/1.1", 404))
	return out
}

func TestStockLinesAreDruidsFormatStrings(t *testing.T) {
	for _, s := range []Stock{{Version: Druid27}, {Version: Druid30}, {Version: Druid31}, {Version: Druid32}, {Version: 33},
		{Version: Druid34}, {Version: Druid35}, {Version: Druid36}, {Version: 39}, {Version: Druid36, Informer: true}} {
		for _, r := range everyLine(s) {
			checkStock(t, s.v(), r)
		}
	}
}

func TestStockVersionDifferences(t *testing.T) {
	const id, job, pod = "t1", "t1-abc", "t1-abc-xyz12"
	msg := func(r []Record) string {
		if len(r) == 0 {
			return ""
		}
		m, _, _ := strings.Cut(r[0].Message, "\n")
		return m
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"36 submit", msg(Stock{}.JobSubmitted("k", id, job)), "Submitting job[t1-abc] for task[t1]."},
		{"33 submit", msg(Stock{Version: 33}.JobSubmitted("k", id, job)), "Successfully submitted job: t1-abc ... waiting for job to launch"},
		{"36 running", msg(Stock{}.PodRunning("k", id, job, pod, "Pending")), "Pod for job[t1-abc] is in state[Pending] for task[t1]."},
		{"35 running", msg(Stock{Version: Druid35}.PodRunning("k", id, job, pod, "Running")), "Pod for job[t1-abc] is in state [Running] for task[t1]."},
		{"34 running prints nothing", msg(Stock{Version: Druid34}.PodRunning("k", id, job, pod, "Running")), ""},
		{"informer running", msg(Stock{Informer: true}.PodRunning("k", id, job, pod, "Running")), "Pod[t1-abc-xyz12] for job[t1-abc] is now in Running/Complete state"},
		{"informer launched prints nothing", msg(Stock{Informer: true}.PodLaunched("k", id, job)), ""},
		{"36 read error", msg([]Record{Stock{}.LogReadFailed("q", id, job, "ns", pod, 403, "x")}), "Error streaming logs for pod[t1-abc-xyz12] associated with task[t1]"},
		{"35 read error", msg([]Record{Stock{Version: Druid35}.LogReadFailed("q", id, job, "ns", pod, 403, "x")}), "Error streaming logs from task: [ t1, t1-abc]"},
		{"34 caught", Stock{Version: Druid34}.LaunchFailed("k", id, "x", "d", LaunchTimeout(pod, 1))[1].Message[:40], "Task [t1] execution caught an exception\n"},
		{"35 caught", Stock{Version: Druid35}.LaunchFailed("k", id, "x", "d", LaunchTimeout(pod, 1))[1].Message[:39], "Task[t1] execution caught an exception\n"},
		{"32 leader", Stock{Version: Druid32}.Leader().Message, "By the power of Grayskull, I have the power. I am the leader"},
		{"cleanup 36", Stock{}.CleanedUp("o", id, job, false, true).Message, "Cleaned up k8s job[[ t1, t1-abc]]"},
		{"status string", TaskStatusString(id, Success, 12, ""), "TaskStatus{id=t1, status=SUCCESS, duration=12, errorMsg=null}"},
		{"commas", commas(1234567), "1,234,567"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestStackTraceKeepsTheRootCause(t *testing.T) {
	recs := Stock{}.LaunchFailed("k8s-task-runner-0", "t1", "index_parallel", "wiki", LaunchTimeout("p", 3600000))
	lines := Render(t0, recs)
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "\nCaused by: "+ClientTimeoutException+": Timed out waiting for [3600000] milliseconds for [Pod]") ||
		!strings.Contains(text, "\n\tat org.apache.druid.k8s.overlord.KubernetesTaskRunner.doTask(") {
		t.Fatalf("stack:\n%s", text)
	}
	if !strings.HasPrefix(lines[2], "2024-06-01T10:11:12,133 ERROR [k8s-task-runner-0] "+TaskQueueClass+" - Failed to run task: {exceptionType="+DruidException+", ") {
		t.Fatalf("alert line %q", lines[2])
	}
}

func TestDockerStartupHoldsNoDruidLine(t *testing.T) {
	lines := DockerStartup("2026-07-23T10:00:00+00:00", "10.244.0.15", [][2]string{{"druid.indexer.runner.type", "k8s"}})
	pattern := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} [A-Z]+ \[[^\]]+\] \S+ - `)
	want := []string{"2026-07-23T10:00:00+00:00 startup service overlord",
		"Setting druid.host=10.244.0.15 in /tmp/conf/druid/cluster/master/coordinator-overlord/runtime.properties",
		"Setting druid.indexer.runner.type=k8s in /tmp/conf/druid/cluster/master/coordinator-overlord/runtime.properties"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if pattern.MatchString(l) {
			t.Errorf("druid.sh line in Druid's pattern: %q", l)
		}
	}
}
