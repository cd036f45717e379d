package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Class is what an error of an AWS call means to a caller that could wait
// and try again. Every AWS error is classified here, once; the watcher,
// deploy and the exit-code mapping read the class, never the raw text.
type Class int

const (
	// Transient: throttling, a 5xx, a reset or a timeout. The SDK already
	// retried the call; the next poll may succeed.
	Transient Class = iota
	// Fatal: waiting cannot help (access denied, missing, expired or
	// refused credentials, invalid input, a stack or cluster that does not
	// exist). The command ends at once and says what to do.
	Fatal
	// Expected: an answer rather than a failure (no changes, already exists);
	// the caller handles it where it calls.
	Expected
)

func (c Class) String() string {
	return [...]string{"transient", "fatal", "expected"}[c]
}

// Kinds of fatal error, for the hint that goes with them.
const (
	KindDenied      = "denied"
	KindCredentials = "credentials"
	KindNotFound    = "not found"
	KindInvalid     = "invalid"
	KindCancelled   = "cancelled"
	KindOther       = ""
)

// ErrNoCredentials is returned when the SDK's credential chain finds none.
var ErrNoCredentials = errors.New("Unable to locate credentials. Run `aws configure` (or `aws sso login`), " +
	"set AWS_PROFILE or pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")

// CredentialsError is a credential chain that found nothing usable. Its
// text is one line; the chain's account of each provider it tried is
// Detail, for -v.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string  { return credentialCause(e.Err).Error() }
func (e *CredentialsError) Unwrap() error  { return e.Err }
func (e *CredentialsError) Detail() string { return e.Err.Error() }

var (
	throttling = set("Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "SlowDown", "RequestLimitExceeded", "RequestThrottled",
		"PriorRequestNotComplete", "ProvisionedThroughputExceededException", "BandwidthLimitExceeded")
	denied = set("AccessDenied", "AccessDeniedException", "Forbidden", "UnauthorizedOperation",
		"UnauthorizedAccess", "AuthorizationError", "AllAccessDisabled")
	badCredentials = set("ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
		"UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure",
		"InvalidAccessKeyId", "InvalidToken", "TokenRefreshRequired", "MissingAuthenticationToken",
		"IncompleteSignature", "MissingAuthenticationTokenException")
	expected = set("AlreadyExistsException", "NameAlreadyExistsException", "BucketAlreadyOwnedByYou")
)

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// Classify says what err means for waiting on.
func Classify(err error) Class {
	class, _ := classify(err)
	return class
}

// KindOf names a fatal error's kind ("" for other errors).
func KindOf(err error) string {
	_, kind := classify(err)
	return kind
}

func classify(err error) (Class, string) {
	if err == nil {
		return Expected, KindOther
	}
	var signing *v4.SigningError
	var creds *CredentialsError
	if errors.As(err, &creds) || errors.As(err, &signing) {
		return Fatal, KindCredentials
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		var canceled *smithy.CanceledError
		if errors.As(err, &canceled) || !isNet(err) {
			return Fatal, KindCancelled
		}
	}
	code := Code(err)
	switch {
	case throttling[code]:
		return Transient, KindOther
	case denied[code]:
		return Fatal, KindDenied
	case badCredentials[code]:
		return Fatal, KindCredentials
	case expected[code] || NoChanges(err) || StackExists(err):
		return Expected, KindOther
	case StackMissing(err) || ClusterMissing(err) || BucketMissing(err) || code == "NoSuchKey" ||
		code == "ResourceNotFound" || code == "ResourceNotFoundException" || code == "ChangeSetNotFound":
		return Fatal, KindNotFound
	}
	if status := HTTPStatus(err); status >= 500 {
		return Transient, KindOther
	} else if status >= 400 {
		return Fatal, KindInvalid
	}
	var maxed *retry.MaxAttemptsError
	var send *smithyhttp.RequestSendError
	if errors.As(err, &maxed) || errors.As(err, &send) || isNet(err) {
		return Transient, KindOther
	}
	if code != "" {
		return Fatal, KindInvalid
	}
	// Whatever else went wrong in reading an answer (a cut body, an
	// unparsable page) may not happen again.
	return Transient, KindOther
}

func isNet(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "connection refused")
}

// HTTPStatus is the HTTP status of the answer an error came with (0 when
// there was none).
func HTTPStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Action names the AWS action a failed call made, as IAM spells it
// (cloudformation:DescribeStackEvents); "" when err is not a call's.
func Action(err error) string {
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return ""
	}
	service := strings.ToLower(strings.ReplaceAll(op.ServiceID, " ", ""))
	if iam, ok := s3Actions[op.OperationName]; ok && service == "s3" {
		return "s3:" + iam
	}
	return service + ":" + op.OperationName
}

// s3Actions are the IAM actions of the S3 operations hpctl calls whose
// names differ (the Service Authorization Reference, Amazon S3).
var s3Actions = map[string]string{
	"HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket", "HeadObject": "GetObject", "CopyObject": "PutObject",
	"PutBucketEncryption": "PutEncryptionConfiguration", "GetBucketEncryption": "GetEncryptionConfiguration",
	"PutPublicAccessBlock": "PutBucketPublicAccessBlock", "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
	"ListObjectVersions": "ListBucketVersions", "DeleteObjects": "DeleteObject",
}

