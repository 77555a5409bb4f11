"""moto's S3 server for openledger's S3 remote tests (Tests/OpenLedgerKitTests/Remote).

Runs `moto.server.main` with the arguments given (`-H 127.0.0.1 -p 0`), after one fix: moto
checks a request's signature against the URL as werkzeug rebuilds it, and werkzeug turns an
escaped slash in the query (`prefix=refs%2Fd%2F`, as SigV4 requires it) back into `/`, so every
ListObjectsV2 of a prefix with a slash fails with SignatureDoesNotMatch once authentication is on
(getmoto/moto#5948). Here request.url is the URL exactly as the client sent it.

The tests run this with the Python of `make test`'s virtual environment (.venv-moto), found
through OPENLEDGER_MOTO_PYTHON.
"""

import sys

import flask.wrappers
from moto.server import main

_rebuilt_url = flask.wrappers.Request.url


def _url_as_sent(request):
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not target or not target.startswith("/"):
        return _rebuilt_url.__get__(request, type(request))
    return request.host_url.rstrip("/") + target


flask.wrappers.Request.url = property(_url_as_sent)

if __name__ == "__main__":
    main(sys.argv[1:])
