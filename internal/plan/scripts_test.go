package plan

import (
	"encoding/json"
	"testing"
)

// The user's own folder switches the hosted scripts and the stack's bucket
// off, names the bucket (the spec's, or one hpctl makes), points
// OnCreatePath into the uploaded folder, and gives a group that runs
// other scripts its own LifeCycleConfig in its slot.
func TestOwnScriptsPlan(t *testing.T) {
	groups := "    - {name: workers, instanceType: ml.g5.8xlarge, count: 2}\n"
	for _, tc := range []struct {
		name, spec        string
		bucket            string
		make              bool
		slots             map[string]string // slot → its LifeCycleConfig ("" for none)
		folders, onCreate []string
	}{
		{name: "hpctl makes the bucket", spec: edit(fullEKS, "lifecycleScripts: true", "lifecycleScripts: {dir: ./lcs}"),
			bucket: "sagemaker-ml-bucket", make: true, slots: map[string]string{"InstanceGroupSettings1": ""},
			folders: []string{"./lcs → hpctl/hpctl-ml/lifecycle/"}},
		{name: "a brought bucket, groups of their own", spec: edit(fullEKS, "bucket: {}", "bucket: {name: sagemaker-team}",
			"lifecycleScripts: true", "lifecycleScripts: {dir: lcs, onCreate: start.sh}", groups, groups+
				"    - {name: gpu, instanceType: ml.g5.8xlarge, count: 1, lifecycle: {onCreate: gpu.sh}}\n"+
				"    - {name: infer, instanceType: ml.g5.8xlarge, count: 1, lifecycle: {dir: ./infer}}\n"+
				"    - {name: same, instanceType: ml.g5.8xlarge, count: 1, lifecycle: {onCreate: start.sh}}\n"),
			bucket: "sagemaker-team",
			slots: map[string]string{"InstanceGroupSettings1": "", "InstanceGroupSettings4": "",
				"InstanceGroupSettings2": `{"SourceS3Uri":"s3://sagemaker-team/hpctl/hpctl-ml/lifecycle","OnCreate":"gpu.sh"}`,
				"InstanceGroupSettings3": `{"SourceS3Uri":"s3://sagemaker-team/hpctl/hpctl-ml/lifecycle-infer","OnCreate":"start.sh"}`},
			folders: []string{"lcs → hpctl/hpctl-ml/lifecycle/", "./infer → hpctl/hpctl-ml/lifecycle-infer/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlan(t, tc.spec)
			s := p.Scripts
			if s == nil || s.Bucket != tc.bucket || s.MakeBucket != tc.make || s.Manifest != "hpctl/hpctl-ml/uploaded.json" {
				t.Fatalf("scripts %+v", s)
			}
			for i, f := range s.Folders {
				if i >= len(tc.folders) || f.Dir+" → "+f.Prefix != tc.folders[i] {
					t.Errorf("folder %d: %s → %s, want %v", i, f.Dir, f.Prefix, tc.folders)
				}
			}
			onCreate := "hpctl/hpctl-ml/lifecycle/" + map[bool]string{true: "on_create.sh", false: "start.sh"}[tc.make]
			for name, want := range map[string]string{"CreateLifeCycleScriptStack": "false", "CreateS3BucketStack": "false",
				"S3BucketName": tc.bucket, "OnCreatePath": onCreate} {
				if got := p.Value(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range []string{"LifeCycleScriptStack", "S3BucketStack"} {
				if st, _ := p.Stack(name); st.Action == Create {
					t.Errorf("%s is created", name)
				}
			}
			for slot, want := range tc.slots {
				var v []map[string]json.RawMessage
				if err := json.Unmarshal([]byte(p.Value(slot)), &v); err != nil {
					t.Fatal(err)
				}
				if got := string(v[0]["LifeCycleConfig"]); got != want {
					t.Errorf("%s LifeCycleConfig %s, want %s", slot, got, want)
				}
			}
		})
	}
}
