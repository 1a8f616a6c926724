#!/usr/bin/python3
"""An independent HL7 v2 peer for Vigil's MLLP listener, built on Debian's python3-hl7 (run with /usr/bin/python3).

Builds an ORU^R01 with the hl7 library (segments, fields and components assigned through its containers, text
escaped by it), sends it with hl7.client.MLLPClient, parses the ACK with hl7.parse; then sends it again (a resend)
and sends one with an implausible heart rate under another control id. Prints what it saw as JSON.
"""
import argparse
import datetime
import json
import sys

import hl7
import hl7.client

START, END = b"\x0b", b"\x1c\x0d"


def build(args, control_id, heart_rate):
    zone = datetime.timezone(datetime.timedelta(hours=1))
    now = datetime.datetime.now(zone).replace(microsecond=0) - datetime.timedelta(minutes=1)
    stamp = now.strftime("%Y%m%d%H%M%S%z")
    msg = hl7.parse("MSH|^~\\&|\rPID|1\rOBR|1\r" + "".join("OBX|%d\r" % (i + 1) for i in range(7)))
    msg.assign_field(args.application, "MSH", 1, 3)
    msg.assign_field(args.facility, "MSH", 1, 4)
    msg.assign_field("VIGIL", "MSH", 1, 5)
    msg.assign_field(stamp, "MSH", 1, 7)
    msg.assign_field("ORU", "MSH", 1, 9, 1, 1)
    msg.assign_field("R01", "MSH", 1, 9, 1, 2)
    msg.assign_field("ORU_R01", "MSH", 1, 9, 1, 3)
    msg.assign_field(control_id, "MSH", 1, 10)
    msg.assign_field("P", "MSH", 1, 11)
    msg.assign_field(args.version, "MSH", 1, 12)
    msg.assign_field(args.mrn, "PID", 1, 3, 1, 1)
    msg.assign_field("MR", "PID", 1, 3, 1, 5)
    msg.assign_field("Doe", "PID", 1, 5, 1, 1)
    msg.assign_field(msg.escape("O'Neil & Sons|Ward^7"), "PID", 1, 5, 1, 2)
    msg.assign_field(stamp, "OBR", 1, 7)
    observations = [
        # (value type, code, text, system, value, unit)
        ("NM", "147842", "MDC_ECG_HEART_RATE", "MDC", str(heart_rate), "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        ("NM", "150456", "MDC_PULS_OXIM_SAT_O2", "MDC", "96", "262688^MDC_DIM_PERCENT^MDC"),
        ("NM", "9279-1", "Respiratory rate", "LN", "17", "/min"),
        ("NM", "150344", "MDC_TEMP", "MDC", "99.5", "266560^MDC_DIM_FAHR^MDC"),
        ("SN", "150021", "MDC_PRESS_BLD_NONINV_SYS", "MDC", "=^118", "266016^MDC_DIM_MMHG^MDC"),
        ("NM", "8462-4", "Diastolic blood pressure", "LN", "76", "mm[Hg]"),
        ("ST", "184327", "MDC_ECG_STAT_RHY", "MDC", msg.escape("Sinus rhythm | paced & stable"), ""),
    ]
    for i, (value_type, code, text, system, value, unit) in enumerate(observations, start=1):
        msg.assign_field(value_type, "OBX", i, 2)
        msg.assign_field(code, "OBX", i, 3, 1, 1)
        msg.assign_field(msg.escape(text), "OBX", i, 3, 1, 2)
        msg.assign_field(system, "OBX", i, 3, 1, 3)
        # SN values and coded units have components: each is assigned as one.
        for k, part in enumerate(value.split("^") if value_type == "SN" else [value], start=1):
            msg.assign_field(part, "OBX", i, 5, 1, k)
        for k, part in enumerate(unit.split("^"), start=1):
            msg.assign_field(part, "OBX", i, 6, 1, k)
        msg.assign_field("F", "OBX", i, 11)
        msg.assign_field(stamp, "OBX", i, 14)
    return msg


def send(client, msg):
    raw = client.send_message(str(msg))
    return hl7.parse(raw.strip(START).rstrip(END).decode("utf-8"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--application", required=True)
    p.add_argument("--facility", default="")
    p.add_argument("--control-id", required=True)
    p.add_argument("--mrn", required=True)
    p.add_argument("--version", default="2.5.1")
    args = p.parse_args()

    message = build(args, args.control_id, 74)
    bad = build(args, args.control_id + "-bad", 400)
    with hl7.client.MLLPClient(args.host, args.port) as client:
        ack = send(client, message)
        resent = send(client, message)
        error = send(client, bad)

    json.dump({
        "msa1": str(ack["MSA.F1"]),
        "msa2": str(ack["MSA.F2"]),
        "msa3": str(ack["MSA.F3"]),
        "receiver": str(ack["MSH.F5"]),
        "version": str(ack["MSH.F12"]),
        "resent_msa1": str(resent["MSA.F1"]),
        "resent_msa3": str(resent["MSA.F3"]),
        "error_msa1": str(error["MSA.F1"]),
        "error_location": str(error.segment("ERR")(2)),
        "error_code": str(error["ERR.F3"]),
        "sent": {"heart_rate": 74, "temperature": round((99.5 - 32) * 5 / 9, 6)},
    }, sys.stdout)


if __name__ == "__main__":
    main()
