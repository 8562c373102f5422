"""dubbo-python consumer of the contract of one of dubbo-python's own
samples (tag 3.0.0b1), for the tests of the Go samples in samples/.

Usage: sample_client.py --sample helloworld --url tri://127.0.0.1:P
Makes the call the dubbo-python sample's client.py makes and prints one
JSON line: {"printed": <the line client.py prints>}, or {"error": "..."}.

  helloworld: unary b"Hello from client"; client.py prints the bytes reply.
  serialization/json: unary ("dubbo-python", 18) as {"name", "age"};
              client.py prints the reply's message.
"""

import argparse
import json
import os
import sys

import dubbo
from dubbo.configs import ReferenceConfig


def helloworld(client):
    call = client.unary(method_name="unary")
    return str(call(b"Hello from client"))


def serialization_json(client):
    call = client.unary(
        method_name="unary",
        request_serializer=lambda name, age: json.dumps({"name": name, "age": age}).encode(),
        response_deserializer=lambda data: json.loads(data)["message"],
    )
    return call("dubbo-python", 18)


SAMPLES = {
    "helloworld": ("org.apache.dubbo.samples.HelloWorld", helloworld),
    "serialization/json": ("org.apache.dubbo.samples.serialization.json", serialization_json),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sample", required=True, choices=sorted(SAMPLES))
    p.add_argument("--url", required=True, help="tri://127.0.0.1:PORT")
    args = p.parse_args()
    service, call = SAMPLES[args.sample]
    try:
        client = dubbo.Client(ReferenceConfig.from_url(f"{args.url}/{service}"))
        out = {"printed": call(client)}
    except Exception as e:
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)
    sys.stdout.flush()
    # dubbo-python's threads are not daemons: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
