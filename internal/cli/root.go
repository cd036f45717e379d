package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
)

// Globals are the flags every command takes; they follow the AWS CLI.
type Globals struct {
	Region   string
	Output   string
	Profile  string
	Endpoint string
	Timeout  time.Duration
	Yes      bool
	Verbose  bool
	NoColor  bool
	// Offline reads templates from the cache or hpctl's embedded copy only.
	Offline bool
	// Poll is the interval between polls of AWS (hidden; tests and the demo shorten it).
	Poll time.Duration
	// MaxBackoff bounds the SDK's wait between attempts (hidden; the fault
	// tests shorten it).
	MaxBackoff time.Duration
	// lines is the NDJSON stream of a streaming command with --output json.
	lines *render.JSONLines
	// clients are the SDK clients the command's deployer was built with.
	clients *cloud.Clients
}

// JSON reports whether the user asked for machine-readable output.
func (g *Globals) JSON() bool { return g.Output == "json" }

// Main runs hpctl as a process: the first interrupt (Ctrl-C) or SIGTERM
// cancels the context, so that a command stops watching and says how to
// re-attach; a second one ends the process the default way.
func Main(version string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, os.Args[1:], System(), version)
}

// Run executes hpctl with args and returns the exit code. Every way a
// command ends passes here: the error is told once, in hpctl's words (AWS
// errors with the action and what to do), and with --output json the
// stream ends with its summary or an error record holding the exit code.
func Run(ctx context.Context, args []string, ios *IO, version string) int {
	root, g := newRoot(ios, version)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		// Only cobra returns bare errors: an unknown command or flag, or
		// the wrong arguments. Every command wraps its own.
		ee = &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nRun 'hpctl --help' for usage.", err)}
	}
	code := ExitOK
	if ee != nil {
		code = ee.Code
		if !ee.Reported && ee.Err != nil {
			message, hint := explain(ee.Err)
			fmt.Fprintf(ios.ErrOut, "hpctl: %s\n", escapeLines(message))
			if hint != "" && !strings.Contains(message, hint) {
				fmt.Fprintln(ios.ErrOut, escapeLines(hint))
			}
		}
	}
	endJSON(ios, g, code, ee)
	return code
}

// escapeLines escapes what input may have put into a message (a file name,
// a flag's value), keeping the message's own line breaks.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = spec.Escape(l)
	}
	return strings.Join(lines, "\n")
}

// endJSON ends machine-readable output: a streaming command's stream with
// its summary and, unless the summary tells it, the error record; another
// command's failure with the error record as its one document (unless it
// wrote its own, as validate does for an invalid spec).
func endJSON(ios *IO, g *Globals, code int, ee *ExitError) {
	if !g.JSON() {
		return
	}
	var f *render.Failure
	if ee != nil && !ee.InSummary {
		f = failure(code, ee)
	}
	switch {
	case g.lines != nil:
		g.lines.End(code, f)
	case f != nil && !ee.Reported:
		_ = render.WriteJSONLine(ios.Out, f.Kind(), f)
	}
}

// NewRoot builds the command tree.
func NewRoot(ios *IO, version string) *cobra.Command {
	root, _ := newRoot(ios, version)
	return root
}

func newRoot(ios *IO, version string) (*cobra.Command, *Globals) {
	g := &Globals{}
	root := &cobra.Command{
		Use:   "hpctl",
		Short: "Deploy SageMaker HyperPod clusters through the AWS-hosted CloudFormation stacks",
		Long: "hpctl reads one cluster spec, works out which nested stacks of the hosted HyperPod main stack\n" +
			"to create, deploys them, follows every nested stack until the cluster is InService,\n" +
			"and destroys it all again in reverse order.",
		SilenceErrors: true,
		SilenceUsage:  true,
		// --version says in one line what `hpctl version` says in full.
		Version: version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains([]string{"text", "json"}, g.Output) {
				return usageErr("--output %q: text or json", g.Output)
			}
			switch {
			case g.Timeout < 0:
				return usageErr("--timeout %s is negative: give how long to watch, such as 90m, or 0 to watch without a limit", g.Timeout)
			case g.Poll <= 0:
				return usageErr("--poll-interval %s: give a positive interval, such as 2s", g.Poll)
			}
			return nil
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErr("%v\nRun 'hpctl --help' for usage.", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.Region, "region", "", "AWS region (default: the spec's metadata.region, then AWS_REGION)")
	pf.StringVar(&g.Output, "output", "text", "output format: text or json")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]cobra.Completion{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("region", cobra.FixedCompletions(spec.Regions(), cobra.ShellCompDirectiveNoFileComp))
	pf.StringVar(&g.Profile, "profile", "", "AWS profile of the shared configuration (default: AWS_PROFILE)")
	pf.StringVar(&g.Endpoint, "endpoint-url", "", "send every AWS call to this URL (default: AWS_ENDPOINT_URL)")
	pf.DurationVar(&g.Timeout, "timeout", 3*time.Hour, "stop watching after this long (exit 3); CloudFormation goes on")
	pf.BoolVarP(&g.Yes, "yes", "y", false, "do not ask for confirmation")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "also show AWS call retries")
	pf.BoolVar(&g.NoColor, "no-color", false, "no colours (also: NO_COLOR)")
	pf.BoolVar(&g.Offline, "offline", false, "plan from cached templates or hpctl's embedded copy; read nothing over the network (also: HPCTL_OFFLINE)")
	pf.DurationVar(&g.Poll, "poll-interval", 2*time.Second, "interval between polls of AWS")
	_ = pf.MarkHidden("poll-interval")
	pf.DurationVar(&g.MaxBackoff, "max-backoff", 20*time.Second, "longest wait between attempts of an AWS call")
	_ = pf.MarkHidden("max-backoff")

	showOnlyActingGlobals(root)
	root.SetVersionTemplate("hpctl {{.Version}} (`hpctl version` says more)\n")
	root.AddCommand(
		newInitCmd(ios, g),
		newValidateCmd(ios, g),
		newPlanCmd(ios, g),
		newSchemaCmd(ios),
		newVersionCmd(ios, g, version),
		newDeployCmd(ios, g, version),
		newWatchCmd(ios, g),
		newStatusCmd(ios, g),
		newLogsCmd(ios, g),
		newListCmd(ios, g),
		newTemplatesCmd(ios, g),
		newDestroyCmd(ios, g),
	)
	return root, g
}

