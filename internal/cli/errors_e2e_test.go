package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// denyVia points hpctl at a proxy that denies some calls for good.
func (e *e2e) denyVia(t *testing.T, deny ...emulator.Denial) *emulator.Proxy {
	t.Helper()
	proxy, err := emulator.NewProxy(e.emu.URL, &emulator.Faults{Deny: deny})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	return proxy
}

// A read that is denied, or whose session token expired, ends any watch
// at the poll that met it, through the real SDK: exit 1, the action named,
// what to do, how to re-attach; the denied call is not made again.
func TestADeniedReadEndsTheWatchAtOnce(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.5})
	for _, tc := range []struct {
		name   string
		deny   emulator.Denial
		args   []string
		action string
	}{
		// The deploy's own read of the newest event before it executes
		// is let through: the watch's first read is the one denied.
		{"stack events of a deploy", emulator.Denial{Op: "DescribeStackEvents", Code: "AccessDenied", After: 1},
			[]string{"deploy", "eks", "-f", "../../examples/eks-quickstart.yaml", "--templates-bucket", standIns},
			"cloudformation:DescribeStackEvents was denied (AccessDenied)"},
		{"the cluster of a deploy", emulator.Denial{Op: "DescribeCluster", Code: "ExpiredToken"},
			[]string{"watch", "ml-cluster"},
			"sagemaker:DescribeCluster refused the credentials (ExpiredTokenException): The security token included in the request is expired"},
		{"the cluster's deletion in a destroy", emulator.Denial{Op: "DescribeCluster", Code: "AccessDenied", After: 1},
			[]string{"destroy", "ml-cluster", "--yes"},
			"sagemaker:DescribeCluster was denied (AccessDeniedException)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := e.denyVia(t, tc.deny)
			code, out, errOut := e.hpctl(tc.args...)
			t.Logf("stderr:\n%s", errOut)
			if code != ExitFailed || !strings.Contains(errOut, tc.action) {
				t.Fatalf("exit %d, want 1 naming %q\n%s%s", code, tc.action, out, errOut)
			}
			for _, want := range []string{"CloudFormation goes on", "Re-attach with: hpctl watch hpctl-ml-cluster"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(errOut+out, "operation error") || strings.Contains(errOut+out, "RequestID") {
				t.Errorf("raw SDK text reaches the user:\n%s%s", out, errOut)
			}
			if n := proxy.Counts()[tc.deny.Op]; n != tc.deny.After+1 {
				t.Errorf("%s was called %d times: the watch went on after the denial", tc.deny.Op, n)
			}
		})
		// Each case leaves the deployment for the next to act on, once
		// CloudFormation (and SageMaker) finish what the watch left.
		t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
		if code, out, errOut := e.hpctl("watch", "ml-cluster"); code != 0 && tc.name != "the cluster's deletion in a destroy" {
			t.Fatalf("after %s: watch: exit %d\n%s%s", tc.name, code, out, errOut)
		}
	}
	if code, out, errOut := e.hpctl("destroy", "ml-cluster", "--yes"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
	}
}

// A denied read with --output json still ends the stream with the error
// record, naming the action.
func TestADeniedReadEndsTheJSONStreamWithTheErrorRecord(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.2})
	e.denyVia(t, emulator.Denial{Op: "DescribeStackEvents", Code: "AccessDenied", After: 1})
	code, out, errOut := e.deploy("slurm", "../../examples/slurm-quickstart.yaml", "--output", "json")
	if code != ExitFailed {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	last := ndjson(t, out)
	if last["type"] != "error" || last["exitCode"] != 1.0 || last["action"] != "cloudformation:DescribeStackEvents" ||
		last["awsCode"] != "AccessDenied" || last["class"] != "fatal" || !strings.Contains(last["message"].(string), "Re-attach with") {
		t.Errorf("last record %v", last)
	}
}

// ndjson checks that every line of out is a JSON object with a type and
// returns the last.
func ndjson(t *testing.T, out string) map[string]any {
	t.Helper()
	all := records(t, out)
	return all[len(all)-1]
}

// records parses every line of an NDJSON stream; each must be a record.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var all []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil || r["type"] == nil {
			t.Fatalf("not an NDJSON record: %q (%v)\n%s", line, err, out)
		}
		all = append(all, r)
	}
	return all
}

// Without any credential, hpctl says so in one line, as the AWS CLI does,
// and exits 2 before any call; the SDK's own log lines stay out of it.
func TestMissingCredentialsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	for _, k := range append(emulator.Unset, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL") {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-west-2")
	const want = "hpctl: Unable to locate credentials. Run `aws configure` (or `aws sso login`), set AWS_PROFILE or pass --profile, " +
		"or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n"
	for _, args := range [][]string{{"status", "ml-cluster"}, {"destroy", "ml-cluster", "--yes"}, {"watch", "x"}} {
		ios, _, out, errOut := TestIO(map[string]string{"AWS_REGION": "us-west-2"})
		code := Run(t.Context(), args, ios, "test")
		if code != ExitUsage || errOut.String() != want || out.Len() != 0 {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, code, out, errOut)
		}
		ios, _, out, _ = TestIO(map[string]string{"AWS_REGION": "us-west-2"})
		if code := Run(t.Context(), append(args, "--output", "json"), ios, "test"); code != ExitUsage {
			t.Errorf("%v --output json: exit %d", args, code)
		}
		if last := ndjson(t, out.String()); last["type"] != "error" || last["exitCode"] != 2.0 || !strings.HasPrefix(last["message"].(string), "Unable to locate credentials") {
			t.Errorf("%v --output json: %v", args, last)
		}
	}
}
