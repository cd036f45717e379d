package emulator

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// The shape of the hosted templates' Lambda code: a zip in the template
// bucket, named by a parameter.
const lambdaTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  CustomResourceS3Bucket: {Type: String}
  FunctionS3Key: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: !Ref CustomResourceS3Bucket, S3Key: !Ref FunctionS3Key}
`

func TestLambdaCodeMustBeInTheBucket(t *testing.T) {
	f := setup(t, Settings{})
	f.put("code-bucket", "resources/artifacts/hp-lambda-function.zip", "PK\x05\x06"+string(make([]byte, 18)))
	create := func(name, bucket, key string) {
		t.Helper()
		if _, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(lambdaTemplate),
			Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
			Parameters: []cftypes.Parameter{{ParameterKey: aws.String("CustomResourceS3Bucket"), ParameterValue: aws.String(bucket)},
				{ParameterKey: aws.String("FunctionS3Key"), ParameterValue: aws.String(key)}}}); err != nil {
			t.Fatal(err)
		}
	}

	create("held", "code-bucket", "resources/artifacts/hp-lambda-function.zip")
	if s := f.settle("held"); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("with the zip: %s\n%v", s.StackStatus, f.events("held"))
	}
	create("missing", "code-bucket", "resources/artifacts/helm-lambda-function.zip")
	if s := f.settle("missing"); s.StackStatus != cftypes.StackStatusRollbackComplete {
		t.Fatalf("without the zip: %s", s.StackStatus)
	}
	inOrder(t, f.events("missing"), "Function CREATE_FAILED InvalidRequest: Resource handler returned message: \"Error occurred while GetObject. "+
		"S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.\" (Service: Lambda, Status Code: 400)")
	create("nobucket", "no-such-code-bucket", "x.zip")
	f.settle("nobucket")
	inOrder(t, f.events("nobucket"), "Function CREATE_FAILED InvalidRequest: Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchBucket.")
}

// The subnet-tagging custom resource, told by its type: the stand-in of
// the hosted private-subnet-tagging template tags the private subnets for
// internal load balancers, a delete leaves the tags, and a subnet that
// does not exist fails it in EC2's words.
func TestSubnetTaggingTagsTheSubnets(t *testing.T) {
	f := setup(t, Settings{})
	body, err := os.ReadFile("../../templates/eks/private-subnet-tagging-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.put("code-bucket", "resources/artifacts/private-subnet-tagging-lambda-function.zip", "PK\x05\x06"+string(make([]byte, 18)))
	net := f.create("net", `Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.4.0.0/16}}
  A: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.4.1.0/24}}
  B: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.4.2.0/24}}
Outputs:
  Subnets: {Value: !Join [",", [!Ref A, !Ref B]]}
`)
	subnets := outputs(f.settle(net))["Subnets"]
	tagging := func(name, ids string) string {
		t.Helper()
		out, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(body)),
			Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam},
			Parameters: []cftypes.Parameter{{ParameterKey: aws.String("CustomResourceS3Bucket"), ParameterValue: aws.String("code-bucket")},
				{ParameterKey: aws.String("PrivateSubnetIds"), ParameterValue: aws.String(ids)}}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.StackId)
	}
	id := tagging("tags", subnets)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("tagging: %s\n%v", s.StackStatus, f.events(id))
	}
	want := []string{}
	for _, s := range strings.Split(subnets, ",") {
		want = append(want, s+" kubernetes.io/role/internal-elb=1")
	}
	slices.Sort(want)
	inv, err := f.emu.Inventory(f.ctx, Region)
	if err != nil || !slices.Equal(inv["subnetTags"], want) {
		t.Errorf("subnet tags %v (%v), want %v", inv["subnetTags"], err, want)
	}
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.settle(id)
	if inv, _ := f.emu.Inventory(f.ctx, Region); !slices.Equal(inv["subnetTags"], want) {
		t.Errorf("after the delete: %v, want the tags kept", inv["subnetTags"])
	}
	bad := tagging("bad", "subnet-0123456789abcdef0")
	f.settle(bad)
	inOrder(t, f.events(bad), "SubnetTaggingFunc CREATE_FAILED Received response status [FAILED] from custom resource. Message returned: "+
		"An error occurred (InvalidSubnetID.NotFound) when calling the CreateTags operation: The subnet ID 'subnet-0123456789abcdef0' does not exist")
}
