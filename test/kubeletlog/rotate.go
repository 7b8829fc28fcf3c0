package kubeletlog

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// The names the kubelet's container log manager gives rotated files
// (pkg/kubelet/logs/container_log_manager.go, Kubernetes v1.37).
const (
	// TimestampFormat is the suffix of a rotated file: NAME.log.20060102-150405.
	TimestampFormat = "20060102-150405"
	compressSuffix  = ".gz"
	tmpSuffix       = ".tmp"
)

// DefaultMaxWait is the kubelet's default containerLogMonitorInterval: a rotation is never later
// than this after it is due.
const DefaultMaxWait = 10 * time.Second

// Policy is the kubelet's LogRotatePolicy: containerLogMaxSize and containerLogMaxFiles.
type Policy struct {
	// MaxSize is the size in bytes at which NAME.log is rotated; 0 or less: never.
	MaxSize int64
	// MaxFiles is how many files (NAME.log included) are kept; the kubelet requires more than 1
	// (default 5).
	MaxFiles int
	// MaxWait bounds how long a due rotation waits for follow streams still reading an older file
	// (see the package doc); default DefaultMaxWait.
	MaxWait time.Duration
}

func (p Policy) maxWait() time.Duration {
	if p.MaxWait > 0 {
		return p.MaxWait
	}
	return DefaultMaxWait
}

// Rotator rotates one container log as the kubelet's container log manager does, when it is due.
// It is not safe for concurrent use; the writer may be another goroutine or process as long as it
// appends through AppendFile.
type Rotator struct {
	// Path is NAME.log.
	Path string
	// Policy is the rotation policy.
	Policy Policy

	due       time.Time // when the size was first seen at MaxSize or more (zero: not due)
	last      time.Time // the timestamp of the last rotated name
	rotations int
}

// Rotations is how many rotations were made.
func (r *Rotator) Rotations() int { return r.rotations }

// Check is one look of the kubelet's monitor at a running container's log: if NAME.log has
// reached MaxSize it is rotated, unless a follow stream of this process still reads an older file
// and the rotation has been due for less than MaxWait. It reports whether it rotated.
func (r *Rotator) Check(now time.Time) (bool, error) {
	if r.Policy.MaxSize <= 0 {
		return false, nil
	}
	info, err := os.Stat(r.Path)
	if err != nil || info.Size() < r.Policy.MaxSize {
		r.due = time.Time{}
		if os.IsNotExist(err) {
			err = nil
		}
		return false, err
	}
	if r.due.IsZero() {
		r.due = now
	}
	if FollowersBehind(r.Path) && now.Sub(r.due) < r.Policy.maxWait() {
		return false, nil
	}
	return true, r.Rotate(now)
}

// Rotate rotates now, whatever the size.
func (r *Rotator) Rotate(now time.Time) error {
	stamp := now.Truncate(time.Second)
	if !stamp.After(r.last) {
		stamp = r.last.Add(time.Second)
	}
	if err := RotateLog(r.Path, r.Policy.MaxFiles, stamp); err != nil {
		return err
	}
	r.last, r.due = stamp, time.Time{}
	r.rotations++
	return nil
}

