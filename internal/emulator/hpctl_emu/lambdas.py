"""AWS::Lambda::Function and AWS::Lambda::LayerVersion whose code is an S3
object, checked as Lambda checks it: the object must exist when the
resource is created. moto checks it too, but raises a bare ValueError that
would read as an emulator bug; here the resource fails in CloudFormation's
words.

Lambda's CreateFunction and PublishLayerVersion read Code.S3Bucket/S3Key
(Content.S3Bucket/S3Key for a layer) at once and answer
InvalidParameterValueException "Error occurred while GetObject. S3 Error
Code: NoSuchKey. S3 Error Message: The specified key does not exist." (the
Lambda API reference, CreateFunction errors; the message is Lambda's own),
which CloudFormation reports as the resource handler's message. This is the
failure a custom template bucket without the hosted templates' Lambda code
(resources/artifacts/*.zip) meets.
"""

from moto.awslambda import models as lambda_models
from moto.s3.models import s3_backends

from .state import handler_error

_orig = {}


def missing(account_id, location):
    bucket, key = location.get("S3Bucket"), location.get("S3Key")
    if not bucket or not key:
        return None
    backend = s3_backends[account_id]["aws"]
    if bucket not in backend.buckets:
        return "NoSuchBucket. S3 Error Message: The specified bucket does not exist"
    if key not in backend.buckets[bucket].keys:
        return "NoSuchKey. S3 Error Message: The specified key does not exist."
    return None


def checked(kind, prop):
    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        problem = missing(account_id, props.get(prop) or {})
        if problem:
            raise handler_error("Lambda", f"Error occurred while GetObject. S3 Error Code: {problem}")
        return _orig[kind].__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    return create


def patch():
    for kind, cls, prop in (("function", lambda_models.LambdaFunction, "Code"), ("layer", lambda_models.LayerVersion, "Content")):
        _orig[kind] = cls.create_from_cloudformation_json
        cls.create_from_cloudformation_json = classmethod(checked(kind, prop))
