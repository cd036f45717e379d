package plan

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
	if c.Cluster.NodeProvisioningMode != "" {
		r.errf("cluster.nodeProvisioningMode", "the Slurm main stack has no NodeProvisioningMode parameter; the cluster would not get it")
	}

	r.bucket()
	r.role()

	if c.SSMStack() {
		r.want("SSMStack", true, "ssm", "ssm is true: hpctl deploys the session document stack beside the main stack")
	} else {
		r.want("SSMStack", false, "ssm", "ssm is not set")
	}
}
