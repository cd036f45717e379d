package cloud

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		url, want string
	}{
		{"https://cloudformation.us-west-2.amazonaws.com", ""},
		{"https://vpce-0a1b.cloudformation.us-west-2.vpce.amazonaws.com", ""},
		{"http://127.0.0.1:4566", ""},
		{"http://localhost:5000", ""},
		{"http://[::1]:5000", ""},
		{"http://10.0.0.5:4566", "plain HTTP to a host that is not loopback"},
		{"http://emulator.internal", "plain HTTP"},
		{"ftp://host", "scheme must be https"},
		{"not a url", "is not a URL"},
	} {
		err := CheckEndpoint(tc.url)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}

// The check applies to the environment's endpoint too, not only the flag.
func TestNewRefusesPlainHTTPFromTheEnvironment(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://192.0.2.1:4566")
	_, err := New(context.Background(), Options{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Errorf("%v", err)
	}
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://192.0.2.1:4566")
	if _, err := New(context.Background(), Options{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}); err == nil {
		t.Error("a service's own endpoint variable was not checked")
	}
}
