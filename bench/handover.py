"""The floor under a thread-per-session bridge: CPU per loop<->thread round
trip with nothing else in it (Python 3).

    taskset -c 0 python bench/handover.py [--sessions 16] [--messages 3000]

Each session is an asyncio coroutine and a thread: the coroutine hands
the thread a message through a ``queue.SimpleQueue`` (C code) and awaits a
future, which the thread resolves with ``loop.call_soon_threadsafe`` --
the least any bridge that runs a synchronous app on its own thread does
per WebSocket message, both ways.  ``to_asgi`` adds the session API, the
ASGI messages and flow control on top; the ASGI server's own work comes on
top of both.  Measured as CPU time per round trip, which load elsewhere on
the machine moves less than wall-clock time.
"""
import argparse
import asyncio
import queue
import resource
import sys
import threading


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def session(messages):
    loop = asyncio.get_running_loop()
    inbox = queue.SimpleQueue()

    def worker():
        for future in iter(inbox.get, None):
            loop.call_soon_threadsafe(future.set_result, None)

    thread = threading.Thread(target=worker)
    thread.start()
    for _ in range(messages):
        future = loop.create_future()
        inbox.put(future)
        await future
    inbox.put(None)
    await loop.run_in_executor(None, thread.join)


async def run(sessions, messages):
    start = cpu_seconds()
    await asyncio.gather(*[session(messages) for _ in range(sessions)])
    return (cpu_seconds() - start) / (sessions * messages)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args(argv)
    seconds = asyncio.run(run(args.sessions, args.messages))
    print("%d sessions x %d round trips: %.1f us CPU per round trip" % (
        args.sessions, args.messages, seconds * 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
