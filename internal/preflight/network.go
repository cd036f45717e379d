package preflight

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// subnet is what the checks need of a subnet.
type subnet struct {
	vpc, zone string
	free      int
}

// subnetsOf describes the subnets not yet known, in one call. It asks by
// filter, not by ID: DescribeSubnets with IDs fails whole on the first one
// that does not exist, a filter returns those that do.
func (r *run) subnetsOf(ctx context.Context, ids []string) (map[string]*subnet, error) {
	r.subnetMu.Lock()
	defer r.subnetMu.Unlock()
	if r.subnets == nil {
		r.subnets = map[string]*subnet{}
	}
	var unknown []string
	for _, id := range ids {
		if _, ok := r.subnets[id]; !ok && !slices.Contains(unknown, id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		p := ec2.NewDescribeSubnetsPaginator(r.c.Network, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("subnet-id"), Values: unknown}}})
		for _, id := range unknown {
			r.subnets[id] = nil
		}
		for p.HasMorePages() {
			r.called()
			page, err := p.NextPage(ctx)
			if err != nil {
				for _, id := range unknown {
					delete(r.subnets, id)
				}
				return nil, err
			}
			for _, s := range page.Subnets {
				r.subnets[aws.ToString(s.SubnetId)] = &subnet{vpc: aws.ToString(s.VpcId), zone: aws.ToString(s.AvailabilityZoneId), free: int(aws.ToInt32(s.AvailableIpAddressCount))}
			}
		}
	}
	out := make(map[string]*subnet, len(ids))
	for _, id := range ids {
		out[id] = r.subnets[id]
	}
	return out, nil
}

// zoneIDsByName maps the region's zone names to zone IDs (one call per run).
func (r *run) zoneIDsByName(ctx context.Context) (map[string]string, error) {
	r.zoneOnce.Do(func() {
		r.called()
		out, err := r.c.Network.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{AllAvailabilityZones: aws.Bool(true)})
		if err != nil {
			r.zoneErr = err
			return
		}
		r.zoneIDs = map[string]string{}
		for _, z := range out.AvailabilityZones {
			r.zoneIDs[aws.ToString(z.ZoneName)] = aws.ToString(z.ZoneId)
		}
	})
	return r.zoneIDs, r.zoneErr
}

// network checks a brought VPC: it exists, its subnets exist in it, in the
// zones the spec targets and with addresses for the nodes, and its security
// groups and route tables are its own.
func (r *run) network(ctx context.Context) {
	n := r.s.Network
	vpc := n.VPC.ID
	if vpc != "" {
		r.called()
		out, err := r.c.Network.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
		switch {
		case err != nil:
			r.unchecked(ctx, "network", "network.vpc.id", err)
		case len(out.Vpcs) == 0:
			r.errf("network.vpc.id", "no VPC %s in %s (ec2:DescribeVpcs); give the ID of a VPC in this region and account, or leave network.vpc.id out and give a cidr for hpctl to create one", vpc, r.c.Region)
			return // its subnets, groups and tables cannot be in it
		}
	}
	r.subnetsFit(ctx)
	r.eksSubnets(ctx)
	r.securityGroups(ctx, vpc)
	r.routeTables(ctx, vpc)
}