// RotateLog is the kubelet's rotateLog for the log at path: remove unused leftovers, keep at most
// maxFiles-2 rotated files (oldest removed first), gzip the uncompressed rotated ones, rename
// NAME.log to NAME.log.<stamp> and reopen: create the new, empty NAME.log as the runtime does when
// the kubelet calls ReopenContainerLog. The rename and the reopen happen under the directory lock
// AppendFile takes, so no write lands in the renamed file after the new one exists.
func RotateLog(path string, maxFiles int, stamp time.Time) error {
	logs, err := filepath.Glob(path + ".*")
	if err != nil {
		return err
	}
	inuse, unused := filterUnused(logs)
	for _, l := range unused {
		if err := os.Remove(l); err != nil {
			return fmt.Errorf("failed to remove unused log %q: %w", l, err)
		}
	}
	sort.Strings(inuse)
	keep := max(maxFiles-2, 0)
	for len(inuse) > keep {
		if err := os.Remove(inuse[0]); err != nil {
			return fmt.Errorf("failed to remove old log %q: %w", inuse[0], err)
		}
		inuse = inuse[1:]
	}
	for _, l := range inuse {
		if !strings.HasSuffix(l, compressSuffix) {
			if err := compress(l); err != nil {
				return err
			}
		}
	}
	unlock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer unlock()
	rotated := path + "." + stamp.Format(TimestampFormat)
	if err := os.Rename(path, rotated); err != nil {
		return fmt.Errorf("failed to rotate log %q to %q: %w", path, rotated, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		_ = os.Rename(rotated, path)
		return fmt.Errorf("failed to reopen container log %q: %w", path, err)
	}
	return f.Close()
}

// filterUnused splits rotated files as the kubelet's filterUnusedLogs: temporary files and
// uncompressed files whose .gz exists are unused.
func filterUnused(logs []string) (inuse, unused []string) {
	all := map[string]bool{}
	for _, l := range logs {
		all[l] = true
	}
	for _, l := range logs {
		if strings.HasSuffix(l, tmpSuffix) || (!strings.HasSuffix(l, compressSuffix) && all[l+compressSuffix]) {
			unused = append(unused, l)
		} else {
			inuse = append(inuse, l)
		}
	}
	return inuse, unused
}

// compress gzips log to log.gz through log.tmp and removes log, as the kubelet's compressLog.
func compress(log string) error {
	r, err := os.Open(log)
	if err != nil {
		return err
	}
	defer r.Close()
	tmp := log + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	w := gzip.NewWriter(f)
	if _, err := io.Copy(w, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("failed to compress %q: %w", log, err)
	}
	if err := w.Close(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, log+compressSuffix); err != nil {
		return err
	}
	return os.Remove(log)
}

// Files returns the log's files oldest first, NAME.log last, as the kubelet's GetAllLogs.
func Files(path string) ([]string, error) {
	logs, err := filepath.Glob(path + ".*")
	if err != nil {
		return nil, err
	}
	inuse, _ := filterUnused(logs)
	sort.Strings(inuse)
	return append(inuse, path), nil
}

// ReadAll returns what the files kept on disk hold, oldest first, rotated files decompressed: the
// whole log as written if no file was removed yet.
func ReadAll(path string) ([]byte, error) {
	files, err := Files(path)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, name := range files {
		b, err := readFile(name)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

func readFile(name string) ([]byte, error) {
	if !strings.HasSuffix(name, compressSuffix) {
		return os.ReadFile(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// AppendFile appends data to the container log at path in one write, as the runtime writes its
// current NAME.log, creating it if needed. It holds the directory lock that RotateLog takes
// around its rename and reopen, so it works across processes (the test bed writes the files the
// test kubelet rotates).
func AppendFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	unlock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// lockDir takes an exclusive flock on dir (a lock file would match the kubelet's NAME.log.* glob).
func lockDir(dir string) (func(), error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
		_ = d.Close()
	}, nil
}

// FollowersBehind reports whether a file of this process is open on a rotated, not yet removed
// file of the log at path (NAME.log.TS): a reader (ReadLogs following) has not reopened NAME.log
// since the last rotation. Linux only (it reads /proc/self/fd); elsewhere it reports false.
func FollowersBehind(path string) bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false
	}
	prefix := path + "."
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || !strings.HasPrefix(target, prefix) {
			continue
		}
		rest := target[len(prefix):]
		if strings.HasSuffix(rest, " (deleted)") || strings.HasSuffix(rest, compressSuffix) || strings.HasSuffix(rest, tmpSuffix) {
			continue // a reader on a removed file cannot catch up; the compressor's own files
		}
		return true
	}
	return false
}

// Watching reports whether this process holds an inotify instance: a following ReadLogs creates
// its directory watch only when it first reaches the end of the file. The kubelet's reader has
// this window too: a rotation before that first end is never noticed (the Create event of the
// new NAME.log comes before the watch), so the reader stays on the rotated file until the
// container exits. Tests that flood a log start once the reader watches. Linux only (it reads
// /proc/self/fd); elsewhere it reports true.
func Watching() bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return true
	}
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == "anon_inode:inotify" {
			return true
		}
	}
	return false
}
