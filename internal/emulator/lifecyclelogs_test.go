package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// Through the real SDK: each node writes its lifecycle stream in the
// cluster's log group; a group whose script fails fails the cluster with
// HyperPod's message naming that group, and the log group outlives the
// rollback that deletes the cluster.
func TestLifecycleLogsOutliveTheCluster(t *testing.T) {
	f := setup(t, Settings{ClusterSeconds: 0.05, LifecycleFailures: []LifecycleFailure{{Cluster: "hp-*", Group: "workers", Log: []string{"boom"}}}})
	id := f.create("hp", clusterTemplate)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusRollbackComplete || !strings.Contains(strings.Join(f.events(id), "\n"), "Lifecycle scripts did not run successfully. To view lifecycle script logs, visit log group '/aws/sagemaker/Clusters/hp-demo/") {
		t.Fatalf("%s\n%s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	if _, err := f.cluster("hp-demo"); err == nil {
		t.Fatal("the cluster is still there after the rollback")
	}
	groups, err := f.c.Logs.DescribeLogGroups(f.ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/sagemaker/Clusters/hp-demo/")})
	if err != nil || len(groups.LogGroups) != 1 || len(strings.TrimPrefix(aws.ToString(groups.LogGroups[0].LogGroupName), "/aws/sagemaker/Clusters/hp-demo/")) != 12 {
		t.Fatalf("log groups: %v %+v", err, groups)
	}
	group := groups.LogGroups[0].LogGroupName
	streams, err := f.c.Logs.DescribeLogStreams(f.ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: group, LogStreamNamePrefix: aws.String("LifecycleConfig/workers/i-0")})
	if err != nil || len(streams.LogStreams) != 2 {
		t.Fatalf("streams: %v %+v", err, streams)
	}
	events, err := f.c.Logs.GetLogEvents(f.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: streams.LogStreams[0].LogStreamName})
	if err != nil || len(events.Events) != 1 || aws.ToString(events.Events[0].Message) != "boom" {
		t.Errorf("events: %v %+v", err, events)
	}
}
