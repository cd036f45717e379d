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
		code  int
	}{
		{"killed once CreateBucket is done", s3call(""), true, ExitOK},
		{"killed before PutBucketTagging", s3call("tagging"), false, ExitOK},
		{"killed once PutBucketTagging is done", s3call("tagging"), true, ExitOK},
		{"killed before PutPublicAccessBlock", s3call("publicAccessBlock"), false, ExitOK},
		{"killed before PutBucketEncryption", s3call("encryption"), false, ExitOK},
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
			if code != tc.code {
				t.Fatalf("the next upload: exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			objects := e.objects(bucket)
			switch code {
			case ExitUsage:
				if len(objects) != 0 || !strings.Contains(errOut, "bucket "+bucket+" is not protected, and hpctl did not make it") {
					t.Errorf("refused, yet %d objects written:\n%s", len(objects), errOut)
				}
			default:
				pab, err := e.c.S3.GetPublicAccessBlock(e.ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
				if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
					t.Errorf("%d objects in a bucket without a public access block: %v", len(objects), err)
				}
				if _, err := e.c.S3.GetBucketEncryption(e.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)}); err != nil {
					t.Errorf("%d objects in a bucket without encryption: %v", len(objects), err)
				}
				if len(objects) == 0 {
					t.Error("the upload wrote nothing")
				}
			}
		})
	}
}
