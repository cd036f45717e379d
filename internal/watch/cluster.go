package watch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/logs"
)

// describeCluster reads the cluster once and emits it when it changed. It
// returns nil, nil when the cluster does not exist.
func (w *Watcher) describeCluster(ctx context.Context) (*Cluster, error) {
	w.calls["DescribeCluster"]++
	out, err := w.sm.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(w.opt.Cluster)})
	if cloud.ClusterMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := ClusterOf(out, w.opt.Now())
	if w.cluster == nil || !sameCluster(*w.cluster, *c) {
		w.emit(*c)
	}
	w.cluster = c
	if (c.Status == "Failed" || c.Status == "Deleting") && !w.opt.Deleting {
		// Now: the rollback deletes the cluster and its events. A cluster
		// deleted while hpctl creates or updates it is a rollback's, and a
		// watch that missed its Failed moment still has this one.
		w.evidence(ctx)
	}
	return c, nil
}

// ClusterOf is a DescribeCluster answer as hpctl shows it.
func ClusterOf(out *sagemaker.DescribeClusterOutput, at time.Time) *Cluster {
	c := &Cluster{Time: at, Name: aws.ToString(out.ClusterName), Status: string(out.ClusterStatus),
		FailureMessage: aws.ToString(out.FailureMessage)}
	for _, g := range out.InstanceGroups {
		c.Groups = append(c.Groups, GroupState{Name: aws.ToString(g.InstanceGroupName), Type: string(g.InstanceType),
			Status: string(g.Status), Current: aws.ToInt32(g.CurrentCount), Target: aws.ToInt32(g.TargetCount)})
	}
	return c
}

func sameCluster(a, b Cluster) bool {
	if a.Status != b.Status || a.FailureMessage != b.FailureMessage || len(a.Groups) != len(b.Groups) {
		return false
	}
	for i := range a.Groups {
		if a.Groups[i] != b.Groups[i] {
			return false
		}
	}
	return true
}

// followCluster waits, after the stacks succeeded, until the cluster is
// InService (Failed and RollingBack end it with a cause) or, for a delete,
// until it is gone.
func (w *Watcher) followCluster(ctx context.Context, s *Summary) error {
	for first := true; ; first = false {
		// The stacks' last poll may have read the cluster a moment ago (its
		// resource's last event asks for that): that answer stands.
		c, err := w.cluster, error(nil)
		if !first || !w.clusterFresh || c == nil {
			before := w.cluster
			c, err = w.describeCluster(ctx)
			if c != nil && !w.opt.Deleting && (before == nil || !sameCluster(*before, *c)) {
				w.clusterEvents(ctx)
			}
		}
		w.emit(w.tick()) // the clock goes on, for heartbeats
		if err != nil {
			if err := w.failed(ctx, nil, err); err != nil {
				return err
			}
		}
		switch {
		case err != nil:
		case w.opt.Deleting && c == nil:
			return nil
		case w.opt.Deleting && c.Status == "Failed":
			s.Succeeded = false
			s.RootCause = &Cause{Time: c.Time, Path: "cluster " + c.Name, ResourceType: "AWS::SageMaker::Cluster",
				Status: c.Status, Reason: "the deletion failed: " + clusterReason(c)}
			return nil
		case w.opt.Deleting:
		case c == nil:
			s.Succeeded = false
			s.RootCause = &Cause{Time: w.opt.Now(), Path: "cluster " + w.opt.Cluster,
				Reason: "the stacks completed but the HyperPod cluster does not exist"}
			return nil
		case c.Status == "InService":
			if done, cause := w.groupsDone(c); cause != nil {
				cause.Reason += w.nodeFailures(ctx)
				s.Succeeded, s.RootCause = false, cause
				return nil
			} else if done {
				return nil
			}
		case c.Status == "Failed" || c.Status == "RollingBack":
			s.Succeeded = false
			s.RootCause = &Cause{Time: c.Time, Path: "cluster " + c.Name, ResourceType: "AWS::SageMaker::Cluster",
				Status: c.Status, Reason: clusterReason(c) + w.nodeFailures(ctx)}
			return nil
		}
		if err := w.opt.Sleep(ctx, w.opt.Interval); err != nil {
			return err
		}
	}
}

// groupsDone says whether an InService cluster is done: every group has its
// target and the spec's count. While a group is below its target and its
// count moved within NodesTimeout it is not done yet; a target other than
// the spec's, or a count that has not moved for NodesTimeout, is the cause
// of a failure.
func (w *Watcher) groupsDone(c *Cluster) (bool, *Cause) {
	var behind []string
	for _, g := range c.Groups {
		if want, ok := w.opt.Groups[g.Name]; ok && g.Target != int32(want) {
			return false, &Cause{Time: c.Time, Path: "cluster " + c.Name + "/" + g.Name, ResourceType: "AWS::SageMaker::Cluster", Status: c.Status,
				Reason: fmt.Sprintf("group %s targets %d instances, the spec asks %d", g.Name, g.Target, want)}
		}
		if g.Current < g.Target {
			behind = append(behind, fmt.Sprintf("%s %d of %d", g.Name, g.Current, g.Target))
		}
	}
	if len(behind) == 0 {
		return true, nil
	}
	key := strings.Join(behind, ", ")
	if key != w.countsKey {
		w.countsKey, w.countsSince = key, w.opt.Now()
		return false, nil
	}
	if stuck := w.opt.Now().Sub(w.countsSince); stuck >= w.opt.NodesTimeout {
		return false, &Cause{Time: c.Time, Path: "cluster " + c.Name, ResourceType: "AWS::SageMaker::Cluster", Status: c.Status,
			Reason: fmt.Sprintf("the cluster is InService but short of nodes, unchanged for %s: %s (HyperPod is still adding them or cannot: capacity, quotas, a failing lifecycle script)", stuck.Round(time.Second), key)}
	}
	return false, nil
}

