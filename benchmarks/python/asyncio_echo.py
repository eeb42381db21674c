"""An asyncio echo server, one task per client: the shape of a Python listing set beside ours.

asyncio.start_server accepts each client and runs handle_client for it as its own task; every
task waits in `await reader.readuntil(b"\n")`, and the event loop (a selector underneath, like
stage 4) wakes the one whose socket has data. It keeps the repository's echo contract where the
benchmarks look: each line is echoed byte for byte (bytes, never decoded), an unterminated tail at
end of stream is echoed too (as the Java servers do), and a line longer than 8 KiB gets one error
line and the connection is closed. It is a model, not a stage: no client limit, no stop rules.

Run it beside the stages (from the repository root):

    java -jar benchmarks/target/benchmarks.jar quick \
        --servers selector,nio2,virtual \
        --external 'asyncio=python3 benchmarks/python/asyncio_echo.py --port {port}'

or on its own, then `nc 127.0.0.1 8000` and type lines:

    python3 benchmarks/python/asyncio_echo.py --port 8000

Standard library only; Python 3.8 or newer.
"""

import argparse
import asyncio
import signal

MAX_LINE = 8 * 1024  # the same limit as the Java servers, terminator included


async def handle_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Echoes lines until the client closes; one task per client, so a silent one blocks nobody."""
    try:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as end_of_stream:
                # EOF: echo the unterminated tail, as the Java servers do, then close.
                writer.write(end_of_stream.partial)
                await writer.drain()
                break
            except asyncio.LimitOverrunError:
                writer.write(b"ERROR line longer than %d bytes, closing connection\n" % MAX_LINE)
                await writer.drain()
                break
            writer.write(line)
            # drain() waits while the kernel's send buffer is full: a client that stops reading
            # stops being read from, which bounds what the server holds for it.
            await writer.drain()
    except ConnectionError:
        pass  # a reset or broken pipe ends this client only; the others carry on
    finally:
        writer.close()


async def serve(host: str, port: int) -> None:
    # limit= is the longest line readuntil() will buffer; backlog matches the Java servers' 1024.
    server = await asyncio.start_server(handle_client, host, port, limit=MAX_LINE, backlog=1024)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
        except (NotImplementedError, RuntimeError):
            pass  # Windows has no loop signal handlers; Ctrl-C still ends the process there
    bound = server.sockets[0].getsockname()
    print("Listening on %s:%d" % (bound[0], bound[1]), flush=True)
    async with server:
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description="asyncio echo server, one task per client")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
