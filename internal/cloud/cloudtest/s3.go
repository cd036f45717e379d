package cloudtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/hpctl/hpctl/internal/cloud"
)

var _ cloud.S3 = (*Fake)(nil)

// Bucket is a bucket of the fake S3. Every bucket keeps versions, as the
// buckets the hosted templates make do: a delete leaves a marker.
type Bucket struct {
	Name      string
	Tags      map[string]string
	Encrypted bool
	Blocked   bool
	// Foreign buckets belong to another account: every call is denied.
	Foreign  bool
	versions []version
}

type version struct {
	key, id, etag string
	body          []byte
	marker        bool
}

// Bucket adds a bucket (or returns the one there), protected as S3 makes
// new buckets since 2023: public access blocked, encrypted.
func (f *Fake) Bucket(name string) *Bucket {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bucket(name)
}

func (f *Fake) bucket(name string) *Bucket {
	if b, ok := f.buckets[name]; ok {
		return b
	}
	b := &Bucket{Name: name, Tags: map[string]string{}, Encrypted: true, Blocked: true}
	f.buckets[name] = b
	return b
}

// Put writes an object into a bucket of the fake.
func (f *Fake) Put(bucket, key string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bucket(bucket).put(f, key, body)
}

// Object is the current body of an object (nil when there is none).
func (f *Fake) Object(bucket, key string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.buckets[bucket]; ok {
		if v := b.current(key); v != nil {
			return v.body
		}
	}
	return nil
}

// Buckets are the names of the buckets that exist.
func (f *Fake) Buckets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for name := range f.buckets {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (b *Bucket) put(f *Fake, key string, body []byte) string {
	f.seq++
	sum := md5.Sum(body)
	v := version{key: key, id: fmt.Sprintf("v%06d", f.seq), etag: hex.EncodeToString(sum[:]), body: bytes.Clone(body)}
	b.versions = append(b.versions, v)
	return v.etag
}

// current is the newest version of key, nil when deleted or never written.
func (b *Bucket) current(key string) *version {
	for i := len(b.versions) - 1; i >= 0; i-- {
		if b.versions[i].key == key {
			if b.versions[i].marker {
				return nil
			}
			return &b.versions[i]
		}
	}
	return nil
}

func (b *Bucket) keys(prefix string) []string {
	var out []string
	for _, v := range b.versions {
		if strings.HasPrefix(v.key, prefix) && !slices.Contains(out, v.key) && b.current(v.key) != nil {
			out = append(out, v.key)
		}
	}
	slices.Sort(out)
	return out
}

func s3Error(code, msg string, status int) error {
	return &httpError{GenericAPIError: smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}, status: status}
}

// httpError carries the status code, which HeadBucket's bare 404 and 304
// answers are told by.
type httpError struct {
	smithy.GenericAPIError
	status int
}

func (e *httpError) HTTPStatusCode() int { return e.status }

// lookupBucket finds a bucket the caller may use.
func (f *Fake) lookupBucket(name string) (*Bucket, error) {
	b, ok := f.buckets[name]
	switch {
	case !ok:
		return nil, s3Error("NoSuchBucket", "The specified bucket does not exist", 404)
	case b.Foreign:
		return nil, s3Error("AccessDenied", "Access Denied", 403)
	}
	return b, nil
}

func (f *Fake) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("HeadBucket"); err != nil {
		return nil, err
	}
	b, ok := f.buckets[aws.ToString(in.Bucket)]
	switch { // HeadBucket has no body: its errors are the bare status
	case !ok:
		return nil, s3Error("NotFound", "Not Found", 404)
	case b.Foreign:
		return nil, s3Error("Forbidden", "Forbidden", 403)
	}
	return &s3.HeadBucketOutput{}, nil
}

func (f *Fake) object(op string, bucket, key *string) (*version, error) {
	if err := f.call(op); err != nil {
		return nil, err
	}
	b, err := f.lookupBucket(aws.ToString(bucket))
	if err != nil {
		return nil, err
	}
	v := b.current(aws.ToString(key))
	if v == nil {
		return nil, s3Error("NoSuchKey", "The specified key does not exist.", 404)
	}
	return v, nil
}

