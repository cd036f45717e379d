package cli

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hpctl/hpctl/templates"
)

// fakeS3 serves objects by path (/bucket/key) with ETags, answers a
// matching If-None-Match with 304, and counts every request.
type fakeS3 struct {
	objects map[string][]byte
	calls   atomic.Int32
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	body, ok := f.objects[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
		return
	}
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	_, _ = w.Write(body)
}

// awsAt points this process's SDK at url with dummy credentials.
func awsAt(t *testing.T, url string) {
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

func writeSpec(t *testing.T, dir, example string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../examples", example))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, example)
	if err := os.WriteFile(path, []byte(strings.NewReplacer(replace...).Replace(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// With templates.dir the plan is made from the local files the deploy will
// upload, and no AWS call is made; drift is reported in text and JSON.
func TestPlanReadsTemplatesDirWithoutAWS(t *testing.T) {
	s3 := &fakeS3{}
	srv := httptest.NewServer(s3)
	defer srv.Close()
	awsAt(t, srv.URL)
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl")
	if err := os.Mkdir(tpl, 0o755); err != nil {
		t.Fatal(err)
	}
	variant, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tpl, "main-stack-eks-based-template.yaml"), variant, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := writeSpec(t, dir, "eks-quickstart.yaml", "  stage: prod\n", "  bucket: my-templates\n  dir: ./tpl\n",
		`{name: eks, version: "1.33"}`, `{name: eks}`)
	env := map[string]string{"HPCTL_OFFLINE": ""}
	code, out, errOut := run(t, env, "plan", "eks", "-f", spec)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"custom bucket my-templates, uploaded from ./tpl first; read from templates.dir, sha256 ",
		"Drift            5 difference(s) from what hpctl knows of this template, below",
		"? nested stack ExtraAuditStack is not known to hpctl: created (CreateVPCStack = true, audit-template.yaml)",
		"? nested stack S3GatewayEndpointStack is not known to hpctl: created (CreateS3EndpointStack = true, s3-endpoint-template.yaml)",
		"? S3EndpointStack, which hpctl knows, is not in this template",
		"? parameter AuditLevel (String) is not known to hpctl: left at its default basic",
		"? KubernetesVersion defaults to 1.99 here, not ",
		"new EKS cluster sagemaker-ml-cluster-eks (Kubernetes 1.99, the template default)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan text lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = run(t, env, "plan", "eks", "-f", spec, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var p struct {
		Template struct{ Read, SHA256 string }
		Drift    struct {
			UnknownStacks     []struct{ LogicalID string }
			MissingStacks     []string
			UnknownParameters []struct{ Name, Default string }
			ChangedDefaults   []struct{ Name, Template string }
		}
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	d := p.Drift
	if p.Template.Read != "file" || len(d.UnknownStacks) != 2 || len(d.MissingStacks) != 1 || d.UnknownParameters[0].Name != "AuditLevel" ||
		d.ChangedDefaults[0].Template != "1.99" {
		t.Errorf("JSON plan: %+v", p)
	}
	if n := s3.calls.Load(); n != 0 {
		t.Errorf("%d AWS calls for a plan from templates.dir", n)
	}
}

// The hosted template is read over HTTP without credentials, kept by its
// ETag, answered from the cache when unchanged or unreachable, and stood in
// for by hpctl's embedded copy, in one line, when nothing else is there.
func TestPlanReadsTheHostedTemplateThroughTheCache(t *testing.T) {
	variant, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	s3 := &fakeS3{objects: map[string][]byte{
		"aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod/templates/main-stack-eks-based-template.yaml": variant}}
	srv := httptest.NewServer(s3)
	awsAt(t, srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "") // the hosted bucket is public: no credentials needed
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	spec := filepath.Join("../../examples", "eks-quickstart.yaml")
	env := map[string]string{"HPCTL_OFFLINE": "", "HPCTL_CACHE_DIR": t.TempDir()}
	steps := []struct {
		name, want string
		setup      func()
	}{
		{"first read", "read from S3, ETag ", func() {}},
		{"unchanged", "read from the cache (S3: not modified), ETag ", func() {}},
		{"unreachable", "! cannot read https://aws-sagemaker-hyperpod-cluster-setup-us-west-2-prod.s3.us-west-2.amazonaws.com/templates/main-stack-eks-based-template.yaml (", srv.Close},
		{"offline", "! offline: using the copy cached ", func() { env["HPCTL_OFFLINE"] = "1" }},
		{"nothing cached", "! offline and not cached: planned from hpctl's embedded copy of main-stack-eks-based-template.yaml", func() { env["HPCTL_CACHE_DIR"] = t.TempDir() }},
	}
	for _, s := range steps {
		s.setup()
		code, out, errOut := run(t, env, "plan", "eks", "-f", spec)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", s.name, code, errOut)
		}
		if !strings.Contains(out, s.want) {
			t.Errorf("%s: the plan lacks %q:\n%s", s.name, s.want, head(out, 8))
		}
		if drift := strings.Contains(out, "ExtraAuditStack"); drift != (s.name != "nothing cached") {
			t.Errorf("%s: planned from the wrong template (drift shown: %v)", s.name, drift)
		}
	}
	if n := s3.calls.Load(); n != 2 {
		t.Errorf("%d calls to S3, want 2 (a read, then a 304)", n)
	}
}

func head(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
