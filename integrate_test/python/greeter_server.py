"""dubbo-python provider of org.apache.dubbo.samples.data.Greeter for the
interop tests. The Go provider implements the same contract.

Usage: greeter_server.py --host 127.0.0.1 --port P [--zookeeper 127.0.0.1:ZK]
Prints "READY <port>" once serving. Needs greeter_pb2 on PYTHONPATH
(scripts/install-python.sh generates it into <build>/pyenv/gen).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

import dubbo
from dubbo.configs import RegistryConfig, ServiceConfig
from dubbo.proxy.handlers import RpcMethodHandler, RpcServiceHandler

import greeter_pb2

SERVICE = "org.apache.dubbo.samples.data.Greeter"


def reply(message):
    return greeter_pb2.GreeterReply(message=message)


def say_hello(request):
    return reply("Hello, " + request.name)


def client_stream(stream):
    return reply(" ".join(r.name for r in stream))


def server_stream(stream):
    # A server-stream handler gets the stream; its one request is read first.
    name = stream.read().name
    for i in range(3):
        yield reply(f"{name} {i}")


def bi_stream(stream):
    for request in stream:
        yield reply("Hello, " + request.name)


def slow_server_stream(stream):
    count, pause_ms = stream.read().name.split(":")
    for i in range(int(count)):
        time.sleep(int(pause_ms) / 1000)
        yield reply(f"slow {i}")


def fail_unary(request):
    raise Exception("boom: " + request.name)


def fail_stream(stream):
    name = stream.read().name
    yield reply("before boom")
    raise Exception("boom: " + name)


def echo_size(stream):
    for request in stream:
        yield reply(request.name)


# JSON methods carry raw JSON bytes (stdlib json): {"name"} -> {"message"}.
def json_loads(data: bytes):
    return json.loads(data)


def json_dumps(obj) -> bytes:
    return json.dumps(obj).encode("utf-8")


def say_hello_json(request):
    return {"message": "Hello, " + request["name"]}


def bi_stream_json(stream):
    for request in stream:
        yield {"message": "Hello, " + request["name"]}


def build_service_handler():
    pb = dict(
        request_deserializer=greeter_pb2.GreeterRequest.FromString,
        response_serializer=greeter_pb2.GreeterReply.SerializeToString,
    )
    js = dict(request_deserializer=json_loads, response_serializer=json_dumps)
    H = RpcMethodHandler
    return RpcServiceHandler(
        service_name=SERVICE,
        method_handlers=[
            H.unary(say_hello, method_name="sayHello", **pb),
            H.client_stream(client_stream, method_name="clientStream", **pb),
            H.server_stream(server_stream, method_name="serverStream", **pb),
            H.bi_stream(bi_stream, method_name="biStream", **pb),
            H.server_stream(slow_server_stream, method_name="slowServerStream", **pb),
            H.unary(fail_unary, method_name="failUnary", **pb),
            H.server_stream(fail_stream, method_name="failStream", **pb),
            H.bi_stream(echo_size, method_name="echoSize", **pb),
            H.unary(say_hello_json, method_name="sayHelloJson", **js),
            H.bi_stream(bi_stream_json, method_name="biStreamJson", **js),
        ],
    )


def close_zookeeper(server):
    # dubbo-python has no shutdown API. Closing the Kazoo session removes our
    # ephemeral provider node now instead of after the session timeout.
    try:
        transport = server._protocol._factory._transport
        for zk in list(transport._zk_client_dict.values()):
            zk.stop()
    except Exception as e:  # best effort only
        print(f"closing zookeeper session failed: {e}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--zookeeper", help="host:port; registers the service there")
    args = p.parse_args()

    service_config = ServiceConfig(build_service_handler(), host=args.host, port=args.port)
    if args.zookeeper:
        registry_config = RegistryConfig.from_url(f"zookeeper://{args.zookeeper}")
        server = dubbo.Dubbo(registry_config=registry_config).create_server(service_config)
    else:
        server = dubbo.Server(service_config)
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"READY {args.port}", flush=True)
    while not stop.wait(1):
        pass
    if args.zookeeper:
        close_zookeeper(server)
    sys.stdout.flush()
    # The event loop and executor threads are not daemons: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
