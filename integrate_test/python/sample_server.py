"""dubbo-python provider of the contract of one of dubbo-python's own
samples (tag 3.0.0b1), for the tests of the Go samples in samples/.

Usage: sample_server.py --sample helloworld --host 127.0.0.1 --port P
Prints "READY <port>" once serving, then, for each call, the line the
dubbo-python sample's server.py prints.

  helloworld: org.apache.dubbo.samples.HelloWorld, unary "unary", raw
              bytes; prints "Received message from client: <repr>",
              replies b"Hello from server".
  serialization/json: org.apache.dubbo.samples.serialization.json, unary
              "unary", JSON {"name", "age"} in, {"message"} out; prints
              "Received request: <name>, <age>", replies
              "Hello, <name>, you are <age> years old.".
"""

import argparse
import json
import os
import signal
import sys
import threading

import dubbo
from dubbo.configs import ServiceConfig
from dubbo.proxy.handlers import RpcMethodHandler, RpcServiceHandler


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


SAMPLES = {"helloworld": helloworld, "serialization/json": serialization_json}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", required=True, choices=sorted(SAMPLES))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    server = dubbo.Server(ServiceConfig(SAMPLES[args.sample](), host=args.host, port=args.port))
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"READY {args.port}", flush=True)
    while not stop.wait(1):
        pass
    sys.stdout.flush()
    # The event loop and executor threads are not daemons: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
