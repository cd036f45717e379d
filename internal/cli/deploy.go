package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/preflight"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/watch"
)

type deployOptions struct {
	file            string
	dryRun          bool
	replaceFailed   bool
	noWait          bool
	adopt           bool
	templatesBucket string
	standIns        bool
	nodesTimeout    time.Duration
	skipPreflight   []string
}

func newDeployCmd(ios *IO, g *Globals, version string) *cobra.Command {
	o := &deployOptions{}
	cmd := &cobra.Command{
		Use: "deploy [eks|slurm] [-f FILE]",
		Example: `  hpctl deploy -f cluster.yaml                    # create, or update after showing the change
  hpctl deploy -f cluster.yaml --dry-run          # the plan; no AWS call
  hpctl deploy -f cluster.yaml --yes --output json   # in CI: no question, NDJSON
  hpctl deploy -f cluster.yaml --skip-preflight quotas`,
		Short: "Create or update the cluster's stacks and wait until the HyperPod cluster is InService",
		Long: "deploy creates the main stack (or updates it through a change set that includes the\n" +
			"nested stacks, after showing the change and asking), follows every nested stack as it\n" +
			"goes, names the real cause when something fails, and waits until the HyperPod cluster\n" +
			"is InService. Ctrl-C stops watching and leaves CloudFormation running; `hpctl watch`\n" +
			"re-attaches. Exit codes: 0 done or nothing to change, 1 failed, 2 refused before\n" +
			"anything changed, 3 timed out, 130 interrupted.",
		ValidArgs: []string{"eks", "slurm"},
		Args:      specOrchestratorArg,
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			return runDeploy(cmd, ios, g, o, orchestratorOf(args), version)
		}),
	}
	addFileFlag(cmd, &o.file)
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "print the plan and call nothing")
	f.BoolVar(&o.replaceFailed, "replace-failed", false, "delete a stack of hpctl's that failed to create, then deploy again")
	f.BoolVar(&o.noWait, "no-wait", false, "when another operation holds the stack, say what runs and exit 3 instead of following it")
	f.BoolVar(&o.adopt, "adopt", false, "update a stack hpctl did not make (adds its ownership tags)")
	f.StringVar(&o.templatesBucket, "templates-bucket", "", "read the templates from this bucket (overrides templates.bucket)")
	f.BoolVar(&o.standIns, "stand-ins", false, "fill the template bucket with hpctl's emulator stand-ins first (local demo and tests)")
	f.StringSliceVar(&o.skipPreflight, "skip-preflight", nil,
		"leave out a preflight check you know better ("+strings.Join(preflight.Names(), ", ")+", or all); repeat or separate by commas")
	f.DurationVar(&o.nodesTimeout, "nodes-timeout", 30*time.Minute,
		"fail when the InService cluster's group stays below its count, unchanged, for this long (continuous provisioning)")
	return cmd
}

