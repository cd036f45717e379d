package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/emulator"
)

const ssmKey = "templates-slurm/slurm-ssm-template.yaml"

func published(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/published-slurm-ssm-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hosted fills the emulator's hosted bucket as AWS fills it: the stand-ins,
// public, with the SSM template as published.
func (e *e2e) hosted(t *testing.T) string {
	t.Helper()
	bucket := "aws-sagemaker-hyperpod-cluster-setup-" + emulator.Region + "-prod"
	if code, out, errOut := e.hpctl("templates", "upload", "--bucket", bucket, "--stand-ins"); code != ExitOK {
		t.Fatalf("upload: %d\n%s%s", code, out, errOut)
	}
	keys, err := emulator.Keys(e.ctx, e.c, bucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := e.c.S3.PutObjectAcl(e.ctx, &s3.PutObjectAclInput{Bucket: aws.String(bucket), Key: aws.String(k), ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.S3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(ssmKey),
		Body: strings.NewReader(published(t)), ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	return bucket
}

// A custom bucket holding the SSM template as published is refused before
// anything changes, in CloudFormation's words.
func TestABrokenCompanionTemplateIsRefusedBeforeAnyChange(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	if _, err := e.c.S3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(standIns), Key: aws.String(ssmKey),
		Body: bytes.NewReader([]byte(published(t)))}); err != nil {
		t.Fatal(err)
	}
	before := e.inventory()
	cfnSays := "Template format error: Unresolved resource dependencies [ResourceNamePrefix] in the Resources block of the template"
	code, out, errOut := e.deploy("slurm", "../../examples/slurm-quickstart.yaml", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "CloudFormation refuses the SSMStack template https://"+standIns) || !strings.Contains(errOut, cfnSays) ||
		!strings.Contains(errOut, "remove that object from s3://"+standIns+" and hpctl deploys its own in its place") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	for _, stack := range []string{"hpctl-slurm-cluster", "hpctl-slurm-cluster-ssm"} {
		if ok, err := exists(e, stack); ok || err != nil {
			t.Errorf("stack %s exists after a refusal (%v)", stack, err)
		}
	}
	if after := e.inventory(); len(after["stacks"]) != len(before["stacks"]) {
		t.Errorf("stacks before %v, after %v", before["stacks"], after["stacks"])
	}
}

func exists(e *e2e, stack string) (bool, error) {
	_, err := e.c.CloudFormation.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if cloud.StackMissing(err) {
		return false, nil
	}
	return err == nil, err
}
