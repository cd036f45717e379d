package catalog

import "strconv"

// Shared allowed values.
var (
	trueFalse   = []string{"true", "false"}
	stages      = []string{"gamma", "prod"}
	nodeRecover = []string{"Automatic", "None"}
	compression = []string{"NONE", "LZ4"}
)

// The defaults of the templates' helper settings, quoted from the idx version.
const (
	helmOperatorsDefault = "mlflow.enabled=true,trainingOperators.enabled=true,cluster-role-and-bindings.enabled=true," +
		"namespaced-role-and-bindings.enable=true,nvidia-device-plugin.devicePlugin.enabled=true," +
		"neuron-device-plugin.devicePlugin.enabled=true,aws-efa-k8s-device-plugin.devicePlugin.enabled=true," +
		"mpi-operator.enabled=true,health-monitoring-agent.enabled=true,deep-health-check.enabled=true," +
		"job-auto-restart.enabled=true,hyperpod-patching.enabled=true"
	githubRawURLDefault = "https://raw.githubusercontent.com/aws-samples/awsome-distributed-training/refs/heads/main/" +
		"1.architectures/7.sagemaker-hyperpod-eks/LifecycleScripts/base-config/on_create.sh"
	placeholderSubnets = "subnet-1234567890abcdef0,subnet-1234567890abcdef0"
)

func slot(prefix string, i int) string { return prefix + strconv.Itoa(i) }

// sw declares a 'true'/'false' switch.
func sw(name, def, since, about string) Param {
	return Param{Name: name, Type: "String", Default: def, Allowed: trueFalse, Since: since, About: about}
}

// str declares a String parameter.
func str(name, def, since, about string) Param {
	return Param{Name: name, Type: "String", Default: def, Since: since, About: about}
}

// num declares a Number parameter.
func num(name, def, since, about string) Param {
	return Param{Name: name, Type: "Number", Default: def, Since: since, About: about}
}

// placeholder declares a String parameter whose default is an example value.
func placeholder(name, def, since, about string) Param {
	return Param{Name: name, Type: "String", Default: def, Placeholder: true, Since: since, About: about}
}

func enum(p Param, allowed ...string) Param {
	p.Allowed = allowed
	return p
}

