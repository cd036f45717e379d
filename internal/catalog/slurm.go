package catalog

// slurmDefaultGroups is the Slurm template's default for InstanceGroupSettings1:
// example groups pinned to us-east-2, which hpctl never lets through.
const slurmDefaultGroups = `[[{"InstanceGroupName":"controller-machine","InstanceType":"ml.c5.xlarge","InstanceGroupType":"Controller",` +
	`"InstanceCount":1,"ThreadsPerCore":1,"TargetAvailabilityZoneId":"use2-az1"}],[{"InstanceGroupName":"compute-nodes",` +
	`"InstanceGroupType":"Compute","InstanceType":"ml.t3.medium","InstanceCount":4,"ThreadsPerCore":1,"TargetAvailabilityZoneId":"use2-az1"}]]`

// Slurm is the hosted Slurm main stack, main-stack-slurm-based-template.yaml
// (unchanged from Aug to Dec 2025). It has no Outputs and no RIG support.
func Slurm() *Orchestration {
	return &Orchestration{
		Name:         "slurm",
		MainTemplate: "main-stack-slurm-based-template.yaml",
		Prefix:       "templates-slurm",
		Version:      "Aug/Dec 2025 (Slurm main stack, 49 parameters)",
		Capabilities: []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"},
		Stacks: []Stack{
			{Name: "VPCStack", LogicalIDs: []string{"VPCStack"}, Kind: Nested, Template: "slurm-vpc-template.yaml",
				Switch: "CreateVPCStack", When: isTrue("CreateVPCStack"), Core: true,
				Creates: "VPC, public and private subnets, one NAT gateway, S3 endpoint and flow logs",
				Note:    "one stack holds the whole network, the S3 endpoint included"},
			{Name: "SecurityGroupStack", LogicalIDs: []string{"SecurityGroupStack"}, Kind: Nested, Template: "slurm-security-group-template.yaml",
				Switch: "CreateSecurityGroupStack", When: isTrue("CreateSecurityGroupStack"), Core: true,
				Creates: "security group <prefix>-sg"},
			{Name: "S3BucketStack", Kind: Inside, Host: "LifeCycleScriptStack", HostParam: "CreateNewS3Bucket",
				Switch: "CreateS3BucketStack", When: and(isTrue("CreateLifeCycleScriptStack"), isTrue("CreateS3BucketStack")), Core: true,
				Creates: "lifecycle bucket <prefix>-bucket",
				Buckets: []string{"<prefix>-bucket"},
				Note:    "not a nested stack of its own: the bucket is created inside LifeCycleScriptStack, so it needs that stack"},
			{Name: "LifeCycleScriptStack", LogicalIDs: []string{"LifeCycleScriptStack"}, Kind: Nested, Template: "slurm-lifecycle-script-template.yaml",
				Switch: "CreateLifeCycleScriptStack", When: isTrue("CreateLifeCycleScriptStack"), Core: true,
				Creates:         "the base-config lifecycle scripts copied into the bucket",
				EmptiesOnDelete: "S3BucketName",
				Note:            "deleting this stack deletes every object in the bucket it wrote to"},
			{Name: "SageMakerIAMRoleStack", LogicalIDs: []string{"IamRoleStack"}, Kind: Nested, Template: "slurm-iam-role-template.yaml",
				Switch: "CreateSageMakerIAMRoleStack", When: isTrue("CreateSageMakerIAMRoleStack"), Core: true,
				Creates: "cluster execution role <prefix>ExecRole",
				Note:    "its logical ID in the Slurm main stack is IamRoleStack"},
			{Name: "FsxStack", LogicalIDs: []string{"FsxStack"}, Kind: Nested, Template: "slurm-fsx-template.yaml",
				Switch: "CreateFsxStack", When: isTrue("CreateFsxStack"), Core: true,
				Creates: "FSx for Lustre file system (or FsxFileSystemId)"},
			{Name: "HyperPodClusterStack", LogicalIDs: []string{"HyperPodParamClusterStack", "HyperPodClusterStack"}, Kind: Nested,
				Template: "slurm-hyperpod-cluster-template.yaml", Switch: "CreateHyperPodClusterStack", When: isTrue("CreateHyperPodClusterStack"), Core: true,
				Creates: "the HyperPod cluster",
				Note:    "two nested stacks: HyperPodParamClusterStack renders the cluster template into the lifecycle bucket, HyperPodClusterStack deploys it"},
			{Name: "SSMStack", Kind: Companion, Template: "slurm-ssm-template.yaml", Core: true,
				Creates:      "SSM session document SSM-SessionManagerRunShellAsUbuntu",
				TopLevelName: "<stack>-ssm",
				Note:         "a standalone template the main stack does not nest: hpctl deploys it as a companion stack; it exports the fixed name SlurmSsmTemplate-SSMDocumentName, one per account and region"},
		},
		Params: slurmParams(),
	}
}