// awsGlobals are the global flags of a command that calls AWS.
var awsGlobals = []string{"region", "profile", "endpoint-url", "timeout", "verbose"}

// actingGlobals names, by command, the global flags that act on it: its help
// lists only those (they are still accepted everywhere, so a script that
// passes --region to every command keeps working).
var actingGlobals = map[string][]string{
	"hpctl init":             nil,
	"hpctl validate":         {"output", "region"},
	"hpctl plan":             {"output", "region", "profile", "endpoint-url", "verbose", "offline"},
	"hpctl schema":           nil,
	"hpctl version":          {"output"},
	"hpctl deploy":           append(slices.Clone(awsGlobals), "output", "yes", "no-color", "offline"),
	"hpctl watch":            append(slices.Clone(awsGlobals), "output", "no-color"),
	"hpctl status":           append(slices.Clone(awsGlobals), "output", "offline"),
	"hpctl logs":             append(slices.Clone(awsGlobals), "output"),
	"hpctl list":             append(slices.Clone(awsGlobals), "output"),
	"hpctl templates upload": append(slices.Clone(awsGlobals), "output", "yes"),
	"hpctl templates mirror": append(slices.Clone(awsGlobals), "output", "yes"),
	"hpctl destroy":          append(slices.Clone(awsGlobals), "output", "yes", "no-color", "offline"),
}

// showOnlyActingGlobals makes each command's help list the global flags
// that act on it, and no others.
func showOnlyActingGlobals(root *cobra.Command) {
	help := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		acts, known := actingGlobals[cmd.CommandPath()]
		var hidden []*pflag.Flag
		if known {
			cmd.InheritedFlags().VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !slices.Contains(acts, f.Name) {
					f.Hidden = true
					hidden = append(hidden, f)
				}
			})
		}
		help(cmd, args)
		for _, f := range hidden {
			f.Hidden = false
		}
	})
}

// wrap gives every error a command returns an exit code: unless the command
// chose one, a failure is a failure.
func wrap(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		var ee *ExitError
		if err != nil && !errors.As(err, &ee) {
			return &ExitError{Code: exitCode(cmd.Context(), err), Err: err}
		}
		return err
	}
}

// specOrchestratorArg takes the optional `eks|slurm` argument of plan and
// deploy: without it the spec's orchestrator is used; with it, the spec must
// say the same.
func specOrchestratorArg(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) > 1:
		return usageErr("%s takes at most one argument, the orchestrator (eks or slurm), got %d\nUsage: %s", cmd.CommandPath(), len(args), cmd.UseLine())
	case len(args) == 1 && args[0] != "eks" && args[0] != "slurm":
		return usageErr("%s %s: unknown orchestrator %q; it is eks or slurm, or leave it out to take the spec's\nUsage: %s", cmd.CommandPath(), args[0], args[0], cmd.UseLine())
	}
	return nil
}

// orchestratorOf is the orchestrator a command names ("" for the spec's).
func orchestratorOf(args []string) spec.Orchestrator {
	if len(args) == 0 {
		return ""
	}
	return spec.Orchestrator(args[0])
}

// orchestratorArg takes the `eks|slurm` argument of init, which has no spec
// to take it from.
func orchestratorArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 || (args[0] != "eks" && args[0] != "slurm") {
		return usageErr("%s needs the orchestrator: eks or slurm\nUsage: %s", cmd.CommandPath(), cmd.UseLine())
	}
	return nil
}
