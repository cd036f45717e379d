package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// clusterID is the ID in the first log group a text names.
func clusterID(t *testing.T, text string) string {
	t.Helper()
	m := regexp.MustCompile(`/aws/sagemaker/Clusters/ml-cluster/(\w+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no log group in\n%s", text)
	}
	return m[1]
}

// Through the real SDK: a worker group whose lifecycle script fails ends
// the deploy with exit 1, naming the node, HyperPod's message and the last
// lines of its log, read before the rollback deleted the cluster; after
// it, hpctl logs shows every node's whole log, by node, as text and NDJSON.
func TestAFailingLifecycleScriptIsShownWithItsLog(t *testing.T) {
	log := []string{"[INFO] Running lifecycle script on_create.sh", "[INFO] Installing the NVIDIA driver", "[ERROR] apt-get: unable to fetch nvidia-driver-550", "[ERROR] on_create.sh finished with exit code 100"}
	// A HyperPod cluster takes minutes to delete, and the evidence is read
	// in that window; a second of it (not a fifth) keeps a loaded machine's
	// watch inside it, as AWS's minutes keep a real one.
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 1,
		LifecycleFailures: []emulator.LifecycleFailure{{Cluster: "ml-cluster", Group: "workers", Message: "Lifecycle script on_create.sh exited with code 100", Log: log}}})
	code, out, errOut := e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes")
	all := out + errOut
	node := regexp.MustCompile(`nodes: (i-\w+) \(workers\): Lifecycle script on_create.sh exited with code 100`).FindStringSubmatch(all)
	if code != ExitFailed || node == nil || !strings.Contains(all, "Lifecycle scripts did not run successfully. To view lifecycle script logs, visit log group '/aws/sagemaker/Clusters/ml-cluster/") ||
		!strings.Contains(all, "Last lines of "+node[1]+"'s lifecycle log (/aws/sagemaker/Clusters/ml-cluster/") ||
		!strings.Contains(all, "  [ERROR] apt-get: unable to fetch nvidia-driver-550\n  [ERROR] on_create.sh finished with exit code 100\n") ||
		!strings.Contains(all, "The whole log: hpctl logs ml-cluster --node "+node[1]) {
		t.Fatalf("exit %d\n%s", code, all)
	}
	if inv := e.inventory(); !strings.Contains(strings.Join(inv["stacks"], " "), "ROLLBACK_COMPLETE") {
		t.Fatalf("not rolled back: %v", inv["stacks"])
	}

	code, out, errOut = e.hpctl("logs", "ml-cluster")
	if code != 0 || strings.Count(out, "workers/") != 2*len(log) || !strings.Contains(out, "workers/"+node[1]+"  [ERROR] apt-get: unable to fetch nvidia-driver-550") {
		t.Fatalf("logs: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = e.hpctl("logs", "ml-cluster", "--node", node[1], "--output", "json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(log) {
		t.Fatalf("logs --node: exit %d\n%s", code, out)
	}
	for i, l := range lines {
		var rec struct{ Type, Instance, InstanceGroup, Message string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Type != "log" || rec.Instance != node[1] || rec.InstanceGroup != "workers" || rec.Message != log[i] {
			t.Errorf("line %d: %s (%v)", i, l, err)
		}
	}
	if code, _, errOut := e.hpctl("logs", "ml-cluster", "--group", "nope"); code != ExitUsage || !strings.Contains(errOut, "has no lifecycle stream for group nope") {
		t.Errorf("no such group: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := e.hpctl("logs", "other"); code != ExitUsage || !strings.Contains(errOut, "no lifecycle logs of a cluster named other in us-west-2") {
		t.Errorf("no such cluster: exit %d\n%s", code, errOut)
	}
	// The NDJSON summary carries the evidence too.
	code, out, _ = e.deploy("eks", "../../examples/eks-quickstart.yaml", "--yes", "--replace-failed", "--output", "json")
	summary := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	var sum struct {
		Type        string
		FailedNodes []struct {
			Instance, Message, LogGroup, LogStream string
			LastLines                              []string
		}
	}
	if err := json.Unmarshal([]byte(summary), &sum); code != ExitFailed || err != nil || sum.Type != "summary" || len(sum.FailedNodes) != 2 ||
		sum.FailedNodes[0].LastLines[len(log)-1] != log[len(log)-1] || !strings.HasPrefix(sum.FailedNodes[0].LogStream, "LifecycleConfig/workers/i-") {
		t.Errorf("json: exit %d, %v\n%s", code, err, summary)
	}
	// --follow prints what is there and keeps reading until --timeout.
	code, out, _ = e.hpctl("logs", "ml-cluster", "--follow", "--timeout", "1s", "--cluster-id", clusterID(t, all))
	if code != ExitTimeout || strings.Count(out, "workers/") != 2*len(log) {
		t.Errorf("follow: exit %d\n%s", code, out)
	}
}
