package deploy

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

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
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	limit := make(chan struct{}, 8)
	for i := range out {
		if !clusters || made[i] == "" {
			continue
		}
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			c, err := describeCluster(ctx, d.SM, made[i], d.now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
			case c != nil:
				out[i].ClusterStatus, out[i].Groups = c.Status, c.Groups
			default:
				out[i].ClusterStatus = "absent"
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
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
		bucket, _, _ := strings.Cut(u.Host, ".")
		if bucket == "s3" || strings.HasPrefix(bucket, "s3-") || bucket == "127" || bucket == "localhost" {
			bucket, _, _ = strings.Cut(strings.TrimPrefix(u.Path, "/"), "/") // path-style
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
	var mu sync.Mutex
	var wg sync.WaitGroup
	found = []Deployment{}
	limit := make(chan struct{}, 6)
	for _, d := range ds {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			list, lerr := d.List(ctx, true)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case lerr != nil && notEnabled(lerr):
				unread = append(unread, d.Region)
			case lerr != nil && err == nil:
				err = fmt.Errorf("list the deployments in %s: %w", d.Region, lerr)
			default:
				found = append(found, list...)
			}
		})
	}
	wg.Wait()
	slices.Sort(unread)
	slices.SortStableFunc(found, func(a, b Deployment) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	return found, unread, err
}

func notEnabled(err error) bool {
	switch cloud.Code(err) {
	case "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure", "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}
