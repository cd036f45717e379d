package plan

import (
	"encoding/json"
	"fmt"

	"github.com/hpctl/hpctl/internal/spec"
)

// The shapes below are what the hosted cluster Lambda reads from each slot:
// the AWS::SageMaker::Cluster instance-group properties in PascalCase, plus
// its own keys TargetAvailabilityZoneId (it picks the subnet) and, for Slurm,
// InstanceGroupType (it writes provisioning_parameters.json). The Lambda adds
// ExecutionRole itself, and LifeCycleConfig where a slot has none.

type groupJSON struct {
	InstanceGroupName        string           `json:"InstanceGroupName"`
	InstanceType             string           `json:"InstanceType"`
	InstanceCount            int              `json:"InstanceCount"`
	ThreadsPerCore           int              `json:"ThreadsPerCore"`
	InstanceGroupType        string           `json:"InstanceGroupType,omitempty"`
	TargetAvailabilityZoneID string           `json:"TargetAvailabilityZoneId,omitempty"`
	InstanceStorageConfigs   []storageConfig  `json:"InstanceStorageConfigs,omitempty"`
	OnStartDeepHealthChecks  []string         `json:"OnStartDeepHealthChecks,omitempty"`
	TrainingPlanArn          string           `json:"TrainingPlanArn,omitempty"`
	LifeCycleConfig          *lifeCycleConfig `json:"LifeCycleConfig,omitempty"`
}

// lifeCycleConfig is set only for a group whose scripts are not the main
// folder's OnCreatePath.
type lifeCycleConfig struct {
	SourceS3Uri string `json:"SourceS3Uri"`
	OnCreate    string `json:"OnCreate"`
}

type restrictedJSON struct {
	InstanceGroupName      string          `json:"InstanceGroupName"`
	InstanceType           string          `json:"InstanceType"`
	InstanceCount          int             `json:"InstanceCount"`
	ThreadsPerCore         int             `json:"ThreadsPerCore"`
	InstanceStorageConfigs []storageConfig `json:"InstanceStorageConfigs,omitempty"`
	EnvironmentConfig      *environment    `json:"EnvironmentConfig,omitempty"`
	TrainingPlanArn        string          `json:"TrainingPlanArn,omitempty"`
}

type storageConfig struct {
	EbsVolumeConfig ebsVolume `json:"EbsVolumeConfig"`
}

type ebsVolume struct {
	VolumeSizeInGB int `json:"VolumeSizeInGB"`
}

type environment struct {
	FSxLustreConfig fsxLustre `json:"FSxLustreConfig"`
}

type fsxLustre struct {
	SizeInGiB                int `json:"SizeInGiB"`
	PerUnitStorageThroughput int `json:"PerUnitStorageThroughput,omitempty"`
}

func ebs(gib int) []storageConfig {
	if gib == 0 {
		return nil
	}
	return []storageConfig{{EbsVolumeConfig: ebsVolume{VolumeSizeInGB: gib}}}
}

func count(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// slotJSON renders one slot the way the hyp CLI does: a JSON array holding
// exactly one group.
func slotJSON(v any) string {
	b, _ := json.Marshal([]any{v}) // strings and ints only: it cannot fail
	return string(b)
}

func instanceGroupJSON(g spec.InstanceGroup, lc *lifeCycleConfig) string {
	return slotJSON(groupJSON{
		LifeCycleConfig:   lc,
		InstanceGroupName: g.Name, InstanceType: g.InstanceType, InstanceCount: count(g.Count), ThreadsPerCore: g.Threads(),
		InstanceGroupType: g.Type, TargetAvailabilityZoneID: g.TargetAvailabilityZoneID, InstanceStorageConfigs: ebs(g.EBSVolumeGiB),
		OnStartDeepHealthChecks: g.DeepHealthChecks, TrainingPlanArn: g.TrainingPlanARN,
	})
}

func restrictedGroupJSON(g spec.RestrictedGroup) string {
	out := restrictedJSON{
		InstanceGroupName: g.Name, InstanceType: g.InstanceType, InstanceCount: count(g.Count), ThreadsPerCore: g.Threads(),
		InstanceStorageConfigs: ebs(g.EBSVolumeGiB), TrainingPlanArn: g.TrainingPlanARN,
	}
	if f := g.FSxLustre; f != nil {
		out.EnvironmentConfig = &environment{FSxLustreConfig: fsxLustre{SizeInGiB: f.SizeGiB, PerUnitStorageThroughput: f.ThroughputPerTiB}}
	}
	return slotJSON(out)
}

// groups fills InstanceGroupSettings1..N and RigSettings1..N from slot 1 up,
// one group per slot. Filling from slot 1 keeps clear of the template's trap
// that only RigSettings1 switches the restricted-group plumbing on.
func (r *resolver) groups() {
	h := r.c.Cluster
	if !h.Creates() {
		return
	}
	for i, g := range h.InstanceGroups[:min(len(h.InstanceGroups), 20)] {
		slot := Group{
			Slot: fmt.Sprintf("InstanceGroupSettings%d", i+1), Name: g.Name, InstanceType: g.InstanceType, Count: count(g.Count),
			Type: g.Type, Zone: g.TargetAvailabilityZoneID, EBSVolumeGiB: g.EBSVolumeGiB, JSON: instanceGroupJSON(g, r.own.groupLifecycle(g, r.c.OwnScripts())),
		}
		r.slots = append(r.slots, slot)
		r.set(slot.Slot, slot.JSON, fmt.Sprintf("cluster.instanceGroups[%d]", i), "")
	}
	for i, g := range h.RestrictedInstanceGroups[:min(len(h.RestrictedInstanceGroups), 20)] {
		slot := Group{
			Slot: fmt.Sprintf("RigSettings%d", i+1), Name: g.Name, InstanceType: g.InstanceType, Count: count(g.Count),
			Restricted: true, EBSVolumeGiB: g.EBSVolumeGiB, JSON: restrictedGroupJSON(g),
		}
		r.slots = append(r.slots, slot)
		r.set(slot.Slot, slot.JSON, fmt.Sprintf("cluster.restrictedInstanceGroups[%d]", i), "")
	}
}
