package emulator

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// A role and a managed policy whose documents say `Version: 2012-10-17`
// unquoted (moto failed the managed policy: "Object of type date is not
// JSON serializable"), in a template
// without AWSTemplateFormatVersion, as real nested templates are written.
const datedPolicy = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: dated
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Version: 2012-10-17
            Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Allow, Action: s3:ListBucket, Resource: "*"}]
Outputs:
  Arn: {Value: !GetAtt Role.Arn}
`

// CloudFormation reads an unquoted date as a string, and takes a template
// without AWSTemplateFormatVersion everywhere, GetTemplateSummary included.
func TestTemplatesAsCloudFormationReadsThem(t *testing.T) {
	f := setup(t, Settings{})
	sum, err := f.c.CloudFormation.GetTemplateSummary(f.ctx, &cloudformation.GetTemplateSummaryInput{TemplateBody: aws.String(datedPolicy)})
	if err != nil || aws.ToString(sum.Version) != "2010-09-09" || len(sum.ResourceTypes) != 2 {
		t.Fatalf("GetTemplateSummary: %v %+v", err, sum)
	}
	out, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String("dated"),
		TemplateBody: aws.String(datedPolicy), Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityNamedIam}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.StackId)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %v", s.StackStatus, f.events(id))
	}
	if arn := outputs(f.stack(id))["Arn"]; arn == "" {
		t.Error("the role has no ARN")
	}
}
