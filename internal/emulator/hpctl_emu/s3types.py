"""AWS::S3::BucketPolicy, which moto's CloudFormation does not know, on
moto's own S3 backend. Ref is the bucket's name (the type's primary
identifier); Bucket and PolicyDocument are required; a bucket that does not
exist fails as S3 fails it; a public policy on a bucket that blocks public
policies (every new bucket does, see s3defaults) is refused with S3's
AccessDenied; delete removes the policy; the policy is enforced as for a
request over TLS (see secure_transport_only). Sources: the CloudFormation
template reference (AWS::S3::BucketPolicy) and the S3 User Guide ("Blocking
public access to your Amazon S3 storage": BlockPublicPolicy rejects a
PutBucketPolicy call whose policy allows public access).
"""

import json

from moto.core.common_models import CloudFormationModel
from moto.s3.models import s3_backends

from .state import handler_error, required


def public(document):
    """A statement that allows anyone, unconditionally (the User Guide's
    "The meaning of public", simplified to what templates write)."""
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for s in statements:
        principal = s.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        anyone = principal == "*" or aws == "*" or isinstance(aws, list) and "*" in aws
        if s.get("Effect") == "Allow" and anyone and not s.get("Condition"):
            return True
    return False


class BucketPolicy(CloudFormationModel):
    def __init__(self, bucket, account_id):
        self.bucket, self.account_id = bucket, account_id

    @staticmethod
    def cloudformation_type():
        return "AWS::S3::BucketPolicy"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.bucket

    @classmethod
    def has_cfn_attr(cls, attr):
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        logical = kwargs.get("LogicalId", resource_name)
        required(props, logical, "Bucket", "PolicyDocument")
        backend = s3_backends[account_id]["aws"]
        bucket = backend.buckets.get(props["Bucket"])
        if bucket is None:
            raise handler_error("S3", "The specified bucket does not exist", status=404, code="NoSuchBucket")
        document = props["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        block = bucket.public_access_block
        if public(document) and block is not None and block.block_public_policy:
            raise handler_error("S3", "User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutBucketPolicy "
                                f"on resource: \"arn:aws:s3:::{props['Bucket']}\" because public policies are blocked by the "
                                "BlockPublicPolicy block public access setting.", status=403, code="AccessDenied")
        backend.put_bucket_policy(props["Bucket"], json.dumps(document).encode())
        return cls(props["Bucket"], account_id)

    def delete(self, account_id, region_name):
        bucket = s3_backends[self.account_id]["aws"].buckets.get(self.bucket)
        if bucket is not None:
            bucket.policy = None


def secure_transport_only(policy):
    """The policy as it reads for a request over TLS: a statement whose one
    condition is aws:SecureTransport false never applies. The SDK speaks
    HTTPS to S3, and the emulator stands for that endpoint though it serves
    HTTP; moto, which ignores conditions, would deny every request of a
    bucket with the hosted templates' DenyUnsecuredTransport statement."""
    document = json.loads(policy.decode())
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in statements
                             if s.get("Condition") != {"Bool": {"aws:SecureTransport": "false"}}]
    return json.dumps(document).encode()


def patch():
    from moto.s3.models import FakeBucket
    get_permission = FakeBucket.get_permission

    def permission(self, action, resource):
        if self.policy is None:
            return get_permission(self, action, resource)
        saved, self.policy = self.policy, secure_transport_only(self.policy)
        try:
            return get_permission(self, action, resource)
        finally:
            self.policy = saved

    FakeBucket.get_permission = permission
