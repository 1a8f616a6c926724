#!/usr/bin/python3
"""Sends vital signs to Vigil's HL7 listener as an HL7 v2.5 ORU^R01 over MLLP and prints the ACK.

Needs Debian's python3-hl7 (apt-get install python3-hl7), which loads only in /usr/bin/python3.

  scripts/hl7-send.py --application MONITOR --facility ICU --mrn M-0001 --heart-rate 72 --spo2 97
  scripts/hl7-send.py --file message.hl7          # send a message as it is (segments on their own lines)

The observations are coded as bedside monitors code them (IEEE 11073 MDC, IHE PCD-01) and timed now. The exit code
is 0 for AA, 1 for AE or AR.
"""
import argparse
import datetime
import sys

import hl7
import hl7.client

VITALS = [
    # (option, MDC code, reference id, MDC unit code, unit reference id)
    ("heart_rate", "147842", "MDC_ECG_HEART_RATE", "264864", "MDC_DIM_BEAT_PER_MIN"),
    ("spo2", "150456", "MDC_PULS_OXIM_SAT_O2", "262688", "MDC_DIM_PERCENT"),
    ("respiratory_rate", "151562", "MDC_RESP_RATE", "264928", "MDC_DIM_RESP_PER_MIN"),
    ("temperature", "150344", "MDC_TEMP", "268192", "MDC_DIM_DEGC"),
    ("systolic", "150021", "MDC_PRESS_BLD_NONINV_SYS", "266016", "MDC_DIM_MMHG"),
    ("diastolic", "150022", "MDC_PRESS_BLD_NONINV_DIA", "266016", "MDC_DIM_MMHG"),
]


def build(args):
    now = datetime.datetime.now().astimezone().strftime("%Y%m%d%H%M%S%z")
    given = [v for v in VITALS if getattr(args, v[0]) is not None]
    msg = hl7.parse("MSH|^~\\&|\rPID|1\rOBR|1\r" + "".join("OBX|%d\r" % (i + 1) for i in range(len(given))))
    msh = [(3, args.application), (4, args.facility), (5, "VIGIL"), (7, now),
           (10, args.control_id or hl7.generate_message_control_id()), (11, "P"), (12, "2.5")]
    for field, value in msh:
        msg.assign_field(value, "MSH", 1, field)
    for component, value in enumerate(["ORU", "R01", "ORU_R01"], start=1):
        msg.assign_field(value, "MSH", 1, 9, 1, component)
    msg.assign_field(args.mrn, "PID", 1, 3, 1, 1)
    msg.assign_field("MR", "PID", 1, 3, 1, 5)
    msg.assign_field(now, "OBR", 1, 7)
    for i, (option, code, ref, unit_code, unit_ref) in enumerate(given, start=1):
        for field, value in [(2, "NM"), (5, str(getattr(args, option))), (11, "F"), (14, now)]:
            msg.assign_field(value, "OBX", i, field)
        for component, value in enumerate([code, ref, "MDC"], start=1):
            msg.assign_field(value, "OBX", i, 3, 1, component)
        for component, value in enumerate([unit_code, unit_ref, "MDC"], start=1):
            msg.assign_field(value, "OBX", i, 6, 1, component)
    return str(msg)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2575)
    p.add_argument("--file", help="send this message instead of building one")
    p.add_argument("--application", default="MONITOR", help="MSH-3, as on the customer's sender list")
    p.add_argument("--facility", default="", help="MSH-4, as on the customer's sender list")
    p.add_argument("--mrn", help="PID-3: the patient's MRN (or Vigil id)")
    p.add_argument("--control-id", help="MSH-10 (default: a new one); the same id again is a resend")
    for option, *_ in VITALS:
        p.add_argument("--" + option.replace("_", "-"), dest=option, type=float)
    args = p.parse_args()
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            message = "\r".join(line.rstrip("\r\n") for line in f if line.strip())
    elif args.mrn:
        message = build(args)
    else:
        p.error("give --mrn and some vitals, or --file")

    with hl7.client.MLLPClient(args.host, args.port) as client:
        raw = client.send_message(message)
    ack = hl7.parse(raw.strip(b"\x0b").rstrip(b"\x1c\r").decode("utf-8"))
    print(str(ack).replace("\r", "\n"))
    return 0 if str(ack["MSA.F1"]) == "AA" else 1


if __name__ == "__main__":
    sys.exit(main())