// subnetsFit checks the node subnets: in the VPC, in the spec's zones, and
// with a free address for every node of the groups that land in them.
func (r *run) subnetsFit(ctx context.Context) {
	vpc := r.s.Network.VPC
	ids := vpc.PrivateSubnetIDs
	if len(ids) == 0 {
		return
	}
	found, err := r.subnetsOf(ctx, ids)
	if err != nil {
		r.unchecked(ctx, "network", "network.vpc.privateSubnetIds", err)
		return
	}
	zones := zonesOf(r.s)
	allowed := slices.Sorted(maps.Keys(zones))
	byZone := map[string][]string{}
	free := map[string]int{}
	total := 0
	for i, id := range ids {
		path := fmt.Sprintf("network.vpc.privateSubnetIds[%d]", i)
		sn := found[id]
		switch {
		case sn == nil:
			r.errf(path, "no subnet %s in %s (ec2:DescribeSubnets)", id, r.c.Region)
			continue
		case sn.vpc != vpc.ID:
			r.errf(path, "subnet %s is in %s, not in network.vpc.id %s", id, sn.vpc, vpc.ID)
			continue
		case len(allowed) > 0 && !slices.Contains(allowed, sn.zone):
			r.errf(path, "subnet %s is in zone %s; the spec's zones are %s (network.availabilityZoneIds and the groups' targetAvailabilityZoneId): use a subnet in one of them, or add its zone", id, sn.zone, strings.Join(allowed, ", "))
			continue
		}
		byZone[sn.zone] = append(byZone[sn.zone], id)
		free[sn.zone] += sn.free
		total += sn.free
	}
	need, needZone := 0, map[string]int{}
	for _, g := range groupsOf(r.s) {
		need += g.count
		if g.zone == "" {
			continue
		}
		needZone[g.zone] += g.count
		if len(byZone[g.zone]) == 0 {
			r.errf(g.path+".targetAvailabilityZoneId", "group %s targets %s, but no subnet of network.vpc.privateSubnetIds is in that zone; add one there, or target a zone of those subnets", g.name, g.zone)
		}
	}
	for _, z := range slices.Sorted(maps.Keys(needZone)) {
		if len(byZone[z]) > 0 && free[z] < needZone[z] {
			r.errf("network.vpc.privateSubnetIds", "the subnets in %s (%s) have %d free addresses; the groups that target it need at least %d, one per node", z, strings.Join(byZone[z], ", "), free[z], needZone[z])
		}
	}
	if len(byZone) > 0 && total < need {
		r.errf("network.vpc.privateSubnetIds", "the subnets have %d free addresses; the groups need at least %d, one per node: add subnets or free addresses", total, need)
	}
}

// eksSubnets checks the subnets a new EKS cluster's control plane takes.
func (r *run) eksSubnets(ctx context.Context) {
	vpc := r.s.Network.VPC
	if len(vpc.EKSPrivateSubnetIDs) == 0 {
		return
	}
	found, err := r.subnetsOf(ctx, vpc.EKSPrivateSubnetIDs)
	if err != nil {
		r.unchecked(ctx, "network", "network.vpc.eksPrivateSubnetIds", err)
		return
	}
	for i, id := range vpc.EKSPrivateSubnetIDs {
		path := fmt.Sprintf("network.vpc.eksPrivateSubnetIds[%d]", i)
		switch sn := found[id]; {
		case sn == nil:
			r.errf(path, "no subnet %s in %s (ec2:DescribeSubnets)", id, r.c.Region)
		case sn.vpc != vpc.ID:
			r.errf(path, "subnet %s is in %s, not in network.vpc.id %s", id, sn.vpc, vpc.ID)
		}
	}
}

// securityGroups checks brought security groups exist, in the brought VPC.
func (r *run) securityGroups(ctx context.Context, vpc string) {
	sg := r.s.Network.SecurityGroup
	ids, paths := sg.IDs, make([]string, len(sg.IDs))
	for i := range sg.IDs {
		paths[i] = fmt.Sprintf("network.securityGroup.ids[%d]", i)
	}
	if sg.ID != "" {
		ids, paths = append(ids, sg.ID), append(paths, "network.securityGroup.id")
	}
	if len(ids) == 0 {
		return
	}
	r.called()
	out, err := r.c.Network.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: ids}}})
	if err != nil {
		r.unchecked(ctx, "network", "network.securityGroup", err)
		return
	}
	in := map[string]string{}
	for _, g := range out.SecurityGroups {
		in[aws.ToString(g.GroupId)] = aws.ToString(g.VpcId)
	}
	for i, id := range ids {
		v, ok := in[id]
		switch {
		case !ok:
			r.errf(paths[i], "no security group %s in %s (ec2:DescribeSecurityGroups)", id, r.c.Region)
		case vpc != "" && v != vpc:
			r.errf(paths[i], "security group %s is in %s, not in network.vpc.id %s", id, v, vpc)
		}
	}
}

