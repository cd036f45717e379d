package emulator

import (
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
