package testbed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// StockOverlordSpec describes a stock Druid Overlord stand-in: its pod (logging Druid's stock
// lines, or none when log4j2 writes to a file), its service account and Role, and its API
// (test/overlordsim) driven by the real Jobs and pods of the tasks submitted to it.
type StockOverlordSpec struct {
	OverlordSpec
	// Druid is the simulated release (overlordsim.Druid36 if zero).
	Druid overlordsim.Version
	// Capacity is druid.indexer.runner.capacity (default 10): more tasks stay NOT_STARTED.
	Capacity int
	// Informer is druid.indexer.runner.useK8sSharedInformers=true (36+): RUNNING = the pod's
	// phase is Running/Succeeded/Failed instead of "the pod has an IP".
	Informer bool
	// DebugJobs is druid.indexer.runner.debugJobs=true: finished Jobs are kept.
	DebugJobs bool
	// FileLog is the Docker image's default log4j2 (RoutingAppender to log/overlord.log): the
	// pod's stdout holds only druid.sh's lines, none of Druid's.
	FileLog bool
	// RequestLog sets org.apache.druid.jetty.RequestLog to DEBUG, as DRUID_LOG4J of Druid's
	// docker environment file does: one line per HTTP request.
	RequestLog bool
	// ServiceAccount is the Overlord pod's account (default "druid-overlord"); NoPodsLog leaves
	// pods/log out of its Role.
	ServiceAccount string
	NoPodsLog      bool
	// BasicUser and BasicPassword make the API answer 401 without them.
	BasicUser, BasicPassword string
	// PropertiesForbidden answers GET /status/properties 403.
	PropertiesForbidden bool
	// LaunchTimeout is druid.indexer.runner.k8sjobLaunchTimeout (0: PT1H, never reached here).
	LaunchTimeout time.Duration
}

// StockOverlord is a running stock Overlord stand-in (StartStockOverlord).
type StockOverlord struct {
	*Overlord
	Spec StockOverlordSpec
	// Sim is the Overlord's API; URL is where it is served (--overlord).
	Sim *overlordsim.Sim
	URL string

	stock  overlordsim.Stock
	srv    *httptest.Server
	sa     kubernetes.Interface // the Overlord's service account
	cancel context.CancelFunc
	done   chan struct{}

	mu         sync.Mutex
	tasks      []*stockTask
	byID       map[string]*stockTask
	onComplete int
	err        error
	file       []string  // what log4j2 wrote to log/overlord.log (FileLog)
	last       time.Time // the time of the last line written
}

type stockTask struct {
	spec      TaskSpec
	task      *Task
	state     overlordsim.Lifecycle
	slot      int
	launched  bool
	pendingAt time.Time
	runningAt time.Time
	done      bool
}

// StockOverlordDefaults fills spec's defaults (also used by stories to name the account).
func (s *StockOverlordSpec) defaults() {
	if s.Druid == 0 {
		s.Druid = overlordsim.Druid36
	}
	if s.Capacity <= 0 {
		s.Capacity = 10
	}
	if s.ServiceAccount == "" {
		s.ServiceAccount = "druid-overlord"
	}
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	s.OverlordSpec.ServiceAccount = s.ServiceAccount
	if s.Image == "" {
		s.Image = fmt.Sprintf("apache/druid:%d.0.0", s.Druid)
	}
}

// runtimeProps are the Overlord's runtime properties, in the order druid.sh sets them.
func (s *StockOverlordSpec) runtimeProps() [][2]string {
	p := [][2]string{
		{"druid.indexer.runner.type", "k8s"}, {"druid.indexer.runner.namespace", s.Namespace},
		{"druid.indexer.runner.capacity", strconv.Itoa(s.Capacity)}, {"druid.indexer.runner.debugJobs", strconv.FormatBool(s.DebugJobs)},
		{"druid.indexer.logs.type", "s3"}, {"druid.indexer.logs.s3Bucket", "druid"}, {"druid.indexer.logs.s3Prefix", "druid/indexing-logs"},
	}
	if s.Druid >= overlordsim.Druid36 {
		p = append(p, [2]string{"druid.indexer.runner.useK8sSharedInformers", strconv.FormatBool(s.Informer)})
	}
	if s.LaunchTimeout > 0 {
		p = append(p, [2]string{"druid.indexer.runner.k8sjobLaunchTimeout", fmt.Sprintf("PT%dS", int(s.LaunchTimeout.Seconds()))})
	}
	return p
}

