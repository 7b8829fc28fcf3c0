package testbed

import (
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"

	"github.com/spaolacci/murmur3"
)

// stripRE is Druid's K8sTaskId regex [^a-zA-Z0-9\\s] as Java reads it: keeps letters, digits and
// backslash (the "s" is a literal letter, already kept).
var stripRE = regexp.MustCompile(`[^a-zA-Z0-9\\]`)

// labelRE is Druid's convertStringToK8sLabel character filter.
var labelRE = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// druidStrip deletes everything Druid's K8sTaskId deletes and lowercases the rest.
func druidStrip(s string) string { return strings.ToLower(stripRE.ReplaceAllString(s, "")) }

func left(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// murmurHex is Guava's murmur3_128 (seed 0) HashCode.toString() of the UTF-8 bytes of s.
func murmurHex(s string) string {
	h1, h2 := murmur3.Sum128([]byte(s))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], h1)
	binary.LittleEndian.PutUint64(b[8:], h2)
	return hex.EncodeToString(b[:])
}

// DruidMajor returns the major release of a Druid version string ("28", "33.0.0" -> 28, 33);
// 0 when it cannot be parsed.
func DruidMajor(version string) int {
	n, _ := strconv.Atoi(strings.SplitN(strings.TrimSpace(version), ".", 2)[0])
	return n
}

// JobName is the Kubernetes Job name Druid's task runner of the given release gives a task:
// 25-27: first 63 chars of the stripped id; 28+: first 30 chars of it + "-" + murmur3 hex of the raw
// id; 33+ with a non-empty prefix: the stripped prefix replaces the id part.
func JobName(druidVersion, namePrefix, taskID string) string {
	major := DruidMajor(druidVersion)
	if major != 0 && major < 28 {
		return left(druidStrip(taskID), 63)
	}
	base := druidStrip(taskID)
	if major >= 33 && namePrefix != "" {
		base = druidStrip(namePrefix)
	}
	return left(base, 30) + "-" + murmurHex(taskID)
}

// TaskIDLabel is Druid's convertTaskIdToK8sLabel (druid.task.id, druid.task.group.id labels).
func TaskIDLabel(s string) string { return left(druidStrip(s), 63) }

// StringLabel is Druid's convertStringToK8sLabel (druid.task.type, druid.task.datasource labels):
// drop characters outside [A-Za-z0-9_.-], cut to 63, trim leading/trailing "_", "." and "-".
func StringLabel(s string) string {
	return strings.Trim(left(labelRE.ReplaceAllString(s, ""), 63), "_.-")
}
