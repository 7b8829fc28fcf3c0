package trace

import (
	"strconv"
	"strings"
)

type leaderEvent int

const (
	noLeaderEvent leaderEvent = iota
	leaderGained
	leaderLost
)

// The leader lines: TaskMaster (<= 30) and DruidOverlord (31) log "By the
// power of Grayskull, I have the power!"; DruidOverlord 32+ logs "By the
// power of Grayskull, I have the power. I am the leader" and, when
// leadership is lost, "I am no longer the leader..."
// (apache/druid:indexing-service/src/main/java/org/apache/druid/indexing/
// overlord/DruidOverlord.java@4c0f5240c1:108 and :197; #17519 @0eb8d733d4).
const (
	leaderPhrase     = "By the power of Grayskull, I have the power"
	leaderLostPhrase = "I am no longer the leader"
)

// leaderChange says whether a message is a leader line.
func leaderChange(msg string) leaderEvent {
	switch {
	case strings.Contains(msg, leaderPhrase):
		return leaderGained
	case strings.Contains(msg, leaderLostPhrase):
		return leaderLost
	}
	return noLeaderEvent
}

// leaderVersions are the versions that print a leader line.
func leaderVersions(msg string) (since, until int) {
	switch {
	case strings.Contains(msg, leaderPhrase+". I am the leader"), strings.Contains(msg, leaderLostPhrase):
		return 32, 0
	case strings.Contains(msg, leaderPhrase+"!"):
		return 25, 31
	}
	return 0, 0
}

// narrow intersects the version range lo..hi (0: unbounded) with
// since..until.
func narrow(lo, hi, since, until int) (int, int) {
	if since == 0 {
		return lo, hi
	}
	if since > lo {
		lo = since
	}
	if until != 0 && (hi == 0 || until < hi) {
		hi = until
	}
	return lo, hi
}

// VersionRange describes lo..hi as "36+", "27-33" or "35"; "" without a
// hint.
func VersionRange(lo, hi int) string {
	switch {
	case lo == 0:
		return ""
	case hi == 0:
		return strconv.Itoa(lo) + "+"
	case hi <= lo:
		return strconv.Itoa(hi)
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
}
