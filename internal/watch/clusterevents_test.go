package watch

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
)

// HyperPod's own events are shown as they come, each once, oldest first,
// read when the cluster changes rather than on every poll.
func TestClusterEventsAreShownOnceAsTheyCome(t *testing.T) {
	f := cloudtest.New()
	root := clusterTree(f)
	f.Cluster("ml", cloudtest.ClusterState{At: 2 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 0, 2)}},
		cloudtest.ClusterState{At: 3 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 1, 2)}},
		cloudtest.ClusterState{At: 8 * s, Status: "InService", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 2, 2)}})
	event := func(id string, at time.Duration, level, group, instance, text string) smtypes.ClusterEventDetail {
		d := smtypes.ClusterEventDetail{EventId: aws.String(id), ClusterName: aws.String("ml"), EventTime: aws.Time(f.Now().Add(at)),
			ResourceType: smtypes.ClusterEventResourceTypeCluster, EventLevel: smtypes.ClusterEventLevel(level), Description: aws.String(text)}
		if instance != "" {
			d.ResourceType, d.InstanceGroupName, d.InstanceId = smtypes.ClusterEventResourceTypeInstance, aws.String(group), aws.String(instance)
		}
		return d
	}
	f.Events["ml"] = []smtypes.ClusterEventDetail{
		event("e1", 2*s, "Info", "", "", "Cluster creation started"),
		event("e2", 3*s, "Info", "workers", "i-0a", "Instance i-0a is running"),
		event("e3", 7*s, "Error", "workers", "i-0b", "Instance i-0b failed a health check; replacing it"),
		event("e4", 8*s, "Info", "workers", "i-0c", "Instance i-0c is running"),
		event("e5", 8*s, "Info", "", "", "Cluster is InService"),
	}
	sum, updates, err := run(t, f, Options{Stack: root.ID, Cluster: "ml", Groups: map[string]int{"workers": 2}})
	if err != nil || !sum.Succeeded {
		t.Fatalf("%v %+v", err, sum)
	}
	var got []string
	for _, u := range updates {
		if e, ok := u.(ClusterEvent); ok {
			got = append(got, e.Level+" "+e.Instance+" "+e.Description)
		}
	}
	want := []string{"Info  Cluster creation started", "Info i-0a Instance i-0a is running", "Error i-0b Instance i-0b failed a health check; replacing it",
		"Info i-0c Instance i-0c is running", "Info  Cluster is InService"}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%q\nwant\n%q", got, want)
	}
	if reads, lists := f.Calls["DescribeCluster"], f.Calls["ListClusterEvents"]; lists == 0 || lists >= reads {
		t.Errorf("%d event lists for %d cluster reads", lists, reads)
	}
}
