package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The network and bucket types of the hosted templates: a secondary VPC
// block, an egress rule, a bucket policy, with their Ref and GetAtt values.
const realTypes = `Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.1.0.0/16}}
  Secondary: {Type: AWS::EC2::VPCCidrBlock, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.2.0.0/16}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: g, VpcId: !Ref Vpc}}
  Egress: {Type: AWS::EC2::SecurityGroupEgress, Properties: {GroupId: !Ref Group, IpProtocol: "-1", DestinationSecurityGroupId: !Ref Group}}
  Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: types-bucket}}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Deny, Principal: "*", Action: "s3:*", Resource: !Sub "arn:aws:s3:::${Bucket}/*", Condition: {Bool: {aws:SecureTransport: "false"}}}]
Outputs:
  Association: {Value: !GetAtt Secondary.Id}
  AssociationRef: {Value: !Ref Secondary}
  Rule: {Value: !GetAtt Egress.Id}
  PolicyRef: {Value: !Ref Policy}
`

func TestRealResourceTypes(t *testing.T) {
	f := setup(t, Settings{})
	id := f.create("types", realTypes)
	s := f.settle(id)
	if s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	out := outputs(s)
	if !strings.HasPrefix(out["Association"], "vpc-cidr-assoc-") || out["AssociationRef"] != out["Association"] ||
		!strings.HasPrefix(out["Rule"], "sgr-") || out["PolicyRef"] != "types-bucket" {
		t.Errorf("outputs %v", out)
	}
	policy, err := f.c.S3.GetBucketPolicy(f.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("types-bucket")})
	if err != nil || !strings.Contains(aws.ToString(policy.Policy), "aws:SecureTransport") {
		t.Errorf("bucket policy %v", err)
	}
	// The SDK speaks TLS to S3: the policy that denies plain HTTP lets it in
	// (moto alone ignores the condition and denies every request).
	if _, err := f.c.S3.PutObject(f.ctx, &s3.PutObjectInput{Bucket: aws.String("types-bucket"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Errorf("a write over \"TLS\": %v", err)
	}
	if _, err := f.c.S3.DeleteObject(f.ctx, &s3.DeleteObjectInput{Bucket: aws.String("types-bucket"), Key: aws.String("k")}); err != nil {
		t.Errorf("a delete over \"TLS\": %v", err)
	}
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	if _, err := f.c.S3.GetBucketPolicy(f.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("types-bucket")}); err == nil {
		t.Error("the bucket policy outlived its stack")
	}

	// Bad properties fail the resource with the service's words.
	for name, tc := range map[string]struct{ template, reason string }{
		"overlapping block": {strings.Replace(realTypes, "CidrBlock: 10.2.0.0/16", "CidrBlock: 10.1.0.0/16", 1),
			"Secondary CREATE_FAILED InvalidVpc.Range: Resource handler returned message: \"The CIDR '10.1.0.0/16' conflicts"},
		"egress without a destination": {strings.Replace(realTypes, ", DestinationSecurityGroupId: !Ref Group", "", 1),
			"Egress CREATE_FAILED InvalidParameterCombination: Resource handler returned message: \"Exactly one of CidrIp"},
		"public policy on a blocked bucket": {strings.Replace(strings.Replace(realTypes, "Effect: Deny", "Effect: Allow", 1), `, Condition: {Bool: {aws:SecureTransport: "false"}}`, "", 1),
			"Policy CREATE_FAILED AccessDenied: Resource handler returned message: \"User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutBucketPolicy"},
		"policy without a document": {strings.Replace(realTypes, "      PolicyDocument:\n", "      Other:\n", 1),
			"Policy CREATE_FAILED Properties validation failed for resource Policy with message: #: required key [PolicyDocument] not found"},
	} {
		id := f.create(strings.ReplaceAll(name, " ", "-"), tc.template)
		if s := f.settle(id); s.StackStatus != cftypes.StackStatusRollbackComplete || !strings.Contains(strings.Join(f.events(id), "\n"), tc.reason) {
			t.Errorf("%s: %s, want %q in\n%s", name, s.StackStatus, tc.reason, strings.Join(f.events(id), "\n"))
		}
	}
}
