"""A threaded echo server in a dozen lines, for the checker's test that any language will do.

One thread per client (socketserver.ThreadingTCPServer); lines are bytes, never decoded;
readline() splits on b"\n" only, and at the end of the stream returns the unterminated tail,
which is echoed. It should reach stage 3 of the checker:

    java -jar tools/target/checker.jar --stage 3 -- python3 threaded_echo.py {port}
"""

import socketserver
import sys


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            line = self.rfile.readline()
            if not line:
                return  # end of stream: the server closes the connection
            self.wfile.write(line)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    with Server(("127.0.0.1", int(sys.argv[1])), EchoHandler) as server:
        server.serve_forever()
