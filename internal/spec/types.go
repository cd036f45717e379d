// Package spec holds the hpctl cluster spec: its types, strict loading with
// positions, defaults, shape validation and JSON Schema. It knows nothing of
// CloudFormation names; internal/plan maps a spec onto the hosted templates.
package spec

// APIVersion is the only spec version this hpctl reads.
const APIVersion = "hpctl/v1alpha1"

// Kind is the only kind of document hpctl reads.
const Kind = "Cluster"

// Orchestrator is the HyperPod orchestrator a spec deploys.
type Orchestrator string

const (
	EKS   Orchestrator = "eks"
	Slurm Orchestrator = "slurm"
)

// Orchestrators lists the valid orchestrators in the order help text shows them.
var Orchestrators = []Orchestrator{EKS, Slurm}

// Cluster is one spec document. A component written as settings is created;
// a component written as existing IDs is brought.
type Cluster struct {
	APIVersion   string         `yaml:"apiVersion" json:"apiVersion" jsonschema:"required,enum=hpctl/v1alpha1"`
	Kind         string         `yaml:"kind" json:"kind" jsonschema:"required,enum=Cluster"`
	Metadata     Metadata       `yaml:"metadata" json:"metadata" jsonschema:"required"`
	Orchestrator Orchestrator   `yaml:"orchestrator" json:"orchestrator" jsonschema:"required,enum=eks,enum=slurm"`
	Templates    Templates      `yaml:"templates,omitempty" json:"templates,omitempty"`
	Network      Network        `yaml:"network,omitempty" json:"network,omitempty"`
	Kubernetes   *Kubernetes    `yaml:"kubernetes,omitempty" json:"kubernetes,omitempty" jsonschema:"description=EKS only"`
	Storage      Storage        `yaml:"storage,omitempty" json:"storage,omitempty"`
	IAM          IAM            `yaml:"iam,omitempty" json:"iam,omitempty"`
	Cluster      HyperPod       `yaml:"cluster" json:"cluster" jsonschema:"required"`
	Features     *Features      `yaml:"features,omitempty" json:"features,omitempty" jsonschema:"description=Optional add-ons of the hosted main stack"`
	Slurm        *SlurmSettings `yaml:"slurm,omitempty" json:"slurm,omitempty" jsonschema:"description=Slurm only: the Slurm configuration and its accounting database"`
	SSM          *bool          `yaml:"ssm,omitempty" json:"ssm,omitempty" jsonschema:"description=Slurm only: deploy the SSM session document as a companion stack"`

	// Where each value was written, keyed by spec path; filled by Load.
	src source
}

