package template

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeS3 serves one object, answers 304 to a matching If-None-Match, and
// fails every call while down.
type fakeS3 struct {
	body  string
	etag  string
	down  bool
	calls []string
}

func httpErr(code int) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New(http.StatusText(code))}
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.calls = append(f.calls, "GetObject "+aws.ToString(in.IfNoneMatch))
	switch {
	case f.down:
		return nil, errors.New("dial tcp: lookup bucket.s3.us-west-2.amazonaws.com: no such host")
	case aws.ToString(in.Key) != "templates/main.yaml":
		return nil, httpErr(404)
	case aws.ToString(in.IfNoneMatch) == `"`+f.etag+`"`:
		return nil, httpErr(304)
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(f.body)), ETag: aws.String(`"` + f.etag + `"`)}, nil
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if aws.ToString(in.Key) == "templates/main.yaml" {
		return &s3.HeadObjectOutput{}, nil
	}
	return nil, httpErr(404)
}

const tiny = "Parameters: {A: {Type: String, Default: x}}\nResources: {S: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: u}}}\n"

func TestBucketReadsThroughTheCache(t *testing.T) {
	ctx := context.Background()
	fake := &fakeS3{body: tiny, etag: "e1"}
	cache := &Cache{Dir: t.TempDir(), Now: func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }}
	b := &Bucket{S3: fake, Name: "bucket", Region: "us-west-2", Cache: cache}
	steps := []struct {
		name  string
		setup func()
		read  string
		stale string
	}{
		{"first read fetches", func() {}, "s3", ""},
		{"unchanged is a 304", func() {}, "s3, not modified since cached", ""},
		{"changed is fetched again", func() { fake.body, fake.etag = tiny+"# v2\n", "e2" }, "s3", ""},
		{"unreachable uses the cache", func() { fake.down = true }, "cache", "cannot read https://bucket.s3.us-west-2.amazonaws.com/templates/main.yaml (dial tcp"},
		{"offline uses the cache and calls nothing", func() { b.Offline = true }, "cache", "offline: using the copy cached 2026-12-01 10:00 UTC"},
	}
	for _, s := range steps {
		s.setup()
		before := len(fake.calls)
		obj, err := b.Get(ctx, "templates/main.yaml")
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if obj.Read != s.read || !strings.HasPrefix(obj.Stale, s.stale) || (s.stale == "" && obj.Stale != "") {
			t.Errorf("%s: read %q stale %q", s.name, obj.Read, obj.Stale)
		}
		if want := fake.body; string(obj.Body) != want && !fake.down {
			t.Errorf("%s: body %q, want %q", s.name, obj.Body, want)
		}
		if b.Offline && len(fake.calls) != before {
			t.Errorf("%s: called S3 offline", s.name)
		}
	}
	if _, err := b.Get(ctx, "templates/other.yaml"); !errors.Is(err, ErrOffline) {
		t.Errorf("an uncached object offline: %v", err)
	}
	b.Offline, fake.down = false, false
	if _, err := b.Get(ctx, "templates/other.yaml"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a missing object: %v", err)
	}
	if ok, err := b.Has(ctx, "resources/artifacts/x.zip"); ok || err != nil {
		t.Errorf("Has missing = %v, %v", ok, err)
	}
}

func TestCacheRefusesATornCopy(t *testing.T) {
	cache := &Cache{Dir: t.TempDir()}
	cache.put("u", []byte(tiny), "e")
	bp, _ := cache.paths("u")
	if _, _, ok := cache.get("u"); !ok {
		t.Fatal("the copy just written is not found")
	}
	if err := writeAtomic(bp, []byte("edited")); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := cache.get("u"); ok {
		t.Error("an edited copy is used")
	}
	var none *Cache
	none.put("u", []byte(tiny), "e") // a nil cache keeps nothing and does not fail
	if _, _, ok := none.get("u"); ok {
		t.Error("a nil cache found something")
	}
}

func TestLoadMain(t *testing.T) {
	ctx := context.Background()
	files := &Files{Label: "templates.dir ./t", ReadAs: "file", Objects: map[string][]byte{"templates/main.yaml": []byte(tiny)}}
	m, err := LoadMain(ctx, files, "templates/main.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Origin.Read != "file" || m.Origin.Parameters != 1 || m.Origin.NestedStacks != 1 || m.Origin.SHA256 != Digest([]byte(tiny)) || m.Store == nil {
		t.Errorf("origin %+v", m.Origin)
	}
	fallback := &Fallback{Body: []byte(tiny), Label: "hpctl's embedded copy"}
	down := &Bucket{S3: &fakeS3{down: true}, Name: "bucket", Region: "us-west-2"}
	m, err = LoadMain(ctx, down, "templates/main.yaml", fallback)
	if err != nil {
		t.Fatal(err)
	}
	if m.Origin.Read != "embedded" || m.Store != nil || !strings.Contains(m.Origin.Note, "no such host; planned from hpctl's embedded copy") {
		t.Errorf("fallback origin %+v", m.Origin)
	}
	if _, err := LoadMain(ctx, down, "templates/main.yaml", nil); err == nil {
		t.Error("no fallback, unreachable: no error")
	}
	files.Objects["templates/main.yaml"] = []byte("not: [a template")
	if _, err := LoadMain(ctx, files, "templates/main.yaml", fallback); err == nil || !strings.Contains(err.Error(), "templates.dir ./t: templates/main.yaml") {
		t.Errorf("a broken template: %v", err)
	}
	big := &fakeS3{body: string(bytes.Repeat([]byte("#"), maxBytes+1)), etag: "b"}
	if _, err := (&Bucket{S3: big, Name: "bucket", Region: "us-west-2"}).Get(ctx, "templates/main.yaml"); err == nil || !strings.Contains(err.Error(), "1 MB") {
		t.Errorf("an oversized template: %v", err)
	}
}
