package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/plan"
)

func stack(status, reason string, tags ...string) *cftypes.Stack {
	st := &cftypes.Stack{StackName: aws.String("hpctl-ml"), StackStatus: cftypes.StackStatus(status)}
	if reason != "" {
		st.StackStatusReason = aws.String(reason)
	}
	for i := 0; i+1 < len(tags); i += 2 {
		st.Tags = append(st.Tags, cftypes.Tag{Key: aws.String(tags[i]), Value: aws.String(tags[i+1])})
	}
	return st
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   Situation
		says   string
	}{
		{"", Absent, ""},
		{"CREATE_IN_PROGRESS", InProgress, "CREATE_IN_PROGRESS"},
		{"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", InProgress, "CLEANUP"},
		{"UPDATE_ROLLBACK_IN_PROGRESS", InProgress, "ROLLBACK"},
		{"CREATE_COMPLETE", Deployed, "CREATE_COMPLETE"},
		{"UPDATE_COMPLETE", Deployed, "UPDATE_COMPLETE"},
		{"UPDATE_ROLLBACK_COMPLETE", Deployed, "UPDATE_ROLLBACK_COMPLETE"},
		{"IMPORT_COMPLETE", Deployed, "IMPORT_COMPLETE"},
		{"ROLLBACK_COMPLETE", Dead, "can only delete it"},
		{"CREATE_FAILED", Dead, "can only delete it"},
		{"REVIEW_IN_PROGRESS", Dead, "never executed"},
		{"DELETE_IN_PROGRESS", Stuck, "being deleted"},
		{"UPDATE_ROLLBACK_FAILED", Stuck, "continue-update-rollback"},
		{"ROLLBACK_FAILED", Stuck, "hpctl destroy"},
		{"DELETE_FAILED", Stuck, "hpctl destroy"},
		{"IMPORT_ROLLBACK_FAILED", Stuck, "does not deploy over"},
	} {
		var st *cftypes.Stack
		if tc.status != "" {
			st = stack(tc.status, "")
		}
		got, why := Classify(st)
		if got != tc.want || !strings.Contains(why, tc.says) {
			t.Errorf("%s: %v %q", tc.status, got, why)
		}
	}
}

func TestOwner(t *testing.T) {
	p := &plan.Plan{Cluster: "ml", Orchestrator: "eks"}
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{plan.TagCluster, "ml", plan.TagOrchestrator, "eks"}, ""},
		{[]string{plan.TagCluster, "ml"}, ""},
		{nil, "was not made by hpctl"},
		{[]string{plan.TagCluster, "other"}, `belongs to hpctl cluster "other"`},
		{[]string{plan.TagCluster, "ml", plan.TagOrchestrator, "slurm"}, "is a slurm deployment"},
	} {
		got := Owner(stack("CREATE_COMPLETE", "", tc.tags...), p.Cluster, p.Orchestrator)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestParamChanges(t *testing.T) {
	st := &cftypes.Stack{Parameters: []cftypes.Parameter{
		{ParameterKey: aws.String("StorageCapacity"), ParameterValue: aws.String("1200")},
		{ParameterKey: aws.String("NodeRecovery"), ParameterValue: aws.String("None")},
		{ParameterKey: aws.String("Stage"), ParameterValue: aws.String("prod")},
		{ParameterKey: aws.String("Secret"), ParameterValue: aws.String("****")},
	}}
	decl := func(name, def string, noEcho bool) declared {
		return declared{key: name, def: aws.String(def), noEcho: noEcho}
	}
	got := paramChanges(st, map[string]string{"StorageCapacity": "2400", "Stage": "prod", "Secret": "new", "NewOne": "x"},
		[]declared{decl("StorageCapacity", "1200", false), decl("NodeRecovery", "Automatic", false),
			decl("Stage", "prod", false), decl("Secret", "", true), decl("NewOne", "", false)})
	want := []ParamChange{{Name: "StorageCapacity", Old: "1200", New: "2400"}, {Name: "NodeRecovery", Old: "None", New: "Automatic", Default: true},
		{Name: "Secret", Old: "****", New: "****"}, {Name: "NewOne", Old: "", New: "x"}}
	if !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestCounts(t *testing.T) {
	changes := []Change{
		{Action: "Modify", Type: "AWS::CloudFormation::Stack", Nested: []Change{{Action: "Modify"}, {Action: "Add"}}},
		{Action: "Add"}, {Action: "Remove"}, {Action: "Modify", Type: "AWS::CloudFormation::Stack"},
	}
	if a, m, r := Counts(changes); a != 2 || m != 2 || r != 1 {
		t.Errorf("%d %d %d", a, m, r)
	}
}

func TestDirFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"main-stack-eks-based-template.yaml", "vpc-template.yaml", "README.md",
		"resources/artifacts/fn.zip", ".git/config", "lambda/src.py"} {
		path := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := DirFiles(dir, "templates")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	want := []string{"resources/artifacts/fn.zip", "templates/main-stack-eks-based-template.yaml", "templates/vpc-template.yaml"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v", keys)
	}
	if _, err := DirFiles(filepath.Join(dir, "missing"), "templates"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := DirFiles(filepath.Join(dir, "resources"), "templates"); err == nil || !strings.Contains(err.Error(), "holds no templates") {
		t.Errorf("folder without templates: %v", err)
	}
}
