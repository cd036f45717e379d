"""python -m hpctl_emu --port PORT: moto's server with hpctl's patches."""

import argparse
import os
import signal
import sys


def main():
    parser = argparse.ArgumentParser(prog="hpctl_emu")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # No template of HyperPod's looks up an AMI, and moto loads its ~3,500
    # default AMIs into every region's EC2 backend, anew after each reset
    # (0.7 s each time, most of a small test's emulator time).
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    # The SDK hpctl builds with knows regions newer than moto's copy of
    # botocore (me-west-1, …), which moto would answer with a 500; AWS has
    # them all. moto serves an unknown region when told to.
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

    # Import everything before serving, so the first request is not the one
    # that pays for moto's lazy imports (over a second).
    from moto.cloudformation import parsing  # noqa: F401  (imports every resource model)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    from . import apstypes, cfn, clusterevents, ec2types, ekstypes, fsx, hyperpod, lambdas, lifecyclelogs, properties, quotas, rdstypes, s3defaults, s3types, trainingplans, validate  # noqa: F401
    from .control import Control, answer_unknown_actions, cache_module_list

    cfn.patch()
    hyperpod.patch()
    clusterevents.patch()
    quotas.patch()
    trainingplans.patch()
    properties.patch()
    fsx.patch()
    rdstypes.patch()
    lambdas.patch()
    validate.patch()
    s3defaults.patch()
    ec2types.patch()  # rebuilds moto's type map: the models of every module imported above
    s3types.patch()
    answer_unknown_actions()
    cache_module_list()
    app = DomainDispatcherApplication(create_backend_app)
    for service in ("cloudformation", "s3", "sagemaker", "ec2", "iam", "ssm", "sts", "servicequotas", "eks", "fsx", "logs"):
        app.get_application({"HTTP_HOST": f"{service}.us-east-1.amazonaws.com", "PATH_INFO": "/"})

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    run_simple(args.host, args.port, Control(app, ["apstypes", "cfn", "clusterevents", "ec2types", "ekstypes", "fsx", "hyperpod", "lambdas", "lifecyclelogs", "properties", "quotas", "rdstypes", "s3defaults", "s3types", "trainingplans", "validate"]), threaded=True)


if __name__ == "__main__":
    main()
