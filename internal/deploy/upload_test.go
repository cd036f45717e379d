package deploy

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/emulator"
	"github.com/hpctl/hpctl/internal/plan"
)

func TestMain(m *testing.M) { os.Exit(emulator.Main(m)) }

func onEmulator(t *testing.T) (*Deployer, *s3.Client) {
	t.Helper()
	emu := emulator.ForTest(t)
	c, err := emu.Clients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &Deployer{CFN: c.CloudFormation, S3: c.S3, SM: c.SageMaker, Region: c.Region}, c.S3
}

// A second upload of the same files writes nothing; a changed file is
// written alone. The bucket hpctl creates is encrypted and private.
func TestUploadWritesOnlyWhatChanged(t *testing.T) {
	d, s3c := onEmulator(t)
	ctx := context.Background()
	files := []File{{Key: "templates/a.yaml", Body: []byte("a: 1\n")}, {Key: "templates/b.yaml", Body: []byte("b: 1\n")},
		{Key: "resources/artifacts/fn.zip", Body: []byte("zip")}}
	first, err := d.Upload(ctx, "tpl", files)
	if err != nil || !first.CreatedBucket || len(first.Copied) != 3 {
		t.Fatalf("first upload %+v %v", first, err)
	}
	again, err := d.Upload(ctx, "tpl", files)
	if err != nil || again.CreatedBucket || len(again.Copied) != 0 || again.Unchanged != 3 {
		t.Errorf("second upload %+v %v", again, err)
	}
	files[1].Body = []byte("b: 2\n")
	changed, err := d.Upload(ctx, "tpl", files)
	if err != nil || len(changed.Copied) != 1 || changed.Copied[0] != "templates/b.yaml" {
		t.Errorf("upload after a change %+v %v", changed, err)
	}
	pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("tpl")})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Errorf("public access block %+v %v", pab, err)
	}
	enc, err := s3c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("tpl")})
	if err != nil || len(enc.ServerSideEncryptionConfiguration.Rules) == 0 {
		t.Errorf("encryption %+v %v", enc, err)
	}
}

// Mirror copies the hosted layout server-side, and only what differs.
func TestMirrorCopiesTheHostedLayout(t *testing.T) {
	d, s3c := onEmulator(t)
	ctx := context.Background()
	hosted := plan.HostedBucket(d.Region, "prod")
	standIns, err := StandIns()
	if err != nil {
		t.Fatal(err)
	}
	extra := File{Key: "other/ignored.txt", Body: []byte("not part of the layout")}
	if _, err := d.Upload(ctx, hosted, append(standIns, extra)); err != nil {
		t.Fatal(err)
	}
	first, err := d.Mirror(ctx, hosted, "mine")
	if err != nil || len(first.Copied) != len(standIns) {
		t.Fatalf("mirror copied %d of %d: %v", len(first.Copied), len(standIns), err)
	}
	again, err := d.Mirror(ctx, hosted, "mine")
	if err != nil || len(again.Copied) != 0 || again.Unchanged != len(standIns) {
		t.Errorf("second mirror %+v %v", again, err)
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mine"), Key: aws.String(extra.Key)}); err == nil {
		t.Error("mirror copied an object outside the template layout")
	}
}

// Before it writes into a bucket that exists, hpctl checks its protection:
// its own bucket (tagged) is fixed, another's is refused and left as it is.
// S3 blocks public access on a new bucket; a user can lift the block.
func TestAnUnprotectedBucketIsFixedOrRefused(t *testing.T) {
	d, s3c := onEmulator(t)
	ctx := context.Background()
	loc := &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(d.Region)}
	files := []File{{Key: "templates/a.yaml", Body: []byte("a: 1\n")}}
	for _, b := range []string{"users", "half-made"} {
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b), CreateBucketConfiguration: loc}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s3c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("half-made"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("hpctl:templates"), Value: aws.String("true")}}}}); err != nil {
		t.Fatal(err)
	}

	_, err := d.Upload(ctx, "users", files)
	var r *Refusal
	if !errors.As(err, &r) || !strings.Contains(err.Error(), "bucket users is not protected, and hpctl did not make it") ||
		!strings.Contains(err.Error(), "its public access is not blocked") {
		t.Fatalf("a user's unprotected bucket: %v", err)
	}
	if out, _ := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("users")}); len(out.Contents) != 0 {
		t.Error("the refused bucket was written to")
	}
	if _, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("users")}); err == nil {
		t.Error("the user's bucket settings were changed")
	}

	if s, err := d.Upload(ctx, "half-made", files); err != nil || len(s.Copied) != 1 {
		t.Fatalf("hpctl's own half-made bucket: %+v %v", s, err)
	}
	pab, err := s3c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("half-made")})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Errorf("not blocked: %v", err)
	}
	if _, err := s3c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("half-made")}); err != nil {
		t.Errorf("not encrypted: %v", err)
	}
}
