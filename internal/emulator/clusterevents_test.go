package emulator

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// HyperPod's event stream, through the real SDK: a cluster's creation, its
// group and its instances; a short group's missing instance as an Error
// event whose metadata carries the failure message; paging and filters.
func TestClusterEvents(t *testing.T) {
	msg := "We currently do not have sufficient capacity to launch new ml.g5.8xlarge instances"
	f := setup(t, Settings{ShortGroups: []ShortGroup{{Cluster: "hp-*", Group: "workers", Count: 1, Message: msg}}})
	f.create("hp", clusterTemplate)
	f.settle("hp")
	var all []smtypes.ClusterEventSummary
	p := sagemaker.NewListClusterEventsPaginator(f.c.SageMaker, &sagemaker.ListClusterEventsInput{
		ClusterName: aws.String("hp-demo"), SortOrder: smtypes.SortOrderAscending, MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
	}
	var lines []string
	var failed *smtypes.ClusterEventSummary
	for i, e := range all {
		lines = append(lines, string(e.ResourceType)+" "+string(e.EventLevel)+" "+aws.ToString(e.Description))
		if e.EventLevel == smtypes.ClusterEventLevelError {
			failed = &all[i]
		}
	}
	want := []string{"Cluster Info Cluster creation started", "InstanceGroup Info Provisioning 2 instances"}
	if len(lines) != 5 || !slices.Equal(lines[:2], want) || lines[4] != "Cluster Info Cluster is InService" || failed == nil {
		t.Fatalf("events:\n%s", strings.Join(lines, "\n"))
	}
	out, err := f.c.SageMaker.DescribeClusterEvent(f.ctx, &sagemaker.DescribeClusterEventInput{ClusterName: aws.String("hp-demo"), EventId: failed.EventId})
	if err != nil {
		t.Fatal(err)
	}
	meta, ok := out.EventDetails.EventDetails.EventMetadata.(*smtypes.EventMetadataMemberInstance)
	if !ok || aws.ToString(meta.Value.FailureMessage) != msg || aws.ToString(out.EventDetails.InstanceGroupName) != "workers" {
		t.Errorf("event %+v", out.EventDetails)
	}
	only, err := f.c.SageMaker.ListClusterEvents(f.ctx, &sagemaker.ListClusterEventsInput{ClusterName: aws.String("hp-demo"),
		ResourceType: smtypes.ClusterEventResourceTypeInstance, EventTimeAfter: aws.Time(time.Now().Add(-time.Minute))})
	if err != nil || len(only.Events) != 2 || only.Events[0].EventTime.Before(*only.Events[1].EventTime) {
		t.Errorf("instance events, newest first: %v %+v", err, only)
	}
	if _, err := f.c.SageMaker.ListClusterEvents(f.ctx, &sagemaker.ListClusterEventsInput{ClusterName: aws.String("nope")}); err == nil ||
		!strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("a missing cluster: %v", err)
	}
}
