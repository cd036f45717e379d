package plan

import (
	"encoding/json"
	"fmt"
)

// slurm maps a Slurm spec onto the Slurm main stack.
func (r *resolver) slurm() {
	c := r.c
	n := c.Network
	r.vpc()

	sg := n.SecurityGroup
	r.toggle("CreateSecurityGroupStack", len(sg.IDs) == 0, "network.securityGroup", "no network.securityGroup.ids: hpctl creates the group")
	switch {
	case sg.ID != "":
		r.errf("network.securityGroup.id", "the Slurm security-group stack cannot add rules to an existing group; bring it as it is with ids: [%s]", sg.ID)
	case len(sg.IDs) > 1:
		r.errf("network.securityGroup.ids", "the Slurm main stack takes one security group (SecurityGroupId); got %d", len(sg.IDs))
	case len(sg.IDs) == 1:
		r.set("SecurityGroupId", sg.IDs[0], "network.securityGroup.ids", "")
	}
	if len(sg.IDs) > 0 {
		r.want("SecurityGroupStack", false, "network.securityGroup.ids", "security group %s is brought", sg.IDs[0])
	} else {
		r.want("SecurityGroupStack", true, "network.securityGroup", "new security group %s-sg", c.ResourcePrefix())
	}

	// The Slurm VPC stack bundles the S3 endpoint: there is no switch for it.
	if c.Has("network.s3Endpoint") {
		switch {
		case !c.S3Endpoint() && !n.VPC.Brought():
			r.errf("network.s3Endpoint", "cannot be switched off for Slurm: the Slurm VPC stack always creates the S3 endpoint")
		case c.S3Endpoint() && n.VPC.Brought():
			r.warnf("network.s3Endpoint", "the Slurm main stack creates no S3 endpoint for a brought VPC; it must have its own")
		}
	}
	r.setIf("NodeProvisioningMode", c.Cluster.NodeProvisioningMode, "cluster.nodeProvisioningMode")

	r.bucket()
	r.role()
	r.accounting()

	obs := c.Observability()
	r.toggle("EnableObservabilityFeature", obs, "features.observability", "off unless asked for")
	if obs {
		// The stack needs a Prometheus workspace to write to; the spec
		// brings none, so the template makes one (retained on delete).
		r.toggle("CreatePrometheusWorkspace", true, "", "features.observability brings no workspace: a new one, retained on delete")
		r.want("ObservabilityStack", true, "features.observability", "features.observability is true: Prometheus (a new workspace) and Grafana")
	} else {
		r.want("ObservabilityStack", false, "features.observability", "features.observability is off")
	}

	if c.SSMStack() {
		r.want("SSMStack", true, "ssm", "ssm is true: hpctl deploys the session document stack beside the main stack")
	} else {
		r.want("SSMStack", false, "ssm", "ssm is not set")
	}
}

// accounting maps the Slurm settings and slurmdbd's accounting database:
// a new one is the template's AccountingDatabaseStack; a brought one goes to
// the cluster as JSON, and its secret to the execution role the stacks make.
func (r *resolver) accounting() {
	s := r.c.Slurm
	if s == nil {
		r.want("AccountingDatabaseStack", false, "slurm.accountingDatabase", "slurm.accountingDatabase is not set: slurmdbd keeps its database on the controller")
		return
	}
	r.setIf("SlurmConfigStrategy", s.ConfigStrategy, "slurm.configStrategy")
	a := s.AccountingDatabase
	switch {
	case a == nil:
		r.want("AccountingDatabaseStack", false, "slurm.accountingDatabase", "slurm.accountingDatabase is not set: slurmdbd keeps its database on the controller")
	case a.Brought():
		cfg := map[string]any{"Endpoint": a.Endpoint, "SecretArn": a.SecretARN}
		if a.Port != 0 {
			cfg["Port"] = a.Port
		}
		if a.Name != "" {
			cfg["Name"] = a.Name
		}
		b, _ := json.Marshal(cfg) // strings and an int: it cannot fail
		r.set("AccountingDatabaseConfig", string(b), "slurm.accountingDatabase", "")
		r.set("AccountingDatabaseSecretArn", a.SecretARN, "slurm.accountingDatabase.secretArn", "")
		r.want("AccountingDatabaseStack", false, "slurm.accountingDatabase.endpoint", "accounting database %s is brought", a.Endpoint)
	default:
		r.toggle("CreateAccountingDatabase", true, "slurm.accountingDatabase", "")
		r.setIf("AccountingDatabaseInstanceClass", a.InstanceClass, "slurm.accountingDatabase.instanceClass")
		if a.StorageGiB > 0 {
			r.set("AccountingDatabaseAllocatedStorage", fmt.Sprint(a.StorageGiB), "slurm.accountingDatabase.storageGiB", "")
		}
		r.setIf("AccountingDatabaseInstanceIdentifier", a.Identifier, "slurm.accountingDatabase.identifier")
		r.setIf("AccountingDatabasePrimaryUsername", a.Username, "slurm.accountingDatabase.username")
		if a.Port > 0 {
			r.set("AccountingDatabasePort", fmt.Sprint(a.Port), "slurm.accountingDatabase.port", "")
		}
		r.setIf("AccountingDatabaseName", a.Name, "slurm.accountingDatabase.name")
		class := a.InstanceClass
		if class == "" {
			class = r.value("AccountingDatabaseInstanceClass")
		}
		r.want("AccountingDatabaseStack", true, "slurm.accountingDatabase", "new RDS for MariaDB accounting database (%s)", class)
	}
}
