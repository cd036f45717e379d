package cli

import (
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// Through the real SDK, with continuous provisioning: a new cluster and a
// scaling update's
// cluster are InService before their nodes are up, and the deploy waits
// for them; status then shows the spec's count. A group that stays short of its
// new count fails the update once --nodes-timeout passes.
func TestAScalingUpdateWaitsForTheNewCount(t *testing.T) {
	settings := emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.3}
	e := onEmulator(t, settings)
	continuous := func(count string) string {
		return specFile(t, "eks-quickstart.yaml", "nodeRecovery: Automatic", "nodeRecovery: Automatic\n  nodeProvisioningMode: Continuous", "count: 2", "count: "+count)
	}
	// A new cluster is InService before its nodes too: the create waits.
	if code, out, errOut := e.deploy("eks", continuous("2"), "--yes"); code != 0 || !strings.Contains(out, "cluster ml-cluster InService: workers 0/2 ml.g5.8xlarge") ||
		!strings.Contains(out, "  cluster ml-cluster InService: workers 2/2 ml.g5.8xlarge\n") {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := e.deploy("eks", continuous("3"), "--yes")
	if code != 0 || !strings.Contains(out, "cluster ml-cluster InService: workers 2/3 ml.g5.8xlarge") ||
		!strings.Contains(out, "✓ hpctl-ml-cluster UPDATE_COMPLETE") || !strings.Contains(out, "  cluster ml-cluster InService: workers 3/3 ml.g5.8xlarge\n") {
		t.Fatalf("scale: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = e.hpctl("status", "ml-cluster")
	if code != 0 || !strings.Contains(out, "workers") || !strings.Contains(out, "3/3") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}

	settings.ShortGroups = []emulator.ShortGroup{{Cluster: "ml-cluster", Group: "workers", Count: 3, Message: "We currently do not have sufficient capacity"}}
	if err := e.emu.Configure(e.ctx, settings); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = e.deploy("eks", continuous("4"), "--yes", "--nodes-timeout", "1s")
	if code != ExitFailed || !strings.Contains(out+errOut, "the cluster is InService but short of nodes") || !strings.Contains(out+errOut, "workers 3 of 4") {
		t.Fatalf("short: exit %d\n%s%s", code, out, errOut)
	}
}
