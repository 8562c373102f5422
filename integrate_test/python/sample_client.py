"""dubbo-python consumer of the contract of one of dubbo-python's own
samples (tag 3.0.0b1), for the tests and `make demo-python` pairings of
the Go samples in samples/.

Usage: sample_client.py --sample NAME (--url tri://127.0.0.1:P | --zookeeper H:P)
Makes the calls the dubbo-python sample's client.py makes and prints one
JSON line: {"printed": <what client.py prints, newlines included>}, or
{"error": "..."}. --text prints that text itself instead.

  helloworld: unary b"Hello from client"; prints the bytes reply.
  serialization/json: unary ("dubbo-python", 18) as {"name", "age"};
      prints the reply's message.
The others call org.apache.dubbo.samples.data.Greeter, protobuf:
  serialization/protobuf: sayHello "Dubbo-python"; prints
      "Received reply: <message>".
  stream/client_stream: clientStream from an iterator of "hello",
      "world", "from", "dubbo-python"; prints the reply message.
  stream/server_stream: serverStream "hello world from dubbo-python";
      prints "Received response: <message>" for each.
  stream/bidi_stream: biStream: writes "jock", reads, writes "jane",
      "alice", "dave", done_writing, then reads with a 0.5 s timeout,
      printing "No message received" for each timeout, until EOF.
  registry/zookeeper: sayHello "dubbo-python" found in Zookeeper
      (--zookeeper); prints the reply's message.
"""

import argparse
import contextlib
import io
import json
import os
import sys

import dubbo
from dubbo.classes import EOF
from dubbo.configs import ReferenceConfig, RegistryConfig

import greeter_pb2

GREETER = "org.apache.dubbo.samples.data.Greeter"


def helloworld(client):
    call = client.unary(method_name="unary")
    print(call(b"Hello from client"))


def serialization_json(client):
    call = client.unary(
        method_name="unary",
        request_serializer=lambda name, age: json.dumps({"name": name, "age": age}).encode(),
        response_deserializer=lambda data: json.loads(data)["message"],
    )
    print(call("dubbo-python", 18))


def method(client, kind, name):
    return getattr(client, kind)(
        method_name=name,
        request_serializer=greeter_pb2.GreeterRequest.SerializeToString,
        response_deserializer=greeter_pb2.GreeterReply.FromString,
    )


def request(name):
    return greeter_pb2.GreeterRequest(name=name)


def serialization_protobuf(client):
    reply = method(client, "unary", "sayHello")(request("Dubbo-python"))
    print(f"Received reply: {reply.message}")


def client_stream(client):
    names = (request(n) for n in ["hello", "world", "from", "dubbo-python"])
    stream = method(client, "client_stream", "clientStream")(names)
    print(stream.read())


def server_stream(client):
    stream = method(client, "server_stream", "serverStream")(request("hello world from dubbo-python"))
    for reply in stream:
        print(f"Received response: {reply.message}")


def bidi_stream(client):
    stream = method(client, "bi_stream", "biStream")(())
    stream.write(request("jock"))
    print(f"Received response: {stream.read().message}")
    for name in ["jane", "alice", "dave"]:
        stream.write(request(name))
    stream.done_writing()
    while True:
        reply = stream.read(timeout=0.5)
        if reply is EOF:
            break
        if reply is None:
            print("No message received")
            continue
        print(f"Received response: {reply.message}")


def registry_zookeeper(client):
    print(method(client, "unary", "sayHello")(request("dubbo-python")).message)


SAMPLES = {
    "helloworld": ("org.apache.dubbo.samples.HelloWorld", helloworld),
    "serialization/json": ("org.apache.dubbo.samples.serialization.json", serialization_json),
    "serialization/protobuf": (GREETER, serialization_protobuf),
    "stream/client_stream": (GREETER, client_stream),
    "stream/server_stream": (GREETER, server_stream),
    "stream/bidi_stream": (GREETER, bidi_stream),
    "registry/zookeeper": (GREETER, registry_zookeeper),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", required=True, choices=sorted(SAMPLES))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="tri://127.0.0.1:PORT")
    where.add_argument("--zookeeper", help="host:port of the registry")
    p.add_argument("--text", action="store_true", help="print what client.py prints, not JSON")
    args = p.parse_args()
    service, calls = SAMPLES[args.sample]
    printed = io.StringIO()
    try:
        if args.zookeeper:
            registry = RegistryConfig.from_url(f"zookeeper://{args.zookeeper}")
            client = dubbo.Dubbo(registry_config=registry).create_client(
                ReferenceConfig(protocol="tri", service=service))
        else:
            client = dubbo.Client(ReferenceConfig.from_url(f"{args.url}/{service}"))
        with contextlib.redirect_stdout(printed):
            calls(client)
        out = {"printed": printed.getvalue()}
    except Exception as e:
        out = {"error": f"{type(e).__name__}: {e}", "printed": printed.getvalue()}
    if args.text and "error" not in out:
        print(out["printed"], end="", flush=True)
    else:
        print(json.dumps(out), flush=True)
    sys.stdout.flush()
    # dubbo-python's threads are not daemons: leave at once.
    os._exit(1 if args.text and "error" in out else 0)


if __name__ == "__main__":
    main()
