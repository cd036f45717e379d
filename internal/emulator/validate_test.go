package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

// The hosted slurm-ssm-template.yaml's flaw: a Fn::Sub of a parameter the
// template does not declare.
const undeclaredSub = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ssmDocumentName: {Type: String, Default: "true"}
Resources:
  Doc:
    Type: AWS::SSM::Document
    Properties:
      DocumentType: Session
      Content: {schemaVersion: "1.0"}
      Tags: [{Key: k, Value: !Sub "${ResourceNamePrefix}-ssm-Document"}]
`

func TestValidateTemplateAnswersAsCloudFormation(t *testing.T) {
	f := setup(t, Settings{})
	validate := func(in *cloudformation.ValidateTemplateInput) (*cloudformation.ValidateTemplateOutput, error) {
		return f.c.CloudFormation.ValidateTemplate(f.ctx, in)
	}
	role := `Parameters:
  Name: {Type: String, Default: hp}
  Secret: {Type: String, NoEcho: true}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Name}-role"
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
Outputs:
  Arn: {Value: !GetAtt Role.Arn}
`
	f.put("validate-templates", "role.yaml", role)
	out, err := validate(&cloudformation.ValidateTemplateInput{TemplateURL: aws.String("https://validate-templates.s3.us-west-2.amazonaws.com/role.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parameters) != 2 || aws.ToString(out.Parameters[0].DefaultValue) != "hp" || out.Parameters[1].DefaultValue != nil ||
		!aws.ToBool(out.Parameters[1].NoEcho) {
		t.Errorf("parameters %+v", out.Parameters)
	}
	if len(out.Capabilities) != 1 || out.Capabilities[0] != "CAPABILITY_NAMED_IAM" ||
		aws.ToString(out.CapabilitiesReason) != "The following resource(s) require capabilities: [AWS::IAM::Role]" {
		t.Errorf("capabilities %v %q", out.Capabilities, aws.ToString(out.CapabilitiesReason))
	}

	for _, c := range []struct{ name, body, want string }{
		{"undeclared Sub variable", undeclaredSub,
			"Template format error: Unresolved resource dependencies [ResourceNamePrefix] in the Resources block of the template"},
		{"undeclared Ref in outputs", "Resources:\n  B: {Type: AWS::S3::Bucket}\nOutputs:\n  X: {Value: !Ref Nope}\n",
			"Template format error: Unresolved resource dependencies [Nope] in the Outputs block of the template"},
		{"DependsOn nothing", "Resources:\n  B: {Type: AWS::S3::Bucket, DependsOn: Gone}\n",
			"Template format error: Unresolved resource dependencies [Gone] in the Resources block of the template"},
		{"no resources", "Parameters:\n  A: {Type: String}\n", "Template format error: At least one Resources member must be defined."},
		{"no type", "Resources:\n  B: {Properties: {}}\n", "Template format error: [/Resources/B] Every Resources object must contain a Type member."},
		{"unknown section", "Resource:\n  B: {Type: AWS::S3::Bucket}\n", "Template format error: Invalid template property or properties [Resource]"},
		{"not YAML", "Resources:\n  B: {Type: [\n", "Template format error: YAML not well-formed."},
	} {
		_, err := validate(&cloudformation.ValidateTemplateInput{TemplateBody: aws.String(c.body)})
		if err == nil || !strings.Contains(err.Error(), "ValidationError") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
