package render

import (
	"bytes"
	"testing"
	"time"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/watch"
)

func TestChangeSetGolden(t *testing.T) {
	cs := &deploy.ChangeSet{Name: "hpctl-20261128-120000", Type: "UPDATE",
		Params: []deploy.ParamChange{{Name: "StorageCapacity", Old: "1200", New: "2400"}, {Name: "NodeRecovery", Old: "None", New: "Automatic", Default: true},
			{Name: "AvailabilityZoneIds", Old: "", New: "usw2-az1,usw2-az2"}},
		Changes: []deploy.Change{
			{Action: "Modify", LogicalID: "FsxStack", Type: "AWS::CloudFormation::Stack", Replacement: "False", Properties: []string{"Parameters.StorageCapacity"},
				Nested: []deploy.Change{{Action: "Modify", LogicalID: "FileSystem", Type: "AWS::FSx::FileSystem", Replacement: "False", Properties: []string{"StorageCapacity"}}}},
			{Action: "Add", LogicalID: "S3EndpointStack", Type: "AWS::CloudFormation::Stack"},
			{Action: "Remove", LogicalID: "OldRole", Type: "AWS::IAM::Role"},
			{Action: "Modify", LogicalID: "Cluster", Type: "AWS::SageMaker::Cluster", Replacement: "Conditional", Properties: []string{"InstanceGroups"}},
		}}
	var b bytes.Buffer
	if err := ChangeSetText(&b, "hpctl-ml", cs); err != nil {
		t.Fatal(err)
	}
	golden(t, "changeset.txt", b.Bytes())
}

func TestStatusGolden(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	st := &deploy.Status{Stack: "hpctl-ml", Status: "UPDATE_ROLLBACK_COMPLETE", Updated: at,
		Stacks: []deploy.StackStatus{{Path: "hpctl-ml", Status: "UPDATE_ROLLBACK_COMPLETE", Resources: 3},
			{Path: "hpctl-ml/VPCStack", Status: "CREATE_COMPLETE", Resources: 11},
			{Path: "hpctl-ml/HyperPodClusterStack", Status: "UPDATE_COMPLETE", Resources: 1,
				Problems: []string{"hpctl-ml/HyperPodClusterStack/Cluster (AWS::SageMaker::Cluster): capacity"}}},
		Cluster: &watch.Cluster{Name: "ml", Status: "InService", Groups: []watch.GroupState{{Name: "workers", Type: "ml.g5.8xlarge", Current: 2, Target: 2, Status: "InService"}}},
		Nodes: []deploy.Node{{ID: "i-1", Group: "workers", Type: "ml.g5.8xlarge", Status: "Running", Launch: at},
			{ID: "i-2", Group: "workers", Type: "ml.g5.8xlarge", Status: "Running", Launch: at},
			{ID: "i-3", Group: "workers", Type: "ml.g5.8xlarge", Status: "Pending"}}, // not launched yet
		Outputs: map[string]string{"OutputVpcId": "vpc-1", "OutputHyperPodClusterArn": "arn:aws:sagemaker:us-west-2:123456789012:cluster/ml"}}
	var b bytes.Buffer
	if err := StatusText(&b, st, time.UTC); err != nil {
		t.Fatal(err)
	}
	golden(t, "status.txt", b.Bytes())
}

func TestDestroyGolden(t *testing.T) {
	target := &deploy.Target{StackName: "hpctl-slurm", Status: "CREATE_COMPLETE", Orchestrator: "slurm", Region: "us-west-2",
		Stack: &cftypes.Stack{}, Cluster: "slurm",
		ClusterState: &watch.Cluster{Name: "slurm", Status: "InService", Groups: []watch.GroupState{{Name: "workers", Type: "ml.g5.8xlarge", Current: 2, Target: 2}}},
		Nested:       []string{"HyperPodClusterStack", "HyperPodParamClusterStack", "LifeCycleScriptStack", "VPCStack"},
		Buckets:      []string{"sagemaker-slurm-logs"},
		Companions:   []deploy.Companion{{Name: "SSMStack", StackName: "hpctl-slurm-ssm"}},
		Hazards:      []deploy.Hazard{{Bucket: "team-bucket", Message: "the Slurm lifecycle-script stack deletes every object in your bucket team-bucket when it is deleted"}},
		Leftovers:    []deploy.Leftover{{What: "log groups of the templates' Lambda functions", Name: "/aws/lambda/sagemaker-slurm*"}}}
	var b bytes.Buffer
	if err := DestroyPlanText(&b, target); err != nil {
		t.Fatal(err)
	}
	for _, r := range []deploy.Destroyed{
		{Stack: "hpctl-slurm", Status: "DELETE_COMPLETE", Succeeded: true, Elapsed: watch.Duration(95 * time.Second),
			Deleted: []string{"HyperPod cluster slurm", "stack hpctl-slurm and its 4 nested stacks", "companion stack hpctl-slurm-ssm"},
			Leftovers: []deploy.Leftover{{What: "bucket kept by its DeletionPolicy", Name: "tls", Remove: "aws s3 rb s3://tls --force", Verified: true},
				{What: "log groups", Name: "/aws/lambda/x*", Remove: "aws logs delete-log-group"}}},
		{Stack: "hpctl-slurm", Status: "DELETE_COMPLETE", Succeeded: true, Elapsed: watch.Duration(5 * time.Second), Deleted: []string{"stack hpctl-slurm"}},
		{Stack: "hpctl-slurm", Status: "DELETE_FAILED", Elapsed: watch.Duration(40 * time.Second),
			RootCause: &watch.Cause{Path: "hpctl-slurm/LifeCycleScriptStack/Bucket", ResourceType: "AWS::S3::Bucket", Reason: "The bucket you tried to delete is not empty"},
			Retry:     "hpctl destroy hpctl-slurm --region us-west-2 --retain LifeCycleScriptStack/Bucket"},
		{Stack: "hpctl-gone", AlreadyGone: true, Succeeded: true},
	} {
		destroyedText(&b, r, false)
	}
	golden(t, "destroy.txt", b.Bytes())
}
