"""moto's server plus the behaviours cmk-sentinel needs and moto 5.2.1 lacks or gets wrong.

Test infrastructure, not product: started by testbed/moto.ts (tests, demo, bench) as
`python3 testbed/emulator/server.py -H 127.0.0.1 -p PORT`. Each `*_ext.py` module patches one
service through moto's own backends and response classes, and cites the AWS documentation
it follows; `install()` applies it before the server starts.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import athena_ext  # noqa: E402
import config_ext  # noqa: E402
import dynamodb_ext  # noqa: E402
import ec2_ext  # noqa: E402
import iam_ext  # noqa: E402
import emr_ext  # noqa: E402
import logs_ext  # noqa: E402
import rds_ext  # noqa: E402
import redshift_ext  # noqa: E402
import s3_ext  # noqa: E402
import s3control_ext  # noqa: E402
import securityhub_ext  # noqa: E402
import sts_ext  # noqa: E402

EXTENSIONS = [s3_ext, athena_ext, logs_ext, rds_ext, redshift_ext, emr_ext, s3control_ext, securityhub_ext, dynamodb_ext, ec2_ext, iam_ext, config_ext, sts_ext]


def watch_parent() -> None:
    """Exit when the process that started this server is gone (CMK_SENTINEL_EMULATOR_PARENT=its PID).

    A jest worker's emulator outlives each test file and is stopped by PID at the end of the run; if the worker
    dies first (killed, recycled), nobody would stop it: this watchdog does.
    """
    parent = os.environ.get("CMK_SENTINEL_EMULATOR_PARENT")
    if not parent:
        return
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(int(parent), 0)
            except OSError:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    watch_parent()
    for ext in EXTENSIONS:
        ext.install()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
