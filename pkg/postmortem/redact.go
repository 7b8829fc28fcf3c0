package postmortem

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Redacted replaces every secret value.
const Redacted = "REDACTED"

// The annotations redaction treats specially.
const (
	// taskAnnotation is Druid's gzip+base64 task payload (customTemplateAdapter).
	taskAnnotation = "task"
	// taskJSONEnv is the same payload as an env value (overlordSingleContainer).
	taskJSONEnv = "TASK_JSON"
	// lastApplied holds a whole earlier object, env values included.
	lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
)

var (
	// credentialKey names a key or flag whose value is a credential.
	credentialKey = regexp.MustCompile(`(?i)(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|jaas)`)
	// keyValue is KEY=VALUE or KEY: VALUE (also "KEY" : "VALUE") with a
	// credential-like KEY, on one line.
	keyValue  = regexp.MustCompile(`(?i)([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|jaas)[\w.-]*"?[ \t]*[:=][ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,;&"'}\]]+)`)
	userInfo  = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@`)
	authToken = regexp.MustCompile(`(?i)\b(bearer|basic)([ \t]+)[A-Za-z0-9._~+/=-]{8,}`)
	awsKeyID  = regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)
	pemBlock  = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`)
	flagOnly  = regexp.MustCompile(`^--?[\w.-]+$`)
)

// Redactor removes secrets from what goes into a support bundle. It
// remembers every secret value it removed, so that Text also removes
// copies of them (a log line that echoed an environment value).
type Redactor struct {
	secrets map[string]bool
	payload []byte
}

// NewRedactor returns a Redactor that has seen no secret yet.
func NewRedactor() *Redactor { return &Redactor{secrets: map[string]bool{}} }

// TaskPayload is the task payload found in the `task` annotation or the
// TASK_JSON variable of the objects redacted so far, itself redacted and
// indented; nil if none was found.
func (r *Redactor) TaskPayload() []byte { return r.payload }

// Pod returns a redacted copy of pod: every environment value, credential
// arguments and annotations, the task payload annotation (decoded into
// TaskPayload) and managed fields.
func (r *Redactor) Pod(pod *corev1.Pod) *corev1.Pod {
	p := pod.DeepCopy()
	p.ManagedFields = nil
	r.annotations(p.Annotations)
	r.podSpec(&p.Spec)
	return p
}

// Job returns a redacted copy of job, its pod template included.
func (r *Redactor) Job(job *batchv1.Job) *batchv1.Job {
	j := job.DeepCopy()
	j.ManagedFields = nil
	r.annotations(j.Annotations)
	r.annotations(j.Spec.Template.Annotations)
	r.podSpec(&j.Spec.Template.Spec)
	return j
}

func (r *Redactor) podSpec(spec *corev1.PodSpec) {
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			r.container(&list[i].Env, list[i].Command, list[i].Args)
		}
	}
	for i := range spec.EphemeralContainers {
		c := &spec.EphemeralContainers[i].EphemeralContainerCommon
		r.container(&c.Env, c.Command, c.Args)
	}
}

func (r *Redactor) container(env *[]corev1.EnvVar, command, args []string) {
	for i := range *env {
		e := &(*env)[i]
		if e.Value == "" {
			continue // valueFrom names a Secret or ConfigMap key: no value here
		}
		if e.Name == taskJSONEnv {
			r.decodePayload(e.Value)
		}
		if credentialKey.MatchString(e.Name) {
			r.remember(e.Value)
		}
		r.Text([]byte(e.Value)) // remembers key=value secrets inside, e.g. in JAVA_OPTS
		e.Value = Redacted
	}
	for _, list := range [][]string{command, args} {
		for i := range list {
			if i > 0 && flagOnly.MatchString(list[i-1]) && credentialKey.MatchString(list[i-1]) {
				r.remember(list[i])
				list[i] = Redacted
				continue
			}
			list[i] = string(r.Text([]byte(list[i])))
		}
	}
}

func (r *Redactor) annotations(m map[string]string) {
	for k, v := range m {
		switch {
		case k == taskAnnotation:
			r.decodePayload(v)
			m[k] = Redacted + " (decoded and redacted into task.json)"
		case k == lastApplied:
			m[k] = Redacted + " (an earlier copy of the object, environment values included)"
		case credentialKey.MatchString(k):
			r.remember(v)
			m[k] = Redacted
		default:
			m[k] = string(r.Text([]byte(v)))
		}
	}
}

// decodePayload reads Druid's gzip+base64 task JSON and keeps it redacted.
func (r *Redactor) decodePayload(v string) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return
	}
	js, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return
	}
	r.payload = r.JSON(js)
}

// JSON redacts a JSON document: the value of every credential-like key,
// and credentials inside strings. It returns the document indented; a
// document that does not parse is scrubbed as text.
func (r *Redactor) JSON(doc []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return r.Text(doc)
	}
	v = r.value("", v)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return r.Text(doc)
	}
	return r.Text(append(out, '\n'))
}

func (r *Redactor) value(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = r.value(k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.value(key, e)
		}
		return x
	case string:
		if credentialKey.MatchString(key) {
			r.remember(x)
			return Redacted
		}
		return string(r.Text([]byte(x)))
	case json.Number:
		if credentialKey.MatchString(key) {
			return Redacted
		}
	}
	return v
}

// Text removes credentials from text: the secrets seen so far wherever
// they occur, KEY=VALUE pairs with a credential-like key, a URL's
// password, Bearer and Basic tokens, AWS key IDs and private keys.
func (r *Redactor) Text(b []byte) []byte {
	s := string(b)
	s = pemBlock.ReplaceAllString(s, Redacted)
	s = keyValue.ReplaceAllStringFunc(s, func(m string) string {
		sub := keyValue.FindStringSubmatch(m)
		val := sub[2]
		if strings.Trim(val, `"'`) == Redacted {
			return m
		}
		r.remember(strings.Trim(val, `"'`))
		if q := val[0]; q == '"' || q == '\'' {
			return sub[1] + string(q) + Redacted + string(q)
		}
		return sub[1] + Redacted
	})
	s = userInfo.ReplaceAllString(s, "${1}"+Redacted+"@")
	s = authToken.ReplaceAllString(s, "${1}${2}"+Redacted)
	s = awsKeyID.ReplaceAllString(s, Redacted)
	for _, secret := range r.known() {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return []byte(s)
}

// remember keeps a secret value for Text; very short values (an empty
// password, "true") would wipe out ordinary text and are not kept.
func (r *Redactor) remember(v string) {
	if len(v) >= 6 && v != Redacted {
		r.secrets[v] = true
	}
}

// known lists the secrets, longest first, so a secret containing another
// is replaced whole.
func (r *Redactor) known() []string {
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		return len(out[i]) > len(out[j]) || (len(out[i]) == len(out[j]) && out[i] < out[j])
	})
	return out
}
