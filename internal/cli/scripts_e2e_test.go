package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/emulator"
)

// writeScripts writes a lifecycle folder beside a spec: files by relative
// name, each a script with its #! line unless given whole.
func writeScripts(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// prefixed are the keys under prefix.
func prefixed(keys []string, prefix string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// A spec with its own lifecycle folder deploys: hpctl uploads the folder
// (into a bucket it makes, or one the user brings) before the stacks run,
// the groups' LifeCycleConfig points at it (a group's own script too), a
// second deploy uploads nothing, a changed folder uploads and removes only
// the difference, and destroy removes exactly what hpctl uploaded.
func TestOwnLifecycleScriptsDeployAndGo(t *testing.T) {
	for _, tc := range []struct {
		name, orch, example, stack, cluster, bucket string
		replace                                     []string
		brought                                     bool
		groups                                      map[string]string // group → OnCreate
	}{
		{name: "a bucket hpctl makes", orch: "eks", example: "eks-quickstart.yaml", stack: "hpctl-ml-cluster", cluster: "ml-cluster",
			bucket: "sagemaker-ml-cluster-bucket",
			replace: []string{"lifecycleScripts: true", "lifecycleScripts: {dir: ./scripts, onCreate: on_create.sh}",
				"      targetAvailabilityZoneId: usw2-az2\n", "      targetAvailabilityZoneId: usw2-az2\n" +
					"    - {name: gpu, instanceType: ml.g5.8xlarge, count: 1, targetAvailabilityZoneId: usw2-az2, lifecycle: {onCreate: gpu.sh}}\n"},
			groups: map[string]string{"workers": "on_create.sh", "gpu": "gpu.sh"}},
		{name: "a bucket the user brings", orch: "slurm", example: "slurm-quickstart.yaml", stack: "hpctl-slurm-cluster", cluster: "slurm-cluster",
			bucket: "sagemaker-team-bucket", brought: true,
			replace: []string{"bucket: {}", "bucket: {name: sagemaker-team-bucket}", "lifecycleScripts: true", "lifecycleScripts: {dir: scripts}"},
			groups:  map[string]string{"controller": "on_create.sh", "login": "on_create.sh", "workers": "on_create.sh"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.005, ClusterSeconds: 0.3})
			if tc.brought {
				e.bucket(tc.bucket, "datasets/keep.txt")
			}
			file := specFile(t, tc.example, tc.replace...)
			dir := filepath.Dir(file)
			writeScripts(t, filepath.Join(dir, "scripts"), map[string]string{
				"on_create.sh": "#!/bin/bash\nsource utils/log.sh\nlog ready\n",
				"gpu.sh":       "#!/bin/bash\nlog gpu\n",
				"utils/log.sh": "log() { echo \"$*\"; }\n",
				".git/config":  "not a script",
			})
			prefix := "hpctl/" + tc.stack + "/"
			code, out, errOut := e.deploy(tc.orch, file)
			if code != 0 || !strings.Contains(out, "lifecycle scripts: 3 uploaded, 0 unchanged, 0 removed") {
				t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
			}
			cl, err := e.c.SageMaker.DescribeCluster(e.ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(tc.cluster)})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range cl.InstanceGroups {
				lc, name := g.LifeCycleConfig, aws.ToString(g.InstanceGroupName)
				if want := "s3://" + tc.bucket + "/" + prefix + "lifecycle"; lc == nil || strings.TrimSuffix(aws.ToString(lc.SourceS3Uri), "/") != want || aws.ToString(lc.OnCreate) != tc.groups[name] {
					t.Errorf("group %s runs %+v, not %s from %s", name, lc, tc.groups[name], want)
				}
			}
			uploaded := []string{prefix + "lifecycle/gpu.sh", prefix + "lifecycle/on_create.sh", prefix + "lifecycle/utils/log.sh", prefix + "uploaded.json"}
			if tc.orch == "slurm" { // the cluster stack writes its own file into the folder
				uploaded = slices.Insert(uploaded, 2, prefix+"lifecycle/provisioning_parameters.json")
			}
			if got := prefixed(e.objects(tc.bucket), prefix); !slices.Equal(got, uploaded) {
				t.Errorf("under %s: %v, want %v", prefix, got, uploaded)
			}

			code, out, errOut = e.deploy(tc.orch, file)
			if code != 0 || !strings.Contains(out, "No changes: stack "+tc.stack+" is up to date") || strings.Contains(out, "lifecycle scripts:") {
				t.Errorf("the same folder again: exit %d\n%s%s", code, out, errOut)
			}

			writeScripts(t, filepath.Join(dir, "scripts"), map[string]string{"on_create.sh": "#!/bin/bash\necho changed\n"})
			if err := os.Remove(filepath.Join(dir, "scripts", "utils", "log.sh")); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = e.deploy(tc.orch, file, "--yes")
			for _, want := range []string{"  > " + prefix + "lifecycle/on_create.sh", "  - " + prefix + "lifecycle/utils/log.sh",
				"lifecycle scripts: 1 uploaded, 1 unchanged, 1 removed"} {
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("a changed folder: no %q: exit %d\n%s%s", want, code, out, errOut)
				}
			}

			code, out, errOut = e.hpctl("destroy", tc.cluster, "--yes")
			if code != 0 || !strings.Contains(out, "removed the 2 lifecycle-script objects hpctl uploaded") {
				t.Fatalf("destroy: exit %d\n%s%s", code, out, errOut)
			}
			exists, err := e.bucketExists(tc.bucket)
			switch {
			case err != nil:
				t.Fatal(err)
			case tc.brought && !slices.Equal(e.objects(tc.bucket), []string{"datasets/keep.txt"}):
				t.Errorf("the brought bucket holds %v after the destroy, not just the user's object", e.objects(tc.bucket))
			case !tc.brought && exists:
				t.Errorf("the bucket hpctl made outlived the destroy, holding %v", e.objects(tc.bucket))
			}
		})
	}
}