func (f *Fake) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, err := f.object("HeadObject", in.Bucket, in.Key)
	if err != nil {
		if cloud.Code(err) == "NoSuchKey" {
			err = s3Error("NotFound", "Not Found", 404)
		}
		return nil, err
	}
	return &s3.HeadObjectOutput{ETag: aws.String(`"` + v.etag + `"`), ContentLength: aws.Int64(int64(len(v.body)))}, nil
}

func (f *Fake) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, err := f.object("GetObject", in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	if strings.Trim(aws.ToString(in.IfNoneMatch), `"`) == v.etag {
		return nil, s3Error("NotModified", "Not Modified", 304)
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(v.body)), ETag: aws.String(`"` + v.etag + `"`)}, nil
}

func (f *Fake) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PutObject"); err != nil {
		return nil, err
	}
	b, err := f.lookupBucket(aws.ToString(in.Bucket))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	return &s3.PutObjectOutput{ETag: aws.String(`"` + b.put(f, aws.ToString(in.Key), body) + `"`)}, nil
}

func (f *Fake) CopyObject(_ context.Context, in *s3.CopyObjectInput, _ ...func(*s3.Options)) (*s3.CopyObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	src, err := url.PathUnescape(aws.ToString(in.CopySource))
	if err != nil {
		return nil, err
	}
	from, key, _ := strings.Cut(src, "/")
	v, err := f.object("CopyObject", &from, &key)
	if err != nil {
		return nil, err
	}
	b, err := f.lookupBucket(aws.ToString(in.Bucket))
	if err != nil {
		return nil, err
	}
	b.put(f, aws.ToString(in.Key), v.body)
	return &s3.CopyObjectOutput{}, nil
}

// ListObjectsV2 answers one page of up to MaxKeys (1000) keys.
func (f *Fake) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ListObjectsV2"); err != nil {
		return nil, err
	}
	b, err := f.lookupBucket(aws.ToString(in.Bucket))
	if err != nil {
		return nil, err
	}
	keys := b.keys(aws.ToString(in.Prefix))
	from := 0
	if in.ContinuationToken != nil {
		from = slices.Index(keys, *in.ContinuationToken)
	}
	to := min(from+int(max(aws.ToInt32(in.MaxKeys), 0)), len(keys))
	if aws.ToInt32(in.MaxKeys) == 0 {
		to = min(from+1000, len(keys))
	}
	out := &s3.ListObjectsV2Output{IsTruncated: aws.Bool(to < len(keys))}
	for _, k := range keys[from:to] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k), ETag: aws.String(`"` + b.current(k).etag + `"`)})
	}
	if to < len(keys) {
		out.NextContinuationToken = aws.String(keys[to])
	}
	return out, nil
}

// CreateBucket makes a bucket as S3 does since 2023: blocked and encrypted.
func (f *Fake) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateBucket"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Bucket)
	if b, ok := f.buckets[name]; ok {
		if b.Foreign {
			return nil, s3Error("BucketAlreadyExists", "The requested bucket name is not available.", 409)
		}
		return nil, s3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", 409)
	}
	f.bucket(name)
	return &s3.CreateBucketOutput{}, nil
}

func (f *Fake) PutBucketEncryption(_ context.Context, in *s3.PutBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	return &s3.PutBucketEncryptionOutput{}, f.withBucket("PutBucketEncryption", in.Bucket, func(b *Bucket) error { b.Encrypted = true; return nil })
}

func (f *Fake) PutPublicAccessBlock(_ context.Context, in *s3.PutPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	return &s3.PutPublicAccessBlockOutput{}, f.withBucket("PutPublicAccessBlock", in.Bucket, func(b *Bucket) error { b.Blocked = true; return nil })
}

