package cli

import (
	"fmt"
	"io"

	"github.com/hpctl/hpctl/internal/render"
	"github.com/spf13/cobra"
)

func newPlanCmd(ios *IO, g *Globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use: "plan [eks|slurm] [-f FILE]",
		Example: `  hpctl plan -f cluster.yaml
  hpctl plan eks -f cluster.yaml --output json
  hpctl plan -f cluster.yaml --offline         # from the cache or the embedded template`,
		Short: "Show what a deploy would do: each nested stack created or skipped and why, and every parameter",
		Long: "plan resolves the spec against the main template the deploy will send: which nested\n" +
			"stacks are created or skipped (by the template's own conditions) and which spec setting\n" +
			"decided it, the parameters hpctl sends and where each value comes from, the defaults of\n" +
			"the rest, the instance-group slots, tags, capabilities, the create and destroy order, and\n" +
			"where the template differs from what hpctl knows of it (drift).\n\n" +
			"The template is read from where the deploy reads it: templates.dir (local files, no AWS\n" +
			"call), the custom bucket, or the hosted bucket (public: no credentials needed), through a\n" +
			"cache kept by ETag. Without network (or with --offline) the plan is made from the cache,\n" +
			"else from hpctl's embedded copy of the newest hosted template, and says so in one line.",
		ValidArgs: []string{"eks", "slurm"},
		Args:      specOrchestratorArg,
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			l, err := loadAndPlan(cmd.Context(), ios, g, file, loadOptions{want: orchestratorOf(args), command: "plan", read: readLive})
			if err != nil {
				return err
			}
			if err := reportInvalid(ios, g, l); err != nil {
				return err
			}
			if g.JSON() {
				return render.PlanJSON(ios.Out, l.plan)
			}
			return fitted(ios, func(w io.Writer) error { return render.PlanText(w, l.plan) })
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
	switch {
	case g.lines != nil:
		g.lines.Record("validation", v)
	case g.JSON():
		err = render.ValidationJSON(ios.Out, v)
	default:
		err = render.ValidationText(ios.ErrOut, v)
	}
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return reported(ExitUsage, v.Headline())
}
