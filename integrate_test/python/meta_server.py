"""dubbo-python provider of org.apache.dubbo.samples.data.Meta for the
metadata interop tests (python_metadata_test.go).

dubbo-python 3.0.0b1 gives a handler no request headers and no way to set
response headers. The one way out is the keyword arguments of a stream
handler's done_writing(**kwargs), which dubbo-python sends as trailers next
to grpc-status; a unary handler only gets its request, so it cannot.

  plain (unary):                "Hello, <name>" (whatever headers came)
  trailerServer / trailerClient / trailerBidi: reads every request, writes
      one reply, the names joined by spaces, then ends with the trailers
      x-py-trailer: <the names> and x-py-bin: base64 of b"\\x00\\xffpy"
  failUnary (unary):            raises Exception("boom: <name>")
  failText (unary):             raises Exception("caf\\u00e9 100%")

Usage: meta_server.py --host 127.0.0.1 --port P; prints "READY <port>".
"""

import argparse
import base64
import os
import signal
import threading

import dubbo
from dubbo.configs import ServiceConfig
from dubbo.proxy.handlers import RpcMethodHandler, RpcServiceHandler

import greeter_pb2

SERVICE = "org.apache.dubbo.samples.data.Meta"
PY_BIN = b"\x00\xffpy"


def reply(message):
    return greeter_pb2.GreeterReply(message=message)


def plain(request):
    return reply("Hello, " + request.name)


def with_trailers(stream):
    # The stream a handler gets is the call's read-write stream: ending it
    # ourselves with keyword arguments makes them trailers, and returning
    # None leaves dubbo-python nothing more to write.
    names = [r.name for r in stream]
    text = " ".join(names)
    stream.write(reply(text))
    stream.done_writing(
        **{"x-py-trailer": text, "x-py-bin": base64.b64encode(PY_BIN).decode("ascii")}
    )


def fail_unary(request):
    raise Exception("boom: " + request.name)


def fail_text(request):
    raise Exception("caf\u00e9 100%")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()

    pb = dict(
        request_deserializer=greeter_pb2.GreeterRequest.FromString,
        response_serializer=greeter_pb2.GreeterReply.SerializeToString,
    )
    H = RpcMethodHandler
    handler = RpcServiceHandler(
        service_name=SERVICE,
        method_handlers=[
            H.unary(plain, method_name="plain", **pb),
            H.server_stream(with_trailers, method_name="trailerServer", **pb),
            H.client_stream(with_trailers, method_name="trailerClient", **pb),
            H.bi_stream(with_trailers, method_name="trailerBidi", **pb),
            H.unary(fail_unary, method_name="failUnary", **pb),
            H.unary(fail_text, method_name="failText", **pb),
        ],
    )
    server = dubbo.Server(ServiceConfig(handler, host=args.host, port=args.port))
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"READY {args.port}", flush=True)
    while not stop.wait(1):
        pass
    # The event loop and executor threads are not daemons: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