func (f *Fake) PutBucketTagging(_ context.Context, in *s3.PutBucketTaggingInput, _ ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	return &s3.PutBucketTaggingOutput{}, f.withBucket("PutBucketTagging", in.Bucket, func(b *Bucket) error {
		b.Tags = map[string]string{}
		for _, t := range in.Tagging.TagSet {
			b.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return nil
	})
}

func (f *Fake) GetBucketTagging(_ context.Context, in *s3.GetBucketTaggingInput, _ ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	out := &s3.GetBucketTaggingOutput{}
	return out, f.withBucket("GetBucketTagging", in.Bucket, func(b *Bucket) error {
		if len(b.Tags) == 0 {
			return s3Error("NoSuchTagSet", "The TagSet does not exist", 404)
		}
		for k, v := range b.Tags {
			out.TagSet = append(out.TagSet, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		return nil
	})
}

func (f *Fake) GetBucketEncryption(_ context.Context, in *s3.GetBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	out := &s3.GetBucketEncryptionOutput{}
	return out, f.withBucket("GetBucketEncryption", in.Bucket, func(b *Bucket) error {
		if !b.Encrypted {
			return s3Error("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found", 404)
		}
		out.ServerSideEncryptionConfiguration = &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}
		return nil
	})
}

func (f *Fake) GetPublicAccessBlock(_ context.Context, in *s3.GetPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	out := &s3.GetPublicAccessBlockOutput{}
	return out, f.withBucket("GetPublicAccessBlock", in.Bucket, func(b *Bucket) error {
		if !b.Blocked {
			return s3Error("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", 404)
		}
		out.PublicAccessBlockConfiguration = &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
		return nil
	})
}

// ListObjectVersions answers every version and marker, MaxKeys at a time.
func (f *Fake) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	out := &s3.ListObjectVersionsOutput{}
	return out, f.withBucket("ListObjectVersions", in.Bucket, func(b *Bucket) error {
		n := int(aws.ToInt32(in.MaxKeys))
		if n <= 0 {
			n = 1000
		}
		for i, v := range b.versions {
			if i == n {
				out.IsTruncated = aws.Bool(true)
				break
			}
			if v.marker {
				out.DeleteMarkers = append(out.DeleteMarkers, s3types.DeleteMarkerEntry{Key: aws.String(v.key), VersionId: aws.String(v.id)})
			} else {
				out.Versions = append(out.Versions, s3types.ObjectVersion{Key: aws.String(v.key), VersionId: aws.String(v.id)})
			}
		}
		return nil
	})
}

// DeleteObjects deletes versions by ID; without one it leaves a marker.
func (f *Fake) DeleteObjects(_ context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	out := &s3.DeleteObjectsOutput{}
	return out, f.withBucket("DeleteObjects", in.Bucket, func(b *Bucket) error {
		for _, o := range in.Delete.Objects {
			if o.VersionId == nil {
				f.seq++
				b.versions = append(b.versions, version{key: aws.ToString(o.Key), id: fmt.Sprintf("v%06d", f.seq), marker: true})
				continue
			}
			b.versions = slices.DeleteFunc(b.versions, func(v version) bool { return v.key == aws.ToString(o.Key) && v.id == *o.VersionId })
		}
		return nil
	})
}

// withBucket runs one call on a bucket under the lock.
func (f *Fake) withBucket(op string, name *string, do func(*Bucket) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(op); err != nil {
		return err
	}
	b, err := f.lookupBucket(aws.ToString(name))
	if err != nil {
		return err
	}
	return do(b)
}

// DeleteBucket refuses a bucket that still holds objects, as S3 does
// (BucketNotEmpty); the fake does not tell versioned buckets apart.
func (f *Fake) DeleteBucket(_ context.Context, in *s3.DeleteBucketInput, _ ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteBucket"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Bucket)
	b, err := f.lookupBucket(name)
	if err != nil {
		return nil, err
	}
	if len(b.keys("")) > 0 {
		return nil, s3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
	}
	delete(f.buckets, name)
	return &s3.DeleteBucketOutput{}, nil
}