// Metadata names the deployment.
type Metadata struct {
	Name           string `yaml:"name" json:"name" jsonschema:"required,description=HyperPod cluster name"`
	Region         string `yaml:"region,omitempty" json:"region,omitempty"`
	ResourcePrefix string `yaml:"resourcePrefix,omitempty" json:"resourcePrefix,omitempty" jsonschema:"description=Prefix of every resource name the stacks create (default sagemaker-<name>)"`
	StackName      string `yaml:"stackName,omitempty" json:"stackName,omitempty" jsonschema:"description=Main stack name (default hpctl-<name>)"`
	// ResourceShortPrefix names what the EKS inference stacks make under
	// length limits; one of its names is a global S3 bucket, so the template's
	// shared default (smhp1eks) would collide between deployments.
	ResourceShortPrefix string            `yaml:"resourceShortPrefix,omitempty" json:"resourceShortPrefix,omitempty" jsonschema:"description=Short prefix of names with length limits (EKS inference stacks; default: derived from the name and stack name, unique per deployment)"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Templates says where the CloudFormation templates come from.
type Templates struct {
	Stage   string  `yaml:"stage,omitempty" json:"stage,omitempty" jsonschema:"enum=prod,enum=gamma"`
	Version Version `yaml:"version,omitempty" json:"version,omitempty" jsonschema:"description=Versioned prefix of the hosted bucket"`
	Bucket  string  `yaml:"bucket,omitempty" json:"bucket,omitempty" jsonschema:"description=Custom template bucket (CustomBucketName)"`
	Dir     string  `yaml:"dir,omitempty" json:"dir,omitempty" jsonschema:"description=Local folder uploaded to the custom bucket before a deploy"`
}

// Network is the VPC, its subnets and the security groups.
type Network struct {
	AvailabilityZoneIDs []string      `yaml:"availabilityZoneIds,omitempty" json:"availabilityZoneIds,omitempty"`
	VPC                 VPC           `yaml:"vpc,omitempty" json:"vpc,omitempty"`
	SecurityGroup       SecurityGroup `yaml:"securityGroup,omitempty" json:"securityGroup,omitempty"`
	S3Endpoint          *bool         `yaml:"s3Endpoint,omitempty" json:"s3Endpoint,omitempty"`
}

// VPC is created from a CIDR, or brought with every ID its consumers need.
type VPC struct {
	CIDR                    string   `yaml:"cidr,omitempty" json:"cidr,omitempty"`
	ID                      string   `yaml:"id,omitempty" json:"id,omitempty"`
	PrivateSubnetIDs        []string `yaml:"privateSubnetIds,omitempty" json:"privateSubnetIds,omitempty"`
	EKSPrivateSubnetIDs     []string `yaml:"eksPrivateSubnetIds,omitempty" json:"eksPrivateSubnetIds,omitempty"`
	PrivateRouteTableIDs    []string `yaml:"privateRouteTableIds,omitempty" json:"privateRouteTableIds,omitempty"`
	EKSPrivateRouteTableIDs []string `yaml:"eksPrivateRouteTableIds,omitempty" json:"eksPrivateRouteTableIds,omitempty"`
}

// Brought reports whether the spec brings an existing VPC.
func (v VPC) Brought() bool { return v.ID != "" }

// SecurityGroup is created ({}), an existing group the stack adds rules to
// ({id}), or existing groups used as they are ({ids}).
type SecurityGroup struct {
	ID  string   `yaml:"id,omitempty" json:"id,omitempty"`
	IDs []string `yaml:"ids,omitempty" json:"ids,omitempty"`
}

// Kubernetes is the EKS side of an EKS deployment.
type Kubernetes struct {
	Cluster EKSCluster `yaml:"cluster,omitempty" json:"cluster,omitempty"`
	Helm    Helm       `yaml:"helm,omitempty" json:"helm,omitempty"`
}

// EKSCluster is a new EKS cluster, or the full name of an existing one.
type EKSCluster struct {
	Name     string  `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"description=Suffix of the new cluster name: <resourcePrefix>-<name>"`
	Version  Version `yaml:"version,omitempty" json:"version,omitempty"`
	Existing string  `yaml:"existing,omitempty" json:"existing,omitempty" jsonschema:"description=Full name of an existing EKS cluster"`
}

// Helm is the HyperPod Helm chart the hosted stack installs.
type Helm struct {
	Install   *bool    `yaml:"install,omitempty" json:"install,omitempty"`
	RepoURL   string   `yaml:"repoUrl,omitempty" json:"repoUrl,omitempty"`
	RepoPath  string   `yaml:"repoPath,omitempty" json:"repoPath,omitempty"`
	Release   string   `yaml:"release,omitempty" json:"release,omitempty"`
	Namespace string   `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Operators []string `yaml:"operators,omitempty" json:"operators,omitempty" jsonschema:"description=Helm --set values of the form key=value"`
}

// Storage is the lifecycle bucket, its scripts and FSx for Lustre.
type Storage struct {
	Bucket           Bucket            `yaml:"bucket,omitempty" json:"bucket,omitempty"`
	LifecycleScripts *LifecycleScripts `yaml:"lifecycleScripts,omitempty" json:"lifecycleScripts,omitempty"`
	FSx              *FSx              `yaml:"fsx,omitempty" json:"fsx,omitempty"`
}

// LifecycleScripts are the hosted default scripts (true, the default),
// none (false), or the user's own folder ({dir, onCreate}), which hpctl
// uploads to the lifecycle bucket.
type LifecycleScripts struct {
	Off      bool   `yaml:"-" json:"-"`
	Dir      string `yaml:"dir,omitempty" json:"dir,omitempty"`
	OnCreate string `yaml:"onCreate,omitempty" json:"onCreate,omitempty"`
}

// setBool lets `lifecycleScripts: true|false` stand for the hosted scripts or none.
func (l *LifecycleScripts) setBool(on bool) { l.Off = !on }

// Lifecycle is a group's own lifecycle scripts: another folder, another
// OnCreate script, or both; what it leaves out comes from
// storage.lifecycleScripts.
type Lifecycle struct {
	Dir      string `yaml:"dir,omitempty" json:"dir,omitempty"`
	OnCreate string `yaml:"onCreate,omitempty" json:"onCreate,omitempty"`
}

