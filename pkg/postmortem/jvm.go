package postmortem

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// jvm is what a container's spec says of the peon JVM's memory. Only the
// memory flags are read from the environment: nothing else of a value is
// kept, so no secret can leak through here.
type jvm struct {
	heap, direct         int64
	heapFlag, directFlag string
	// where says where the flags were found, e.g. "env JAVA_OPTS".
	where string
}

var (
	xmxFlag    = regexp.MustCompile(`(?:^|\s)-Xmx(\d+[kKmMgGtT]?)\b`)
	directFlag = regexp.MustCompile(`(?:^|\s)-XX:MaxDirectMemorySize=(\d+[kKmMgGtT]?)\b`)
)

// jvmEnv are the variables peon.sh reads JVM flags from.
var jvmEnv = []string{"JAVA_OPTS", "DRUID_XMX", "DRUID_MAXDIRECTMEMORYSIZE", "JAVA_TOOL_OPTIONS"}

// jvmOf reads -Xmx and -XX:MaxDirectMemorySize from a container's JVM
// environment variables and arguments; the last one set wins, as in Java.
func jvmOf(c *corev1.Container) jvm {
	var j jvm
	if c == nil {
		return j
	}
	var where []string
	scan := func(src, text string) {
		found := false
		if m := xmxFlag.FindAllStringSubmatch(text, -1); m != nil {
			j.heapFlag, j.heap, found = "-Xmx"+m[len(m)-1][1], javaBytes(m[len(m)-1][1]), true
		}
		if m := directFlag.FindAllStringSubmatch(text, -1); m != nil {
			v := m[len(m)-1][1]
			j.directFlag, j.direct, found = "-XX:MaxDirectMemorySize="+v, javaBytes(v), true
		}
		if found {
			where = append(where, src)
		}
	}
	for _, e := range c.Env {
		for _, name := range jvmEnv {
			if e.Name != name || e.Value == "" {
				continue
			}
			switch name {
			case "DRUID_XMX":
				scan("env "+name, "-Xmx"+strings.TrimSpace(e.Value))
			case "DRUID_MAXDIRECTMEMORYSIZE":
				scan("env "+name, "-XX:MaxDirectMemorySize="+strings.TrimSpace(e.Value))
			default:
				scan("env "+name, e.Value)
			}
		}
	}
	scan("container args", strings.Join(append(append([]string{}, c.Command...), c.Args...), " "))
	j.where = strings.Join(where, ", ")
	return j
}

// describe compares heap + direct memory with the container's limit.
func (j jvm) describe(limit string) string {
	flags := strings.TrimSpace(j.heapFlag + " " + j.directFlag)
	if j.heap == 0 || j.direct == 0 {
		return flags
	}
	s := fmt.Sprintf("%s: heap + direct = %s", flags, humanBytes(j.heap+j.direct))
	if l := quantityBytes(limit); l > 0 && j.heap+j.direct > l*4/5 {
		s += fmt.Sprintf(", which leaves less than 20%% of the %s limit for the JVM itself", limit)
	}
	return s
}

// javaBytes parses a JVM size (1536m, 8g, 1073741824).
func javaBytes(s string) int64 {
	if s == "" {
		return 0
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n * mult
}

// detectedDirect reads DruidProcessingConfig's "Detected max direct memory
// size of [2,147,483,648] bytes".
func detectedDirect(line string) int64 {
	_, rest, ok := strings.Cut(line, "Detected max direct memory size of [")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(rest, "]")
	n, err := strconv.ParseInt(strings.ReplaceAll(num, ",", ""), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// humanBytes prints a size in binary units, as "2 GiB" or "1.5 GiB".
func humanBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0") + " " + units[i]
}

// memoryLimit is the container's resources.limits.memory, "" if none.
func memoryLimit(c *corev1.Container) string {
	if c == nil {
		return ""
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		return q.String()
	}
	return ""
}

// quantityBytes parses a Kubernetes memory quantity ("2Gi"), 0 if invalid.
func quantityBytes(s string) int64 {
	if s == "" {
		return 0
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.Value()
}
