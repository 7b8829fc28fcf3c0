package cmd

import (
	"github.com/spf13/pflag"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// taskFlags are the flags that say where and how to find a task.
type taskFlags struct {
	// NamePrefix is Druid 33+'s druid.indexer.runner.k8sTaskPodNamePrefix.
	NamePrefix string
	// AllNamespaces searches every namespace.
	AllNamespaces bool
	// Container is the container to read (Druid's is always "main").
	Container string
}

func (t *taskFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&t.NamePrefix, "name-prefix", "", "Druid 33+ druid.indexer.runner.k8sTaskPodNamePrefix, if set on the Overlord")
	fs.BoolVarP(&t.AllNamespaces, "all-namespaces", "A", false, "Search the task in every namespace")
	fs.StringVarP(&t.Container, "container", "c", druid.MainContainer, "Container to read; Druid's peon container is always \"main\"")
}
