package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
)

// A deployment's whole life on the fake cloud, command by command: the
// behaviour the emulator tests prove over HTTP, here in milliseconds.

// world is a fake cloud whose template bucket holds the stand-ins.
func world(t *testing.T) *cloudtest.Fake {
	t.Helper()
	f := cloudtest.New()
	if code, out, errOut := onFake(t, f, "templates", "upload", "--bucket", standIns, "--stand-ins"); code != 0 {
		t.Fatalf("upload: exit %d\n%s%s", code, out, errOut)
	}
	return f
}

func deployOn(t *testing.T, f *cloudtest.Fake, orch, spec string, extra ...string) (int, string, string) {
	t.Helper()
	return onFake(t, f, append([]string{"deploy", orch, "-f", spec, "--templates-bucket", standIns}, extra...)...)
}

// expect checks an exit code and what the output says, and does not say.
func expect(t *testing.T, what string, code int, out string, wantCode int, says []string, withheld ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: exit %d, want %d\n%s", what, code, wantCode, out)
	}
	for _, w := range says {
		if !strings.Contains(out, w) {
			t.Errorf("%s: %q missing from\n%s", what, w, out)
		}
	}
	for _, w := range withheld {
		if strings.Contains(out, w) {
			t.Errorf("%s: %q in\n%s", what, w, out)
		}
	}
}

