// Package druid holds what this plugin knows about Apache Druid's Kubernetes
// task runner: how a task ID becomes a Job name in every release, the labels
// and annotations the runner writes, and the lifecycle rule that decides
// whether a task is RUNNING.
//
// Everything here is a pure function over strings and k8s.io/api types: the
// package must not import client-go or do any I/O, so the rules stay trivially
// testable and a newcomer finds them in one place.
package druid
