package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// instanceTypes are the HyperPod instance types of the SageMaker SDK hpctl
// is built with (types.ClusterInstanceType): a type HyperPod does not offer
// fails on AWS only in the cluster's own stack, after the network, EKS and
// FSx were built, and everything rolls back. Taken from the SDK, the list
// follows it when go.mod moves.
var instanceTypes = sync.OnceValue(func() []string {
	var out []string
	for _, t := range smtypes.ClusterInstanceType("").Values() {
		out = append(out, string(t))
	}
	slices.Sort(out)
	return out
})

// instanceTypeProblem says why a well-formed type is not one HyperPod
// offers, with what the user may have meant ("" when it is one).
func instanceTypeProblem(t string) string {
	all := instanceTypes()
	if _, found := slices.BinarySearch(all, t); found {
		return ""
	}
	msg := fmt.Sprintf("%q is not a HyperPod instance type", t)
	family := t[:strings.LastIndexByte(t, '.')+1]
	var sizes []string
	for _, x := range all {
		if strings.HasPrefix(x, family) {
			sizes = append(sizes, strings.TrimPrefix(x, family))
		}
	}
	if len(sizes) > 0 {
		slices.SortFunc(sizes, func(a, b string) int { return sizeOrder(a) - sizeOrder(b) })
		return fmt.Sprintf("%s: %s comes in %s", msg, strings.TrimSuffix(family, "."), strings.Join(sizes, ", "))
	}
	if near := Closest(t, all); near != "" {
		return fmt.Sprintf("%s; did you mean %s?", msg, near)
	}
	return msg + " (see the instance types of SageMaker HyperPod's pricing page)"
}

// sizeOrder orders sizes as AWS lists them: medium, large, xlarge,
// 2xlarge, …, 48xlarge.
func sizeOrder(size string) int {
	switch size {
	case "medium":
		return -1
	case "large":
		return 0
	case "xlarge":
		return 1
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
	return n
}
