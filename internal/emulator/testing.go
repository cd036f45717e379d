package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// One server per test binary: starting moto costs about a second.
var shared struct {
	once sync.Once
	emu  *Emulator
	err  error
}

// ForTest returns the package's emulator, started on first use and reset for
// this test. Without moto the test is skipped, unless CI=true, where that is
// a broken machine and the test fails. HPCTL_EMULATOR=off skips it too (make
// test-fast: the command logic on the fake cloud alone). Tests that use it
// must not run in parallel with each other: each starts from a reset emulator.
func ForTest(t testing.TB) *Emulator {
	t.Helper()
	if os.Getenv("HPCTL_EMULATOR") == "off" {
		t.Skip("HPCTL_EMULATOR=off: the emulator tests are skipped")
	}
	shared.once.Do(func() { shared.emu, shared.err = Start(context.Background(), Options{DieWithParent: true}) })
	if shared.err != nil {
		if errors.Is(shared.err, ErrNoMoto) && os.Getenv("CI") != "true" {
			t.Skipf("emulator tests skipped: %v", shared.err)
		}
		t.Fatalf("emulator: %v", shared.err)
	}
	if err := shared.emu.Reset(context.Background()); err != nil {
		t.Fatalf("reset the emulator: %v", err)
	}
	return shared.emu
}

// Main runs a package's tests and stops the shared emulator afterwards, so
// that no process outlives the test binary. Use it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.emu != nil {
		_ = shared.emu.Stop()
	}
	return code
}

// Region is the region tests use against the emulator.
const Region = "us-west-2"

// Clients returns SDK clients for the emulator, with dummy credentials.
// They make 3 attempts, as the SDK does against AWS: under load a reply's
// connection is now and then closed mid-body on the client's side ("use of
// closed network connection" after a 200; cause not found), which the SDK
// retries as a connection error. The emulator answers no other error a
// retry could change, so every refusal a test looks for still comes first.
func (e *Emulator) Clients(ctx context.Context) (*cloud.Clients, error) {
	c, err := cloud.New(ctx, cloud.Options{
		Region: Region, Endpoint: e.URL, MaxAttempts: 3, MaxBackoff: 200 * time.Millisecond,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		return nil, fmt.Errorf("clients for %s: %w", e.URL, err)
	}
	return c, nil
}

// Env is the environment that points a child process (hpctl, the AWS CLI,
// rain) at the emulator, with dummy credentials and no shared configuration.
// Give the child os.Environ() without Unset's variables, plus these.
func (e *Emulator) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + e.URL, "AWS_REGION=" + Region, "AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// Unset lists variables that would point a child process elsewhere.
var Unset = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}

// BroughtNetwork is a template of the network a spec brings, for tests:
// made by a stack of its own, it is real in the emulator and is not the
// deployment's. Its outputs: Vpc, Subnets (4, two zones), Tables (2), Group.
const BroughtNetwork = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.50.0.0/16}}
  SubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.50.1.0/24, AvailabilityZoneId: usw2-az1}}
  SubnetB: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.50.2.0/24, AvailabilityZoneId: usw2-az2}}
  SubnetC: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.50.3.0/24, AvailabilityZoneId: usw2-az1}}
  SubnetD: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.50.4.0/24, AvailabilityZoneId: usw2-az2}}
  TableA: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  TableB: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: brought, VpcId: !Ref Vpc}}
Outputs:
  Vpc: {Value: !Ref Vpc}
  Subnets: {Value: !Join [",", [!Ref SubnetA, !Ref SubnetB, !Ref SubnetC, !Ref SubnetD]]}
  Tables: {Value: !Join [",", [!Ref TableA, !Ref TableB]]}
  Group: {Value: !GetAtt Group.GroupId}
`

// broughtEKS is a template of an EKS cluster a spec brings, on two subnets
// in two zones, with its role.
const broughtEKS = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name: {Type: String}
  Subnets: {Type: CommaDelimitedList}
  AuthenticationMode: {Type: String, Default: API_AND_CONFIG_MAP}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: [eks.amazonaws.com]}, Action: [sts:AssumeRole]}]
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Ref Name
      RoleArn: !GetAtt Role.Arn
      AccessConfig: {AuthenticationMode: !Ref AuthenticationMode}
      ResourcesVpcConfig: {SubnetIds: !Ref Subnets}
`

