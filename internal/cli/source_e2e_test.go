package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/emulator"
	"github.com/hpctl/hpctl/templates"
)

// On the emulator's S3, as on AWS: plan reads the hosted main template from
// the hosted bucket's key, then answers an unchanged one from its cache.
func TestPlanReadsTheHostedBucketOnTheEmulator(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	variant, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	// The hosted bucket's objects are public: hpctl reads them unsigned.
	hosted := "aws-sagemaker-hyperpod-cluster-setup-" + emulator.Region + "-prod"
	if err := emulator.Bucket(e.ctx, e.c, hosted, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.S3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(hosted), Key: aws.String("templates/main-stack-eks-based-template.yaml"),
		Body: bytes.NewReader(variant), ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	for _, want := range []string{"read from S3, ETag ", "read from the cache (S3: not modified), ETag "} {
		code, out, errOut := e.hpctlEnv(map[string]string{"HPCTL_CACHE_DIR": cache}, "plan", "eks", "-f", "../../examples/eks-quickstart.yaml")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		for _, w := range []string{want, "? nested stack ExtraAuditStack is not known to hpctl: created"} {
			if !strings.Contains(out, w) {
				t.Errorf("the plan lacks %q:\n%s", w, head(out, 12))
			}
		}
	}
}

// A newer main template than hpctl knows deploys as the template says: the
// plan, status and destroy name its unknown nested stacks, and destroy takes
// them down in its own order.
func TestAVariantTemplateDeploysAndDestroysWithItsDrift(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.005, ClusterSeconds: 0.3})
	variant, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	audit := "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  VpcId: {Type: String}\n  Level: {Type: String}\n" +
		"Resources:\n  Record:\n    Type: AWS::SSM::Parameter\n    Properties: {Name: /hpctl-emu/audit, Type: String, Value: !Sub '${VpcId} ${Level}'}\n"
	if err := emulator.Bucket(e.ctx, e.c, standIns, map[string]string{"templates/main-stack-eks-based-template.yaml": string(variant)}); err != nil {
		t.Fatal(err)
	}
	// The variant reads its extra stack from the hosted bucket, whatever CustomBucketName says.
	hosted := "aws-sagemaker-hyperpod-cluster-setup-" + emulator.Region + "-prod"
	if err := emulator.Bucket(e.ctx, e.c, hosted, map[string]string{"templates/audit-template.yaml": audit}); err != nil {
		t.Fatal(err)
	}
	spec := "../../examples/eks-quickstart.yaml"
	code, out, errOut := e.deploy("eks", spec, "--yes")
	if code != ExitOK {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	if got := e.nested("hpctl-ml-cluster"); !slices.Contains(got, "ExtraAuditStack") || !slices.Contains(got, "S3GatewayEndpointStack") || slices.Contains(got, "S3EndpointStack") {
		t.Errorf("nested stacks %v", got)
	}
	code, out, _ = e.hpctl("status", "ml-cluster")
	if code != ExitOK || !strings.Contains(out, "ExtraAuditStack (not known to hpctl)") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	code, out, _ = e.hpctl("destroy", "ml-cluster", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "? ExtraAuditStack is not known to hpctl (a newer template's; created when CreateVPCStack = true)") {
		t.Errorf("destroy --dry-run: exit %d\n%s", code, out)
	}
	order := out[strings.Index(out, "in this order:"):]
	if i, j := strings.Index(order, "ExtraAuditStack"), strings.Index(order, "VPCStack"); i < 0 || j < i {
		t.Errorf("ExtraAuditStack reads VPCStack and must go first:\n%s", order)
	}
	if code, out, errOut = e.hpctl("destroy", "ml-cluster", "--yes"); code != ExitOK {
		t.Errorf("destroy: exit %d\n%s%s", code, out, errOut)
	}
}
