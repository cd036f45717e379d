package deploy

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"golang.org/x/sync/errgroup"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/watch"
)

// Deployment is one main stack hpctl made (by its ownership tags), with its
// HyperPod cluster's state.
type Deployment struct {
	Name          string             `json:"name"`
	Stack         string             `json:"stack"`
	Region        string             `json:"region"`
	Orchestrator  string             `json:"orchestrator"`
	StackStatus   string             `json:"stackStatus"`
	ClusterStatus string             `json:"clusterStatus,omitempty"`
	Groups        []watch.GroupState `json:"instanceGroups,omitempty"`
	Template      string             `json:"template,omitempty"`
	Created       time.Time          `json:"created"`
}

// List finds the deployments hpctl made in the deployer's region: the root
// stacks with hpctl's cluster tag, oldest first, each with its cluster when
// clusters is set (read at once, a few at a time).
func (d *Deployer) List(ctx context.Context, clusters bool) ([]Deployment, error) {
	out := []Deployment{}
	var made []string // the cluster each deployment makes ("" for none)
	p := cloudformation.NewDescribeStacksPaginator(d.CFN, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, st := range page.Stacks {
			tags := map[string]string{}
			for _, t := range st.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			name, ok := tags[plan.TagCluster]
			if !ok || st.ParentId != nil {
				continue // not hpctl's, or a nested stack of a deployment
			}
			out = append(out, Deployment{Name: name, Stack: aws.ToString(st.StackName), Region: d.Region,
				Orchestrator: orchestratorOf(&st, cloud.Parameters(&st)), StackStatus: string(st.StackStatus),
				Template: templateLabel(templateOf(&st)), Created: aws.ToTime(st.CreationTime)})
			made = append(made, clusterOf(&st))
		}
	}
	out, made = mainStacks(out, made)
	var g errgroup.Group
	g.SetLimit(8)
	for i := range out {
		if !clusters || made[i] == "" {
			continue
		}
		g.Go(func() error { // each writes its own out[i]
			c, err := describeCluster(ctx, d.SM, made[i], d.now)
			switch {
			case err != nil:
				return err
			case c != nil:
				out[i].ClusterStatus, out[i].Groups = c.Status, c.Groups
			default:
				out[i].ClusterStatus = "absent"
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Deployment) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// mainStacks drops the companion stacks (the Slurm SSM document stack),
// which carry their deployment's tags but are not deployments of their own.
func mainStacks(out []Deployment, made []string) ([]Deployment, []string) {
	names := map[string]bool{}
	for _, d := range out {
		names[d.Stack] = true
	}
	companion := func(name string) bool {
		for _, cat := range []*catalog.Orchestration{catalog.EKS(), catalog.Slurm()} {
			for _, s := range cat.Stacks {
				if s.Kind != catalog.Companion {
					continue
				}
				prefix, suffix, _ := strings.Cut(s.TopLevelName, "<stack>")
				if main, ok := strings.CutSuffix(strings.TrimPrefix(name, prefix), suffix); ok && main != name && names[main] {
					return true
				}
			}
		}
		return false
	}
	var keep []Deployment
	var keepMade []string
	for i, d := range out {
		if !companion(d.Stack) {
			keep, keepMade = append(keep, d), append(keepMade, made[i])
		}
	}
	if keep == nil {
		keep = []Deployment{}
	}
	return keep, keepMade
}

// templateLabel says which template a deployment runs as a user would: the
// hosted stage or the custom bucket, and the start of its sha256.
func templateLabel(t *Template) string {
	if t == nil || t.URL == "" {
		return ""
	}
	where := t.URL
	if u, err := url.Parse(t.URL); err == nil {
		// Virtual-hosted URLs name the bucket first (B.s3.REGION…); any
		// other endpoint (a VPC endpoint, an emulator) names it first in the path.
		bucket, rest, _ := strings.Cut(u.Host, ".")
		if !strings.HasPrefix(rest, "s3.") && !strings.HasPrefix(rest, "s3-") {
			bucket, _, _ = strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		}
		where = "bucket " + bucket
		if strings.HasPrefix(bucket, "aws-sagemaker-hyperpod-cluster-setup-") {
			where = "hosted " + bucket[strings.LastIndexByte(bucket, '-')+1:]
		}
	}
	if t.SHA256 != "" {
		where += " @" + t.SHA256[:min(8, len(t.SHA256))]
	}
	return where
}

// ListRegions lists the deployments of each deployer's region at once, by
// region and age. A region the account cannot call (an opt-in region not
// enabled refuses the credentials, or the call is denied there) is named in
// unread rather than failing the whole list.
func ListRegions(ctx context.Context, ds []*Deployer) (found []Deployment, unread []string, err error) {
	lists, closed := make([][]Deployment, len(ds)), make([]bool, len(ds))
	var g errgroup.Group
	g.SetLimit(6)
	for i, d := range ds {
		g.Go(func() error {
			list, err := d.List(ctx, true)
			switch {
			case err != nil && cloud.RegionClosed(err):
				closed[i] = true
			case err != nil:
				return fmt.Errorf("list the deployments in %s: %w", d.Region, err)
			}
			lists[i] = list
			return nil
		})
	}
	err = g.Wait()
	found = []Deployment{}
	for i, d := range ds {
		if closed[i] {
			unread = append(unread, d.Region)
		}
		found = append(found, lists[i]...)
	}
	slices.Sort(unread)
	slices.SortStableFunc(found, func(a, b Deployment) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	return found, unread, err
}
