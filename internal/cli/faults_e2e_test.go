package cli

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// Through a proxy that throttles, fails, drops and delays calls (before
// and after the emulator did them), deploy, watch and destroy still end
// with the right result and exit code, no retried call makes a second
// stack or cluster, and -v shows the retries.
func TestFaultsAreRiddenOut(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.3})
	proxy, err := emulator.NewProxy(e.emu.URL, &emulator.Faults{Rate: 0.15, Seed: 2026, Latency: 2e6})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)

	code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "-v")
	if code != 0 || !strings.Contains(out, "✓ hpctl-ml-cluster CREATE_COMPLETE") {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "retrying request") {
		t.Errorf("-v shows no retry; faults injected: %v\n%s", proxy.Injected(), errOut)
	}
	inv := e.inventory()
	mains := slices.DeleteFunc(slices.Clone(inv["stacks"]), func(s string) bool { return !strings.HasPrefix(s, "hpctl-ml-cluster ") })
	if len(mains) != 1 || len(inv["clusters"]) != 1 {
		t.Errorf("after retried calls: main stacks %v, clusters %v", mains, inv["clusters"])
	}

	code, out, errOut = e.hpctl("watch", "ml-cluster")
	if code != 0 || !strings.Contains(out, "cluster ml-cluster InService") {
		t.Errorf("watch: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = e.hpctl("destroy", "ml-cluster", "--yes", "-v")
	if code != 0 || !strings.Contains(out, "✓ destroyed hpctl-ml-cluster") {
		t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
	}
	if left := e.inventory(); len(left["stacks"]) != 0 || len(left["clusters"]) != 0 || !slices.Equal(left["buckets"], []string{standIns}) {
		t.Errorf("left after the destroy: %v", left)
	}

	// A failure is still a failure, with its root cause, through the faults.
	if err := e.emu.Configure(e.ctx, emulator.Settings{Failures: []emulator.Failure{{Stack: "hpctl-slurm-cluster-VPCStack-*",
		LogicalID: "VPC", Reason: "VpcLimitExceeded: The maximum number of VPCs has been reached."}}}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = e.deploy("slurm", "../../examples/slurm-quickstart.yaml")
	if last := lastLines(out, 2); code != ExitFailed ||
		last[0] != "Root cause: hpctl-slurm-cluster/VPCStack/VPC (AWS::EC2::VPC): VpcLimitExceeded: The maximum number of VPCs has been reached." ||
		!strings.HasPrefix(last[1], "Next: fix the cause above, then run `hpctl deploy -f ../../examples/slurm-quickstart.yaml --replace-failed`") {
		t.Errorf("failed deploy: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("%d calls, faults injected: %v", proxy.Total(), proxy.Injected())
}

// rawSDK are marks of the SDK's own error text, which a user never reads.
var rawSDK = []string{"operation error", "https response error", "StatusCode:", "RequestID:", "api error", "exceeded maximum number of attempts"}

// At a 50 % fault rate, with 3 attempts a call, some calls run out of
// attempts: every command then ends with its documented exit code and a
// line that says how to go on (re-attach, or retry), never the SDK's own
// text; running that line again finishes the job, and nothing is left.
func TestHalfTheCallsFailing(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.3})
	proxy, err := emulator.NewProxy(e.emu.URL, &emulator.Faults{Rate: 0.5, Seed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	fast := []string{"--max-backoff", "20ms"}

	// until runs a command again, as its own last line says, until it ends 0.
	until := func(what string, args []string, allowed ...int) string {
		t.Helper()
		var log []string
		for try := 0; try < 12; try++ {
			code, out, errOut := e.hpctlEnv(map[string]string{"AWS_MAX_ATTEMPTS": "3"}, append(args, fast...)...)
			log = append(log, fmt.Sprintf("exit %d\n%s%s", code, out, errOut))
			for _, raw := range rawSDK {
				if strings.Contains(out+errOut, raw) {
					t.Errorf("%s: the SDK's own text %q:\n%s%s", what, raw, out, errOut)
				}
			}
			if code == 0 {
				return strings.Join(log, "\n---\n")
			}
			if !slices.Contains(allowed, code) {
				t.Fatalf("%s: exit %d is not one of %v:\n%s%s", what, code, allowed, out, errOut)
			}
			if !strings.Contains(errOut, "Re-attach with: hpctl watch") && !strings.Contains(errOut, "Retry: hpctl destroy") &&
				!strings.Contains(errOut, "run the command again") {
				t.Errorf("%s: exit %d says nothing of how to go on:\n%s", what, code, errOut)
			}
		}
		t.Fatalf("%s never finished:\n%s", what, strings.Join(log, "\n---\n"))
		return ""
	}
	deployLog := until("deploy", []string{"deploy", "eks", "-f", "../../examples/eks-quickstart.yaml", "--templates-bucket", standIns},
		ExitFailed, ExitUsage)
	until("watch", []string{"watch", "ml-cluster"}, ExitFailed)
	destroyLog := until("destroy", []string{"destroy", "ml-cluster", "--yes"}, ExitCleanup, ExitFailed, ExitUsage)

	t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
	if left := e.inventory(); len(left["stacks"]) != 0 || len(left["clusters"]) != 0 || !slices.Equal(left["buckets"], []string{standIns}) {
		t.Errorf("left after the destroy: %v", left)
	}
	t.Logf("%d calls, faults injected: %v\ndeploy:\n%s\ndestroy:\n%s", proxy.Total(), proxy.Injected(), deployLog, destroyLog)
}

// A destroy that a call stops half-way (its attempts used up) exits 4 with
// what went and the command that goes on; in JSON the stream ends with the
// summary and the error record; the retry finishes the destroy.
func TestADestroyStoppedHalfWayExits4WithItsRetry(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.005, ClusterSeconds: 0.2})
	if code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml"); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	outage := e.denyVia(t, emulator.Denial{Op: "DeleteStack", Code: emulator.Outage})
	few := map[string]string{"AWS_MAX_ATTEMPTS": "2"}
	code, out, errOut := e.hpctlEnv(few, "destroy", "ml-cluster", "--yes", "--max-backoff", "10ms")
	if code != ExitCleanup || !strings.Contains(errOut, "hpctl: the destroy of hpctl-ml-cluster stopped: delete stack hpctl-ml-cluster: cloudformation:DeleteStack kept failing after 2 attempts") ||
		!strings.Contains(errOut, "Deleted so far: HyperPod cluster ml-cluster, the objects of bucket") ||
		!strings.HasSuffix(errOut, "Retry: hpctl destroy hpctl-ml-cluster --region "+emulator.Region+" (it goes on from where it stopped)\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, raw := range rawSDK {
		if strings.Contains(out+errOut, raw) {
			t.Errorf("the SDK's own text %q:\n%s", raw, errOut)
		}
	}
	code, out, _ = e.hpctlEnv(few, "destroy", "ml-cluster", "--yes", "--max-backoff", "10ms", "--output", "json")
	all := records(t, out)
	last, summary := all[len(all)-1], all[len(all)-2]
	if code != ExitCleanup || last["type"] != "error" || last["exitCode"] != float64(ExitCleanup) || summary["type"] != "summary" ||
		summary["status"] != "stopped" || summary["retry"] != "hpctl destroy hpctl-ml-cluster --region "+emulator.Region {
		t.Errorf("JSON: exit %d, last records %v / %v", code, summary, last)
	}
	if proxy := outage; proxy.Counts()["DeleteStack"] < 4 {
		t.Errorf("DeleteStack was called %d times", proxy.Counts()["DeleteStack"])
	}

	t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
	if code, out, errOut := e.hpctl("destroy", "hpctl-ml-cluster", "--yes"); code != 0 || !strings.Contains(out, "✓ destroyed hpctl-ml-cluster") {
		t.Fatalf("the retry: exit %d\n%s%s", code, out, errOut)
	}
	if left := e.inventory(); len(left["stacks"]) != 0 || len(left["clusters"]) != 0 {
		t.Errorf("left: %v", left)
	}
}
