"""A static web server over TLS on 127.0.0.1, for the HTTPS remote tests.

Usage: https_server.py DIRECTORY CERTIFICATE KEY. Serves DIRECTORY as `python3 -m http.server`
does, on a port the system picks, with the PEM certificate and key given, and prints the port
on a line ending in `port N` once it listens.
"""

import functools
import http.server
import ssl
import sys

directory, certificate, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(certificate, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"Serving HTTPS on 127.0.0.1 port {server.server_address[1]}", flush=True)
server.serve_forever()
