// Package cli holds hpctl's commands: each turns flags into calls to the
// packages below it and hands what they return to render. It makes no AWS
// calls and holds no business rules.
package cli

import (
	"bytes"
	"context"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
)

// IO is what a command reads, writes and talks to, so that a test can run
// a whole command against buffers and, through Cloud, a fake cloud.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY is true when Out is a terminal (the live views need one);
	// InTTY when In is one (a question can be asked).
	OutTTY, InTTY bool
	// Size returns the terminal's width and height.
	Size func() (width, height int)
	// Getenv reads the environment (AWS_REGION and the like).
	Getenv func(string) string
	// Cloud, when set, makes the deployer a command would build from its
	// flags and the SDK's configuration: tests hand a command a fake cloud
	// and its clock this way (gh's factory, narrowed to what hpctl needs).
	Cloud func(ctx context.Context, region string) (*deploy.Deployer, error)
}

// System is the process's own standard streams and environment.
func System() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		Size: func() (int, int) {
			w, h, err := term.GetSize(int(os.Stdout.Fd()))
			if err != nil {
				return 100, 30
			}
			return w, h
		},
		Getenv: os.Getenv,
	}
}

// TestIO returns an IO over buffers with the given environment.
func TestIO(env map[string]string) (ios *IO, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, ErrOut: errOut, Getenv: func(k string) string { return env[k] }}, in, out, errOut
}

// fitted writes a text document to standard output fitted to the terminal:
// long lines break between words (render.Wrapped); without a terminal they
// stay whole.
func fitted(ios *IO, write func(io.Writer) error) error {
	width := 0
	if ios.OutTTY && ios.Getenv("TERM") != "dumb" && ios.Size != nil {
		width, _ = ios.Size()
	}
	w := render.NewWrapped(ios.Out, width)
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}
