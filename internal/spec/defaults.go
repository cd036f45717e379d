package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Defaults are applied by these accessors rather than written into the
// struct, so that Has(path) keeps telling what the user wrote and the plan can
// say whether a value came from the spec or from hpctl.

// DefaultStage is the hosted template bucket hpctl reads unless told otherwise.
const DefaultStage = "prod"

// DefaultThreadsPerCore is sent for every group that does not say: 1 turns
// hyperthreading off, which is what training jobs on HyperPod expect.
const DefaultThreadsPerCore = 1

// ResourcePrefix is the prefix of every resource the stacks name. The default
// starts with "sagemaker-" because the managed HyperPod instance policy only
// grants buckets of that prefix.
func (c *Cluster) ResourcePrefix() string {
	if c.Metadata.ResourcePrefix != "" {
		return c.Metadata.ResourcePrefix
	}
	return "sagemaker-" + strings.ToLower(c.Metadata.Name)
}

// ResourceShortPrefix is the short prefix of the names the EKS inference
// stacks give under length limits. The default is the cluster name cut to 20
// characters and 6 hex digits of the stack name and region: unique per
// deployment, since one of those names is a global S3 bucket, and stable
// across updates of the same deployment.
func (c *Cluster) ResourceShortPrefix(region string) string {
	if c.Metadata.ResourceShortPrefix != "" {
		return c.Metadata.ResourceShortPrefix
	}
	var b strings.Builder
	for _, r := range strings.ToLower(c.Metadata.Name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		}
	}
	name := strings.Trim(b.String()[:min(b.Len(), 20)], "-")
	sum := sha256.Sum256([]byte(c.StackName() + "/" + region))
	if name == "" {
		return "hp-" + hex.EncodeToString(sum[:3])
	}
	return name + "-" + hex.EncodeToString(sum[:3])
}

// StackName is the name of the main stack.
func (c *Cluster) StackName() string {
	if c.Metadata.StackName != "" {
		return c.Metadata.StackName
	}
	return "hpctl-" + c.Metadata.Name
}

// Stage is the hosted template stage (prod or gamma).
func (c *Cluster) Stage() string {
	if c.Templates.Stage != "" {
		return c.Templates.Stage
	}
	return DefaultStage
}

// InferenceOperator is off unless asked for; the hosted template defaults it
// on, which needs a cluster and adds a retained bucket per deployment.
func (c *Cluster) InferenceOperator() bool {
	return c.Features != nil && On(c.Features.InferenceOperator, false)
}

// Observability is off unless asked for.
func (c *Cluster) Observability() bool {
	return c.Features != nil && On(c.Features.Observability, false)
}

// S3Endpoint is on unless switched off.
func (c *Cluster) S3Endpoint() bool { return On(c.Network.S3Endpoint, true) }

// HelmInstall is on unless switched off.
func (c *Cluster) HelmInstall() bool {
	return c.Kubernetes == nil || On(c.Kubernetes.Helm.Install, true)
}

// LifecycleScripts reports whether the hosted lifecycle scripts are used:
// on unless switched off or replaced by the user's own folder.
func (c *Cluster) LifecycleScripts() bool {
	l := c.Storage.LifecycleScripts
	return l == nil || !l.Off && l.Dir == ""
}

// OwnScripts is the user's own lifecycle folder, or nil.
func (c *Cluster) OwnScripts() *LifecycleScripts {
	if l := c.Storage.LifecycleScripts; l != nil && !l.Off && l.Dir != "" {
		return l
	}
	return nil
}

// DefaultOnCreate is the OnCreate script of a folder that names none.
const DefaultOnCreate = "on_create.sh"

// OnCreateScript is the OnCreate script of the user's own folder.
func (l *LifecycleScripts) OnCreateScript() string {
	if l.OnCreate == "" {
		return DefaultOnCreate
	}
	return l.OnCreate
}

// SSMStack is off unless asked for (Slurm only).
func (c *Cluster) SSMStack() bool { return On(c.SSM, false) }

// ExistingEKS returns the full name of a brought EKS cluster, or "".
func (c *Cluster) ExistingEKS() string {
	if c.Kubernetes == nil {
		return ""
	}
	return c.Kubernetes.Cluster.Existing
}

// Threads is the group's ThreadsPerCore, defaulted.
func (g InstanceGroup) Threads() int {
	if g.ThreadsPerCore == 0 {
		return DefaultThreadsPerCore
	}
	return g.ThreadsPerCore
}

// Threads is the group's ThreadsPerCore, defaulted.
func (g RestrictedGroup) Threads() int {
	if g.ThreadsPerCore == 0 {
		return DefaultThreadsPerCore
	}
	return g.ThreadsPerCore
}
