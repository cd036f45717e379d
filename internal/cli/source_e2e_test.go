package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/cloud"
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

// A template bucket whose nested template is of an older sync is a plan
// error at templates.bucket's line, naming the object and the parameters;
// deploy refuses it before anything changes.
func TestAnOutOfStepBucketIsAPlanErrorAtItsLine(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	key := "templates-slurm/slurm-hyperpod-cluster-template.yaml"
	body, err := templates.Read("slurm", "slurm-hyperpod-cluster-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	older := strings.Replace(string(body), "  NodeProvisioningMode:\n    Type: String\n    Default: ''\n    Description: As the hosted template declares it.\n", "", 1)
	if older == string(body) {
		t.Fatal("the stand-in no longer declares NodeProvisioningMode as the test expects")
	}
	if err := emulator.Bucket(e.ctx, e.c, standIns, map[string]string{key: older}); err != nil {
		t.Fatal(err)
	}
	spec := specFile(t, "slurm-quickstart.yaml", "orchestrator: slurm\n", "orchestrator: slurm\ntemplates:\n  bucket: "+standIns+"\n")
	want := "templates.bucket: the templates in s3://" + standIns + " are out of step: " + key +
		" does not declare NodeProvisioningMode, which HyperPodParamClusterStack is passed"
	for _, cmd := range [][]string{{"plan", "slurm", "-f", spec}, {"deploy", "slurm", "-f", spec, "--yes"}} {
		code, out, errOut := e.hpctl(cmd...)
		if code != ExitUsage || !strings.Contains(errOut, want) || !strings.Contains(errOut, ".yaml:12:") {
			t.Errorf("%s: exit %d\n%s%s", cmd[0], code, out, errOut)
		}
	}
	if ok, err := exists(e, "hpctl-slurm-cluster"); ok || err != nil {
		t.Errorf("the deploy changed something: %v %v", ok, err)
	}
}

// templates upload and mirror fill a bucket with one consistent set or
// write nothing: a nested template of another sync, or templates without
// their Lambda code, are refused, naming each object.
func TestUploadAndMirrorWriteOnlyAConsistentSet(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	dir := t.TempDir()
	objs, err := templates.Objects()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Key, "templates/") {
			continue
		}
		body := o.Body
		if o.Key == "templates/fsx-k8s-integration-template.yaml" { // of an older sync
			body = []byte(strings.Replace(string(body), "  EKSClusterName:\n", "  ClusterName:\n", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, strings.TrimPrefix(o.Key, "templates/")), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := e.hpctl("templates", "upload", "--bucket", "fresh-templates", "--dir", dir)
	for _, want := range []string{
		"the templates would be out of step in s3://fresh-templates; nothing was written:",
		"templates/fsx-k8s-integration-template.yaml does not declare EKSClusterName, which FsxK8sIntegrationStack is passed",
		"resources/artifacts/hp-lambda-function.zip is not there; the Lambda code of templates/hyperpod-cluster-template.yaml HpLambdaFunction",
	} {
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("upload: exit %d, lacks %q\n%s%s", code, want, out, errOut)
		}
	}
	if ok, _ := e.bucketExists("fresh-templates"); ok {
		t.Error("a refused upload created the bucket")
	}

	// The hosted bucket without its Lambda code: mirror copies nothing.
	hosted := e.hosted(t)
	if _, err := e.c.S3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(hosted), Key: aws.String("resources/artifacts/hp-lambda-function.zip")}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = e.hpctl("templates", "mirror", "--bucket", "mirrored-templates")
	if code != ExitUsage || !strings.Contains(errOut, "resources/artifacts/hp-lambda-function.zip is not there; the Lambda code of templates-slurm/slurm-hyperpod-cluster-template.yaml HpLambdaFunction") {
		t.Errorf("mirror: exit %d\n%s%s", code, out, errOut)
	}
}

func (e *e2e) bucketExists(name string) (bool, error) {
	_, err := e.c.S3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	if cloud.BucketMissing(err) {
		return false, nil
	}
	return err == nil, err
}