// Bucket is the lifecycle-script bucket: created ({}) or brought ({name}).
type Bucket struct {
	Name         string `yaml:"name,omitempty" json:"name,omitempty"`
	OnCreatePath string `yaml:"onCreatePath,omitempty" json:"onCreatePath,omitempty"`
}

// FSx is a new file system (settings), an existing one ({id}), or none (false).
type FSx struct {
	Disabled           bool    `yaml:"-" json:"-"`
	CapacityGiB        int     `yaml:"capacityGiB,omitempty" json:"capacityGiB,omitempty" jsonschema:"minimum=1"`
	ThroughputPerTiB   int     `yaml:"throughputPerTiB,omitempty" json:"throughputPerTiB,omitempty" jsonschema:"minimum=1"`
	DeploymentType     string  `yaml:"deploymentType,omitempty" json:"deploymentType,omitempty" jsonschema:"enum=PERSISTENT_2,enum=PERSISTENT_1,enum=SCRATCH_2,enum=SCRATCH_1"`
	Compression        string  `yaml:"compression,omitempty" json:"compression,omitempty" jsonschema:"enum=NONE,enum=LZ4"`
	LustreVersion      Version `yaml:"lustreVersion,omitempty" json:"lustreVersion,omitempty"`
	SubnetID           string  `yaml:"subnetId,omitempty" json:"subnetId,omitempty"`
	AvailabilityZoneID string  `yaml:"availabilityZoneId,omitempty" json:"availabilityZoneId,omitempty"`
	ID                 string  `yaml:"id,omitempty" json:"id,omitempty"`
}

// setBool lets `fsx: false` (and `fsx: true`, the defaults) stand for the whole mapping.
func (f *FSx) setBool(on bool) { f.Disabled = !on }

// Enabled reports whether the spec asks for FSx at all.
func (f *FSx) Enabled() bool { return f != nil && !f.Disabled }

// IAM holds the cluster execution role.
type IAM struct {
	ExecutionRole Role `yaml:"executionRole,omitempty" json:"executionRole,omitempty"`
}

