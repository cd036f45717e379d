// Package cloud builds the AWS clients hpctl uses from the same inputs the
// AWS CLI takes: a profile, a region, an endpoint URL, and otherwise the
// SDK's own environment and shared configuration (SSO and assumed roles
// included). It holds no decisions.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/fsx"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/smithy-go/logging"
)

// Options say where and as whom to call AWS.
type Options struct {
	Profile string
	Region  string
	// Endpoint replaces every service's endpoint (--endpoint-url); the SDK
	// also reads AWS_ENDPOINT_URL by itself.
	Endpoint string
	// MaxAttempts bounds each call's attempts, retries included (default 8:
	// throttling during a long deployment must not end it).
	MaxAttempts int
	// MaxBackoff bounds the wait between attempts (default 20 s).
	MaxBackoff time.Duration
	// Credentials replace the default chain (tests).
	Credentials aws.CredentialsProvider
	// Anonymous calls unsigned, with no credentials at all: for public
	// objects such as the hosted templates.
	Anonymous bool
	// Log, when set, receives a line for every retried call: what -v shows.
	// Requests and bodies are never logged, so no secret can reach it.
	Log io.Writer
}

// Clients are the SDK clients of one region and identity.
type Clients struct {
	Region         string
	CloudFormation *cloudformation.Client
	S3             *s3.Client
	SageMaker      *sagemaker.Client
	// The clients preflight reads a brought network, cluster, role, file
	// system and the account's quotas with.
	Quotas *servicequotas.Client
	EC2    *ec2.Client
	EKS    *eks.Client
	IAM    *iam.Client
	FSx    *fsx.Client
	// Logs reads the lifecycle-script logs of a cluster's nodes.
	Logs *cloudwatchlogs.Client
}

// ErrNoRegion is returned when neither the options nor the SDK's
// configuration name a region.
var ErrNoRegion = errors.New("no AWS region: pass --region, set AWS_REGION, or set one in the profile")

// New loads the SDK configuration and builds the clients.
func New(ctx context.Context, opts Options) (*Clients, error) {
	attempts, backoff := opts.MaxAttempts, opts.MaxBackoff
	if attempts == 0 {
		attempts = 8
	}
	if backoff == 0 {
		backoff = 20 * time.Second
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.MaxBackoff = backoff
				// The default retry quota (a token bucket shared by the
				// client) runs dry under sustained throttling and then
				// fails calls outright; a watch that lasts hours must ride
				// the throttling out, bounded by MaxAttempts per call.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Endpoint != "" {
		load = append(load, config.WithBaseEndpoint(opts.Endpoint))
	}
	switch {
	case opts.Anonymous:
		load = append(load, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	case opts.Credentials != nil:
		load = append(load, config.WithCredentialsProvider(opts.Credentials))
	}
	if opts.Log != nil {
		load = append(load, config.WithClientLogMode(aws.LogRetries), config.WithLogger(logging.NewStandardLogger(opts.Log)))
	} else {
		// The SDK's own warnings (falling back to IMDSv1, a skipped
		// checksum) are for -v: the user reads hpctl's words.
		load = append(load, config.WithLogger(logging.Nop{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.BaseEndpoint != nil {
		if err := CheckEndpoint(*cfg.BaseEndpoint); err != nil {
			return nil, err
		}
	}
	for _, service := range []string{"CLOUDFORMATION", "S3", "SAGEMAKER", "SERVICE_QUOTAS", "EC2", "EKS", "IAM", "FSX", "CLOUDWATCH_LOGS"} {
		if u := os.Getenv("AWS_ENDPOINT_URL_" + service); u != "" {
			if err := CheckEndpoint(u); err != nil {
				return nil, err
			}
		}
	}
	if cfg.Region == "" {
		return nil, ErrNoRegion
	}
	// Credentials are looked up before the first call, as the AWS CLI does:
	// without any, no call can be made, and the user hears it in one line
	// rather than from the first call's error chain.
	if !opts.Anonymous {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, &CredentialsError{Err: err}
		}
	}
	customEndpoint := cfg.BaseEndpoint != nil
	return &Clients{
		Region:         cfg.Region,
		CloudFormation: cloudformation.NewFromConfig(cfg),
		// A custom endpoint (an emulator, a VPC endpoint) serves buckets by
		// path, not by bucket host name.
		// An object written without a checksum (by the console, an older
		// tool, an emulator) is read without one: no log line about it.
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = customEndpoint
			o.DisableLogOutputChecksumValidationSkipped = true
		}),
		SageMaker: sagemaker.NewFromConfig(cfg),
		Quotas:    servicequotas.NewFromConfig(cfg),
		EC2:       ec2.NewFromConfig(cfg),
		EKS:       eks.NewFromConfig(cfg),
		IAM:       iam.NewFromConfig(cfg),
		FSx:       fsx.NewFromConfig(cfg),
		Logs:      cloudwatchlogs.NewFromConfig(cfg),
	}, nil
}

// CheckEndpoint refuses an endpoint that would carry signed requests and
// template URLs in the clear: plain HTTP is for an emulator on loopback.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("endpoint %q is not a URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("endpoint %s is plain HTTP to a host that is not loopback: requests and template URLs would travel unencrypted; use https", raw)
	}
	return fmt.Errorf("endpoint %s: the scheme must be https (or http on loopback)", raw)
}
