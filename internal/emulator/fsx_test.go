package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// fsxTemplate is the hosted fsx-filesystem template's shape: the security
// groups come in as one String and go to AWS::FSx::FileSystem as a
// one-element list.
const fsxTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  SecurityGroupIds: {Type: String}
  SubnetId: {Type: String}
Resources:
  FileSystem:
    Type: AWS::FSx::FileSystem
    Properties:
      FileSystemType: LUSTRE
      StorageCapacity: 1200
      SubnetIds: [!Ref SubnetId]
      SecurityGroupIds: [!Ref SecurityGroupIds]
Outputs:
  Id: {Value: !Ref FileSystem}
  Dns: {Value: !GetAtt FileSystem.DNSName}
`

func TestFSxFileSystemChecksItsSecurityGroups(t *testing.T) {
	f := setup(t, Settings{})
	f.create("net", netTemplate, cftypes.Parameter{ParameterKey: aws.String("Cidr"), ParameterValue: aws.String("10.9.0.0/16")})
	net := outputs(f.settle("net"))
	param := func(k, v string) cftypes.Parameter {
		return cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
	}
	var groups []string
	for _, name := range []string{"sga", "sgb"} {
		f.create(name, sgTemplate, param("VpcId", net["VpcId"]))
		groups = append(groups, outputs(f.settle(name))["GroupId"])
	}

	f.create("one", fsxTemplate, param("SecurityGroupIds", groups[0]), param("SubnetId", net["SubnetId"]))
	one := f.settle("one")
	if one.StackStatus != cftypes.StackStatusCreateComplete || !strings.HasPrefix(outputs(one)["Id"], "fs-") ||
		!strings.HasSuffix(outputs(one)["Dns"], ".fsx.us-west-2.amazonaws.com") {
		t.Fatalf("one group: %s %v\n%s", one.StackStatus, outputs(one), strings.Join(f.events("one"), "\n"))
	}
	inv, err := f.emu.Inventory(f.ctx, Region)
	if err != nil || len(inv["fileSystems"]) != 1 {
		t.Errorf("file systems %v (%v)", inv["fileSystems"], err)
	}
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: one.StackId}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(aws.ToString(one.StackId)); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s", s.StackStatus)
	}
	if inv, _ := f.emu.Inventory(f.ctx, Region); len(inv["fileSystems"]) != 0 {
		t.Errorf("file systems after the delete: %v", inv["fileSystems"])
	}

	// Two groups in one String: one invalid ID, as FSx says.
	f.create("two", fsxTemplate, param("SecurityGroupIds", strings.Join(groups, ",")), param("SubnetId", net["SubnetId"]))
	if s := f.settle("two"); s.StackStatus != cftypes.StackStatusRollbackComplete {
		t.Fatalf("two groups: %s", s.StackStatus)
	}
	inOrder(t, f.events("two"), "FileSystem CREATE_FAILED InvalidRequest: Resource handler returned message: \"1 validation error detected: Value '"+
		strings.Join(groups, ",")+"' at 'securityGroupIds.1.member' failed to satisfy constraint")

	f.create("gone", fsxTemplate, param("SecurityGroupIds", "sg-0123456789abcdef0"), param("SubnetId", net["SubnetId"]))
	f.settle("gone")
	inOrder(t, f.events("gone"), "FileSystem CREATE_FAILED NotFound: Resource handler returned message: \"The security group 'sg-0123456789abcdef0' does not exist")
}
