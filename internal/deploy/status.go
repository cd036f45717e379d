package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/watch"
)

// Status is a deployment as it stands: `hpctl status`.
type Status struct {
	Stack   string            `json:"stack"`
	StackID string            `json:"stackId"`
	Status  string            `json:"status"`
	Reason  string            `json:"reason,omitempty"`
	Updated time.Time         `json:"updated"`
	Stacks  []StackStatus     `json:"stacks"`
	Outputs map[string]string `json:"outputs,omitempty"`
	Cluster *watch.Cluster    `json:"cluster,omitempty"`
	Nodes   []Node            `json:"nodes,omitempty"`
}

// StackStatus is one stack of the tree.
type StackStatus struct {
	Path      string `json:"path"`
	Status    string `json:"status"`
	Resources int    `json:"resources"`
	// Problems are resources that failed, as Path (Type): reason.
	Problems []string `json:"problems,omitempty"`
}

// Node is one instance of the HyperPod cluster.
type Node struct {
	ID     string    `json:"instanceId"`
	Group  string    `json:"instanceGroup"`
	Type   string    `json:"instanceType"`
	Status string    `json:"status"`
	Launch time.Time `json:"launchTime"`
}

// Status reads a deployment: the stack tree, outputs, cluster and nodes.
func (d *Deployer) Status(ctx context.Context, name string) (*Status, error) {
	st, err := d.describe(ctx, name)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, &Refusal{Reason: fmt.Sprintf("no stack %s in %s", name, d.Region)}
	}
	s := &Status{Stack: aws.ToString(st.StackName), StackID: aws.ToString(st.StackId), Status: string(st.StackStatus),
		Reason: aws.ToString(st.StackStatusReason), Updated: aws.ToTime(st.CreationTime)}
	if st.LastUpdatedTime != nil {
		s.Updated = *st.LastUpdatedTime
	}
	for _, o := range st.Outputs {
		if s.Outputs == nil {
			s.Outputs = map[string]string{}
		}
		s.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	if err := d.tree(ctx, s, s.StackID, s.Stack, s.Status); err != nil {
		return nil, err
	}
	if cluster := clusterOf(st); cluster != "" && !strings.HasPrefix(s.Status, "DELETE") {
		if err := d.cluster(ctx, s, cluster); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// tree adds a stack and its nested stacks, depth first.
func (d *Deployer) tree(ctx context.Context, s *Status, id, path, status string) error {
	node := StackStatus{Path: path, Status: status}
	type child struct{ id, path, status string }
	var children []child
	p := cloudformation.NewListStackResourcesPaginator(d.CFN, &cloudformation.ListStackResourcesInput{StackName: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the resources of %s: %w", path, err)
		}
		for _, r := range page.StackResourceSummaries {
			logical, typ := aws.ToString(r.LogicalResourceId), aws.ToString(r.ResourceType)
			if logical == "" {
				continue
			}
			node.Resources++
			if strings.HasSuffix(string(r.ResourceStatus), "_FAILED") {
				node.Problems = append(node.Problems, fmt.Sprintf("%s/%s (%s): %s", path, logical, typ, aws.ToString(r.ResourceStatusReason)))
			}
			if physical := aws.ToString(r.PhysicalResourceId); typ == "AWS::CloudFormation::Stack" && physical != "" {
				children = append(children, child{physical, path + "/" + logical, string(r.ResourceStatus)})
			}
		}
	}
	s.Stacks = append(s.Stacks, node)
	for _, c := range children {
		if err := d.tree(ctx, s, c.id, c.path, c.status); err != nil {
			return err
		}
	}
	return nil
}

// cluster adds the HyperPod cluster and its nodes.
func (d *Deployer) cluster(ctx context.Context, s *Status, name string) error {
	out, err := d.SM.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(name)})
	if cloud.ClusterMissing(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe cluster %s: %w", name, err)
	}
	c := &watch.Cluster{Time: d.now(), Name: aws.ToString(out.ClusterName), Status: string(out.ClusterStatus),
		FailureMessage: aws.ToString(out.FailureMessage)}
	for _, g := range out.InstanceGroups {
		c.Groups = append(c.Groups, watch.GroupState{Name: aws.ToString(g.InstanceGroupName), Type: string(g.InstanceType),
			Status: string(g.Status), Current: aws.ToInt32(g.CurrentCount), Target: aws.ToInt32(g.TargetCount)})
	}
	s.Cluster = c
	p := sagemaker.NewListClusterNodesPaginator(d.SM, &sagemaker.ListClusterNodesInput{ClusterName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list the nodes of %s: %w", name, err)
		}
		for _, n := range page.ClusterNodeSummaries {
			node := Node{ID: aws.ToString(n.InstanceId), Group: aws.ToString(n.InstanceGroupName), Type: string(n.InstanceType),
				Launch: aws.ToTime(n.LaunchTime)}
			if n.InstanceStatus != nil {
				node.Status = string(n.InstanceStatus.Status)
			}
			s.Nodes = append(s.Nodes, node)
		}
	}
	return nil
}
