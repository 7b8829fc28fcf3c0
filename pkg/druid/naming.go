package druid

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spaolacci/murmur3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxTaskIDLength bounds the task IDs this plugin accepts. Druid IDs embed a
// datasource name (at most 255 bytes) and up to three ISO timestamps, so
// anything beyond this is a paste accident, not a task.
const MaxTaskIDLength = 1024

// Rule names the Druid naming rule that produced a Job name.
type Rule string

// The Job naming rules of every Druid release that has the Kubernetes task runner.
const (
	// RuleDruid28 is Druid 28+: left(strip(id),30) + "-" + murmur3_128(id).
	RuleDruid28 Rule = "druid-28+"
	// RuleDruid25 is Druid 25-27: left(strip(id),63), no hash.
	RuleDruid25 Rule = "druid-25-27"
	// RuleDruid33Prefix is Druid 33+ with k8sTaskPodNamePrefix set:
	// left(strip(prefix),30) + "-" + murmur3_128(id).
	RuleDruid33Prefix Rule = "druid-33+-prefix"
)

// Candidate is one Job name a task may have, with the rule that gave it.
type Candidate struct {
	Name string
	Rule Rule
	// Invalid says why Kubernetes would reject the name (AllJobNames only).
	Invalid string
}

// InvalidTaskIDError reports a task ID that can never be a Druid task ID.
type InvalidTaskIDError struct {
	TaskID string
	Reason string
}

func (e *InvalidTaskIDError) Error() string {
	return "invalid task ID: " + e.Reason
}

// ValidateTaskID rejects IDs Druid itself would refuse (IdUtils.validateId:
// empty, containing '/', starting with '.', whitespace other than a space,
// control characters) and IDs that are not text at all.
func ValidateTaskID(id string) error {
	bad := func(format string, args ...any) error {
		return &InvalidTaskIDError{TaskID: id, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case id == "":
		return bad("it is empty")
	case strings.TrimSpace(id) == "":
		return bad("it is only whitespace")
	case len(id) > MaxTaskIDLength:
		return bad("it is %d bytes long; Druid task IDs are at most %d", len(id), MaxTaskIDLength)
	case !utf8.ValidString(id):
		return bad("it is not valid UTF-8")
	case strings.TrimSpace(id) != id:
		return bad("it has leading or trailing whitespace (pasted with extra characters?)")
	case strings.HasPrefix(id, "."):
		return bad("it starts with '.'")
	case strings.Contains(id, "/"):
		return bad("it contains '/'")
	}
	for i, r := range id {
		if unicode.IsControl(r) || (unicode.IsSpace(r) && r != ' ') {
			return bad("it contains the control or whitespace character %U at byte %d", r, i)
		}
	}
	return nil
}

// JobNames returns the candidate Job names for taskID in the order a lookup
// should try them: the prefixed rule first when a prefix is given (the
// operator told us it is set), then Druid 28+ (today's releases), then Druid
// 25-27. Names that cannot be Kubernetes object names (a task ID whose
// stripped form keeps a backslash, say) are left out, so every returned
// name is a valid DNS-1123 label: AllJobNames keeps them. The task ID must
// have passed ValidateTaskID.
func JobNames(taskID, namePrefix string) []Candidate {
	var out []Candidate
	for _, c := range AllJobNames(taskID, namePrefix) {
		if c.Invalid == "" {
			out = append(out, c)
		}
	}
	return out
}

// AllJobNames is JobNames with the names Kubernetes would reject kept, each
// with the reason in Invalid: Druid computes them, and its Job creation then
// fails, so such a task never runs.
func AllJobNames(taskID, namePrefix string) []Candidate {
	hash := TaskHash(taskID)
	var out []Candidate
	add := func(name string, rule Rule) {
		for _, c := range out {
			if c.Name == name {
				return
			}
		}
		c := Candidate{Name: name, Rule: rule}
		switch errs := validation.IsDNS1123Label(name); {
		case len(errs) == 0:
		case name == "":
			c.Invalid = "it is empty (the task ID has no letter or digit)"
		case strings.Contains(name, `\`):
			c.Invalid = `it contains '\' (Druid's strip keeps backslashes); names are lower-case letters, digits and '-'`
		default:
			c.Invalid, _, _ = strings.Cut(errs[0], " (e.g.")
		}
		out = append(out, c)
	}
	if p := strip(namePrefix); p != "" {
		add(left(p, 30)+"-"+hash, RuleDruid33Prefix)
	}
	add(left(strip(taskID), 30)+"-"+hash, RuleDruid28)
	add(left(strip(taskID), 63), RuleDruid25)
	return out
}

// TaskHash is Druid's Hashing.murmur3_128().hashString(id, UTF_8).toString():
// MurmurHash3 x64 128-bit, seed 0, as h1 then h2 in little-endian byte order,
// lowercase hex.
func TaskHash(taskID string) string {
	h1, h2 := murmur3.Sum128([]byte(taskID))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], h1)
	binary.LittleEndian.PutUint64(b[8:], h2)
	return hex.EncodeToString(b[:])
}

// LabelValue is Druid's convertTaskIdToK8sLabel: the stripped, lowercased ID
// cut to 63 characters, used for the druid.task.id and druid.task.group.id
// labels (and, in Druid 25-27, as the Job name).
func LabelValue(id string) string {
	return left(strip(id), 63)
}

// strip keeps ASCII letters, digits and backslash and lowercases the result:
// Druid's regex [^a-zA-Z0-9\\s] is a Java literal whose escaped backslash
// keeps '\' and the letter 's', not whitespace.
func strip(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '\\':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + ('a' - 'A'))
		}
	}
	return b.String()
}

func left(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