// maxNodeFailures bounds the failed instances a cause names.
const maxNodeFailures = 3

// logLines is how many of a failed node's last log lines are kept.
const logLines = 10

// nodeFailures is "; nodes: ID (group): message, …" for the failed nodes
// of the evidence, "" when there are none.
func (w *Watcher) nodeFailures(ctx context.Context) string {
	nodes := w.evidence(ctx)
	if len(nodes) == 0 {
		return ""
	}
	lines := make([]string, len(nodes))
	for i, n := range nodes {
		lines[i] = fmt.Sprintf("%s (%s): %s", n.Instance, n.Group, n.Message)
	}
	return "; nodes: " + strings.Join(lines, "; ")
}

// evidence reads, once, what a failed or short cluster leaves that a
// rollback erases or buries: the instances HyperPod's own events say failed
// since the watch began (the live events' read brings the newest, see
// clusterEvents), each failure's message from its event's metadata, and the
// last lines of each failed node's lifecycle log (the log group outlives the
// cluster, but the node's ID is only known from the events). Reads that
// fail leave the evidence shorter; the cause stands without it.
func (w *Watcher) evidence(ctx context.Context) []NodeFailure {
	if w.captured || w.sm == nil || w.opt.Cluster == "" {
		return w.nodes
	}
	w.captured = true
	w.clusterEvents(ctx)
	once := func(o *sagemaker.Options) { o.RetryMaxAttempts = 1 }
	for _, e := range slices.Backward(w.failedNodes) { // the newest first
		if len(w.nodes) == maxNodeFailures {
			break
		}
		msg := e.Description
		w.calls["DescribeClusterEvent"]++
		if d, err := w.sm.DescribeClusterEvent(ctx, &sagemaker.DescribeClusterEventInput{ClusterName: aws.String(w.opt.Cluster), EventId: aws.String(e.id)}, once); err == nil &&
			d.EventDetails != nil && d.EventDetails.EventDetails != nil {
			if m, ok := d.EventDetails.EventDetails.EventMetadata.(*smtypes.EventMetadataMemberInstance); ok && aws.ToString(m.Value.FailureMessage) != "" {
				msg = aws.ToString(m.Value.FailureMessage)
			}
		}
		w.nodes = append(w.nodes, NodeFailure{Instance: e.Instance, Group: e.Group, Message: msg})
	}
	w.nodeLogs(ctx)
	return w.nodes
}

// nodeLogs adds the last lines of each failed node's lifecycle log, from
// the newest log group of the cluster's name.
func (w *Watcher) nodeLogs(ctx context.Context) {
	if w.opt.Logs == nil || len(w.nodes) == 0 {
		return
	}
	w.calls["DescribeLogGroups"]++
	groups, err := logs.Groups(ctx, w.opt.Logs, w.opt.Cluster)
	if err != nil || len(groups) == 0 {
		return
	}
	for i, n := range w.nodes {
		w.calls["GetLogEvents"]++
		lines, err := logs.Tail(ctx, w.opt.Logs, groups[0].Name, n.Group, n.Instance, logLines)
		if err != nil || len(lines) == 0 {
			continue
		}
		w.nodes[i].LogGroup, w.nodes[i].LogStream = groups[0].Name, cloud.LifecycleStream(n.Group, n.Instance)
		for _, l := range lines {
			w.nodes[i].LastLines = append(w.nodes[i].LastLines, l.Message)
		}
	}
}

func clusterReason(c *Cluster) string {
	if c.FailureMessage != "" {
		return c.FailureMessage
	}
	return fmt.Sprintf("the cluster is %s", c.Status)
}

// RunCluster follows the cluster alone (no stack): until it is gone when
// deleting, else until it is InService. It returns the summary, which it
// has also emitted.
func (w *Watcher) RunCluster(ctx context.Context, emit func(Update)) (Summary, error) {
	w.emit, w.start = emit, w.opt.Now()
	w.root = &tracked{name: "cluster " + w.opt.Cluster, resources: map[string]*resource{}}
	s := Summary{Stack: w.root.name, Succeeded: true}
	err := w.followCluster(ctx, &s)
	s = w.complete(s)
	if w.opt.Deleting && s.Succeeded {
		s.Status = "deleted"
	} else if w.cluster != nil {
		s.Status = w.cluster.Status
	}
	if err == nil {
		w.emit(s)
	}
	return s, err
}
