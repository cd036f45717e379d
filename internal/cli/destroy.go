package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/watch"
)

type destroyOptions struct {
	file         string
	dryRun       bool
	adopt        bool
	unprotect    bool
	retain       []string
	emptyBrought []string
}

func newDestroyCmd(ios *IO, g *Globals) *cobra.Command {
	o := &destroyOptions{}
	cmd := &cobra.Command{
		Use: "destroy [NAME | -f FILE]",
		Example: `  hpctl destroy ml-cluster            # shows what goes, asks, then deletes in reverse order
  hpctl destroy -f cluster.yaml --dry-run
  hpctl destroy ml-cluster --yes --output json`,
		Short: "Delete the HyperPod cluster, then every stack in reverse order, and say what is left",
		Long: "destroy takes down what deploy made: the HyperPod cluster first (waiting until it is\n" +
			"gone), then it empties the buckets the stacks made, deletes the main stack (CloudFormation\n" +
			"deletes the nested stacks in reverse order; hpctl follows each), then the companion stacks.\n" +
			"It takes only stacks that carry hpctl's ownership tags for the cluster, never a bucket the\n" +
			"spec brought, and lists afterwards what is known to outlive the stacks.\n" +
			"NAME is the main stack, or the cluster whose stack is hpctl-NAME. Exit codes: 0 done or\n" +
			"already gone, 2 refused, 3 timed out, 4 a deletion failed (the retry command is printed).",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeDeployments(ios, g),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			return runDestroy(cmd, ios, g, o, args)
		}),
	}
	f := cmd.Flags()
	f.VarP(&fileFlag{p: &o.file}, "file", "f", "spec file whose deployment to destroy, or - for standard input")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be deleted and delete nothing")
	f.BoolVar(&o.adopt, "adopt", false, "destroy a stack hpctl did not make (needs an explicit confirmation)")
	f.BoolVar(&o.unprotect, "disable-termination-protection", false, "lift the stack's termination protection first")
	f.StringSliceVar(&o.retain, "retain", nil, "after a failed deletion, keep these resources (Nested/LogicalId, comma-separated)")
	f.StringSliceVar(&o.emptyBrought, "empty-brought-bucket", nil, "agree that a hosted template empties this bucket of yours on delete")
	return cmd
}

func runDestroy(cmd *cobra.Command, ios *IO, g *Globals, o *destroyOptions, args []string) error {
	streaming(ios, g)
	var name, cluster, region string
	switch {
	case len(args) == 1 && o.file != "":
		return usageErr("destroy takes a NAME or -f FILE, not both")
	case len(args) == 1:
		name = args[0]
	default:
		if o.file == "" {
			o.file = "cluster.yaml"
		}
		l, err := loadAndPlan(cmd.Context(), ios, g, o.file, loadOptions{command: "destroy", read: readCached})
		if err != nil {
			return err
		}
		if err := reportInvalid(ios, g, l); err != nil {
			return err
		}
		name, cluster, region = l.plan.StackName, l.plan.Cluster, l.plan.Region
	}

	ctx, cancel := withTimeout(cmd.Context(), g)
	defer cancel()
	d, err := deployer(ctx, ios, g, region)
	if err != nil {
		return err
	}
	t, err := findTarget(ctx, d, name, cluster, len(args) == 1)
	if err != nil {
		return &deploy.Unchanged{Err: err}
	}
	if t.Gone() && len(args) == 1 {
		// A suggestion only: a failed read of it does not fail the command.
		t.Near, _ = d.Near(ctx, name)
	}
	if g.JSON() {
		stream(ios, g).Record("destroyPlan", t)
	} else if err := fitted(ios, func(w io.Writer) error { return render.DestroyPlanText(w, t) }); err != nil {
		return err
	}
	if t.Gone() {
		if g.JSON() {
			stream(ios, g).Show(deploy.Destroyed{Stack: t.StackName, Status: "gone", Succeeded: true, AlreadyGone: true,
				Deleted: []string{}, Leftovers: []deploy.Leftover{}})
		}
		return nil
	}
	opt := deploy.DestroyOptions{Retain: o.retain, DisableTerminationProtection: o.unprotect, Adopt: o.adopt}
	if err := askForHazards(ctx, ios, g, t, o, &opt); err != nil {
		return err
	}
	if err := deploy.CheckDestroy(t, opt); err != nil {
		return usageErr("%v", err)
	}
	if o.dryRun {
		return nil
	}
	if o.adopt && t.Owner != "" {
		if err := confirmTyped(ctx, ios, g, "This stack is not hpctl's. Type its name to destroy it anyway", t.StackName); err != nil {
			return err
		}
	}
	ok, err := confirmDestroy(ctx, ios, g, d, t)
	if err != nil {
		return err
	}
	if !ok {
		// Not 0: `hpctl destroy x && echo gone` must not say gone.
		fmt.Fprintln(ios.ErrOut, "Cancelled; nothing deleted.")
		return reported(ExitUsage, "cancelled; nothing deleted")
	}
	prog := progress(ios, g)
	res, err := d.Destroy(ctx, t, opt, prog.Show)
	var lost *watch.ReadError
	var refused *deploy.Refusal
	if err != nil && ctx.Err() == nil && !errors.As(err, &lost) && !errors.As(err, &refused) {
		return stopped(ios, g, prog, d, res, err)
	}
	if err != nil {
		return outcome(ctx, ios, g, prog, d, t.StackName, watch.Summary{Stack: t.StackName, Status: res.Status}, err,
			fmt.Sprintf("Or run the destroy again (hpctl destroy %s --region %s): it goes on from where it stopped.", t.StackName, d.Region))
	}
	if !res.Succeeded {
		return inSummary(ExitCleanup, fmt.Sprintf("the destroy of %s stopped: %s", t.StackName, res.Status))
	}
	return nil
}

