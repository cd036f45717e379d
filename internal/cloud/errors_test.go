package cloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// call is an error as the SDK returns it for a call that got an answer.
func call(service, op string, status int, code, msg string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		RequestID: "req-1",
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err: &smithy.GenericAPIError{Code: code, Message: msg}},
	}}
}

func TestErrorsAreClassifiedOnce(t *testing.T) {
	refused := &smithy.OperationError{ServiceID: "CloudFormation", OperationName: "DescribeStacks",
		Err: &retry.MaxAttemptsError{Attempt: 8, Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}}}
	for _, tc := range []struct {
		name     string
		err      error
		class    Class
		kind     string
		describe string
		hint     string
	}{
		{"denied", call("CloudFormation", "DescribeStackEvents", 403, "AccessDenied", "User: u is not authorized"),
			Fatal, KindDenied, "cloudformation:DescribeStackEvents was denied (AccessDenied): User: u is not authorized",
			"Allow cloudformation:DescribeStackEvents"},
		{"denied by SageMaker", call("SageMaker", "DescribeCluster", 400, "AccessDeniedException", "User: u is not authorized"),
			Fatal, KindDenied, "sagemaker:DescribeCluster was denied (AccessDeniedException)", "Allow sagemaker:DescribeCluster"},
		{"expired token", call("CloudFormation", "DescribeStacks", 403, "ExpiredToken", "The security token included in the request is expired"),
			Fatal, KindCredentials, "cloudformation:DescribeStacks refused the credentials (ExpiredToken): The security token", "Refresh the credentials"},
		{"missing stack", call("CloudFormation", "DescribeStacks", 400, "ValidationError", "Stack with id x does not exist"),
			Fatal, KindNotFound, "cloudformation:DescribeStacks: ValidationError: Stack with id x does not exist", ""},
		{"invalid", call("CloudFormation", "CreateChangeSet", 400, "ValidationError", "Parameters: [X] must have values"),
			Fatal, KindInvalid, "cloudformation:CreateChangeSet: ValidationError: Parameters: [X] must have values", ""},
		{"already exists", call("CloudFormation", "CreateChangeSet", 400, "AlreadyExistsException", "ChangeSet hpctl-1 already exists"),
			Expected, KindOther, "", ""},
		{"throttled to the end", &smithy.OperationError{ServiceID: "CloudFormation", OperationName: "DescribeStackEvents",
			Err: &retry.MaxAttemptsError{Attempt: 8, Err: call("x", "y", 400, "Throttling", "Rate exceeded")}},
			Transient, KindOther, "cloudformation:DescribeStackEvents kept failing after 8 attempts (Throttling: Rate exceeded)", "kept failing"},
		{"server error", call("SageMaker", "DescribeCluster", 500, "InternalFailure", "oops"), Transient, KindOther,
			"sagemaker:DescribeCluster kept failing (InternalFailure: oops)", "run the command again"},
		{"unreachable", refused, Transient, KindOther, "cloudformation:DescribeStacks kept failing after 8 attempts (connection refused)",
			"cannot be reached"},
		{"no credentials", &CredentialsError{Err: errors.New("failed to refresh cached credentials, no EC2 IMDS role found")},
			Fatal, KindCredentials, "Unable to locate credentials.", "Refresh the credentials"},
		{"an expired SSO session", &CredentialsError{Err: errors.New("refresh cached SSO token failed")},
			Fatal, KindCredentials, "the SSO session has expired or was never started: run `aws sso login`", ""},
		{"cancelled", fmt.Errorf("describe: %w", context.Canceled), Fatal, KindCancelled, "describe: context canceled", ""},
		{"wrapped", fmt.Errorf("describe stack x: %w", call("CloudFormation", "DescribeStacks", 403, "AccessDenied", "no")),
			Fatal, KindDenied, "describe stack x: cloudformation:DescribeStacks was denied (AccessDenied): no", "Allow cloudformation:DescribeStacks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.class {
				t.Errorf("class %v, want %v", got, tc.class)
			}
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("kind %q, want %q", got, tc.kind)
			}
			d := Describe(tc.err)
			if !strings.HasPrefix(d, tc.describe) || strings.Contains(d, "operation error") || strings.Contains(d, "RequestID") {
				t.Errorf("described as %q, want it to start %q", d, tc.describe)
			}
			if h := Hint(tc.err); !strings.Contains(h, tc.hint) || (tc.hint == "" && tc.class != Transient && tc.kind != KindCredentials && h != "") {
				t.Errorf("hint %q, want %q", h, tc.hint)
			}
		})
	}
}