// routeTables checks brought route tables exist, in the brought VPC.
func (r *run) routeTables(ctx context.Context, vpc string) {
	var ids, paths []string
	for key, list := range map[string][]string{"privateRouteTableIds": r.s.Network.VPC.PrivateRouteTableIDs, "eksPrivateRouteTableIds": r.s.Network.VPC.EKSPrivateRouteTableIDs} {
		for i, id := range list {
			ids, paths = append(ids, id), append(paths, fmt.Sprintf("network.vpc.%s[%d]", key, i))
		}
	}
	if len(ids) == 0 {
		return
	}
	r.called()
	out, err := r.c.Network.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{{Name: aws.String("route-table-id"), Values: ids}}})
	if err != nil {
		r.unchecked(ctx, "network", "network.vpc", err)
		return
	}
	in := map[string]string{}
	for _, t := range out.RouteTables {
		in[aws.ToString(t.RouteTableId)] = aws.ToString(t.VpcId)
	}
	for i, id := range ids {
		v, ok := in[id]
		switch {
		case !ok:
			r.errf(paths[i], "no route table %s in %s (ec2:DescribeRouteTables)", id, r.c.Region)
		case v != vpc:
			r.errf(paths[i], "route table %s is in %s, not in network.vpc.id %s", id, v, vpc)
		}
	}
}

// zones checks the spec's zone IDs are the region's, and warns where EC2
// does not offer a group's instance type in its zone: HyperPod's capacity is
// not EC2's, but a type EC2 lacks in a zone is seldom there for HyperPod.
func (r *run) zones(ctx context.Context) {
	byName, err := r.zoneIDsByName(ctx)
	if err != nil {
		r.unchecked(ctx, "zones", "network.availabilityZoneIds", err)
		return
	}
	ids := map[string]bool{}
	for _, id := range byName {
		ids[id] = true
	}
	zones := zonesOf(r.s)
	for _, z := range slices.Sorted(maps.Keys(zones)) {
		if !ids[z] {
			r.errf(zones[z], "%s is not a zone of %s; its zones are %s (ec2:DescribeAvailabilityZones)", z, r.c.Region, strings.Join(slices.Sorted(maps.Keys(ids)), ", "))
			delete(zones, z)
		}
	}
	want := map[string][]group{} // EC2 type → groups
	for _, g := range groupsOf(r.s) {
		if t, ok := strings.CutPrefix(g.instanceType, "ml."); ok {
			want[t] = append(want[t], g)
		}
	}
	if len(want) == 0 || len(zones) == 0 {
		return
	}
	offered := map[string]bool{} // type@zone
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(r.c.Network, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZoneId,
		Filters:      []ec2types.Filter{{Name: aws.String("instance-type"), Values: slices.Sorted(maps.Keys(want))}}})
	for p.HasMorePages() {
		r.called()
		page, err := p.NextPage(ctx)
		if err != nil {
			r.unchecked(ctx, "zones", "cluster.instanceGroups", err)
			return
		}
		for _, o := range page.InstanceTypeOfferings {
			offered[string(o.InstanceType)+"@"+aws.ToString(o.Location)] = true
		}
	}
	for _, t := range slices.Sorted(maps.Keys(want)) {
		for _, g := range want[t] {
			targets := []string{g.zone}
			if g.zone == "" {
				targets = slices.Sorted(maps.Keys(zones))
			}
			var missing []string
			for _, z := range targets {
				if _, ok := zones[z]; ok && !offered[t+"@"+z] {
					missing = append(missing, z)
				}
			}
			if len(missing) > 0 {
				r.warnf(g.path+".instanceType", "EC2 does not offer %s in %s (ec2:DescribeInstanceTypeOfferings); HyperPod may not find %s capacity there either", t, strings.Join(missing, ", "), g.instanceType)
			}
		}
	}
}
