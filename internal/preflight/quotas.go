package preflight

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"golang.org/x/sync/errgroup"
)

// HyperPod's quotas in Service Quotas (service code sagemaker), found by
// name because their codes are not documented and differ by type: the
// SageMaker HyperPod prerequisites' "quotas" section names
// "<instance type> for cluster usage" per type, a cap on the instances of
// one cluster and a total across the account's clusters.
func typeQuota(instanceType string) string { return instanceType + " for cluster usage" }

func isClusterCap(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "instances") && strings.Contains(n, "per sagemaker hyperpod cluster")
}

func isAccountTotal(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "instances") && strings.Contains(n, "across sagemaker hyperpod clusters")
}

// quota is one quota found, with the clusters that use it.
type quota struct {
	code, name string
	value      int
}

// quotas checks each instance type's quota, the per-cluster cap and the
// account total against what the spec needs on top of what the account's
// other HyperPod clusters use. Groups on a training plan use its reserved
// capacity, not the on-demand quota of their type; they still count toward
// the caps.
func (r *run) quotas(ctx context.Context) {
	found, err := r.findQuotas(ctx)
	if err != nil {
		r.unchecked(ctx, "quotas", "cluster.instanceGroups", err)
		return
	}
	used, users, err := r.usage(ctx)
	if err != nil {
		r.unchecked(ctx, "quotas", "cluster.instanceGroups", err)
		return
	}
	needType, firstPath, total := map[string]int{}, map[string]string{}, 0
	for _, g := range groupsOf(r.s) {
		total += g.count
		if g.plan != "" || g.count == 0 {
			continue
		}
		needType[g.instanceType] += g.count
		if _, ok := firstPath[g.instanceType]; !ok {
			firstPath[g.instanceType] = g.path + ".count"
		}
	}
	for _, t := range slices.Sorted(maps.Keys(needType)) {
		q, ok := found[typeQuota(t)]
		if !ok {
			r.warnf(firstPath[t], "Service Quotas lists no quota %q in %s, so hpctl cannot say whether the account may run %d; check it in the Service Quotas console", typeQuota(t), r.c.Region, needType[t])
			continue
		}
		r.enough(firstPath[t], fmt.Sprintf("%d %s", needType[t], t), needType[t], used[t], users[t], q)
	}
	groupsPath := "cluster.instanceGroups"
	for name, q := range found {
		switch {
		case isClusterCap(name) && total > q.value:
			r.errf(groupsPath, "the groups add up to %d instances; the quota %q (%s) allows %d in one cluster: ask for %d with %s",
				total, q.name, q.code, q.value, total, increase(q.code, total, r.c.Region))
		case isAccountTotal(name):
			r.enough(groupsPath, fmt.Sprintf("%d instances in all", total), total, used[""], users[""], q)
		}
	}
}

// enough reports a quota with fewer free than needed.
func (r *run) enough(path, what string, need, used int, users []string, q quota) {
	free := max(q.value-used, 0)
	if need <= free {
		return
	}
	by := ""
	if used > 0 {
		by = fmt.Sprintf(", and the account's other clusters (%s) use %d", strings.Join(users, ", "), used)
	}
	r.errf(path, "needs %s, %d free: the quota %q (%s) is %d%s; ask for %d with %s",
		what, free, q.name, q.code, q.value, by, used+need, increase(q.code, used+need, r.c.Region))
}

func increase(code string, value int, region string) string {
	return fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code %s --desired-value %d --region %s", code, value, region)
}

// findQuotas reads SageMaker's applied quotas, and its defaults for those
// with no applied value (ListServiceQuotas leaves those out, the Service
// Quotas API reference says).
func (r *run) findQuotas(ctx context.Context) (map[string]quota, error) {
	found := map[string]quota{}
	keep := func(qs []sqtypes.ServiceQuota) {
		for _, q := range qs {
			name := aws.ToString(q.QuotaName)
			if _, ok := found[name]; !ok {
				found[name] = quota{code: aws.ToString(q.QuotaCode), name: name, value: int(aws.ToFloat64(q.Value))}
			}
		}
	}
	applied := servicequotas.NewListServiceQuotasPaginator(r.c.Quotas, &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("sagemaker"), MaxResults: aws.Int32(100)})
	for applied.HasMorePages() {
		r.called()
		page, err := applied.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		keep(page.Quotas)
	}
	if r.quotasMissing(found) {
		defaults := servicequotas.NewListAWSDefaultServiceQuotasPaginator(r.c.Quotas, &servicequotas.ListAWSDefaultServiceQuotasInput{ServiceCode: aws.String("sagemaker"), MaxResults: aws.Int32(100)})
		for defaults.HasMorePages() {
			r.called()
			page, err := defaults.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			keep(page.Quotas)
		}
	}
	return found, nil
}

// quotasMissing reports whether a quota the check reads is not among found.
func (r *run) quotasMissing(found map[string]quota) bool {
	for _, g := range groupsOf(r.s) {
		if _, ok := found[typeQuota(g.instanceType)]; !ok && g.plan == "" {
			return true
		}
	}
	var cap, total bool
	for name := range found {
		cap, total = cap || isClusterCap(name), total || isAccountTotal(name)
	}
	return !cap || !total
}

// usage is what the account's HyperPod clusters other than this spec's
// hold, by instance type ("" for all), and their names. A group holds the
// larger of its current and target counts: a target not yet reached is
// already asked for.
func (r *run) usage(ctx context.Context) (map[string]int, map[string][]string, error) {
	var names []string
	p := sagemaker.NewListClustersPaginator(r.c.Capacity, &sagemaker.ListClustersInput{})
	for p.HasMorePages() {
		r.called()
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range page.ClusterSummaries {
			name := aws.ToString(c.ClusterName)
			if name != r.s.Metadata.Name && c.ClusterStatus != smtypes.ClusterStatusFailed && c.ClusterStatus != smtypes.ClusterStatusDeleting {
				names = append(names, name)
			}
		}
	}
	described := make([]*sagemaker.DescribeClusterOutput, len(names))
	var g errgroup.Group
	g.SetLimit(8)
	for i, name := range names {
		g.Go(func() error { // each writes its own described[i]
			r.called()
			out, err := r.c.Capacity.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(name)})
			described[i] = out
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	used, users := map[string]int{}, map[string][]string{}
	for i, out := range described {
		for _, grp := range out.InstanceGroups {
			n := int(max(aws.ToInt32(grp.CurrentCount), aws.ToInt32(grp.TargetCount)))
			if n == 0 {
				continue
			}
			for _, key := range []string{string(grp.InstanceType), ""} {
				used[key] += n
				if !slices.Contains(users[key], names[i]) {
					users[key] = append(users[key], names[i])
				}
			}
		}
	}
	return used, users, nil
}
