package template

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/hpctl/hpctl/internal/cloud"
)

// maxBytes is CloudFormation's limit for a template read from S3 (1 MB);
// hpctl reads nothing larger as a template.
const maxBytes = 1 << 20

// ErrNotFound says a store has no object of that key.
var ErrNotFound = errors.New("no such template")

// Store is a place templates are read from, laid out like the hosted
// bucket: templates/…, templates-slurm/…, resources/….
type Store interface {
	// Get reads one object.
	Get(ctx context.Context, key string) (Object, error)
	// Has reports whether an object exists (the Lambda code a template loads).
	Has(ctx context.Context, key string) (bool, error)
	// Where names an object for messages: a URL or a path.
	Where(key string) string
}

// Object is one object read from a store.
type Object struct {
	Body []byte
	// ETag is the S3 entity tag, without quotes ("" for a local file).
	ETag string
	// Read says how it was read: "s3", "s3, not modified since cached",
	// "cache" (the store could not be reached), "file", "embedded".
	Read string
	// Stale holds why a cached copy stands in for the live object.
	Stale string
}

// Files is a store in memory: a local template folder read once, or
// hpctl's embedded stand-ins.
type Files struct {
	// Label names the store for people ("templates.dir ./eks/cloudformation").
	Label   string
	Objects map[string][]byte
	// ReadAs is what Get reports as Object.Read ("file" or "embedded").
	ReadAs string
}

func (f *Files) Get(_ context.Context, key string) (Object, error) {
	b, ok := f.Objects[key]
	if !ok {
		return Object{}, fmt.Errorf("%s: %w", f.Where(key), ErrNotFound)
	}
	return Object{Body: b, Read: f.ReadAs}, nil
}

func (f *Files) Has(_ context.Context, key string) (bool, error) {
	_, ok := f.Objects[key]
	return ok, nil
}

func (f *Files) Where(key string) string { return f.Label + ": " + key }

// Layers is a store read from the first of its stores that holds a key:
// the files an upload writes over a bucket's objects, say. It is named
// after the last, where the objects will be.
type Layers []Store

func (l Layers) Get(ctx context.Context, key string) (Object, error) {
	for _, s := range l {
		obj, err := s.Get(ctx, key)
		if !errors.Is(err, ErrNotFound) {
			return obj, err
		}
	}
	return Object{}, fmt.Errorf("%s: %w", l.Where(key), ErrNotFound)
}

func (l Layers) Has(ctx context.Context, key string) (bool, error) {
	for _, s := range l {
		if has, err := s.Has(ctx, key); has || err != nil {
			return has, err
		}
	}
	return false, nil
}

func (l Layers) Where(key string) string { return l[len(l)-1].Where(key) }

// SplitURL splits an object URL of the form the hosted main stacks use
// (https://BUCKET.s3.REGION.amazonaws.com/KEY) into its bucket and key.
func SplitURL(raw string) (bucket, key string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Host, ".amazonaws.com") {
		return "", "", false
	}
	bucket, rest, found := strings.Cut(u.Host, ".s3.")
	if !found || rest == "" || len(u.Path) < 2 {
		return "", "", false
	}
	return bucket, u.Path[1:], true
}

// Getter is the part of the S3 API a bucket store calls.
type Getter interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Bucket is a store in S3, read through a cache that keeps every object by
// its ETag: an unchanged object is answered 304 and read from the cache,
// and an unreachable bucket is answered from the cache, saying so.
type Bucket struct {
	S3     Getter
	Name   string
	Region string
	Cache  *Cache
	// Offline answers from the cache alone, calling nothing.
	Offline bool
}

// ErrOffline says an object was asked for offline and is not cached.
var ErrOffline = errors.New("offline, and not cached")

// Where is the object's URL in the form the hosted main stacks use.
func (b *Bucket) Where(key string) string {
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", b.Name, b.Region, key)
}