// Unreachable reports an endpoint that could not be connected to at all.
func Unreachable(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) || strings.Contains(fmt.Sprint(err), "connection refused")
}

// Describe is err's text with the SDK's framing ("operation error …,
// https response error StatusCode: …, RequestID: …, api error …") replaced
// by the action, the error code and the service's own words.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return err.Error()
	}
	words := callWords(err)
	full := err.Error()
	if raw := op.Error(); strings.Contains(full, raw) {
		return strings.Replace(full, raw, words, 1)
	}
	return words
}

func callWords(err error) string {
	action := Action(err)
	code, msg := Code(err), Message(err)
	var maxed *retry.MaxAttemptsError
	attempts := ""
	if errors.As(err, &maxed) {
		attempts = fmt.Sprintf(" after %d attempts", maxed.Attempt)
	}
	class, kind := classify(err)
	switch {
	case kind == KindDenied:
		return fmt.Sprintf("%s was denied (%s): %s", action, code, msg)
	case kind == KindCredentials && code != "":
		return fmt.Sprintf("%s refused the credentials (%s): %s", action, code, msg)
	case kind == KindCredentials:
		return fmt.Sprintf("%s: %v", action, credentialCause(err))
	case class == Transient && code != "":
		return fmt.Sprintf("%s kept failing%s (%s: %s)", action, attempts, code, msg)
	case class == Transient:
		return fmt.Sprintf("%s kept failing%s (%s)", action, attempts, lastCause(err))
	case code != "":
		return fmt.Sprintf("%s: %s: %s", action, code, msg)
	}
	return fmt.Sprintf("%s: %s", action, lastCause(err))
}

// credentialCause is why no credentials could be had: the chain's own
// account of every provider it tried is for -v, not for the user.
func credentialCause(err error) error {
	if strings.Contains(err.Error(), "SSO") || strings.Contains(err.Error(), "sso") {
		return errors.New("the SSO session has expired or was never started: run `aws sso login`")
	}
	return ErrNoCredentials
}

// lastCause is the innermost error's text: a network error's own words.
func lastCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// Hint says what to do about a fatal or persistent error ("" when there
// is nothing to add to the error itself).
func Hint(err error) string {
	action := Action(err)
	class, kind := classify(err)
	switch {
	case action == "" && kind != KindCredentials:
		return "" // not an AWS call's error: it speaks for itself
	case kind == KindDenied:
		return fmt.Sprintf("Allow %s to the identity hpctl runs as (see the README's Permissions), or pass --profile with one that has it.", action)
	case kind == KindCredentials:
		return "Refresh the credentials (`aws sso login`, or new keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run the command again."
	case class == Transient && Unreachable(err):
		return "The endpoint cannot be reached: check the network, --endpoint-url and AWS_ENDPOINT_URL, then run the command again."
	case class == Transient:
		return "AWS or the network kept failing; run the command again: hpctl picks up where it stopped."
	}
	return ""
}

// Code returns the error code of an AWS API error ("" for other errors).
func Code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// Message returns the message of an AWS API error, the service's own words
// without the SDK's framing (err's text for other errors).
func Message(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorMessage() != "" {
		return api.ErrorMessage()
	}
	return err.Error()
}

// RegionClosed reports the answer of a region this account cannot call:
// an opt-in region it has not enabled refuses the token as unknown (AWS
// General Reference, "Enable or disable AWS Regions"), or a policy denies
// the call there. An expired token is not one: that fails every region.
func RegionClosed(err error) bool {
	switch Code(err) {
	case "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure":
		return true
	}
	return KindOf(err) == KindDenied
}

// StackExists reports CloudFormation's answer to a CREATE change set for a
// stack that exists already (another deploy made it meanwhile).
func StackExists(err error) bool {
	return Code(err) == "ValidationError" && strings.Contains(err.Error(), "already exists and cannot be created again")
}

// NoChanges reports CloudFormation's answer to an update that changes nothing.
func NoChanges(err error) bool {
	return Code(err) == "ValidationError" && strings.Contains(err.Error(), "No updates are to be performed")
}

// StackMissing reports whether err says a stack does not exist; CloudFormation
// answers that with a ValidationError, not a dedicated code.
func StackMissing(err error) bool {
	return Code(err) == "ValidationError" && strings.Contains(err.Error(), "does not exist")
}

// BucketMissing reports whether err says a bucket does not exist (HeadBucket
// answers a bare 404).
func BucketMissing(err error) bool {
	switch Code(err) {
	case "NotFound", "NoSuchBucket":
		return true
	}
	return false
}

// Forbidden reports whether err is an access denial (for a bucket: it
// exists, and belongs to someone else).
func Forbidden(err error) bool {
	switch Code(err) {
	case "Forbidden", "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}

// ClusterMissing reports whether err says a HyperPod cluster does not exist.
func ClusterMissing(err error) bool {
	var nf *smtypes.ResourceNotFound
	return errors.As(err, &nf)
}

// Unsupported reports whether err says the endpoint does not offer an
// operation (an emulator, an older partition).
func Unsupported(err error) bool {
	switch Code(err) {
	case "InvalidAction", "UnknownOperationException", "NotImplemented", "UnsupportedOperation":
		return true
	}
	status := HTTPStatus(err)
	return status == 404 || status == 501
}
