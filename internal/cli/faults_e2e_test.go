package cli

import (
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
	if code != ExitFailed || !strings.HasSuffix(strings.TrimSpace(out),
		"Root cause: hpctl-slurm-cluster/VPCStack/VPC (AWS::EC2::VPC): VpcLimitExceeded: The maximum number of VPCs has been reached.") {
		t.Errorf("failed deploy: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("%d calls, faults injected: %v", proxy.Total(), proxy.Injected())
}
