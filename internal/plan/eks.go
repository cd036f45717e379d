package plan

import (
	"strings"
)

// eks maps an EKS spec onto the EKS main stack.
func (r *resolver) eks() {
	c := r.c
	n := c.Network
	r.vpc()
	if n.VPC.Brought() {
		r.setIf("EksPrivateSubnetIds", strings.Join(n.VPC.EKSPrivateSubnetIDs, ","), "network.vpc.eksPrivateSubnetIds")
		r.setIf("PrivateRouteTableIds", strings.Join(n.VPC.PrivateRouteTableIDs, ","), "network.vpc.privateRouteTableIds")
		r.setIf("EksPrivateRouteTableIds", strings.Join(n.VPC.EKSPrivateRouteTableIDs, ","), "network.vpc.eksPrivateRouteTableIds")
		r.want("PrivateSubnetStack", false, "network.vpc.id", "the brought VPC brings its subnets (CreateVPCStack drives both stacks)")
	} else {
		r.want("PrivateSubnetStack", true, "network.vpc", "private subnets of the new VPC (CreateVPCStack drives both stacks)")
	}

	sg := n.SecurityGroup
	r.toggle("CreateSecurityGroupStack", len(sg.IDs) == 0, "network.securityGroup", "no network.securityGroup.ids: hpctl creates the group")
	switch {
	case len(sg.IDs) > 0:
		r.set("SecurityGroupIds", strings.Join(sg.IDs, ","), "network.securityGroup.ids", "")
		r.want("SecurityGroupStack", false, "network.securityGroup.ids", "security groups %s are brought", strings.Join(sg.IDs, ", "))
	case sg.ID != "":
		r.set("SecurityGroupId", sg.ID, "network.securityGroup.id", "")
		r.want("SecurityGroupStack", true, "network.securityGroup.id", "adds the cluster rules to %s", sg.ID)
	default:
		r.want("SecurityGroupStack", true, "network.securityGroup", "new security group %s-sg", c.ResourcePrefix())
	}

	r.toggle("CreateS3EndpointStack", c.S3Endpoint(), "network.s3Endpoint", "the S3 endpoint is created unless switched off")
	if c.S3Endpoint() {
		r.want("S3EndpointStack", true, "network.s3Endpoint", "S3 gateway endpoint for the private route tables")
	} else {
		r.want("S3EndpointStack", false, "network.s3Endpoint", "network.s3Endpoint is false")
	}

	r.kubernetes()
	r.bucket()
	r.role()

	r.setIf("NodeProvisioningMode", c.Cluster.NodeProvisioningMode, "cluster.nodeProvisioningMode")
	r.setIf("AutoScalerType", c.Cluster.AutoScaler, "cluster.autoScaler")

	// The template's default short prefix (smhp1eks) names a global bucket
	// on the inference path: every deployment gets its own.
	r.set("ResourceNameShortPrefix", c.ResourceShortPrefix(r.region), "metadata.resourceShortPrefix",
		"derived from the name, stack name and region: the template's default would name one global bucket for every deployment")

	inf := c.InferenceOperator()
	r.toggle("EnableHPInferenceFeature", inf, "features.inferenceOperator", "off by hpctl's default; the template defaults it to true")
	if inf {
		r.want("InferenceOperatorMainStack", true, "features.inferenceOperator", "features.inferenceOperator is true")
		r.want("PrivateSubnetTagsStack", true, "features.inferenceOperator", "tags the subnets for the inference load balancers")
	} else {
		r.want("InferenceOperatorMainStack", false, "features.inferenceOperator", "inference operator off (the template's own default is on)")
		r.want("PrivateSubnetTagsStack", false, "features.inferenceOperator", "comes with the inference operator, which is off")
	}
	if inf {
		r.want("CertManagerStack", true, "features.inferenceOperator", "the inference operator needs cert-manager")
	}
	obs := c.Observability()
	r.toggle("EnableObservabilityFeature", obs, "features.observability", "off unless asked for")
	if obs {
		// The stack's add-on writes to a Prometheus workspace as a role of
		// its own; the spec brings neither, and left at the template's
		// defaults the add-on's pod identity has no role (EKS refuses it)
		// and its workspace ID is empty. So the template makes both.
		r.toggle("CreatePrometheusWorkspace", true, "", "features.observability brings no workspace: a new one, retained on delete")
		r.toggle("CreateHyperPodObservabilityRole", true, "", "features.observability brings no add-on role: the add-on's pod identity needs one")
		r.want("ObservabilityCustomStack", true, "features.observability", "features.observability is true")
	} else {
		r.want("ObservabilityCustomStack", false, "features.observability", "features.observability is off")
	}
	if len(c.Cluster.RestrictedInstanceGroups) > 0 {
		r.want("RigEndpointStack", true, "cluster.restrictedInstanceGroups", "restricted instance groups fill RigSettings1")
	}
}

// kubernetes maps the EKS cluster and the Helm chart.
func (r *resolver) kubernetes() {
	c := r.c
	if existing := c.ExistingEKS(); existing != "" {
		r.toggle("CreateEKSClusterStack", false, "kubernetes.cluster.existing", "")
		r.set("EKSClusterName", existing, "kubernetes.cluster.existing", "")
		r.want("EKSClusterStack", false, "kubernetes.cluster.existing", "EKS cluster %s is brought", existing)
	} else {
		r.toggle("CreateEKSClusterStack", true, "kubernetes.cluster", "no kubernetes.cluster.existing: hpctl creates the EKS cluster")
		var name, version string
		if c.Kubernetes != nil {
			name, version = c.Kubernetes.Cluster.Name, string(c.Kubernetes.Cluster.Version)
			r.setIf("EKSClusterName", name, "kubernetes.cluster.name")
			r.setIf("KubernetesVersion", version, "kubernetes.cluster.version")
		}
		if name == "" {
			name = r.value("EKSClusterName")
		}
		if version == "" {
			version = r.value("KubernetesVersion") + ", the template default"
		}
		r.want("EKSClusterStack", true, "kubernetes.cluster", "new EKS cluster %s-%s (Kubernetes %s)", c.ResourcePrefix(), name, version)
	}

	install := c.HelmInstall()
	r.toggle("CreateHelmChartStack", install, "kubernetes.helm.install", "the HyperPod Helm chart is installed unless switched off")
	if !install {
		r.want("HelmChartStack", false, "kubernetes.helm.install", "kubernetes.helm.install is false")
		return
	}
	r.want("HelmChartStack", true, "kubernetes.helm", "installs the HyperPod Helm chart")
	if c.Kubernetes == nil {
		return
	}
	h := c.Kubernetes.Helm
	r.setIf("HelmRepoUrl", h.RepoURL, "kubernetes.helm.repoUrl")
	r.setIf("HelmRepoPath", h.RepoPath, "kubernetes.helm.repoPath")
	r.setIf("HelmRelease", h.Release, "kubernetes.helm.release")
	r.setIf("Namespace", h.Namespace, "kubernetes.helm.namespace")
	r.setIf("HelmOperators", strings.Join(h.Operators, ","), "kubernetes.helm.operators")
}