// confirmDestroy asks before a destroy. On a terminal, a deployment that
// holds data (an FSx file system, buckets with objects) is destroyed only
// once its cluster's name is typed: a stray `y` must not delete it. --yes
// asks nothing, for CI.
func confirmDestroy(ctx context.Context, ios *IO, g *Globals, d *deploy.Deployer, t *deploy.Target) (bool, error) {
	if g.Yes || !ios.InTTY {
		return confirm(ctx, ios, g, "Destroy "+t.StackName)
	}
	data, err := d.Data(ctx, t)
	if err != nil {
		return false, &deploy.Unchanged{Err: err}
	}
	if len(data) == 0 {
		return confirm(ctx, ios, g, "Destroy "+t.StackName)
	}
	name := t.Cluster
	if name == "" {
		name = t.StackName
	}
	fmt.Fprintf(ios.ErrOut, "This deletes data that cannot be brought back:\n  - %s\n", strings.Join(data, "\n  - "))
	if err := confirmTyped(ctx, ios, g, "Type the cluster's name to destroy "+t.StackName, name); err != nil {
		return false, err
	}
	return true, nil
}

// stopped ends a destroy that an AWS call stopped half-way (its attempts
// used up, or denied): exit 4, the call and what AWS said, and the command
// that goes on from where it stopped. What went is said in the summary.
func stopped(ios *IO, g *Globals, prog render.Progress, d *deploy.Deployer, res deploy.Destroyed, err error) error {
	what, hint := explain(err)
	res.Status = "stopped"
	res.Retry = fmt.Sprintf("hpctl destroy %s --region %s", res.Stack, d.Region)
	if g.JSON() {
		prog.Show(res)
	}
	fmt.Fprintf(ios.ErrOut, "\nhpctl: the destroy of %s stopped: %s\n", res.Stack, what)
	if hint != "" && !strings.Contains(what, hint) {
		fmt.Fprintln(ios.ErrOut, hint)
	}
	if len(res.Deleted) > 0 {
		fmt.Fprintf(ios.ErrOut, "Deleted so far: %s.\n", strings.Join(res.Deleted, ", "))
	}
	fmt.Fprintf(ios.ErrOut, "Retry: %s (it goes on from where it stopped)\n", res.Retry)
	return reported(ExitCleanup, fmt.Sprintf("the destroy of %s stopped: %s. Retry: %s", res.Stack, what, res.Retry), err)
}

// findTarget finds the deployment. A NAME resolves only to hpctl's own
// deployments: the stack hpctl-NAME (the default stack of cluster NAME),
// then a stack NAME whose tags are hpctl's. A stack of another's is taken
// (and then refused unless --adopt) only when no deployment of hpctl's
// answers to the name: a user's stack "alpha" never hides hpctl-alpha.
func findTarget(ctx context.Context, d *deploy.Deployer, name, cluster string, byName bool) (*deploy.Target, error) {
	if !byName || strings.HasPrefix(name, "hpctl-") {
		return d.Find(ctx, name, cluster)
	}
	var fallback *deploy.Target
	for _, candidate := range []string{"hpctl-" + name, name} {
		t, err := d.Find(ctx, candidate, "")
		if err != nil {
			return nil, err
		}
		switch {
		case t.Gone():
		case t.Owner == "":
			return t, nil
		case fallback == nil:
			fallback = t
		}
	}
	if fallback != nil {
		return fallback, nil
	}
	return &deploy.Target{StackName: name, Region: d.Region, Also: []string{"hpctl-" + name}}, nil
}

// askForHazards asks the user, on a terminal, to agree to what a hosted
// template does to a bucket of theirs on delete; without a terminal the
// agreement must be on the command line (--empty-brought-bucket).
func askForHazards(ctx context.Context, ios *IO, g *Globals, t *deploy.Target, o *destroyOptions, opt *deploy.DestroyOptions) error {
	for _, h := range t.Hazards {
		if slices.Contains(o.emptyBrought, h.Bucket) || !ios.InTTY || o.dryRun {
			continue
		}
		if err := confirmTyped(ctx, ios, g, "Warning: "+h.Message+". Type the bucket's name to agree", h.Bucket); err != nil {
			return err
		}
		opt.EmptyBrought = append(opt.EmptyBrought, h.Bucket)
	}
	opt.EmptyBrought = append(opt.EmptyBrought, o.emptyBrought...)
	return nil
}

// confirmTyped asks the user to type a name: --yes is not enough for what
// it guards, except together with the flag that asked for it.
func confirmTyped(ctx context.Context, ios *IO, g *Globals, prompt, want string) error {
	if !ios.InTTY {
		if g.Yes {
			return nil
		}
		return usageErr("%s: there is no terminal to ask on; pass --yes with the flag", prompt)
	}
	fmt.Fprintf(ios.ErrOut, "%s (%s): ", prompt, want)
	answer, err := readLine(ctx, ios)
	if err != nil {
		return err
	}
	if answer != want {
		return usageErr("%q is not %q; nothing deleted", answer, want)
	}
	return nil
}
