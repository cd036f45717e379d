package deploy

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/templates"
)

// File is one object of a template bucket.
type File struct {
	Key  string
	Body []byte
}

// Layout prefixes of a template bucket, as the hosted bucket has them.
var mirrorPrefixes = []string{"templates/", "templates-slurm/", "resources/"}

// DirFiles reads a local template folder laid out like the published
// repository (eks/cloudformation or slurm/cloudformation): its templates
// go under prefix ("templates" or "templates-slurm"), its resources/
// folder under resources/.
func DirFiles(dir, prefix string) ([]File, error) {
	var out []File
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() && strings.HasPrefix(e.Name(), ".") && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		var key string
		switch {
		case strings.HasPrefix(p, "resources/"):
			key = p
		case !strings.Contains(p, "/") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json")):
			key = prefix + "/" + p
		default:
			return nil // not part of the bucket layout
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		out = append(out, File{Key: key, Body: body})
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("templates.dir %s does not exist", filepath.Clean(dir))
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Key, b.Key) })
	if !slices.ContainsFunc(out, func(f File) bool { return strings.HasPrefix(f.Key, prefix+"/") }) {
		return nil, fmt.Errorf("%s holds no templates (*.yaml) for %s/", filepath.Clean(dir), prefix)
	}
	return out, nil
}

// StandIns are hpctl's own stand-in templates, for the emulator.
func StandIns() ([]File, error) {
	objs, err := templates.Objects()
	if err != nil {
		return nil, err
	}
	out := make([]File, len(objs))
	for i, o := range objs {
		out[i] = File{Key: o.Key, Body: o.Body}
	}
	return out, nil
}

// Synced says what a fill of a template bucket did.
type Synced struct {
	Bucket        string   `json:"bucket"`
	CreatedBucket bool     `json:"createdBucket"`
	Copied        []string `json:"copied"`
	Unchanged     int      `json:"unchanged"`
}

// EnsureBucket creates the bucket when it does not exist, tagged as
// hpctl's, with every public access blocked and encrypted by default, and
// reports whether it made it. A bucket that exists is checked for the same
// protection before hpctl writes to it (see secure).
func (d *Deployer) EnsureBucket(ctx context.Context, bucket string) (bool, error) {
	_, err := d.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		return false, d.secure(ctx, bucket)
	case cloud.Forbidden(err):
		return false, fmt.Errorf("bucket %s exists but this identity cannot read it (another account's?)", bucket)
	case !cloud.BucketMissing(err):
		return false, fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	return true, d.makeBucket(ctx, bucket, templatesTag, "true")
}

// makeBucket creates a bucket tagged as hpctl's (tag=value), with every
// public access blocked and encrypted by default.
func (d *Deployer) makeBucket(ctx context.Context, bucket, tag, value string) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if d.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(d.Region)}
	}
	// A retried CreateBucket whose first attempt went through answers
	// BucketAlreadyOwnedByYou: the bucket HeadBucket did not find is ours.
	if _, err := d.S3.CreateBucket(ctx, in); err != nil && cloud.Code(err) != "BucketAlreadyOwnedByYou" {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	// The tag comes first: a run killed after it leaves a bucket the next
	// run knows as its own and protects; one killed before it leaves an
	// untagged bucket, which hpctl refuses rather than fills.
	if _, err := d.S3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String(tag), Value: aws.String(value)}}}}); err != nil {
		return fmt.Errorf("tag %s: %w", bucket, err)
	}
	return d.protect(ctx, bucket, true, true)
}

// templatesTag marks a template bucket hpctl made.
const templatesTag = "hpctl:templates"

// secure checks a bucket that exists before hpctl writes to it: every
// public access blocked and default encryption on. hpctl fixes its own
// bucket (one it tagged) and refuses another's, whose settings are not its
// to change. S3 has turned both on for new buckets since 2023
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html,
// .../access-control-block-public-access.html); older buckets, and a
// bucket whose creation was cut short elsewhere, may lack them.
func (d *Deployer) secure(ctx context.Context, bucket string) error {
	open, err := d.publicAccessOpen(ctx, bucket)
	if err != nil {
		return err
	}
	plain, err := d.unencrypted(ctx, bucket)
	if err != nil {
		return err
	}
	if !open && !plain {
		return nil
	}
	ours, err := d.tagged(ctx, bucket)
	if err != nil {
		return err
	}
	if ours {
		return d.protect(ctx, bucket, open, plain)
	}
	var problems []string
	if open {
		problems = append(problems, "its public access is not blocked (aws s3api put-public-access-block --bucket "+bucket+
			" --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true)")
	}
	if plain {
		problems = append(problems, "it has no default encryption (aws s3api put-bucket-encryption --bucket "+bucket+
			` --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}')`)
	}
	return &Refusal{Reason: fmt.Sprintf("bucket %s is not protected, and hpctl did not make it, so it writes nothing into it:", bucket),
		Problems: problems, Hint: "Protect it as shown and run the command again, or name a bucket that does not exist yet and hpctl creates it protected."}
}

