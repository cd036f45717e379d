package catalog

// ampRegions are the regions of the EKS main stack's AMPRegionMapping (16
// since 2026: ca-central-1 and ap-northeast-2 were dropped): the
// observability custom resource exists only there, whatever the switch says.
// The plan reads the live template's own mapping; this is hpctl's knowledge
// of it, held against the template's decision as drift.
var ampRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "eu-central-1",
	"eu-west-1", "eu-west-2", "eu-north-1", "eu-south-2", "sa-east-1",
}

// EKS is the hosted EKS main stack, main-stack-eks-based-template.yaml,
// newest known version (288892733c, 2026: 150 parameters, 23 nested stacks).
func EKS() *Orchestration {
	hp := and(isTrue("CreateHyperPodClusterStack"), not(and(isTrue("CreateEKSClusterStack"), isFalse("CreateHelmChartStack"))))
	helmInference := and(isTrue("EnableHPInferenceFeature"), isFalse("EnableHPInferenceAddonFeature"))
	return &Orchestration{
		Name:         "eks",
		MainTemplate: "main-stack-eks-based-template.yaml",
		Prefix:       "templates",
		Version:      "2026-04, 288892733c: 150 parameters, 23 nested stacks",
		// AUTO_EXPAND because the template uses the AWS::LanguageExtensions transform.
		Capabilities: []string{"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"},
		Stacks: []Stack{
			{Name: "VPCStack", LogicalIDs: []string{"VPCStack"}, Kind: Nested, Template: "vpc-template.yaml",
				Switch: "CreateVPCStack", When: isTrue("CreateVPCStack"), Core: true,
				Creates: "VPC, internet gateway, public subnets, one NAT gateway"},
			{Name: "PrivateSubnetStack", LogicalIDs: []string{"PrivateSubnetStack"}, Kind: Nested, Template: "private-subnet-template.yaml",
				Switch: "CreateVPCStack", When: isTrue("CreateVPCStack"), Core: true,
				Creates: "private subnets (a secondary /16 per zone) and their route tables",
				Note:    "no CreatePrivateSubnetStack parameter exists: CreateVPCStack drives this stack and VPCStack together"},
			{Name: "SecurityGroupStack", LogicalIDs: []string{"SecurityGroupStack"}, Kind: Nested, Template: "security-group-template.yaml",
				Switch: "CreateSecurityGroupStack", When: isTrue("CreateSecurityGroupStack"), Core: true,
				Creates: "the cluster security group, or its rules on SecurityGroupId"},
			{Name: "EKSClusterStack", LogicalIDs: []string{"EKSClusterStack"}, Kind: Nested, Template: "eks-template.yaml",
				Switch: "CreateEKSClusterStack", When: isTrue("CreateEKSClusterStack"), Core: true,
				Creates: "EKS cluster <prefix>-<EKSClusterName> with its core add-ons"},
			{Name: "S3BucketStack", LogicalIDs: []string{"S3BucketStack"}, Kind: Nested, Template: "s3-bucket-template.yaml",
				Switch: "CreateS3BucketStack", When: isTrue("CreateS3BucketStack"), Core: true,
				Creates: "lifecycle bucket <prefix>-bucket and access-log bucket <prefix>-logs",
				Buckets: []string{"<prefix>-bucket", "<prefix>-logs"}},
			{Name: "S3EndpointStack", LogicalIDs: []string{"S3EndpointStack"}, Kind: Nested, Template: "s3-endpoint-template.yaml",
				Switch: "CreateS3EndpointStack", When: isTrue("CreateS3EndpointStack"), Core: true,
				Creates: "S3 gateway endpoint on the private and EKS route tables"},
			{Name: "LifeCycleScriptStack", LogicalIDs: []string{"LifeCycleScriptStack"}, Kind: Nested, Template: "lifecycle-script-template.yaml",
				Switch: "CreateLifeCycleScriptStack", When: isTrue("CreateLifeCycleScriptStack"), Core: true,
				Creates: "on_create.sh uploaded to the lifecycle bucket"},
			{Name: "SageMakerIAMRoleStack", LogicalIDs: []string{"SageMakerIAMRoleStack"}, Kind: Nested, Template: "sagemaker-iam-role-template.yaml",
				Switch: "CreateSageMakerIAMRoleStack", When: isTrue("CreateSageMakerIAMRoleStack"), Core: true,
				Creates: "cluster execution role <prefix>ExecRole"},
			{Name: "HelmChartStack", LogicalIDs: []string{"HelmChartStack"}, Kind: Nested, Template: "helm-chart-template.yaml",
				Switch: "CreateHelmChartStack", When: isTrue("CreateHelmChartStack"), Core: true,
				Creates: "the HyperPod Helm chart on the EKS cluster"},
			{Name: "HyperPodClusterStack", LogicalIDs: []string{"HyperPodParamClusterStack", "HyperPodClusterStack"}, Kind: Nested,
				Template: "hyperpod-cluster-template.yaml", Switch: "CreateHyperPodClusterStack", When: hp, Core: true,
				Creates: "the HyperPod cluster",
				Note: "two nested stacks: HyperPodParamClusterStack renders the cluster template into the lifecycle bucket, " +
					"HyperPodClusterStack deploys it; neither is created when a new EKS cluster has no Helm chart"},
			{Name: "FsxFilesystemStack", LogicalIDs: []string{"FsxFilesystemStack"}, Kind: Nested, Template: "fsx-filesystem-template.yaml",
				Switch: "CreateFsxStack", When: isTrue("CreateFsxStack"), Core: true, Since: "2026",
				Creates: "FSx for Lustre file system (or FsxFileSystemId), in parallel with EKS",
				SingleValued: []SingleValue{{Param: "SecurityGroupIds", Unless: ne("FsxFileSystemId", ""),
					Why: "wraps it in a one-element list for AWS::FSx::FileSystem SecurityGroupIds"}}},
			{Name: "FsxK8sIntegrationStack", LogicalIDs: []string{"FsxK8sIntegrationStack"}, Kind: Nested, Template: "fsx-k8s-integration-template.yaml",
				Switch: "CreateFsxStack", When: isTrue("CreateFsxStack"), Core: true, Since: "2026",
				Creates: "the FSx CSI driver add-on, the EKS OIDC provider and the Lustre volume",
				Note:    "the HyperPod cluster waits for it"},
			{Name: "FsxStack", LogicalIDs: []string{"FsxStack"}, Kind: Nested, Template: "fsx-template.yaml",
				Switch: "CreateFsxStack", When: isTrue("CreateFsxStack"), Retired: "replaced by FsxFilesystemStack and FsxK8sIntegrationStack in 2026",
				Creates: "FSx for Lustre (or FsxFileSystemId) with its CSI driver and volume",
				SingleValued: []SingleValue{{Param: "SecurityGroupIds", Unless: ne("FsxFileSystemId", ""),
					Why: "wraps it in a one-element list for AWS::FSx::FileSystem SecurityGroupIds"}}},
			{Name: "PrivateSubnetTagsStack", LogicalIDs: []string{"PrivateSubnetTagsStack"}, Kind: Nested, Template: "private-subnet-tagging-template.yaml",
				Switch: "EnableHPInferenceFeature", When: helmInference, Core: true,
				Creates: "load-balancer tags on the private subnets",
				Note:    "switched by EnableHPInferenceFeature (on the Helm path), shared with InferenceOperatorMainStack"},
			{Name: "InferenceOperatorMainStack", LogicalIDs: []string{"InferenceOperatorMainStack"}, Kind: Nested,
				Template: "inference-operator-main-stack-template.yaml", Switch: "EnableHPInferenceFeature",
				When: helmInference, Core: true,
				Creates: "the HyperPod inference operator (Helm path), its roles and a retained TLS bucket",
				Note:    "the template defaults EnableHPInferenceFeature to true, and reads HyperPodClusterStack outputs unconditionally"},
			{Name: "InferenceOperatorAddonStack", LogicalIDs: []string{"InferenceOperatorAddonStack"}, Kind: Nested,
				Template: "main-stack-inference-operator-addon-template.yaml", Since: "2026",
				When:    and(isTrue("EnableHPInferenceFeature"), isTrue("EnableHPInferenceAddonFeature")),
				Creates: "the HyperPod inference operator as an EKS add-on (12 child stacks, most retained on delete)",
				Note:    "EnableHPInferenceAddonFeature, which hpctl leaves off; names a global bucket hp-<short prefix>-access-logs when the bucket stack is off"},
			{Name: "ObservabilityCustomStack", LogicalIDs: []string{"ObservabilityCustomResourceRole", "ObservabilityCustomResourceFunction", "ObservabilityCustomResource"},
				Kind: CustomResource, Template: "observability-template.yaml", Switch: "EnableObservabilityFeature",
				When: and(isTrue("EnableObservabilityFeature"), inRegions(ampRegions...)), Core: true,
				TopLevelName: "<prefix>-ObservabilityStack",
				Creates:      "the observability add-on, Prometheus and Grafana",
				SingleValued: []SingleValue{{Param: "SecurityGroupId",
					Why: "wraps it in a one-element list for its two VPC endpoints and the Grafana Lambda's VpcConfig"}},
				Note: "not a nested stack: a Lambda custom resource creates the top-level stack <prefix>-ObservabilityStack, only in regions of AMPRegionMapping"},

			// Declared by the Dec and later templates; hpctl's spec switches
			// RigEndpointStack and CertManagerStack indirectly and leaves the
			// others at their template defaults (off).
			{Name: "RigEndpointStack", LogicalIDs: []string{"RigEndpointStack"}, Kind: Nested, Template: "rig-endpoint-template.yaml",
				When: ne("RigSettings1", "[]"), Creates: "Lambda (and SQS) interface endpoints for restricted instance groups",
				Note: "on when RigSettings1 is not []: only slot 1 switches the RIG plumbing on"},
			{Name: "CertManagerStack", LogicalIDs: []string{"CertManagerStack"}, Kind: Nested, Template: "cert-manager-template.yaml",
				When: or(isTrue("EnableHPInferenceFeature"), isTrue("EnableHPTrainingOperatorFeature")), Creates: "the cert-manager EKS add-on"},
			{Name: "TaskGovernanceClusterPolicyLambdaStack", LogicalIDs: []string{"TaskGovernanceClusterPolicyLambdaStack"}, Kind: Nested,
				Template: "task-governance-cluster-policy-lambda-template.yaml",
				When:     and(isTrue("CreateEKSClusterStack"), isTrue("CreateTaskGovernanceClusterPolicyStack")), Creates: "the Lambda behind the cluster scheduler config",
				Note: "exports TaskGovernanceAddonLambdaArn-<EKS cluster name>: one per EKS cluster"},
			{Name: "TaskGovernanceClusterPolicyStack", LogicalIDs: []string{"TaskGovernanceClusterPolicyStack"}, Kind: Nested,
				Template: "task-governance-cluster-policy-template.yaml",
				When:     and(isTrue("CreateEKSClusterStack"), isTrue("CreateHyperPodClusterStack"), isTrue("CreateTaskGovernanceClusterPolicyStack")),
				Creates:  "the task-governance add-on and cluster scheduler config"},
			{Name: "DataScientistSetupStack", LogicalIDs: []string{"DataScientistSetupStack"}, Kind: Nested, Template: "data-scientist-setup-template.yaml",
				When:    or(dataScientistRoles()...),
				Creates: "namespace-scoped access for DataScientistRole1..10"},
			{Name: "HPTrainingOperatorMainStack", LogicalIDs: []string{"HPTrainingOperatorMainStack"}, Kind: Nested, Template: "hpto-main-stack-template.yaml",
				When:    isTrue("EnableHPTrainingOperatorFeature"),
				Creates: "the HyperPod training operator add-on and its role"},
			{Name: "TieredStorageUpdateStack", LogicalIDs: []string{"TieredStorageUpdateStack"}, Kind: Nested, Template: "tiered-cache-config-template.yaml",
				When: and(isTrue("CreateHyperPodClusterStack"), isTrue("CreateEKSClusterStack"), ne("TieredKVCacheConfig", "")), Creates: "the tiered KV-cache configuration"},
		},
		Params: eksParams(),
		Outputs: []string{
			"OutputVpcId", "OutputPrivateSubnetIds", "OutputSecurityGroupId", "OutputEKSClusterArn", "OutputEKSClusterName",
			"OutputSageMakerIAMRoleArn", "OutputInfOperatorIAMRoleArn", "OutputInfOperatorIAMRoleName",
			"OutputTLSCertificatesBucketName", "OutputTLSCertificatesBucketArn", "OutputS3BucketName",
			"OutputHyperPodClusterName", "OutputHyperPodClusterArn", "OutputObservabilityStackId", "OutputHPTOIAMRoleArn",
			"OutputHPTOIAMRoleName", "TaskGovernanceClusterPolicyLambdaArn", "ClusterSchedulerConfigArn", "ClusterSchedulerConfigId",
		},
	}
}

func dataScientistRoles() []Cond {
	var out []Cond
	for i := 1; i <= 10; i++ {
		out = append(out, ne(slot("DataScientistRole", i), ""))
	}
	return out
}
