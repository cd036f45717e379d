"""AWS::APS::Workspace (the observability stacks' Amazon Managed Service
for Prometheus workspace), which moto's CloudFormation does not know,
created on moto's own AMP backend so that DescribeWorkspace sees it.

Ref is the workspace's ARN; GetAtt Arn, PrometheusEndpoint and WorkspaceId
are what the API returns. An alias over 100 characters fails as the
schema fails it. Delete removes the workspace; the hosted templates keep
theirs with DeletionPolicy Retain, which the engine honours.

Source: the CloudFormation template reference for AWS::APS::Workspace
(Ref, Fn::GetAtt, Alias length 0..100).
"""

from moto.amp.models import amp_backends
from moto.core.common_models import CloudFormationModel

from .state import invalid


class Workspace(CloudFormationModel):
    def __init__(self, workspace, account_id, region):
        self.workspace, self.account_id, self.region = workspace, account_id, region

    @staticmethod
    def cloudformation_type():
        return "AWS::APS::Workspace"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.workspace.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("Arn", "PrometheusEndpoint", "WorkspaceId")

    def get_cfn_attribute(self, attr):
        w = self.workspace
        return {"Arn": w.arn, "PrometheusEndpoint": w.endpoint, "WorkspaceId": w.workspace_id}[attr]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        alias = str(props.get("Alias") or "")
        if len(alias) > 100:
            raise invalid(logical, f"#/Alias: expected maxLength: 100, actual: {len(alias)}")
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
        workspace = amp_backends[account_id][region_name].create_workspace(alias=alias, tags=tags)
        return cls(workspace, account_id, region_name)

    def delete(self, account_id, region_name):
        amp_backends[self.account_id][self.region].delete_workspace(self.workspace.workspace_id)
