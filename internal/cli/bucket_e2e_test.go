package cli

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hpctl/hpctl/internal/emulator"
)

// A template bucket whose making is cut short (the process killed at a
// chosen call, through the fault proxy) is never filled unprotected: S3
// protects a new bucket itself (as the emulator now does), and hpctl
// checks before every write (fixing its own bucket, refusing another's;
// internal/deploy's TestAnUnprotectedBucketIsFixedOrRefused).
func TestABucketCutShortIsNeverFilledUnprotected(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	s3call := func(query string) func(*http.Request) bool {
		return func(r *http.Request) bool {
			bucketOnly := strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0
			return r.Method == http.MethodPut && bucketOnly && (query == "" && r.URL.RawQuery == "" || query != "" && r.URL.Query().Has(query))
		}
	}
	for _, tc := range []struct {
		name  string
		match func(*http.Request) bool
		after bool
	}{
		{"killed once CreateBucket is done", s3call(""), true},
		{"killed before PutBucketTagging", s3call("tagging"), false},
		{"killed once PutBucketTagging is done", s3call("tagging"), true},
		{"killed before PutPublicAccessBlock", s3call("publicAccessBlock"), false},
		{"killed before PutBucketEncryption", s3call("encryption"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := "cut-" + strings.ReplaceAll(strings.ToLower(tc.name), " ", "-")
			st := &emulator.Stall{Match: tc.match, After: tc.after, Hit: make(chan struct{})}
			proxy, err := emulator.NewProxy(e.emu.URL, &emulator.Faults{Stall: st})
			if err != nil {
				t.Fatal(err)
			}
			defer proxy.Close()
			t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
			cmd := e.process("templates", "upload", "--bucket", bucket, "--stand-ins")
			t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-st.Hit:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("the chosen call was never made")
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()

			code, out, errOut := e.hpctl("templates", "upload", "--bucket", bucket, "--stand-ins")
			if code != ExitOK {
				t.Fatalf("the next upload: exit %d\n%s%s", code, out, errOut)
			}
			pab, err := e.c.S3.GetPublicAccessBlock(e.ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
			if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
				t.Errorf("objects in a bucket without a public access block: %v", err)
			}
			if _, err := e.c.S3.GetBucketEncryption(e.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)}); err != nil {
				t.Errorf("objects in a bucket without encryption: %v", err)
			}
			if len(e.objects(bucket)) == 0 {
				t.Error("the upload wrote nothing")
			}
		})
	}
}
