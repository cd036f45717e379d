package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/fsx"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"github.com/hpctl/hpctl/internal/cloud"
)

// What preflight reads, through the real SDK: SageMaker's quotas by name,
// paged, with the settings' applied values over the defaults; a training
// plan with its reserved capacity; FSx's answer for a file system that is
// not there.
func TestPreflightReads(t *testing.T) {
	two := 2
	f := setup(t, Settings{Quotas: map[string]float64{"ml.g5.8xlarge for cluster usage": 3},
		TrainingPlans: []TrainingPlan{{Name: "p5-plan", InstanceType: "ml.p5.48xlarge", ZoneID: "usw2-az2", Total: 4, Available: &two}}})

	applied, defaults := map[string]float64{}, map[string]float64{}
	pages := 0
	p := servicequotas.NewListServiceQuotasPaginator(f.c.Quotas, &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("sagemaker"), MaxResults: aws.Int32(50)})
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, q := range page.Quotas {
			if !strings.HasPrefix(aws.ToString(q.QuotaCode), "L-") || aws.ToString(q.ServiceCode) != "sagemaker" {
				t.Errorf("quota %+v", q)
			}
			applied[aws.ToString(q.QuotaName)] = aws.ToFloat64(q.Value)
		}
	}
	d := servicequotas.NewListAWSDefaultServiceQuotasPaginator(f.c.Quotas, &servicequotas.ListAWSDefaultServiceQuotasInput{ServiceCode: aws.String("sagemaker")})
	for d.HasMorePages() {
		page, err := d.NextPage(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range page.Quotas {
			defaults[aws.ToString(q.QuotaName)] = aws.ToFloat64(q.Value)
		}
	}
	if pages < 2 || applied["ml.g5.8xlarge for cluster usage"] != 3 || defaults["ml.g5.8xlarge for cluster usage"] <= 3 ||
		applied["ml.p5.48xlarge for cluster usage"] == 0 || applied["Maximum number of instances allowed per SageMaker HyperPod cluster"] == 0 {
		t.Errorf("%d pages; applied %v", pages, applied)
	}

	plan, err := f.c.SageMaker.DescribeTrainingPlan(f.ctx, &sagemaker.DescribeTrainingPlanInput{TrainingPlanName: aws.String("p5-plan")})
	if err != nil {
		t.Fatal(err)
	}
	rc := plan.ReservedCapacitySummaries
	if plan.Status != smtypes.TrainingPlanStatusActive || aws.ToInt32(plan.AvailableInstanceCount) != 2 || len(rc) != 1 ||
		aws.ToString(rc[0].AvailabilityZoneId) != "usw2-az2" || aws.ToString(rc[0].AvailabilityZone) == "" || rc[0].InstanceType != "ml.p5.48xlarge" {
		t.Errorf("plan %+v", plan)
	}
	if _, err := f.c.SageMaker.DescribeTrainingPlan(f.ctx, &sagemaker.DescribeTrainingPlanInput{TrainingPlanName: aws.String("nope")}); cloud.Code(err) != "ResourceNotFound" {
		t.Errorf("missing plan: %v", err)
	}
	if _, err := f.c.FSx.DescribeFileSystems(f.ctx, &fsx.DescribeFileSystemsInput{FileSystemIds: []string{"fs-0123456789abcdef0"}}); cloud.Code(err) != "FileSystemNotFound" {
		t.Errorf("missing file system: %v", err)
	}
}
