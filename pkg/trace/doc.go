// Package trace reads an Apache Druid Overlord's own log as evidence of
// where a task's live-log request stops: the five layers of Druid's path
// (request, work-item, lifecycle, running, log-watch; see StepID).
//
// Stock Druid logs nothing on the live-log path itself (only an ERROR when
// the pod's log cannot be read, and request-log lines when the logger
// org.apache.druid.jetty.RequestLog is at DEBUG), so the layers are
// decided from the task's life in the log: the statements of the
// Kubernetes task runner, peon lifecycle and client (direct and 36+
// informer), the multik8s runner (38+), the task queue and lockbox, the
// task-log pushes, the request log and the "Failed to run task" alert,
// across Druid 27-39 (the statements table in stock.go names each format
// string, its class, its versions and its source line). The guide's
// instrumented markers ([STREAM], [WORKITEM], [LIFECYCLE], [K8S-CLIENT],
// printed by no Druid release) are still followed when a build prints
// them.
//
// It is pure: lines are fed one at a time (Tracer.Feed, Summarizer.Feed)
// and only the traced task's lines, its stack traces (the first lines and
// every "Caused by:" with its first frame, up to the root cause) and a
// bounded context per logging thread are kept, so an Overlord log of any
// size can be streamed through it. Lines naming only the Job (27-33's
// submit line, the informer client's lines) are the task's when the Job is
// one of Options.Jobs (pkg/druid's names) or was named with the task
// ("Submitting job[JOB] for task[ID].", K8sTaskId "[ ID, JOB]").
//
// Evaluate(ctx, pods) is the entry point. Its Result keeps the JSON fields
// of `trace -o json` and adds:
//   - Log (TaskLog): what the stock lines show, layer by layer. State is
//     not-seen, requested (only request-log lines), waiting (submitted, not
//     handed to the runner), queued (handed to the runner, no Job: lifecycle
//     NOT_STARTED), pending (Job submitted, no line that the pod runs),
//     running or finished. Added/Queued/Submitted/Launched/Running are the
//     lines that prove each stage (PodState the phase named when the
//     lifecycle became RUNNING); Requests and LogRequests the request-log
//     lines naming the task and the /log ones by HTTP status; LogReadErrors
//     the failed live-log reads with their stack trace and root cause;
//     Outcome how it ended (status, errorMsg and its category, duration, the
//     alert's exceptionType/exceptionMessage, "failed because", the
//     launch exception, the Job's failure reason, a vanished Job, no
//     status.json, where the log was pushed, the Job's cleanup);
//     DruidVersions the version range the log's statements fit.
//   - NoDruidLines and NoDruidLinesCause: the pods' log has lines but none
//     in Druid's pattern %d{ISO8601} %p [%t] %c - %m%n (log4j2 writes to a
//     file), with the fix (DRUID_LOG4J or a mounted log4j2.xml with a
//     Console appender).
//   - LogExitCode (ExitCode): the exit code from the log alone. Never 3:
//     only the Overlord's 404 on /task/{id}/status says "not found". 1 when
//     the task is not seen, the log cannot tell (no line for RUNNING in
//     27-34, a running task with no request-log line) or a live-log read
//     failed; 4 when the log shows it finished, waiting, queued or
//     pending; 5 when the read was refused (forbidden); 7 when the pod has
//     no container main; 0 when a request-log line shows its live log
//     served while RUNNING.
//
// Summarize aggregates a window: the instrumented requests by outcome, and
// Counts.Stock what stock Druid shows (request-log lines by status,
// log-read errors, queued tasks, launches, outcomes by errorMsg category)
// with CannotCount saying what the window cannot show and why.
//
// The package does no I/O and must not import client-go; it uses pkg/druid
// for the Job names of a task and pkg/exitcode for the shared exit codes.
package trace
