package cli

import (
	"errors"
	"fmt"
)

// Exit codes, as DESIGN.md §3 gives them.
const (
	ExitOK          = 0   // done, or nothing to change
	ExitFailed      = 1   // the deployment failed
	ExitUsage       = 2   // bad usage or an invalid spec
	ExitTimeout     = 3   // timed out, still in progress
	ExitCleanup     = 4   // needs manual cleanup
	ExitInterrupted = 130 // stopped watching; CloudFormation goes on
)

// ExitError carries the exit code a failure maps to. When Reported is set the
// command has already told the user everything, and main prints nothing more.
type ExitError struct {
	Code     int
	Err      error
	Reported bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr is a bad command line or an unusable input.
func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// reported is a failure already shown to the user.
func reported(code int) error { return &ExitError{Code: code, Reported: true} }

// CodeOf maps an error to its exit code; an error that says nothing of its
// code is a failure.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitFailed
}
