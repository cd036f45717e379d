package cli

import (
	"fmt"

	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/spf13/cobra"
)

func newPlanCmd(ios *IO, g *Globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "plan eks|slurm [-f FILE]",
		Short: "Show what a deploy would do: each nested stack created or skipped and why, and every parameter",
		Long: "plan resolves the spec against the hosted main stack of the orchestrator: which nested\n" +
			"stacks are created or skipped and which spec setting decided it, the parameters hpctl\n" +
			"sends and where each value comes from, the instance-group slots, the template URL, tags,\n" +
			"capabilities and the destroy order. It makes no AWS call.",
		ValidArgs: []string{"eks", "slurm"},
		Args:      orchestratorArg,
		RunE: wrap(func(_ *cobra.Command, args []string) error {
			l, err := loadAndPlan(ios, g, file, spec.Orchestrator(args[0]), "plan")
			if err != nil {
				return err
			}
			if err := reportInvalid(ios, g, l); err != nil {
				return err
			}
			if g.JSON() {
				return render.PlanJSON(ios.Out, l.plan)
			}
			return render.PlanText(ios.Out, l.plan)
		}),
	}
	addFileFlag(cmd, &file)
	return cmd
}

// reportInvalid shows a spec's errors (as JSON on stdout with --output json)
// and returns exit code 2; it returns nil for a spec that can be used.
func reportInvalid(ios *IO, g *Globals, l *loaded) error {
	v := l.validation()
	if v.Valid && l.plan != nil {
		return nil
	}
	var err error
	if g.JSON() {
		err = render.ValidationJSON(ios.Out, v)
	} else {
		err = render.ValidationText(ios.ErrOut, v)
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return reported(ExitUsage)
}