// BringEKS makes the EKS cluster a spec brings (by name) on the subnets, in
// a stack of its own (brought-eks), and waits until it is there.
func BringEKS(ctx context.Context, c *cloud.Clients, name string, subnets []string) error {
	return BringEKSWith(ctx, c, "brought-eks", name, subnets, "API_AND_CONFIG_MAP")
}

// BringEKSWith makes an EKS cluster with an authentication mode, in the stack.
func BringEKSWith(ctx context.Context, c *cloud.Clients, stack, name string, subnets []string, mode string) error {
	out, err := c.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(stack),
		TemplateBody: aws.String(broughtEKS), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
		Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Name"), ParameterValue: aws.String(name)},
			{ParameterKey: aws.String("Subnets"), ParameterValue: aws.String(strings.Join(subnets, ","))},
			{ParameterKey: aws.String("AuthenticationMode"), ParameterValue: aws.String(mode)}}})
	if err != nil {
		return fmt.Errorf("brought EKS cluster: %w", err)
	}
	_, err = Created(ctx, c, aws.ToString(out.StackId))
	return err
}

// broughtStorage is a template of the execution role and the FSx for
// Lustre file system a spec brings, the file system on one subnet.
const broughtStorage = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Role: {Type: String}
  Subnet: {Type: String}
  Group: {Type: String}
Resources:
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: [sagemaker.amazonaws.com]}, Action: [sts:AssumeRole]}]
  FileSystem:
    Type: AWS::FSx::FileSystem
    Properties: {FileSystemType: LUSTRE, StorageCapacity: 1200, SubnetIds: [!Ref Subnet], SecurityGroupIds: [!Ref Group]}
Outputs:
  FileSystem: {Value: !Ref FileSystem}
`

// BringStorage makes the execution role (by name) and an FSx file system
// on the subnet that a spec brings, in a stack of its own (brought-storage),
// and returns the file system's ID.
func BringStorage(ctx context.Context, c *cloud.Clients, role, subnet, group string) (string, error) {
	out, err := c.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("brought-storage"),
		TemplateBody: aws.String(broughtStorage), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityNamedIam},
		Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Role"), ParameterValue: aws.String(role)},
			{ParameterKey: aws.String("Subnet"), ParameterValue: aws.String(subnet)},
			{ParameterKey: aws.String("Group"), ParameterValue: aws.String(group)}}})
	if err != nil {
		return "", fmt.Errorf("brought storage: %w", err)
	}
	st, err := Created(ctx, c, aws.ToString(out.StackId))
	if err != nil {
		return "", fmt.Errorf("brought storage: %w", err)
	}
	return aws.ToString(st.Outputs[0].OutputValue), nil
}

// Created waits until a stack is CREATE_COMPLETE (30 s at most) and
// returns it; any other end is an error.
func Created(ctx context.Context, c *cloud.Clients, id string) (*cftypes.Stack, error) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			return nil, err
		}
		switch s := st.Stacks[0]; s.StackStatus {
		case cftypes.StackStatusCreateComplete:
			return &s, nil
		case cftypes.StackStatusCreateInProgress:
		default:
			return nil, fmt.Errorf("stack %s is %s", aws.ToString(s.StackName), s.StackStatus)
		}
	}
	return nil, fmt.Errorf("stack %s was not created within 30 s", id)
}

// Bucket makes a bucket in the test region, if it is not there yet, and
// puts the objects (key → body) into it.
func Bucket(ctx context.Context, c *cloud.Clients, name string, objects map[string]string) error {
	_, err := c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(Region)}})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	for key, body := range objects {
		if _, err := c.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			return fmt.Errorf("put s3://%s/%s: %w", name, key, err)
		}
	}
	return nil
}

// Keys lists a bucket's object keys, in order.
func Keys(ctx context.Context, c *cloud.Clients, bucket string) ([]string, error) {
	out, err := c.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, fmt.Errorf("list s3://%s: %w", bucket, err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, nil
}
