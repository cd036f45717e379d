package emulator

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// The EKS and Prometheus types of the hosted templates, shaped as the
// hosted eks-template, helm-chart, hpto and observability templates use
// them.
const eksTypes = `Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.3.0.0/16}}
  SubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.3.1.0/24, AvailabilityZone: !Select [0, !GetAZs ""]}}
  SubnetB: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.3.2.0/24, AvailabilityZone: !Select [1, !GetAZs ""]}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: g, VpcId: !Ref Vpc}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: eks-types-role
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Allow, Principal: {Service: [eks.amazonaws.com]}, Action: [sts:AssumeRole]}]
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: types-eks
      Version: "1.31"
      RoleArn: !GetAtt Role.Arn
      AccessConfig: {AuthenticationMode: API_AND_CONFIG_MAP}
      Logging: {ClusterLogging: {EnabledTypes: [{Type: api}, {Type: audit}]}}
      ResourcesVpcConfig: {SubnetIds: [!Ref SubnetA, !Ref SubnetB], SecurityGroupIds: [!Ref Group]}
  Cni: {Type: AWS::EKS::Addon, Properties: {AddonName: vpc-cni, ClusterName: !Ref Cluster, ResolveConflicts: OVERWRITE}}
  Entry:
    Type: AWS::EKS::AccessEntry
    Properties:
      ClusterName: !Ref Cluster
      PrincipalArn: !GetAtt Role.Arn
      AccessPolicies:
      - PolicyArn: arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy
        AccessScope: {Type: cluster}
  Association: {Type: AWS::EKS::PodIdentityAssociation, Properties: {ClusterName: !Ref Cluster, Namespace: kube-system, ServiceAccount: hpto, RoleArn: !GetAtt Role.Arn}}
  Workspace: {Type: AWS::APS::Workspace, Properties: {Alias: types-prometheus}}
Outputs:
  Name: {Value: !Ref Cluster}
  Arn: {Value: !GetAtt Cluster.Arn}
  Issuer: {Value: !GetAtt Cluster.OpenIdConnectIssuerUrl}
  ClusterGroup: {Value: !GetAtt Cluster.ClusterSecurityGroupId}
  AddonRef: {Value: !Ref Cni}
  AddonArn: {Value: !GetAtt Cni.Arn}
  EntryRef: {Value: !Ref Entry}
  EntryArn: {Value: !GetAtt Entry.AccessEntryArn}
  AssociationRef: {Value: !Ref Association}
  AssociationId: {Value: !GetAtt Association.AssociationId}
  WorkspaceRef: {Value: !Ref Workspace}
  WorkspaceEndpoint: {Value: !GetAtt Workspace.PrometheusEndpoint}
  WorkspaceId: {Value: !GetAtt Workspace.WorkspaceId}
`

func TestEKSAndPrometheusTypes(t *testing.T) {
	f := setup(t, Settings{})
	id := f.createIAM("eks-types", eksTypes)
	s := f.settle(id)
	if s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	out := outputs(s)
	for key, pattern := range map[string]string{
		"Name":              `^types-eks$`,
		"Arn":               `^arn:aws:eks:REGION:123456789012:cluster/types-eks$`,
		"Issuer":            `^https://oidc\.eks.REGION.amazonaws\.com/id/[0-9A-F]{32}$`,
		"ClusterGroup":      `^sg-[0-9a-f]+$`,
		"AddonRef":          `^types-eks\|vpc-cni$`,
		"AddonArn":          `^arn:aws:eks:REGION:123456789012:addon/types-eks/vpc-cni/[0-9a-f-]{36}$`,
		"EntryRef":          `^types-eks\|arn:aws:iam::123456789012:role/eks-types-role$`,
		"EntryArn":          `^arn:aws:eks:REGION:123456789012:access-entry/types-eks/role/eks-types-role/[0-9a-f-]{36}$`,
		"AssociationRef":    `^arn:aws:eks:REGION:123456789012:podidentityassociation/types-eks/a-[0-9a-z]{17}$`,
		"AssociationId":     `^a-[0-9a-z]{17}$`,
		"WorkspaceRef":      `^arn:aws:aps:REGION:123456789012:workspace/ws-[0-9a-f-]+$`,
		"WorkspaceEndpoint": `^https://aps-workspaces.REGION.amazonaws\.com/workspaces/ws-[0-9a-f-]+/$`,
		"WorkspaceId":       `^ws-[0-9a-f-]+$`,
	} {
		pattern = strings.ReplaceAll(pattern, "REGION", regexp.QuoteMeta(Region))
		if !regexp.MustCompile(pattern).MatchString(out[key]) {
			t.Errorf("output %s = %q, want %s", key, out[key], pattern)
		}
	}
	if !strings.HasSuffix(out["AssociationRef"], out["AssociationId"]) {
		t.Errorf("association %s is not %s", out["AssociationRef"], out["AssociationId"])
	}

	// Another stack cannot add what the cluster has already.
	for name, tc := range map[string]struct{ resource, reason string }{
		"addon-twice": {"{Type: AWS::EKS::Addon, Properties: {AddonName: vpc-cni, ClusterName: types-eks}}",
			`Again CREATE_FAILED ResourceInUseException: Resource handler returned message: "Addon already exists." (Service: Eks, Status Code: 409)`},
		"association-twice": {"{Type: AWS::EKS::PodIdentityAssociation, Properties: {ClusterName: types-eks, Namespace: kube-system, ServiceAccount: hpto, RoleArn: arn:aws:iam::123456789012:role/eks-types-role}}",
			`Again CREATE_FAILED ResourceInUseException: Resource handler returned message: "Association already exists: ` + out["AssociationRef"]},
	} {
		twice := f.create(name, "Resources:\n  Again: "+tc.resource+"\n")
		if s := f.settle(twice); s.StackStatus != cftypes.StackStatusRollbackComplete || !strings.Contains(strings.Join(f.events(twice), "\n"), tc.reason) {
			t.Errorf("%s: %s, want %q in\n%s", name, s.StackStatus, tc.reason, strings.Join(f.events(twice), "\n"))
		}
	}

	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	// The cluster went with its stack: a new one of the same name can be made.
	if s := f.settle(f.createIAM("eks-types-again", eksTypes)); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("the cluster outlived its stack: %s", s.StackStatus)
	}
}

