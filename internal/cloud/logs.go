package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// Logs is the part of CloudWatch Logs that reads HyperPod's lifecycle-script
// logs: the log groups of a cluster's name, their streams, their events.
type Logs interface {
	DescribeLogGroups(context.Context, *cloudwatchlogs.DescribeLogGroupsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	DescribeLogStreams(context.Context, *cloudwatchlogs.DescribeLogStreamsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error)
	GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
	FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

var _ Logs = (*cloudwatchlogs.Client)(nil)

// ClusterLogPrefix is the start of the names of a HyperPod cluster's log
// groups: /aws/sagemaker/Clusters/<name>/<cluster-id>, one per cluster of
// that name the account has had (the group outlives its cluster).
func ClusterLogPrefix(cluster string) string { return "/aws/sagemaker/Clusters/" + cluster + "/" }

// LifecycleStream is a node's lifecycle-script log stream in its cluster's group.
func LifecycleStream(group, instance string) string {
	return "LifecycleConfig/" + group + "/" + instance
}
