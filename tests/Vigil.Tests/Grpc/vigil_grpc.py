#!/usr/bin/python3
"""A gRPC client for Vigil's vigil.v1 services, built on Debian's python3-grpcio and python3-protobuf alone.

The messages come from a descriptor set that protoc writes from proto/vigil/v1 (protoc --include_imports
--descriptor_set_out=vigil.pb), so no generated Python code is needed; calls go through grpcio's generic API. With
proto/google/rpc in the set too, a failure's grpc-status-details-bin is decoded into "violations".
Each command prints one JSON object: {"code": "OK", "response": ...} or {"code": "<STATUS>", "details": ...,
"trailers": {...}}.

  vigil_grpc.py --descriptors vigil.pb --target 127.0.0.1:50051 --key KEY call METHOD [--request JSON] [--timeout S]
  vigil_grpc.py ... stream --patient p --count 100000 [--first N] [--per-message 1000] [--bad-at N] [--id-prefix s]
  vigil_grpc.py ... watch [--patient p] --timeout S [--max N]
"""
import argparse
import datetime
import json
import sys
import threading

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

# Each method: request type, response type, and whether the client or the server streams.
METHODS = {
    "/vigil.v1.IngestService/IngestBatch": ("vigil.v1.ReadingBatch", "vigil.v1.IngestResponse", "unary"),
    "/vigil.v1.IngestService/Ingest": ("vigil.v1.IngestMessage", "vigil.v1.IngestStreamResponse", "client_stream"),
    "/vigil.v1.QueryService/GetLatestVitals": ("vigil.v1.PatientRequest", "vigil.v1.LatestVitals", "unary"),
    "/vigil.v1.QueryService/GetAggregates": ("vigil.v1.AggregatesRequest", "vigil.v1.Aggregates", "unary"),
    "/vigil.v1.QueryService/GetNews2": ("vigil.v1.PatientRequest", "vigil.v1.News2", "unary"),
    "/vigil.v1.AlertService/Watch": ("vigil.v1.WatchRequest", "vigil.v1.AlertEvent", "server_stream"),
}