func TestEKSTypesRefuseWhatEKSRefuses(t *testing.T) {
	f := setup(t, Settings{})
	for name, tc := range map[string]struct{ from, to, reason string }{
		"subnets in one zone": {`AvailabilityZone: !Select [1, !GetAZs ""]`, `AvailabilityZone: !Select [0, !GetAZs ""]`,
			`Cluster CREATE_FAILED InvalidParameterException: Resource handler returned message: "Subnets specified must be in at least two different AZs" (Service: Eks, Status Code: 400)`},
		"subnets as a string": {"SubnetIds: [!Ref SubnetA, !Ref SubnetB]", `SubnetIds: !Join [",", [!Ref SubnetA, !Ref SubnetB]]`,
			"Cluster CREATE_FAILED Properties validation failed for resource Cluster with message: #/ResourcesVpcConfig/SubnetIds: expected type: JSONArray, found: String"},
		"an unknown authentication mode": {"AuthenticationMode: API_AND_CONFIG_MAP", "AuthenticationMode: IAM",
			"Cluster CREATE_FAILED Properties validation failed for resource Cluster with message: #/AccessConfig/AuthenticationMode: failed validation constraint for keyword [enum]"},
		"an unsupported version": {`Version: "1.31"`, `Version: "1.20"`,
			`Cluster CREATE_FAILED InvalidParameterException: Resource handler returned message: "unsupported Kubernetes version 1.20"`},
		"a cluster without a role": {"RoleArn: !GetAtt Role.Arn\n      AccessConfig", "AccessConfig",
			"Cluster CREATE_FAILED Properties validation failed for resource Cluster with message: #: required key [RoleArn] not found"},
		"an unknown add-on": {"AddonName: vpc-cni", "AddonName: vpc-cnii",
			`Cni CREATE_FAILED InvalidParameterException: Resource handler returned message: "Addon vpc-cnii specified is not supported in 1.31 kubernetes version"`},
		"an add-on without its cluster": {"AddonName: vpc-cni, ClusterName: !Ref Cluster", "AddonName: vpc-cni, ClusterName: nowhere",
			`Cni CREATE_FAILED ResourceNotFoundException: Resource handler returned message: "No cluster found for name: nowhere." (Service: Eks, Status Code: 404)`},
		"an access entry on a CONFIG_MAP cluster": {"AuthenticationMode: API_AND_CONFIG_MAP", "AuthenticationMode: CONFIG_MAP",
			`Entry CREATE_FAILED InvalidRequestException: Resource handler returned message: "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."`},
		"an access scope of no kind": {"AccessScope: {Type: cluster}", "AccessScope: {Type: everything}",
			"Entry CREATE_FAILED Properties validation failed for resource Entry with message: #/AccessPolicies/0/AccessScope/Type: failed validation constraint for keyword [enum]"},
		"an association without a service account": {", ServiceAccount: hpto", "",
			"Association CREATE_FAILED Properties validation failed for resource Association with message: #: required key [ServiceAccount] not found"},
		"a workspace alias too long": {"Alias: types-prometheus", "Alias: " + strings.Repeat("p", 101),
			"Workspace CREATE_FAILED Properties validation failed for resource Workspace with message: #/Alias: expected maxLength: 100, actual: 101"},
	} {
		template := strings.Replace(eksTypes, tc.from, tc.to, 1)
		if template == eksTypes {
			t.Fatalf("%s: %q is not in the template", name, tc.from)
		}
		// Each stack its own cluster name, so that none meets another's.
		template = strings.ReplaceAll(strings.ReplaceAll(template, "types-eks", "bad-eks"), "eks-types-role", "bad-"+strings.ReplaceAll(name, " ", "-"))
		template = strings.ReplaceAll(template, "bad-eks", "bad-"+strings.ReplaceAll(name, " ", "-"))
		id := f.createIAM(strings.ReplaceAll(name, " ", "-"), template)
		if s := f.settle(id); s.StackStatus != cftypes.StackStatusRollbackComplete || !strings.Contains(strings.Join(f.events(id), "\n"), tc.reason) {
			t.Errorf("%s: %s, want %q in\n%s", name, s.StackStatus, tc.reason, strings.Join(f.events(id), "\n"))
		}
	}
}

// createIAM creates a stack whose template names its IAM role.
func (f *fixture) createIAM(name, body string) string {
	f.t.Helper()
	out, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(body),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityNamedIam},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.StackId)
}
