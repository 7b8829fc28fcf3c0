// Package kubeletlog is a container log on disk as a Kubernetes node keeps it, for tests that
// must see what the kubelet really serves when a long-running container's log is rotated:
//
//   - the runtime (containerd, CRI-O) appends CRI records to DIR/NAME.log (AppendFile, Log.Append);
//   - the kubelet's container log manager (k8s.io/kubernetes pkg/kubelet/logs,
//     container_log_manager.go, v1.37) rotates it once it reaches containerLogMaxSize: temporary
//     and already-compressed leftovers are removed, the oldest rotated files are removed so that at
//     most containerLogMaxFiles files remain, the older rotated files are gzipped (NAME.log.TS.gz),
//     NAME.log is renamed to NAME.log.TS (TS in the format 20060102-150405) and the runtime is
//     asked to reopen its log, which creates a new, empty NAME.log (Rotator, RotateLog);
//   - every request is answered by the kubelet's own reader, ReadLogs of k8s.io/cri-client
//     pkg/logs, over those files, with a fake runtime service answering ContainerStatus (running or
//     exited) the way ReadLogs asks it (Log.Open, Log.ServeHTTP). So a follow stream reopens the new
//     NAME.log after a rotation and ends once the container exited and the file is drained, and a
//     new request (sinceTime, tailLines, a resume) reads the current NAME.log only: the lines of the
//     rotated files are gone from the API.
//
// Use in a unit test (a fake clientset or a follow.Opener):
//
//	l, err := kubeletlog.New(t.TempDir(), "main", kubeletlog.Policy{MaxSize: 64 << 10, MaxFiles: 5})
//	defer l.Close()
//	follower := follow.New(l.Open, &out, opts)         // l.Open is a follow.Opener
//	l.Append(crilog.Line(crilog.Stdout, "line 1", 0)...) // rotates when NAME.log reaches MaxSize
//	l.CutStreams(io.ErrUnexpectedEOF)                    // every open stream fails now
//	l.BeforeOpen = func(*corev1.PodLogOptions) error { return l.Rotate() } // rotate before a resume
//	l.Exit()                                             // follow streams drain and end
//
// or over HTTP (an httptest.Server answering GET .../log?follow=&sinceTime=&tailLines=...):
//
//	srv := httptest.NewServer(l)
//
// Log.All returns the whole log written so far, rotated files included, as the runtime wrote it
// (Druid's stored task log is built from the same output).
//
// One liberty is taken with time, never with content: the kubelet checks sizes every
// containerLogMonitorInterval (10 s), so a rotation happens at most that often and a follower is
// never more than one rotation behind unless it lags that long. A test writes megabytes in
// milliseconds, so a due rotation here waits (at most Policy.MaxWait) until no follow stream of the
// process still reads an older file: every reader has reopened NAME.log, as it would have within
// 10 s. A reader that lags longer than MaxWait loses the lines of the files it skipped, as with the
// real kubelet. Rotated names advance at least one second per rotation so that two rotations in
// one second do not overwrite each other (the kubelet's monitor period makes that impossible).
//
// It is test code: the plugin never imports it.
package kubeletlog
