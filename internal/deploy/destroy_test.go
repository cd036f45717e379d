package deploy

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCheckDestroy(t *testing.T) {
	base := func() *Target {
		return &Target{StackName: "hpctl-ml", Status: "CREATE_COMPLETE", Stack: stack("CREATE_COMPLETE", ""),
			resources: []resourceRef{{path: "hpctl-ml", logicalID: "S3BucketStack", typ: stackType},
				{path: "hpctl-ml/S3BucketStack", logicalID: "Bucket", typ: "AWS::S3::Bucket", status: "DELETE_FAILED"}}}
	}
	for _, tc := range []struct {
		name   string
		change func(*Target, *DestroyOptions)
		want   string
	}{
		{"hpctl's own", func(*Target, *DestroyOptions) {}, ""},
		{"not hpctl's", func(t *Target, _ *DestroyOptions) { t.Owner = "stack hpctl-ml was not made by hpctl" }, "--adopt"},
		{"adopted", func(t *Target, o *DestroyOptions) { t.Owner, o.Adopt = "not hpctl's", true }, ""},
		{"protected", func(t *Target, _ *DestroyOptions) { t.Protected = true }, "--disable-termination-protection"},
		{"unprotected", func(t *Target, o *DestroyOptions) { t.Protected, o.DisableTerminationProtection = true, true }, ""},
		{"hazard", func(t *Target, _ *DestroyOptions) { t.Hazards = []Hazard{{Bucket: "mine", Message: "empties mine"}} }, "--empty-brought-bucket mine"},
		{"hazard agreed", func(t *Target, o *DestroyOptions) {
			t.Hazards, o.EmptyBrought = []Hazard{{Bucket: "mine", Message: "empties mine"}}, []string{"mine"}
		}, ""},
		{"retain too early", func(_ *Target, o *DestroyOptions) { o.Retain = []string{"S3BucketStack/Bucket"} }, "applies to a stack whose deletion failed"},
		{"retain", func(t *Target, o *DestroyOptions) {
			t.Status, o.Retain = "DELETE_FAILED", []string{"S3BucketStack/Bucket"}
		}, ""},
		{"retain unknown", func(t *Target, o *DestroyOptions) {
			t.Status, o.Retain = "DELETE_FAILED", []string{"S3BucketStack/Nope"}
		}, "no such resource"},
	} {
		target, opt := base(), DestroyOptions{}
		tc.change(target, &opt)
		err := CheckDestroy(target, opt)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestSplitRetain(t *testing.T) {
	top, below := splitRetain([]string{"S3BucketStack/LogsBucket", "S3BucketStack/Bucket", "FsxStack", "A/B/C"})
	if !slices.Equal(top, []string{"S3BucketStack", "FsxStack", "A"}) || !slices.Equal(below["S3BucketStack"], []string{"LogsBucket", "Bucket"}) ||
		!slices.Equal(below["A"], []string{"B/C"}) || below["FsxStack"] != nil {
		t.Errorf("%v %v", top, below)
	}
}

// Emptying takes every version and delete marker, page after page.
func TestEmptyBucketTakesEveryVersion(t *testing.T) {
	d, s3c := onEmulator(t)
	d.versionsPage = 7
	ctx := context.Background()
	if _, err := d.EnsureBucket(ctx, "versioned"); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		key := "k" + strconv.Itoa(i%20)
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("versioned"), Key: aws.String(key), Body: strings.NewReader(key)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("versioned"), Key: aws.String("k1")}); err != nil {
		t.Fatal(err)
	}
	n, err := d.emptyBucket(ctx, "versioned")
	if err != nil || n != 31 {
		t.Errorf("emptied %d: %v", n, err)
	}
	left, err := s3c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("versioned")})
	if err != nil || len(left.Versions)+len(left.DeleteMarkers) != 0 {
		t.Errorf("left %d versions, %d markers: %v", len(left.Versions), len(left.DeleteMarkers), err)
	}
	if n, err := d.emptyBucket(ctx, "no-such-bucket-here"); n != 0 || err != nil {
		t.Errorf("a missing bucket: %d %v", n, err)
	}
}

// What the templates leave behind follows the stacks a deployment has.
func TestKnownLeftovers(t *testing.T) {
	for _, tc := range []struct {
		orch   string
		stacks []string
		params map[string]string
		want   []string
	}{
		{"eks", []string{"EKSClusterStack", "FsxK8sIntegrationStack"}, map[string]string{"EKSClusterName": "e"},
			[]string{"eksctl service-account stack eksctl-e-addon-iamserviceaccount-kube-system-fsx-csi-controller-sa", "IAM OIDC provider of EKS cluster e (never deleted by the templates) e"}},
		{"eks", []string{"FsxStack"}, map[string]string{"EKSClusterName": "e"}, // a deployment of a template before 2026
			[]string{"eksctl service-account stack eksctl-e-addon-iamserviceaccount-kube-system-fsx-csi-controller-sa"}},
		{"eks", []string{"FsxFilesystemStack"}, map[string]string{"EKSClusterName": "e"}, nil},
		{"slurm", []string{"AccountingDatabaseStack"}, map[string]string{"CreatePrometheusWorkspace": "true", "EnableObservabilityFeature": "true"},
			[]string{"Amazon Managed Prometheus workspace (DeletionPolicy Retain) hpctl-x",
				"final snapshot of the Slurm accounting database (DeletionPolicy Snapshot) hpctl-x-AccountingDatabaseStack-*"}},
	} {
		target := &Target{Orchestrator: tc.orch, StackName: "hpctl-x", StackID: "root"}
		for _, s := range tc.stacks {
			target.resources = append(target.resources, resourceRef{stackID: "root", logicalID: s, typ: stackType})
		}
		var got []string
		for _, l := range knownLeftovers(target, &cftypes.Stack{}, tc.params) {
			got = append(got, l.What+" "+l.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.orch, tc.stacks, got, tc.want)
		}
	}
}
