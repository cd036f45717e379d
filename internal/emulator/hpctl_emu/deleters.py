"""Deletes for resource types moto's CloudFormation creates but cannot
delete: it reports them deleted and leaves them in place, so that a VPC can
never go (DependencyViolation) and a brought security group keeps rules the
stack added. Each calls the same backend method the EC2 API would."""

from moto.ec2.models import ec2_backends


def _ec2(stack):
    return ec2_backends[stack.account_id][stack.region_name]


def route_table(stack, m):
    _ec2(stack).delete_route_table(m.id)


def route(stack, m):
    if m.destination_cidr_block != "local":
        _ec2(stack).delete_route(m.route_table.id, m.destination_cidr_block)


def subnet_association(stack, m):
    table = _ec2(stack).get_route_table(m.route_table_id)
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == m.subnet_id:
            _ec2(stack).disassociate_route_table(association_id)


def nat_gateway(stack, m):
    _ec2(stack).delete_nat_gateway(m.id)
    # moto keeps the gateway's network interface (and the address on it); AWS releases them.
    eni = getattr(m, "_eni", None)
    if eni is not None:
        for address in _ec2(stack).addresses:
            if getattr(address, "eni", None) is eni:
                address.eni = None
                address.association_id = None
        _ec2(stack).delete_network_interface(eni.id)


def elastic_ip(stack, m):
    _ec2(stack).release_address(allocation_id=m.allocation_id)


def internet_gateway(stack, m):
    _ec2(stack).delete_internet_gateway(m.id)


def gateway_attachment(stack, m):
    if str(m.gateway_id).startswith("igw-"):
        _ec2(stack).detach_internet_gateway(m.gateway_id, m.vpc_id)


def vpc_endpoint(stack, m):
    _ec2(stack).delete_vpc_endpoints([m.id])
    _ec2(stack).vpc_end_points.pop(m.id, None)  # AWS stops listing it; moto keeps it as "deleted"


def ingress_rule(stack, m):
    p = m.properties
    source = {}
    if p.get("SourceSecurityGroupId"):
        source["GroupId"] = p["SourceSecurityGroupId"]
    _ec2(stack).revoke_security_group_ingress(
        group_name_or_id=m.security_group.id, ip_protocol=p.get("IpProtocol"), from_port=p.get("FromPort"),
        to_port=p.get("ToPort"), ip_ranges=[{"CidrIp": p["CidrIp"]}] if p.get("CidrIp") else [],
        source_groups=[source] if source else [])


DELETERS = {
    "AWS::EC2::RouteTable": route_table,
    "AWS::EC2::Route": route,
    "AWS::EC2::SubnetRouteTableAssociation": subnet_association,
    "AWS::EC2::NatGateway": nat_gateway,
    "AWS::EC2::EIP": elastic_ip,
    "AWS::EC2::InternetGateway": internet_gateway,
    "AWS::EC2::VPCGatewayAttachment": gateway_attachment,
    "AWS::EC2::VPCEndpoint": vpc_endpoint,
    "AWS::EC2::SecurityGroupIngress": ingress_rule,
}
