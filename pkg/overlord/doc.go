// Package overlord is a small client for the Apache Druid Overlord's task
// API (base path /druid/indexer/v1): one task's status, its log from a byte
// offset, its reports and payload as raw JSON, and task lists by state.
//
// It owns the JSON model of TaskStatusPlus and the interpretation of a
// status (finished, pending, running, waiting), including Druid's known
// inconsistency that a finished task unknown to the runner reports
// runnerStatusCode WAITING: completion is decided by statusCode alone.
//
// The package uses net/http only. To reach an Overlord through the
// Kubernetes API server's service proxy it takes an http.RoundTripper built
// elsewhere (rest.TransportFor); it never imports client-go. Credentials are
// read from a file or the environment, never from a flag value, and never
// appear in String() output or error messages.
package overlord
