package cli

// End-to-end tests of destroy on the emulator, through the CLI entry point.

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/hpctl/hpctl/internal/emulator"
)

func (e *e2e) inventory() emulator.Inventory {
	e.t.Helper()
	inv, err := e.emu.Inventory(e.ctx, emulator.Region)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

// bucket makes a bucket of the user's, holding objects.
func (e *e2e) bucket(name string, keys ...string) {
	e.t.Helper()
	objects := map[string]string{}
	for _, k := range keys {
		objects[k] = "the user's " + k
	}
	if err := emulator.Bucket(e.ctx, e.c, name, objects); err != nil {
		e.t.Fatal(err)
	}
}

func (e *e2e) objects(bucket string) []string {
	e.t.Helper()
	keys, err := emulator.Keys(e.ctx, e.c, bucket)
	if err != nil {
		e.t.Fatal(err)
	}
	return keys
}

// Examples deploy and destroy again, leaving the emulator as it was before
// the deploy: no stack, cluster, bucket, network, EKS cluster or Prometheus
// workspace of the deployment, and a brought network, EKS cluster and
// bucket with every object it held. TestDestroyEveryExampleOnTheFake takes
// every example through the same commands, and the templates package
// deploys and deletes every example's stand-ins here; these two bring
// everything a spec can bring, and make the observability stack's own
// top-level stack and kept workspace.
func TestDestroyLeavesNothingOfTheDeployment(t *testing.T) {
	type variant struct{ test, example string }
	runs := []variant{{"eks-existing-eks", "eks-existing-eks.yaml"}, {"eks-quickstart-observability", "eks-quickstart.yaml"}}
	for _, run := range runs {
		name, path := run.example, filepath.Join("../../examples", run.example)
		t.Run(run.test, func(t *testing.T) {
			e := onEmulator(t, emulator.Settings{ClusterSeconds: 0.2})
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var replace []string
			if strings.Contains(string(text), "id: vpc-") {
				replace = e.broughtNetwork()
			}
			if strings.HasSuffix(run.test, "-observability") {
				replace = append(replace, "observability: false", "observability: true")
			}
			spec := path
			if len(replace) > 0 {
				spec = specFile(t, name, replace...)
			}
			brought := ""
			if strings.Contains(string(text), "bucket: {name: ") {
				brought = "sagemaker-ml-team-lifecycle"
				e.bucket(brought, "hyperpod/on_create.sh", "keep/me.txt")
			}
			before := e.inventory()
			orch, _, _ := strings.Cut(name, "-")
			if code, out, errOut := e.deploy(orch, spec); code != 0 {
				t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
			}
			if strings.HasSuffix(run.test, "-observability") && !slices.Contains(e.inventory()["stacks"], "sagemaker-ml-cluster-ObservabilityStack CREATE_COMPLETE") {
				t.Errorf("no observability stack: %v", e.inventory()["stacks"])
			}
			code, out, errOut := e.hpctl("destroy", "-f", spec, "--yes")
			if code != 0 || !strings.Contains(out, "✓ destroyed") {
				t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
			}
			after := e.inventory()
			// A Prometheus workspace the observability stack keeps (its
			// DeletionPolicy) stays, and the destroy names it with its command.
			var kept []string
			for _, ws := range after["prometheusWorkspaces"] {
				if slices.Contains(before["prometheusWorkspaces"], ws) {
					kept = append(kept, ws)
				} else if !strings.Contains(out, "Prometheus workspace kept by its DeletionPolicy") || !strings.Contains(out, "aws amp delete-workspace --workspace-id "+ws) {
					t.Errorf("the destroy kept workspace %s without naming it:\n%s", ws, out)
				}
			}
			after["prometheusWorkspaces"] = kept
			// So does HyperPod's log group of the nodes' lifecycle logs.
			var logs []string
			for _, g := range after["logGroups"] {
				if slices.Contains(before["logGroups"], g) {
					logs = append(logs, g)
				} else if !strings.HasPrefix(g, "/aws/sagemaker/Clusters/") || !strings.Contains(out, "lifecycle-script logs of the cluster's nodes") || !strings.Contains(out, g) {
					t.Errorf("the destroy left log group %s without naming it:\n%s", g, out)
				}
			}
			after["logGroups"] = logs
			for _, kind := range slices.Sorted(maps.Keys(after)) {
				if !slices.Equal(after[kind], before[kind]) {
					t.Errorf("%s: %v after the destroy, %v before the deploy", kind, after[kind], before[kind])
				}
			}
			if brought != "" {
				if got := e.objects(brought); !slices.Equal(got, []string{"hyperpod/on_create.sh", "keep/me.txt"}) {
					t.Errorf("the brought bucket holds %v", got)
				}
			}
			code, out, _ = e.hpctl("destroy", "-f", spec, "--yes")
			if code != 0 || !strings.Contains(out, "Nothing to destroy") {
				t.Errorf("second destroy: exit %d\n%s", code, out)
			}
		})
	}
}

// Termination protection is reported and lifted only when asked; a
// destroy that outlasts --timeout exits 3 and leaves CloudFormation going.
func TestDestroyTerminationProtectionAndTimeout(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	if code, out, errOut := e.deploy("slurm", "../../examples/slurm-quickstart.yaml"); code != 0 {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := e.c.CloudFormation.UpdateTerminationProtection(e.ctx, &cloudformation.UpdateTerminationProtectionInput{
		StackName: aws.String("hpctl-slurm-cluster"), EnableTerminationProtection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := e.hpctl("destroy", "slurm-cluster", "--yes")
	if code != ExitUsage || !strings.Contains(out, "! termination protection is on") || !strings.Contains(errOut, "--disable-termination-protection") {
		t.Errorf("protected: exit %d\n%s%s", code, out, errOut)
	}
	if err := e.emu.Configure(e.ctx, emulator.Settings{ResourceSeconds: 0.1, ClusterSeconds: 0.5}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = e.hpctl("destroy", "slurm-cluster", "--yes", "--disable-termination-protection", "--timeout", "1500ms")
	if code != ExitTimeout || !strings.Contains(out, "lifted the termination protection of hpctl-slurm-cluster") ||
		!strings.Contains(errOut, "timed out after 1.5s") || !strings.Contains(errOut, "hpctl watch hpctl-slurm-cluster --region us-west-2") {
		t.Fatalf("timeout: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = e.hpctl("watch", "slurm-cluster")
	if code != 0 || !strings.Contains(out, "✓ hpctl-slurm-cluster DELETE_COMPLETE") {
		t.Errorf("watch after the timeout: exit %d\n%s%s", code, out, errOut)
	}
}
