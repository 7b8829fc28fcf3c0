//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// The secrets of TestBundle's careless task: none may reach the bundle.
var bundleSecrets = []string{
	"db-pw-in-env-1234", "s3-secret-in-java-opts", "pw-in-args-5678", "token-after-flag-9",
	"annotation-api-token-42", "jaas-password-in-payload", "payload-secret-access-key", "reports-userinfo-pw", "overlord-payload-pw",
}

func gzipBase64(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// carelessJob puts secrets where operators put them: env values, JVM flags, arguments, an
// annotation, and the task payload annotation Druid writes (customTemplateAdapter).
func carelessJob(j *batchv1.Job) {
	c := &j.Spec.Template.Spec.Containers[0]
	c.Env = append(c.Env,
		corev1.EnvVar{Name: "DB_PASSWORD", Value: "db-pw-in-env-1234"},
		corev1.EnvVar{Name: "JAVA_OPTS", Value: "-Xmx1g -XX:MaxDirectMemorySize=1g -Ddruid.s3.secretKey=s3-secret-in-java-opts"})
	c.Args = []string{"-Ddruid.metadata.storage.connector.password=pw-in-args-5678", "--token", "token-after-flag-9"}
	a := j.Spec.Template.Annotations
	a["example.com/api-token"] = "annotation-api-token-42"
	a["task"] = gzipBase64(`{"type":"index_kafka","id":"index_kafka_bundle_abcdefgh","dataSource":"wikipedia","ioConfig":{"consumerProperties":{` +
		`"sasl.jaas.config":"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"druid\" password=\"jaas-password-in-payload\";"},` +
		`"inputSource":{"properties":{"secretAccessKey":{"type":"default","password":"payload-secret-access-key"}}}}}`)
}

// untarFiles reads a bundle: file names (without the top directory) in order, and contents.
func untarFiles(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a gzip archive: %v", err)
	}
	tr := tar.NewReader(zr)
	var names []string
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		_, name, _ := strings.Cut(h.Name, "/")
		names = append(names, name)
		files[name] = string(b)
	}
}

func TestBundle(t *testing.T) {
	ns := newNamespace(t)
	const id = "index_kafka_bundle_abcdefgh"
	task, err := bed.CreateTaskWith(testCtx(t), testbed.TaskSpec{Namespace: ns, TaskID: id, Adapter: testbed.AdapterCustomTemplate}, carelessJob)
	must(t, err)
	must(t, task.SetRunning(testCtx(t)))
	must(t, task.AppendLog("2026-12-02T05:10:00,001 INFO [main] org.apache.druid.cli.CliPeon - * druid.s3.secretKey: s3-secret-in-java-opts",
		"2026-12-02T05:10:00,002 INFO [main] connecting to the metadata store with pw-in-args-5678"))
	must(t, task.OOMKill(testCtx(t)))
	sim := overlordsim.New(overlordsim.Config{})
	sim.Put(overlordsim.NewTask(id, "index_kafka", "wikipedia", time.Now().Add(-10*time.Minute)))
	sim.Start(id, "10.244.9.9", task.PodName())
	sim.Finish(id, overlordsim.Failed, peonNoStatus, 9*time.Minute)
	sim.SetLog(id, []byte(placeholder(id, task.JobName)))
	sim.SetReports(id, []byte(`{"ingestionStatsAndErrors":{"payload":{"errorMsg":"cannot reach http://druid:reports-userinfo-pw@metadata/"}}}`))
	sim.SetPayload(id, []byte(`{"type":"index_kafka","id":"`+id+`","dataSource":"wikipedia","context":{"metadataPassword":"overlord-payload-pw"}}`))
	url := overlordsim.Serve(t, sim)
	dir := t.TempDir()
	file := filepath.Join(dir, "ticket-1234.tar.gz")

	r := plug(t, "bundle", id, "-n", ns, "--overlord", url, "-f", file)
	expectCode(t, r, 0, "wrote "+file, "FAILED: container main was OOMKilled")
	if r.stdout != "" {
		t.Fatalf("bundle -f FILE printed on stdout:\n%s", r.stdout)
	}
	data, err := os.ReadFile(file)
	must(t, err)
	names, files := untarFiles(t, data)
	want := []string{"MANIFEST", "why.txt", "why.json", "check.json", "version.json", "job.yaml", "pod.yaml", "events.yaml",
		"overlord-status.json", "task.json", "reports.json", "logs/pod-main.log", "logs/overlord.log"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("bundle holds %v\nwant %v", names, want)
	}
	for name, content := range files {
		for _, s := range bundleSecrets {
			if strings.Contains(content, s) {
				t.Errorf("%s holds the secret %q", name, s)
			}
		}
	}
	for file, wants := range map[string][]string{
		"MANIFEST":             {"# kubectl druid-logs bundle of Druid task " + id, "included  pod.yaml", "redacted: every environment variable's value"},
		"why.json":             {`"signature": "oom-killed"`, "JVM flags (env JAVA_OPTS): -Xmx1g -XX:MaxDirectMemorySize=1g"},
		"check.json":           {`"id": "terminated"`, "kubectl druid-logs why " + id},
		"version.json":         {`"goVersion": "go1.`, `"gitVersion": "v1.`},
		"pod.yaml":             {"name: DB_PASSWORD", "value: REDACTED", "task: REDACTED (decoded and redacted into task.json)", "--token\n    - REDACTED"},
		"task.json":            {`"dataSource": "wikipedia"`, `"metadataPassword": "REDACTED"`},
		"overlord-status.json": {`"errorMsg": "Peon did not report status successfully."`},
		"logs/overlord.log":    {"did not report any logs"},
		"logs/pod-main.log":    {"druid.s3.secretKey: REDACTED", "metadata store with REDACTED"},
	} {
		for _, w := range wants {
			if !strings.Contains(files[file], w) {
				t.Errorf("%s lacks %q:\n%s", file, w, files[file])
			}
		}
	}
	if t.Failed() {
		t.Logf("MANIFEST:\n%s", files["MANIFEST"])
		return
	}
	t.Logf("MANIFEST:\n%s", files["MANIFEST"])

	// An existing file is kept unless --force.
	expectCode(t, plug(t, "bundle", id, "-n", ns, "-f", file), 2, "exists: not overwritten (use --force to replace it)")
	if after, _ := os.ReadFile(file); !bytes.Equal(after, data) {
		t.Fatal("the existing bundle was changed without --force")
	}
	expectCode(t, plug(t, "bundle", id, "-n", ns, "-f", file, "--force"), 0, "wrote "+file)

	// -f - writes the archive to stdout, status to stderr.
	cmd := exec.Command(plugin, "--kubeconfig", bed.Kubeconfig(), "bundle", id, "-n", ns, "-f", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	must(t, cmd.Run())
	if names, _ := untarFiles(t, stdout.Bytes()); len(names) < 5 || names[0] != "MANIFEST" {
		t.Fatalf("stdout bundle holds %v; stderr:\n%s", names, stderr.String())
	}

	// Nothing known: no file.
	none := filepath.Join(dir, "none.tar.gz")
	expectCode(t, plug(t, "bundle", "query-nobody-knows", "-n", ns, "-f", none), 3, "no bundle written")
	if _, err := os.Stat(none); err == nil {
		t.Fatal("a bundle of nothing was written")
	}
}
