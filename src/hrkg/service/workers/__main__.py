"""``python -m hrkg.service.workers FD``: a worker process of the service (see :mod:`.pool`); not for direct use."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from hrkg.service.workers.worker import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
