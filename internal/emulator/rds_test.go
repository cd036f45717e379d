package emulator

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// rdsTemplate is the hosted Slurm accounting database's shape: a subnet
// group over the given subnets, a MariaDB instance with a managed master
// user secret, kept as a final snapshot when deleted.
const rdsTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Subnets: {Type: CommaDelimitedList}
  VpcId: {Type: String}
  Class: {Type: String, Default: db.m5.large}
  Storage: {Type: Number, Default: 20}
Resources:
  SubnetGroup:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: accounting
      SubnetIds: !Ref Subnets
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: db, VpcId: !Ref VpcId}
  Db:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    Properties:
      AllocatedStorage: !Ref Storage
      DBInstanceClass: !Ref Class
      DBSubnetGroupName: !Ref SubnetGroup
      Engine: mariadb
      ManageMasterUserPassword: true
      MasterUsername: admin
      Port: 3306
      StorageEncrypted: true
      VPCSecurityGroups: [!Ref Group]
Outputs:
  Secret: {Value: !GetAtt Db.MasterUserSecret.SecretArn}
  Address: {Value: !GetAtt Db.Endpoint.Address}
  Port: {Value: !GetAtt Db.Endpoint.Port}
  Id: {Value: !Ref Db}
`

// twoZones is a VPC with a subnet in each of two zones.
const twoZones = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.8.0.0/16}
  A:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.8.1.0/24, AvailabilityZoneId: usw2-az1}
  B:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.8.2.0/24, AvailabilityZoneId: usw2-az2}
Outputs:
  VpcId: {Value: !Ref Vpc}
  A: {Value: !Ref A}
  B: {Value: !Ref B}
`

func TestRDSAccountingDatabase(t *testing.T) {
	f := setup(t, Settings{})
	f.create("net", twoZones)
	net := outputs(f.settle("net"))
	param := func(k, v string) cftypes.Parameter {
		return cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}

	f.create("db", rdsTemplate, param("Subnets", net["A"]+","+net["B"]), param("VpcId", net["VpcId"]))
	db := f.settle("db")
	out := outputs(db)
	if db.StackStatus != cftypes.StackStatusCreateComplete || !strings.HasPrefix(out["Secret"], "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!") ||
		!strings.Contains(out["Address"], ".rds.amazonaws.com") || out["Port"] != "3306" {
		t.Fatalf("%s %v\n%s", db.StackStatus, out, strings.Join(f.events("db"), "\n"))
	}
	inv, err := f.emu.Inventory(f.ctx, Region)
	if err != nil || !slices.Equal(inv["dbInstances"], []string{out["Id"]}) || len(inv["dbSubnetGroups"]) != 1 || len(inv["secrets"]) != 1 {
		t.Fatalf("instances %v, subnet groups %v, secrets %v (%v)", inv["dbInstances"], inv["dbSubnetGroups"], inv["secrets"], err)
	}

	// DeletionPolicy Snapshot: the instance and its secret go, a manual
	// snapshot stays.
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: db.StackId}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(aws.ToString(db.StackId)); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s", s.StackStatus)
	}
	inv, _ = f.emu.Inventory(f.ctx, Region)
	if len(inv["dbInstances"]) != 0 || len(inv["dbSubnetGroups"]) != 0 || len(inv["secrets"]) != 0 ||
		!slices.Equal(inv["dbSnapshots"], []string{"db-snapshot-" + out["Id"]}) {
		t.Errorf("after delete: instances %v, subnet groups %v, secrets %v, snapshots %v",
			inv["dbInstances"], inv["dbSubnetGroups"], inv["secrets"], inv["dbSnapshots"])
	}

	// Without a DeletionPolicy a DB instance outside a cluster is
	// snapshotted all the same: that is CloudFormation's default for it.
	f.create("nopolicy", strings.Replace(rdsTemplate, "    DeletionPolicy: Snapshot\n", "", 1),
		param("Subnets", net["A"]+","+net["B"]), param("VpcId", net["VpcId"]))
	np := f.settle("nopolicy")
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: np.StackId}); err != nil {
		t.Fatal(err)
	}
	f.settle(aws.ToString(np.StackId))
	if inv, _ = f.emu.Inventory(f.ctx, Region); !slices.Contains(inv["dbSnapshots"], "nopolicy-snapshot-"+outputs(np)["Id"]) {
		t.Errorf("no default snapshot: %v", inv["dbSnapshots"])
	}

	for _, tc := range []struct {
		name   string
		params []cftypes.Parameter
		want   string
	}{
		{"onezone", []cftypes.Parameter{param("Subnets", net["A"]), param("VpcId", net["VpcId"])},
			"SubnetGroup CREATE_FAILED DBSubnetGroupDoesNotCoverEnoughAZs: Resource handler returned message: \"The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: us-west-2b. Add subnets to cover at least 2 AZs.\" (Service: Rds, Status Code: 400)"},
		{"badclass", []cftypes.Parameter{param("Subnets", net["A"]+","+net["B"]), param("VpcId", net["VpcId"]), param("Class", "m5.large")},
			"Db CREATE_FAILED InvalidParameterValue: Resource handler returned message: \"Invalid DB Instance class: m5.large\" (Service: Rds, Status Code: 400)"},
		{"small", []cftypes.Parameter{param("Subnets", net["A"]+","+net["B"]), param("VpcId", net["VpcId"]), param("Storage", "10")},
			"Db CREATE_FAILED InvalidParameterValue: Resource handler returned message: \"Invalid storage size for engine name mariadb and storage type gp2: 10\""},
	} {
		f.create(tc.name, rdsTemplate, tc.params...)
		if s := f.settle(tc.name); s.StackStatus != cftypes.StackStatusRollbackComplete {
			t.Errorf("%s: %s", tc.name, s.StackStatus)
		}
		inOrder(t, f.events(tc.name), tc.want)
	}
}
