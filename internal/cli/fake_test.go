package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
	"github.com/hpctl/hpctl/internal/deploy"
)

// tokens numbers the idempotency tokens of every command a test runs: a
// token is one request's, and the fake takes a token seen before for a retry.
var tokens atomic.Int64

// onFake runs hpctl against a scripted cloud on a fake clock: command
// logic (flags, exit codes, rendering, records) in milliseconds, without
// the emulator. The emulator tests keep proving the real SDK path.
func onFake(t *testing.T, fake *cloudtest.Fake, args ...string) (code int, out, errOut string) {
	t.Helper()
	return runFake(t, fake, nil, args...)
}

// onFakeTTY runs hpctl on a fake cloud as on a terminal, the user typing input.
func onFakeTTY(t *testing.T, fake *cloudtest.Fake, input string, args ...string) (code int, out, errOut string) {
	t.Helper()
	return runFake(t, fake, &input, args...)
}

func runFake(t *testing.T, fake *cloudtest.Fake, typed *string, args ...string) (code int, out, errOut string) {
	ios, in, o, e := TestIO(map[string]string{"AWS_REGION": "us-west-2", "HPCTL_CACHE_DIR": t.TempDir()})
	if typed != nil {
		ios.InTTY = true
		in.WriteString(*typed)
	}
	ios.Cloud = func(context.Context, string) (*deploy.Deployer, error) {
		return &deploy.Deployer{CFN: fake, S3: fake, SM: fake, Region: "us-west-2", Now: fake.Now, Sleep: fake.Sleep,
			Token: func() string { return fmt.Sprintf("token-%06d", tokens.Add(1)) }}, nil
	}
	code = Run(context.Background(), args, ios, "test")
	return code, o.String(), e.String()
}

// A main stack whose second nested stack fails, and the one that succeeds.
func scripted(fail bool) *cloudtest.Fake {
	f := cloudtest.New()
	vpc, sg := f.Stack("hpctl-ml-VpcStack-A"), f.Stack("hpctl-ml-SecurityGroupStack-B")
	main := f.Stack("hpctl-ml")
	main.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Nested(time.Second, "VpcStack", vpc, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	vpc.Status(time.Second, "CREATE_IN_PROGRESS", "").
		Resource(2*time.Second, "VPC", "AWS::EC2::VPC", "CREATE_IN_PROGRESS", "").
		Resource(4*time.Second, "VPC", "AWS::EC2::VPC", "CREATE_COMPLETE", "").
		Status(5*time.Second, "CREATE_COMPLETE", "")
	main.Nested(6*time.Second, "VpcStack", vpc, "CREATE_COMPLETE", "").
		Nested(7*time.Second, "SecurityGroupStack", sg, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	sg.Status(7*time.Second, "CREATE_IN_PROGRESS", "").
		Resource(8*time.Second, "Group", "AWS::EC2::SecurityGroup", "CREATE_IN_PROGRESS", "")
	if !fail {
		sg.Resource(10*time.Second, "Group", "AWS::EC2::SecurityGroup", "CREATE_COMPLETE", "").
			Status(11*time.Second, "CREATE_COMPLETE", "")
		main.Nested(12*time.Second, "SecurityGroupStack", sg, "CREATE_COMPLETE", "").
			Status(13*time.Second, "CREATE_COMPLETE", "").Outputs(map[string]string{"OutputVpcId": "vpc-0123456789abcdef0"})
		return f
	}
	sg.Resource(10*time.Second, "Group", "AWS::EC2::SecurityGroup", "CREATE_FAILED", "InvalidGroup.Duplicate: the group exists").
		Status(11*time.Second, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Group].").
		Status(12*time.Second, "ROLLBACK_COMPLETE", "")
	main.Nested(13*time.Second, "SecurityGroupStack", sg, "CREATE_FAILED", "Embedded stack was not successfully created").
		Status(14*time.Second, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [SecurityGroupStack].").
		Status(16*time.Second, "ROLLBACK_COMPLETE", "")
	return f
}

func TestWatchOnAFakeCloud(t *testing.T) {
	for name, tc := range map[string]struct {
		fake     *cloudtest.Fake
		args     []string
		code     int
		want     []string
		withheld []string
	}{
		"a deployment that completes": {scripted(false), []string{"watch", "ml"}, ExitOK,
			[]string{"VpcStack/VPC (AWS::EC2::VPC)", "SecurityGroupStack/Group", "✓ hpctl-ml CREATE_COMPLETE in 13s", "OutputVpcId  vpc-0123456789abcdef0"}, nil},
		"a deployment that fails names its root cause": {scripted(true), []string{"watch", "ml"}, ExitFailed,
			[]string{"Group", "InvalidGroup.Duplicate: the group exists", "ROLLBACK_COMPLETE"}, []string{"operation error"}},
		"a stack that is not there": {cloudtest.New(), []string{"watch", "ml"}, ExitUsage,
			[]string{"no stack ml (nor hpctl-ml) in us-west-2"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := onFake(t, tc.fake, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("%q missing from\n%s%s", w, out, errOut)
				}
			}
			for _, w := range tc.withheld {
				if strings.Contains(out+errOut, w) {
					t.Errorf("%q in\n%s%s", w, out, errOut)
				}
			}
		})
	}
}

// The NDJSON stream of a watch: one record per line, every event of the
// tree, the summary last with the exit code; a denied read ends it with
// the error record.
func TestWatchRecordsOnAFakeCloud(t *testing.T) {
	denied := scripted(false)
	denied.Errors["DescribeStackEvents"] = []error{nil, cloudtest.Denied("cloudformation:DescribeStackEvents")}
	for name, tc := range map[string]struct {
		fake  *cloudtest.Fake
		code  int
		last  string
		event int
	}{
		"complete": {scripted(false), ExitOK, "summary", 13},
		"failed":   {scripted(true), ExitFailed, "summary", 16},
		"denied":   {denied, ExitFailed, "error", 1},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := onFake(t, tc.fake, "watch", "ml", "--output", "json")
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			var types []string
			events := 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("not NDJSON: %q (%v)", line, err)
				}
				types = append(types, rec["type"].(string))
				if rec["type"] == "event" {
					events++
				}
				if rec["type"] == "error" && !strings.Contains(rec["message"].(string), "cloudformation:DescribeStackEvents") {
					t.Errorf("the error record does not name the action: %v", rec)
				}
			}
			if len(types) == 0 || types[len(types)-1] != tc.last || events < tc.event {
				t.Errorf("records %v (%d events), want %d events and %s last", types, events, tc.event, tc.last)
			}
		})
	}
}
