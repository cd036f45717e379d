// Package logs reads the lifecycle-script logs HyperPod's nodes write to
// CloudWatch Logs: the log groups a cluster name has had (they outlive a
// cluster that failed and was rolled back), a node's last lines, and a
// deployment's whole log by group or node, once or followed.
package logs

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/hpctl/hpctl/internal/cloud"
)

// Group is one log group of a cluster name: one cluster that had that name.
type Group struct {
	Name      string    `json:"logGroup"`
	ClusterID string    `json:"clusterId"`
	Created   time.Time `json:"created"`
}

// Line is one line a node's lifecycle scripts wrote.
type Line struct {
	Time     time.Time `json:"time"`
	Group    string    `json:"instanceGroup"`
	Instance string    `json:"instance"`
	Message  string    `json:"message"`
	id       string
}

// Kind names a line in NDJSON.
func (Line) Kind() string { return "log" }

// Groups lists the log groups of a cluster name, newest first.
func Groups(ctx context.Context, c cloud.Logs, cluster string) ([]Group, error) {
	prefix := cloud.ClusterLogPrefix(cluster)
	var out []Group
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.LogGroups {
			name := aws.ToString(g.LogGroupName)
			id := strings.TrimPrefix(name, prefix)
			if id == "" || strings.Contains(id, "/") {
				continue // another name that starts with this one's
			}
			out = append(out, Group{Name: name, ClusterID: id, Created: time.UnixMilli(aws.ToInt64(g.CreationTime)).UTC()})
		}
	}
	slices.SortStableFunc(out, func(a, b Group) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Tail is the last n lines of a node's stream ("" stream: none).
func Tail(ctx context.Context, c cloud.Logs, logGroup, group, instance string, n int) ([]Line, error) {
	out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(logGroup),
		LogStreamName: aws.String(cloud.LifecycleStream(group, instance)), StartFromHead: aws.Bool(false), Limit: aws.Int32(int32(n))})
	if err != nil {
		return nil, err
	}
	lines := make([]Line, 0, len(out.Events))
	for _, e := range out.Events {
		lines = append(lines, Line{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Group: group, Instance: instance, Message: aws.ToString(e.Message)})
	}
	return lines, nil
}

// Query chooses what Read reads of a log group.
type Query struct {
	LogGroup string
	// Group and Node narrow the streams to an instance group and a node.
	Group, Node string
	// Since drops lines before it (zero: every line).
	Since time.Time
}

// Streams are the lifecycle streams the query names.
func Streams(ctx context.Context, c cloud.Logs, q Query) ([]string, error) {
	prefix := "LifecycleConfig/"
	if q.Group != "" {
		prefix += q.Group + "/"
	}
	var names []string
	p := cloudwatchlogs.NewDescribeLogStreamsPaginator(c, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(q.LogGroup), LogStreamNamePrefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.LogStreams {
			name := aws.ToString(s.LogStreamName)
			if q.Node == "" || strings.HasSuffix(name, "/"+q.Node) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// Read is every line of the streams since q.Since, oldest first, read in
// batches of the 100 streams FilterLogEvents takes.
func Read(ctx context.Context, c cloud.Logs, q Query, streams []string) ([]Line, error) {
	var lines []Line
	for batch := range slices.Chunk(streams, 100) {
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(q.LogGroup), LogStreamNames: batch}
		if !q.Since.IsZero() {
			in.StartTime = aws.Int64(q.Since.UnixMilli())
		}
		p := cloudwatchlogs.NewFilterLogEventsPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, e := range page.Events {
				group, instance := split(aws.ToString(e.LogStreamName))
				lines = append(lines, Line{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Group: group, Instance: instance,
					Message: aws.ToString(e.Message), id: aws.ToString(e.EventId)})
			}
		}
	}
	slices.SortStableFunc(lines, func(a, b Line) int { return a.Time.Compare(b.Time) })
	return lines, nil
}

// Follower reads a query again and again and hands over each line once.
type Follower struct {
	c     cloud.Logs
	q     Query
	seen  map[string]bool
	since time.Time
}

// Follow starts following q from q.Since.
func Follow(c cloud.Logs, q Query) *Follower {
	return &Follower{c: c, q: q, seen: map[string]bool{}, since: q.Since}
}

// Next reads the streams (found anew each time: a node that comes up adds
// one) and returns the lines not handed over before.
func (f *Follower) Next(ctx context.Context) ([]Line, error) {
	streams, err := Streams(ctx, f.c, f.q)
	if err != nil || len(streams) == 0 {
		return nil, err
	}
	q := f.q
	q.Since = f.since
	lines, err := Read(ctx, f.c, q, streams)
	if err != nil {
		return nil, err
	}
	var fresh []Line
	for _, l := range lines {
		key := l.id
		if key == "" {
			key = l.Time.String() + l.Group + l.Instance + l.Message
		}
		if f.seen[key] {
			continue
		}
		f.seen[key] = true
		fresh = append(fresh, l)
		// Lines of the same millisecond may still come: read from it again
		// next time, and let seen drop the repeats.
		f.since = l.Time
	}
	return fresh, nil
}

// split takes LifecycleConfig/<group>/<instance> apart.
func split(stream string) (group, instance string) {
	rest := strings.TrimPrefix(stream, "LifecycleConfig/")
	group, instance, _ = strings.Cut(rest, "/")
	return group, instance
}
