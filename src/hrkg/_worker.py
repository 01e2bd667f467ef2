"""``python -m hrkg._worker FD``: a query worker of the service (see :mod:`hrkg.executor`); not for direct use."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from hrkg.executor import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
