package deploy

import (
	"reflect"
	"testing"
)

func TestGroupChanges(t *testing.T) {
	workers := `{"InstanceGroupName":"workers","InstanceType":"ml.g5.8xlarge","InstanceCount":2}`
	for _, tc := range []struct {
		name   string
		params []ParamChange
		want   []GroupChange
	}{
		{"scaled", []ParamChange{{Name: "InstanceGroupSettings1", Old: "[" + workers + "]",
			New: `[{"InstanceGroupName":"workers","InstanceType":"ml.g5.8xlarge","InstanceCount":3}]`}},
			[]GroupChange{{Group: "workers", Action: "modify", Fields: []FieldChange{{"InstanceCount", "2", "3"}}}}},
		{"added and removed", []ParamChange{{Name: "InstanceGroupSettings2", Old: `[{"InstanceGroupName":"old","InstanceCount":1}]`,
			New: `[{"InstanceGroupName":"gpu","InstanceType":"ml.p5.48xlarge","InstanceCount":2}]`}},
			[]GroupChange{{Group: "old", Action: "remove", Lost: "its node and its local data (instance storage, EBS volumes)"},
				{Group: "gpu", Action: "add", Fields: []FieldChange{{"InstanceCount", "", "2"}, {"InstanceType", "", "ml.p5.48xlarge"}}}}},
		{"moved to another slot, unchanged", []ParamChange{{Name: "InstanceGroupSettings1", Old: "[" + workers + "]", New: "[]"},
			{Name: "InstanceGroupSettings2", Old: "[]", New: "[" + workers + "]"}}, nil},
		{"a new type replaces the group", []ParamChange{{Name: "RigSettings1", Old: "[" + workers + "]",
			New: `[{"InstanceGroupName":"workers","InstanceType":"ml.g5.12xlarge","InstanceCount":2}]`}},
			[]GroupChange{{Group: "workers", Restricted: true, Action: "modify", Fields: []FieldChange{{"InstanceType", "ml.g5.8xlarge", "ml.g5.12xlarge"}},
				Replaces: true, Lost: "its 2 nodes and their local data (instance storage, EBS volumes)"}}},
		{"not a group parameter", []ParamChange{{Name: "Stage", Old: "prod", New: "gamma"}}, nil},
	} {
		if got := GroupChanges(tc.params); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
