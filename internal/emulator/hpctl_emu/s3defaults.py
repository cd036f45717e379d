"""S3's defaults since 2023, which moto predates.

Every new general-purpose bucket encrypts with SSE-S3 and blocks all public
access, and DeleteBucketEncryption puts SSE-S3 back rather than leaving a
bucket unencrypted. Sources: the S3 User Guide, "Setting default
server-side encryption behavior for Amazon S3 buckets" (January 2023) and
"Blocking public access to your Amazon S3 storage" (new buckets since April
2023); the S3 API Reference, DeleteBucketEncryption ("resets the default
encryption for the bucket as server-side encryption with Amazon S3 managed
keys (SSE-S3)").
"""

from moto.s3.models import PublicAccessBlock, S3Backend

SSE_S3 = {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "false"}}


def patch():
    create, delete_encryption = S3Backend.create_bucket, S3Backend.delete_bucket_encryption

    def create_bucket(self, bucket_name, region_name, *args, **kwargs):
        bucket = create(self, bucket_name, region_name, *args, **kwargs)
        bucket.encryption = dict(SSE_S3)
        bucket.public_access_block = PublicAccessBlock(True, True, True, True)
        return bucket

    def delete_bucket_encryption(self, bucket_name):
        delete_encryption(self, bucket_name)
        self.get_bucket(bucket_name).encryption = dict(SSE_S3)

    S3Backend.create_bucket = create_bucket
    S3Backend.delete_bucket_encryption = delete_bucket_encryption
