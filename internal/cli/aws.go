package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/watch"
)

// errTimeout is the cause of a context that --timeout ended.
var errTimeout = errors.New("timed out")

// withTimeout bounds a command by --timeout.
func withTimeout(ctx context.Context, g *Globals) (context.Context, context.CancelFunc) {
	if g.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, g.Timeout, errTimeout)
}

// deployer builds the AWS clients from the global flags and the SDK's own
// environment and shared configuration.
func deployer(ctx context.Context, ios *IO, g *Globals, region string) (*deploy.Deployer, error) {
	if region == "" {
		region = g.Region
	}
	if ios.Cloud != nil {
		d, err := ios.Cloud(ctx, region)
		if err == nil && d.Interval == 0 {
			d.Interval = g.Poll
		}
		return d, err
	}
	opts := cloud.Options{Profile: g.Profile, Region: region, Endpoint: g.Endpoint, MaxBackoff: g.MaxBackoff}
	// AWS_MAX_ATTEMPTS is the SDKs' own setting (the AWS SDKs and Tools
	// reference, "Retry behavior"); hpctl's retryer replaces the SDK's, so
	// it reads the setting itself.
	if v := ios.Getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, usageErr("AWS_MAX_ATTEMPTS=%s: give a whole number of attempts, 1 or more", v)
		}
		opts.MaxAttempts = n
	}
	if g.Verbose {
		opts.Log = ios.ErrOut
	}
	c, err := cloud.New(ctx, opts)
	var creds *cloud.CredentialsError
	if errors.As(err, &creds) && g.Verbose {
		fmt.Fprintf(ios.ErrOut, "hpctl: the SDK's credential chain: %s\n", creds.Detail())
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	g.clients = c
	return &deploy.Deployer{CFN: c.CloudFormation, S3: c.S3, SM: c.SageMaker, Logs: c.Logs, Region: c.Region, Interval: g.Poll}, nil
}

// color says whether text output may use ANSI colours.
func color(ios *IO, g *Globals) bool {
	return ios.OutTTY && !g.NoColor && ios.Getenv("NO_COLOR") == "" && ios.Getenv("TERM") != "dumb"
}

// progress picks the view of a watched operation: NDJSON, the live tree on
// a terminal, or plain lines.
func progress(ios *IO, g *Globals) render.Progress {
	switch {
	case g.JSON():
		return stream(ios, g)
	case ios.OutTTY && ios.Getenv("TERM") != "dumb":
		return render.NewLive(ios.Out, render.ProgressOptions{Color: color(ios, g), Size: ios.Size})
	}
	return render.NewLines(ios.Out, render.ProgressOptions{})
}

// stream is the NDJSON stream of a command that streams with --output
// json: every record goes through it, and main ends it with the summary or
// the error record, whatever way the command ends.
func stream(ios *IO, g *Globals) *render.JSONLines {
	if g.lines == nil {
		g.lines = render.NewJSONLines(ios.Out)
	}
	return g.lines
}

// streaming starts a streaming command's NDJSON from its first line: a bad
// spec or a refusal is then a record of the stream, not a document of its own.
func streaming(ios *IO, g *Globals) {
	if g.JSON() {
		stream(ios, g)
	}
}

// outcome maps how a watched operation ended to what the user reads and
// the exit code; the summary (with the root cause) has already been shown.
// A watch that ended before the operation did (an interrupt, --timeout, a
// read that was denied) says so, and how to re-attach: CloudFormation goes on.
func outcome(ctx context.Context, ios *IO, g *Globals, prog render.Progress, d *deploy.Deployer, stack string, sum watch.Summary, err error, also ...string) error {
	var failed *deploy.Failed
	var lost *watch.ReadError
	var busy *deploy.Busy
	code := exitCode(ctx, err)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &failed):
		return inSummary(ExitFailed, failed.Error())
	case ctx.Err() == nil && !errors.As(err, &lost) && !errors.As(err, &busy):
		return err // it ended before anything ran: main says why
	}
	what, hint := "stopped watching", ""
	switch {
	case ctx.Err() != nil && code == ExitTimeout:
		what = fmt.Sprintf("timed out after %s", g.Timeout)
	case code == ExitInterrupted:
	default:
		what, hint = explain(err)
	}
	if g.JSON() && sum.Stack != "" {
		prog.Show(sum)
	}
	state := "CloudFormation goes on"
	if sum.Status != "" {
		state = fmt.Sprintf("stack %s is %s and CloudFormation goes on", stack, sum.Status)
	}
	fmt.Fprintf(ios.ErrOut, "\nhpctl: %s; %s.\n", what, state)
	if hint != "" {
		fmt.Fprintln(ios.ErrOut, hint)
	}
	reattach := fmt.Sprintf("hpctl watch %s --region %s", stack, d.Region)
	fmt.Fprintf(ios.ErrOut, "Re-attach with: %s\n", reattach)
	for _, line := range also {
		fmt.Fprintln(ios.ErrOut, line)
	}
	return reported(code, fmt.Sprintf("%s; %s. Re-attach with: %s", what, state, reattach), err)
}

// confirm asks a yes/no question on the terminal; without one it refuses,
// since a pipeline must say --yes.
func confirm(ctx context.Context, ios *IO, g *Globals, question string) (bool, error) {
	if g.Yes {
		return true, nil
	}
	if !ios.InTTY {
		return false, usageErr("%s: there is no terminal to ask on; review the change above and pass --yes", question)
	}
	fmt.Fprintf(ios.ErrOut, "%s? [y/N] ", question)
	a, err := readLine(ctx, ios)
	a = strings.ToLower(a)
	return a == "y" || a == "yes", err
}

// readLine reads an answer; an interrupt ends the wait.
func readLine(ctx context.Context, ios *IO) (string, error) {
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(ios.In).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case a := <-answer:
		return a, nil
	}
}

// stackArg resolves a NAME argument: a stack of that name, else the
// default stack name of a cluster of that name (hpctl-NAME).
func stackArg(ctx context.Context, d *deploy.Deployer, name string) (string, error) {
	for _, candidate := range []string{name, "hpctl-" + name} {
		ok, err := d.Exists(ctx, candidate)
		if err != nil {
			return "", err
		}
		if ok {
			return candidate, nil
		}
	}
	return "", usageErr("no stack %s (nor hpctl-%s) in %s", name, name, d.Region)
}
