package cli

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
)

func newListCmd(ios *IO, g *Globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use: "list [--all-regions]",
		Example: `  hpctl list
  hpctl list --all-regions --output json`,
		Short: "List the deployments hpctl made: orchestrator, stack and cluster status, group counts, template, age",
		Long: "list finds the main stacks hpctl made (by their hpctl:cluster tag) in the region, or in\n" +
			"every region of its partition with --all-regions, and reads each one's HyperPod cluster.\n" +
			"Stacks without hpctl's tags are not listed.",
		Args: cobra.NoArgs,
		RunE: wrap(func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := withTimeout(cmd.Context(), g)
			defer cancel()
			l, err := list(ctx, ios, g, all)
			if err != nil {
				return err
			}
			if g.JSON() {
				return json.NewEncoder(ios.Out).Encode(l) // one document on one line
			}
			return fitted(ios, func(w io.Writer) error { return render.ListText(w, l, time.Now()) })
		}),
	}
	cmd.Flags().BoolVar(&all, "all-regions", false, "look in every region of the partition, not only the one configured")
	return cmd
}

// list reads the deployments of the region, or of every region of its
// partition at once (a region the account has not enabled is named, not fatal).
func list(ctx context.Context, ios *IO, g *Globals, all bool) (render.Listing, error) {
	d, err := deployer(ctx, ios, g, "")
	if err != nil {
		return render.Listing{}, err
	}
	if !all {
		found, err := d.List(ctx, true)
		return render.Listing{Regions: []string{d.Region}, Deployments: found}, err
	}
	l := render.Listing{Regions: spec.RegionsLike(d.Region)}
	// The clients are built one region at a time (building them is local
	// and fast); the regions are read at once.
	deployers := make([]*deploy.Deployer, len(l.Regions))
	for i, r := range l.Regions {
		if deployers[i], err = deployer(ctx, ios, g, r); err != nil {
			return l, err
		}
	}
	l.Deployments, l.Unread, err = deploy.ListRegions(ctx, deployers)
	return l, err
}

// completeDeployments offers the names of the region's deployments, for a
// NAME argument; with no AWS at hand it offers none.
func completeDeployments(ios *IO, g *Globals) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
		defer cancel()
		d, err := deployer(ctx, ios, g, "")
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		found, err := d.List(ctx, false)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []cobra.Completion
		for _, dep := range found {
			if strings.HasPrefix(dep.Name, prefix) {
				names = append(names, cobra.CompletionWithDesc(dep.Name, dep.Orchestrator+", "+dep.StackStatus))
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
