package emulator

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A new bucket encrypts with SSE-S3 and blocks public access, as S3 has
// done since 2023; DeleteBucketEncryption puts SSE-S3 back.
func TestNewBucketsAreProtectedAsS3DoesIt(t *testing.T) {
	f := setup(t, Settings{})
	if _, err := f.c.S3.CreateBucket(f.ctx, &s3.CreateBucketInput{Bucket: aws.String("fresh"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(Region)}}); err != nil {
		t.Fatal(err)
	}
	pab, err := f.c.S3.GetPublicAccessBlock(f.ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("fresh")})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Errorf("public access block: %v", err)
	}
	sse := func() string {
		enc, err := f.c.S3.GetBucketEncryption(f.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("fresh")})
		if err != nil {
			t.Fatal(err)
		}
		return string(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)
	}
	if got := sse(); got != "AES256" {
		t.Errorf("default encryption %q", got)
	}
	if _, err := f.c.S3.DeleteBucketEncryption(f.ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("fresh")}); err != nil {
		t.Fatal(err)
	}
	if got := sse(); got != "AES256" {
		t.Errorf("after DeleteBucketEncryption: %q", got)
	}
}
