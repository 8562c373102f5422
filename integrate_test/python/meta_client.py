"""dubbo-python consumer of the Go provider of org.apache.dubbo.samples.data.Meta
for the metadata interop tests (python_metadata_test.go).

dubbo-python 3.0.0b1 has no way to add request headers to a call and hands
its caller neither the response headers nor the trailers: all a case can
report is the replies and, for a failed call, the status code and
description.

  echo_headers: unary echoHeaders(name="py"): its reply (the Go provider
                describes the request headers it saw)
  header_stream: server stream headerStream(name="py"): its replies
  fail_details: unary failDetails(name="py"): its error

Usage: meta_client.py --url tri://127.0.0.1:P --case NAME [--case NAME ...]
Prints one JSON object per case on stdout, as greeter_client.py does:
  {"case": "echo_headers", "messages": [...]} or with an "error" object.
"""

import argparse
import json
import os
import sys
import traceback

import dubbo
from dubbo.configs import ReferenceConfig

import greeter_pb2

SERVICE = "org.apache.dubbo.samples.data.Meta"
Req = greeter_pb2.GreeterRequest
PB = dict(
    request_serializer=greeter_pb2.GreeterRequest.SerializeToString,
    response_deserializer=greeter_pb2.GreeterReply.FromString,
)


def case_echo_headers(c, out):
    out.append(c.unary("echoHeaders", **PB)(Req(name="py")).message)


def case_header_stream(c, out):
    for r in c.server_stream("headerStream", **PB)(Req(name="py")):
        out.append(r.message)


def case_fail_details(c, out):
    out.append(c.unary("failDetails", **PB)(Req(name="py")).message)


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
        # Everything the status object has: code, description, cause, no
        # details.
        err["status_fields"] = sorted(
            n.lstrip("_") for n in getattr(type(status), "__slots__", ())
        )
    return err


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="tri://127.0.0.1:PORT (direct)")
    p.add_argument("--case", action="append", required=True, choices=sorted(CASES))
    args = p.parse_args()

    client = dubbo.Client(ReferenceConfig.from_url(f"{args.url}/{SERVICE}"))
    for name in args.case:
        result = {"case": name, "messages": []}
        try:
            CASES[name](client, result["messages"])
        except Exception as e:
            result["error"] = error_json(e)
            traceback.print_exc(file=sys.stderr)
        print(json.dumps(result), flush=True)
    # dubbo-python's event loop thread is not a daemon: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
