package cloud

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
)

// CloudFormation is the part of the CloudFormation API hpctl calls. The SDK
// client satisfies it; tests give a scripted one.
type CloudFormation interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
	DescribeEvents(context.Context, *cloudformation.DescribeEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeEventsOutput, error)
	ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
	ValidateTemplate(context.Context, *cloudformation.ValidateTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.ValidateTemplateOutput, error)
	CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
	UpdateTerminationProtection(context.Context, *cloudformation.UpdateTerminationProtectionInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateTerminationProtectionOutput, error)
}

// S3 is the part of the S3 API hpctl calls.
type S3 interface {
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CopyObject(context.Context, *s3.CopyObjectInput, ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	CreateBucket(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	PutBucketEncryption(context.Context, *s3.PutBucketEncryptionInput, ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error)
	PutPublicAccessBlock(context.Context, *s3.PutPublicAccessBlockInput, ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error)
	PutBucketTagging(context.Context, *s3.PutBucketTaggingInput, ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error)
	ListObjectVersions(context.Context, *s3.ListObjectVersionsInput, ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// SageMaker is the part of the SageMaker API hpctl calls.
type SageMaker interface {
	DescribeCluster(context.Context, *sagemaker.DescribeClusterInput, ...func(*sagemaker.Options)) (*sagemaker.DescribeClusterOutput, error)
	ListClusterNodes(context.Context, *sagemaker.ListClusterNodesInput, ...func(*sagemaker.Options)) (*sagemaker.ListClusterNodesOutput, error)
	DeleteCluster(context.Context, *sagemaker.DeleteClusterInput, ...func(*sagemaker.Options)) (*sagemaker.DeleteClusterOutput, error)
}

var (
	_ CloudFormation = (*cloudformation.Client)(nil)
	_ S3             = (*s3.Client)(nil)
	_ SageMaker      = (*sagemaker.Client)(nil)
)

// Outputs are a stack's outputs by key.
func Outputs(st *cftypes.Stack) map[string]string {
	return pairs(st.Outputs, func(o cftypes.Output) (string, string) { return aws.ToString(o.OutputKey), aws.ToString(o.OutputValue) })
}

// Parameters are a stack's parameter values by key.
func Parameters(st *cftypes.Stack) map[string]string {
	return pairs(st.Parameters, func(p cftypes.Parameter) (string, string) {
		return aws.ToString(p.ParameterKey), aws.ToString(p.ParameterValue)
	})
}

func pairs[T any](items []T, kv func(T) (string, string)) map[string]string {
	if len(items) == 0 {
		return nil
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		k, v := kv(it)
		out[k] = v
	}
	return out
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
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && (re.HTTPStatusCode() == 404 || re.HTTPStatusCode() == 501)
}
