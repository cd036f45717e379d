package watch

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// ClusterEvent is one of HyperPod's own events of the cluster: its
// provisioning, a group's, a node's (ListClusterEvents).
type ClusterEvent struct {
	Time         time.Time `json:"time"`
	Cluster      string    `json:"cluster"`
	ResourceType string    `json:"resourceType"`
	Group        string    `json:"instanceGroup,omitempty"`
	Instance     string    `json:"instance,omitempty"`
	Level        string    `json:"level"`
	Description  string    `json:"description"`
	id           string
}

// Kind names a cluster event in NDJSON.
func (ClusterEvent) Kind() string { return "clusterEvent" }

// maxEventPages bounds the pages one read of the events takes: a cluster
// of thousands of nodes may have more events than a watch needs to show.
const maxEventPages = 5

// clusterEvents emits the cluster's events that are new since the last
// read, oldest first. It is called when a read found the cluster changed,
// and now and then while it stays the same (nodes come and fail while a
// cluster reads Creating), so it costs a call only when there can be news.
func (w *Watcher) clusterEvents(ctx context.Context) {
	if w.sm == nil || w.noClusterEvents || w.opt.Cluster == "" {
		return
	}
	if w.seenEvents == nil {
		w.seenEvents, w.eventsAfter = map[string]bool{}, w.start.Add(-time.Minute)
	}
	once := func(o *sagemaker.Options) { o.RetryMaxAttempts = 1 }
	// A second's overlap: events of the same second as the last one seen
	// may have come after it; seenEvents drops the repeats.
	in := &sagemaker.ListClusterEventsInput{ClusterName: aws.String(w.opt.Cluster), EventTimeAfter: aws.Time(w.eventsAfter.Add(-time.Second)),
		SortOrder: smtypes.SortOrderAscending, MaxResults: aws.Int32(100)}
	p := sagemaker.NewListClusterEventsPaginator(w.sm, in)
	for page := 0; p.HasMorePages() && page < maxEventPages; page++ {
		w.calls["ListClusterEvents"]++
		out, err := p.NextPage(ctx, once)
		if err != nil {
			w.noClusterEvents = cloud.Unsupported(err)
			return
		}
		for _, e := range out.Events {
			id := aws.ToString(e.EventId)
			if w.seenEvents[id] {
				continue
			}
			w.seenEvents[id] = true
			at := aws.ToTime(e.EventTime)
			if at.After(w.eventsAfter) {
				w.eventsAfter = at
			}
			ev := ClusterEvent{Time: at, Cluster: aws.ToString(e.ClusterName), ResourceType: string(e.ResourceType),
				Group: aws.ToString(e.InstanceGroupName), Instance: aws.ToString(e.InstanceId), Level: string(e.EventLevel),
				Description: aws.ToString(e.Description), id: id}
			if e.ResourceType == smtypes.ClusterEventResourceTypeInstance && e.EventLevel == smtypes.ClusterEventLevelError {
				w.failedNodes = append(w.failedNodes, ev) // the evidence of a failure, should one come
			}
			w.emit(ev)
		}
	}
}
