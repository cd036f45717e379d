package cli

import (
	"bytes"
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