func runDeploy(cmd *cobra.Command, ios *IO, g *Globals, o *deployOptions, orch spec.Orchestrator, version string) error {
	streaming(ios, g)
	if err := preflight.CheckNames(o.skipPreflight); err != nil {
		return usageErr("%v", err)
	}
	if o.nodesTimeout <= 0 {
		return usageErr("--nodes-timeout %s: give a positive duration, such as 30m", o.nodesTimeout)
	}
	var over []func(*spec.Cluster)
	if o.templatesBucket != "" {
		over = append(over, func(c *spec.Cluster) { c.Templates.Bucket = o.templatesBucket })
	}
	read := readStrict
	if o.dryRun {
		read = readLive
	}
	l, err := loadAndPlan(cmd.Context(), ios, g, o.file, loadOptions{want: orch, command: "deploy", read: read, standIns: o.standIns, over: over})
	if err != nil {
		return err
	}
	if err := reportInvalid(ios, g, l); err != nil {
		return err
	}
	p := l.plan
	if o.dryRun {
		if g.JSON() {
			return render.PlanJSON(ios.Out, p)
		}
		return fitted(ios, func(w io.Writer) error { return render.PlanText(w, p) })
	}
	files := l.files

	ctx, cancel := withTimeout(cmd.Context(), g)
	defer cancel()
	d, err := deployer(ctx, ios, g, p.Region)
	if err != nil {
		return err
	}
	d.NodesTimeout = o.nodesTimeout
	if err := runPreflight(ctx, ios, g, l, o.skipPreflight); err != nil {
		return err
	}
	prog := progress(ios, g)
	req := deploy.Request{Plan: p, Files: files, Scripts: l.scripts, ReplaceFailed: o.replaceFailed, Adopt: o.adopt, NoWait: o.noWait,
		Description: fmt.Sprintf("hpctl %s deploy of %s", version, p.Cluster)}
	if !g.JSON() {
		if err := fitted(ios, func(w io.Writer) error { return render.DeployHeader(w, p) }); err != nil {
			return err
		}
	}
	prep, err := d.Prepare(ctx, req, prog.Show)
	if err != nil {
		return outcome(ctx, ios, g, prog, d, p.StackName, watch.Summary{}, err)
	}
	if prep.UpToDate() {
		return noChanges(ios, g, prep)
	}
	if cs := prep.ChangeSet; cs != nil && cs.Type == "UPDATE" {
		scripts := prep.Scripts
		if g.JSON() {
			stream(ios, g).Record("changeSet", cs)
			if scripts.Pending() {
				stream(ios, g).Record("lifecycleScripts", scripts)
			}
		} else if err := fitted(ios, func(w io.Writer) error {
			if err := render.ChangeSetText(w, p.StackName, cs); err != nil || !scripts.Pending() {
				return err
			}
			return render.ScriptsText(w, scripts)
		}); err != nil {
			return err
		}
		ok, err := confirmUpdate(ctx, ios, g, p, cs)
		if !ok || err != nil {
			d.Discard(prep)
			if err == nil {
				fmt.Fprintln(ios.ErrOut, "Cancelled; nothing changed.")
				err = reported(ExitUsage, "cancelled; nothing changed")
			}
			return err
		}
	}
	sum, err := d.Execute(ctx, prep, prog.Show)
	var failed *deploy.Failed
	if errors.As(err, &failed) && !g.JSON() {
		if next := nextStep(failed.Summary, l.file, p); next != "" {
			fmt.Fprintln(ios.Out, "Next: "+next)
		}
	}
	return outcome(ctx, ios, g, prog, d, p.StackName, sum, err)
}

// nextStep says what to do after a deploy that failed, by where it left
// the stack.
func nextStep(sum watch.Summary, file string, p *plan.Plan) string {
	switch sum.Status {
	case "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED":
		return fmt.Sprintf("fix the cause above, then run `hpctl deploy -f %s --replace-failed` (it deletes the failed stack %s first), or remove it with `hpctl destroy %s`",
			file, p.StackName, p.Cluster)
	case "UPDATE_ROLLBACK_COMPLETE":
		return fmt.Sprintf("the stack is back as it was before the update; fix the cause above and run `hpctl deploy -f %s` again", file)
	case "CREATE_COMPLETE", "UPDATE_COMPLETE":
		// The stacks are done; the cluster is not (failed or short of nodes).
		return fmt.Sprintf("read the nodes' lifecycle logs with `hpctl logs %s` and the cluster with `hpctl status %s`; `hpctl deploy -f %s` again waits for the nodes anew",
			p.Cluster, p.Cluster, file)
	}
	return ""
}

// confirmUpdate asks before an update: yes or no, or, for one that replaces
// a group or the cluster (nodes and their data are lost), the cluster's
// name typed; --yes answers both.
func confirmUpdate(ctx context.Context, ios *IO, g *Globals, p *plan.Plan, cs *deploy.ChangeSet) (bool, error) {
	switch {
	case len(cs.Replaces) == 0 || g.Yes:
		return confirm(ctx, ios, g, "Apply this change set to "+p.StackName)
	case !ios.InTTY:
		return false, usageErr("the update cannot be made in place (%s): there is no terminal to ask on; review the change above and pass --yes", strings.Join(cs.Replaces, "; "))
	}
	if err := confirmTyped(ctx, ios, g, "This update replaces what is listed above. Type the cluster's name to apply it to "+p.StackName, p.Cluster); err != nil {
		if ctx.Err() != nil {
			return false, err
		}
		return false, nil // a wrong name: cancelled, as a no is
	}
	return true, nil
}

// noChanges reports a deploy that found the stack up to date.
func noChanges(ios *IO, g *Globals, prep *deploy.Prepared) error {
	sum := deploy.Current(prep.Stack)
	sum.NoChanges = true
	if g.JSON() {
		stream(ios, g).Show(sum)
		return nil
	}
	_, err := fmt.Fprintf(ios.Out, "No changes: stack %s is up to date (%s).\n", sum.Stack, sum.Status)
	return err
}