func TestALifeOnTheFakeCloud(t *testing.T) {
	f := world(t)
	spec := "../../examples/eks-quickstart.yaml"
	code, out, errOut := deployOn(t, f, "eks", spec)
	expect(t, "create", code, out+errOut, ExitOK, []string{"✓ hpctl-ml-cluster CREATE_COMPLETE", "cluster ml-cluster InService",
		"HyperPodClusterStack/HyperPodCluster (AWS::SageMaker::Cluster)", "OutputHyperPodClusterArn   arn:aws:sagemaker:us-west-2:123456789012:cluster/ml-cluster"})

	code, out, errOut = onFake(t, f, "status", "ml-cluster")
	expect(t, "status", code, out+errOut, ExitOK, []string{"Stack hpctl-ml-cluster: CREATE_COMPLETE", "Cluster ml-cluster: InService", "workers"})

	code, out, errOut = deployOn(t, f, "eks", spec)
	expect(t, "the same spec again", code, out+errOut, ExitOK, []string{"No changes: stack hpctl-ml-cluster is up to date"})

	// Scaling: the preview names the cluster stacks, the cluster ends at the new count.
	scaled := specFile(t, "eks-quickstart.yaml", "count: 2", "count: 3")
	code, out, errOut = deployOn(t, f, "eks", scaled, "--yes", "--timeout", "3s")
	expect(t, "scale", code, out+errOut, ExitOK, []string{"HyperPodParamClusterStack", "InstanceGroupSettings1", "UPDATE_COMPLETE"})
	code, out, _ = onFake(t, f, "status", "ml-cluster", "--output", "json")
	var st struct {
		Cluster struct {
			Groups []struct {
				Name            string `json:"name"`
				Current, Target int
			} `json:"instanceGroups"`
		} `json:"cluster"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 {
		t.Fatalf("status json: exit %d %v\n%s", code, err, out)
	}
	if g := st.Cluster.Groups; len(g) != 1 || g[0].Target != 3 || g[0].Current != 3 {
		t.Errorf("after scaling to 3: %+v\n%s", g, out)
	}

	code, out, errOut = onFake(t, f, "destroy", "ml-cluster", "--yes")
	expect(t, "destroy", code, out+errOut, ExitOK, []string{"hpctl-ml-cluster", "DELETE_COMPLETE"})
	for _, b := range f.Buckets() {
		if b != standIns {
			t.Errorf("bucket %s outlived the destroy", b)
		}
	}
	code, out, errOut = onFake(t, f, "status", "ml-cluster")
	expect(t, "status after destroy", code, out+errOut, ExitUsage, []string{"hpctl-ml-cluster"})
}

// What goes wrong, and what hpctl says and does about it.
func TestTroubleOnTheFakeCloud(t *testing.T) {
	quick := "../../examples/eks-quickstart.yaml"
	for name, tc := range map[string]struct {
		setup func(*cloudtest.Fake)
		steps [][]string // hpctl's arguments; "deploy" steps get the stand-ins bucket
		codes []int
		says  [][]string
	}{
		"a bucket the S3 stack would create is taken": {
			setup: func(f *cloudtest.Fake) { f.Bucket("sagemaker-ml-cluster-bucket") },
			steps: [][]string{{"deploy", "eks", "-f", quick}},
			codes: []int{ExitUsage},
			says:  [][]string{{"buckets the deployment would create already exist", "sagemaker-ml-cluster-bucket: exists in this account"}},
		},
		"another account's template bucket": {
			setup: func(f *cloudtest.Fake) {
				f.Bucket("theirs").Foreign = true
			},
			steps: [][]string{{"templates", "upload", "--bucket", "theirs", "--stand-ins"}},
			codes: []int{ExitFailed},
			says:  [][]string{{"bucket theirs exists but this identity cannot read it"}},
		},
		"an unprotected bucket of someone else's is not written to": {
			setup: func(f *cloudtest.Fake) {
				b := f.Bucket("plain")
				b.Encrypted, b.Blocked = false, false
			},
			steps: [][]string{{"templates", "upload", "--bucket", "plain", "--stand-ins"}},
			codes: []int{ExitUsage},
			says:  [][]string{{"bucket plain is not protected, and hpctl did not make it", "put-public-access-block", "put-bucket-encryption"}},
		},
		"a protected stack is destroyed only when told to lift the protection": {
			steps: [][]string{{"deploy", "eks", "-f", quick}, {"protect"}, {"destroy", "ml-cluster", "--yes"},
				{"destroy", "ml-cluster", "--yes", "--disable-termination-protection"}},
			codes: []int{ExitOK, ExitOK, ExitUsage, ExitOK},
			says:  [][]string{nil, nil, {"termination protection", "--disable-termination-protection"}, {"DELETE_COMPLETE"}},
		},
		"a deletion that fails gives the command that goes on": {
			setup: func(f *cloudtest.Fake) { f.FailDelete["S3Endpoint"] = "The VPC endpoint is in use" },
			steps: [][]string{{"deploy", "eks", "-f", quick}, {"destroy", "ml-cluster", "--yes"}, {"clear"},
				{"destroy", "hpctl-ml-cluster", "--yes", "--retain", "S3EndpointStack/S3Endpoint"}},
			codes: []int{ExitOK, ExitCleanup, ExitOK, ExitOK},
			says: [][]string{nil, {"S3EndpointStack/S3Endpoint", "The VPC endpoint is in use", "--retain S3EndpointStack/S3Endpoint"}, nil,
				{"kept by --retain: S3EndpointStack/S3Endpoint"}},
		},
		"slurm deploys its SSM companion stack and destroys it": {
			steps: [][]string{{"deploy", "slurm", "-f", "../../examples/slurm-quickstart.yaml"}, {"destroy", "slurm-cluster", "--yes"}},
			codes: []int{ExitOK, ExitOK},
			says: [][]string{{"SSMStack: stack hpctl-slurm-cluster-ssm is deployed", "cluster slurm-cluster InService"},
				{"hpctl-slurm-cluster-ssm"}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := world(t)
			if tc.setup != nil {
				tc.setup(f)
			}
			for i, args := range tc.steps {
				switch args[0] {
				case "clear":
					clear(f.Fail)
					clear(f.FailDelete)
					continue
				case "protect":
					if code, out, errOut := onFake(t, f, "status", "ml-cluster"); code != 0 {
						t.Fatalf("status: %d\n%s%s", code, out, errOut)
					}
					f.Protect("hpctl-ml-cluster")
					continue
				case "deploy":
					args = append(args, "--templates-bucket", standIns)
				}
				code, out, errOut := onFake(t, f, args...)
				expect(t, strings.Join(args, " "), code, out+errOut, tc.codes[i], tc.says[i])
			}
		})
	}
}

// Golden files pin every JSON document the commands write, whole: on the
// fake cloud and clock, every value (IDs, times, counts) is the same on
// each run. NDJSON streams are pinned line by line. `make golden` (or
// -update) rewrites them.
var tempPath = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/[^"]*/`)

func TestJSONGolden(t *testing.T) {
	f := world(t)
	doc := func(name string, wantCode int, args ...string) {
		t.Helper()
		code, out, errOut := onFake(t, f, append(args, "--output", "json")...)
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d\n%s%s", name, code, wantCode, out, errOut)
		}
		// The toolchain, the machine and the test's folder are not the output's.
		out = strings.NewReplacer(runtime.Version(), "GO", runtime.GOOS+"/"+runtime.GOARCH, "OS/ARCH").Replace(out)
		out = tempPath.ReplaceAllString(out, "TMP/")
		var b strings.Builder
		events := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("%s: not one JSON document per line: %q", name, line)
			}
			// A stream's events are counted, not pinned one by one: their
			// shape is TestRecordsGolden's, their order the watcher's tests'.
			if v["type"] == "event" || v["type"] == "progress" {
				events++
				continue
			}
			if events > 0 {
				fmt.Fprintf(&b, "// %d event and progress records\n", events)
				events = 0
			}
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			_ = enc.Encode(v)
		}
		golden(t, "testdata/golden/json/"+name+".golden", b.String())
	}
	doc("version", ExitOK, "version")
	doc("validate", ExitOK, "validate", "-f", quickstart)
	doc("validate-invalid", ExitUsage, "validate", "-f", specFile(t, "eks-quickstart.yaml", "count: 2", "count: two"))
	doc("status-absent", ExitUsage, "status", "ml-cluster")
	mustDeploy(t, f, "eks", quickstart)
	doc("status", ExitOK, "status", "ml-cluster")
	doc("destroy-dry-run", ExitOK, "destroy", "ml-cluster", "--dry-run")
	doc("destroy", ExitOK, "destroy", "ml-cluster", "--yes")
	doc("destroy-gone", ExitOK, "destroy", "ml-cluster", "--yes")
}
