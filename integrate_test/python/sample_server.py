"""dubbo-python provider of the contract of one of dubbo-python's own
samples (tag 3.0.0b1), for the tests and `make demo-python` pairings of
the Go samples in samples/.

Usage: sample_server.py --sample NAME --host 127.0.0.1 --port P [--zookeeper H:P]
Prints "READY <port>" once serving, then what the dubbo-python sample's
server.py prints for each call.

  helloworld: org.apache.dubbo.samples.HelloWorld, unary "unary", raw
      bytes; prints "Received message from client: <repr>", replies
      b"Hello from server".
  serialization/json: org.apache.dubbo.samples.serialization.json, unary
      "unary", JSON {"name", "age"} in, {"message"} out; prints
      "Received request: <name>, <age>", replies
      "Hello, <name>, you are <age> years old.".
The others serve org.apache.dubbo.samples.data.Greeter, protobuf
GreeterRequest {name} / GreeterReply {message}:
  serialization/protobuf: sayHello; prints "Received request: <message>"
      (protobuf's text form), replies "Hello, <name>".
  stream/client_stream: clientStream; prints "Received request: <name>"
      for each, replies every name followed by a space.
  stream/server_stream: serverStream; prints "Received request: <name>",
      replies each space-separated word of it.
  stream/bidi_stream: biStream; prints "Received request: <name>" for
      each, replies "Hello, <name>!", the second after a 1 s pause.
  registry/zookeeper: sayHello registered in Zookeeper (--zookeeper);
      prints "Received request: <name>", replies "Hello, <name>!".
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
from greeter_server import close_zookeeper

GREETER = "org.apache.dubbo.samples.data.Greeter"


def helloworld():
    def unary(message):
        print(f"Received message from client: {message!r}", flush=True)
        return b"Hello from server"

    return RpcServiceHandler(
        service_name="org.apache.dubbo.samples.HelloWorld",
        method_handlers=[RpcMethodHandler.unary(unary, method_name="unary")],
    )


def serialization_json():
    def decode(data):
        obj = json.loads(data)
        return obj["name"], obj["age"]

    def unary(request):
        name, age = request
        print(f"Received request: {name}, {age}", flush=True)
        return f"Hello, {name}, you are {age} years old."

    return RpcServiceHandler(
        service_name="org.apache.dubbo.samples.serialization.json",
        method_handlers=[
            RpcMethodHandler.unary(
                unary,
                method_name="unary",
                request_deserializer=decode,
                response_serializer=lambda message: json.dumps({"message": message}).encode(),
            )
        ],
    )


def greeter(kind, method_name, fn):
    """A Greeter service with one protobuf method of the given kind."""
    handler = getattr(RpcMethodHandler, kind)(
        fn,
        method_name=method_name,
        request_deserializer=greeter_pb2.GreeterRequest.FromString,
        response_serializer=greeter_pb2.GreeterReply.SerializeToString,
    )
    return RpcServiceHandler(service_name=GREETER, method_handlers=[handler])


def reply(message):
    return greeter_pb2.GreeterReply(message=message)


def serialization_protobuf():
    def say_hello(request):
        print(f"Received request: {request}", flush=True)
        return reply(f"Hello, {request.name}")

    return greeter("unary", "sayHello", say_hello)


def client_stream():
    def collect(requests):
        names = ""
        for request in requests:
            print(f"Received request: {request.name}", flush=True)
            names += f"{request.name} "
        return reply(names)

    return greeter("client_stream", "clientStream", collect)


def server_stream():
    def words(stream):
        request = stream.read()
        print(f"Received request: {request.name}", flush=True)
        for word in request.name.split(" "):
            yield reply(word)

    return greeter("server_stream", "serverStream", words)


def bidi_stream():
    def hello_each(stream):
        for i, request in enumerate(stream):
            print(f"Received request: {request.name}", flush=True)
            if i == 1:
                time.sleep(1)  # the second reply comes late
            stream.write(reply(f"Hello, {request.name}!"))
        stream.done_writing()

    return greeter("bi_stream", "biStream", hello_each)


def registry_zookeeper():
    def say_hello(request):
        print(f"Received request: {request.name}", flush=True)
        return reply(f"Hello, {request.name}!")

    return greeter("unary", "sayHello", say_hello)


SAMPLES = {
    "helloworld": helloworld,
    "serialization/json": serialization_json,
    "serialization/protobuf": serialization_protobuf,
    "stream/client_stream": client_stream,
    "stream/server_stream": server_stream,
    "stream/bidi_stream": bidi_stream,
    "registry/zookeeper": registry_zookeeper,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", required=True, choices=sorted(SAMPLES))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--zookeeper", help="host:port; registers the service there")
    args = p.parse_args()
    if (args.sample == "registry/zookeeper") != bool(args.zookeeper):
        p.error("--zookeeper goes with --sample registry/zookeeper, and only with it")
    service_config = ServiceConfig(SAMPLES[args.sample](), host=args.host, port=args.port)
    if args.zookeeper:
        registry = RegistryConfig.from_url(f"zookeeper://{args.zookeeper}")
        server = dubbo.Dubbo(registry_config=registry).create_server(service_config)
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
