package template

import (
	"context"
	"slices"
	"testing"
)

func TestSplitURL(t *testing.T) {
	for _, c := range []struct {
		url, bucket, key string
		ok               bool
	}{
		{"https://my-b.s3.us-west-2.amazonaws.com/templates/vpc-template.yaml", "my-b", "templates/vpc-template.yaml", true},
		{"https://my-b.s3.amazonaws.com/k", "my-b", "k", true},
		{"http://my-b.s3.us-west-2.amazonaws.com/k", "", "", false},
		{"https://example.com/k", "", "", false},
		{"https://my-b.s3.us-west-2.amazonaws.com/", "", "", false},
		{"{VPCStack.Outputs.Url}", "", "", false},
	} {
		b, k, ok := SplitURL(c.url)
		if b != c.bucket || k != c.key || ok != c.ok {
			t.Errorf("%s: %q %q %v", c.url, b, k, ok)
		}
	}
}

const lambdas = `Parameters:
  CustomResourceS3Bucket: {Type: String, Default: hosted-bucket}
  FunctionS3Key: {Type: String, Default: resources/artifacts/fn.zip}
  Layer: {Type: String, Default: "false"}
Conditions:
  WithLayer: !Equals [!Ref Layer, "true"]
Resources:
  Role: {Type: AWS::IAM::Role}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: !Ref CustomResourceS3Bucket, S3Key: !Ref FunctionS3Key}
  Inline:
    Type: AWS::Lambda::Function
    Properties: {Code: {ZipFile: "def handler(e, c): pass"}}
  Lyr:
    Type: AWS::Lambda::LayerVersion
    Condition: WithLayer
    Properties:
      Content: {S3Bucket: !Ref CustomResourceS3Bucket, S3Key: resources/artifacts/layer.zip}
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: !Sub "https://${CustomResourceS3Bucket}.s3.${AWS::Region}.amazonaws.com/templates/child.yaml"
      Parameters: {A: x, B: !If [WithLayer, y, !Ref "AWS::NoValue"]}
`

func TestLambdaCodeAndNestedStacks(t *testing.T) {
	tpl, err := Parse([]byte(lambdas))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  map[string]string
		want []Code
	}{
		{nil, []Code{{"Fn", "hosted-bucket", "resources/artifacts/fn.zip"}}},
		{map[string]string{"CustomResourceS3Bucket": "mine", "Layer": "true"},
			[]Code{{"Fn", "mine", "resources/artifacts/fn.zip"}, {"Lyr", "mine", "resources/artifacts/layer.zip"}}},
	} {
		got, err := tpl.Evaluate(Env{Params: c.env, Region: "us-west-2"}).LambdaCode()
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%v: %v %v", c.env, got, err)
		}
	}
	nested, err := tpl.NestedIn("mine", "us-west-2")
	if err != nil || len(nested) != 1 || nested[0].Key != "templates/child.yaml" || !slices.Equal(nested[0].Passed, []string{"A", "B"}) {
		t.Errorf("%+v %v", nested, err)
	}
	if other, _ := tpl.NestedIn("another", "us-west-2"); len(other) != 1 {
		t.Errorf("the bucket is the template's own parameter: %+v", other)
	}

	child := &Files{Label: "t", Objects: map[string][]byte{"templates/child.yaml": []byte("Parameters:\n  A: {Type: String}\n  C: {Type: String}\nResources:\n  X: {Type: AWS::S3::Bucket}\n")}}
	got := CheckNested(context.Background(), Layers{&Files{Objects: map[string][]byte{}}, child}, nested)
	if len(got.Problems) != 2 || got.Problems[0].Text[:22] != "does not declare B, wh" || got.Problems[1].Text[:22] != "requires C, which Nest" {
		t.Errorf("%+v", got.Problems)
	}
}
