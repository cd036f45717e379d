package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/hpctl/hpctl/internal/preflight"
)

// runPreflight checks what the spec brings and what the account has before
// the deploy changes anything. Its findings go where validation's go (the
// error stream, or a "preflight" record); errors end the command with exit
// 2, warnings do not. A command on a fake cloud (ios.Cloud) has no SDK
// clients and runs none: the checks are proven on the emulator and with
// their own fakes in internal/preflight.
func runPreflight(ctx context.Context, ios *IO, g *Globals, l *loaded, skip []string) error {
	if g.clients == nil {
		return nil
	}
	rep, err := preflight.Run(ctx, preflight.FromCloud(g.clients), l.c, skip)
	if err != nil {
		return err
	}
	if g.lines != nil {
		g.lines.Record("preflight", rep)
	} else {
		for _, d := range append(slices.Clone(rep.Errors), rep.Warnings...).Sorted() {
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
	// A spec that brings nothing and creates no cluster gives no check
	// anything to do: then there is nothing to say.
	if g.lines == nil && len(rep.Ran)+len(rep.Skipped) > 0 {
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
