package probe

import (
	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// RuleChoice is the RUNNING rule applied and where it came from.
type RuleChoice struct {
	Rule druid.RunningRule `json:"rule"`
	// Mode names the runner's client ("default direct client", "shared
	// informers (useK8sSharedInformers=true)").
	Mode string `json:"mode"`
	// Text states the rule ("RUNNING = the pod has an IP").
	Text string `json:"text"`
	// Read is true when the mode was read from the Overlord's runtime
	// properties; false when it was given by a flag or assumed.
	Read bool `json:"read"`
	// Source says where the mode came from, or why it is assumed.
	Source string `json:"source"`
}

// String is the one-line statement the commands print.
func (c RuleChoice) String() string {
	how := "assumed"
	if c.Read {
		how = "read"
	}
	return c.Text + " (" + c.Mode + "; " + how + ": " + c.Source + ")"
}

// ChooseRule decides the RUNNING rule: from the runtime properties when
// the Overlord gave them, else from --shared-informers, else the default
// direct client, said as an assumption with the reason.
func ChooseRule(cfg *overlord.RunnerConfig, cfgErr error, asked bool, flag *bool) RuleChoice {
	mk := func(r druid.RunningRule, read bool, source string) RuleChoice {
		return RuleChoice{Rule: r, Mode: r.Mode(), Text: r.Text(), Read: read, Source: source}
	}
	if cfg != nil {
		r := druid.RunningByIP
		if cfg.SharedInformers {
			r = druid.RunningByPhase
		}
		return mk(r, true, "GET /status/properties "+overlord.PropSharedInformers+"="+boolText(cfg.SharedInformers))
	}
	if flag != nil {
		r := druid.RunningByIP
		if *flag {
			r = druid.RunningByPhase
		}
		return mk(r, false, "--shared-informers="+boolText(*flag))
	}
	why := "no Overlord asked"
	if asked {
		why = "the Overlord's properties are unavailable"
		if cfgErr != nil {
			why += " (" + msg.OneLine(cfgErr.Error()) + ")"
		}
	}
	return mk(druid.RunningByIP, false, why+"; pass --shared-informers if the Overlord sets "+overlord.PropSharedInformers+"=true")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
