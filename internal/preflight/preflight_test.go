package preflight

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"github.com/aws/smithy-go"

	"github.com/hpctl/hpctl/internal/spec"
)

// quickstart is the example with three workers, for the quota cases.
func quickstart(t *testing.T) *spec.Cluster {
	t.Helper()
	b, err := os.ReadFile("../../examples/eks-quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, ds := spec.Load("cluster.yaml", []byte(strings.Replace(string(b), "count: 2", "count: 3", 1)))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return c
}

// account is a scripted Service Quotas and SageMaker: quotas by name, and
// the clusters that exist with their groups (type → current, target).
type account struct {
	quotas   map[string]float64
	clusters map[string]map[smtypes.ClusterInstanceType][2]int32
	denied   bool
}

func (a *account) ListServiceQuotas(_ context.Context, in *servicequotas.ListServiceQuotasInput, _ ...func(*servicequotas.Options)) (*servicequotas.ListServiceQuotasOutput, error) {
	if a.denied {
		return nil, &smithy.OperationError{ServiceID: "Service Quotas", OperationName: "ListServiceQuotas",
			Err: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}}
	}
	out := &servicequotas.ListServiceQuotasOutput{}
	for name, v := range a.quotas {
		out.Quotas = append(out.Quotas, sqtypes.ServiceQuota{QuotaName: aws.String(name), QuotaCode: aws.String("L-" + strings.ToUpper(name[:3])), Value: aws.Float64(v)})
	}
	return out, nil
}

func (a *account) ListAWSDefaultServiceQuotas(context.Context, *servicequotas.ListAWSDefaultServiceQuotasInput, ...func(*servicequotas.Options)) (*servicequotas.ListAWSDefaultServiceQuotasOutput, error) {
	return &servicequotas.ListAWSDefaultServiceQuotasOutput{}, nil
}

func (a *account) ListClusters(context.Context, *sagemaker.ListClustersInput, ...func(*sagemaker.Options)) (*sagemaker.ListClustersOutput, error) {
	out := &sagemaker.ListClustersOutput{}
	for name := range a.clusters {
		out.ClusterSummaries = append(out.ClusterSummaries, smtypes.ClusterSummary{ClusterName: aws.String(name), ClusterStatus: smtypes.ClusterStatusInservice})
	}
	return out, nil
}

func (a *account) DescribeCluster(_ context.Context, in *sagemaker.DescribeClusterInput, _ ...func(*sagemaker.Options)) (*sagemaker.DescribeClusterOutput, error) {
	out := &sagemaker.DescribeClusterOutput{}
	for t, n := range a.clusters[aws.ToString(in.ClusterName)] {
		out.InstanceGroups = append(out.InstanceGroups, smtypes.ClusterInstanceGroupDetails{InstanceType: t, CurrentCount: aws.Int32(n[0]), TargetCount: aws.Int32(n[1])})
	}
	return out, nil
}

func (a *account) DescribeTrainingPlan(context.Context, *sagemaker.DescribeTrainingPlanInput, ...func(*sagemaker.Options)) (*sagemaker.DescribeTrainingPlanOutput, error) {
	return nil, errors.New("no plans here")
}

// The quota arithmetic: what other clusters hold counts against the quota
// (the larger of current and target), the spec's own cluster does not (an
// update replaces its counts), and a denied read warns instead of failing.
func TestQuotas(t *testing.T) {
	typeQ, cap, total := "ml.g5.8xlarge for cluster usage", "Maximum number of instances allowed per SageMaker HyperPod cluster", "Total number of instances allowed across SageMaker HyperPod clusters"
	for _, tc := range []struct {
		name string
		a    account
		want []string
	}{
		{name: "enough", a: account{quotas: map[string]float64{typeQ: 3, cap: 10, total: 10}}},
		{name: "the spec's own cluster is not counted", a: account{quotas: map[string]float64{typeQ: 3, cap: 10, total: 10},
			clusters: map[string]map[smtypes.ClusterInstanceType][2]int32{"ml-cluster": {"ml.g5.8xlarge": {2, 2}}}}},
		{name: "another cluster's target counts", a: account{quotas: map[string]float64{typeQ: 4, cap: 10, total: 10},
			clusters: map[string]map[smtypes.ClusterInstanceType][2]int32{"other": {"ml.g5.8xlarge": {0, 2}}}},
			want: []string{`error cluster.instanceGroups[0].count: needs 3 ml.g5.8xlarge, 2 free: the quota "ml.g5.8xlarge for cluster usage" (L-ML.) is 4, and the account's other clusters (other) use 2; ask for 5 with aws service-quotas request-service-quota-increase --service-code sagemaker --quota-code L-ML. --desired-value 5 --region us-west-2`}},
		{name: "the account total", a: account{quotas: map[string]float64{typeQ: 10, cap: 10, total: 4},
			clusters: map[string]map[smtypes.ClusterInstanceType][2]int32{"other": {"ml.c5.xlarge": {2, 1}}}},
			want: []string{`error cluster.instanceGroups: needs 3 instances in all, 2 free: the quota "Total number of instances allowed across SageMaker HyperPod clusters" (L-TOT) is 4, and the account's other clusters (other) use 2; ask for 5`}},
		{name: "no such quota", a: account{quotas: map[string]float64{cap: 10, total: 10}},
			want: []string{`warning cluster.instanceGroups[0].count: Service Quotas lists no quota "ml.g5.8xlarge for cluster usage" in us-west-2`}},
		{name: "denied", a: account{denied: true},
			want: []string{`warning cluster.instanceGroups: not checked: servicequotas:ListServiceQuotas was denied (AccessDeniedException): not authorized; allow it, or skip the check with --skip-preflight quotas`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Run(context.Background(), Clients{Region: "us-west-2", Quotas: &tc.a, Capacity: &tc.a}, quickstart(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range append(rep.Errors, rep.Warnings...) {
				got = append(got, string(d.Severity)+" "+d.Path+": "+d.Message)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("got  %s\nwant %s", got[i], tc.want[i])
				}
			}
			if rep.Calls < 1 || rep.Ran[0] != "quotas" || !strings.Contains(strings.Join(rep.Skipped, ","), "zones") {
				t.Errorf("report %+v", rep)
			}
		})
	}
}
