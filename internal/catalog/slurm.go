package catalog

// slurmDefaultGroups is the Slurm template's default for InstanceGroupSettings1:
// example groups pinned to us-east-2, which hpctl never lets through.
const slurmDefaultGroups = `[[{"InstanceGroupName":"controller-machine","InstanceType":"ml.c5.xlarge","InstanceGroupType":"Controller",` +
	`"InstanceCount":1,"ThreadsPerCore":1,"TargetAvailabilityZoneId":"use2-az1","SlurmConfig":{"NodeType":"Controller"}}],` +
	`[{"InstanceGroupName":"compute-nodes","InstanceGroupType":"Compute","InstanceType":"ml.t3.medium","InstanceCount":4,` +
	`"ThreadsPerCore":1,"TargetAvailabilityZoneId":"use2-az1","SlurmConfig":{"NodeType":"Compute"}}]]`

// Slurm is the hosted Slurm main stack, main-stack-slurm-based-template.yaml,
// newest known version (e6e38ba, 2026: 80 parameters, 10 nested stacks). It
// has no Outputs and no RIG support.
func Slurm() *Orchestration {
	bucketOnly := and(isTrue("CreateS3BucketStack"), isFalse("CreateLifeCycleScriptStack"))
	return &Orchestration{
		Name:         "slurm",
		MainTemplate: "main-stack-slurm-based-template.yaml",
		Prefix:       "templates-slurm",
		Version:      "2026-09, e6e38ba: 80 parameters, 10 nested stacks",
		// AUTO_EXPAND because the nested observability template uses the
		// AWS::LanguageExtensions transform: a nested transform needs the
		// root's acknowledgement (CloudFormation's capability rules).
		Capabilities: []string{"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"},
		Stacks: []Stack{
			{Name: "VPCStack", LogicalIDs: []string{"VPCStack"}, Kind: Nested, Template: "slurm-vpc-template.yaml",
				Switch: "CreateVPCStack", When: isTrue("CreateVPCStack"), Core: true,
				Creates: "VPC, public and private subnets, one NAT gateway, S3 endpoint and flow logs",
				Note:    "one stack holds the whole network, the S3 endpoint included"},
			{Name: "SecurityGroupStack", LogicalIDs: []string{"SecurityGroupStack"}, Kind: Nested, Template: "slurm-security-group-template.yaml",
				Switch: "CreateSecurityGroupStack", When: isTrue("CreateSecurityGroupStack"), Core: true,
				Creates: "security group <prefix>-sg"},
			{Name: "AccountingDatabaseStack", LogicalIDs: []string{"AccountingDatabaseStack"}, Kind: Nested, Template: "slurm-accounting-db-template.yaml",
				Switch: "CreateAccountingDatabase", When: isTrue("CreateAccountingDatabase"), Core: true, Since: "2026",
				Creates: "RDS for MariaDB accounting database for slurmdbd, its subnet group and security group",
				Note:    "its subnet group needs private subnets in at least 2 zones; deleting it leaves a final snapshot (DeletionPolicy Snapshot)"},
			{Name: "LifeCycleBucket", Kind: Inside, Host: "LifeCycleScriptStack", HostParam: "CreateNewS3Bucket",
				Switch: "CreateS3BucketStack", When: and(isTrue("CreateLifeCycleScriptStack"), isTrue("CreateS3BucketStack")), Core: true,
				Creates: "lifecycle bucket <prefix>-bucket",
				Buckets: []string{"<prefix>-bucket"},
				Note:    "not a nested stack of its own: with the lifecycle scripts, the bucket is created inside LifeCycleScriptStack"},
			{Name: "LifeCycleScriptStack", LogicalIDs: []string{"LifeCycleScriptStack"}, Kind: Nested, Template: "slurm-lifecycle-script-template.yaml",
				Switch: "CreateLifeCycleScriptStack", When: isTrue("CreateLifeCycleScriptStack"), Core: true,
				Creates:         "the base-config lifecycle scripts copied into the bucket",
				EmptiesOnDelete: "S3BucketName",
				Note:            "deleting this stack deletes every object in the bucket it wrote to"},
			{Name: "S3BucketStack", LogicalIDs: []string{"S3BucketStack"}, Kind: Nested, Template: "slurm-s3-bucket-template.yaml",
				Switch: "CreateS3BucketStack", When: bucketOnly, Core: true, Since: "2026",
				Creates: "an empty lifecycle bucket <prefix>-bucket, for scripts of your own",
				Buckets: []string{"<prefix>-bucket"},
				Note:    "only without the lifecycle scripts (CreateS3BucketOnlyCondition): with them the bucket is made inside LifeCycleScriptStack"},
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
			{Name: "ObservabilityStack", LogicalIDs: []string{"ObservabilityStack"}, Kind: Nested, Template: "slurm-observability-template.yaml",
				Switch: "EnableObservabilityFeature", When: isTrue("EnableObservabilityFeature"), Core: true, Since: "2026",
				Creates: "Prometheus and Grafana for the Slurm cluster, its VPC endpoints and the observability config",
				Note:    "a Prometheus workspace it creates is retained on delete; it does not wait for the cluster"},
			{Name: "SSMStack", Kind: Companion, Template: "slurm-ssm-template.yaml", Core: true,
				Creates:      "SSM session document SSM-SessionManagerRunShellAsUbuntu",
				TopLevelName: "<stack>-ssm",
				Note:         "a standalone template the main stack does not nest: hpctl deploys it as a companion stack; it exports the fixed name SlurmSsmTemplate-SSMDocumentName, one per account and region"},
		},
		Params: slurmParams(),
	}
}

