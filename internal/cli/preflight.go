package cli

import (
	"context"
	"fmt"

	"github.com/hpctl/hpctl/internal/preflight"
	"github.com/hpctl/hpctl/internal/spec"
)

// runPreflight checks what the spec brings and what the account has before
// the deploy changes anything. Its findings go where validation's go (the
// error stream, or a "preflight" record); errors end the command with exit
// 2, warnings do not.
func runPreflight(ctx context.Context, ios *IO, g *Globals, l *loaded, skip []string) error {
	var c preflight.Clients
	switch {
	case ios.Cloud != nil && ios.Preflight == nil:
		return nil
	case ios.Cloud != nil:
		var err error
		if c, err = ios.Preflight(ctx, l.plan.Region); err != nil {
			return err
		}
	default:
		c = preflight.FromCloud(g.clients)
	}
	rep, err := preflight.Run(ctx, c, l.c, skip)
	if err != nil {
		return err
	}
	if g.lines != nil {
		g.lines.Record("preflight", rep)
	} else {
		for _, d := range append(spec.Diagnostics{}, append(rep.Errors, rep.Warnings...)...).Sorted() {
			fmt.Fprintln(ios.ErrOut, d.String())
		}
	}
	if !rep.OK() {
		msg := fmt.Sprintf("preflight: %s in %s; nothing was changed (%s). Fix the spec or the account, or skip a check you know better with --skip-preflight NAME",
			count(len(rep.Errors), "problem", "problems"), l.file, rep.Summary())
		if g.lines == nil {
			fmt.Fprintln(ios.ErrOut, msg)
		}
		return reported(ExitUsage, msg)
	}
	if g.lines == nil {
		fmt.Fprintf(ios.Out, "Preflight passed: %s\n", rep.Summary())
	}
	return nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
