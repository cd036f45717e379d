package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Resource ID shapes: the AWS prefix, then 8 (older) or 17 hex digits.
var (
	reVPCID    = idPattern("vpc")
	reSubnetID = idPattern("subnet")
	reSGID     = idPattern("sg")
	reRTBID    = idPattern("rtb")
	reFSID     = idPattern("fs")

	// AZ IDs: usw2-az1, and local zones such as use1-bos1-az1.
	reAZID   = regexp.MustCompile(`^[a-z]{2,5}[0-9]+(-[a-z]{3,4}[0-9]+)?-az[0-9]+$`)
	reRegion = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$`)
	// HyperPod instance types: ml.<family>.<size>.
	reInstanceType = regexp.MustCompile(`^ml\.[a-z0-9-]+\.[a-z0-9]+$`)
	// SageMaker cluster and instance-group names.
	reHyperPodName = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)
	reStackName    = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)
	reRoleName     = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	reEKSName      = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	reK8sVersion   = regexp.MustCompile(`^1\.[0-9]{2}$`)
	reVersion      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)
	reTrainingPlan = regexp.MustCompile(`^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:training-plan/[a-zA-Z0-9-]+$`)
	rePrefix       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	reHelmSet      = regexp.MustCompile(`^[A-Za-z0-9_.\-\[\]]+=[^,]*$`)
	reK8sNamespace = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	reBucket       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	reTag          = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	reDBClass      = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	reSecretARN    = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
)

func idPattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + prefix + `-([0-9a-f]{8}|[0-9a-f]{17})$`)
}

// AZIDPrefix derives the AZ ID prefix AWS uses for a region: us-west-2 →
// usw2, ap-southeast-2 → apse2, us-gov-west-1 → usgw1. It returns "" for a
// region whose name it cannot decompose, so callers skip the check.
func AZIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return ""
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, word := range parts[1 : len(parts)-1] {
		abbr, ok := map[string]string{
			"gov": "g", "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
			"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
		}[word]
		if !ok {
			return ""
		}
		b.WriteString(abbr)
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// AZIDRegionPrefix returns the region part of an AZ ID: usw2-az1 → usw2.
func AZIDRegionPrefix(azID string) string {
	prefix, _, _ := strings.Cut(azID, "-")
	return prefix
}

// checkBucketName applies the S3 general-purpose bucket naming rules and
// returns what is wrong, or "".
func checkBucketName(name string) string {
	switch {
	case len(name) < 3 || len(name) > 63:
		return fmt.Sprintf("%q is not a bucket name: it must be 3 to 63 characters long", name)
	case !reBucket.MatchString(name):
		return fmt.Sprintf("%q is not a bucket name: use lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit", name)
	case strings.Contains(name, ".."):
		return fmt.Sprintf("%q is not a bucket name: it has two dots in a row", name)
	}
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Sprintf("%q is not a bucket name: the prefix %s is reserved by S3", name, p)
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return fmt.Sprintf("%q is not a bucket name: the suffix %s is reserved by S3", name, sfx)
		}
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return fmt.Sprintf("%q is not a bucket name: it looks like an IP address", name)
	}
	return ""
}

// parseVPCCIDR checks the CIDR of a VPC the hosted template creates.
func parseVPCCIDR(s string) (netip.Prefix, string) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		return p, fmt.Sprintf("%q is not an IPv4 CIDR block such as 10.192.0.0/16", s)
	case p.Masked() != p:
		return p, fmt.Sprintf("%q has host bits set; the block starts at %s", s, p.Masked())
	case p.Bits() != 16:
		// The VPC template carves its public /24s from the first two octets
		// (a.b.0.0/24, a.b.32.0/24, …), so only a /16 holds them all.
		return p, fmt.Sprintf("%q must be a /16: the VPC template carves its subnets from the first two octets", s)
	}
	// Blocks no VPC can use (RFC 6890 special-purpose ranges; a VPC's
	// CIDR must be one AWS can route inside the VPC).
	for _, r := range []struct{ block, what string }{
		{"0.0.0.0/8", "the \"this network\" block"}, {"127.0.0.0/8", "a loopback block"},
		{"169.254.0.0/16", "the link-local block"}, {"224.0.0.0/4", "a multicast block"}, {"240.0.0.0/4", "a reserved block"},
	} {
		if netip.MustParsePrefix(r.block).Overlaps(p) {
			return p, fmt.Sprintf("%s is %s (in %s), which no VPC can use; choose a /16 in 10.0.0.0/8 such as 10.192.0.0/16", s, r.what, r.block)
		}
	}
	return p, ""
}