// slurmParams are the 80 parameters of the Slurm main stack.
func slurmParams() []Param {
	ps := []Param{
		// General
		str("ResourceNamePrefix", "sagemaker-hyperpod-slurm", "Aug", "prefix of every resource name the stacks create"),
		enum(str("Stage", "prod", "Aug", "hosted bucket suffix for nested templates and Lambda code"), stages...),
		str("CustomBucketName", "", "Aug", "when set, nested templates (templates-slurm/) and Lambda code come from this bucket"),
		enum(str("NodeRecovery", "Automatic", "Aug", "cluster NodeRecovery"), nodeRecover...),
		enum(str("NodeProvisioningMode", "", "2026", "Continuous sets the cluster's NodeProvisioningMode; empty leaves it out"), "Continuous", ""),
		enum(str("SlurmConfigStrategy", "", "2026", "how HyperPod manages the Slurm configuration files; empty leaves it out"), "Overwrite", "Managed", "Merge", ""),
		str("Tags", "", "Aug", "HyperPod cluster tags: JSON list of {Key,Value}"),
		// HyperPod cluster
		sw("CreateHyperPodClusterStack", "true", "Aug", "create the HyperPod cluster"),
		str("HyperPodClusterName", "slurm-hyper-pod", "Aug", "HyperPod cluster name"),
		// Networking
		sw("CreateVPCStack", "true", "Aug", "create the VPC, subnets, NAT, S3 endpoint and flow logs"),
		placeholder("VpcId", "vpc-1234567890abcdef0", "Aug", "existing VPC, read by the security-group, database and observability stacks"),
		str("VpcCIDR", "10.192.0.0/16", "Aug", "primary CIDR of a new VPC"),
		placeholder("AvailabilityZoneIds", "use2-az1,use2-az2", "Aug", "AZ IDs (up to 5) of the new subnets"),
		{Name: "SubnetCIDRs", Type: "CommaDelimitedList", Default: ",,,,", Since: "2026", About: "secondary CIDR per zone of the new private subnets; blank entries are computed"},
		sw("CreateSecurityGroupStack", "true", "Aug", "create <prefix>-sg"),
		str("SecurityGroupId", "", "Aug", "existing security group (one ID) when the security-group stack is off"),
		str("PrivateSubnetIds", "", "Aug", "existing cluster and FSx subnets when CreateVPCStack is false"),
		// Lifecycle configuration
		sw("CreateLifeCycleScriptStack", "true", "Aug", "copy the base-config lifecycle scripts into the bucket"),
		sw("CreateS3BucketStack", "true", "Aug", "create <prefix>-bucket (inside the lifecycle-script stack, or on its own without it)"),
		placeholder("S3BucketName", "bucket", "Aug", "existing lifecycle bucket when CreateS3BucketStack is false"),
		str("OnCreatePath", "", "Aug", "OnCreate script key; forced to on_create.sh with the lifecycle scripts"),
		str("OnInitCompletePath", "", "2026", "OnInitComplete script key, used when OnCreatePath is empty"),
		sw("EnableSourceS3UriOnly", "false", "2026", "a LifeCycleConfig with only SourceS3Uri (allowlisted accounts only)"),
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
		enum(str("DataCompressionType", "LZ4", "Aug", "FSx compression"), compression...),
		num("FileSystemTypeVersion", "2.15", "Aug", "Lustre version"),
		// Accounting database
		str("AccountingDatabaseConfig", "", "2026", "existing accounting database as JSON {Endpoint, SecretArn, Port, Name}"),
		str("AccountingDatabaseSecretArn", "", "2026", "secret of an existing accounting database, granted to the created execution role"),
		sw("CreateAccountingDatabase", "false", "2026", "create an RDS for MariaDB accounting database (AccountingDatabaseStack)"),
		str("AccountingDatabaseInstanceClass", "db.m5.large", "2026", "instance class of a new accounting database"),
		num("AccountingDatabaseAllocatedStorage", "20", "2026", "storage of a new accounting database in GiB"),
		str("AccountingDatabaseInstanceIdentifier", "", "2026", "identifier of a new accounting database; empty is generated"),
		str("AccountingDatabasePrimaryUsername", "admin", "2026", "primary user of a new accounting database (its password is RDS-managed)"),
		num("AccountingDatabasePort", "3306", "2026", "port of a new accounting database"),
		str("AccountingDatabaseName", "", "2026", "accounting database name; empty is slurm_acct_db_<cluster hash>"),
	}
	first := placeholder(slot("InstanceGroupSettings", 1), slurmDefaultGroups, "Aug", "JSON array of instance groups; the default is a us-east-2 example")
	first.Blank = "[]"
	ps = append(ps, first)
	for i := 2; i <= 20; i++ {
		ps = append(ps, str(slot("InstanceGroupSettings", i), "[]", "Aug", "JSON array of instance groups"))
	}
	// Observability (declared, in no interface group of the template)
	return append(ps,
		sw("EnableObservabilityFeature", "false", "2026", "switches ObservabilityStack"),
		sw("CreatePrometheusWorkspace", "false", "2026", "create an AMP workspace (retained on delete)"),
		str("PrometheusWorkspaceId", "", "2026", "existing AMP workspace ID"),
		str("PrometheusWorkspaceArn", "", "2026", "existing AMP workspace ARN"),
		str("PrometheusWorkspaceEndpoint", "", "2026", "existing AMP endpoint"),
		enum(str("CreateGrafanaWorkspace", "false", "2026", "create an AMG workspace; disabled turns Grafana off"), "true", "false", "disabled"),
		str("GrafanaWorkspaceId", "", "2026", "existing AMG workspace ID"),
		str("GrafanaWorkspaceName", "", "2026", "existing AMG workspace name"),
		str("GrafanaWorkspaceArn", "", "2026", "existing AMG workspace ARN"),
		sw("CreateGrafanaRole", "false", "2026", "create the Grafana role"),
		str("GrafanaRole", "", "2026", "existing Grafana role ARN"),
		enum(str("NodeMetricLevel", "BASIC", "2026", "node metrics"), "BASIC", "ADVANCED", "DISABLED"),
		enum(str("AcceleratedComputeMetricLevel", "BASIC", "2026", "accelerated compute metrics"), "BASIC", "ADVANCED", "DISABLED"),
		enum(str("NetworkMetricLevel", "DISABLED", "2026", "network metrics"), "BASIC", "ADVANCED", "DISABLED"),
		enum(str("ClusterMetricLevel", "BASIC", "2026", "cluster metrics"), "BASIC", "DISABLED"),
		enum(str("NcclMetricLevel", "DISABLED", "2026", "NCCL metrics"), "BASIC", "DISABLED"),
		enum(str("JobMetricLevel", "BASIC", "2026", "job metrics"), "BASIC", "DISABLED"),
	)
}