// slurmParams are the 49 parameters of the Slurm main stack.
func slurmParams() []Param {
	ps := []Param{
		// General
		str("ResourceNamePrefix", "sagemaker-hyperpod-slurm", "Aug", "prefix of every resource name the stacks create"),
		enum(str("Stage", "prod", "Aug", "hosted bucket suffix for nested templates and Lambda code"), stages...),
		str("CustomBucketName", "", "Aug", "when set, nested templates (templates-slurm/) and Lambda code come from this bucket"),
		enum(str("NodeRecovery", "Automatic", "Aug", "cluster NodeRecovery"), nodeRecover...),
		str("Tags", "", "Aug", "HyperPod cluster tags: JSON list of {Key,Value}"),
		// HyperPod cluster
		sw("CreateHyperPodClusterStack", "true", "Aug", "create the HyperPod cluster"),
		str("HyperPodClusterName", "slurm-hyper-pod", "Aug", "HyperPod cluster name"),
		// Networking
		sw("CreateVPCStack", "true", "Aug", "create the VPC, subnets, NAT, S3 endpoint and flow logs"),
		placeholder("VpcId", "vpc-1234567890abcdef0", "Aug", "existing VPC, read only by the security-group stack"),
		str("VpcCIDR", "10.192.0.0/16", "Aug", "primary CIDR of a new VPC"),
		placeholder("AvailabilityZoneIds", "use2-az1,use2-az2", "Aug", "AZ IDs (up to 5) of the new subnets"),
		sw("CreateSecurityGroupStack", "true", "Aug", "create <prefix>-sg"),
		str("SecurityGroupId", "", "Aug", "existing security group (one ID) when the security-group stack is off"),
		str("PrivateSubnetIds", "", "Aug", "existing cluster and FSx subnets when CreateVPCStack is false"),
		// Lifecycle configuration
		sw("CreateLifeCycleScriptStack", "true", "Aug", "copy the base-config lifecycle scripts into the bucket"),
		sw("CreateS3BucketStack", "true", "Aug", "create <prefix>-bucket inside the lifecycle-script stack"),
		placeholder("S3BucketName", "bucket", "Aug", "existing lifecycle bucket when CreateS3BucketStack is false"),
		str("OnCreatePath", "on_create.sh", "Aug", "OnCreate script key; forced to on_create.sh when the bucket is created"),
		// Permissions
		sw("CreateSageMakerIAMRoleStack", "true", "Aug", "create the execution role <prefix>ExecRole"),
		placeholder("SageMakerIAMRoleName", "role", "Aug", "existing execution role name when the role stack is off"),
		// Storage
		sw("CreateFsxStack", "true", "Aug", "create FSx for Lustre, or attach FsxFileSystemId"),
		str("FsxFileSystemId", "", "Aug", "existing file system attached through the FSx stack"),
		str("FsxSubnetId", "", "Aug", "subnet of a new file system; empty picks one in FsxAvailabilityZoneId"),
		placeholder("FsxAvailabilityZoneId", "use2-az1", "Aug", "AZ ID the FSx subnet is picked in"),
		str("DeploymentType", "PERSISTENT_2", "Aug", "FSx for Lustre deployment type"),
		num("StorageCapacity", "1200", "Aug", "FSx capacity in GiB"),
		num("PerUnitStorageThroughput", "250", "Aug", "FSx throughput in MB/s per TiB"),
		enum(str("DataCompressionType", "NONE", "Aug", "FSx compression"), compression...),
		num("FileSystemTypeVersion", "2.15", "Aug", "Lustre version"),
	}
	first := placeholder(slot("InstanceGroupSettings", 1), slurmDefaultGroups, "Aug", "JSON array of instance groups; the default is a us-east-2 example")
	first.Blank = "[]"
	ps = append(ps, first)
	for i := 2; i <= 20; i++ {
		ps = append(ps, str(slot("InstanceGroupSettings", i), "[]", "Aug", "JSON array of instance groups"))
	}
	return ps
}
