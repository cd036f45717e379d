package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
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
// command has already told the user everything, and main prints nothing more;
// Message then says it in a line for the machine-readable error record.
type ExitError struct {
	Code     int
	Err      error
	Reported bool
	Message  string
	// InSummary says the stream's summary record tells the failure (a
	// failed deploy's root cause): --output json adds no error record.
	InSummary bool
}

func (e *ExitError) Error() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.Message != "":
		return e.Message
	}
	return fmt.Sprintf("exit %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr is a bad command line or an unusable input.
func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// reported is a failure already shown to the user; message is its one-line
// account for --output json, and cause (optional) the error behind it.
func reported(code int, message string, cause ...error) error {
	ee := &ExitError{Code: code, Reported: true, Message: message}
	if len(cause) > 0 {
		ee.Err = cause[0]
	}
	return ee
}

// inSummary is a failure the summary already tells, in text and in JSON.
func inSummary(code int, message string) error {
	return &ExitError{Code: code, Reported: true, Message: message, InSummary: true}
}

// exitCode maps how a command ended to its exit code. It is the one place
// that does, and it asks in this order (the README's "Exit codes"):
//
//  1. the command's context ended: --timeout 3, an interrupt 130. A call cut
//     short by either fails, whatever it was doing, and that failure is not
//     the cause;
//  2. a code the command chose (an ExitError); a deploy told not to wait
//     for another operation on its stack: 3, still in progress;
//  3. a refusal (nothing was changed): 2;
//  4. an operation CloudFormation ran that did not succeed: 1;
//  5. no credentials at all 2; a fatal AWS error before anything changed
//     2 (denied, refused credentials, invalid); anything else 1 (a watch
//     that could not go on, retries that ran out).
func exitCode(ctx context.Context, err error) int {
	var ee *ExitError
	var refused *deploy.Refusal
	var failed *deploy.Failed
	var unchanged *deploy.Unchanged
	var creds *cloud.CredentialsError
	var busy *deploy.Busy
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), errTimeout):
		return ExitTimeout
	case ctx.Err() != nil:
		return ExitInterrupted
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &busy):
		return ExitTimeout
	case errors.As(err, &refused):
		return ExitUsage
	case errors.As(err, &failed):
		return ExitFailed
	case errors.As(err, &creds):
		return ExitUsage
	case errors.As(err, &unchanged) && cloud.Classify(err) == cloud.Fatal:
		return ExitUsage
	}
	return ExitFailed
}

// explain is what the user reads of an error: AWS errors in the action's
// and the service's words, with what to do next on a line of its own.
func explain(err error) (message, hint string) {
	message = cloud.Describe(err)
	var refused *deploy.Refusal
	if errors.As(err, &refused) {
		return message, ""
	}
	return message, cloud.Hint(err)
}

// failure is the machine-readable record of how a command failed.
func failure(code int, err error) *render.Failure {
	f := &render.Failure{ExitCode: code}
	var ee *ExitError
	if errors.As(err, &ee) && ee.Message != "" {
		f.Message = spec.Escape(ee.Message)
		if ee.Err != nil {
			_, f.Hint = explain(ee.Err)
		}
	} else {
		f.Message, f.Hint = explain(err)
	}
	f.Action, f.AWSCode = cloud.Action(err), cloud.Code(err)
	if f.Action != "" {
		f.Class = cloud.Classify(err).String()
	}
	return f
}
