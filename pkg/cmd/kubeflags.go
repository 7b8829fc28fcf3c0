package cmd

import (
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeFlags are kubectl's connection flags (--kubeconfig, --context,
// --cluster, --user, -n, -s, --request-timeout, TLS and impersonation
// flags), bound straight onto client-go's clientcmd overrides: the same
// loading rules kubectl uses, without cli-runtime's ConfigFlags, whose
// package links discovery, the resource builder and kustomize into the
// binary. --token, --username and --password are left out: credentials on
// the command line show in ps. --cache-dir is left out: the plugin does no
// discovery, so it has nothing to cache.
type KubeFlags struct {
	// KubeConfig is --kubeconfig: one file instead of $KUBECONFIG or ~/.kube/config.
	KubeConfig string
	// Overrides are the other flags, applied over the kubeconfig.
	Overrides clientcmd.ConfigOverrides

	once   sync.Once
	loader clientcmd.ClientConfig
}

// AddFlags registers the flags on fs.
func (k *KubeFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&k.KubeConfig, clientcmd.RecommendedConfigPathFlag, "", "Path to the kubeconfig file to use for CLI requests.")
	names := clientcmd.RecommendedConfigOverrideFlags("")
	names.AuthOverrideFlags.Token.LongName = ""
	names.AuthOverrideFlags.Username.LongName = ""
	names.AuthOverrideFlags.Password.LongName = ""
	names.ClusterOverrideFlags.APIServer.ShortName = "s" // as kubectl
	clientcmd.BindOverrideFlags(&k.Overrides, fs, names)
}

// RegisterCompletions completes --context, --cluster and --user from the
// kubeconfig, as kubectl does. No API request is made.
func (k *KubeFlags) RegisterCompletions(cmd *cobra.Command) {
	names := func(pick func(*clientcmdapi.Config) []string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			raw, err := k.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			out := pick(&raw)
			sort.Strings(out)
			return out, cobra.ShellCompDirectiveNoFileComp
		}
	}
	_ = cmd.RegisterFlagCompletionFunc("context", names(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Contexts)) }))
	_ = cmd.RegisterFlagCompletionFunc("cluster", names(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.Clusters)) }))
	_ = cmd.RegisterFlagCompletionFunc("user", names(func(c *clientcmdapi.Config) []string { return slices.Collect(maps.Keys(c.AuthInfos)) }))
}

// ToRawKubeConfigLoader is the kubeconfig as the flags shape it. It is built
// once, after the flags are parsed.
func (k *KubeFlags) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	k.once.Do(func() {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		rules.ExplicitPath = k.KubeConfig
		// As kubectl: a cluster entry without a server falls back to the
		// default; a kubeconfig with no cluster at all is refused earlier
		// (noCluster).
		k.Overrides.ClusterDefaults = clientcmd.ClusterDefaults
		k.loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &k.Overrides)
	})
	return k.loader
}

// ToRESTConfig is the REST configuration of the selected context.
func (k *KubeFlags) ToRESTConfig() (*rest.Config, error) {
	return k.ToRawKubeConfigLoader().ClientConfig()
}