// druidLog4J is a Console configuration in Druid's pattern, as DRUID_LOG4J in Druid's
// distribution/docker/environment (RequestLog at DEBUG when requestLog).
func druidLog4J(requestLog bool) string {
	rl := ""
	if requestLog {
		rl = `<Logger name="org.apache.druid.jetty.RequestLog" additivity="false" level="DEBUG"><AppenderRef ref="Console"/></Logger>`
	}
	return `<?xml version="1.0" encoding="UTF-8" ?><Configuration status="WARN"><Appenders><Console name="Console" target="SYSTEM_OUT">` +
		`<PatternLayout pattern="%d{ISO8601} %p [%t] %c - %m%n"/></Console></Appenders><Loggers><Root level="info"><AppenderRef ref="Console"/></Root>` +
		rl + `</Loggers></Configuration>`
}

// StartStockOverlord creates the Overlord's service account and Role, its pod, and serves its
// API on loopback; it becomes the leader and runs the tasks submitted to it until Stop.
func (c *Cluster) StartStockOverlord(ctx context.Context, spec StockOverlordSpec) (*StockOverlord, error) {
	spec.defaults()
	if err := c.EnsureNamespace(ctx, spec.Namespace); err != nil {
		return nil, err
	}
	sa, err := c.overlordAccount(ctx, spec)
	if err != nil {
		return nil, err
	}
	for _, p := range spec.runtimeProps() {
		spec.Env = append(spec.Env, corev1.EnvVar{Name: strings.ReplaceAll(p[0], ".", "_"), Value: p[1]})
	}
	if !spec.FileLog {
		spec.Env = append(spec.Env, corev1.EnvVar{Name: "DRUID_LOG4J", Value: druidLog4J(spec.RequestLog)})
	}
	o, err := c.CreateOverlord(ctx, spec.OverlordSpec)
	if err != nil {
		return nil, err
	}
	so := &StockOverlord{Overlord: o, Spec: spec, stock: overlordsim.Stock{Version: spec.Druid, Informer: spec.Informer},
		sa: sa, byID: map[string]*stockTask{}, done: make(chan struct{})}
	props := map[string]string{"druid.host": o.IP, "druid.plaintextPort": "8090", "druid.service": "druid/overlord"}
	for _, p := range spec.runtimeProps() {
		props[p[0]] = p[1]
	}
	cfg := overlordsim.Config{Version: spec.Druid, BasicUser: spec.BasicUser, BasicPassword: spec.BasicPassword,
		LeaderURL: "http://" + o.IP + ":8090", Properties: props, PropertiesForbidden: spec.PropertiesForbidden,
		LiveLogIgnoresOffset: true, LiveLogOnThread: so.liveLog}
	if spec.RequestLog {
		cfg.RequestLog = func(r overlordsim.Record) { so.write(r) }
	}
	so.Sim = overlordsim.New(cfg)
	so.srv = httptest.NewServer(so.Sim)
	so.URL = so.srv.URL
	if err := so.boot(); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	so.cancel = cancel
	go so.run(runCtx)
	return so, nil
}

// boot prints what the Overlord prints when it starts and becomes the leader: druid.sh's
// lines on stdout, then Druid's (to the file with FileLog).
func (so *StockOverlord) boot() error {
	stamp := time.Now().UTC().Format("2006-01-02T15:04:05+00:00")
	if err := so.AppendLog(overlordsim.DockerStartup(stamp, so.IP, so.Spec.runtimeProps())...); err != nil {
		return err
	}
	so.write(so.stock.Leader())
	so.write(so.stock.RunnerStarted(0)...)
	return so.Err()
}