// protect turns on what is missing of a bucket's protection.
func (d *Deployer) protect(ctx context.Context, bucket string, block, encrypt bool) error {
	if block {
		if _, err := d.S3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
				BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("block public access to %s: %w", bucket, err)
		}
	}
	if encrypt {
		if _, err := d.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}); err != nil {
			return fmt.Errorf("encrypt %s: %w", bucket, err)
		}
	}
	return nil
}

func (d *Deployer) publicAccessOpen(ctx context.Context, bucket string) (bool, error) {
	out, err := d.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	switch {
	case cloud.Code(err) == "NoSuchPublicAccessBlockConfiguration":
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read the public access block of %s: %w", bucket, err)
	}
	c := out.PublicAccessBlockConfiguration
	return c == nil || !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.BlockPublicPolicy) ||
		!aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.RestrictPublicBuckets), nil
}

func (d *Deployer) unencrypted(ctx context.Context, bucket string) (bool, error) {
	out, err := d.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	switch {
	case cloud.Code(err) == "ServerSideEncryptionConfigurationNotFoundError":
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read the encryption of %s: %w", bucket, err)
	}
	return out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) == 0, nil
}

func (d *Deployer) tagged(ctx context.Context, bucket string) (bool, error) {
	out, err := d.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	switch {
	case cloud.Code(err) == "NoSuchTagSet":
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read the tags of %s: %w", bucket, err)
	}
	for _, t := range out.TagSet {
		if aws.ToString(t.Key) == templatesTag && aws.ToString(t.Value) == "true" {
			return true, nil
		}
	}
	return false, nil
}

// etags lists the objects under prefix with their ETags.
func (d *Deployer) etags(ctx context.Context, bucket, prefix string) (map[string]string, error) {
	out := map[string]string{}
	p := s3.NewListObjectsV2Paginator(d.S3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
	}
	return out, nil
}

// topPrefixes are the first path elements of keys, each with its slash.
func topPrefixes(keys []string) []string {
	var out []string
	for _, k := range keys {
		if i := strings.IndexByte(k, '/'); i > 0 && !slices.Contains(out, k[:i+1]) {
			out = append(out, k[:i+1])
		}
	}
	return out
}

// Upload fills bucket with files, creating the bucket when it is missing.
// An object whose ETag is the MD5 of the file is left alone, so a second
// upload of the same folder writes nothing.
func (d *Deployer) Upload(ctx context.Context, bucket string, files []File) (Synced, error) {
	s := Synced{Bucket: bucket, Copied: []string{}}
	created, err := d.EnsureBucket(ctx, bucket)
	s.CreatedBucket = created
	if err != nil {
		return s, err
	}
	have := map[string]string{}
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = f.Key
	}
	for _, prefix := range topPrefixes(keys) {
		tags, err := d.etags(ctx, bucket, prefix)
		if err != nil {
			return s, err
		}
		for k, v := range tags {
			have[k] = v
		}
	}
	for _, f := range files {
		sum := md5.Sum(f.Body)
		if have[f.Key] == hex.EncodeToString(sum[:]) {
			s.Unchanged++
			continue
		}
		if _, err := d.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(f.Key),
			Body: bytes.NewReader(f.Body), ContentType: aws.String(contentType(f.Key))}); err != nil {
			return s, fmt.Errorf("upload s3://%s/%s: %w", bucket, f.Key, err)
		}
		s.Copied = append(s.Copied, f.Key)
	}
	return s, nil
}

// escapeKey URL-encodes a key for CopySource, keeping its slashes.
func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func contentType(key string) string {
	switch path.Ext(key) {
	case ".yaml", ".yml":
		return "application/yaml"
	case ".json":
		return "application/json"
	case ".zip":
		return "application/zip"
	}
	return "application/octet-stream"
}

// Mirror copies the hosted bucket's templates and resources into bucket,
// server-side, skipping objects whose ETag already matches.
func (d *Deployer) Mirror(ctx context.Context, from, bucket string) (Synced, error) {
	s := Synced{Bucket: bucket, Copied: []string{}}
	created, err := d.EnsureBucket(ctx, bucket)
	s.CreatedBucket = created
	if err != nil {
		return s, err
	}
	for _, prefix := range mirrorPrefixes {
		src, err := d.etags(ctx, from, prefix)
		if err != nil {
			return s, err
		}
		dst, err := d.etags(ctx, bucket, prefix)
		if err != nil {
			return s, err
		}
		keys := make([]string, 0, len(src))
		for k := range src {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if strings.HasSuffix(k, "/") {
				continue // a folder marker
			}
			if dst[k] == src[k] {
				s.Unchanged++
				continue
			}
			if _, err := d.S3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
				CopySource: aws.String(from + "/" + escapeKey(k))}); err != nil {
				return s, fmt.Errorf("copy s3://%s/%s: %w", from, k, err)
			}
			s.Copied = append(s.Copied, k)
		}
	}
	return s, nil
}
