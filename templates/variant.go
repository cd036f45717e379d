package templates

import (
	"fmt"
	"regexp"
	"strings"
)

var kubernetesDefault = regexp.MustCompile(`(?m)(^  KubernetesVersion:\n    Type: String\n    Default: )'[0-9.]+'`)

// Variant is the EKS main stand-in as a newer hosted main stack might be:
// S3EndpointStack renamed to S3GatewayEndpointStack, a nested stack
// ExtraAuditStack added (after VPCStack, reading its output), a parameter
// AuditLevel added and the KubernetesVersion default moved to 1.99. Tests
// plan it to show that plans follow the template and report each drift.
func Variant() ([]byte, error) {
	body, err := Read("eks", "main-stack-eks-based-template.yaml")
	if err != nil {
		return nil, err
	}
	text := kubernetesDefault.ReplaceAllString(string(body), "${1}'1.99'")
	for _, r := range [][2]string{
		{"\n  S3EndpointStack:\n", "\n  S3GatewayEndpointStack:\n"},
		{"\nParameters:\n", "\nParameters:\n  AuditLevel:\n    Type: String\n    Default: basic\n    AllowedValues: [basic, full]\n"},
		{"\nResources:\n", "\nResources:\n" + `  ExtraAuditStack:
    Type: AWS::CloudFormation::Stack
    Condition: CreateVPCStackCondition
    Properties:
      TemplateURL: !Sub https://aws-sagemaker-hyperpod-cluster-setup-${AWS::Region}-${Stage}.s3.${AWS::Region}.amazonaws.com/templates/audit-template.yaml
      Parameters:
        VpcId: !If [CreateVPCStackCondition, !GetAtt VPCStack.Outputs.VpcId, !Ref VpcId]
        Level: !Ref AuditLevel
`},
	} {
		if !strings.Contains(text, r[0]) {
			return nil, fmt.Errorf("the EKS main stand-in has no %q to vary", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	return []byte(text), nil
}