func (b *Bucket) Get(ctx context.Context, key string) (Object, error) {
	url := b.Where(key)
	cached, meta, hit := b.Cache.get(url)
	if b.Offline {
		if !hit {
			return Object{}, fmt.Errorf("%s: %w", url, ErrOffline)
		}
		return Object{Body: cached, ETag: meta.ETag, Read: "cache",
			Stale: "offline: using the copy cached " + meta.Fetched.Format("2006-01-02 15:04 MST")}, nil
	}
	in := &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)}
	if hit && meta.ETag != "" {
		in.IfNoneMatch = aws.String(`"` + meta.ETag + `"`)
	}
	out, err := b.S3.GetObject(ctx, in)
	switch {
	case err == nil:
	case hit && cloud.HTTPStatus(err) == 304:
		return Object{Body: cached, ETag: meta.ETag, Read: "s3, not modified since cached"}, nil
	case notFound(err):
		return Object{}, fmt.Errorf("%s: %w", url, ErrNotFound)
	case hit:
		return Object{Body: cached, ETag: meta.ETag, Read: "cache",
			Stale: fmt.Sprintf("cannot read %s (%s); using the copy cached %s", url, brief(err), meta.Fetched.Format("2006-01-02 15:04 MST"))}, nil
	default:
		return Object{}, fmt.Errorf("read %s: %w", url, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxBytes+1))
	if err != nil {
		return Object{}, fmt.Errorf("read %s: %w", url, err)
	}
	if len(body) > maxBytes {
		return Object{}, fmt.Errorf("%s is larger than CloudFormation's 1 MB template limit", url)
	}
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	b.Cache.put(url, body, etag)
	return Object{Body: body, ETag: etag, Read: "s3"}, nil
}

func (b *Bucket) Has(ctx context.Context, key string) (bool, error) {
	if b.Offline {
		return false, fmt.Errorf("%s: %w", b.Where(key), ErrOffline)
	}
	_, err := b.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key)})
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	}
	return false, fmt.Errorf("check %s: %w", b.Where(key), err)
}

func notFound(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return true
	}
	return cloud.HTTPStatus(err) == 404
}

// brief is the first line of an error, for a one-line note.
func brief(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Cache keeps templates read from S3, by URL, in the user's cache folder.
// A nil Cache keeps nothing.
type Cache struct {
	Dir string
	Now func() time.Time
}

type cacheMeta struct {
	URL     string    `json:"url"`
	ETag    string    `json:"etag"`
	SHA256  string    `json:"sha256"`
	Fetched time.Time `json:"fetched"`
}

func (c *Cache) paths(url string) (body, meta string) {
	sum := sha256.Sum256([]byte(url))
	name := hex.EncodeToString(sum[:12])
	return filepath.Join(c.Dir, name+".template"), filepath.Join(c.Dir, name+".json")
}

func (c *Cache) get(url string) ([]byte, cacheMeta, bool) {
	if c == nil || c.Dir == "" {
		return nil, cacheMeta{}, false
	}
	bp, mp := c.paths(url)
	var meta cacheMeta
	raw, err := os.ReadFile(mp)
	if err != nil || json.Unmarshal(raw, &meta) != nil || meta.URL != url {
		return nil, cacheMeta{}, false
	}
	body, err := os.ReadFile(bp)
	if err != nil || Digest(body) != meta.SHA256 {
		return nil, cacheMeta{}, false // a torn or edited copy is no copy
	}
	return body, meta, true
}

// put writes a copy; a cache that cannot be written is no reason to fail.
func (c *Cache) put(url string, body []byte, etag string) {
	if c == nil || c.Dir == "" {
		return
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	meta, _ := json.Marshal(cacheMeta{URL: url, ETag: etag, SHA256: Digest(body), Fetched: now().UTC()})
	bp, mp := c.paths(url)
	if writeAtomic(bp, body) == nil {
		_ = writeAtomic(mp, meta)
	}
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := io.Copy(f, bytes.NewReader(data))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		return errors.Join(werr, cerr)
	}
	return os.Rename(f.Name(), path)
}

// Digest is the sha256 of a template body, in hex: what identifies the
// template a deployment runs, wherever it was read from.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
