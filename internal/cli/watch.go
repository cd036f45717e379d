package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/watch"
)

func newWatchCmd(ios *IO, g *Globals) *cobra.Command {
	return &cobra.Command{
		Use: "watch NAME",
		Example: `  hpctl watch ml-cluster
  hpctl watch hpctl-ml-cluster --output json`,
		Short: "Re-attach to a deployment or deletion in progress and follow it to the end",
		Long: "watch follows the operation running on a main stack (NAME, or hpctl-NAME) from its\n" +
			"start, every nested stack included, then the HyperPod cluster until it is InService.\n" +
			"On a stack at rest it replays its last operation and reports how it ended, with the\n" +
			"root cause of a failure. The exit code is deploy's.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeDeployments(ios, g),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			ctx, cancel := withTimeout(cmd.Context(), g)
			defer cancel()
			d, stack, err := existing(ctx, ios, g, args[0])
			if err != nil {
				return err
			}
			if !g.JSON() {
				fmt.Fprintf(ios.Out, "Watching %s in %s, from the start of its last operation\n", stack, d.Region)
			}
			prog := progress(ios, g)
			sum, err := d.Attach(ctx, stack, prog.Show)
			return outcome(ctx, ios, g, prog, d, stack, sum, err)
		}),
	}
}

// existing builds the clients and finds the stack a NAME argument means.
func existing(ctx context.Context, ios *IO, g *Globals, name string) (*deploy.Deployer, string, error) {
	d, err := deployer(ctx, ios, g, "")
	if err != nil {
		return nil, "", err
	}
	stack, err := stackArg(ctx, d, name)
	return d, stack, err
}

func newStatusCmd(ios *IO, g *Globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use: "status [NAME | -f FILE]",
		Example: `  hpctl status ml-cluster
  hpctl status -f cluster.yaml --output json`,
		Short:             "Show a deployment: the stack tree, outputs, the cluster, its instance groups and nodes",
		Long:              "status shows the deployment NAME (a main stack, or hpctl-NAME) or the one a spec file makes.",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeDeployments(ios, g),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			name, region := "", ""
			switch {
			case len(args) == 1 && file != "":
				return usageErr("status takes a NAME or -f FILE, not both")
			case len(args) == 1:
				name = args[0]
			default:
				if file == "" {
					file = "cluster.yaml"
				}
				l, err := loadAndPlan(cmd.Context(), ios, g, file, loadOptions{command: "status", read: readCached})
				if err != nil {
					return err
				}
				if err := reportInvalid(ios, g, l); err != nil {
					return err
				}
				name, region = l.plan.StackName, l.plan.Region
			}
			ctx, cancel := withTimeout(cmd.Context(), g)
			defer cancel()
			d, err := deployer(ctx, ios, g, region)
			if err != nil {
				return err
			}
			stack, err := stackArg(ctx, d, name)
			if err != nil {
				return err
			}
			st, err := d.Status(ctx, stack)
			if err != nil {
				return outcome(ctx, ios, g, nil, d, stack, watch.Summary{}, err)
			}
			if g.JSON() {
				return json.NewEncoder(ios.Out).Encode(st) // one document on one line
			}
			return fitted(ios, func(w io.Writer) error { return render.StatusText(w, st, time.Local) })
		}),
	}
	cmd.Flags().VarP(&fileFlag{p: &file}, "file", "f", "spec file whose deployment to show, or - for standard input")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	return cmd
}