// eksParams are the 150 parameters of the EKS main stack, in the order of its
// interface groups.
func eksParams() []Param {
	ps := []Param{
		// General
		str("ResourceNamePrefix", "sagemaker-hyperpod-eks", "Aug", "prefix of every resource name the stacks create; S3 bucket names derive from it"),
		str("ResourceNameShortPrefix", "smhp1eks", "2026", "short prefix of names with length limits (inference stacks); one of them is the global bucket hp-<short>-access-logs"),
		enum(str("Stage", "prod", "Aug", "hosted bucket suffix aws-sagemaker-hyperpod-cluster-setup-<region>-<stage> for nested templates and Lambda code"), stages...),
		str("CustomBucketName", "", "Aug", "when set, nested templates and Lambda code come from this bucket (same layout)"),
		str("TlsCertificateBucketName", "", "2026", "existing TLS certificate bucket of the inference add-on; empty creates one"),
		str("InferenceOperatorExecutionRoleArn", "", "2026", "existing inference add-on execution role; empty creates one"),
		str("KedaRoleArn", "", "2026", "existing KEDA role of the inference add-on; empty creates one"),
		str("AlbControllerRoleArn", "", "2026", "existing ALB controller role of the inference add-on; empty creates one"),
		str("JumpstartGatedModelDownloadRoleArn", "", "2026", "existing JumpStart gated-model role of the inference add-on; empty creates one"),
		enum(str("NodeRecovery", "Automatic", "Aug", "cluster NodeRecovery"), nodeRecover...),
		enum(str("NodeProvisioningMode", "", "Aug", "Continuous sets the cluster's NodeProvisioningMode; empty leaves it out"), "Continuous", ""),
		str("HyperPodClusterRole", "", "Dec", "existing cluster role ARN for Karpenter; empty creates <prefix>-ClsRole when needed"),
		enum(str("AutoScalerType", "None", "Dec", "Karpenter enables cluster autoscaling (needs NodeProvisioningMode Continuous)"), "Karpenter", "None"),
		str("Tags", "", "Aug", "HyperPod cluster tags: JSON list of {Key,Value}"),
		sw("EnableHPInferenceFeature", "true", "Aug", "switches PrivateSubnetTagsStack and InferenceOperatorMainStack (and cert-manager)"),
		sw("EnableHPInferenceAddonFeature", "false", "2026", "true installs the inference operator as an EKS add-on (InferenceOperatorAddonStack) instead of with Helm"),
		sw("EnableObservabilityFeature", "false", "Dec", "switches the observability custom resource, in AMPRegionMapping regions only"),
		sw("EnableHPTrainingOperatorFeature", "false", "Dec", "switches HPTrainingOperatorMainStack (and cert-manager)"),
		// HyperPod cluster
		sw("CreateHyperPodClusterStack", "true", "Aug", "create the HyperPod cluster (not when a new EKS cluster has no Helm chart)"),
		str("HyperPodClusterName", "hp-cluster", "Aug", "HyperPod cluster name"),
		sw("CreateTaskGovernanceClusterPolicyStack", "false", "Dec", "task-governance add-on and scheduler config (new EKS and HyperPod cluster only)"),
		str("PriorityClasses", "", "idx", "task-governance priority classes: JSON list of {Name, Weight}"),
		enum(str("FairShare", "Disabled", "idx", "task-governance fair share"), "Enabled", "Disabled"),
		enum(str("IdleResourceSharing", "Disabled", "2026", "task-governance idle compute sharing"), "Enabled", "Disabled"),
		str("TieredStorageConfig", "", "Dec", "cluster TieredStorageConfig JSON; invalid JSON is dropped silently"),
		str("TieredKVCacheConfig", "", "Dec", "KV-cache tiering JSON applied by TieredStorageUpdateStack"),
		str("RestrictedInstanceGroupsConfig", "", "2026", "cluster RestrictedInstanceGroupsConfig JSON (shared FSx of the restricted groups); invalid JSON is dropped"),
		// Networking
		sw("CreateVPCStack", "true", "Aug", "create the VPC and the private subnets (one switch for both stacks)"),
		placeholder("VpcId", "vpc-1234567890abcdef0", "Aug", "existing VPC when CreateVPCStack is false"),
		str("VpcCIDR", "10.192.0.0/16", "Aug", "primary CIDR of a new VPC"),
		placeholder("AvailabilityZoneIds", "use2-az1,use2-az2", "Aug", "AZ IDs (up to 5) of the new subnets"),
		sw("CreateSecurityGroupStack", "true", "Aug", "create the security group, or add rules to SecurityGroupId"),
		str("SecurityGroupId", "", "Aug", "existing group the security-group stack adds its rules to"),
		placeholder("SecurityGroupIds", "sg-1234567890abcdef0", "Aug", "groups used as they are when CreateSecurityGroupStack is false"),
		placeholder("PrivateSubnetIds", placeholderSubnets, "Aug", "HyperPod and FSx subnets when CreateVPCStack is false"),
		placeholder("EksPrivateSubnetIds", placeholderSubnets, "Aug", "EKS control-plane subnets when CreateVPCStack is false"),
		placeholder("NatGatewayIds", "nat-1234567890abcdef0", "Aug", "read only by PrivateSubnetStack, which CreateVPCStack also switches: never used"),
		placeholder("PrivateRouteTableIds", "rtb-1234567890abcdef0", "Aug", "route tables of the S3 endpoint when CreateVPCStack is false"),
		placeholder("EksPrivateRouteTableIds", "rtb-1234567890abcdef0", "Aug", "EKS route tables of the S3 endpoint when CreateVPCStack is false"),
		sw("CreateS3EndpointStack", "true", "Aug", "create the S3 gateway endpoint"),
		// Orchestration
		sw("CreateEKSClusterStack", "true", "Aug", "create a new EKS cluster"),
		str("EKSClusterName", "eks", "Aug", "suffix of a new EKS cluster's name, or the full name of an existing one"),
		str("KubernetesVersion", "1.33", "Aug", "Kubernetes version of a new EKS cluster"),
		sw("CreateHelmChartStack", "true", "Aug", "install the HyperPod Helm chart"),
		str("HelmRepoUrl", "https://github.com/aws/sagemaker-hyperpod-cli.git", "Aug", "Git repository the Helm Lambdas clone"),
		str("HelmRepoPath", "helm_chart/HyperPodHelmChart", "Aug", "chart path in that repository"),
		str("HelmRelease", "dependencies", "Aug", "Helm release name"),
		str("Namespace", "kube-system", "Aug", "namespace of the Helm release"),
		str("HelmOperators", helmOperatorsDefault, "Aug", "comma list of helm --set values"),
		// Lifecycle configuration
		sw("CreateLifeCycleScriptStack", "true", "Aug", "upload on_create.sh to the lifecycle bucket"),
		sw("CreateS3BucketStack", "true", "Aug", "create <prefix>-bucket and <prefix>-logs"),
		placeholder("S3BucketName", "s3-bucket", "Aug", "existing lifecycle bucket when CreateS3BucketStack is false"),
		str("GithubRawUrl", githubRawURLDefault, "Aug", "declared but not used by any resource"),
		str("OnCreatePath", "on_create.sh", "Aug", "OnCreate script key; forced to on_create.sh when the bucket is created"),
		// Permissions
		sw("CreateSageMakerIAMRoleStack", "true", "Aug", "create the execution role <prefix>ExecRole"),
		placeholder("SageMakerIAMRoleName", "iam-role", "Aug", "existing execution role name when the role stack is off"),
		sw("HasGatedAccess", "false", "Dec", "restricted instance groups with gated access"),
	}
	// Data scientist setup
	for i := 1; i <= 10; i++ {
		ps = append(ps,
			str(slot("DataScientistRole", i), "", "Dec", "IAM role given namespace-scoped model deployment"),
			str(slot("DataScientistRole", i)+"Namespaces", "", "Dec", "comma list of namespaces for that role"))
	}
	ps = append(ps,
		// Storage
		sw("CreateFsxStack", "true", "Aug", "create FSx for Lustre, or attach FsxFileSystemId"),
		str("FsxFileSystemId", "", "Aug", "existing file system attached through the FSx stack"),
		str("FsxSubnetId", "", "Aug", "subnet of a new file system; empty picks one in FsxAvailabilityZoneId"),
		placeholder("FsxAvailabilityZoneId", "use2-az1", "Aug", "AZ ID the FSx subnet is picked in"),
		str("DeploymentType", "PERSISTENT_2", "Aug", "FSx for Lustre deployment type"),
		num("StorageCapacity", "1200", "Aug", "FSx capacity in GiB"),
		num("PerUnitStorageThroughput", "250", "Aug", "FSx throughput in MB/s per TiB"),
		enum(str("DataCompressionType", "LZ4", "Aug", "FSx compression"), compression...),
		num("FileSystemTypeVersion", "2.15", "Aug", "Lustre version"),
		// Observability
		str("PrometheusWorkspaceId", "", "Dec", "existing AMP workspace ID"),
		str("PrometheusWorkspaceArn", "", "Dec", "existing AMP workspace ARN"),
		str("PrometheusWorkspaceEndpoint", "", "Dec", "existing AMP endpoint"),
		str("GrafanaWorkspaceId", "", "Dec", "existing AMG workspace ID"),
		str("GrafanaWorkspaceArn", "", "Dec", "existing AMG workspace ARN"),
		str("GrafanaWorkspaceName", "", "Dec", "AMG workspace name"),
		enum(str("TrainingMetricLevel", "BASIC", "Dec", "observability add-on metric level"), "BASIC", "ADVANCED"),
		enum(str("TaskGovernanceMetricLevel", "DISABLED", "Dec", "observability add-on metric level"), "DISABLED", "ADVANCED"),
		enum(str("ScalingMetricLevel", "DISABLED", "Dec", "observability add-on metric level"), "DISABLED", "ADVANCED"),
		enum(str("NetworkMetricLevel", "DISABLED", "Dec", "observability add-on metric level"), "DISABLED", "ADVANCED"),
		enum(str("ClusterMetricLevel", "BASIC", "Dec", "observability add-on metric level"), "BASIC", "ADVANCED"),
		enum(str("NodeMetricLevel", "BASIC", "Dec", "observability add-on metric level"), "BASIC", "ADVANCED"),
		enum(str("AcceleratedComputeMetricLevel", "BASIC", "Dec", "observability add-on metric level"), "BASIC", "ADVANCED"),
		enum(str("RayMetricLevel", "ADVANCED", "2026", "observability add-on Ray metric level"), "DISABLED", "ADVANCED"),
		sw("Logging", "false", "Dec", "logging in the observability add-on"),
		str("HyperPodObservabilityRole", "", "Dec", "existing observability add-on role"),
		str("GrafanaRole", "", "Dec", "existing Grafana role"),
		sw("CreateHyperPodObservabilityRole", "false", "Dec", "create the add-on role"),
		sw("CreateGrafanaRole", "false", "Dec", "create the Grafana role"),
		sw("CreatePrometheusWorkspace", "false", "Dec", "create an AMP workspace (retained on delete)"),
		enum(str("CreateGrafanaWorkspace", "false", "Dec", "create an AMG workspace; disabled turns Grafana off"), "true", "false", "disabled"),
		str("ObservabilityCfnStackFunctionS3Key", "resources/artifacts/observability-stack-lambda-function.zip", "Dec", "key of the observability Lambda code"),
	)
	for i := 1; i <= 20; i++ {
		ps = append(ps, str(slot("InstanceGroupSettings", i), "[]", "Aug", "JSON array of instance groups"))
	}
	for i := 1; i <= 20; i++ {
		ps = append(ps, str(slot("RigSettings", i), "[]", "Aug", "JSON array of restricted instance groups; only slot 1 switches the RIG plumbing"))
	}
	return append(ps,
		str("RigS3BucketName", "", "Aug", "RIG input bucket the execution role may read"),
		str("RigS3OutputBucketName", "", "Dec", "RIG output bucket the execution role may write"),
	)
}
