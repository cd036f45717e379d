"""hpctl's patch layer over moto.

Stock moto is right about API shapes, S3, parameters, conditions and the
HyperPod API, but it builds a whole stack inside the CreateStack request,
emits only stack-level events, never fails or rolls back, skips
AWS::SageMaker::Cluster, and cannot read a nested stack's outputs. These
modules close those gaps so that hpctl's tests and demo exercise what
CloudFormation really does. `python -m hpctl_emu --port N` starts moto with
the patches applied; /hpctl-emu/config and /hpctl-emu/reset control it.
"""