def load_messages(path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for proto in files.file:
        pool.Add(proto)
    get_class = getattr(message_factory, "GetMessageClass", None)
    factory = None if get_class else message_factory.MessageFactory(pool)

    def message(name):
        descriptor = pool.FindMessageTypeByName(name)
        return get_class(descriptor) if get_class else factory.GetPrototype(descriptor)

    return message


def has_message(message, name):
    """Whether the descriptor set holds the message (google/rpc/*.proto are optional to protoc's command line)."""
    try:
        message(name)
        return True
    except KeyError:
        return False


def to_dict(msg):
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


def failure(error, message):
    """The status of a failed call, with a google.rpc.BadRequest from grpc-status-details-bin as "violations"."""
    metadata = list(error.trailing_metadata() or ())
    result = {"code": error.code().name, "details": error.details(),
              "trailers": {k: v for k, v in metadata if not k.endswith("-bin")}}
    for key, value in metadata:
        if key == "grpc-status-details-bin" and has_message(message, "google.rpc.Status"):
            status = message("google.rpc.Status").FromString(value)
            result["status_code"] = status.code
            for detail in status.details:
                if detail.type_url == "type.googleapis.com/google.rpc.BadRequest":
                    bad_request = message("google.rpc.BadRequest").FromString(detail.value)
                    result["violations"] = [{"field": v.field, "description": v.description} for v in bad_request.field_violations]
    return result


def callable_for(channel, message, method):
    request_type, response_type, kind = METHODS[method]
    request_class, response_class = message(request_type), message(response_type)
    factory = {"unary": channel.unary_unary, "client_stream": channel.stream_unary, "server_stream": channel.unary_stream}[kind]
    return factory(method, request_serializer=request_class.SerializeToString, response_deserializer=response_class.FromString), request_class


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--descriptors", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--key")
    parser.add_argument("--tls-root", help="PEM of the CA that signed the server's certificate: TLS instead of h2c")
    commands = parser.add_subparsers(dest="command", required=True)
    call = commands.add_parser("call")
    call.add_argument("method")
    call.add_argument("--request", default="{}")
    call.add_argument("--timeout", type=float)
    stream = commands.add_parser("stream")
    stream.add_argument("--patient", required=True)
    stream.add_argument("--count", type=int, required=True, help="readings first..count-1 are sent")
    stream.add_argument("--first", type=int, default=0, help="resume: start at this reading")
    stream.add_argument("--per-message", type=int, default=1)
    stream.add_argument("--bad-at", type=int, help="send an out-of-range heart rate as this reading")
    stream.add_argument("--id-prefix", default="s")
    stream.add_argument("--timeout", type=float)
    stream.add_argument("--cancel-after", type=int, help="cancel the call once this many messages are handed to grpcio")
    watch = commands.add_parser("watch")
    watch.add_argument("--patient")
    watch.add_argument("--timeout", type=float, required=True)
    watch.add_argument("--max", type=int, default=1_000_000)
    args = parser.parse_args()

    message = load_messages(args.descriptors)
    metadata = [("x-api-key", args.key)] if args.key else []
    if args.tls_root:
        with open(args.tls_root, "rb") as f:
            channel = grpc.secure_channel(args.target, grpc.ssl_channel_credentials(root_certificates=f.read()))
    else:
        channel = grpc.insecure_channel(args.target)

    with channel:
        if args.command == "call":
            method, request_class = callable_for(channel, message, args.method)
            request = json_format.Parse(args.request, request_class())
            try:
                if METHODS[args.method][2] == "client_stream":
                    response = method(iter([request]), metadata=metadata, timeout=args.timeout)
                else:
                    response = method(request, metadata=metadata, timeout=args.timeout)
                result = {"code": "OK", "response": to_dict(response)}
            except grpc.RpcError as e:
                result = failure(e, message)
        elif args.command == "stream":
            result = stream_readings(channel, message, metadata, args)
        else:
            result = watch_alerts(channel, message, metadata, args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def stream_readings(channel, message, metadata, args):
    """Streams heart-rate readings args.first..args.count-1 (id prefix + index, one second apart), args.per_message to a message."""
    method, _ = callable_for(channel, message, "/vigil.v1.IngestService/Ingest")
    ingest_message, batch_class, reading_class = message("vigil.v1.IngestMessage"), message("vigil.v1.ReadingBatch"), message("vigil.v1.Reading")
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

    def reading(i):
        observed = (start + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        value = 900.0 if i == args.bad_at else 60.0 + i % 40
        return reading_class(id=f"{args.id_prefix}{i}", patient_id=args.patient, type="heart_rate", number=value, observed_at=observed)

    def messages():
        for first in range(args.first, args.count, args.per_message):
            readings = [reading(i) for i in range(first, min(first + args.per_message, args.count))]
            if len(readings) == 1:
                yield ingest_message(reading=readings[0])
            else:
                yield ingest_message(batch=batch_class(readings=readings))

    if args.cancel_after is None:
        try:
            return {"code": "OK", "response": to_dict(method(messages(), metadata=metadata, timeout=args.timeout))}
        except grpc.RpcError as e:
            return failure(e, message)

    # The stream stays open (the iterator blocks) after cancel_after messages, so the call ends by cancellation alone.
    handed, released = threading.Event(), threading.Event()

    def until_cancelled():
        for n, m in enumerate(messages()):
            if n == args.cancel_after:
                handed.set()
                released.wait()
                return
            yield m

    future = method.future(until_cancelled(), metadata=metadata, timeout=args.timeout)
    handed.wait()
    future.cancel()
    released.set()
    try:
        return {"code": "OK", "response": to_dict(future.result())}
    except grpc.FutureCancelledError:
        return {"code": "CANCELLED", "details": "cancelled by the client", "trailers": {}}
    except grpc.RpcError as e:
        return failure(e, message)


def watch_alerts(channel, message, metadata, args):
    """Collects alert events until args.max arrived or the deadline passes; prints them with the final status."""
    method, request_class = callable_for(channel, message, "/vigil.v1.AlertService/Watch")
    request = request_class(patient_id=args.patient) if args.patient else request_class()
    events = []
    call = method(request, metadata=metadata, timeout=args.timeout)
    # Readiness marker for the caller: the call is open once its initial metadata arrived.
    call.initial_metadata()
    sys.stderr.write("watching\n")
    sys.stderr.flush()
    try:
        for event in call:
            events.append(to_dict(event))
            if len(events) >= args.max:
                call.cancel()
                break
        result = {"code": "OK"}
    except grpc.RpcError as e:
        result = failure(e, message)
    result["events"] = events
    return result


if __name__ == "__main__":
    main()
