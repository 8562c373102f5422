"""dubbo-python consumer of org.apache.dubbo.samples.data.Greeter for the
interop tests (the contract is in greeter_server.py).

Usage: greeter_client.py (--url tri://127.0.0.1:P | --zookeeper 127.0.0.1:ZK)
                         --case NAME [--case NAME ...]
Prints one JSON object per case on stdout, e.g.
  {"case": "unary", "messages": ["Hello, world"]}
  {"case": "fail_unary", "messages": [], "error": {...}}
A failed call is data: the exit code is 0 unless the arguments are wrong.
"""

import argparse
import json
import os
import sys
import traceback

import dubbo
from dubbo.classes import EOF
from dubbo.configs import ReferenceConfig, RegistryConfig

import greeter_pb2

SERVICE = "org.apache.dubbo.samples.data.Greeter"
Req = greeter_pb2.GreeterRequest
PB = dict(
    request_serializer=greeter_pb2.GreeterRequest.SerializeToString,
    response_deserializer=greeter_pb2.GreeterReply.FromString,
)
JS = dict(
    request_serializer=lambda obj: json.dumps(obj).encode("utf-8"),
    response_deserializer=lambda data: json.loads(data),
)


def drain(stream, out):
    """Reads to EOF, appending each reply's message."""
    for r in stream:
        out.append(r.message)


def case_unary(c, out):
    out.append(c.unary("sayHello", **PB)(Req(name="world")).message)


def case_client_stream_iter(c, out):
    stream = c.client_stream("clientStream", **PB)(iter([Req(name=n) for n in "abc"]))
    out.append(stream.read().message)


def case_client_stream_write(c, out):
    stream = c.client_stream("clientStream", **PB)()
    for n in "abc":
        stream.write(Req(name=n))
    stream.done_writing()
    out.append(stream.read().message)


def case_server_stream(c, out):
    drain(c.server_stream("serverStream", **PB)(Req(name="py")), out)


def case_bidi(c, out):
    stream = c.bi_stream("biStream", **PB)()
    stream.write(Req(name="x"))
    out.append(stream.read().message)
    stream.write(Req(name="y"))
    out.append(stream.read().message)
    stream.done_writing()
    drain(stream, out)


def case_bidi_iter(c, out):
    drain(c.bi_stream("biStream", **PB)(iter([Req(name=n) for n in "xyz"])), out)


def case_timed_read(c, out):
    stream = c.server_stream("slowServerStream", **PB)(Req(name="2:600"))
    while True:
        r = stream.read(timeout=0.1)
        if r is None:
            out.append("TIMEOUT")
        elif r is EOF:
            out.append("EOF")
            return
        else:
            out.append(r.message)


def case_fail_unary(c, out):
    out.append(c.unary("failUnary", **PB)(Req(name="x")).message)


def case_fail_stream(c, out):
    # dubbo-python raises a stream's error status in its event loop thread:
    # the reader only sees EOF after the replies sent before the error.
    drain(c.server_stream("failStream", **PB)(Req(name="x")), out)
    out.append("EOF")


def case_json_unary(c, out):
    out.append(c.unary("sayHelloJson", **JS)({"name": "json"})["message"])


def case_json_bidi(c, out):
    stream = c.bi_stream("biStreamJson", **JS)(iter([{"name": n} for n in ("j1", "j2")]))
    out.extend(r["message"] for r in stream)


def case_volume(c, out, result):
    # dubbo-python queues received messages (both sides) in a queue of at
    # most 1000 and stalls the stream (queue.Full) when it overflows: keep
    # at most `window` requests unanswered.
    n, window = 10000, 500
    stream = c.bi_stream("echoSize", **PB)()
    got = []
    for i in range(n):
        stream.write(Req(name=f"m{i}"))
        if i + 1 - len(got) >= window:
            got.append(stream.read().message)
    stream.done_writing()
    drain(stream, got)
    result.update(
        count=len(got),
        in_order=got == [f"m{i}" for i in range(n)],
        first=got[0] if got else None,
        last=got[-1] if got else None,
    )


def case_big(c, out, result):
    stream = c.bi_stream("echoSize", **PB)()
    stream.write(Req(name="x" * (1 << 20)))
    stream.done_writing()
    got = []
    drain(stream, got)
    result.update(count=len(got), length=len(got[0]) if got else 0)


def case_big_unary(c, out):
    # sayHello with a 1 MiB name: for the provider size-limit tests.
    out.append(str(len(c.unary("sayHello", **PB)(Req(name="x" * (1 << 20))).message)))


def case_kib_unary(c, out):
    # sayHello with a 4 KiB name: over a 1 KiB limit, but small enough to be
    # sent in full before the provider answers.
    out.append(str(len(c.unary("sayHello", **PB)(Req(name="x" * 4096)).message)))


CASES = {
    name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")
}


def error_json(e):
    err = {"type": type(e).__name__, "message": str(e)}
    status = getattr(e, "status", None)  # StatusRpcError carries a TriRpcStatus
    if status is not None:
        err["code"] = status.code.value
        err["code_name"] = status.code.name
        err["description"] = status.description
    return err


def run(client, name):
    result = {"case": name, "messages": []}
    fn = CASES[name]
    try:
        if fn.__code__.co_argcount == 3:
            fn(client, result["messages"], result)
        else:
            fn(client, result["messages"])
    except Exception as e:
        result["error"] = error_json(e)
        traceback.print_exc(file=sys.stderr)
    print(json.dumps(result), flush=True)


def main():
    p = argparse.ArgumentParser()
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="tri://127.0.0.1:PORT (direct)")
    where.add_argument("--zookeeper", help="host:port of Zookeeper")
    p.add_argument("--case", action="append", required=True, choices=sorted(CASES))
    args = p.parse_args()

    try:
        if args.url:
            url = args.url if args.url.count("/") > 2 else f"{args.url}/{SERVICE}"
            client = dubbo.Client(ReferenceConfig.from_url(url))
        else:
            registry = RegistryConfig.from_url(f"zookeeper://{args.zookeeper}")
            client = dubbo.Dubbo(registry_config=registry).create_client(
                ReferenceConfig(protocol="tri", service=SERVICE)
            )
    except Exception as e:
        # Connecting is part of what the tests observe: report it as data.
        for name in args.case:
            print(json.dumps({"case": name, "messages": [], "error": error_json(e)}), flush=True)
        os._exit(0)

    for name in args.case:
        run(client, name)
    # dubbo-python's event loop thread is not a daemon: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
