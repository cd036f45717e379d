package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
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
	// Template is the main template the deployment runs, as its tags record it.
	Template *Template      `json:"template,omitempty"`
	Cluster  *watch.Cluster `json:"cluster,omitempty"`
	// ClusterGone names the cluster the stack made that does not exist.
	ClusterGone string `json:"clusterGone,omitempty"`
	Nodes       []Node `json:"nodes,omitempty"`
	// RootCause is what a stack that failed or rolled back died of, found
	// in its last operation's events as a watch finds it.
	RootCause *watch.Cause `json:"rootCause,omitempty"`
}

// StackStatus is one stack of the tree.
type StackStatus struct {
	Path      string `json:"path"`
	Status    string `json:"status"`
	Resources int    `json:"resources"`
	// Unknown marks a nested stack of the main stack that hpctl's catalog
	// does not know (a newer template's).
	Unknown bool `json:"unknown,omitempty"`
	// Problems are resources that failed, as Path (Type): reason.
	Problems []string `json:"problems,omitempty"`
}

// Template identifies the main template a deployment runs.
type Template struct {
	URL        string `json:"url"`
	SHA256     string `json:"sha256,omitempty"`
	Parameters int    `json:"parameters,omitempty"`
}

// templateOf reads the template a stack records in its tags (nil for a
// stack hpctl did not deploy, or deployed before it recorded one).
func templateOf(st *cftypes.Stack) *Template {
	var t Template
	for _, tag := range st.Tags {
		switch aws.ToString(tag.Key) {
		case plan.TagTemplate:
			t.URL = aws.ToString(tag.Value)
		case plan.TagTemplateID:
			for _, f := range strings.Fields(aws.ToString(tag.Value)) {
				k, v, _ := strings.Cut(f, "=")
				switch k {
				case "sha256":
					t.SHA256 = v
				case "parameters":
					t.Parameters, _ = strconv.Atoi(v)
				}
			}
		}
	}
	if t.URL == "" {
		return nil
	}
	return &t
}

// Node is one instance of the HyperPod cluster.
type Node struct {
	ID     string    `json:"instanceId"`
	Group  string    `json:"instanceGroup"`
	Type   string    `json:"instanceType"`
	Status string    `json:"status"`
	Launch time.Time `json:"launchTime,omitzero"` // none for a node not launched yet
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
		Reason: aws.ToString(st.StackStatusReason), Updated: aws.ToTime(st.CreationTime), Outputs: cloud.Outputs(st), Template: templateOf(st)}
	if st.LastUpdatedTime != nil {
		s.Updated = *st.LastUpdatedTime
	}
	t := &Target{StackName: s.Stack, StackID: s.StackID, Orchestrator: orchestratorOf(st, cloud.Parameters(st))}
	if err := d.walk(ctx, t, s.StackID, s.Stack); err != nil {
		return nil, err
	}
	s.Stacks = tree(t, s.Status)
	if failed(s.Status) {
		// A replay of the last operation, shown to no one: its summary
		// names the cause.
		sum, err := d.watcher(watch.Options{Stack: s.StackID, FromOperationStart: true}).Run(ctx, func(watch.Update) {})
		if err != nil {
			return nil, err
		}
		s.RootCause = sum.RootCause
	}
	if cluster := clusterOf(st); cluster != "" && !strings.HasPrefix(s.Status, "DELETE") {
		if s.Cluster, err = describeCluster(ctx, d.SM, cluster, d.now); err != nil {
			return nil, err
		}
		if s.Cluster != nil {
			if s.Nodes, err = d.nodes(ctx, cluster); err != nil {
				return nil, err
			}
		} else if strings.HasSuffix(s.Status, "_COMPLETE") {
			s.ClusterGone = cluster
		}
	}
	return s, nil
}

// tree lays the walked resources out as stacks, depth first, each with its
// resource count and failures; a nested stack's status is its resource's.
func tree(t *Target, rootStatus string) []StackStatus {
	nodes := map[string]*StackStatus{t.StackName: {Path: t.StackName, Status: rootStatus}}
	children := map[string][]string{}
	for _, r := range t.resources {
		if r.typ == stackType && strings.HasPrefix(r.physicalID, "arn:") {
			path := r.path + "/" + r.logicalID
			nodes[path] = &StackStatus{Path: path, Status: r.status, Unknown: r.stackID == t.StackID && !known(t.Orchestrator, r.logicalID)}
			children[r.path] = append(children[r.path], path)
		}
	}
	for _, r := range t.resources {
		n := nodes[r.path]
		n.Resources++
		if strings.HasSuffix(r.status, "_FAILED") {
			n.Problems = append(n.Problems, fmt.Sprintf("%s/%s (%s): %s", r.path, r.logicalID, r.typ, r.reason))
		}
	}
	var out []StackStatus
	var visit func(string)
	visit = func(path string) {
		out = append(out, *nodes[path])
		for _, c := range children[path] {
			visit(c)
		}
	}
	visit(t.StackName)
	return out
}

// nodes lists the instances of a cluster.
func (d *Deployer) nodes(ctx context.Context, cluster string) ([]Node, error) {
	var out []Node
	p := sagemaker.NewListClusterNodesPaginator(d.SM, &sagemaker.ListClusterNodesInput{ClusterName: aws.String(cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the nodes of %s: %w", cluster, err)
		}
		for _, n := range page.ClusterNodeSummaries {
			node := Node{ID: aws.ToString(n.InstanceId), Group: aws.ToString(n.InstanceGroupName), Type: string(n.InstanceType),
				Launch: aws.ToTime(n.LaunchTime)}
			if n.InstanceStatus != nil {
				node.Status = string(n.InstanceStatus.Status)
			}
			out = append(out, node)
		}
	}
	return out, nil
}

// failed reports a stack status an operation ended in without success.
func failed(status string) bool {
	return strings.HasSuffix(status, "_FAILED") || strings.Contains(status, "ROLLBACK_COMPLETE")
}
