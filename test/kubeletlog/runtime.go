package kubeletlog

import (
	"context"

	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime is a fake CRI runtime service that answers only what ReadLogs asks while following:
// ContainerStatus, running or exited. Any other method panics (the embedded interface is nil).
type Runtime struct {
	internalapi.RuntimeService
	// Running reports whether the container with this id runs.
	Running func(containerID string) bool
}

// ContainerStatus answers CONTAINER_RUNNING or CONTAINER_EXITED.
func (r *Runtime) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if r.Running(id) {
		state = runtimeapi.ContainerState_CONTAINER_RUNNING
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}
