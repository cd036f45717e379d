package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/logs"
)

type logsOptions struct {
	group, node, clusterID string
	since                  time.Duration
	follow                 bool
}

func newLogsCmd(ios *IO, g *Globals) *cobra.Command {
	o := &logsOptions{}
	cmd := &cobra.Command{
		Use: "logs NAME",
		Example: `  hpctl logs ml-cluster                        # every node's lifecycle-script log
  hpctl logs ml-cluster --node i-0abc12345 --follow
  hpctl logs ml-cluster --group workers --since 30m --output json`,
		Short: "Show the lifecycle-script logs of a cluster's nodes, by group or node, also after a rollback",
		Long: "logs prints what the lifecycle scripts of HyperPod cluster NAME (the spec's metadata.name)\n" +
			"wrote on each node, from CloudWatch Logs (/aws/sagemaker/Clusters/NAME/<cluster-id>,\n" +
			"stream LifecycleConfig/<group>/<instance-id>). The log group outlives the cluster, so\n" +
			"the logs of a cluster that failed and was rolled back can still be read. Of several\n" +
			"clusters of that name, the newest is shown unless --cluster-id picks another.",
		Args: cobra.ExactArgs(1),
		RunE: wrap(func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), ios, g, o, args[0])
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.group, "group", "", "only the nodes of this instance group")
	f.StringVar(&o.node, "node", "", "only this node (its instance ID)")
	f.StringVar(&o.clusterID, "cluster-id", "", "the cluster of that name to read (default: the newest)")
	f.DurationVar(&o.since, "since", 0, "only lines newer than this, such as 10m (default: every line)")
	f.BoolVar(&o.follow, "follow", false, "keep printing lines as the nodes write them, until interrupted or --timeout")
	return cmd
}

func runLogs(ctx context.Context, ios *IO, g *Globals, o *logsOptions, name string) error {
	streaming(ios, g)
	if o.since < 0 {
		return usageErr("--since %s: give a positive duration, such as 10m", o.since)
	}
	ctx, cancel := withTimeout(ctx, g)
	defer cancel()
	d, err := deployer(ctx, ios, g, "")
	if err != nil {
		return err
	}
	if d.Logs == nil {
		return usageErr("no CloudWatch Logs client for %s", d.Region)
	}
	groups, err := logs.Groups(ctx, d.Logs, name)
	if err != nil {
		return fmt.Errorf("find the log groups of cluster %s (logs:DescribeLogGroups): %w", name, err)
	}
	group, err := pickGroup(groups, name, o.clusterID, d.Region)
	if err != nil {
		return err
	}
	if len(groups) > 1 && !g.JSON() {
		fmt.Fprintf(ios.ErrOut, "%d clusters named %s have logs; showing %s (created %s); pick another with --cluster-id\n",
			len(groups), name, group.ClusterID, group.Created.Format(time.RFC3339))
	}
	q := logs.Query{LogGroup: group.Name, Group: o.group, Node: o.node}
	if o.since > 0 {
		q.Since = time.Now().Add(-o.since)
	}
	show := func(lines []logs.Line) {
		for _, l := range lines {
			if g.JSON() {
				stream(ios, g).Record("log", l)
			} else {
				fmt.Fprintf(ios.Out, "%s %s/%s  %s\n", l.Time.Format(time.RFC3339), l.Group, l.Instance, l.Message)
			}
		}
	}
	if o.follow {
		f := logs.Follow(d.Logs, q)
		for {
			lines, err := f.Next(ctx)
			show(lines)
			if err == nil {
				err = d.Wait(ctx, g.Poll)
			}
			switch {
			case ctx.Err() != nil:
				// --timeout or an interrupt ends a follow: its exit code says which.
				return &ExitError{Code: exitCode(ctx, ctx.Err()), Reported: true, Message: "stopped following: " + context.Cause(ctx).Error()}
			case err != nil:
				return fmt.Errorf("read %s: %w", group.Name, err)
			}
		}
	}
	streams, err := logs.Streams(ctx, d.Logs, q)
	if err != nil {
		return fmt.Errorf("list the streams of %s: %w", group.Name, err)
	}
	if len(streams) == 0 {
		return usageErr("%s has no lifecycle stream%s", group.Name, narrowed(o))
	}
	lines, err := logs.Read(ctx, d.Logs, q, streams)
	if err != nil {
		return fmt.Errorf("read %s: %w", group.Name, err)
	}
	show(lines)
	return nil
}

// pickGroup is the log group of the cluster the user means.
func pickGroup(groups []logs.Group, name, id, region string) (logs.Group, error) {
	if len(groups) == 0 {
		return logs.Group{}, usageErr("no lifecycle logs of a cluster named %s in %s: no log group %s<cluster-id> (its nodes wrote none, or it is another region's)",
			name, region, cloud.ClusterLogPrefix(name))
	}
	if id == "" {
		return groups[0], nil
	}
	var ids []string
	for _, g := range groups {
		if g.ClusterID == id {
			return g, nil
		}
		ids = append(ids, g.ClusterID)
	}
	return logs.Group{}, usageErr("--cluster-id %s: the clusters named %s with logs are %v", id, name, ids)
}

func narrowed(o *logsOptions) string {
	switch {
	case o.node != "":
		return " for node " + o.node
	case o.group != "":
		return " for group " + o.group
	}
	return ""
}