// Role is created ({}) or brought by name ({name}).
type Role struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"description=Existing role name (not its ARN)"`
}

// HyperPod is the HyperPod cluster itself.
type HyperPod struct {
	Create                   *bool             `yaml:"create,omitempty" json:"create,omitempty" jsonschema:"description=false deploys everything but the HyperPod cluster"`
	NodeRecovery             string            `yaml:"nodeRecovery,omitempty" json:"nodeRecovery,omitempty" jsonschema:"enum=Automatic,enum=None"`
	NodeProvisioningMode     string            `yaml:"nodeProvisioningMode,omitempty" json:"nodeProvisioningMode,omitempty" jsonschema:"enum=Continuous"`
	AutoScaler               string            `yaml:"autoScaler,omitempty" json:"autoScaler,omitempty" jsonschema:"enum=Karpenter"`
	InstanceGroups           []InstanceGroup   `yaml:"instanceGroups,omitempty" json:"instanceGroups,omitempty" jsonschema:"maxItems=20"`
	RestrictedInstanceGroups []RestrictedGroup `yaml:"restrictedInstanceGroups,omitempty" json:"restrictedInstanceGroups,omitempty" jsonschema:"maxItems=20"`
}

// Creates reports whether the spec asks for the HyperPod cluster (the default).
func (h HyperPod) Creates() bool { return h.Create == nil || *h.Create }

// InstanceGroup is one InstanceGroupSettingsN slot.
type InstanceGroup struct {
	Name                     string     `yaml:"name" json:"name" jsonschema:"required"`
	InstanceType             string     `yaml:"instanceType" json:"instanceType" jsonschema:"required"`
	Count                    *int       `yaml:"count" json:"count" jsonschema:"required,minimum=0,maximum=6758"`
	ThreadsPerCore           int        `yaml:"threadsPerCore,omitempty" json:"threadsPerCore,omitempty" jsonschema:"enum=1,enum=2"`
	EBSVolumeGiB             int        `yaml:"ebsVolumeGiB,omitempty" json:"ebsVolumeGiB,omitempty" jsonschema:"minimum=1,maximum=16384"`
	TargetAvailabilityZoneID string     `yaml:"targetAvailabilityZoneId,omitempty" json:"targetAvailabilityZoneId,omitempty"`
	Type                     string     `yaml:"type,omitempty" json:"type,omitempty" jsonschema:"enum=Controller,enum=Login,enum=Compute,description=Slurm only"`
	DeepHealthChecks         []string   `yaml:"deepHealthChecks,omitempty" json:"deepHealthChecks,omitempty" jsonschema:"uniqueItems=true"`
	TrainingPlanARN          string     `yaml:"trainingPlanArn,omitempty" json:"trainingPlanArn,omitempty"`
	Lifecycle                *Lifecycle `yaml:"lifecycle,omitempty" json:"lifecycle,omitempty"`
}

// RestrictedGroup is one RigSettingsN slot (EKS only).
type RestrictedGroup struct {
	Name            string        `yaml:"name" json:"name" jsonschema:"required"`
	InstanceType    string        `yaml:"instanceType" json:"instanceType" jsonschema:"required"`
	Count           *int          `yaml:"count" json:"count" jsonschema:"required,minimum=0,maximum=6758"`
	ThreadsPerCore  int           `yaml:"threadsPerCore,omitempty" json:"threadsPerCore,omitempty" jsonschema:"enum=1,enum=2"`
	EBSVolumeGiB    int           `yaml:"ebsVolumeGiB,omitempty" json:"ebsVolumeGiB,omitempty" jsonschema:"minimum=1,maximum=16384"`
	FSxLustre       *RestrictedFS `yaml:"fsxLustre,omitempty" json:"fsxLustre,omitempty"`
	TrainingPlanARN string        `yaml:"trainingPlanArn,omitempty" json:"trainingPlanArn,omitempty"`
}

// RestrictedFS is the FSx for Lustre a restricted group's environment gets.
type RestrictedFS struct {
	SizeGiB          int `yaml:"sizeGiB" json:"sizeGiB" jsonschema:"required,minimum=1"`
	ThroughputPerTiB int `yaml:"throughputPerTiB,omitempty" json:"throughputPerTiB,omitempty" jsonschema:"minimum=1"`
}

// Features are the optional add-ons of the hosted main stacks.
type Features struct {
	InferenceOperator *bool `yaml:"inferenceOperator,omitempty" json:"inferenceOperator,omitempty" jsonschema:"description=EKS only. The hosted template defaults this to true; hpctl defaults it to false"`
	Observability     *bool `yaml:"observability,omitempty" json:"observability,omitempty" jsonschema:"description=Amazon Managed Prometheus and Grafana observability"`
}

// SlurmSettings are what only a Slurm cluster has.
type SlurmSettings struct {
	ConfigStrategy     string              `yaml:"configStrategy,omitempty" json:"configStrategy,omitempty" jsonschema:"enum=Overwrite,enum=Managed,enum=Merge,description=How HyperPod manages the Slurm configuration files"`
	AccountingDatabase *AccountingDatabase `yaml:"accountingDatabase,omitempty" json:"accountingDatabase,omitempty" jsonschema:"description=slurmdbd's database: created ({} or its settings) or brought ({endpoint, secretArn})"`
}

// AccountingDatabase is a new RDS for MariaDB database (settings), or an
// existing one (endpoint and secretArn).
type AccountingDatabase struct {
	InstanceClass string `yaml:"instanceClass,omitempty" json:"instanceClass,omitempty" jsonschema:"description=RDS instance class of a new database (template default db.m5.large)"`
	StorageGiB    int    `yaml:"storageGiB,omitempty" json:"storageGiB,omitempty" jsonschema:"minimum=20,maximum=65536"`
	Identifier    string `yaml:"identifier,omitempty" json:"identifier,omitempty" jsonschema:"description=RDS instance identifier of a new database (default: generated)"`
	Username      string `yaml:"username,omitempty" json:"username,omitempty" jsonschema:"description=Primary user of a new database (template default admin; the password is RDS-managed)"`
	Port          int    `yaml:"port,omitempty" json:"port,omitempty" jsonschema:"minimum=1150,maximum=65535"`
	Name          string `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"description=Database name (default: slurm_acct_db_<cluster hash>)"`
	Endpoint      string `yaml:"endpoint,omitempty" json:"endpoint,omitempty" jsonschema:"description=Host name of an existing database"`
	SecretARN     string `yaml:"secretArn,omitempty" json:"secretArn,omitempty" jsonschema:"description=Secrets Manager secret with an existing database's credentials"`
}

// Brought reports whether the spec brings an existing database.
func (a AccountingDatabase) Brought() bool { return a.Endpoint != "" || a.SecretARN != "" }

// Version is a dotted version that YAML may have read as a number
// (`version: 1.30`); the loader keeps the text as written.
type Version string

// On reports the value of an optional switch, with def when it is unset.
func On(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}