// overlordAccount creates the Overlord's ServiceAccount, its Role (what Druid's docs ask for,
// without pods/log when NoPodsLog) and RoleBinding, and returns a client acting as it.
func (c *Cluster) overlordAccount(ctx context.Context, spec StockOverlordSpec) (kubernetes.Interface, error) {
	ns, name := spec.Namespace, spec.ServiceAccount
	_, err := c.clientset.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	podRes := []string{"pods", "pods/log"}
	if spec.NoPodsLog {
		podRes = []string{"pods"}
	}
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "watch", "list", "delete", "create"}},
		{APIGroups: []string{""}, Resources: podRes, Verbs: []string{"get", "watch", "list", "delete", "create"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"get", "list", "watch"}},
	}
	rbac := c.clientset.RbacV1()
	meta := metav1.ObjectMeta{Name: name, Namespace: ns}
	_ = rbac.Roles(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if _, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: rules}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta,
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	tok, err := c.clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token of ServiceAccount %s/%s: %w", ns, name, err)
	}
	cfg := rest.AnonymousClientConfig(c.restConfig)
	cfg.BearerToken = tok.Status.Token
	return kubernetes.NewForConfig(cfg)
}

// Stop stops the runner and the API server.
func (so *StockOverlord) Stop() {
	so.cancel()
	<-so.done
	so.srv.Close()
}

// Err is the first error the runner met (a Kubernetes call that failed).
func (so *StockOverlord) Err() error {
	so.mu.Lock()
	defer so.mu.Unlock()
	return so.err
}

// FileLog is what log4j2 wrote to log/overlord.log when FileLog is set (not in the pod's log).
func (so *StockOverlord) FileLog() []string {
	so.mu.Lock()
	defer so.mu.Unlock()
	return append([]string(nil), so.file...)
}

// write logs records as Druid's Console appender would (to the file with FileLog).
func (so *StockOverlord) write(recs ...overlordsim.Record) {
	if len(recs) == 0 {
		return
	}
	so.mu.Lock()
	defer so.mu.Unlock()
	// One millisecond per record (Render), never before the last line written.
	start := time.Now()
	if !start.After(so.last) {
		start = so.last.Add(time.Millisecond)
	}
	so.last = start.Add(time.Duration(len(recs)-1) * time.Millisecond)
	lines := overlordsim.Render(start, recs)
	if so.Spec.FileLog {
		so.file = append(so.file, lines...)
		return
	}
	if err := so.AppendLog(lines...); err != nil && so.err == nil {
		so.err = err
	}
}

// Submit submits a task as POST /druid/indexer/v1/task (or a supervisor, for index_kafka)
// does: stored RUNNING, handed to the runner, NOT_STARTED until a runner thread is free.
func (so *StockOverlord) Submit(spec TaskSpec) {
	spec.defaults()
	if spec.Namespace == "default" {
		spec.Namespace = so.Spec.Namespace
	}
	if spec.DruidVersion == "33" {
		spec.DruidVersion = strconv.Itoa(int(so.Spec.Druid))
	}
	t := overlordsim.NewTask(spec.TaskID, spec.Type, spec.DataSource, time.Now())
	t.GroupID = spec.GroupID
	so.Sim.Put(t)
	payload, _ := json.Marshal(map[string]any{"type": spec.Type, "id": spec.TaskID, "groupId": spec.GroupID,
		"dataSource": spec.DataSource, "context": map[string]any{}})
	so.Sim.SetPayload(spec.TaskID, payload)
	submitter := "qtp1282342631-61"
	if spec.Type == "index_kafka" {
		submitter = "KafkaSupervisor-" + spec.DataSource
	}
	so.mu.Lock()
	st := &stockTask{spec: spec, state: overlordsim.LifecycleNotStarted, slot: -1}
	so.tasks = append(so.tasks, st)
	so.byID[spec.TaskID] = st
	so.mu.Unlock()
	so.write(so.stock.Submitted(submitter, spec.TaskID)...)
}

// Task waits until the runner has created the task's Job and returns it.
func (so *StockOverlord) Task(ctx context.Context, id string) (*Task, error) {
	var t *Task
	err := WaitFor(ctx, DefaultTimeout, "Job of task "+id, func(context.Context) (bool, error) {
		so.mu.Lock()
		defer so.mu.Unlock()
		if st := so.byID[id]; st != nil {
			t = st.task
		}
		return t != nil, so.err
	})
	return t, err
}

// WaitTask waits until the Overlord's view of task id satisfies ok.
func (so *StockOverlord) WaitTask(ctx context.Context, id, what string, ok func(overlordsim.Task) bool) error {
	return WaitFor(ctx, DefaultTimeout, "task "+id+" "+what, func(context.Context) (bool, error) {
		t, found := so.Sim.Task(id)
		return found && ok(t), so.Err()
	})
}
