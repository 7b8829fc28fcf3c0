package postmortem

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The secrets a careless pod template carries; none may leave redacted.
var secrets = []string{
	"hunter2-env-value", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "plain-env-value-42",
	"s3cr3t-in-java-opts", "hunter2-in-args", "next-arg-secret", "annotation-password-9",
	"jaas-pw-77", "payload-secret-key-1", "metadata-db-pw", "https-userinfo-pw", "bearer-token-abcdefgh",
}

func gzipB64(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// careless is a peon pod with secrets in env, args and annotations,
// including Druid's task payload annotation.
func careless() *corev1.Pod {
	pod := peonPod(corev1.PodRunning, corev1.ContainerState{Running: &corev1.ContainerStateRunning{}})
	c := &pod.Spec.Containers[0]
	c.Env = append(c.Env,
		corev1.EnvVar{Name: "DB_PASSWORD", Value: "hunter2-env-value"},
		corev1.EnvVar{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"},
		corev1.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", Value: "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"},
		corev1.EnvVar{Name: "FOO", Value: "plain-env-value-42"},
		corev1.EnvVar{Name: "JAVA_OPTS", Value: "-Xmx1g -Ddruid.s3.secretKey=s3cr3t-in-java-opts"},
		corev1.EnvVar{Name: "S3_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "druid-s3"}, Key: "secret"}}})
	c.Args = []string{"-Ddruid.metadata.storage.connector.password=hunter2-in-args", "--token", "next-arg-secret",
		"--uri=https://druid:https-userinfo-pw@metadata:5432/druid", "--header=Authorization: Bearer bearer-token-abcdefgh"}
	pod.Annotations["example.com/db-password"] = "annotation-password-9"
	pod.Annotations["task"] = gzipB64(`{"type":"index_kafka","id":"` + taskID + `","dataSource":"wikipedia",` +
		`"ioConfig":{"consumerProperties":{"bootstrap.servers":"kafka:9092",` +
		`"sasl.jaas.config":"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"druid\" password=\"jaas-pw-77\";"},` +
		`"inputSource":{"type":"s3","properties":{"secretAccessKey":{"type":"default","password":"payload-secret-key-1"}}}},` +
		`"context":{"metadataPassword":"metadata-db-pw"}}`)
	return pod
}

func TestRedactedPodKeepsNoSecret(t *testing.T) {
	r := NewRedactor()
	red := r.Pod(careless())
	out, err := yaml.Marshal(red)
	if err != nil {
		t.Fatal(err)
	}
	all := string(r.Text(out)) + string(r.Text(r.TaskPayload()))
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("secret %q survived redaction", s)
		}
	}
	for _, keep := range []string{"name: DB_PASSWORD", "name: FOO", "secretKeyRef", "name: druid-s3", "image: apache/druid:33.0.0", taskID} {
		if !strings.Contains(all, keep) {
			t.Errorf("redaction removed %q, which is no secret", keep)
		}
	}
	if !strings.Contains(string(r.TaskPayload()), `"dataSource": "wikipedia"`) || !strings.Contains(string(r.TaskPayload()), `"bootstrap.servers": "kafka:9092"`) {
		t.Errorf("the task payload lost its non-secret fields:\n%s", r.TaskPayload())
	}
	if careless().Spec.Containers[0].Env[len(careless().Spec.Containers[0].Env)-2].Value == "REDACTED" {
		t.Fatal("Pod redacted the caller's object instead of a copy")
	}
}

func TestScrubRemovesCredentialsFromText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"key=value in a JVM flag", "-Ddruid.s3.secretKey=abc123 -Xmx1g", "-Ddruid.s3.secretKey=REDACTED -Xmx1g"},
		{"properties dump in a peon log", "druid.metadata.storage.connector.password: pw123", "druid.metadata.storage.connector.password: REDACTED"},
		{"pretty JSON", `"password" : "x y z",`, `"password" : "REDACTED",`},
		{"URL user info", "jdbc:postgresql://druid:pw@db:5432/x and http://u:p@h/", "jdbc:postgresql://druid:REDACTED@db:5432/x and http://u:REDACTED@h/"},
		{"bearer token", "Authorization: Bearer abcdefghijkl", "Authorization: Bearer REDACTED"},
		{"AWS key ID", "key AKIAIOSFODNN7EXAMPLE used", "key REDACTED used"},
		{"YAML secretKeyRef keeps its structure", "secretKeyRef:\n  key: secret\n", "secretKeyRef:\n  key: secret\n"},
		{"ordinary log line untouched", "INFO [main] org.apache.druid.cli.CliPeon - Finished peon task", "INFO [main] org.apache.druid.cli.CliPeon - Finished peon task"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(NewRedactor().Text([]byte(tt.in))); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestScrubRemovesASecretWhereverItWasCopied(t *testing.T) {
	r := NewRedactor()
	r.Pod(careless())
	log := "2026-11-26T21:14:29,001 INFO connecting with hunter2-env-value and wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY\n"
	if got := string(r.Text([]byte(log))); strings.Contains(got, "hunter2") || strings.Contains(got, "wJalr") {
		t.Fatalf("a copied secret survived: %s", got)
	}
}

func TestRedactJSONDocument(t *testing.T) {
	r := NewRedactor()
	got := string(r.JSON([]byte(`{"task":"t","payload":{"spec":{"ioConfig":{"inputSource":{"type":"http","uris":["http://u:pw1@h/f"],"httpAuthenticationPassword":"pw2"}}}}}`)))
	for _, s := range []string{"pw1", "pw2"} {
		if strings.Contains(got, s) {
			t.Fatalf("%s survived: %s", s, got)
		}
	}
	if !strings.Contains(got, `"type": "http"`) {
		t.Fatalf("non-secret field lost: %s", got)
	}
	if got := string(r.JSON([]byte("not json password=pw3"))); strings.Contains(got, "pw3") {
		t.Fatalf("an invalid document is scrubbed as text: %s", got)
	}
}
